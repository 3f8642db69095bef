/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible digest API: the names, types and shapes of Linaro UADK
 * 2.10's include/wd_digest.h for one-shot SHA-1, SHA-224/256/384/512, SM3, MD5 and their HMACs
 * on HiSilicon SEC queues (type 2 BDs). In the simulator in, out and the HMAC key are virtual
 * addresses of the simulated process cast to pointers; see runtime/uadk/wd_runtime.h.
 *
 * Not provided: long hashes over several requests (has_next), AES-XCBC/CMAC/GMAC, SGL.
 */
#ifndef __WD_DIGEST_H
#define __WD_DIGEST_H

#include <dlfcn.h>
#include "wd_alg_common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum wd_digest_type {
	WD_DIGEST_SM3,
	WD_DIGEST_MD5,
	WD_DIGEST_SHA1,
	WD_DIGEST_SHA256,
	WD_DIGEST_SHA224,
	WD_DIGEST_SHA384,
	WD_DIGEST_SHA512,
	WD_DIGEST_SHA512_224,
	WD_DIGEST_SHA512_256,
	WD_DIGEST_AES_XCBC_MAC_96,
	WD_DIGEST_AES_XCBC_PRF_128,
	WD_DIGEST_AES_CMAC,
	WD_DIGEST_AES_GMAC,
	WD_DIGEST_TYPE_MAX,
};

enum wd_digest_mac_len {
	WD_DIGEST_SM3_LEN = 32,
	WD_DIGEST_MD5_LEN = 16,
	WD_DIGEST_SHA1_LEN = 20,
	WD_DIGEST_SHA256_LEN = 32,
	WD_DIGEST_SHA224_LEN = 28,
	WD_DIGEST_SHA384_LEN = 48,
	WD_DIGEST_SHA512_LEN = 64,
	WD_DIGEST_SHA512_224_LEN = 28,
	WD_DIGEST_SHA512_256_LEN = 32,
	WD_DIGEST_AES_XCBC_MAC_96_LEN = 12,
	WD_DIGEST_AES_XCBC_PRF_128_LEN = 16,
	WD_DIGEST_AES_CMAC_LEN = 16,
	WD_DIGEST_AES_GMAC_LEN = 16,
};

/* Full (untruncated) MAC lengths, for the first and middle blocks of a long hash. */
enum wd_digest_mac_full_len {
	WD_DIGEST_SM3_FULL_LEN = 32,
	WD_DIGEST_MD5_FULL_LEN = 16,
	WD_DIGEST_SHA1_FULL_LEN = 20,
	WD_DIGEST_SHA256_FULL_LEN = 32,
	WD_DIGEST_SHA224_FULL_LEN = 32,
	WD_DIGEST_SHA384_FULL_LEN = 64,
	WD_DIGEST_SHA512_FULL_LEN = 64,
	WD_DIGEST_SHA512_224_FULL_LEN = 64,
	WD_DIGEST_SHA512_256_FULL_LEN = 64,
};

enum wd_digest_mode {
	WD_DIGEST_NORMAL,
	WD_DIGEST_HMAC,
	WD_DIGEST_MODE_MAX,
};

/* Where a request sits in a long hash (has_next); only WD_DIGEST_END is provided. */
enum wd_digest_msg_state {
	WD_DIGEST_END = 0x0,
	WD_DIGEST_DOING,
	WD_DIGEST_STREAM_END,
	WD_DIGEST_STREAM_DOING,
	WD_DIGEST_MSG_STATE_MAX,
};

struct wd_digest_sess_setup {
	enum wd_digest_type alg;
	enum wd_digest_mode mode;
	void *sched_param;
	struct wd_mm_ops mm_ops;	/* used when mm_type is UADK_MEM_USER */
	enum wd_mem_type mm_type;
};

typedef void *wd_digest_cb_t(void *cb_param);

/*
 * struct wd_digest_req - One digest request. @out_bytes: MAC bytes wanted (a multiple of 4,
 * at most the algorithm's length); @out_buf_bytes: room at @out; @state: 0 or the WD_*
 * failure code after completion.
 */
struct wd_digest_req {
	union {
		void *in;
		struct wd_datalist *list_in;
	};
	void *out;
	__u32 in_bytes;
	__u32 out_bytes;
	__u32 out_buf_bytes;
	__u8 *iv;
	__u32 iv_bytes;
	__u16 state;
	__u16 has_next;
	__u8 data_fmt;
	wd_digest_cb_t *cb;
	void *cb_param;
	__u64 long_data_len;
};

/* A user's callback tag (UADK's benchmarks hang it on cb_param). */
struct wd_cb_tag {
	void *ctx;
	void *tag;
	int ctx_id;
};

struct wd_digest_tag {
	struct wd_cb_tag wd_tag;
	__u64 long_data_len;
	void *priv;
};

int wd_digest_init(struct wd_ctx_config *config, struct wd_sched *sched);
void wd_digest_uninit(void);
/* @alg: "sha256", "hmac(sha256)", "sm3", "hmac(sm3)", ... */
int wd_digest_init2_(char *alg, __u32 sched_type, int task_type, struct wd_ctx_params *ctx_params);
#define wd_digest_init2(alg, sched_type, task_type) \
	wd_digest_init2_(alg, sched_type, task_type, NULL)
void wd_digest_uninit2(void);

handle_t wd_digest_alloc_sess(struct wd_digest_sess_setup *setup);
void wd_digest_free_sess(handle_t h_sess);
/* HMAC key, 4..128 bytes, a multiple of 4 (the BD gives the key length in words). */
int wd_digest_set_key(handle_t h_sess, const __u8 *key, __u32 key_len);

int wd_do_digest_sync(handle_t h_sess, struct wd_digest_req *req);
int wd_do_digest_async(handle_t h_sess, struct wd_digest_req *req);
int wd_digest_poll_ctx(__u32 idx, __u32 expt, __u32 *count);
int wd_digest_poll(__u32 expt, __u32 *count);

/*
 * Environment initialisation as wd_comp_env_init() (wd_comp.h), with WD_DIGEST_CTX_NUM
 * ("sync:N@node,async:N@node"; unset: "sync:2@0,async:2@0"), WD_DIGEST_ASYNC_POLL_EN and
 * devices supporting "sha256". @type of the ctx_num/env_param calls must be 0.
 */
int wd_digest_env_init(struct wd_sched *sched);
void wd_digest_env_uninit(void);
int wd_digest_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode);
void wd_digest_ctx_num_uninit(void);
int wd_digest_get_env_param(__u32 node, __u32 type, __u32 mode, __u32 *num, __u8 *is_enable);

#ifdef __cplusplus
}
#endif

#endif /* __WD_DIGEST_H */
