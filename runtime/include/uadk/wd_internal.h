/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible wd_internal.h: the library-internal types UADK's public headers
 * pull in (wd_alg_common.h includes it), with UADK's names and LP64 layouts, so programs that
 * name them compile. wdsim's library does not use these structs itself: a handle_t from
 * wd_request_ctx() is an opaque key, not a struct wd_ctx_h pointer (runtime/uadk/).
 */
#ifndef WD_INTERNAL_H
#define WD_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include "wd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DEVICE_REGION_MAX	16
#define DECIMAL_NUMBER		10
#define MAX_FD_NUM		65535

/* What UADK keeps behind a ctx handle. */
struct wd_ctx_h {
	int fd;
	char dev_path[MAX_DEV_NAME_LEN];
	char *dev_name;
	char *drv_name;
	unsigned long qfrs_offs[UACCE_QFRT_MAX];
	void *qfrs_base[UACCE_QFRT_MAX];
	struct uacce_dev *dev;
	void *priv;
};

/* ctx of a software (soft_ctx) and of an instruction (CE) driver. */
struct wd_soft_ctx {
	int fd;
	void *priv;
};

struct wd_ce_ctx {
	int fd;
	char *drv_name;
	void *priv;
};

/* An algorithm's own copy of one wd_ctx, with its lock and send counter. */
struct wd_ctx_internal {
	handle_t ctx;
	__u8 op_type;
	__u8 ctx_mode;
	__u16 sqn;
	pthread_spinlock_t lock;
};

struct wd_ctx_config_internal {
	__u32 ctx_num;
	int shmid;
	struct wd_ctx_internal *ctxs;
	void *priv;
	bool epoll_en;
	unsigned long *msg_cnt;
	char *alg_name;
};

/* One element of a scatter-gather data list (data_fmt WD_SGL_BUF). */
struct wd_datalist {
	void *data;
	__u32 len;
	struct wd_datalist *next;
};

#ifdef __cplusplus
}
#endif

#endif /* WD_INTERNAL_H */
