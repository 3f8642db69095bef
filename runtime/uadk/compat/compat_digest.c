/* wd_digest.h: every item. See compat.h. */
#include "wd_digest.h"

#include "compat.h"
#include "wd_sched.h"

CHECK_VAL(WD_DIGEST_SM3, 0);
CHECK_VAL(WD_DIGEST_MD5, 1);
CHECK_VAL(WD_DIGEST_SHA1, 2);
CHECK_VAL(WD_DIGEST_SHA256, 3);
CHECK_VAL(WD_DIGEST_SHA224, 4);
CHECK_VAL(WD_DIGEST_SHA384, 5);
CHECK_VAL(WD_DIGEST_SHA512, 6);
CHECK_VAL(WD_DIGEST_SHA512_224, 7);
CHECK_VAL(WD_DIGEST_SHA512_256, 8);
CHECK_VAL(WD_DIGEST_AES_XCBC_MAC_96, 9);
CHECK_VAL(WD_DIGEST_AES_XCBC_PRF_128, 10);
CHECK_VAL(WD_DIGEST_AES_CMAC, 11);
CHECK_VAL(WD_DIGEST_AES_GMAC, 12);
CHECK_VAL(WD_DIGEST_TYPE_MAX, 13);
CHECK_VAL(WD_DIGEST_SM3_LEN, 32);
CHECK_VAL(WD_DIGEST_MD5_LEN, 16);
CHECK_VAL(WD_DIGEST_SHA1_LEN, 20);
CHECK_VAL(WD_DIGEST_SHA256_LEN, 32);
CHECK_VAL(WD_DIGEST_SHA224_LEN, 28);
CHECK_VAL(WD_DIGEST_SHA384_LEN, 48);
CHECK_VAL(WD_DIGEST_SHA512_LEN, 64);
CHECK_VAL(WD_DIGEST_SHA512_224_LEN, 28);
CHECK_VAL(WD_DIGEST_SHA512_256_LEN, 32);
CHECK_VAL(WD_DIGEST_AES_XCBC_MAC_96_LEN, 12);
CHECK_VAL(WD_DIGEST_AES_XCBC_PRF_128_LEN, 16);
CHECK_VAL(WD_DIGEST_AES_CMAC_LEN, 16);
CHECK_VAL(WD_DIGEST_AES_GMAC_LEN, 16);
CHECK_VAL(WD_DIGEST_SM3_FULL_LEN, 32);
CHECK_VAL(WD_DIGEST_MD5_FULL_LEN, 16);
CHECK_VAL(WD_DIGEST_SHA1_FULL_LEN, 20);
CHECK_VAL(WD_DIGEST_SHA256_FULL_LEN, 32);
CHECK_VAL(WD_DIGEST_SHA224_FULL_LEN, 32);
CHECK_VAL(WD_DIGEST_SHA384_FULL_LEN, 64);
CHECK_VAL(WD_DIGEST_SHA512_FULL_LEN, 64);
CHECK_VAL(WD_DIGEST_SHA512_224_FULL_LEN, 64);
CHECK_VAL(WD_DIGEST_SHA512_256_FULL_LEN, 64);
CHECK_VAL(WD_DIGEST_NORMAL, 0);
CHECK_VAL(WD_DIGEST_HMAC, 1);
CHECK_VAL(WD_DIGEST_MODE_MAX, 2);
CHECK_VAL(WD_DIGEST_END, 0);
CHECK_VAL(WD_DIGEST_DOING, 1);
CHECK_VAL(WD_DIGEST_STREAM_END, 2);
CHECK_VAL(WD_DIGEST_STREAM_DOING, 3);
CHECK_VAL(WD_DIGEST_MSG_STATE_MAX, 4);

CHECK_SIZE(struct wd_digest_sess_setup, 80);
CHECK_OFF(struct wd_digest_sess_setup, alg, 0);
CHECK_OFF(struct wd_digest_sess_setup, mode, 4);
CHECK_OFF(struct wd_digest_sess_setup, sched_param, 8);
CHECK_OFF(struct wd_digest_sess_setup, mm_ops, 16);
CHECK_OFF(struct wd_digest_sess_setup, mm_type, 72);
CHECK_SIZE(struct wd_digest_req, 80);
CHECK_OFF(struct wd_digest_req, in, 0);
CHECK_OFF(struct wd_digest_req, list_in, 0);
CHECK_OFF(struct wd_digest_req, out, 8);
CHECK_OFF(struct wd_digest_req, in_bytes, 16);
CHECK_OFF(struct wd_digest_req, out_bytes, 20);
CHECK_OFF(struct wd_digest_req, out_buf_bytes, 24);
CHECK_OFF(struct wd_digest_req, iv, 32);
CHECK_OFF(struct wd_digest_req, iv_bytes, 40);
CHECK_OFF(struct wd_digest_req, state, 44);
CHECK_OFF(struct wd_digest_req, has_next, 46);
CHECK_OFF(struct wd_digest_req, data_fmt, 48);
CHECK_OFF(struct wd_digest_req, cb, 56);
CHECK_OFF(struct wd_digest_req, cb_param, 64);
CHECK_OFF(struct wd_digest_req, long_data_len, 72);
CHECK_SIZE(struct wd_cb_tag, 24);
CHECK_OFF(struct wd_cb_tag, ctx, 0);
CHECK_OFF(struct wd_cb_tag, tag, 8);
CHECK_OFF(struct wd_cb_tag, ctx_id, 16);
CHECK_SIZE(struct wd_digest_tag, 40);
CHECK_OFF(struct wd_digest_tag, wd_tag, 0);
CHECK_OFF(struct wd_digest_tag, long_data_len, 24);
CHECK_OFF(struct wd_digest_tag, priv, 32);

static void *my_cb(void *cb_param)
{
	return cb_param;
}

int compat_digest(void)
{
	int n = 0;
	wd_digest_cb_t *cb = my_cb;
	int (*f_init)(struct wd_ctx_config *, struct wd_sched *) = wd_digest_init;
	void (*f_uninit)(void) = wd_digest_uninit;
	int (*f_init2_)(char *, __u32, int, struct wd_ctx_params *) = wd_digest_init2_;
	void (*f_uninit2)(void) = wd_digest_uninit2;
	handle_t (*f_alloc_sess)(struct wd_digest_sess_setup *) = wd_digest_alloc_sess;
	void (*f_free_sess)(handle_t) = wd_digest_free_sess;
	int (*f_sync)(handle_t, struct wd_digest_req *) = wd_do_digest_sync;
	int (*f_async)(handle_t, struct wd_digest_req *) = wd_do_digest_async;
	int (*f_set_key)(handle_t, const __u8 *, __u32) = wd_digest_set_key;
	int (*f_poll_ctx)(__u32, __u32, __u32 *) = wd_digest_poll_ctx;
	int (*f_poll)(__u32, __u32 *) = wd_digest_poll;
	int (*f_env_init)(struct wd_sched *) = wd_digest_env_init;
	void (*f_env_uninit)(void) = wd_digest_env_uninit;
	int (*f_ctx_num_init)(__u32, __u32, __u32, __u8) = wd_digest_ctx_num_init;
	void (*f_ctx_num_uninit)(void) = wd_digest_ctx_num_uninit;
	int (*f_get_env_param)(__u32, __u32, __u32, __u32 *, __u8 *) = wd_digest_get_env_param;
	struct wd_digest_req req = { .cb = cb };

	USE_FN(n, cb);
	USE_FN(n, f_init);
	USE_FN(n, f_uninit);
	USE_FN(n, f_init2_);
	USE_FN(n, f_uninit2);
	USE_FN(n, f_alloc_sess);
	USE_FN(n, f_free_sess);
	USE_FN(n, f_sync);
	USE_FN(n, f_async);
	USE_FN(n, f_set_key);
	USE_FN(n, f_poll_ctx);
	USE_FN(n, f_poll);
	USE_FN(n, f_env_init);
	USE_FN(n, f_env_uninit);
	USE_FN(n, f_ctx_num_init);
	USE_FN(n, f_ctx_num_uninit);
	USE_FN(n, f_get_env_param);
	if (req.cb(&n) != &n)
		return -1;
	if (wd_digest_init2("sha256", SCHED_POLICY_RR, TASK_HW) != -WD_EINVAL)
		return -2;
	return n;
}
