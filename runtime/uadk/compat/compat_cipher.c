/* wd_cipher.h: every item. See compat.h. */
#include "wd_cipher.h"

#include "compat.h"
#include "wd_sched.h"

CHECK_VAL(AES_BLOCK_SIZE, 16);
CHECK_VAL(GCM_IV_SIZE, 12);
CHECK_VAL(DES3_BLOCK_SIZE, 8);
CHECK_VAL(MAX_IV_SIZE, 16);
CHECK_VAL(CTX_TYPE_ENCRYPT, 0);
CHECK_VAL(CTX_TYPE_DECRYPT, 1);
CHECK_VAL(WD_CIPHER_ENCRYPTION, 0);
CHECK_VAL(WD_CIPHER_DECRYPTION, 1);
CHECK_VAL(WD_CIPHER_SM4, 0);
CHECK_VAL(WD_CIPHER_AES, 1);
CHECK_VAL(WD_CIPHER_DES, 2);
CHECK_VAL(WD_CIPHER_3DES, 3);
CHECK_VAL(WD_CIPHER_ALG_TYPE_MAX, 4);
CHECK_VAL(WD_CIPHER_ECB, 0);
CHECK_VAL(WD_CIPHER_CBC, 1);
CHECK_VAL(WD_CIPHER_CTR, 2);
CHECK_VAL(WD_CIPHER_XTS, 3);
CHECK_VAL(WD_CIPHER_OFB, 4);
CHECK_VAL(WD_CIPHER_CFB, 5);
CHECK_VAL(WD_CIPHER_CBC_CS1, 6);
CHECK_VAL(WD_CIPHER_CBC_CS2, 7);
CHECK_VAL(WD_CIPHER_CBC_CS3, 8);
CHECK_VAL(WD_CIPHER_CCM, 9);
CHECK_VAL(WD_CIPHER_GCM, 10);
CHECK_VAL(WD_CIPHER_XTS_GB, 11);
CHECK_VAL(WD_CIPHER_MODE_TYPE_MAX, 12);

CHECK_SIZE(struct wd_cipher_sess_setup, 80);
CHECK_OFF(struct wd_cipher_sess_setup, alg, 0);
CHECK_OFF(struct wd_cipher_sess_setup, mode, 4);
CHECK_OFF(struct wd_cipher_sess_setup, sched_param, 8);
CHECK_OFF(struct wd_cipher_sess_setup, mm_ops, 16);
CHECK_OFF(struct wd_cipher_sess_setup, mm_type, 72);
CHECK_SIZE(struct wd_cipher_req, 72);
CHECK_OFF(struct wd_cipher_req, op_type, 0);
CHECK_OFF(struct wd_cipher_req, list_src, 8);
CHECK_OFF(struct wd_cipher_req, src, 8);
CHECK_OFF(struct wd_cipher_req, list_dst, 16);
CHECK_OFF(struct wd_cipher_req, dst, 16);
CHECK_OFF(struct wd_cipher_req, iv, 24);
CHECK_OFF(struct wd_cipher_req, in_bytes, 32);
CHECK_OFF(struct wd_cipher_req, iv_bytes, 36);
CHECK_OFF(struct wd_cipher_req, out_buf_bytes, 40);
CHECK_OFF(struct wd_cipher_req, out_bytes, 44);
CHECK_OFF(struct wd_cipher_req, state, 48);
CHECK_OFF(struct wd_cipher_req, type, 50);
CHECK_OFF(struct wd_cipher_req, data_fmt, 51);
CHECK_OFF(struct wd_cipher_req, cb, 56);
CHECK_OFF(struct wd_cipher_req, cb_param, 64);

static void *my_cb(struct wd_cipher_req *req, void *cb_param)
{
	return req ? cb_param : NULL;
}

int compat_cipher(void)
{
	int n = 0;
	wd_alg_cipher_cb_t *cb = my_cb;
	int (*f_init)(struct wd_ctx_config *, struct wd_sched *) = wd_cipher_init;
	void (*f_uninit)(void) = wd_cipher_uninit;
	int (*f_init2_)(char *, __u32, int, struct wd_ctx_params *) = wd_cipher_init2_;
	void (*f_uninit2)(void) = wd_cipher_uninit2;
	handle_t (*f_alloc_sess)(struct wd_cipher_sess_setup *) = wd_cipher_alloc_sess;
	void (*f_free_sess)(handle_t) = wd_cipher_free_sess;
	int (*f_set_key)(handle_t, const __u8 *, __u32) = wd_cipher_set_key;
	int (*f_sync)(handle_t, struct wd_cipher_req *) = wd_do_cipher_sync;
	int (*f_async)(handle_t, struct wd_cipher_req *) = wd_do_cipher_async;
	int (*f_poll_ctx)(__u32, __u32, __u32 *) = wd_cipher_poll_ctx;
	int (*f_poll)(__u32, __u32 *) = wd_cipher_poll;
	int (*f_env_init)(struct wd_sched *) = wd_cipher_env_init;
	void (*f_env_uninit)(void) = wd_cipher_env_uninit;
	int (*f_ctx_num_init)(__u32, __u32, __u32, __u8) = wd_cipher_ctx_num_init;
	void (*f_ctx_num_uninit)(void) = wd_cipher_ctx_num_uninit;
	int (*f_get_env_param)(__u32, __u32, __u32, __u32 *, __u8 *) = wd_cipher_get_env_param;
	struct wd_cipher_req req = { .cb = cb };

	USE_FN(n, cb);
	USE_FN(n, f_init);
	USE_FN(n, f_uninit);
	USE_FN(n, f_init2_);
	USE_FN(n, f_uninit2);
	USE_FN(n, f_alloc_sess);
	USE_FN(n, f_free_sess);
	USE_FN(n, f_set_key);
	USE_FN(n, f_sync);
	USE_FN(n, f_async);
	USE_FN(n, f_poll_ctx);
	USE_FN(n, f_poll);
	USE_FN(n, f_env_init);
	USE_FN(n, f_env_uninit);
	USE_FN(n, f_ctx_num_init);
	USE_FN(n, f_ctx_num_uninit);
	USE_FN(n, f_get_env_param);
	if (req.cb(&req, &n) != &n)
		return -1;
	if (wd_cipher_init2("cbc(aes)", SCHED_POLICY_RR, TASK_HW) != -WD_EINVAL)
		return -2;
	return n;
}
