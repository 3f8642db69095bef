/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench - a multi-threaded UADK benchmark in the manner of UADK's uadk_tool benchmark: THREADS
 * threads each send REQUESTS requests of LENGTH bytes to the ZIP or SEC engine, sync (one at a
 * time) or async (DEPTH in flight per thread, one poll thread for all), and the program prints
 * the benchmark's table:
 *
 *   algname:	length:		perf:		iops:		CPU_rate:
 *   gzip    	4096Bytes 	123456.78KiB/s	30.1Kops 	120.50%
 *
 *   bench --alg gzip --pktlen 4096 --thread 2 --requests 100 [--sync | --async --depth 8]
 *         [--work_ns NS]
 *
 * Algorithms: zlib, gzip, deflate (ZIP compression of generated text), aes-128-cbc,
 * sm4-128-cbc (SEC encryption; LENGTH a multiple of 16), sha256, sm3 (SEC digests).
 * perf = LENGTH x requests / 1024 / elapsed seconds, iops = requests / 1000 / elapsed seconds,
 * CPU_rate = the process's CPU time over the elapsed time (100% is one core busy), all from
 * clock_gettime (CLOCK_MONOTONIC and CLOCK_PROCESS_CPUTIME_ID) from just before the threads
 * start to just after they all ended; under `wdsim exec` both clocks are simulated time, so two
 * runs print the same table. --work_ns charges NS of the application's own CPU work before each
 * request with wdsim_compute_ns() (<wdsim.h>); built without wdsim it does nothing.
 *
 * Set up with the init2 interfaces as the benchmark does (wd_comp_init2_, wd_cipher_init2_,
 * wd_digest_init2_ with ctx_params: one ctx of the mode per thread), a session per thread
 * (the RR scheduler gives each session its own ctx), data made from a fixed seed.
 *
 * Exit status: 0 done, 1 an accelerator error, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wd_alg_common.h"
#include "wd_cipher.h"
#include "wd_comp.h"
#include "wd_digest.h"
#include "wd_sched.h"

#if defined(__has_include)
#if __has_include(<wdsim.h>)
#include <wdsim.h>
#define HAVE_WDSIM 1
#endif
#endif
#ifndef HAVE_WDSIM
/* Outside the simulator the application's work is whatever it really does: nothing here. */
static void wdsim_compute_ns(unsigned long long ns)
{
	(void)ns;
}
#endif

#define MAX_THREADS		64
#define MAX_DEPTH		64
#define MAX_PKTLEN		(8 * 1024 * 1024)
#define MAX_DIGEST_LEN		64
#define ALG_COLUMN		8	/* UADK's TABLE_SPACE_SIZE */
#define DATA_SEED		0x5eedULL
#define NS_PER_SEC		1000000000ULL

enum acc_kind { ZIP_ALG, CIPHER_ALG, DIGEST_ALG };

struct alg_item {
	const char *name;	/* the benchmark's --alg */
	const char *uadk_alg;	/* wd_<alg>_init2_'s */
	enum acc_kind kind;
	int type;		/* wd_comp_alg_type, wd_cipher_alg or wd_digest_type */
	__u32 out_len;		/* digest length */
};

static const struct alg_item algs[] = {
	{"zlib", "zlib", ZIP_ALG, WD_ZLIB, 0},
	{"gzip", "gzip", ZIP_ALG, WD_GZIP, 0},
	{"deflate", "deflate", ZIP_ALG, WD_DEFLATE, 0},
	{"aes-128-cbc", "cbc(aes)", CIPHER_ALG, WD_CIPHER_AES, 0},
	{"sm4-128-cbc", "cbc(sm4)", CIPHER_ALG, WD_CIPHER_SM4, 0},
	{"sha256", "sha256", DIGEST_ALG, WD_DIGEST_SHA256, WD_DIGEST_SHA256_LEN},
	{"sm3", "sm3", DIGEST_ALG, WD_DIGEST_SM3, WD_DIGEST_SM3_LEN},
};

static struct {
	const struct alg_item *alg;
	__u32 pktlen;
	unsigned int threads;
	unsigned int requests;	/* per thread */
	unsigned int depth;
	int async;
	unsigned long long work_ns;
} opt = {
	.pktlen = 4096,
	.threads = 1,
	.requests = 100,
	.depth = 4,
};

/* One request buffer set: a thread has one (sync) or DEPTH (async). */
struct slot {
	struct thread_data *td;
	void *dst;
	void *iv;
	int busy;
	union {
		struct wd_comp_req comp;
		struct wd_cipher_req cipher;
		struct wd_digest_req digest;
	} req;
};

struct thread_data {
	unsigned int id;
	handle_t h_sess;
	void *src;
	struct slot slots[MAX_DEPTH];
	unsigned int inflight;
	int error;
};

/* Completions: the callbacks (poll thread) and the senders share this. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned long long completed;
static int poll_error;

static const __u8 cipher_key[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

static void usage(void)
{
	fprintf(stderr,
		"usage: bench --alg ALG [--pktlen LENGTH] [--thread N] [--requests N]\n"
		"             [--sync | --async [--depth N]] [--work_ns NS]\n"
		"  ALG: zlib gzip deflate aes-128-cbc sm4-128-cbc sha256 sm3\n"
		"  defaults: --pktlen 4096 --thread 1 --requests 100 --sync --depth 4\n"
		"  limits: LENGTH 16..%d (a multiple of 16 for ciphers), threads 1..%d,\n"
		"          depth 1..%d\n",
		MAX_PKTLEN, MAX_THREADS, MAX_DEPTH);
}

static int parse_uint(const char *s, unsigned long long min, unsigned long long max,
		      unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Deterministic input: words of text for compression, bytes from an LCG otherwise. */
static void fill_data(unsigned char *buf, size_t len, int text)
{
	static const char *const words[] = {
		"the ", "device ", "shares ", "process ", "address ", "space ", "with ",
		"PASID ", "and ", "SMMU ", "queue ", "doorbell ", "page ", "fault ",
	};
	unsigned long long x = DATA_SEED;
	size_t i = 0, n;
	const char *w;

	while (i < len) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		if (!text) {
			buf[i++] = (unsigned char)(x >> 56);
			continue;
		}
		w = words[(x >> 33) % ARRAY_SIZE(words)];
		for (n = 0; w[n] && i < len; n++)
			buf[i++] = (unsigned char)w[n];
	}
}

static unsigned long long now_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts)) {
		WD_ERR("bench: clock_gettime failed: %s\n", strerror(errno));
		return 0;
	}
	return (unsigned long long)ts.tv_sec * NS_PER_SEC + (unsigned long long)ts.tv_nsec;
}

/* ---------------- per algorithm ---------------- */

static int acc_init(void)
{
	struct wd_ctx_nums nums;
	struct wd_ctx_params params;
	char *alg = (char *)opt.alg->uadk_alg;

	nums.sync_ctx_num = opt.async ? 0 : opt.threads;
	nums.async_ctx_num = opt.async ? opt.threads : 0;
	memset(&params, 0, sizeof(params));
	params.op_type_num = 1;	/* compression only, encryption only, digests */
	params.ctx_set_num = &nums;
	switch (opt.alg->kind) {
	case ZIP_ALG:
		return wd_comp_init2_(alg, SCHED_POLICY_RR, TASK_HW, &params);
	case CIPHER_ALG:
		return wd_cipher_init2_(alg, SCHED_POLICY_RR, TASK_HW, &params);
	case DIGEST_ALG:
		return wd_digest_init2_(alg, SCHED_POLICY_RR, TASK_HW, &params);
	}
	return -WD_EINVAL;
}

static void acc_uninit(void)
{
	switch (opt.alg->kind) {
	case ZIP_ALG:
		wd_comp_uninit2();
		break;
	case CIPHER_ALG:
		wd_cipher_uninit2();
		break;
	case DIGEST_ALG:
		wd_digest_uninit2();
		break;
	}
}

static handle_t sess_alloc(void)
{
	struct wd_comp_sess_setup comp;
	struct wd_cipher_sess_setup cipher;
	struct wd_digest_sess_setup digest;
	handle_t h = 0;

	switch (opt.alg->kind) {
	case ZIP_ALG:
		memset(&comp, 0, sizeof(comp));
		comp.alg_type = (enum wd_comp_alg_type)opt.alg->type;
		comp.op_type = WD_DIR_COMPRESS;
		comp.comp_lv = WD_COMP_L8;
		comp.win_sz = WD_COMP_WS_32K;
		return wd_comp_alloc_sess(&comp);
	case CIPHER_ALG:
		memset(&cipher, 0, sizeof(cipher));
		cipher.alg = (enum wd_cipher_alg)opt.alg->type;
		cipher.mode = WD_CIPHER_CBC;
		h = wd_cipher_alloc_sess(&cipher);
		if (h && wd_cipher_set_key(h, cipher_key, sizeof(cipher_key))) {
			WD_ERR("bench: failed to set the cipher key!\n");
			wd_cipher_free_sess(h);
			h = 0;
		}
		return h;
	case DIGEST_ALG:
		memset(&digest, 0, sizeof(digest));
		digest.alg = (enum wd_digest_type)opt.alg->type;
		digest.mode = WD_DIGEST_NORMAL;
		return wd_digest_alloc_sess(&digest);
	}
	return 0;
}

static void sess_free(handle_t h)
{
	switch (opt.alg->kind) {
	case ZIP_ALG:
		wd_comp_free_sess(h);
		break;
	case CIPHER_ALG:
		wd_cipher_free_sess(h);
		break;
	case DIGEST_ALG:
		wd_digest_free_sess(h);
		break;
	}
}

static size_t dst_size(void)
{
	switch (opt.alg->kind) {
	case ZIP_ALG:
		return (size_t)opt.pktlen * 2 + 64;	/* room for incompressible blocks */
	case CIPHER_ALG:
		return opt.pktlen;
	case DIGEST_ALG:
		return MAX_DIGEST_LEN;
	}
	return 0;
}

static void *comp_cb(struct wd_comp_req *req, void *cb_param);
static void *cipher_cb(struct wd_cipher_req *req, void *cb_param);
static void *digest_cb(void *cb_param);

static void fill_req(struct thread_data *td, struct slot *s)
{
	memset(&s->req, 0, sizeof(s->req));
	switch (opt.alg->kind) {
	case ZIP_ALG:
		s->req.comp.op_type = WD_DIR_COMPRESS;
		s->req.comp.data_fmt = WD_FLAT_BUF;
		s->req.comp.src = td->src;
		s->req.comp.src_len = opt.pktlen;
		s->req.comp.dst = s->dst;
		s->req.comp.dst_len = (__u32)dst_size();
		s->req.comp.last = 1;
		s->req.comp.cb = comp_cb;
		s->req.comp.cb_param = s;
		break;
	case CIPHER_ALG:
		s->req.cipher.op_type = WD_CIPHER_ENCRYPTION;
		s->req.cipher.data_fmt = WD_FLAT_BUF;
		s->req.cipher.src = td->src;
		s->req.cipher.dst = s->dst;
		s->req.cipher.in_bytes = opt.pktlen;
		s->req.cipher.out_buf_bytes = opt.pktlen;
		s->req.cipher.iv = s->iv;
		s->req.cipher.iv_bytes = AES_BLOCK_SIZE;
		s->req.cipher.cb = cipher_cb;
		s->req.cipher.cb_param = s;
		break;
	case DIGEST_ALG:
		s->req.digest.in = td->src;
		s->req.digest.in_bytes = opt.pktlen;
		s->req.digest.out = s->dst;
		s->req.digest.out_bytes = opt.alg->out_len;
		s->req.digest.out_buf_bytes = MAX_DIGEST_LEN;
		s->req.digest.data_fmt = WD_FLAT_BUF;
		s->req.digest.cb = digest_cb;
		s->req.digest.cb_param = s;
		break;
	}
}

/* The request's own result: 0, or the status the library put in it. */
static int req_status(struct slot *s)
{
	switch (opt.alg->kind) {
	case ZIP_ALG:
		return (int)s->req.comp.status;
	case CIPHER_ALG:
		return s->req.cipher.state;
	case DIGEST_ALG:
		return s->req.digest.state;
	}
	return -WD_EINVAL;
}

static int do_sync(struct thread_data *td, struct slot *s)
{
	switch (opt.alg->kind) {
	case ZIP_ALG:
		return wd_do_comp_sync(td->h_sess, &s->req.comp);
	case CIPHER_ALG:
		return wd_do_cipher_sync(td->h_sess, &s->req.cipher);
	case DIGEST_ALG:
		return wd_do_digest_sync(td->h_sess, &s->req.digest);
	}
	return -WD_EINVAL;
}

static int do_async(struct thread_data *td, struct slot *s)
{
	switch (opt.alg->kind) {
	case ZIP_ALG:
		return wd_do_comp_async(td->h_sess, &s->req.comp);
	case CIPHER_ALG:
		return wd_do_cipher_async(td->h_sess, &s->req.cipher);
	case DIGEST_ALG:
		return wd_do_digest_async(td->h_sess, &s->req.digest);
	}
	return -WD_EINVAL;
}

static int do_poll(__u32 expt, __u32 *count)
{
	switch (opt.alg->kind) {
	case ZIP_ALG:
		return wd_comp_poll(expt, count);
	case CIPHER_ALG:
		return wd_cipher_poll(expt, count);
	case DIGEST_ALG:
		return wd_digest_poll(expt, count);
	}
	return -WD_EINVAL;
}

/* ---------------- threads ---------------- */

static void request_done(struct slot *s)
{
	pthread_mutex_lock(&lock);
	if (req_status(s)) {
		WD_ERR("bench: thread %u: request failed (status = %d)!\n", s->td->id,
		       req_status(s));
		s->td->error = -WD_EIO;
	}
	s->busy = 0;
	s->td->inflight--;
	completed++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void *comp_cb(struct wd_comp_req *req, void *cb_param)
{
	(void)req;
	request_done(cb_param);
	return NULL;
}

static void *cipher_cb(struct wd_cipher_req *req, void *cb_param)
{
	(void)req;
	request_done(cb_param);
	return NULL;
}

static void *digest_cb(void *cb_param)
{
	request_done(cb_param);
	return NULL;
}

static void *sync_thread(void *arg)
{
	struct thread_data *td = arg;
	struct slot *s = &td->slots[0];
	unsigned int i;
	int ret;

	for (i = 0; i < opt.requests; i++) {
		if (opt.work_ns)
			wdsim_compute_ns(opt.work_ns);
		fill_req(td, s);
		ret = do_sync(td, s);
		if (ret < 0 || req_status(s)) {
			WD_ERR("bench: thread %u: request %u failed (ret = %d, status = %d)!\n",
			       td->id, i, ret, req_status(s));
			td->error = ret < 0 ? ret : -WD_EIO;
			break;
		}
	}
	return NULL;
}

static void *async_thread(void *arg)
{
	struct thread_data *td = arg;
	struct slot *s = NULL;
	unsigned int i, k;
	int ret = 0;

	for (i = 0; i < opt.requests && !ret; i++) {
		if (opt.work_ns)
			wdsim_compute_ns(opt.work_ns);
		/* A free slot: wait for one of this thread's completions if all are busy. */
		pthread_mutex_lock(&lock);
		for (;;) {
			for (k = 0, s = NULL; k < opt.depth && !s; k++)
				if (!td->slots[k].busy)
					s = &td->slots[k];
			if (s || poll_error)
				break;
			pthread_cond_wait(&cond, &lock);
		}
		if (!s) {
			pthread_mutex_unlock(&lock);
			ret = poll_error;
			break;
		}
		s->busy = 1;
		td->inflight++;
		pthread_mutex_unlock(&lock);
		fill_req(td, s);
		for (;;) {
			ret = do_async(td, s);
			if (ret != -WD_EBUSY)
				break;
			/*
			 * The queue is full: wait for one of this thread's completions, then
			 * send again (with none of ours in flight, the queue is not ours).
			 */
			pthread_mutex_lock(&lock);
			k = td->inflight;
			if (k <= 1) {
				pthread_mutex_unlock(&lock);
				break;
			}
			while (td->inflight == k && !poll_error)
				pthread_cond_wait(&cond, &lock);
			pthread_mutex_unlock(&lock);
		}
		if (ret < 0) {
			WD_ERR("bench: thread %u: async request %u failed (ret = %d)!\n", td->id,
			       i, ret);
			pthread_mutex_lock(&lock);
			s->busy = 0;
			td->inflight--;
			pthread_mutex_unlock(&lock);
		}
	}
	/* Every request this thread sent completes before its buffers go. */
	pthread_mutex_lock(&lock);
	while (td->inflight && !poll_error)
		pthread_cond_wait(&cond, &lock);
	if (ret < 0 && !td->error)
		td->error = ret;
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Polls until every request of every thread completed (or the senders gave up). */
static void *poll_thread(void *arg)
{
	unsigned long long expected = *(unsigned long long *)arg;
	__u32 count;
	int ret;

	for (;;) {
		pthread_mutex_lock(&lock);
		if (completed >= expected || poll_error) {
			pthread_mutex_unlock(&lock);
			break;
		}
		pthread_mutex_unlock(&lock);
		count = 0;
		ret = do_poll(1, &count);
		if (ret < 0 && ret != -WD_EAGAIN) {
			WD_ERR("bench: poll failed (ret = %d)!\n", ret);
			pthread_mutex_lock(&lock);
			poll_error = ret;
			pthread_cond_broadcast(&cond);
			pthread_mutex_unlock(&lock);
			break;
		}
	}
	return NULL;
}

static void print_table(unsigned long long elapsed_ns, unsigned long long cpu_ns)
{
	char palgname[ALG_COLUMN + 1];
	unsigned long long total = (unsigned long long)opt.threads * opt.requests;
	double seconds = (double)elapsed_ns / NS_PER_SEC;
	size_t len = strlen(opt.alg->name);

	/* The algorithm column: the name padded to 8 characters (longer names are kept). */
	memset(palgname, ' ', ALG_COLUMN);
	palgname[ALG_COLUMN] = '\0';
	memcpy(palgname, opt.alg->name, len < ALG_COLUMN ? len : ALG_COLUMN);
	printf("algname:\tlength:\t\tperf:\t\tiops:\t\tCPU_rate:\n"
	       "%s%s\t%-2uBytes \t%.2fKiB/s\t%.1fKops \t%.2f%%\n",
	       palgname, len > ALG_COLUMN ? opt.alg->name + ALG_COLUMN : "", opt.pktlen,
	       (double)opt.pktlen * total / 1024.0 / seconds, total / 1000.0 / seconds,
	       100.0 * cpu_ns / elapsed_ns);
}

static int run(void)
{
	static struct thread_data tds[MAX_THREADS];
	unsigned long long expected = (unsigned long long)opt.threads * opt.requests;
	unsigned long long t0, t1, c0, c1;
	unsigned int i, k, nslots = opt.async ? opt.depth : 1;
	pthread_t tid[MAX_THREADS], poller;
	int ret = 0, started = 0, polling = 0;

	for (i = 0; i < opt.threads && !ret; i++) {
		tds[i].id = i;
		tds[i].src = malloc(opt.pktlen);
		if (!tds[i].src) {
			ret = -WD_ENOMEM;
			break;
		}
		fill_data(tds[i].src, opt.pktlen, opt.alg->kind == ZIP_ALG);
		for (k = 0; k < nslots; k++) {
			tds[i].slots[k].td = &tds[i];
			tds[i].slots[k].dst = malloc(dst_size());
			tds[i].slots[k].iv = calloc(1, AES_BLOCK_SIZE);
			if (!tds[i].slots[k].dst || !tds[i].slots[k].iv) {
				ret = -WD_ENOMEM;
				break;
			}
		}
		if (ret)
			break;
		tds[i].h_sess = sess_alloc();
		if (!tds[i].h_sess) {
			WD_ERR("bench: failed to alloc the session of thread %u!\n", i);
			ret = -WD_EINVAL;
		}
	}
	if (ret == -WD_ENOMEM)
		WD_ERR("bench: failed to alloc buffers!\n");

	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (!ret && opt.async) {
		ret = pthread_create(&poller, NULL, poll_thread, &expected);
		if (ret)
			WD_ERR("bench: failed to create the poll thread (%d)!\n", ret);
		else
			polling = 1;
	}
	for (i = 0; i < opt.threads && !ret; i++) {
		ret = pthread_create(&tid[i], NULL, opt.async ? async_thread : sync_thread,
				     &tds[i]);
		if (ret)
			WD_ERR("bench: failed to create thread %u (%d)!\n", i, ret);
		else
			started++;
	}
	for (i = 0; i < (unsigned int)started; i++)
		if (pthread_join(tid[i], NULL))
			WD_ERR("bench: failed to join thread %u!\n", i);
	if (polling) {
		/* A sender that gave up leaves the poller short of its count: stop it. */
		pthread_mutex_lock(&lock);
		if (completed < expected && !poll_error)
			poll_error = -ECANCELED;
		pthread_mutex_unlock(&lock);
		if (pthread_join(poller, NULL))
			WD_ERR("bench: failed to join the poll thread!\n");
	}
	t1 = now_ns(CLOCK_MONOTONIC);
	c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);

	for (i = 0; i < opt.threads; i++) {
		if (tds[i].error && !ret)
			ret = tds[i].error;
		if (tds[i].h_sess)
			sess_free(tds[i].h_sess);
		free(tds[i].src);
		for (k = 0; k < nslots; k++) {
			free(tds[i].slots[k].dst);
			free(tds[i].slots[k].iv);
		}
	}
	if (!ret && poll_error)
		ret = poll_error;
	if (ret)
		return ret;
	if (t1 <= t0 || c1 < c0) {
		WD_ERR("bench: the clocks did not advance (elapsed %llu ns)!\n", t1 - t0);
		return -WD_EINVAL;
	}
	print_table(t1 - t0, c1 - c0);
	return 0;
}

int main(int argc, char *argv[])
{
	enum { OPT_ALG = 256, OPT_PKTLEN, OPT_THREAD, OPT_REQUESTS, OPT_SYNC, OPT_ASYNC,
	       OPT_DEPTH, OPT_WORK, OPT_HELP };
	static const struct option long_options[] = {
		{"alg", required_argument, 0, OPT_ALG},
		{"pktlen", required_argument, 0, OPT_PKTLEN},
		{"thread", required_argument, 0, OPT_THREAD},
		{"requests", required_argument, 0, OPT_REQUESTS},
		{"sync", no_argument, 0, OPT_SYNC},
		{"async", no_argument, 0, OPT_ASYNC},
		{"depth", required_argument, 0, OPT_DEPTH},
		{"work_ns", required_argument, 0, OPT_WORK},
		{"help", no_argument, 0, OPT_HELP},
		{0, 0, 0, 0},
	};
	unsigned long long v;
	size_t i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_ALG:
			for (i = 0; i < ARRAY_SIZE(algs); i++)
				if (!strcmp(optarg, algs[i].name))
					opt.alg = &algs[i];
			if (!opt.alg) {
				fprintf(stderr, "bench: unknown algorithm '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_PKTLEN:
			if (parse_uint(optarg, 16, MAX_PKTLEN, &v))
				goto bad;
			opt.pktlen = (__u32)v;
			break;
		case OPT_THREAD:
			if (parse_uint(optarg, 1, MAX_THREADS, &v))
				goto bad;
			opt.threads = (unsigned int)v;
			break;
		case OPT_REQUESTS:
			if (parse_uint(optarg, 1, 100000000, &v))
				goto bad;
			opt.requests = (unsigned int)v;
			break;
		case OPT_SYNC:
			opt.async = 0;
			break;
		case OPT_ASYNC:
			opt.async = 1;
			break;
		case OPT_DEPTH:
			if (parse_uint(optarg, 1, MAX_DEPTH, &v))
				goto bad;
			opt.depth = (unsigned int)v;
			break;
		case OPT_WORK:
			if (parse_uint(optarg, 0, NS_PER_SEC, &v))
				goto bad;
			opt.work_ns = v;
			break;
		case OPT_HELP:
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind < argc || !opt.alg) {
		usage();
		return 2;
	}
	if (opt.alg->kind == CIPHER_ALG && opt.pktlen % AES_BLOCK_SIZE) {
		fprintf(stderr, "bench: %s needs a length that is a multiple of %d\n",
			opt.alg->name, AES_BLOCK_SIZE);
		return 2;
	}

	ret = acc_init();
	if (ret) {
		WD_ERR("bench: failed to init %s (ret = %d)!\n", opt.alg->uadk_alg, ret);
		return 1;
	}
	ret = run();
	acc_uninit();
	if (ret) {
		WD_ERR("bench: %s failed (ret = %d)!\n", opt.alg->name, ret);
		return 1;
	}
	if (fflush(stdout)) {
		WD_ERR("bench: failed to write output: %s\n", strerror(errno));
		return 1;
	}
	return 0;

bad:
	fprintf(stderr, "bench: bad value '%s' for --%s\n", optarg, long_options[c - OPT_ALG].name);
	return 2;
}
