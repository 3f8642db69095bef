/* wd_comp.h: every item. See compat.h. */
#include "wd_comp.h"

#include "compat.h"
#include "wd_sched.h"

CHECK_VAL(WD_DEFLATE, 0);
CHECK_VAL(WD_ZLIB, 1);
CHECK_VAL(WD_GZIP, 2);
CHECK_VAL(WD_LZ77_ZSTD, 3);
CHECK_VAL(WD_LZ4, 4);
CHECK_VAL(WD_LZ77_ONLY, 5);
CHECK_VAL(WD_COMP_ALG_MAX, 6);
CHECK_VAL(WD_DIR_COMPRESS, 0);
CHECK_VAL(WD_DIR_DECOMPRESS, 1);
CHECK_VAL(WD_DIR_MAX, 2);
CHECK_VAL(WD_COMP_L1, 1);
CHECK_VAL(WD_COMP_L2, 2);
CHECK_VAL(WD_COMP_L3, 3);
CHECK_VAL(WD_COMP_L4, 4);
CHECK_VAL(WD_COMP_L5, 5);
CHECK_VAL(WD_COMP_L6, 6);
CHECK_VAL(WD_COMP_L7, 7);
CHECK_VAL(WD_COMP_L8, 8);
CHECK_VAL(WD_COMP_L9, 9);
CHECK_VAL(WD_COMP_L10, 10);
CHECK_VAL(WD_COMP_L11, 11);
CHECK_VAL(WD_COMP_L12, 12);
CHECK_VAL(WD_COMP_L13, 13);
CHECK_VAL(WD_COMP_L14, 14);
CHECK_VAL(WD_COMP_L15, 15);
CHECK_VAL(WD_COMP_WS_4K, 0);
CHECK_VAL(WD_COMP_WS_8K, 1);
CHECK_VAL(WD_COMP_WS_16K, 2);
CHECK_VAL(WD_COMP_WS_24K, 3);
CHECK_VAL(WD_COMP_WS_32K, 4);

CHECK_SIZE(struct wd_comp_req, 72);
CHECK_OFF(struct wd_comp_req, src, 0);
CHECK_OFF(struct wd_comp_req, list_src, 0);
CHECK_OFF(struct wd_comp_req, src_len, 8);
CHECK_OFF(struct wd_comp_req, dst, 16);
CHECK_OFF(struct wd_comp_req, list_dst, 16);
CHECK_OFF(struct wd_comp_req, dst_len, 24);
CHECK_OFF(struct wd_comp_req, cb, 32);
CHECK_OFF(struct wd_comp_req, cb_param, 40);
CHECK_OFF(struct wd_comp_req, op_type, 48);
CHECK_OFF(struct wd_comp_req, data_fmt, 52);
CHECK_OFF(struct wd_comp_req, last, 56);
CHECK_OFF(struct wd_comp_req, status, 60);
CHECK_OFF(struct wd_comp_req, priv, 64);
CHECK_SIZE(struct wd_lz77_zstd_data, 48);
CHECK_OFF(struct wd_lz77_zstd_data, literals_start, 0);
CHECK_OFF(struct wd_lz77_zstd_data, sequences_start, 8);
CHECK_OFF(struct wd_lz77_zstd_data, lit_num, 16);
CHECK_OFF(struct wd_lz77_zstd_data, seq_num, 20);
CHECK_OFF(struct wd_lz77_zstd_data, lit_length_overflow_cnt, 24);
CHECK_OFF(struct wd_lz77_zstd_data, lit_length_overflow_pos, 28);
CHECK_OFF(struct wd_lz77_zstd_data, freq, 32);
CHECK_OFF(struct wd_lz77_zstd_data, blk_type, 40);
CHECK_SIZE(struct wd_comp_sess_setup, 88);
CHECK_OFF(struct wd_comp_sess_setup, alg_type, 0);
CHECK_OFF(struct wd_comp_sess_setup, comp_lv, 4);
CHECK_OFF(struct wd_comp_sess_setup, win_sz, 8);
CHECK_OFF(struct wd_comp_sess_setup, op_type, 12);
CHECK_OFF(struct wd_comp_sess_setup, sched_param, 16);
CHECK_OFF(struct wd_comp_sess_setup, mm_ops, 24);
CHECK_OFF(struct wd_comp_sess_setup, mm_type, 80);

static void *my_cb(struct wd_comp_req *req, void *cb_param)
{
	return req ? cb_param : NULL;
}

int compat_comp(void)
{
	int n = 0;
	wd_alg_comp_cb_t *cb = my_cb;
	int (*f_init)(struct wd_ctx_config *, struct wd_sched *) = wd_comp_init;
	void (*f_uninit)(void) = wd_comp_uninit;
	int (*f_init2_)(char *, __u32, int, struct wd_ctx_params *) = wd_comp_init2_;
	void (*f_uninit2)(void) = wd_comp_uninit2;
	handle_t (*f_alloc_sess)(struct wd_comp_sess_setup *) = wd_comp_alloc_sess;
	void (*f_free_sess)(handle_t) = wd_comp_free_sess;
	int (*f_reset_sess)(handle_t) = wd_comp_reset_sess;
	int (*f_sync)(handle_t, struct wd_comp_req *) = wd_do_comp_sync;
	int (*f_strm)(handle_t, struct wd_comp_req *) = wd_do_comp_strm;
	int (*f_async)(handle_t, struct wd_comp_req *) = wd_do_comp_async;
	int (*f_poll_ctx)(__u32, __u32, __u32 *) = wd_comp_poll_ctx;
	int (*f_poll)(__u32, __u32 *) = wd_comp_poll;
	int (*f_sync2)(handle_t, struct wd_comp_req *) = wd_do_comp_sync2;
	int (*f_env_init)(struct wd_sched *) = wd_comp_env_init;
	void (*f_env_uninit)(void) = wd_comp_env_uninit;
	int (*f_ctx_num_init)(__u32, __u32, __u32, __u8) = wd_comp_ctx_num_init;
	void (*f_ctx_num_uninit)(void) = wd_comp_ctx_num_uninit;
	int (*f_get_env_param)(__u32, __u32, __u32, __u32 *, __u8 *) = wd_comp_get_env_param;
	struct wd_comp_req req = { .cb = cb };

	USE_FN(n, cb);
	USE_FN(n, f_init);
	USE_FN(n, f_uninit);
	USE_FN(n, f_init2_);
	USE_FN(n, f_uninit2);
	USE_FN(n, f_alloc_sess);
	USE_FN(n, f_free_sess);
	USE_FN(n, f_reset_sess);
	USE_FN(n, f_sync);
	USE_FN(n, f_strm);
	USE_FN(n, f_async);
	USE_FN(n, f_poll_ctx);
	USE_FN(n, f_poll);
	USE_FN(n, f_sync2);
	USE_FN(n, f_env_init);
	USE_FN(n, f_env_uninit);
	USE_FN(n, f_ctx_num_init);
	USE_FN(n, f_ctx_num_uninit);
	USE_FN(n, f_get_env_param);
	if (req.cb(&req, &n) != &n)
		return -1;
	/* With no simulated OS bound to this thread every call refuses, as UADK's do unready. */
	if (wd_comp_init2("zlib", SCHED_POLICY_RR, TASK_HW) != -WD_EINVAL ||
	    wd_comp_env_init(NULL) != -WD_EINVAL)
		return -2;
	return n;
}
