/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible algorithm-common header: the names, values and LP64 layouts of
 * Linaro UADK 2.10's include/wd_alg_common.h: struct wd_ctx, wd_cap_config, wd_ctx_config,
 * wd_ctx_nums, wd_ctx_params, wd_sched, the task/ctx-mode/init/memory enums and the key-size
 * constants.
 */
#ifndef WD_ALG_COMMON_H
#define WD_ALG_COMMON_H

#include <pthread.h>
#include <stdbool.h>
#include "wd.h"
#include "wd_alg.h"
#include "wd_internal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BYTE_BITS		8
#define BYTE_BITS_SHIFT		3
#define GET_NEGATIVE(val)	(0 - (val))

#define BITS_TO_BYTES(bits)	(((bits) + 7) >> 3)
#define BYTES_TO_BITS(bytes)	((bytes) << 3)

#define MAX_STR_LEN		256
#define CTX_TYPE_INVALID	9999
#define POLL_TIME		1000

/* Cipher key sizes. */
#define MAX_CIPHER_KEY_SIZE	64
#define AES_KEYSIZE_128		16
#define AES_KEYSIZE_192		24
#define AES_KEYSIZE_256		32
#define SM4_KEY_SIZE		16
#define DES_KEY_SIZE		8
#define DES3_2KEY_SIZE		(2 * DES_KEY_SIZE)
#define DES3_3KEY_SIZE		(3 * DES_KEY_SIZE)

/* Largest HMAC key. */
#define MAX_HMAC_KEY_SIZE	128U

enum alg_task_type {
	TASK_MIX = 0x0,
	TASK_HW,
	TASK_INSTR,
	TASK_MAX_TYPE,
};

enum wd_ctx_mode {
	CTX_MODE_SYNC = 0,
	CTX_MODE_ASYNC,
	CTX_MODE_MAX,
};

/* How the algorithm was initialised (v1 or v2 interfaces). */
enum wd_init_type {
	WD_TYPE_V1,
	WD_TYPE_V2,
};

/* Where a session's buffers come from (sess_setup mm_type). */
enum wd_mem_type {
	UADK_MEM_AUTO,	/* the library's choice (SVA: any process memory) */
	UADK_MEM_USER,	/* the user's pool, through sess_setup mm_ops */
	UADK_MEM_PROXY,	/* UADK's own reserved memory */
	UADK_MEM_MAX,
};

/*
 * struct wd_ctx - One ctx and its use.
 * @ctx:	The ctx itself (from wd_request_ctx()).
 * @op_type:	The operation type this ctx serves (e.g. 0 compress, 1 decompress).
 * @ctx_mode:	CTX_MODE_SYNC or CTX_MODE_ASYNC.
 */
struct wd_ctx {
	handle_t ctx;
	__u8 op_type;
	__u8 ctx_mode;
};

/* struct wd_cap_config - @ctx_msg_num: messages a ctx's async pool holds (0: the default). */
struct wd_cap_config {
	__u32 ctx_msg_num;
	__u32 resv;
};

/* struct wd_ctx_config - The set of ctxs an algorithm uses in this process. */
struct wd_ctx_config {
	__u32 ctx_num;
	struct wd_ctx *ctxs;
	void *priv;
	struct wd_cap_config *cap;
};

/* struct wd_ctx_nums - ctx numbers of one operation type (for the init2 interfaces). */
struct wd_ctx_nums {
	__u32 sync_ctx_num;
	__u32 async_ctx_num;
};

/*
 * struct wd_ctx_params - ctx resources wanted by wd_<alg>_init2_(). @bmp (a libnuma
 * bitmask) is accepted and ignored: the model has one NUMA node.
 */
struct wd_ctx_params {
	__u32 op_type_num;
	struct wd_ctx_nums *ctx_set_num;
	struct bitmask *bmp;
	struct wd_cap_config *cap;
};

/*
 * struct wd_sched - A scheduler.
 * @sched_init:		Makes a session's scheduling key from its sched_param.
 * @pick_next_ctx:	The position (in wd_ctx_config) of the ctx a request goes to.
 * @poll_policy:	Polls the async ctxs; returns < 0 on error.
 */
struct wd_sched {
	const char *name;
	int sched_policy;
	handle_t (*sched_init)(handle_t h_sched_ctx, void *sched_param);
	__u32 (*pick_next_ctx)(handle_t h_sched_ctx, void *sched_key, const int sched_mode);
	int (*poll_policy)(handle_t h_sched_ctx, __u32 expect, __u32 *count);
	handle_t h_sched_ctx;
};

typedef int (*wd_alg_init)(struct wd_ctx_config *config, struct wd_sched *sched);
typedef int (*wd_alg_poll_ctx)(__u32 idx, __u32 expt, __u32 *count);

#ifdef __cplusplus
}
#endif

#endif /* WD_ALG_COMMON_H */
