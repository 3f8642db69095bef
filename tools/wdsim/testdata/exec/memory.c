/* wdsim exec test: the device reads and writes the program's own buffers (malloc'd, stack,
 * static, mmap'd) through the mirrored address space; a buffer the program unmapped, and one
 * it never had, give UADK's error (req.status WD_IN_EPARA), not a crash. Each buffer is
 * compressed by the simulated ZIP engine and decompressed again; the result must equal it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <wd_comp.h>
#include <wd_sched.h>

#define LEN 20000
#define PAGE_ROUND(n) (((n) + 4095) / 4096 * 4096)

static unsigned char static_src[LEN];
static handle_t comp, decomp;

static handle_t session(enum wd_comp_op_type op) {
  struct wd_comp_sess_setup setup;
  struct sched_params sp;
  memset(&setup, 0, sizeof setup);
  memset(&sp, 0, sizeof sp);
  setup.alg_type = WD_ZLIB;
  setup.op_type = op;
  setup.comp_lv = WD_COMP_L8;
  setup.win_sz = WD_COMP_WS_32K;
  sp.type = op;
  setup.sched_param = &sp;
  return wd_comp_alloc_sess(&setup);
}

static void fill(unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)("wdsim exec mirror "[(i + seed) % 18]);
}

/* 0: the round trip gave the bytes back; otherwise the step that failed. */
static int round_trip(const char* what, unsigned char* src, size_t n) {
  unsigned char* packed = malloc(2 * n + 64);
  unsigned char* back = malloc(n);
  struct wd_comp_req req;
  memset(&req, 0, sizeof req);
  req.src = src;
  req.src_len = (unsigned)n;
  req.dst = packed;
  req.dst_len = (unsigned)(2 * n + 64);
  req.op_type = WD_DIR_COMPRESS;
  int ret = wd_do_comp_sync(comp, &req);
  if (ret || req.status) {
    printf("%s: compress ret=%d status=%u\n", what, ret, req.status);
    free(packed);
    free(back);
    return 1;
  }
  unsigned packed_len = req.dst_len;
  memset(&req, 0, sizeof req);
  req.src = packed;
  req.src_len = packed_len;
  req.dst = back;
  req.dst_len = (unsigned)n;
  req.op_type = WD_DIR_DECOMPRESS;
  ret = wd_do_comp_sync(decomp, &req);
  int ok = ret == 0 && req.status == 0 && req.dst_len == n && memcmp(back, src, n) == 0;
  printf("%s: %s (%zu -> %u bytes)\n", what, ok ? "ok" : "MISMATCH", n, packed_len);
  free(packed);
  free(back);
  return ok ? 0 : 2;
}

static int fails(const char* what, void* src) {
  unsigned char dst[4096];
  struct wd_comp_req req;
  memset(&req, 0, sizeof req);
  req.src = src;
  req.src_len = 4096;
  req.dst = dst;
  req.dst_len = sizeof dst;
  req.op_type = WD_DIR_COMPRESS;
  int ret = wd_do_comp_sync(comp, &req);
  printf("%s: ret=%d status=%u\n", what, ret, req.status);
  return req.status == WD_IN_EPARA ? 0 : 1;
}

int main(void) {
  if (wd_comp_env_init(NULL) != 0) return 20;
  comp = session(WD_DIR_COMPRESS);
  decomp = session(WD_DIR_DECOMPRESS);
  if (!comp || !decomp) return 21;
  int bad = 0;
  unsigned char* heap = malloc(LEN);
  fill(heap, LEN, 1);
  bad |= round_trip("malloc", heap, LEN);
  unsigned char stack[LEN];
  fill(stack, LEN, 2);
  bad |= round_trip("stack", stack, LEN);
  fill(static_src, LEN, 3);
  bad |= round_trip("static", static_src, LEN);
  unsigned char* mapped = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                               -1, 0);
  if (mapped == MAP_FAILED) return 22;
  fill(mapped, LEN, 4);
  bad |= round_trip("mmap", mapped, LEN);
  munmap(mapped, 1 << 20);
  bad |= fails("after munmap", mapped);
  bad |= fails("never mapped", (void*)0x200000);
  /* Each UADK call charges exec.cpu_ns_per_call for the program's code before it, as each
   * wrapped call does: here four requests and the clock_gettime that ends the interval. The
   * buffers are page-aligned: malloc's addresses move with the host's address-space layout
   * randomisation, and a buffer straddling one page more costs the device's translation more. */
  unsigned char* src4 = aligned_alloc(4096, PAGE_ROUND(LEN));
  unsigned char* packed = aligned_alloc(4096, PAGE_ROUND(2 * LEN + 64));
  if (!src4 || !packed) return 23;
  fill(src4, LEN, 1);
  struct timespec t0, t1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  for (int i = 0; i < 4; i++) {
    struct wd_comp_req req;
    memset(&req, 0, sizeof req);
    req.src = src4;
    req.src_len = LEN;
    req.dst = packed;
    req.dst_len = 2 * LEN + 64;
    req.op_type = WD_DIR_COMPRESS;
    if (wd_do_comp_sync(comp, &req) || req.status) bad |= 4;
  }
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  printf("four_requests_cpu_ns=%lld\n",
         (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
  free(packed);
  free(src4);
  free(heap);
  wd_comp_free_sess(comp);
  wd_comp_free_sess(decomp);
  wd_comp_env_uninit();
  return bad;
}
