/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible wd_alg.h: the algorithm-driver types UADK's wd_alg_common.h pulls
 * in (struct wd_alg_driver, struct wd_alg_list, enum alg_dev_type), with UADK's names and
 * LP64 layouts. wdsim has one built-in driver per engine (HiSilicon ZIP and SEC on the
 * simulated QM), so the driver registry calls of UADK (wd_alg_driver_register,
 * wd_request_drv, ...) are not provided: see docs/uadk-compat.md.
 */
#ifndef __WD_ALG_H
#define __WD_ALG_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

#define handle_t uintptr_t
#define ALG_NAME_SIZE		128
#define DEV_NAME_LEN		128

/* auxv keys of the CPU capability words, and the Arm capability bits UADK's CE drivers test. */
#ifndef AT_HWCAP
#define AT_HWCAP		16
#endif

#ifndef AT_HWCAP2
#define AT_HWCAP2		26
#endif

#if defined(__arm__) || defined(__arm)
#define HWCAP			AT_HWCAP
#define HWCAP_NEON		(1 << 12)
#define HWCAP_CE		AT_HWCAP2
#define HWCAP_CE_AES		(1 << 0)
#define HWCAP_CE_PMULL		(1 << 1)
#define HWCAP_CE_SHA1		(1 << 2)
#define HWCAP_CE_SHA256		(1 << 3)
#elif defined(__aarch64__)
#define HWCAP			AT_HWCAP
#define HWCAP_NEON		(1 << 1)
#define HWCAP_CE		HWCAP
#define HWCAP_CE_AES		(1 << 3)
#define HWCAP_CE_PMULL		(1 << 4)
#define HWCAP_CE_SHA1		(1 << 5)
#define HWCAP_CE_SHA256		(1 << 6)
#define HWCAP_CPUID		(1 << 11)
#define HWCAP_SHA3		(1 << 17)
#define HWCAP_CE_SM3		(1 << 18)
#define HWCAP_CE_SM4		(1 << 19)
#define HWCAP_CE_SHA512		(1 << 21)
#define HWCAP_SVE		(1 << 22)
#define HWCAP2			26
#define HWCAP2_SVE2		(1 << 1)
#define HWCAP2_RNG		(1 << 16)
#endif

/* Where an algorithm runs: software, CPU crypto instructions, SVE, or a device. */
enum alg_dev_type {
	UADK_ALG_SOFT = 0x0,
	UADK_ALG_CE_INSTR = 0x1,
	UADK_ALG_SVE_INSTR = 0x2,
	UADK_ALG_HW = 0x3
};

struct wd_alg_driver {
	const char *drv_name;
	const char *alg_name;
	int priority;
	int calc_type;
	int queue_num;
	int op_type_num;
	void *priv;
	handle_t fallback;

	int (*init)(struct wd_alg_driver *drv, void *conf);
	void (*exit)(struct wd_alg_driver *drv);
	int (*send)(struct wd_alg_driver *drv, handle_t ctx, void *drv_msg);
	int (*recv)(struct wd_alg_driver *drv, handle_t ctx, void *drv_msg);
	int (*get_usage)(void *param);
	int (*get_extend_ops)(void *ops);
};

struct wd_alg_list {
	char alg_name[ALG_NAME_SIZE];
	char drv_name[DEV_NAME_LEN];
	bool available;
	int priority;
	int calc_type;
	int refcnt;

	struct wd_alg_driver *drv;
	struct wd_alg_list *next;
};

#ifdef __cplusplus
}
#endif

#endif /* __WD_ALG_H */
