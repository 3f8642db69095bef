/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible symmetric cipher API: the names, types and shapes of Linaro UADK
 * 2.10's include/wd_cipher.h for AES and SM4 in ECB, CBC, CTR and XTS on HiSilicon SEC queues
 * (type 2 BDs). In the simulator src, dst, iv and the key given to wd_cipher_set_key are
 * virtual addresses of the simulated process cast to pointers; see runtime/uadk/wd_runtime.h.
 *
 * Not provided: DES/3DES, OFB/CFB/CBC-CS/CCM/GCM (GCM is UADK's wd_aead), SGL buffers, and
 * the IV update UADK does after a CBC/CTR request for chaining the next one.
 */
#ifndef __WD_CIPHER_H
#define __WD_CIPHER_H

#include <dlfcn.h>
#include <asm/types.h>
#include "wd_alg_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AES_BLOCK_SIZE		16
#define GCM_IV_SIZE		12
#define DES3_BLOCK_SIZE		8
#define MAX_IV_SIZE		AES_BLOCK_SIZE

enum {
	CTX_TYPE_ENCRYPT = 0,
	CTX_TYPE_DECRYPT,
};

enum wd_cipher_op_type {
	WD_CIPHER_ENCRYPTION,
	WD_CIPHER_DECRYPTION,
};

enum wd_cipher_alg {
	WD_CIPHER_SM4,
	WD_CIPHER_AES,
	WD_CIPHER_DES,
	WD_CIPHER_3DES,
	WD_CIPHER_ALG_TYPE_MAX,
};

enum wd_cipher_mode {
	WD_CIPHER_ECB,
	WD_CIPHER_CBC,
	WD_CIPHER_CTR,
	WD_CIPHER_XTS,
	WD_CIPHER_OFB,
	WD_CIPHER_CFB,
	WD_CIPHER_CBC_CS1,
	WD_CIPHER_CBC_CS2,
	WD_CIPHER_CBC_CS3,
	WD_CIPHER_CCM,
	WD_CIPHER_GCM,
	WD_CIPHER_XTS_GB,
	WD_CIPHER_MODE_TYPE_MAX,
};

struct wd_cipher_sess_setup {
	enum wd_cipher_alg alg;
	enum wd_cipher_mode mode;
	void *sched_param;
	struct wd_mm_ops mm_ops;	/* used when mm_type is UADK_MEM_USER */
	enum wd_mem_type mm_type;
};

struct wd_cipher_req;
typedef void *wd_alg_cipher_cb_t(struct wd_cipher_req *req, void *cb_param);

/*
 * struct wd_cipher_req - One cipher request. @state: 0 or the WD_* failure code after
 * completion; @out_bytes: bytes written to @dst.
 */
struct wd_cipher_req {
	enum wd_cipher_op_type op_type;
	union {
		struct wd_datalist *list_src;
		void *src;
	};
	union {
		struct wd_datalist *list_dst;
		void *dst;
	};
	void *iv;
	__u32 in_bytes;
	__u32 iv_bytes;
	__u32 out_buf_bytes;
	__u32 out_bytes;
	__u16 state;
	__u8 type;
	__u8 data_fmt;
	wd_alg_cipher_cb_t *cb;
	void *cb_param;
};

int wd_cipher_init(struct wd_ctx_config *config, struct wd_sched *sched);
void wd_cipher_uninit(void);
/* @alg: "ecb(aes)", "cbc(aes)", "ctr(aes)", "xts(aes)", "ecb(sm4)", ... */
int wd_cipher_init2_(char *alg, __u32 sched_type, int task_type, struct wd_ctx_params *ctx_params);
#define wd_cipher_init2(alg, sched_type, task_type) \
	wd_cipher_init2_(alg, sched_type, task_type, NULL)
void wd_cipher_uninit2(void);

handle_t wd_cipher_alloc_sess(struct wd_cipher_sess_setup *setup);
void wd_cipher_free_sess(handle_t h_sess);
/* Keys: AES 16/24/32 bytes, SM4 16; XTS twice that (key1 || key2). */
int wd_cipher_set_key(handle_t h_sess, const __u8 *key, __u32 key_len);

int wd_do_cipher_sync(handle_t h_sess, struct wd_cipher_req *req);
int wd_do_cipher_async(handle_t h_sess, struct wd_cipher_req *req);
int wd_cipher_poll_ctx(__u32 idx, __u32 expt, __u32 *count);
int wd_cipher_poll(__u32 expt, __u32 *count);

/*
 * Environment initialisation as wd_comp_env_init() (wd_comp.h), with WD_CIPHER_CTX_NUM
 * ("sync:N@node,async:N@node"; unset: "sync:2@0,async:2@0"), WD_CIPHER_ASYNC_POLL_EN and
 * devices supporting "cbc(aes)". @type of the ctx_num/env_param calls must be 0.
 */
int wd_cipher_env_init(struct wd_sched *sched);
void wd_cipher_env_uninit(void);
int wd_cipher_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode);
void wd_cipher_ctx_num_uninit(void);
int wd_cipher_get_env_param(__u32 node, __u32 type, __u32 mode, __u32 *num, __u8 *is_enable);

#ifdef __cplusplus
}
#endif

#endif /* __WD_CIPHER_H */
