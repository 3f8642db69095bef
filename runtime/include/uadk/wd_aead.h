/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible AEAD API: the names, values and LP64 layouts of Linaro UADK 2.10's
 * include/wd_aead.h, implemented for AES-GCM (128/192/256-bit keys, 12-byte IV, tags of 8 to
 * 16 bytes) on HiSilicon SEC queues (type 2 BDs, cipher mode GCM: formats/sec/sec_bd.h).
 *
 * A request: @src holds @assoc_bytes of AAD followed by @in_bytes of text; @dst (room for
 * @out_bytes, at least assoc_bytes + in_bytes) receives the AAD and the result; @mac holds
 * the tag (@mac_bytes, at least the session's authsize): written on encryption, checked on
 * decryption (a mismatch completes with state WD_IN_EPARA and no plaintext). op_type
 * WD_CIPHER_ENCRYPTION_DIGEST encrypts, WD_CIPHER_DECRYPTION_DIGEST decrypts. In the
 * simulator src, dst, mac, iv and the key are virtual addresses of the simulated process
 * cast to pointers (runtime/uadk/wd_runtime.h).
 *
 * Not provided (-WD_EINVAL): CCM and the cipher+HMAC chains (cbc(aes) with hmac(sha256),
 * ...), SM4-GCM, SGL buffers and the stream (msg_state other than AEAD_MSG_BLOCK) mode.
 */
#ifndef __WD_AEAD_H
#define __WD_AEAD_H

#include <dlfcn.h>
#include "wd_alg_common.h"
#include "wd_cipher.h"
#include "wd_digest.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AIV_STREAM_LEN 64

enum wd_aead_op_type {
	WD_CIPHER_ENCRYPTION_DIGEST,
	WD_CIPHER_DECRYPTION_DIGEST,
	WD_DIGEST_CIPHER_ENCRYPTION,
	WD_DIGEST_CIPHER_DECRYPTION,
};

/*
 * struct wd_aead_sess_setup - @calg/@cmode: WD_CIPHER_AES, WD_CIPHER_GCM; @dalg/@dmode are
 * the digest of a cipher+HMAC chain (ignored for GCM).
 */
struct wd_aead_sess_setup {
	enum wd_cipher_alg calg;
	enum wd_cipher_mode cmode;
	enum wd_digest_type dalg;
	enum wd_digest_mode dmode;
	void *sched_param;
	struct wd_mm_ops mm_ops;	/* used when mm_type is UADK_MEM_USER */
	enum wd_mem_type mm_type;
};

enum wd_aead_msg_state {
	AEAD_MSG_BLOCK = 0x0,
	AEAD_MSG_FIRST,
	AEAD_MSG_MIDDLE,
	AEAD_MSG_END,
	AEAD_MSG_INVALID,
};

struct wd_aead_req;
typedef void *wd_alg_aead_cb_t(struct wd_aead_req *req, void *cb_param);

/* struct wd_aead_req - One AEAD request (see the header comment); @state: 0 or WD_*. */
struct wd_aead_req {
	enum wd_aead_op_type op_type;
	union {
		struct wd_datalist *list_src;
		void *src;
	};
	union {
		struct wd_datalist *list_dst;
		void *dst;
	};
	void *mac;
	void *iv;
	__u32 in_bytes;
	__u32 out_bytes;
	__u16 iv_bytes;
	__u16 mac_bytes;
	__u16 assoc_bytes;
	__u16 state;
	__u8 data_fmt;
	wd_alg_aead_cb_t *cb;
	void *cb_param;

	enum wd_aead_msg_state msg_state;
};

int wd_aead_init(struct wd_ctx_config *config, struct wd_sched *sched);
void wd_aead_uninit(void);
/* @alg: "gcm(aes)". */
int wd_aead_init2_(char *alg, __u32 sched_type, int task_type, struct wd_ctx_params *ctx_params);
#define wd_aead_init2(alg, sched_type, task_type) \
	wd_aead_init2_(alg, sched_type, task_type, NULL)
void wd_aead_uninit2(void);

handle_t wd_aead_alloc_sess(struct wd_aead_sess_setup *setup);
void wd_aead_free_sess(handle_t h_sess);
/* The cipher key: 16, 24 or 32 bytes. */
int wd_aead_set_ckey(handle_t h_sess, const __u8 *key, __u16 key_len);
/* The authentication key of a cipher+HMAC chain: -WD_EINVAL for GCM (it has none). */
int wd_aead_set_akey(handle_t h_sess, const __u8 *key, __u16 key_len);
/* The tag length: GCM 8..16 bytes; the default is 16. */
int wd_aead_set_authsize(handle_t h_sess, __u16 authsize);
int wd_aead_get_authsize(handle_t h_sess);
int wd_aead_get_maxauthsize(handle_t h_sess);

int wd_do_aead_sync(handle_t h_sess, struct wd_aead_req *req);
int wd_do_aead_async(handle_t h_sess, struct wd_aead_req *req);
int wd_aead_poll_ctx(__u32 idx, __u32 expt, __u32 *count);
int wd_aead_poll(__u32 expt, __u32 *count);

/*
 * Environment initialisation as wd_comp_env_init() (wd_comp.h), with WD_AEAD_CTX_NUM
 * ("sync:N@node,async:N@node"; unset: "sync:2@0,async:2@0"), WD_AEAD_ASYNC_POLL_EN and
 * devices supporting "gcm(aes)". @type of the ctx_num/env_param calls must be 0.
 */
int wd_aead_env_init(struct wd_sched *sched);
void wd_aead_env_uninit(void);
int wd_aead_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode);
void wd_aead_ctx_num_uninit(void);
int wd_aead_get_env_param(__u32 node, __u32 type, __u32 mode, __u32 *num, __u8 *is_enable);

#ifdef __cplusplus
}
#endif

#endif /* __WD_AEAD_H */
