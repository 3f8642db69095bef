/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible core header: the names, types and shapes of Linaro UADK's
 * include/wd.h (v2 API) that programs use: handle_t, the WD_* error codes, struct uacce_dev
 * and the ctx calls (wd_get_accel_list, wd_get_accel_dev, wd_request_ctx, wd_release_ctx,
 * wd_ctx_wait, ...). A program written against UADK's wd.h for these calls compiles against
 * this one with only its include path changed.
 *
 * Simulation notes (see runtime/uadk/wd_runtime.h): every call runs on the OsInterface the
 * calling thread bound with wd_runtime_bind_os(); buffers passed to the library are virtual
 * addresses of the simulated process, cast to pointers.
 *
 * Not provided: wd_ctx_mmap_qfr / wd_ctx_get_priv / the memory pools (wd_bmm, blkpool),
 * NUMA queries beyond numa_id 0 (the model has one node).
 */
#ifndef __WD_H
#define __WD_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WD_NAME_SIZE		64
#define MAX_DEV_NAME_LEN	256
#define MAX_ATTR_STR_SIZE	384
#define PATH_STR_SIZE		256
#define WD_CTX_CNT_NUM		1024
#define WD_IPC_CTX_CNT_NUM	64
#define UACCE_QFRT_MAX		16

/* WD error codes (UADK include/wd.h). */
#define WD_SUCCESS		0
#define WD_STREAM_END		1
#define WD_STREAM_START		2
#define WD_SOFT_COMPUTING	3
#define WD_EIO			EIO
#define WD_EAGAIN		EAGAIN
#define WD_ENOMEM		ENOMEM
#define WD_EACCESS		EACCES
#define WD_EBUSY		EBUSY
#define WD_EEXIST		EEXIST
#define WD_ENODEV		ENODEV
#define WD_EINVAL		EINVAL
#define WD_ETIMEDOUT		ETIMEDOUT
#define WD_ADDR_ERR		61 /* address error */
#define WD_HW_EACCESS		62 /* hardware access denied, such as resetting */
#define WD_SGL_ERR		63 /* sgl input parameter error */
#define WD_VERIFY_ERR		64 /* verified error */
#define WD_OUT_EPARA		66 /* output parameter error */
#define WD_IN_EPARA		67 /* input parameter error */
#define WD_ENOPROC		68 /* no processed */

#define WD_HANDLE_ERR(h)	((long long)(h))
#define WD_IS_ERR(h)		((uintptr_t)(h) > (uintptr_t)(-1000))

typedef unsigned long handle_t;

/* struct uacce_dev - what sysfs says about one accelerator (UADK include/wd.h). */
struct uacce_dev {
	int flags;
	char api[WD_NAME_SIZE];
	char algs[MAX_ATTR_STR_SIZE];
	unsigned long qfrs_offs[UACCE_QFRT_MAX];
	char char_dev_path[MAX_DEV_NAME_LEN];	/* "/dev/hisi_zip-0" */
	char dev_root[PATH_STR_SIZE];		/* "/sys/class/uacce/hisi_zip-0" */
	int numa_id;
};

struct uacce_dev_list {
	struct uacce_dev *dev;
	struct uacce_dev_list *next;
};

/* wd_datalist - an SGL element (declared for the request unions; SGL data is not supported). */
struct wd_datalist {
	void *data;
	__u32 len;
	struct wd_datalist *next;
};

/*
 * wd_request_ctx() - Open a ctx (a hardware queue: open of /dev/<name>) on @dev.
 * Return the ctx handle, or 0 on failure.
 */
handle_t wd_request_ctx(struct uacce_dev *dev);
/* wd_release_ctx() - Close a ctx (stopping it first if an algorithm still runs on it). */
void wd_release_ctx(handle_t h_ctx);
/* wd_ctx_start() - Start a ctx's queue (UACCE_CMD_START_Q); done by the algorithm init. */
int wd_ctx_start(handle_t h_ctx);
/* wd_release_ctx_force() - Stop the queue now (UACCE_CMD_PUT_Q) and unmap its regions. */
int wd_release_ctx_force(handle_t h_ctx);
/*
 * wd_ctx_wait() - Sleep until the ctx's device raises its interrupt (epoll on the fd), at
 * most @ms milliseconds. Return > 0 on an event, 0 on timeout, < 0 on error.
 */
int wd_ctx_wait(handle_t h_ctx, __u16 ms);
int wd_is_sva(handle_t h_ctx);
int wd_get_numa_id(handle_t h_ctx);
char *wd_ctx_get_api(handle_t h_ctx);
char *wd_ctx_get_dev_name(handle_t h_ctx);

/* wd_is_isolate() - 1 when sysfs marks the device isolated after hardware errors. */
int wd_is_isolate(struct uacce_dev *dev);
/* wd_get_avail_ctx() - sysfs available_instances of the device, or < 0. */
int wd_get_avail_ctx(struct uacce_dev *dev);
/*
 * wd_get_accel_list() - Every usable device that supports @alg_name (isolated devices and
 * devices without SVA are left out). Free it with wd_free_list_accels().
 */
struct uacce_dev_list *wd_get_accel_list(const char *alg_name);
void wd_free_list_accels(struct uacce_dev_list *list);
/*
 * wd_get_accel_dev() - The usable device for @alg_name with the most available ctxs (ties:
 * name order); the caller frees it with free(). NULL when there is none.
 */
struct uacce_dev *wd_get_accel_dev(const char *alg_name);
/* wd_find_dev_by_numa() - From @list, the device on @numa_id with the most available ctxs. */
struct uacce_dev *wd_find_dev_by_numa(struct uacce_dev_list *list, int numa_id);

#ifdef __cplusplus
}
#endif

#endif /* __WD_H */
