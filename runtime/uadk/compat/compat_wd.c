/* wd.h, uacce.h, wd_alg.h and wd_internal.h: every item. See compat.h. */
#include "wd.h"

#include <stdlib.h>

#include "compat.h"
#include "uacce.h"
#include "wd_alg.h"
#include "wd_internal.h"

/* uacce.h */
CHECK_VAL(UACCE_CMD_START, 0x5700);
CHECK_VAL(UACCE_CMD_PUT_Q, 0x5701);
CHECK_VAL(UACCE_CMD_GET_SS_DMA, _IOR('W', 3, unsigned long));
CHECK_VAL(UACCE_GRAN_SIZE, 0x10000ull);
CHECK_VAL(UACCE_GRAN_SHIFT, 16);
CHECK_VAL(UACCE_GRAN_NUM_MASK, 0xfffull);
CHECK_VAL(UACCE_DEV_SVA, 1);
CHECK_VAL(UACCE_QFRT_MMIO, 0);
CHECK_VAL(UACCE_QFRT_DUS, 1);
CHECK_VAL(UACCE_QFRT_SS, 2);
CHECK_VAL(UACCE_QFRT_MAX, 3);
CHECK_VAL(sizeof(UACCE_API_VER_NOIOMMU_SUBFIX), sizeof("_noiommu"));

/* wd.h macros */
CHECK_VAL(PATH_STR_SIZE, 256);
CHECK_VAL(MAX_ATTR_STR_SIZE, 384);
CHECK_VAL(WD_NAME_SIZE, 64);
CHECK_VAL(MAX_DEV_NAME_LEN, 256);
CHECK_VAL(LINUX_CRTDIR_SIZE, 1);
CHECK_VAL(LINUX_PRTDIR_SIZE, 2);
CHECK_VAL(WD_CTX_CNT_NUM, 1024);
CHECK_VAL(WD_IPC_KEY, 0x500011);
CHECK_VAL(CRYPTO_MAX_ALG_NAME, 128);
CHECK_VAL(WD_SUCCESS, 0);
CHECK_VAL(WD_STREAM_END, 1);
CHECK_VAL(WD_STREAM_START, 2);
CHECK_VAL(WD_SOFT_COMPUTING, 3);
CHECK_VAL(WD_EIO, EIO);
CHECK_VAL(WD_EAGAIN, EAGAIN);
CHECK_VAL(WD_ENOMEM, ENOMEM);
CHECK_VAL(WD_EACCES, EACCES);
CHECK_VAL(WD_EBUSY, EBUSY);
CHECK_VAL(WD_EEXIST, EEXIST);
CHECK_VAL(WD_ENODEV, ENODEV);
CHECK_VAL(WD_EINVAL, EINVAL);
CHECK_VAL(WD_ETIMEDOUT, ETIMEDOUT);
CHECK_VAL(WD_ADDR_ERR, 61);
CHECK_VAL(WD_HW_EACCESS, 62);
CHECK_VAL(WD_SGL_ERR, 63);
CHECK_VAL(WD_VERIFY_ERR, 64);
CHECK_VAL(WD_OUT_EPARA, 66);
CHECK_VAL(WD_IN_EPARA, 67);
CHECK_VAL(WD_ENOPROC, 68);
CHECK_VAL(WD_FLAT_BUF, 0);
CHECK_VAL(WD_SGL_BUF, 1);
CHECK_VAL(WD_CIPHER, 0);
CHECK_VAL(WD_DIGEST, 1);
CHECK_VAL(WD_AEAD, 2);
CHECK_VAL(WD_HUGE_PAGE, 0);
CHECK_VAL(WD_NORMAL_PAGE, 1);
CHECK_VAL(sizeof(handle_t), sizeof(uintptr_t));
CHECK_VAL(sizeof(wd_dev_mask_t), sizeof(struct wd_dev_mask));

/* wd.h structs (LP64) */
CHECK_SIZE(struct wd_mm_ops, 56);
CHECK_OFF(struct wd_mm_ops, alloc, 0);
CHECK_OFF(struct wd_mm_ops, free, 8);
CHECK_OFF(struct wd_mm_ops, iova_map, 16);
CHECK_OFF(struct wd_mm_ops, iova_unmap, 24);
CHECK_OFF(struct wd_mm_ops, get_bufsize, 32);
CHECK_OFF(struct wd_mm_ops, usr, 40);
CHECK_OFF(struct wd_mm_ops, sva_mode, 48);
CHECK_SIZE(struct wd_dtb, 16);
CHECK_OFF(struct wd_dtb, data, 0);
CHECK_OFF(struct wd_dtb, dsize, 8);
CHECK_OFF(struct wd_dtb, bsize, 12);
CHECK_SIZE(struct uacce_dev, 992);
CHECK_OFF(struct uacce_dev, flags, 0);
CHECK_OFF(struct uacce_dev, numa_id, 4);
CHECK_OFF(struct uacce_dev, api, 8);
CHECK_OFF(struct uacce_dev, algs, 72);
CHECK_OFF(struct uacce_dev, dev_root, 456);
CHECK_OFF(struct uacce_dev, char_dev_path, 712);
CHECK_OFF(struct uacce_dev, qfrs_offs, 968);
CHECK_SIZE(struct uacce_dev_list, 16);
CHECK_OFF(struct uacce_dev_list, dev, 0);
CHECK_OFF(struct uacce_dev_list, next, 8);
CHECK_SIZE(struct wd_dev_mask, 16);
CHECK_OFF(struct wd_dev_mask, mask, 0);
CHECK_OFF(struct wd_dev_mask, len, 8);
CHECK_OFF(struct wd_dev_mask, magic, 12);
CHECK_SIZE(struct wd_mempool_stats, 56);
CHECK_OFF(struct wd_mempool_stats, page_type, 0);
CHECK_OFF(struct wd_mempool_stats, page_size, 8);
CHECK_OFF(struct wd_mempool_stats, page_num, 16);
CHECK_OFF(struct wd_mempool_stats, blk_size, 24);
CHECK_OFF(struct wd_mempool_stats, blk_num, 32);
CHECK_OFF(struct wd_mempool_stats, free_blk_num, 40);
CHECK_OFF(struct wd_mempool_stats, blk_usage_rate, 48);
CHECK_SIZE(struct wd_blockpool_stats, 40);
CHECK_OFF(struct wd_blockpool_stats, block_size, 0);
CHECK_OFF(struct wd_blockpool_stats, block_num, 8);
CHECK_OFF(struct wd_blockpool_stats, free_block_num, 16);
CHECK_OFF(struct wd_blockpool_stats, block_usage_rate, 24);
CHECK_OFF(struct wd_blockpool_stats, mem_waste_rate, 32);
CHECK_SIZE(struct wd_capability, 280);
CHECK_OFF(struct wd_capability, alg_name, 0);
CHECK_OFF(struct wd_capability, drv_name, 128);
CHECK_OFF(struct wd_capability, available, 256);
CHECK_OFF(struct wd_capability, priority, 260);
CHECK_OFF(struct wd_capability, calc_type, 264);
CHECK_OFF(struct wd_capability, next, 272);

/* wd_alg.h */
CHECK_VAL(ALG_NAME_SIZE, 128);
CHECK_VAL(DEV_NAME_LEN, 128);
CHECK_VAL(AT_HWCAP, 16);
CHECK_VAL(AT_HWCAP2, 26);
CHECK_VAL(UADK_ALG_SOFT, 0);
CHECK_VAL(UADK_ALG_CE_INSTR, 1);
CHECK_VAL(UADK_ALG_SVE_INSTR, 2);
CHECK_VAL(UADK_ALG_HW, 3);
CHECK_SIZE(struct wd_alg_driver, 96);
CHECK_OFF(struct wd_alg_driver, drv_name, 0);
CHECK_OFF(struct wd_alg_driver, alg_name, 8);
CHECK_OFF(struct wd_alg_driver, priority, 16);
CHECK_OFF(struct wd_alg_driver, calc_type, 20);
CHECK_OFF(struct wd_alg_driver, queue_num, 24);
CHECK_OFF(struct wd_alg_driver, op_type_num, 28);
CHECK_OFF(struct wd_alg_driver, priv, 32);
CHECK_OFF(struct wd_alg_driver, fallback, 40);
CHECK_OFF(struct wd_alg_driver, init, 48);
CHECK_OFF(struct wd_alg_driver, exit, 56);
CHECK_OFF(struct wd_alg_driver, send, 64);
CHECK_OFF(struct wd_alg_driver, recv, 72);
CHECK_OFF(struct wd_alg_driver, get_usage, 80);
CHECK_OFF(struct wd_alg_driver, get_extend_ops, 88);
CHECK_SIZE(struct wd_alg_list, 288);
CHECK_OFF(struct wd_alg_list, alg_name, 0);
CHECK_OFF(struct wd_alg_list, drv_name, 128);
CHECK_OFF(struct wd_alg_list, available, 256);
CHECK_OFF(struct wd_alg_list, priority, 260);
CHECK_OFF(struct wd_alg_list, calc_type, 264);
CHECK_OFF(struct wd_alg_list, refcnt, 268);
CHECK_OFF(struct wd_alg_list, drv, 272);
CHECK_OFF(struct wd_alg_list, next, 280);

/* wd_internal.h */
CHECK_VAL(DEVICE_REGION_MAX, 16);
CHECK_VAL(DECIMAL_NUMBER, 10);
CHECK_VAL(MAX_FD_NUM, 65535);
CHECK_SIZE(struct wd_ctx_h, 344);
CHECK_OFF(struct wd_ctx_h, fd, 0);
CHECK_OFF(struct wd_ctx_h, dev_path, 4);
CHECK_OFF(struct wd_ctx_h, dev_name, 264);
CHECK_OFF(struct wd_ctx_h, drv_name, 272);
CHECK_OFF(struct wd_ctx_h, qfrs_offs, 280);
CHECK_OFF(struct wd_ctx_h, qfrs_base, 304);
CHECK_OFF(struct wd_ctx_h, dev, 328);
CHECK_OFF(struct wd_ctx_h, priv, 336);
CHECK_SIZE(struct wd_soft_ctx, 16);
CHECK_OFF(struct wd_soft_ctx, fd, 0);
CHECK_OFF(struct wd_soft_ctx, priv, 8);
CHECK_SIZE(struct wd_ce_ctx, 24);
CHECK_OFF(struct wd_ce_ctx, fd, 0);
CHECK_OFF(struct wd_ce_ctx, drv_name, 8);
CHECK_OFF(struct wd_ce_ctx, priv, 16);
CHECK_SIZE(struct wd_ctx_internal, 16);
CHECK_OFF(struct wd_ctx_internal, ctx, 0);
CHECK_OFF(struct wd_ctx_internal, op_type, 8);
CHECK_OFF(struct wd_ctx_internal, ctx_mode, 9);
CHECK_OFF(struct wd_ctx_internal, sqn, 10);
CHECK_OFF(struct wd_ctx_internal, lock, 12);
CHECK_SIZE(struct wd_ctx_config_internal, 48);
CHECK_OFF(struct wd_ctx_config_internal, ctx_num, 0);
CHECK_OFF(struct wd_ctx_config_internal, shmid, 4);
CHECK_OFF(struct wd_ctx_config_internal, ctxs, 8);
CHECK_OFF(struct wd_ctx_config_internal, priv, 16);
CHECK_OFF(struct wd_ctx_config_internal, epoll_en, 24);
CHECK_OFF(struct wd_ctx_config_internal, msg_cnt, 32);
CHECK_OFF(struct wd_ctx_config_internal, alg_name, 40);
CHECK_SIZE(struct wd_datalist, 24);
CHECK_OFF(struct wd_datalist, data, 0);
CHECK_OFF(struct wd_datalist, len, 8);
CHECK_OFF(struct wd_datalist, next, 16);

static void my_log(const char *format, ...)
{
	(void)format;
}

int compat_wd(void)
{
	int n = 0;
	int buf[7];
	uint32_t word = 0;
	uint64_t dword = 0;
	wd_log log_fn = my_log;
	wd_alloc alloc_fn = NULL;
	wd_free free_fn = NULL;
	wd_map map_fn = NULL;
	wd_unmap unmap_fn = NULL;
	wd_bufsize bufsize_fn = NULL;
	handle_t (*f_request_ctx)(struct uacce_dev *) = wd_request_ctx;
	void (*f_release_ctx)(handle_t) = wd_release_ctx;
	int (*f_ctx_start)(handle_t) = wd_ctx_start;
	int (*f_release_ctx_force)(handle_t) = wd_release_ctx_force;
	int (*f_ctx_set_priv)(handle_t, void *) = wd_ctx_set_priv;
	void *(*f_ctx_get_priv)(handle_t) = wd_ctx_get_priv;
	char *(*f_ctx_get_api)(handle_t) = wd_ctx_get_api;
	int (*f_ctx_wait)(handle_t, __u16) = wd_ctx_wait;
	int (*f_is_sva)(handle_t) = wd_is_sva;
	int (*f_is_isolate)(struct uacce_dev *) = wd_is_isolate;
	char *(*f_get_accel_name)(char *, int) = wd_get_accel_name;
	int (*f_get_numa_id)(handle_t) = wd_get_numa_id;
	int (*f_get_avail_ctx)(struct uacce_dev *) = wd_get_avail_ctx;
	struct uacce_dev_list *(*f_get_accel_list)(const char *) = wd_get_accel_list;
	struct uacce_dev *(*f_find_dev_by_numa)(struct uacce_dev_list *, int) =
		wd_find_dev_by_numa;
	struct uacce_dev *(*f_get_accel_dev)(const char *) = wd_get_accel_dev;
	void (*f_free_list_accels)(struct uacce_dev_list *) = wd_free_list_accels;
	int (*f_ctx_set_io_cmd)(handle_t, unsigned long, void *) = wd_ctx_set_io_cmd;
	unsigned long (*f_ctx_get_region_size)(handle_t, enum uacce_qfrt) =
		wd_ctx_get_region_size;
	struct uacce_dev *(*f_clone_dev)(struct uacce_dev *) = wd_clone_dev;
	void (*f_add_dev_to_list)(struct uacce_dev_list *, struct uacce_dev_list *) =
		wd_add_dev_to_list;
	char *(*f_ctx_get_dev_name)(handle_t) = wd_ctx_get_dev_name;
	void (*f_get_version)(void) = wd_get_version;
	bool (*f_need_debug)(void) = wd_need_debug;
	bool (*f_need_info)(void) = wd_need_info;
	void *(*f_block_alloc)(handle_t) = wd_block_alloc;
	void (*f_block_free)(handle_t, void *) = wd_block_free;
	handle_t (*f_blockpool_create)(handle_t, size_t, size_t) = wd_blockpool_create;
	void (*f_blockpool_destroy)(handle_t) = wd_blockpool_destroy;
	handle_t (*f_mempool_create)(size_t, int) = wd_mempool_create;
	void (*f_mempool_destroy)(handle_t) = wd_mempool_destroy;
	void (*f_mempool_stats)(handle_t, struct wd_mempool_stats *) = wd_mempool_stats;
	void (*f_blockpool_stats)(handle_t, struct wd_blockpool_stats *) = wd_blockpool_stats;
	void *(*f_ctx_mmap_qfr)(handle_t, enum uacce_qfrt) = wd_ctx_mmap_qfr;
	void (*f_ctx_unmap_qfr)(handle_t, enum uacce_qfrt) = wd_ctx_unmap_qfr;
	struct wd_capability *(*f_get_alg_cap)(void) = wd_get_alg_cap;
	void (*f_release_alg_cap)(struct wd_capability *) = wd_release_alg_cap;
	char path[] = "/dev/hisi_zip-3";
	char *name;
	struct uacce_dev dev;
	struct uacce_dev *clone;
	struct uacce_dev_list head = { &dev, NULL }, tail = { NULL, NULL };

	USE_FN(n, log_fn);
	n += alloc_fn == NULL && free_fn == NULL && map_fn == NULL && unmap_fn == NULL &&
	     bufsize_fn == NULL;
	USE_FN(n, f_request_ctx);
	USE_FN(n, f_release_ctx);
	USE_FN(n, f_ctx_start);
	USE_FN(n, f_release_ctx_force);
	USE_FN(n, f_ctx_set_priv);
	USE_FN(n, f_ctx_get_priv);
	USE_FN(n, f_ctx_get_api);
	USE_FN(n, f_ctx_wait);
	USE_FN(n, f_is_sva);
	USE_FN(n, f_is_isolate);
	USE_FN(n, f_get_accel_name);
	USE_FN(n, f_get_numa_id);
	USE_FN(n, f_get_avail_ctx);
	USE_FN(n, f_get_accel_list);
	USE_FN(n, f_find_dev_by_numa);
	USE_FN(n, f_get_accel_dev);
	USE_FN(n, f_free_list_accels);
	USE_FN(n, f_ctx_set_io_cmd);
	USE_FN(n, f_ctx_get_region_size);
	USE_FN(n, f_clone_dev);
	USE_FN(n, f_add_dev_to_list);
	USE_FN(n, f_ctx_get_dev_name);
	USE_FN(n, f_get_version);
	USE_FN(n, f_need_debug);
	USE_FN(n, f_need_info);
	USE_FN(n, f_block_alloc);
	USE_FN(n, f_block_free);
	USE_FN(n, f_blockpool_create);
	USE_FN(n, f_blockpool_destroy);
	USE_FN(n, f_mempool_create);
	USE_FN(n, f_mempool_destroy);
	USE_FN(n, f_mempool_stats);
	USE_FN(n, f_blockpool_stats);
	USE_FN(n, f_ctx_mmap_qfr);
	USE_FN(n, f_ctx_unmap_qfr);
	USE_FN(n, f_get_alg_cap);
	USE_FN(n, f_release_alg_cap);

	/* The macros and inline helpers as a program uses them. */
	if (ARRAY_SIZE(buf) != 7 || !likely(n > 0) || unlikely(n < 0))
		return -1;
	wd_iowrite32(&word, 0x12345678u);
	wd_iowrite64(&dword, 0x1122334455667788ull);
	rmb();
	wmb();
	mb();
	if (wd_ioread32(&word) != 0x12345678u || wd_ioread64(&dword) != 0x1122334455667788ull)
		return -2;
	if (WD_PTR_ERR(WD_ERR_PTR((uintptr_t)-WD_EINVAL)) != -WD_EINVAL)
		return -3;
	if (!WD_IS_ERR((handle_t)-WD_EINVAL) || WD_IS_ERR((handle_t)&word) ||
	    WD_HANDLE_ERR((handle_t)-WD_EBUSY) != -WD_EBUSY)
		return -4;

	WD_DEBUG("compat_wd: %d items\n", n);
	WD_INFO("compat_wd: %d items\n", n);
	WD_CONSOLE("compat_wd: %d items\n", n);
	if (n < 0) {
		WD_ERR("compat_wd: %d\n", n);
		WD_DEV_ERR((handle_t)0, "bad count %d", n);
	}

	/* The calls that need no device behave as UADK's. */
	name = wd_get_accel_name(path, 0);
	if (!name || strcmp(name, "hisi_zip-3"))
		return -5;
	free(name);
	name = wd_get_accel_name(path, 1);
	if (!name || strcmp(name, "hisi_zip"))
		return -6;
	free(name);
	memset(&dev, 0, sizeof(dev));
	dev.numa_id = 0;
	dev.flags = UACCE_DEV_SVA;
	strcpy(dev.char_dev_path, "/dev/hisi_zip-3");
	clone = wd_clone_dev(&dev);
	if (!clone || memcmp(clone, &dev, sizeof(dev)))
		return -7;
	free(clone);
	wd_add_dev_to_list(&head, &tail);
	if (head.next != &tail)
		return -8;
	/* Unbound: the pools report an error handle. */
	if (!WD_IS_ERR(wd_mempool_create(4096, 0)))
		return -9;
	return n;
}
