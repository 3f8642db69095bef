/*
 * A compression program written the way a UADK user writes one (after UADK's
 * test/hisi_zip_test and sample code): discover a device, request ctxs, instantiate the RR
 * scheduler, wd_comp_init, sessions, sync and async requests with callbacks and a poll loop.
 * Compiled as C against runtime/include/uadk: nothing here is simulator-specific.
 */
#include "runtime/uadk/testing/comp_sample.h"

#include <stdlib.h>
#include <string.h>

#include <uadk/wd_sched.h>

static struct wd_ctx_config ctx_conf;
static struct wd_sched *sched;

static int lib_poll_func(__u32 pos, __u32 expect, __u32 *count)
{
	return wd_comp_poll_ctx(pos, expect, count);
}

int sample_setup(__u32 sync_per_type, __u32 async_per_type)
{
	struct sched_params param;
	struct uacce_dev *dev;
	__u32 per_type = sync_per_type + async_per_type;
	__u32 i, op, base;
	int ret;

	dev = wd_get_accel_dev("zlib");
	if (!dev)
		return -WD_ENODEV;

	memset(&ctx_conf, 0, sizeof(ctx_conf));
	ctx_conf.ctx_num = per_type * WD_DIR_MAX;
	ctx_conf.ctxs = calloc(ctx_conf.ctx_num, sizeof(struct wd_ctx));
	if (!ctx_conf.ctxs) {
		free(dev);
		return -WD_ENOMEM;
	}
	/* Layout: [comp sync][comp async][decomp sync][decomp async]. */
	for (i = 0; i < ctx_conf.ctx_num; i++) {
		ctx_conf.ctxs[i].ctx = wd_request_ctx(dev);
		if (!ctx_conf.ctxs[i].ctx) {
			ret = -WD_EBUSY;
			goto out_release;
		}
		ctx_conf.ctxs[i].op_type = i / per_type;
		ctx_conf.ctxs[i].ctx_mode =
			(i % per_type) < sync_per_type ? CTX_MODE_SYNC : CTX_MODE_ASYNC;
	}
	free(dev);
	dev = NULL;

	sched = wd_sched_rr_alloc(SCHED_POLICY_RR, WD_DIR_MAX, 1, lib_poll_func);
	if (!sched) {
		ret = -WD_EINVAL;
		goto out_release;
	}
	for (op = 0; op < WD_DIR_MAX; op++) {
		base = op * per_type;
		memset(&param, 0, sizeof(param));
		param.numa_id = 0;
		param.type = op;
		if (sync_per_type) {
			param.mode = CTX_MODE_SYNC;
			param.begin = base;
			param.end = base + sync_per_type - 1;
			ret = wd_sched_rr_instance(sched, &param);
			if (ret)
				goto out_sched;
		}
		if (async_per_type) {
			param.mode = CTX_MODE_ASYNC;
			param.begin = base + sync_per_type;
			param.end = base + per_type - 1;
			ret = wd_sched_rr_instance(sched, &param);
			if (ret)
				goto out_sched;
		}
	}
	ret = wd_comp_init(&ctx_conf, sched);
	if (ret)
		goto out_sched;
	return 0;

out_sched:
	wd_sched_rr_release(sched);
	sched = NULL;
out_release:
	for (i = 0; i < ctx_conf.ctx_num; i++)
		if (ctx_conf.ctxs[i].ctx)
			wd_release_ctx(ctx_conf.ctxs[i].ctx);
	free(ctx_conf.ctxs);
	ctx_conf.ctxs = NULL;
	free(dev);
	return ret;
}

void sample_teardown(void)
{
	__u32 i;

	wd_comp_uninit();
	for (i = 0; i < ctx_conf.ctx_num; i++)
		wd_release_ctx(ctx_conf.ctxs[i].ctx);
	free(ctx_conf.ctxs);
	ctx_conf.ctxs = NULL;
	ctx_conf.ctx_num = 0;
	wd_sched_rr_release(sched);
	sched = NULL;
}

__u32 sample_ctx_num(void)
{
	return ctx_conf.ctx_num;
}

handle_t sample_ctx(__u32 i)
{
	return i < ctx_conf.ctx_num ? ctx_conf.ctxs[i].ctx : 0;
}

static handle_t alloc_sess(enum wd_comp_alg_type alg, enum wd_comp_op_type op,
			   struct sched_params *param)
{
	struct wd_comp_sess_setup setup;

	memset(&setup, 0, sizeof(setup));
	memset(param, 0, sizeof(*param));
	param->numa_id = 0;
	param->type = op;
	setup.alg_type = alg;
	setup.op_type = op;
	setup.comp_lv = WD_COMP_L8;
	setup.win_sz = WD_COMP_WS_32K;
	setup.sched_param = param;
	return wd_comp_alloc_sess(&setup);
}

int sample_sync(enum wd_comp_alg_type alg, enum wd_comp_op_type op, void *src, __u32 src_len,
		void *dst, __u32 *dst_len, __u32 *status)
{
	struct sched_params param;
	struct wd_comp_req req;
	handle_t h_sess;
	int ret;

	h_sess = alloc_sess(alg, op, &param);
	if (!h_sess)
		return -WD_EINVAL;
	memset(&req, 0, sizeof(req));
	req.op_type = op;
	req.src = src;
	req.src_len = src_len;
	req.dst = dst;
	req.dst_len = *dst_len;
	req.data_fmt = WD_FLAT_BUF;
	ret = wd_do_comp_sync(h_sess, &req);
	*dst_len = req.dst_len;
	*status = req.status;
	wd_comp_free_sess(h_sess);
	return ret;
}

struct async_tag {
	__u32 *dst_len;
	__u32 *status;
	int *done;
};

static void *async_cb(struct wd_comp_req *req, void *cb_param)
{
	struct async_tag *tag = cb_param;

	*tag->dst_len = req->dst_len;
	*tag->status = req->status;
	(*tag->done)++;
	return NULL;
}

int sample_async(enum wd_comp_alg_type alg, enum wd_comp_op_type op, void **src,
		 const __u32 *src_len, void **dst, __u32 *dst_len, __u32 *status, int n,
		 __u32 *ebusy_retries)
{
	struct sched_params param;
	struct wd_comp_req *reqs;
	struct async_tag *tags;
	handle_t h_sess;
	int sent = 0, done = 0, ret = 0, i;
	__u32 count;

	h_sess = alloc_sess(alg, op, &param);
	if (!h_sess)
		return -WD_EINVAL;
	reqs = calloc(n, sizeof(*reqs));
	tags = calloc(n, sizeof(*tags));
	if (!reqs || !tags) {
		ret = -WD_ENOMEM;
		goto out;
	}
	*ebusy_retries = 0;
	for (i = 0; i < n; i++) {
		tags[i].dst_len = &dst_len[i];
		tags[i].status = &status[i];
		tags[i].done = &done;
		reqs[i].op_type = op;
		reqs[i].src = src[i];
		reqs[i].src_len = src_len[i];
		reqs[i].dst = dst[i];
		reqs[i].dst_len = dst_len[i];
		reqs[i].data_fmt = WD_FLAT_BUF;
		reqs[i].cb = async_cb;
		reqs[i].cb_param = &tags[i];
	}
	/* Submit everything, polling whenever the queue is full (the poll thread's job). */
	while (done < n) {
		if (sent < n) {
			ret = wd_do_comp_async(h_sess, &reqs[sent]);
			if (!ret) {
				sent++;
				continue;
			}
			if (ret != -WD_EBUSY)
				goto out;
			(*ebusy_retries)++;
		}
		ret = wd_comp_poll(n - done, &count);
		if (ret < 0 && ret != -WD_EAGAIN)
			goto out;
		ret = 0;
	}
out:
	free(reqs);
	free(tags);
	wd_comp_free_sess(h_sess);
	return ret;
}
