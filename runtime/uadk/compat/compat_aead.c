/* wd_aead.h: every item. See compat.h. */
#include "wd_aead.h"

#include "compat.h"
#include "wd_sched.h"

CHECK_VAL(AIV_STREAM_LEN, 64);
CHECK_VAL(WD_CIPHER_ENCRYPTION_DIGEST, 0);
CHECK_VAL(WD_CIPHER_DECRYPTION_DIGEST, 1);
CHECK_VAL(WD_DIGEST_CIPHER_ENCRYPTION, 2);
CHECK_VAL(WD_DIGEST_CIPHER_DECRYPTION, 3);
CHECK_VAL(AEAD_MSG_BLOCK, 0);
CHECK_VAL(AEAD_MSG_FIRST, 1);
CHECK_VAL(AEAD_MSG_MIDDLE, 2);
CHECK_VAL(AEAD_MSG_END, 3);
CHECK_VAL(AEAD_MSG_INVALID, 4);

CHECK_SIZE(struct wd_aead_sess_setup, 88);
CHECK_OFF(struct wd_aead_sess_setup, calg, 0);
CHECK_OFF(struct wd_aead_sess_setup, cmode, 4);
CHECK_OFF(struct wd_aead_sess_setup, dalg, 8);
CHECK_OFF(struct wd_aead_sess_setup, dmode, 12);
CHECK_OFF(struct wd_aead_sess_setup, sched_param, 16);
CHECK_OFF(struct wd_aead_sess_setup, mm_ops, 24);
CHECK_OFF(struct wd_aead_sess_setup, mm_type, 80);
CHECK_SIZE(struct wd_aead_req, 88);
CHECK_OFF(struct wd_aead_req, op_type, 0);
CHECK_OFF(struct wd_aead_req, list_src, 8);
CHECK_OFF(struct wd_aead_req, src, 8);
CHECK_OFF(struct wd_aead_req, list_dst, 16);
CHECK_OFF(struct wd_aead_req, dst, 16);
CHECK_OFF(struct wd_aead_req, mac, 24);
CHECK_OFF(struct wd_aead_req, iv, 32);
CHECK_OFF(struct wd_aead_req, in_bytes, 40);
CHECK_OFF(struct wd_aead_req, out_bytes, 44);
CHECK_OFF(struct wd_aead_req, iv_bytes, 48);
CHECK_OFF(struct wd_aead_req, mac_bytes, 50);
CHECK_OFF(struct wd_aead_req, assoc_bytes, 52);
CHECK_OFF(struct wd_aead_req, state, 54);
CHECK_OFF(struct wd_aead_req, data_fmt, 56);
CHECK_OFF(struct wd_aead_req, cb, 64);
CHECK_OFF(struct wd_aead_req, cb_param, 72);
CHECK_OFF(struct wd_aead_req, msg_state, 80);

static void *my_cb(struct wd_aead_req *req, void *cb_param)
{
	return req ? cb_param : NULL;
}

int compat_aead(void)
{
	int n = 0;
	wd_alg_aead_cb_t *cb = my_cb;
	int (*f_init)(struct wd_ctx_config *, struct wd_sched *) = wd_aead_init;
	void (*f_uninit)(void) = wd_aead_uninit;
	int (*f_init2_)(char *, __u32, int, struct wd_ctx_params *) = wd_aead_init2_;
	void (*f_uninit2)(void) = wd_aead_uninit2;
	handle_t (*f_alloc_sess)(struct wd_aead_sess_setup *) = wd_aead_alloc_sess;
	void (*f_free_sess)(handle_t) = wd_aead_free_sess;
	int (*f_set_ckey)(handle_t, const __u8 *, __u16) = wd_aead_set_ckey;
	int (*f_set_akey)(handle_t, const __u8 *, __u16) = wd_aead_set_akey;
	int (*f_sync)(handle_t, struct wd_aead_req *) = wd_do_aead_sync;
	int (*f_async)(handle_t, struct wd_aead_req *) = wd_do_aead_async;
	int (*f_set_authsize)(handle_t, __u16) = wd_aead_set_authsize;
	int (*f_get_authsize)(handle_t) = wd_aead_get_authsize;
	int (*f_get_maxauthsize)(handle_t) = wd_aead_get_maxauthsize;
	int (*f_poll_ctx)(__u32, __u32, __u32 *) = wd_aead_poll_ctx;
	int (*f_poll)(__u32, __u32 *) = wd_aead_poll;
	int (*f_env_init)(struct wd_sched *) = wd_aead_env_init;
	void (*f_env_uninit)(void) = wd_aead_env_uninit;
	int (*f_ctx_num_init)(__u32, __u32, __u32, __u8) = wd_aead_ctx_num_init;
	void (*f_ctx_num_uninit)(void) = wd_aead_ctx_num_uninit;
	int (*f_get_env_param)(__u32, __u32, __u32, __u32 *, __u8 *) = wd_aead_get_env_param;
	struct wd_aead_req req = { .cb = cb, .msg_state = AEAD_MSG_BLOCK };

	USE_FN(n, cb);
	USE_FN(n, f_init);
	USE_FN(n, f_uninit);
	USE_FN(n, f_init2_);
	USE_FN(n, f_uninit2);
	USE_FN(n, f_alloc_sess);
	USE_FN(n, f_free_sess);
	USE_FN(n, f_set_ckey);
	USE_FN(n, f_set_akey);
	USE_FN(n, f_sync);
	USE_FN(n, f_async);
	USE_FN(n, f_set_authsize);
	USE_FN(n, f_get_authsize);
	USE_FN(n, f_get_maxauthsize);
	USE_FN(n, f_poll_ctx);
	USE_FN(n, f_poll);
	USE_FN(n, f_env_init);
	USE_FN(n, f_env_uninit);
	USE_FN(n, f_ctx_num_init);
	USE_FN(n, f_ctx_num_uninit);
	USE_FN(n, f_get_env_param);
	if (req.cb(&req, &n) != &n)
		return -1;
	if (wd_aead_init2("gcm(aes)", SCHED_POLICY_RR, TASK_HW) != -WD_EINVAL)
		return -2;
	return n;
}
