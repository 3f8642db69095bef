/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sec_tool - CBC encryption and decryption, digests and HMACs on the SEC engine through UADK's
 * wd_cipher and wd_digest APIs (sync mode), with openssl's command-line conventions:
 *
 *   sec_tool enc -c aes-128-cbc -K HEX -iv HEX [-d] [-nopad] [-b BLOCK] [FILE] > out
 *       same bytes as: openssl enc -aes-128-cbc -K HEX -iv HEX [-d] [-nopad] < FILE
 *       ciphers: aes-128-cbc, aes-192-cbc, aes-256-cbc, sm4-cbc
 *   sec_tool dgst -a sha256 [-hmac HEXKEY] [FILE]
 *       same line as: openssl dgst -sha256 -r [-mac HMAC -macopt hexkey:HEXKEY] FILE
 *       digests: md5, sha1, sha224, sha256, sha384, sha512, sm3
 *
 * enc: wd_cipher_init2("cbc(aes)" or "cbc(sm4)"), one session, the key set once, then one
 * wd_do_cipher_sync per BLOCK bytes (default 64 KiB); the program chains the blocks itself
 * (each request's IV is the previous request's last cipher block), and adds and checks PKCS#7
 * padding as openssl does unless -nopad. dgst: wd_digest_init2("sha256", "hmac(sha256)", ...),
 * the whole input in one wd_do_digest_sync (the runtime has no long-hash mode: at most
 * 16 MiB - 512 B, and not empty); an HMAC key is 4..128 bytes, a multiple of 4 (the SEC's key
 * length is in words).
 *
 * Exit status: 0 done, 1 an I/O, accelerator or padding error, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wd_cipher.h"
#include "wd_digest.h"
#include "wd_sched.h"

#define DEFAULT_BLOCK		(64 * 1024)
#define MAX_DATA_LEN		0xFFFE00	/* UADK/SEC MAX_INPUT_DATA_LEN */
#define MAX_DIGEST_LEN		64

struct cipher_item {
	const char *name;	/* openssl's */
	const char *alg;	/* UADK's */
	enum wd_cipher_alg type;
	__u32 key_len;
};

static const struct cipher_item ciphers[] = {
	{"aes-128-cbc", "cbc(aes)", WD_CIPHER_AES, AES_KEYSIZE_128},
	{"aes-192-cbc", "cbc(aes)", WD_CIPHER_AES, AES_KEYSIZE_192},
	{"aes-256-cbc", "cbc(aes)", WD_CIPHER_AES, AES_KEYSIZE_256},
	{"sm4-cbc", "cbc(sm4)", WD_CIPHER_SM4, SM4_KEY_SIZE},
};

struct digest_item {
	const char *name;	/* openssl's and UADK's */
	const char *hmac_alg;	/* UADK's */
	enum wd_digest_type type;
	__u32 len;
};

static const struct digest_item digests[] = {
	{"md5", "hmac(md5)", WD_DIGEST_MD5, WD_DIGEST_MD5_LEN},
	{"sha1", "hmac(sha1)", WD_DIGEST_SHA1, WD_DIGEST_SHA1_LEN},
	{"sha224", "hmac(sha224)", WD_DIGEST_SHA224, WD_DIGEST_SHA224_LEN},
	{"sha256", "hmac(sha256)", WD_DIGEST_SHA256, WD_DIGEST_SHA256_LEN},
	{"sha384", "hmac(sha384)", WD_DIGEST_SHA384, WD_DIGEST_SHA384_LEN},
	{"sha512", "hmac(sha512)", WD_DIGEST_SHA512, WD_DIGEST_SHA512_LEN},
	{"sm3", "hmac(sm3)", WD_DIGEST_SM3, WD_DIGEST_SM3_LEN},
};

static void usage(void)
{
	fprintf(stderr,
		"usage: sec_tool enc -c CIPHER -K HEXKEY -iv HEXIV [-d] [-nopad] [-b BLOCK] [FILE]\n"
		"       sec_tool dgst -a DIGEST [-hmac HEXKEY] [FILE]\n"
		"  CIPHER: aes-128-cbc aes-192-cbc aes-256-cbc sm4-cbc\n"
		"  DIGEST: md5 sha1 sha224 sha256 sha384 sha512 sm3\n"
		"  enc writes the cipher text (or, with -d, the plain text) to stdout, PKCS#7\n"
		"  padded unless -nopad; BLOCK (bytes per request, a multiple of 16) is %d by\n"
		"  default; dgst prints 'HEX *FILE' (FILE 'stdin' when reading stdin)\n",
		DEFAULT_BLOCK);
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes @hex into at most @max bytes; the byte count, or -1. */
static int parse_hex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex), i;
	int hi, lo;

	if (n == 0 || n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hex_value(hex[2 * i]);
		lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/* Reads all of @in, with @extra spare bytes at the end of the buffer. */
static int read_all(FILE *in, size_t extra, unsigned char **data, size_t *len)
{
	size_t cap = 64 * 1024, n = 0, got;
	unsigned char *buf = malloc(cap + extra), *bigger;

	if (!buf) {
		WD_ERR("sec_tool: failed to alloc input buffer!\n");
		return -1;
	}
	while ((got = fread(buf + n, 1, cap - n, in)) > 0) {
		n += got;
		if (n < cap)
			continue;
		bigger = realloc(buf, cap * 2 + extra);
		if (!bigger) {
			WD_ERR("sec_tool: failed to grow input buffer!\n");
			free(buf);
			return -1;
		}
		buf = bigger;
		cap *= 2;
	}
	if (ferror(in)) {
		WD_ERR("sec_tool: failed to read input: %s\n", strerror(errno));
		free(buf);
		return -1;
	}
	*data = buf;
	*len = n;
	return 0;
}

static int write_all(const void *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, stdout) != len) {
		WD_ERR("sec_tool: failed to write output: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* CBC over @len bytes of @data (a multiple of 16) in @block-byte requests, into @out. */
static int cbc_run(handle_t h_sess, int decrypt, unsigned char *data, unsigned char *out,
		   size_t len, size_t block, unsigned char *iv)
{
	struct wd_cipher_req req;
	size_t off, n;
	int ret;

	for (off = 0; off < len; off += n) {
		n = len - off < block ? len - off : block;
		memset(&req, 0, sizeof(req));
		req.op_type = decrypt ? WD_CIPHER_DECRYPTION : WD_CIPHER_ENCRYPTION;
		req.data_fmt = WD_FLAT_BUF;
		req.src = data + off;
		req.dst = out + off;
		req.in_bytes = (__u32)n;
		req.out_buf_bytes = (__u32)n;
		req.iv = iv;
		req.iv_bytes = AES_BLOCK_SIZE;
		ret = wd_do_cipher_sync(h_sess, &req);
		if (ret < 0) {
			WD_ERR("sec_tool: wd_do_cipher_sync failed (ret = %d)!\n", ret);
			return ret;
		}
		if (req.state) {
			WD_ERR("sec_tool: cipher request failed (state = %u)!\n", req.state);
			return -WD_EIO;
		}
		/* CBC chaining: the next request's IV is this one's last cipher block. */
		memcpy(iv, (decrypt ? data : out) + off + n - AES_BLOCK_SIZE, AES_BLOCK_SIZE);
	}
	return 0;
}

static int do_enc(const struct cipher_item *c, const unsigned char *key, const unsigned char *iv0,
		  int decrypt, int nopad, size_t block, FILE *in)
{
	struct wd_cipher_sess_setup setup;
	unsigned char *data = NULL, *out = NULL, *iv = NULL;
	size_t len, pad, i;
	handle_t h_sess = 0;
	int ret;

	ret = wd_cipher_init2((char *)c->alg, SCHED_POLICY_RR, TASK_HW);
	if (ret) {
		WD_ERR("sec_tool: wd_cipher_init2(%s) failed (ret = %d)!\n", c->alg, ret);
		return -1;
	}
	ret = -1;
	if (read_all(in, AES_BLOCK_SIZE, &data, &len))
		goto out;
	if (!decrypt && !nopad) {
		/* PKCS#7: 1..16 bytes, each the pad length (the spare room read_all left). */
		pad = AES_BLOCK_SIZE - len % AES_BLOCK_SIZE;
		memset(data + len, (int)pad, pad);
		len += pad;
	}
	if (len == 0 && decrypt) {
		WD_ERR("sec_tool: nothing to decrypt!\n");
		goto out;
	}
	if (len % AES_BLOCK_SIZE) {
		WD_ERR("sec_tool: %zu bytes is not a multiple of the block size (%d)!\n", len,
		       AES_BLOCK_SIZE);
		goto out;
	}
	out = malloc(len ? len : 1);
	iv = malloc(AES_BLOCK_SIZE);
	if (!out || !iv) {
		WD_ERR("sec_tool: failed to alloc buffers!\n");
		goto out;
	}
	memcpy(iv, iv0, AES_BLOCK_SIZE);
	memset(&setup, 0, sizeof(setup));
	setup.alg = c->type;
	setup.mode = WD_CIPHER_CBC;
	h_sess = wd_cipher_alloc_sess(&setup);
	if (!h_sess) {
		WD_ERR("sec_tool: failed to alloc cipher sess!\n");
		goto out;
	}
	if (wd_cipher_set_key(h_sess, key, c->key_len)) {
		WD_ERR("sec_tool: failed to set the %s key!\n", c->name);
		goto out;
	}
	if (len && cbc_run(h_sess, decrypt, data, out, len, block, iv))
		goto out;
	if (decrypt && !nopad) {
		pad = out[len - 1];
		for (i = 1; pad && pad <= AES_BLOCK_SIZE && i <= pad; i++)
			if (out[len - i] != pad)
				break;
		if (pad == 0 || pad > AES_BLOCK_SIZE || i <= pad) {
			WD_ERR("sec_tool: bad decrypt (wrong key, iv or padding)!\n");
			goto out;
		}
		len -= pad;
	}
	ret = write_all(out, len);
out:
	if (h_sess)
		wd_cipher_free_sess(h_sess);
	free(iv);
	free(out);
	free(data);
	wd_cipher_uninit2();
	return ret;
}

static int do_dgst(const struct digest_item *d, const unsigned char *key, int key_len,
		   const char *name, FILE *in)
{
	struct wd_digest_sess_setup setup;
	struct wd_digest_req req;
	const char *alg = key_len ? d->hmac_alg : d->name;
	unsigned char *data = NULL, *mac = NULL;
	handle_t h_sess = 0;
	size_t len;
	__u32 i;
	int ret;

	ret = wd_digest_init2((char *)alg, SCHED_POLICY_RR, TASK_HW);
	if (ret) {
		WD_ERR("sec_tool: wd_digest_init2(%s) failed (ret = %d)!\n", alg, ret);
		return -1;
	}
	ret = -1;
	if (read_all(in, 0, &data, &len))
		goto out;
	if (len == 0 || len > MAX_DATA_LEN) {
		WD_ERR("sec_tool: %zu bytes: the SEC takes 1..%d bytes per digest request!\n", len,
		       MAX_DATA_LEN);
		goto out;
	}
	mac = malloc(MAX_DIGEST_LEN);
	if (!mac) {
		WD_ERR("sec_tool: failed to alloc the digest buffer!\n");
		goto out;
	}
	memset(&setup, 0, sizeof(setup));
	setup.alg = d->type;
	setup.mode = key_len ? WD_DIGEST_HMAC : WD_DIGEST_NORMAL;
	h_sess = wd_digest_alloc_sess(&setup);
	if (!h_sess) {
		WD_ERR("sec_tool: failed to alloc digest sess!\n");
		goto out;
	}
	if (key_len && wd_digest_set_key(h_sess, key, (__u32)key_len)) {
		WD_ERR("sec_tool: failed to set the HMAC key (%d bytes; 4..%u, a multiple of 4)!\n",
		       key_len, MAX_HMAC_KEY_SIZE);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.in = data;
	req.in_bytes = (__u32)len;
	req.out = mac;
	req.out_bytes = d->len;
	req.out_buf_bytes = MAX_DIGEST_LEN;
	req.data_fmt = WD_FLAT_BUF;
	req.has_next = 0;
	ret = wd_do_digest_sync(h_sess, &req);
	if (ret < 0) {
		WD_ERR("sec_tool: wd_do_digest_sync failed (ret = %d)!\n", ret);
		goto out;
	}
	if (req.state) {
		WD_ERR("sec_tool: digest request failed (state = %u)!\n", req.state);
		ret = -1;
		goto out;
	}
	for (i = 0; i < d->len; i++)
		printf("%02x", mac[i]);
	printf(" *%s\n", name);
	ret = 0;
out:
	if (h_sess)
		wd_digest_free_sess(h_sess);
	free(mac);
	free(data);
	wd_digest_uninit2();
	return ret;
}

enum { OPT_IV = 256, OPT_NOPAD, OPT_HMAC };

int main(int argc, char *argv[])
{
	static const struct option long_options[] = {
		{"iv", required_argument, 0, OPT_IV},
		{"nopad", no_argument, 0, OPT_NOPAD},
		{"hmac", required_argument, 0, OPT_HMAC},
		{0, 0, 0, 0},
	};
	unsigned char key[MAX_HMAC_KEY_SIZE], iv[AES_BLOCK_SIZE];
	const struct cipher_item *c = NULL;
	const struct digest_item *d = NULL;
	int key_len = 0, iv_len = 0, decrypt = 0, nopad = 0, enc, opt, ret;
	const char *cmd, *name = "stdin";
	unsigned long block = DEFAULT_BLOCK;
	FILE *in = stdin;
	char *end;
	size_t i;

	if (argc < 2 || (strcmp(argv[1], "enc") && strcmp(argv[1], "dgst"))) {
		usage();
		return argc >= 2 && !strcmp(argv[1], "-h") ? 0 : 2;
	}
	cmd = argv[1];
	enc = !strcmp(cmd, "enc");
	argv++;
	argc--;
	while ((opt = getopt_long_only(argc, argv, "c:a:K:db:", long_options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			for (i = 0; i < ARRAY_SIZE(ciphers); i++)
				if (!strcmp(optarg, ciphers[i].name))
					c = &ciphers[i];
			if (!c) {
				fprintf(stderr, "sec_tool: unknown cipher '%s'\n", optarg);
				return 2;
			}
			break;
		case 'a':
			for (i = 0; i < ARRAY_SIZE(digests); i++)
				if (!strcmp(optarg, digests[i].name))
					d = &digests[i];
			if (!d) {
				fprintf(stderr, "sec_tool: unknown digest '%s'\n", optarg);
				return 2;
			}
			break;
		case 'K':
		case OPT_HMAC:
			key_len = parse_hex(optarg, key, sizeof(key));
			if (key_len < 0) {
				fprintf(stderr, "sec_tool: bad hex key '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_IV:
			iv_len = parse_hex(optarg, iv, sizeof(iv));
			if (iv_len != AES_BLOCK_SIZE) {
				fprintf(stderr, "sec_tool: the iv is 16 bytes of hex\n");
				return 2;
			}
			break;
		case 'd':
			decrypt = 1;
			break;
		case OPT_NOPAD:
			nopad = 1;
			break;
		case 'b':
			errno = 0;
			block = strtoul(optarg, &end, 0);
			if (errno || *end || block == 0 || block % AES_BLOCK_SIZE ||
			    block > MAX_DATA_LEN) {
				fprintf(stderr, "sec_tool: bad block size '%s'\n", optarg);
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (argc - optind > 1 || (enc && (!c || d)) || (!enc && (!d || c || iv_len || decrypt ||
								 nopad))) {
		usage();
		return 2;
	}
	if (enc && (key_len != (int)c->key_len || iv_len != AES_BLOCK_SIZE)) {
		fprintf(stderr, "sec_tool: %s needs -K with %u bytes of hex and -iv with 16\n",
			c->name, c->key_len);
		return 2;
	}
	if (optind < argc) {
		name = argv[optind];
		in = fopen(name, "rb");
		if (!in) {
			fprintf(stderr, "sec_tool: %s: %s\n", name, strerror(errno));
			return 1;
		}
	}
	if (enc)
		ret = do_enc(c, key, iv, decrypt, nopad, block, in);
	else
		ret = do_dgst(d, key, key_len, name, in);
	if (in != stdin)
		fclose(in);
	if (fflush(stdout)) {
		WD_ERR("sec_tool: failed to write output: %s\n", strerror(errno));
		ret = -1;
	}
	return ret ? 1 : 0;
}
