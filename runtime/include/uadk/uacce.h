/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible copy of the UACCE user ABI facts UADK's include/uacce.h carries
 * (the Linux uapi misc/uacce/uacce.h): the queue ioctls, the device flag and the queue file
 * region types. The same facts, for C++, are in formats/uacce/uacce.h.
 */
#ifndef _UAPIUUACCE_H
#define _UAPIUUACCE_H

#include <linux/ioctl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Queue ioctls on an opened /dev/<device> fd. */
#define UACCE_CMD_START		_IO('W', 0)
#define UACCE_CMD_PUT_Q		_IO('W', 1)
#define UACCE_CMD_GET_SS_DMA	_IOR('W', 3, unsigned long)

/* The static-share (no-SVA) region is handed out in slices of this granule. */
#define UACCE_GRAN_SIZE		0x10000ull
#define UACCE_GRAN_SHIFT	16
#define UACCE_GRAN_NUM_MASK	0xfffull

/* sysfs "flags": the device shares the process's virtual addresses (PASID). */
enum {
	UACCE_DEV_SVA = 0x1,
};

/* Suffix of the sysfs "api" string of a device used without an IOMMU. */
#define UACCE_API_VER_NOIOMMU_SUBFIX	"_noiommu"

/* Queue file regions; a region's mmap offset is its type times the page size. */
enum uacce_qfrt {
	UACCE_QFRT_MMIO = 0,	/* doorbell registers */
	UACCE_QFRT_DUS = 1,	/* queue memory shared by device and user */
	UACCE_QFRT_SS,		/* static share memory (no-SVA mode) */
	UACCE_QFRT_MAX,
};

#ifdef __cplusplus
}
#endif

#endif /* _UAPIUUACCE_H */
