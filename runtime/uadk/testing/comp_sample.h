/* A compression program written against UADK's API (see comp_sample.c); test harness view. */
#ifndef WDSIM_RUNTIME_UADK_TESTING_COMP_SAMPLE_H
#define WDSIM_RUNTIME_UADK_TESTING_COMP_SAMPLE_H

#include <uadk/wd_comp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* wd_comp_init with its own ctxs on the best "zlib" device and the RR scheduler. */
int sample_setup(__u32 sync_per_type, __u32 async_per_type);
void sample_teardown(void);
/* The handles sample_setup requested, in wd_ctx_config order. */
__u32 sample_ctx_num(void);
handle_t sample_ctx(__u32 i);

/* One sync request; returns 0 or the error; *dst_len in/out; *status = req.status. */
int sample_sync(enum wd_comp_alg_type alg, enum wd_comp_op_type op, void *src, __u32 src_len,
                void *dst, __u32 *dst_len, __u32 *status);

/* n async requests on one session, polled with wd_comp_poll until all completed. */
int sample_async(enum wd_comp_alg_type alg, enum wd_comp_op_type op, void **src,
                 const __u32 *src_len, void **dst, __u32 *dst_len, __u32 *status, int n,
                 __u32 *ebusy_retries);

#ifdef __cplusplus
}
#endif

#endif
