/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zip_file - gzip a file (or stdin) on the ZIP engine through UADK's wd_comp API, sync mode.
 *
 *   zip_file [-b BLOCK] [-l LEVEL] [FILE] > out.gz    compress
 *   zip_file -d [FILE] > out                          decompress
 *
 * Written as a UADK user writes a compression tool: wd_comp_init2() finds a device that
 * offers "gzip" and starts its ctxs, one session per direction, wd_do_comp_sync() per block.
 * Nothing in it is specific to the simulator.
 *
 * Compression reads BLOCK bytes at a time (default 128 KiB) and writes each block as one
 * gzip member (RFC 1952 allows any number of members, and gunzip concatenates their data),
 * because the requests are stateless: the hardware compresses one flat buffer per request.
 * Decompression takes the members one request each; a request reports the bytes it consumed
 * (header, deflate data and trailer), which is where the next member starts. The device
 * skips the 10-byte gzip header UADK writes (no FNAME/FEXTRA/FCOMMENT/FHCRC), so other gzip
 * files are accepted only with that header (`gzip -n` and gzip on a pipe write it) and with
 * members of at most 8 MiB each way (UADK's limit per request without stream mode).
 *
 * Exit status: 0 done, 1 an I/O or accelerator error, 2 bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wd_comp.h"
#include "wd_sched.h"

#define DEFAULT_BLOCK		(128 * 1024)
#define MAX_BLOCK		(8 * 1024 * 1024)	/* UADK HZ_MAX_SIZE: one request */
/* Input per compression request: its output, even incompressible, stays within MAX_BLOCK. */
#define MAX_COMP_BLOCK		(MAX_BLOCK - 4096)
#define GZIP_HEADER_SIZE	10
#define GZIP_FLG_OFFSET		3
#define FIRST_OUT_SIZE		(256 * 1024)		/* first decompression buffer */

/* RFC 1952: ID1 ID2 CM(deflate) FLG(0); then MTIME, XFL, OS. */
static const unsigned char gzip_magic[4] = {0x1f, 0x8b, 0x08, 0x00};

/* An empty member: UADK's header, a final empty fixed-Huffman block, CRC32 0, ISIZE 0. */
static const unsigned char empty_member[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void usage(void)
{
	fprintf(stderr,
		"usage: zip_file [-d] [-b BLOCK] [-l LEVEL] [FILE]\n"
		"  gzip FILE (default stdin) to stdout on the ZIP engine (wd_comp, sync)\n"
		"  -d        decompress instead\n"
		"  -b BLOCK  bytes per request and gzip member, 1..%d (default %d)\n"
		"  -l LEVEL  compression level 1..15 (default 8)\n",
		MAX_COMP_BLOCK, DEFAULT_BLOCK);
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
		WD_ERR("zip_file: failed to write output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
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

static int compress_stream(FILE *in, size_t block, enum wd_comp_level level)
{
	struct sched_params param;
	struct wd_comp_req req;
	size_t dst_size = block + block / 8 + 64; /* deflate's worst case is far below */
	size_t total = 0, got;
	void *src, *dst;
	handle_t h_sess;
	int ret = -1;

	h_sess = alloc_sess(WD_DIR_COMPRESS, level, &param);
	if (!h_sess) {
		WD_ERR("zip_file: failed to alloc comp sess!\n");
		return -1;
	}
	src = malloc(block);
	dst = malloc(dst_size);
	if (!src || !dst) {
		WD_ERR("zip_file: failed to alloc buffers!\n");
		goto out;
	}
	while ((got = fread(src, 1, block, in)) > 0) {
		memset(&req, 0, sizeof(req));
		req.op_type = WD_DIR_COMPRESS;
		req.data_fmt = WD_FLAT_BUF;
		req.src = src;
		req.src_len = (__u32)got;
		req.dst = dst;
		req.dst_len = (__u32)dst_size;
		req.last = 1;
		ret = wd_do_comp_sync(h_sess, &req);
		if (ret < 0) {
			WD_ERR("zip_file: wd_do_comp_sync failed (ret = %d)!\n", ret);
			goto out;
		}
		if (req.status) {
			WD_ERR("zip_file: compression failed (status = %u)!\n", req.status);
			ret = -1;
			goto out;
		}
		ret = write_all(dst, req.dst_len);
		if (ret)
			goto out;
		total += got;
	}
	ret = -1;
	if (ferror(in)) {
		WD_ERR("zip_file: failed to read input: %s\n", strerror(errno));
		goto out;
	}
	/* The device refuses empty requests: an empty input is the fixed empty member. */
	if (total == 0 && write_all(empty_member, sizeof(empty_member)))
		goto out;
	ret = 0;
out:
	free(src);
	free(dst);
	wd_comp_free_sess(h_sess);
	return ret;
}

/* Reads all of @in into a malloc'ed buffer. */
static int read_all(FILE *in, unsigned char **data, size_t *len)
{
	size_t cap = 64 * 1024, n = 0, got;
	unsigned char *buf = malloc(cap), *bigger;

	if (!buf) {
		WD_ERR("zip_file: failed to alloc input buffer!\n");
		return -1;
	}
	while ((got = fread(buf + n, 1, cap - n, in)) > 0) {
		n += got;
		if (n < cap)
			continue;
		bigger = realloc(buf, cap * 2);
		if (!bigger) {
			WD_ERR("zip_file: failed to grow input buffer!\n");
			free(buf);
			return -1;
		}
		buf = bigger;
		cap *= 2;
	}
	if (ferror(in)) {
		WD_ERR("zip_file: failed to read input: %s\n", strerror(errno));
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
	struct wd_comp_req req;
	size_t len, off = 0, out_size = FIRST_OUT_SIZE, left;
	unsigned char *data = NULL, *out, *bigger;
	handle_t h_sess;
	int ret = -1;

	if (read_all(in, &data, &len))
		return -1;
	out = malloc(out_size);
	if (!out) {
		WD_ERR("zip_file: failed to alloc output buffer!\n");
		free(data);
		return -1;
	}
	h_sess = alloc_sess(WD_DIR_DECOMPRESS, WD_COMP_L8, &param);
	if (!h_sess) {
		WD_ERR("zip_file: failed to alloc decomp sess!\n");
		goto out;
	}
	if (len == 0) {
		WD_ERR("zip_file: input is empty, not gzip!\n");
		goto out;
	}
	while (off < len) {
		left = len - off;
		if (left < GZIP_HEADER_SIZE || memcmp(data + off, gzip_magic, 3)) {
			WD_ERR("zip_file: not a gzip member at byte %zu!\n", off);
			goto out;
		}
		if (data[off + GZIP_FLG_OFFSET] != gzip_magic[GZIP_FLG_OFFSET]) {
			WD_ERR("zip_file: gzip header flags 0x%02x at byte %zu: only the 10-byte "
			       "header is supported (compress with gzip -n)!\n",
			       data[off + GZIP_FLG_OFFSET], off);
			goto out;
		}
		if (left > MAX_BLOCK + GZIP_HEADER_SIZE)
			left = MAX_BLOCK + GZIP_HEADER_SIZE;
		for (;;) {
			memset(&req, 0, sizeof(req));
			req.op_type = WD_DIR_DECOMPRESS;
			req.data_fmt = WD_FLAT_BUF;
			req.src = data + off;
			req.src_len = (__u32)left;
			req.dst = out;
			req.dst_len = (__u32)out_size;
			req.last = 1;
			ret = wd_do_comp_sync(h_sess, &req);
			if (ret < 0) {
				WD_ERR("zip_file: wd_do_comp_sync failed (ret = %d)!\n", ret);
				goto out;
			}
			/*
			 * No room: WD_EAGAIN when the last block had none; stateless hardware
			 * reports a member that ran out of room before its last block as a bad
			 * request (WD_IN_EPARA), which bad data also gives, so retry both with
			 * twice the room up to one request's limit.
			 */
			if (req.status != WD_EAGAIN && req.status != WD_IN_EPARA)
				break;
			if (req.status == WD_IN_EPARA && out_size >= MAX_BLOCK)
				break;
			/* The member inflates to more than the buffer: retry with twice as much. */
			if (out_size >= MAX_BLOCK) {
				WD_ERR("zip_file: gzip member at byte %zu inflates to over %d bytes "
				       "(stream mode is not available)!\n", off, MAX_BLOCK);
				ret = -1;
				goto out;
			}
			bigger = realloc(out, out_size * 2);
			if (!bigger) {
				WD_ERR("zip_file: failed to grow output buffer!\n");
				ret = -1;
				goto out;
			}
			out = bigger;
			out_size *= 2;
		}
		if (req.status) {
			WD_ERR("zip_file: decompression failed at byte %zu (status = %u)!\n", off,
			       req.status);
			ret = -1;
			goto out;
		}
		if (req.src_len == 0 || req.src_len > left) {
			WD_ERR("zip_file: device consumed %u of %zu bytes!\n", req.src_len, left);
			ret = -1;
			goto out;
		}
		ret = write_all(out, req.dst_len);
		if (ret)
			goto out;
		off += req.src_len;
	}
	ret = 0;
out:
	if (h_sess)
		wd_comp_free_sess(h_sess);
	free(out);
	free(data);
	return ret;
}

int main(int argc, char *argv[])
{
	unsigned long block = DEFAULT_BLOCK, level = WD_COMP_L8;
	int decompress = 0, opt, ret;
	FILE *in = stdin;

	while ((opt = getopt(argc, argv, "db:l:h")) != -1) {
		switch (opt) {
		case 'd':
			decompress = 1;
			break;
		case 'b':
			if (parse_uint(optarg, 1, MAX_COMP_BLOCK, &block)) {
				fprintf(stderr, "zip_file: bad block size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'l':
			if (parse_uint(optarg, WD_COMP_L1, WD_COMP_L15, &level)) {
				fprintf(stderr, "zip_file: bad level '%s'\n", optarg);
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
			fprintf(stderr, "zip_file: %s: %s\n", argv[optind], strerror(errno));
			return 1;
		}
	}

	ret = wd_comp_init2("gzip", SCHED_POLICY_RR, TASK_HW);
	if (ret) {
		WD_ERR("zip_file: wd_comp_init2 failed (ret = %d): no gzip device?\n", ret);
		if (in != stdin)
			fclose(in);
		return 1;
	}
	if (decompress)
		ret = decompress_stream(in);
	else
		ret = compress_stream(in, block, (enum wd_comp_level)level);
	wd_comp_uninit2();

	if (in != stdin)
		fclose(in);
	if (fflush(stdout)) {
		WD_ERR("zip_file: failed to write output: %s\n", strerror(errno));
		ret = -1;
	}
	return ret ? 1 : 0;
}
