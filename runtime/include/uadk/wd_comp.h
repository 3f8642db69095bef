/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible compression API: the names, types and shapes of Linaro UADK
 * 2.10's include/wd_comp.h. Stateless (block) requests on flat buffers for deflate, zlib and
 * gzip, sync and async, on HiSilicon ZIP queues; programs written against UADK's wd_comp.h
 * for these calls compile against this header with only the include path changed.
 *
 * In the simulator, req->src / req->dst are virtual addresses of the simulated process cast
 * to pointers (the device reads and writes them through the SMMU); the calling thread must
 * have bound its OsInterface (runtime/uadk/wd_runtime.h). Async completions are delivered by
 * explicit wd_comp_poll()/wd_comp_poll_ctx() calls from a thread the caller owns: the library
 * starts no threads.
 *
 * Not provided (calls return -WD_EINVAL): stream mode (wd_do_comp_strm, wd_do_comp_sync2 for
 * inputs over 8 MiB), SGL buffers, lz77_zstd / lz4 / lz77_only.
 */
#ifndef __WD_COMP_H
#define __WD_COMP_H

#include "wd_alg_common.h"

#ifdef __cplusplus
extern "C" {
#endif

enum wd_comp_alg_type {
	WD_DEFLATE,
	WD_ZLIB,
	WD_GZIP,
	WD_LZ77_ZSTD,
	WD_LZ4,
	WD_LZ77_ONLY,
	WD_COMP_ALG_MAX,
};

enum wd_comp_op_type {
	WD_DIR_COMPRESS,   /* session for compression */
	WD_DIR_DECOMPRESS, /* session for decompression */
	WD_DIR_MAX,
};

enum wd_comp_level {
	WD_COMP_L1 = 1,
	WD_COMP_L2,
	WD_COMP_L3,
	WD_COMP_L4,
	WD_COMP_L5,
	WD_COMP_L6,
	WD_COMP_L7,
	WD_COMP_L8,
	WD_COMP_L9,
	WD_COMP_L10,
	WD_COMP_L11,
	WD_COMP_L12,
	WD_COMP_L13,
	WD_COMP_L14,
	WD_COMP_L15,
};

enum wd_comp_winsz_type {
	WD_COMP_WS_4K,  /* 4k bytes window size */
	WD_COMP_WS_8K,  /* 8k bytes window size */
	WD_COMP_WS_16K, /* 16k bytes window size */
	WD_COMP_WS_24K, /* 24k bytes window size */
	WD_COMP_WS_32K, /* 32k bytes window size */
};

struct wd_comp_req;
typedef void *wd_alg_comp_cb_t(struct wd_comp_req *req, void *cb_param);

/*
 * struct wd_comp_req - One compression request.
 * @src / @src_len:	input (a simulated virtual address) and its length; after the call,
 *			the bytes consumed.
 * @dst / @dst_len:	output buffer and its size; after the call, the bytes produced
 *			(header included for zlib/gzip).
 * @cb / @cb_param:	async completion callback, called from wd_comp_poll*().
 * @status:		0, or the WD_* code of the failure (async: read it in the callback).
 */
struct wd_comp_req {
	union {
		void *src;
		struct wd_datalist *list_src;
	};
	__u32 src_len;
	union {
		void *dst;
		struct wd_datalist *list_dst;
	};
	__u32 dst_len;
	wd_alg_comp_cb_t *cb;
	void *cb_param;
	enum wd_comp_op_type op_type;
	enum wd_buff_type data_fmt;
	__u32 last;
	__u32 status;
	void *priv;
};

/*
 * struct wd_comp_sess_setup - Session parameters. @sched_param is a struct sched_params *
 * for the RR scheduler (its type is the op type); NULL picks the op type's region.
 */
struct wd_comp_sess_setup {
	enum wd_comp_alg_type alg_type;
	enum wd_comp_level comp_lv;
	enum wd_comp_winsz_type win_sz;
	enum wd_comp_op_type op_type;
	void *sched_param;
	struct wd_mm_ops mm_ops;	/* used when mm_type is UADK_MEM_USER */
	enum wd_mem_type mm_type;
};

/* struct wd_lz77_zstd_data - lz77_zstd output layout (lz77_zstd is not provided). */
struct wd_lz77_zstd_data {
	void *literals_start;
	void *sequences_start;
	__u32 lit_num;
	__u32 seq_num;
	__u32 lit_length_overflow_cnt;
	__u32 lit_length_overflow_pos;
	void *freq;
	__u32 blk_type;
};

/*
 * wd_comp_init() - Start every ctx of @config (ctx op_type = queue type) and use @sched.
 * WD_COMP_EPOLL_EN=1 in the simulated process's environment makes sync requests sleep on
 * the ctx interrupt instead of busy-polling.
 */
int wd_comp_init(struct wd_ctx_config *config, struct wd_sched *sched);
void wd_comp_uninit(void);

/*
 * wd_comp_init2_() - Find devices for @alg ("zlib", "gzip", "deflate"), request and start
 * the ctxs @ctx_params asks for (NULL: one sync and one async ctx per op type) and use the
 * sample scheduler of @sched_type. @task_type: TASK_HW or TASK_MIX (both mean hardware).
 */
int wd_comp_init2_(char *alg, __u32 sched_type, int task_type, struct wd_ctx_params *ctx_params);
#define wd_comp_init2(alg, sched_type, task_type) \
	wd_comp_init2_(alg, sched_type, task_type, NULL)
void wd_comp_uninit2(void);

handle_t wd_comp_alloc_sess(struct wd_comp_sess_setup *setup);
void wd_comp_free_sess(handle_t h_sess);
int wd_comp_reset_sess(handle_t h_sess);

/* wd_do_comp_sync() - Run one request to completion (busy-poll, or epoll when enabled). */
int wd_do_comp_sync(handle_t h_sess, struct wd_comp_req *req);
/* Stream mode: not supported by this runtime (-WD_EINVAL). */
int wd_do_comp_strm(handle_t h_sess, struct wd_comp_req *req);
/* wd_do_comp_sync2() - wd_do_comp_sync() for inputs up to 8 MiB; larger: -WD_EINVAL. */
int wd_do_comp_sync2(handle_t h_sess, struct wd_comp_req *req);

/*
 * wd_do_comp_async() - Send one request on the session's async ctx and return; -WD_EBUSY
 * when the ctx's queue or request pool is full (poll, then retry).
 */
int wd_do_comp_async(handle_t h_sess, struct wd_comp_req *req);

/*
 * wd_comp_poll_ctx() - Take up to @expt completions (0: every ready one) of the async ctx at
 * position @idx, calling each request's callback. -WD_EAGAIN when none was ready.
 */
int wd_comp_poll_ctx(__u32 idx, __u32 expt, __u32 *count);
/* wd_comp_poll() - Poll through the scheduler's poll_policy. */
int wd_comp_poll(__u32 expt, __u32 *count);

/*
 * Environment initialisation (UADK's wd_comp_env_init): requests and starts ctxs as
 * WD_COMP_CTX_NUM says ("sync-comp:N@node,sync-decomp:N@node,async-comp:N@node,
 * async-decomp:N@node"; unset: one of each on node 0) on the devices that support "zlib",
 * and uses @sched, or (NULL) an RR scheduler of its own. WD_COMP_ASYNC_POLL_EN=1 (UADK's own
 * poll threads) is refused: this library starts no threads, the caller polls.
 * wd_comp_ctx_num_init() does the same with one region, @num ctxs of (@type, @mode) on
 * @node, instead of the environment. wd_comp_get_env_param() reads back the ctx number of
 * (@node, @type, @mode) and whether the internal poll is enabled.
 */
int wd_comp_env_init(struct wd_sched *sched);
void wd_comp_env_uninit(void);
int wd_comp_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode);
void wd_comp_ctx_num_uninit(void);
int wd_comp_get_env_param(__u32 node, __u32 type, __u32 mode, __u32 *num, __u8 *is_enable);

#ifdef __cplusplus
}
#endif

#endif /* __WD_COMP_H */
