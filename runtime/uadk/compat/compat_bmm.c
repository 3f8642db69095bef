/* wd_bmm.h: every item. See compat.h. */
#include "wd_bmm.h"

#include "compat.h"

CHECK_SIZE(struct wd_mempool_setup, 72);
CHECK_OFF(struct wd_mempool_setup, block_size, 0);
CHECK_OFF(struct wd_mempool_setup, block_num, 4);
CHECK_OFF(struct wd_mempool_setup, align_size, 8);
CHECK_OFF(struct wd_mempool_setup, ops, 16);

int compat_bmm(void)
{
	int n = 0;
	__u32 num = 0;
	void *(*f_pool_alloc)(handle_t, struct wd_mempool_setup *) = wd_mempool_alloc;
	void (*f_pool_free)(handle_t, void *) = wd_mempool_free;
	void *(*f_mem_alloc)(void *, size_t) = wd_mem_alloc;
	void (*f_mem_free)(void *, void *) = wd_mem_free;
	void *(*f_mem_map)(void *, void *, size_t) = wd_mem_map;
	void (*f_mem_unmap)(void *, void *, void *, size_t) = wd_mem_unmap;
	int (*f_get_free_num)(void *, __u32 *) = wd_get_free_num;
	int (*f_get_fail_num)(void *, __u32 *) = wd_get_fail_num;
	__u32 (*f_get_bufsize)(void *) = wd_get_bufsize;
	__u32 (*f_get_dev_id)(void *) = wd_get_dev_id;
	handle_t (*f_find_ctx)(const char *) = wd_find_ctx;
	void (*f_remove_ctx_list)(void) = wd_remove_ctx_list;
	int (*f_insert_ctx_list)(handle_t, char *) = wd_insert_ctx_list;
	struct wd_mempool_setup setup = { .block_size = 4096, .block_num = 4, .align_size = 64 };

	USE_FN(n, f_pool_alloc);
	USE_FN(n, f_pool_free);
	USE_FN(n, f_mem_alloc);
	USE_FN(n, f_mem_free);
	USE_FN(n, f_mem_map);
	USE_FN(n, f_mem_unmap);
	USE_FN(n, f_get_free_num);
	USE_FN(n, f_get_fail_num);
	USE_FN(n, f_get_bufsize);
	USE_FN(n, f_get_dev_id);
	USE_FN(n, f_find_ctx);
	USE_FN(n, f_remove_ctx_list);
	USE_FN(n, f_insert_ctx_list);
	/* Unbound (no simulated process): no pool, and the queries refuse a bad pool. */
	if (wd_mempool_alloc(0, &setup) || wd_get_free_num(&setup, &num) != -WD_EINVAL)
		return -1;
	return n;
}
