/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wdsim's UADK-compatible block memory pool (Linaro UADK 2.10 include/wd_bmm.h): fixed-size
 * blocks for devices used without SVA, where buffers must come from memory the device can
 * reach (UADK reserves it through the ctx's static-share region).
 *
 * In the simulator a pool is one anonymous mapping of the simulated process, block_num
 * blocks of block_size bytes (rounded up to align_size), taken with wd_mem_alloc() and
 * given back with wd_mem_free(); the pointers are virtual addresses of the simulated process
 * (runtime/uadk/wd_runtime.h), as every buffer the library takes. wd_mem_map() returns the
 * block's device address, which is its VA (the model's devices translate process VAs
 * through the SMMU). setup->ops (the user's own memory) is used when ops.alloc is set: the
 * pool then takes its memory from ops.alloc(ops.usr, size) and maps with ops.iova_map.
 *
 * The ctx list: wd_<alg>_init2 and the env inits add each ctx they open under their algorithm
 * name; wd_find_ctx() hands each out once (for the h_ctx of wd_mempool_alloc).
 */
#ifndef _WD_SVA_BMM_H
#define _WD_SVA_BMM_H

#include <stdint.h>
#include "wd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* struct wd_mempool_setup - A pool of @block_num blocks of @block_size bytes, each starting
 * at a multiple of @align_size (a power of two, 0: 8); @ops: the user's memory instead. */
struct wd_mempool_setup {
	__u32 block_size;
	__u32 block_num;
	__u32 align_size;
	struct wd_mm_ops ops;
};

/* wd_mempool_alloc() - A pool for ctx @h_ctx (0: any); NULL on bad setup or no memory. */
void *wd_mempool_alloc(handle_t h_ctx, struct wd_mempool_setup *setup);
/* wd_mempool_free() - Free a pool (and its memory); blocks still taken are lost with it. */
void wd_mempool_free(handle_t h_ctx, void *pool);
/* wd_mem_alloc() - One block (@size at most block_size); NULL when none is free. */
void *wd_mem_alloc(void *pool, size_t size);
void wd_mem_free(void *pool, void *buf);

/* wd_mem_map() - The device address of @buf (in the pool); NULL if it is not the pool's. */
void *wd_mem_map(void *pool, void *buf, size_t sz);
void wd_mem_unmap(void *pool, void *buf_dma, void *buf, size_t sz);
/* Free blocks now / wd_mem_alloc() calls that found none. 0, or -WD_EINVAL. */
int wd_get_free_num(void *pool, __u32 *free_num);
int wd_get_fail_num(void *pool, __u32 *fail_num);
/* Block size of the pool (0 for a bad pool). */
__u32 wd_get_bufsize(void *pool);
/* wd_find_ctx() - An unused listed ctx whose algorithm name contains @alg_name, or 0. */
handle_t wd_find_ctx(const char *alg_name);
/* wd_remove_ctx_list() - Empty the list. */
void wd_remove_ctx_list(void);
/* wd_insert_ctx_list() - List @h_ctx under @alg_name; 0 or -WD_EINVAL (not a ctx). */
int wd_insert_ctx_list(handle_t h_ctx, char *alg_name);
/* The instance number of the pool's ctx's device ("hisi_sec2-3": 3; 0 for h_ctx 0). */
__u32 wd_get_dev_id(void *pool);

#ifdef __cplusplus
}
#endif

#endif /* _WD_SVA_BMM_H */
