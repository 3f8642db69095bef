/* wd_alg_common.h and wd_sched.h: every item. See compat.h. */
#include "wd_alg_common.h"

#include "compat.h"
#include "wd_sched.h"

CHECK_VAL(BYTE_BITS, 8);
CHECK_VAL(BYTE_BITS_SHIFT, 3);
CHECK_VAL(GET_NEGATIVE(5), -5);
CHECK_VAL(BITS_TO_BYTES(9), 2);
CHECK_VAL(BYTES_TO_BITS(2), 16);
CHECK_VAL(MAX_STR_LEN, 256);
CHECK_VAL(CTX_TYPE_INVALID, 9999);
CHECK_VAL(POLL_TIME, 1000);
CHECK_VAL(MAX_CIPHER_KEY_SIZE, 64);
CHECK_VAL(AES_KEYSIZE_128, 16);
CHECK_VAL(AES_KEYSIZE_192, 24);
CHECK_VAL(AES_KEYSIZE_256, 32);
CHECK_VAL(SM4_KEY_SIZE, 16);
CHECK_VAL(DES_KEY_SIZE, 8);
CHECK_VAL(DES3_2KEY_SIZE, 16);
CHECK_VAL(DES3_3KEY_SIZE, 24);
CHECK_VAL(MAX_HMAC_KEY_SIZE, 128U);
CHECK_VAL(TASK_MIX, 0);
CHECK_VAL(TASK_HW, 1);
CHECK_VAL(TASK_INSTR, 2);
CHECK_VAL(TASK_MAX_TYPE, 3);
CHECK_VAL(CTX_MODE_SYNC, 0);
CHECK_VAL(CTX_MODE_ASYNC, 1);
CHECK_VAL(CTX_MODE_MAX, 2);
CHECK_VAL(WD_TYPE_V1, 0);
CHECK_VAL(WD_TYPE_V2, 1);
CHECK_VAL(UADK_MEM_AUTO, 0);
CHECK_VAL(UADK_MEM_USER, 1);
CHECK_VAL(UADK_MEM_PROXY, 2);
CHECK_VAL(UADK_MEM_MAX, 3);

CHECK_SIZE(struct wd_ctx, 16);
CHECK_OFF(struct wd_ctx, ctx, 0);
CHECK_OFF(struct wd_ctx, op_type, 8);
CHECK_OFF(struct wd_ctx, ctx_mode, 9);
CHECK_SIZE(struct wd_cap_config, 8);
CHECK_OFF(struct wd_cap_config, ctx_msg_num, 0);
CHECK_OFF(struct wd_cap_config, resv, 4);
CHECK_SIZE(struct wd_ctx_config, 32);
CHECK_OFF(struct wd_ctx_config, ctx_num, 0);
CHECK_OFF(struct wd_ctx_config, ctxs, 8);
CHECK_OFF(struct wd_ctx_config, priv, 16);
CHECK_OFF(struct wd_ctx_config, cap, 24);
CHECK_SIZE(struct wd_ctx_nums, 8);
CHECK_OFF(struct wd_ctx_nums, sync_ctx_num, 0);
CHECK_OFF(struct wd_ctx_nums, async_ctx_num, 4);
CHECK_SIZE(struct wd_ctx_params, 32);
CHECK_OFF(struct wd_ctx_params, op_type_num, 0);
CHECK_OFF(struct wd_ctx_params, ctx_set_num, 8);
CHECK_OFF(struct wd_ctx_params, bmp, 16);
CHECK_OFF(struct wd_ctx_params, cap, 24);
CHECK_SIZE(struct wd_sched, 48);
CHECK_OFF(struct wd_sched, name, 0);
CHECK_OFF(struct wd_sched, sched_policy, 8);
CHECK_OFF(struct wd_sched, sched_init, 16);
CHECK_OFF(struct wd_sched, pick_next_ctx, 24);
CHECK_OFF(struct wd_sched, poll_policy, 32);
CHECK_OFF(struct wd_sched, h_sched_ctx, 40);

/* wd_sched.h */
CHECK_VAL(INVALID_POS, 0xFFFFFFFF);
CHECK_VAL(SCHED_POLICY_RR, 0);
CHECK_VAL(SCHED_POLICY_NONE, 1);
CHECK_VAL(SCHED_POLICY_SINGLE, 2);
CHECK_VAL(SCHED_POLICY_DEV, 3);
CHECK_VAL(SCHED_POLICY_BUTT, 4);
CHECK_SIZE(struct sched_params, 20);
CHECK_OFF(struct sched_params, numa_id, 0);
CHECK_OFF(struct sched_params, type, 4);
CHECK_OFF(struct sched_params, mode, 5);
CHECK_OFF(struct sched_params, begin, 8);
CHECK_OFF(struct sched_params, end, 12);
CHECK_OFF(struct sched_params, dev_id, 16);

static int my_init(struct wd_ctx_config *config, struct wd_sched *sched)
{
	return config && sched ? 0 : -WD_EINVAL;
}

static int my_poll(__u32 idx, __u32 expt, __u32 *count)
{
	*count = idx + expt;
	return 0;
}

int compat_alg_common(void)
{
	int n = 0;
	__u32 count = 0;
	wd_alg_init init_fn = my_init;
	wd_alg_poll_ctx poll_fn = my_poll;
	user_poll_func user_fn = my_poll;
	int (*f_instance)(const struct wd_sched *, struct sched_params *) = wd_sched_rr_instance;
	struct wd_sched *(*f_alloc)(__u8, __u8, __u16, user_poll_func) = wd_sched_rr_alloc;
	void (*f_release)(struct wd_sched *) = wd_sched_rr_release;
	struct wd_sched *sched;

	USE_FN(n, init_fn);
	USE_FN(n, poll_fn);
	USE_FN(n, user_fn);
	USE_FN(n, f_instance);
	USE_FN(n, f_alloc);
	USE_FN(n, f_release);
	if (poll_fn(2, 3, &count) || count != 5)
		return -1;
	/* The scheduler needs no device: an RR one for 2 op types, 1 NUMA node. */
	sched = wd_sched_rr_alloc(SCHED_POLICY_RR, 2, 1, user_fn);
	if (!sched || sched->sched_policy != SCHED_POLICY_RR || !sched->pick_next_ctx ||
	    !sched->sched_init || !sched->poll_policy || !sched->h_sched_ctx || !sched->name)
		return -2;
	wd_sched_rr_release(sched);
	/* SCHED_POLICY_DEV is declared, not provided. */
	if (wd_sched_rr_alloc(SCHED_POLICY_DEV, 1, 1, user_fn))
		return -3;
	return n;
}
