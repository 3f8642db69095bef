/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible core header: the names, values, types and LP64 layouts of Linaro
 * UADK 2.10's include/wd.h (v2 API): handle_t, the WD_* error codes, the logging and
 * barrier macros, struct uacce_dev, wd_mm_ops, wd_dtb, the mempool statistics structs and the
 * ctx calls (wd_get_accel_list, wd_request_ctx, wd_ctx_wait, ...). A program written against
 * UADK's wd.h compiles against this one with only its include path changed;
 * runtime/uadk/uadk_compat_test checks every item (docs/uadk-compat.md).
 *
 * Simulation notes (see runtime/uadk/wd_runtime.h): every call runs on the OsInterface the
 * calling thread bound with wd_runtime_bind_os(); buffers passed to the library are virtual
 * addresses of the simulated process, cast to pointers.
 *
 * Not provided: wd_create_device_nodemask / wd_free_device_nodemask (libnuma). NUMA: the model has one node, numa_id 0. <numa.h> is included when the system
 * has it (libnuma-dev), as UADK's wd.h does; otherwise struct bitmask is only declared.
 * WD_ERR / WD_INFO / WD_DEBUG print to stderr (UADK sends them to syslog unless WD_NO_LOG).
 */
#ifndef __WD_H
#define __WD_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <asm/types.h>
#include "uacce.h"
#if defined(__has_include)
#if __has_include(<numa.h>)
#include <numa.h>
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* libnuma's node mask (the model has one NUMA node). */
struct bitmask;

#define PATH_STR_SIZE		256
#define MAX_ATTR_STR_SIZE	384
#define WD_NAME_SIZE		64
#define MAX_DEV_NAME_LEN	256
#define LINUX_CRTDIR_SIZE	1
#define LINUX_PRTDIR_SIZE	2
#define WD_CTX_CNT_NUM		1024
#define WD_IPC_KEY		0x500011
#define CRYPTO_MAX_ALG_NAME	128

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(x)	(sizeof(x) / sizeof((x)[0]))

#define handle_t uintptr_t
typedef struct wd_dev_mask wd_dev_mask_t;

typedef void (*wd_log)(const char *format, ...);

#ifdef WD_NO_LOG
#define OPEN_LOG(s)
#endif
#define WD_DEBUG(fmt, args...)	fprintf(stderr, fmt, ##args)
#define WD_INFO(fmt, args...)	fprintf(stderr, fmt, ##args)
#define WD_ERR(fmt, args...)	fprintf(stderr, fmt, ##args)

/* An error message prefixed with the name of the ctx's device. */
#define WD_DEV_ERR(h_ctx, format, args...)                                  \
	do {                                                                \
		char *wd_dev_err_name_ = wd_ctx_get_dev_name(h_ctx);        \
		WD_ERR("%s: " format "\n", wd_dev_err_name_, ##args);        \
	} while (0)

#define WD_CONSOLE printf

/* WD error codes. */
#define WD_SUCCESS		0
#define WD_STREAM_END		1
#define WD_STREAM_START		2
#define WD_SOFT_COMPUTING	3
#define WD_EIO			EIO
#define WD_EAGAIN		EAGAIN
#define WD_ENOMEM		ENOMEM
#define WD_EACCES		EACCES
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

enum wd_buff_type {
	WD_FLAT_BUF,
	WD_SGL_BUF,
};

enum wd_alg_type {
	WD_CIPHER,
	WD_DIGEST,
	WD_AEAD,
};

/* User memory hooks (session setups' mm_ops, wd_bmm pools). */
typedef void *(*wd_alloc)(void *usr, size_t size);
typedef void (*wd_free)(void *usr, void *va);
typedef void *(*wd_map)(void *usr, void *va, size_t sz);
typedef void (*wd_unmap)(void *usr, void *va, void *dma, size_t sz);
typedef __u32 (*wd_bufsize)(void *usr);

/*
 * struct wd_mm_ops - Memory a session or pool takes from its user: @alloc/@free, @iova_map
 * (VA -> device address) and @iova_unmap, @get_bufsize (optional), @usr passed to each, and
 * @sva_mode (the device shares the process's addresses).
 */
struct wd_mm_ops {
	wd_alloc alloc;
	wd_free free;
	wd_map iova_map;
	wd_unmap iova_unmap;
	wd_bufsize get_bufsize;
	void *usr;
	bool sva_mode;
};

/* struct wd_dtb - A data buffer: @data, @dsize bytes of data in it, @bsize its size. */
struct wd_dtb {
	char *data;
	__u32 dsize;
	__u32 bsize;
};

/* struct uacce_dev - What sysfs says about one accelerator. */
struct uacce_dev {
	int flags;				/* UACCE_DEV_SVA */
	int numa_id;
	char api[WD_NAME_SIZE];			/* e.g. "hisi_qm_v2" */
	char algs[MAX_ATTR_STR_SIZE];		/* supported algorithms, one a line */
	char dev_root[PATH_STR_SIZE];		/* "/sys/class/uacce/hisi_zip-0" */
	char char_dev_path[MAX_DEV_NAME_LEN];	/* "/dev/hisi_zip-0" */
	unsigned long qfrs_offs[UACCE_QFRT_MAX];	/* region sizes from sysfs */
};

struct uacce_dev_list {
	struct uacce_dev *dev;
	struct uacce_dev_list *next;
};

struct wd_dev_mask {
	unsigned char *mask;
	int len;
	unsigned int magic;
};

#if defined(__AARCH64_CMODEL_SMALL__) && __AARCH64_CMODEL_SMALL__
#define dsb(opt)	{ asm volatile("dsb " #opt : : : "memory"); }
#define rmb()		dsb(ld)
#define wmb()		dsb(st)
#define mb()		dsb(sy)
#else
#define rmb()		__sync_synchronize()
#define wmb()		__sync_synchronize()
#define mb()		__sync_synchronize()
#endif

static inline uint32_t wd_ioread32(void *addr)
{
	return *(volatile uint32_t *)addr;
}

static inline uint64_t wd_ioread64(void *addr)
{
	return *(volatile uint64_t *)addr;
}

static inline void wd_iowrite32(void *addr, uint32_t value)
{
	*(volatile uint32_t *)addr = value;
}

static inline void wd_iowrite64(void *addr, uint64_t value)
{
	*(volatile uint64_t *)addr = value;
}

static inline void *WD_ERR_PTR(uintptr_t error)
{
	return (void *)error;
}

static inline long WD_PTR_ERR(const void *ptr)
{
	return (intptr_t)ptr;
}

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
/* wd_ctx_set_priv() / wd_ctx_get_priv() - A pointer the caller keeps in the ctx. */
int wd_ctx_set_priv(handle_t h_ctx, void *priv);
void *wd_ctx_get_priv(handle_t h_ctx);
char *wd_ctx_get_api(handle_t h_ctx);
/*
 * wd_ctx_mmap_qfr() - The base of the ctx's @qfrt region (MMIO or DUS): the queue's own mapping
 * once an algorithm started it, else a mapping of the ctx's fd this call makes (undone by
 * wd_ctx_unmap_qfr or the ctx's release). NULL for UACCE_QFRT_SS (no static share: SVA only).
 */
void *wd_ctx_mmap_qfr(handle_t h_ctx, enum uacce_qfrt qfrt);
void wd_ctx_unmap_qfr(handle_t h_ctx, enum uacce_qfrt qfrt);
/*
 * wd_ctx_wait() - Sleep until the ctx's device raises its interrupt (epoll on the fd), at
 * most @ms milliseconds. Return > 0 on an event, 0 on timeout, < 0 on error.
 */
int wd_ctx_wait(handle_t h_ctx, __u16 ms);
int wd_is_sva(handle_t h_ctx);
/* wd_is_isolate() - 1 when sysfs marks the device isolated after hardware errors. */
int wd_is_isolate(struct uacce_dev *dev);
/*
 * wd_get_accel_name() - From "/dev/hisi_zip-0": the device name "hisi_zip-0" (@no_apdx 0)
 * or the driver name "hisi_zip" (@no_apdx 1), malloc'ed; NULL on a bad path.
 */
char *wd_get_accel_name(char *dev_path, int no_apdx);
int wd_get_numa_id(handle_t h_ctx);
/* wd_get_avail_ctx() - sysfs available_instances of the device, or < 0. */
int wd_get_avail_ctx(struct uacce_dev *dev);
/*
 * wd_get_accel_list() - Every usable device that supports @alg_name (isolated devices and
 * devices without SVA are left out). Free it with wd_free_list_accels().
 */
struct uacce_dev_list *wd_get_accel_list(const char *alg_name);
/* wd_find_dev_by_numa() - From @list, the device on @numa_id with the most available ctxs. */
struct uacce_dev *wd_find_dev_by_numa(struct uacce_dev_list *list, int numa_id);
/*
 * wd_get_accel_dev() - The usable device for @alg_name with the most available ctxs (ties:
 * name order); the caller frees it with free(). NULL when there is none.
 */
struct uacce_dev *wd_get_accel_dev(const char *alg_name);
void wd_free_list_accels(struct uacce_dev_list *list);
/* wd_ctx_set_io_cmd() - ioctl(@cmd, @arg) on the ctx's fd; 0 or the negative errno. */
int wd_ctx_set_io_cmd(handle_t h_ctx, unsigned long cmd, void *arg);
/* wd_ctx_get_region_size() - Size of the ctx's @qfrt region (sysfs region_*_size), or 0. */
unsigned long wd_ctx_get_region_size(handle_t h_ctx, enum uacce_qfrt qfrt);

enum wd_page_type {
	WD_HUGE_PAGE = 0,
	WD_NORMAL_PAGE,
};

/*
 * The SVA memory pools. A mempool is @size bytes of the process's memory (rounded up to whole
 * 4 KiB blocks; in the simulator one anonymous mapping of the simulated process), a
 * blockpool takes a contiguous run of a mempool's 4 KiB blocks and hands them out as
 * @block_num blocks of @block_size bytes (one blockpool per mempool at a time, as UADK).
 * Creation returns the handle or, on failure, an error handle (WD_IS_ERR, WD_HANDLE_ERR:
 * -WD_EINVAL bad arguments, -WD_EBUSY the mempool already has a blockpool, -WD_ENOMEM no
 * memory). @node is the NUMA node: -1 or 0 (the model has one node).
 */
struct wd_mempool_stats {
	enum wd_page_type page_type;	/* WD_NORMAL_PAGE in the simulator */
	unsigned long page_size;
	unsigned long page_num;
	unsigned long blk_size;		/* 4096 */
	unsigned long blk_num;
	unsigned long free_blk_num;
	unsigned long blk_usage_rate;	/* percent of blocks taken by blockpools */
};

struct wd_blockpool_stats {
	unsigned long block_size;
	unsigned long block_num;
	unsigned long free_block_num;
	unsigned long block_usage_rate;	/* percent of blocks allocated */
	unsigned long mem_waste_rate;	/* percent of the taken mempool memory no block uses */
};

/* wd_block_alloc() - One block of the blockpool, NULL when none is free. */
void *wd_block_alloc(handle_t blkpool);
void wd_block_free(handle_t blkpool, void *addr);
handle_t wd_blockpool_create(handle_t mempool, size_t block_size, size_t block_num);
/* wd_blockpool_destroy() - Give the blockpool's memory back to its mempool. */
void wd_blockpool_destroy(handle_t blkpool);
handle_t wd_mempool_create(size_t size, int node);
void wd_mempool_destroy(handle_t mempool);
void wd_mempool_stats(handle_t mempool, struct wd_mempool_stats *stats);
void wd_blockpool_stats(handle_t blkpool, struct wd_blockpool_stats *stats);

/* wd_clone_dev() - A malloc'ed copy of @dev (free it with free()), NULL on failure. */
struct uacce_dev *wd_clone_dev(struct uacce_dev *dev);
/* wd_add_dev_to_list() - Append @node at the end of the list starting at @head. */
void wd_add_dev_to_list(struct uacce_dev_list *head, struct uacce_dev_list *node);
char *wd_ctx_get_dev_name(handle_t h_ctx);
/* wd_get_version() - Prints the library's version (the UADK version it follows). */
void wd_get_version(void);
/*
 * wd_need_debug() / wd_need_info() - Whether WD_DEBUG / WD_INFO messages are wanted: the
 * simulated process's WD_LOG_LEVEL is "debug" (both) or "info" (info only). UADK reads its
 * rsyslog configuration instead; the model has none.
 */
bool wd_need_debug(void);
bool wd_need_info(void);

struct wd_capability {
	char alg_name[CRYPTO_MAX_ALG_NAME];
	char drv_name[CRYPTO_MAX_ALG_NAME];
	bool available;
	int priority;
	int calc_type;

	struct wd_capability *next;
};

/*
 * wd_get_alg_cap() - One node per (algorithm, driver) the system's devices offer, in device
 * order: drv_name is the device name without its instance ("hisi_sec2"), available true,
 * calc_type UADK_ALG_HW, priority 100 (UADK's hardware drivers). Free with wd_release_alg_cap.
 */
struct wd_capability *wd_get_alg_cap(void);
void wd_release_alg_cap(struct wd_capability *head);

#ifdef __cplusplus
}
#endif

#endif /* __WD_H */
