/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible algorithm-common header: struct wd_ctx, wd_ctx_config, wd_sched,
 * wd_ctx_params and the ctx/task enums with the names and shapes of Linaro UADK's
 * include/wd_alg_common.h (v2 API).
 */
#ifndef WD_ALG_COMMON_H
#define WD_ALG_COMMON_H

#include "wd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BYTE_BITS_SHIFT		3
#define BITS_TO_BYTES(bits)	(((bits) + 7) >> 3)
#define BYTES_TO_BITS(bytes)	((bytes) << 3)

#define WD_CTX_NAME_SIZE	64
#define MAX_NUMA_NUM		4
#define INVALID_POS		0xFFFFFFFF

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

enum wd_buff_type {
	WD_FLAT_BUF,
	WD_SGL_BUF,
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

/*
 * struct wd_ctx_config - The set of ctxs an algorithm uses in this process.
 */
struct wd_ctx_config {
	__u32 ctx_num;
	struct wd_ctx *ctxs;
	void *priv;
};

/*
 * struct wd_ctx_nums - ctx numbers of one operation type (for the init2 interfaces).
 */
struct wd_ctx_nums {
	__u32 sync_ctx_num;
	__u32 async_ctx_num;
};

/*
 * struct wd_ctx_params - ctx resources wanted by wd_<alg>_init2_(). @bmp (a libnuma
 * bitmask) and @cap are accepted and ignored: the model has one NUMA node.
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

#ifdef __cplusplus
}
#endif

#endif /* WD_ALG_COMMON_H */
