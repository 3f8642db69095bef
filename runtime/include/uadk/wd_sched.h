/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible sample scheduler (Linaro UADK 2.10 include/wd_sched.h, wd_sched.c):
 * the round-robin scheduler over ctx regions indexed NUMA -> mode -> type -> [begin, end]. A
 * session gets its sync and async ctx round robin when it is allocated (sched_init); its
 * requests then go to those ctxs; poll_policy polls every async region one request per ctx
 * per pass until @expect are polled or 1000 passes went by.
 *
 * SCHED_POLICY_DEV (ctxs chosen by sched_params.dev_id) is declared but wd_sched_rr_alloc()
 * refuses it (returns NULL): the model's programs pick devices through the regions.
 */
#ifndef SCHED_SAMPLE_h
#define SCHED_SAMPLE_h

#include <asm/types.h>
#include "wd_alg_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define INVALID_POS 0xFFFFFFFF

enum sched_policy_type {
	/* requests will be sent to ctxs one by one */
	SCHED_POLICY_RR = 0,
	/* requests will always be sent to ctx 0 */
	SCHED_POLICY_NONE,
	/* requests will be sent to the first ctx of their mode */
	SCHED_POLICY_SINGLE,
	/* requests will be sent to the ctxs of one device (dev_id); not provided */
	SCHED_POLICY_DEV,
	SCHED_POLICY_BUTT,
};

/*
 * struct sched_params - A session's scheduling wish (sess_setup sched_param), or a region
 * for wd_sched_rr_instance(): ctxs [begin, end] serve (numa_id, mode, type); @dev_id the
 * device for SCHED_POLICY_DEV.
 */
struct sched_params {
	int numa_id;
	__u8 type;
	__u8 mode;
	__u32 begin;
	__u32 end;
	__u32 dev_id;
};

typedef int (*user_poll_func)(__u32 pos, __u32 expect, __u32 *count);

/* wd_sched_rr_instance - Give the region (numa_id, mode, type) the ctxs [begin, end]. */
int wd_sched_rr_instance(const struct wd_sched *sched, struct sched_params *param);

/*
 * wd_sched_rr_alloc - Allocate a scheduler.
 * @sched_type: enum sched_policy_type (RR, NONE or SINGLE).
 * @type_num: number of operation types (zip: 2, compress and decompress).
 * @numa_num: number of NUMA regions (the model has one node; up to 4 accepted).
 * @func: the ctx poll function (e.g. one calling wd_comp_poll_ctx).
 */
struct wd_sched *wd_sched_rr_alloc(__u8 sched_type, __u8 type_num, __u16 numa_num,
				   user_poll_func func);

/* wd_sched_rr_release - Free a scheduler and its session keys. */
void wd_sched_rr_release(struct wd_sched *sched);

#ifdef __cplusplus
}
#endif

#endif /* SCHED_SAMPLE_h */
