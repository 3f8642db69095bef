/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zip_async - gzip a file (or stdin) on the ZIP engine through UADK's wd_comp API, async mode
 * with a poll thread: the same input and output as zip_file.
 *
 *   zip_async [-b BLOCK] [-q DEPTH] [-l LEVEL] [FILE] > out.gz    compress
 *   zip_async -d [FILE] > out                                     decompress
 *
 * Set up the way UADK's sample and benchmark do by hand: wd_get_accel_list("gzip"), one async
 * ctx per direction (wd_request_ctx), the sample RR scheduler (wd_sched_rr_alloc, one region
 * per direction, its poll function calling wd_comp_poll_ctx), wd_comp_init. The main thread
 * reads blocks and keeps up to DEPTH of them in flight with wd_do_comp_async; a poll thread
 * (pthread_create) calls wd_comp_poll while requests are in flight; each completion's callback
 * marks its slot done under a mutex and signals a condition variable; the main thread writes
 * the members in input order. -WD_EBUSY from a full queue waits for a completion and retries.
 *
 * Decompression sends one member at a time (still async, through the poll thread): where a
 * member ends is known only once the device has inflated it. Members follow zip_file's rules.
 *
 * Exit status: 0 done, 1 an I/O or accelerator error, 2 bad usage.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wd_alg_common.h"
#include "wd_comp.h"
#include "wd_sched.h"

#define DEFAULT_BLOCK		(128 * 1024)
#define MAX_BLOCK		(8 * 1024 * 1024)	/* UADK HZ_MAX_SIZE: one request */
/* Input per compression request: its output, even incompressible, stays within MAX_BLOCK. */
#define MAX_COMP_BLOCK		(MAX_BLOCK - 4096)
#define DEFAULT_DEPTH		4
#define MAX_DEPTH		64
#define GZIP_HEADER_SIZE	10
#define GZIP_FLG_OFFSET		3
#define FIRST_OUT_SIZE		(256 * 1024)
#define POLL_BATCH		1	/* completions asked of one wd_comp_poll call */

static const unsigned char gzip_magic[4] = {0x1f, 0x8b, 0x08, 0x00};
static const unsigned char empty_member[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* One request in flight. */
struct slot {
	struct wd_comp_req req;
	unsigned char *src;
	unsigned char *dst;
	size_t dst_size;
	int busy;	/* submitted, not yet written out */
	int done;	/* its callback ran */
};

/* What the submitting thread and the poll thread share, under lock. */
struct pipeline {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a completion, new work in flight, or stop */
	unsigned int inflight;
	int stop;
	int poll_error;		/* the poll thread's failure, 0 if none */
};

static struct pipeline pl = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};
static struct wd_ctx_config ctx_conf;
static struct wd_sched *sched;

static void usage(void)
{
	fprintf(stderr,
		"usage: zip_async [-d] [-b BLOCK] [-q DEPTH] [-l LEVEL] [FILE]\n"
		"  gzip FILE (default stdin) to stdout on the ZIP engine (wd_comp, async)\n"
		"  -d        decompress instead\n"
		"  -b BLOCK  bytes per request and gzip member, 1..%d (default %d)\n"
		"  -q DEPTH  requests in flight, 1..%d (default %d)\n"
		"  -l LEVEL  compression level 1..15 (default 8)\n",
		MAX_COMP_BLOCK, DEFAULT_BLOCK, MAX_DEPTH, DEFAULT_DEPTH);
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int write_all(const void *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, stdout) != len) {
		WD_ERR("zip_async: failed to write output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int lib_poll_func(__u32 pos, __u32 expect, __u32 *count)
{
	return wd_comp_poll_ctx(pos, expect, count);
}

/* Async ctxs: [0] compress, [1] decompress, on the first device that offers gzip. */
static int ctx_setup(void)
{
	struct uacce_dev_list *list;
	struct sched_params param;
	__u32 i;
	int ret;

	list = wd_get_accel_list("gzip");
	if (!list) {
		WD_ERR("zip_async: no device offers gzip!\n");
		return -WD_ENODEV;
	}
	memset(&ctx_conf, 0, sizeof(ctx_conf));
	ctx_conf.ctx_num = WD_DIR_MAX;
	ctx_conf.ctxs = calloc(ctx_conf.ctx_num, sizeof(struct wd_ctx));
	if (!ctx_conf.ctxs) {
		ret = -WD_ENOMEM;
		goto out_list;
	}
	for (i = 0; i < ctx_conf.ctx_num; i++) {
		ctx_conf.ctxs[i].ctx = wd_request_ctx(list->dev);
		if (!ctx_conf.ctxs[i].ctx) {
			WD_ERR("zip_async: failed to request ctx %u!\n", i);
			ret = -WD_EBUSY;
			goto out_ctx;
		}
		ctx_conf.ctxs[i].op_type = i;
		ctx_conf.ctxs[i].ctx_mode = CTX_MODE_ASYNC;
	}
	sched = wd_sched_rr_alloc(SCHED_POLICY_RR, WD_DIR_MAX, 1, lib_poll_func);
	if (!sched) {
		WD_ERR("zip_async: failed to alloc sched!\n");
		ret = -WD_ENOMEM;
		goto out_ctx;
	}
	for (i = 0; i < ctx_conf.ctx_num; i++) {
		memset(&param, 0, sizeof(param));
		param.numa_id = 0;
		param.type = i;
		param.mode = CTX_MODE_ASYNC;
		param.begin = i;
		param.end = i;
		ret = wd_sched_rr_instance(sched, &param);
		if (ret) {
			WD_ERR("zip_async: failed to fill sched region %u (ret = %d)!\n", i, ret);
			goto out_sched;
		}
	}
	ret = wd_comp_init(&ctx_conf, sched);
	if (ret) {
		WD_ERR("zip_async: wd_comp_init failed (ret = %d)!\n", ret);
		goto out_sched;
	}
	wd_free_list_accels(list);
	return 0;

out_sched:
	wd_sched_rr_release(sched);
	sched = NULL;
out_ctx:
	for (i = 0; i < ctx_conf.ctx_num; i++)
		if (ctx_conf.ctxs[i].ctx)
			wd_release_ctx(ctx_conf.ctxs[i].ctx);
	free(ctx_conf.ctxs);
	ctx_conf.ctxs = NULL;
out_list:
	wd_free_list_accels(list);
	return ret;
}

static void ctx_teardown(void)
{
	__u32 i;

	wd_comp_uninit();
	for (i = 0; i < ctx_conf.ctx_num; i++)
		wd_release_ctx(ctx_conf.ctxs[i].ctx);
	free(ctx_conf.ctxs);
	ctx_conf.ctxs = NULL;
	wd_sched_rr_release(sched);
	sched = NULL;
}

/* Called from wd_comp_poll on the poll thread. */
static void *comp_done(struct wd_comp_req *req, void *cb_param)
{
	struct slot *s = cb_param;

	(void)req;
	pthread_mutex_lock(&pl.lock);
	s->done = 1;
	pl.inflight--;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	return NULL;
}

static void *poll_thread(void *arg)
{
	__u32 count;
	int ret;

	(void)arg;
	pthread_mutex_lock(&pl.lock);
	for (;;) {
		while (!pl.stop && pl.inflight == 0)
			pthread_cond_wait(&pl.cond, &pl.lock);
		if (pl.stop)
			break;
		pthread_mutex_unlock(&pl.lock);
		count = 0;
		ret = wd_comp_poll(POLL_BATCH, &count);
		pthread_mutex_lock(&pl.lock);
		if (ret < 0 && ret != -WD_EAGAIN) {
			WD_ERR("zip_async: wd_comp_poll failed (ret = %d)!\n", ret);
			pl.poll_error = ret;
			pthread_cond_broadcast(&pl.cond);
			break;
		}
	}
	pthread_mutex_unlock(&pl.lock);
	return NULL;
}

/* Waits under pl.lock until @s completed; -1 if the poll thread failed. */
static int wait_done(struct slot *s)
{
	int ret = 0;

	pthread_mutex_lock(&pl.lock);
	while (!s->done && !pl.poll_error)
		pthread_cond_wait(&pl.cond, &pl.lock);
	if (!s->done)
		ret = -1;
	pthread_mutex_unlock(&pl.lock);
	return ret;
}

/* Sends @s, waiting for completions while the queue is full. */
static int submit(handle_t h_sess, struct slot *s)
{
	unsigned int before;
	int ret;

	pthread_mutex_lock(&pl.lock);
	s->busy = 1;
	s->done = 0;
	pl.inflight++;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	for (;;) {
		ret = wd_do_comp_async(h_sess, &s->req);
		if (ret != -WD_EBUSY)
			break;
		/*
		 * Queue or request pool full: wait for one of ours to complete. With none
		 * of ours in flight but this one, the queue is full of someone else's.
		 */
		pthread_mutex_lock(&pl.lock);
		before = pl.inflight;
		if (before == 1) {
			pthread_mutex_unlock(&pl.lock);
			break;
		}
		while (pl.inflight == before && !pl.poll_error)
			pthread_cond_wait(&pl.cond, &pl.lock);
		ret = pl.poll_error;
		pthread_mutex_unlock(&pl.lock);
		if (ret)
			break;
	}
	if (ret < 0) {
		WD_ERR("zip_async: wd_do_comp_async failed (ret = %d)!\n", ret);
		pthread_mutex_lock(&pl.lock);
		s->busy = 0;
		pl.inflight--;
		pthread_mutex_unlock(&pl.lock);
	}
	return ret;
}

static handle_t alloc_sess(enum wd_comp_op_type op, enum wd_comp_level level,
			   struct sched_params *param)
{
	struct wd_comp_sess_setup setup;

	memset(&setup, 0, sizeof(setup));
	memset(param, 0, sizeof(*param));
	param->type = op;
	param->numa_id = 0;
	setup.alg_type = WD_GZIP;
	setup.op_type = op;
	setup.comp_lv = level;
	setup.win_sz = WD_COMP_WS_32K;
	setup.sched_param = param;
	return wd_comp_alloc_sess(&setup);
}

static void fill_req(struct slot *s, enum wd_comp_op_type op, void *src, size_t src_len)
{
	memset(&s->req, 0, sizeof(s->req));
	s->req.op_type = op;
	s->req.data_fmt = WD_FLAT_BUF;
	s->req.src = src;
	s->req.src_len = (__u32)src_len;
	s->req.dst = s->dst;
	s->req.dst_len = (__u32)s->dst_size;
	s->req.last = 1;
	s->req.cb = comp_done;
	s->req.cb_param = s;
}

/* Waits for @s and writes its member out. */
static int retire(struct slot *s)
{
	if (wait_done(s))
		return -1;
	s->busy = 0;
	if (s->req.status) {
		WD_ERR("zip_async: compression failed (status = %u)!\n", s->req.status);
		return -1;
	}
	return write_all(s->dst, s->req.dst_len);
}

static int compress_stream(FILE *in, size_t block, unsigned int depth, enum wd_comp_level level)
{
	struct slot *slots;
	struct sched_params param;
	size_t total = 0, got;
	unsigned long next = 0, oldest = 0;
	unsigned int i;
	handle_t h_sess;
	int ret = -1;

	slots = calloc(depth, sizeof(*slots));
	if (!slots) {
		WD_ERR("zip_async: failed to alloc slots!\n");
		return -1;
	}
	h_sess = alloc_sess(WD_DIR_COMPRESS, level, &param);
	if (!h_sess) {
		WD_ERR("zip_async: failed to alloc comp sess!\n");
		goto out;
	}
	for (i = 0; i < depth; i++) {
		slots[i].dst_size = block + block / 8 + 64;
		slots[i].src = malloc(block);
		slots[i].dst = malloc(slots[i].dst_size);
		if (!slots[i].src || !slots[i].dst) {
			WD_ERR("zip_async: failed to alloc buffers!\n");
			goto out;
		}
	}
	for (;;) {
		struct slot *s = &slots[next % depth];

		/* The slot's previous request is the oldest in flight: write it first. */
		if (s->busy) {
			if (retire(s))
				goto out;
			oldest++;
		}
		got = fread(s->src, 1, block, in);
		if (got == 0)
			break;
		fill_req(s, WD_DIR_COMPRESS, s->src, got);
		if (submit(h_sess, s))
			goto out;
		total += got;
		next++;
	}
	for (; oldest < next; oldest++)
		if (retire(&slots[oldest % depth]))
			goto out;
	if (ferror(in)) {
		WD_ERR("zip_async: failed to read input: %s\n", strerror(errno));
		goto out;
	}
	if (total == 0 && write_all(empty_member, sizeof(empty_member)))
		goto out;
	ret = 0;
out:
	/* On failure, let what is still in flight complete before its buffers go. */
	for (i = 0; i < depth; i++)
		if (slots[i].busy)
			wait_done(&slots[i]);
	if (h_sess)
		wd_comp_free_sess(h_sess);
	for (i = 0; i < depth; i++) {
		free(slots[i].src);
		free(slots[i].dst);
	}
	free(slots);
	return ret;
}

static int read_all(FILE *in, unsigned char **data, size_t *len)
{
	size_t cap = 64 * 1024, n = 0, got;
	unsigned char *buf = malloc(cap), *bigger;

	if (!buf) {
		WD_ERR("zip_async: failed to alloc input buffer!\n");
		return -1;
	}
	while ((got = fread(buf + n, 1, cap - n, in)) > 0) {
		n += got;
		if (n < cap)
			continue;
		bigger = realloc(buf, cap * 2);
		if (!bigger) {
			WD_ERR("zip_async: failed to grow input buffer!\n");
			free(buf);
			return -1;
		}
		buf = bigger;
		cap *= 2;
	}
	if (ferror(in)) {
		WD_ERR("zip_async: failed to read input: %s\n", strerror(errno));
		free(buf);
		return -1;
	}
	*data = buf;
	*len = n;
	return 0;
}

static int decompress_stream(FILE *in)
{
	struct sched_params param;
	struct slot s;
	size_t len, off = 0, left;
	unsigned char *data = NULL, *bigger;
	handle_t h_sess = 0;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	if (read_all(in, &data, &len))
		return -1;
	s.dst_size = FIRST_OUT_SIZE;
	s.dst = malloc(s.dst_size);
	if (!s.dst) {
		WD_ERR("zip_async: failed to alloc output buffer!\n");
		goto out;
	}
	h_sess = alloc_sess(WD_DIR_DECOMPRESS, WD_COMP_L8, &param);
	if (!h_sess) {
		WD_ERR("zip_async: failed to alloc decomp sess!\n");
		goto out;
	}
	if (len == 0) {
		WD_ERR("zip_async: input is empty, not gzip!\n");
		goto out;
	}
	while (off < len) {
		left = len - off;
		if (left < GZIP_HEADER_SIZE || memcmp(data + off, gzip_magic, 3)) {
			WD_ERR("zip_async: not a gzip member at byte %zu!\n", off);
			goto out;
		}
		if (data[off + GZIP_FLG_OFFSET] != gzip_magic[GZIP_FLG_OFFSET]) {
			WD_ERR("zip_async: gzip header flags 0x%02x at byte %zu: only the 10-byte "
			       "header is supported (compress with gzip -n)!\n",
			       data[off + GZIP_FLG_OFFSET], off);
			goto out;
		}
		if (left > MAX_BLOCK + GZIP_HEADER_SIZE)
			left = MAX_BLOCK + GZIP_HEADER_SIZE;
		for (;;) {
			fill_req(&s, WD_DIR_DECOMPRESS, data + off, left);
			if (submit(h_sess, &s) || wait_done(&s))
				goto out;
			s.busy = 0;
			/*
			 * No room: WD_EAGAIN when the last block had none; stateless hardware
			 * reports a member that ran out of room before its last block as a bad
			 * request (WD_IN_EPARA), which bad data also gives, so retry both with
			 * twice the room up to one request's limit.
			 */
			if (s.req.status != WD_EAGAIN && s.req.status != WD_IN_EPARA)
				break;
			if (s.req.status == WD_IN_EPARA && s.dst_size >= MAX_BLOCK)
				break;
			if (s.dst_size >= MAX_BLOCK) {
				WD_ERR("zip_async: gzip member at byte %zu inflates to over %d bytes "
				       "(stream mode is not available)!\n", off, MAX_BLOCK);
				goto out;
			}
			bigger = realloc(s.dst, s.dst_size * 2);
			if (!bigger) {
				WD_ERR("zip_async: failed to grow output buffer!\n");
				goto out;
			}
			s.dst = bigger;
			s.dst_size *= 2;
		}
		if (s.req.status) {
			WD_ERR("zip_async: decompression failed at byte %zu (status = %u)!\n", off,
			       s.req.status);
			goto out;
		}
		if (s.req.src_len == 0 || s.req.src_len > left) {
			WD_ERR("zip_async: device consumed %u of %zu bytes!\n", s.req.src_len, left);
			goto out;
		}
		if (write_all(s.dst, s.req.dst_len))
			goto out;
		off += s.req.src_len;
	}
	ret = 0;
out:
	if (s.busy)
		wait_done(&s);
	if (h_sess)
		wd_comp_free_sess(h_sess);
	free(s.dst);
	free(data);
	return ret;
}

int main(int argc, char *argv[])
{
	unsigned long block = DEFAULT_BLOCK, depth = DEFAULT_DEPTH, level = WD_COMP_L8;
	int decompress = 0, opt, ret;
	FILE *in = stdin;
	pthread_t poller;

	while ((opt = getopt(argc, argv, "db:q:l:h")) != -1) {
		switch (opt) {
		case 'd':
			decompress = 1;
			break;
		case 'b':
			if (parse_uint(optarg, 1, MAX_COMP_BLOCK, &block)) {
				fprintf(stderr, "zip_async: bad block size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'q':
			if (parse_uint(optarg, 1, MAX_DEPTH, &depth)) {
				fprintf(stderr, "zip_async: bad depth '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l':
			if (parse_uint(optarg, WD_COMP_L1, WD_COMP_L15, &level)) {
				fprintf(stderr, "zip_async: bad level '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (argc - optind > 1) {
		usage();
		return 2;
	}
	if (optind < argc) {
		in = fopen(argv[optind], "rb");
		if (!in) {
			fprintf(stderr, "zip_async: %s: %s\n", argv[optind], strerror(errno));
			return 1;
		}
	}

	ret = ctx_setup();
	if (ret) {
		if (in != stdin)
			fclose(in);
		return 1;
	}
	ret = pthread_create(&poller, NULL, poll_thread, NULL);
	if (ret) {
		WD_ERR("zip_async: failed to create the poll thread (%d)!\n", ret);
		ctx_teardown();
		if (in != stdin)
			fclose(in);
		return 1;
	}
	if (decompress)
		ret = decompress_stream(in);
	else
		ret = compress_stream(in, block, (unsigned int)depth, (enum wd_comp_level)level);

	pthread_mutex_lock(&pl.lock);
	pl.stop = 1;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	if (pthread_join(poller, NULL)) {
		WD_ERR("zip_async: failed to join the poll thread!\n");
		ret = -1;
	}
	ctx_teardown();

	if (in != stdin)
		fclose(in);
	if (fflush(stdout)) {
		WD_ERR("zip_async: failed to write output: %s\n", strerror(errno));
		ret = -1;
	}
	return ret ? 1 : 0;
}
