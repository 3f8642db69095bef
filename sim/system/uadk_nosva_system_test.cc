// uacce without SVA (system.devices[].uacce_mode: nosva) end to end: the uacce ABI of the static
// share region (sysfs flags UACCE_DEV_IOMMU, mmap of UACCE_QFRT_SS, UACCE_CMD_GET_SS_DMA's
// encoding and errors, against the openEuler uacce driver's), and UADK's no-SVA memory on it: a
// wd_mempool_alloc pool on the ctx's region, UADK_MEM_PROXY sessions whose descriptors carry the
// blocks' DMA addresses, UADK_MEM_AUTO refused as UADK refuses it, a buffer outside the pool
// refused with -WD_ENOMEM. The ZIP's output inflates with system zlib to the input and decompresses
// back on the device; the SEC's AES-GCM matches OpenSSL. The devices' DMA carries no PASID and
// the process has no SVA bond.
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "formats/linux/dma_heap.h"
#include "formats/uacce/uacce.h"
#include "runtime/include/uadk/wd_aead.h"
#include "runtime/include/uadk/wd_bmm.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/base/config_tree.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/system/crypto_reference.h"
#include "sim/system/program.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"
#include "sim/system/workload_data.h"

namespace wdsim {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kSsBytes = 100000;  // not a whole page: the region is rounded up

// What the program saw.
struct Findings {
  std::string nosva_flags, sva_flags;
  long ss_dma_before_mmap = 0;
  bool ss_mapped = false;
  int ss_second_mmap_err = 0;
  long ss_dma_ret = -1;
  unsigned long ss_info = 0;
  long ss_dma_past_last = 0;
  int sva_ss_mmap_err = 0;
  long sva_ss_dma = 0;
  // wdsim's dma-buf importer ioctl on the queue fd.
  long attach_ret = -1;
  rt::WdsimDmaBufAttach attached;
  long attach_not_dmabuf = 0, attach_bad_fd = 0, attach_reserved = 0, sva_attach = 0;
  bool auto_session_refused = false;
  std::string auto_error;
  bool block_maps_to_dma = false;  // wd_mem_map of a block is not its VA, offsets carry over
  int comp_ret = -1, decomp_ret = -1, outside_ret = 0;
  Bytes text, compressed, decompressed;
  int aead_ret = -1;
  uint16_t aead_state = 0xffff;
  Bytes key, iv, aad, pt, ct, tag;
  bool sva_bond = true;
};

Findings& findings() {
  static Findings f;
  return f;
}

struct NosvaCheckParams : ProgramParams {
  std::string part;
  void declare(ParamScope& s) override {
    s.add_choice("part", part, "nosva", {"nosva", "sva"},
                 "nosva: the whole check on hisi_zip-0 and hisi_sec2-0 without SVA; sva: the "
                 "static share ABI refused by hisi_zip-0 with SVA",
                 "test");
  }
};

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return b;
}

class NosvaCheck : public Program {
 public:
  NosvaCheck(const NosvaCheckParams& p, const ProgramSetup& /*setup*/) : sva_(p.part == "sva") {}

  void run(ProgramThread& t) override {
    Findings& f = findings();
    f = Findings{};
    HostThread& os = t.os;
    std::string text;
    os.read_text("/sys/class/uacce/hisi_zip-0/flags", &text);
    (sva_ ? f.sva_flags : f.nosva_flags) = text;
    if (sva_) {
      sva_abi(t);
    } else {
      uacce_abi(t);
      comp(t);
      aead(t);
    }
    f.sva_bond = t.system.sva_binding(os.process().pid()).has_value();
    ok_ = 1;
  }
  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return 0; }

 private:
  void uacce_abi(ProgramThread& t) {
    Findings& f = findings();
    HostThread& os = t.os;
    const int fd = os.open("/dev/hisi_zip-0");
    unsigned long info = 0;
    f.ss_dma_before_mmap = os.ioctl(fd, rt::kUacceCmdGetSsDma, &info);
    int err = 0;
    const uint64_t va = os.mmap(fd, kSsBytes, rt::kProtRead | rt::kProtWrite,
                                uint64_t{rt::kUacceQfrtSs} * kPage, &err);
    f.ss_mapped = va != 0;
    os.mmap(fd, kSsBytes, rt::kProtRead | rt::kProtWrite, uint64_t{rt::kUacceQfrtSs} * kPage,
            &f.ss_second_mmap_err);
    info = 0;
    f.ss_dma_ret = os.ioctl(fd, rt::kUacceCmdGetSsDma, &info);
    f.ss_info = info;
    unsigned long past = 1;
    f.ss_dma_past_last = os.ioctl(fd, rt::kUacceCmdGetSsDma, &past);
    if (va) os.munmap(va, kSsBytes);
    // A dma-buf of the system heap attached to the queue's device: its IOVA and size.
    const int buf = dma_buf(os, 3 * kPage);
    f.attached.fd = buf;
    f.attach_ret = os.ioctl(fd, rt::kWdsimUacceCmdAttachDmaBuf, &f.attached);
    rt::WdsimDmaBufAttach a;
    a.fd = fd;  // the queue's own fd is no dma-buf
    f.attach_not_dmabuf = os.ioctl(fd, rt::kWdsimUacceCmdAttachDmaBuf, &a);
    a.fd = 999;
    f.attach_bad_fd = os.ioctl(fd, rt::kWdsimUacceCmdAttachDmaBuf, &a);
    a.fd = buf;
    a.reserved = 1;
    f.attach_reserved = os.ioctl(fd, rt::kWdsimUacceCmdAttachDmaBuf, &a);
    os.close(buf);
    os.close(fd);  // the release detaches the buffer, which then goes
  }

  static int dma_buf(HostThread& os, uint64_t bytes) {
    const int heap = os.open(rt::kDmaHeapSystemPath);
    rt::DmaHeapAllocationData d;
    d.len = bytes;
    d.fd_flags = rt::kORdwr;
    const long r = os.ioctl(heap, rt::kDmaHeapIoctlAlloc, &d);
    os.close(heap);
    return r < 0 ? static_cast<int>(r) : static_cast<int>(d.fd);
  }

  void sva_abi(ProgramThread& t) {
    Findings& f = findings();
    HostThread& os = t.os;
    const int fd = os.open("/dev/hisi_zip-0");
    os.mmap(fd, kSsBytes, rt::kProtRead | rt::kProtWrite, uint64_t{rt::kUacceQfrtSs} * kPage,
            &f.sva_ss_mmap_err);
    unsigned long info = 0;
    f.sva_ss_dma = os.ioctl(fd, rt::kUacceCmdGetSsDma, &info);
    rt::WdsimDmaBufAttach a;
    a.fd = dma_buf(os, kPage);
    f.sva_attach = os.ioctl(fd, rt::kWdsimUacceCmdAttachDmaBuf, &a);
    os.close(a.fd);
    os.close(fd);
  }

  void comp(ProgramThread& t) {
    Findings& f = findings();
    t.bind_runtime();
    wd_ctx_nums nums[WD_DIR_MAX] = {};
    nums[WD_DIR_COMPRESS].sync_ctx_num = 1;
    nums[WD_DIR_DECOMPRESS].sync_ctx_num = 1;
    wd_ctx_params params{WD_DIR_MAX, nums, nullptr, nullptr};
    if (wd_comp_init2_(const_cast<char*>("deflate"), SCHED_POLICY_RR, TASK_HW, &params) != 0) {
      return;
    }
    wd_comp_sess_setup setup{};
    setup.alg_type = WD_DEFLATE;
    setup.comp_lv = WD_COMP_L1;
    setup.win_sz = WD_COMP_WS_32K;
    setup.op_type = WD_DIR_COMPRESS;
    const handle_t automatic = wd_comp_alloc_sess(&setup);
    f.auto_session_refused = automatic == 0;
    f.auto_error = t.process.uadk->last_error();
    const handle_t ctx = wd_find_ctx("deflate");
    wd_mempool_setup ps{};
    ps.block_size = 16384;
    ps.block_num = 4;
    ps.align_size = 64;
    void* pool = wd_mempool_alloc(ctx, &ps);
    if (!pool) return;
    setup.mm_type = UADK_MEM_PROXY;
    setup.mm_ops.usr = pool;
    const handle_t c = wd_comp_alloc_sess(&setup);
    setup.op_type = WD_DIR_DECOMPRESS;
    const handle_t d = wd_comp_alloc_sess(&setup);
    void* src = wd_mem_alloc(pool, 8192);
    void* dst = wd_mem_alloc(pool, 16384);
    void* back = wd_mem_alloc(pool, 16384);
    const uint64_t src_dma = reinterpret_cast<uint64_t>(wd_mem_map(pool, src, 8192));
    const uint64_t src1_dma =
        reinterpret_cast<uint64_t>(wd_mem_map(pool, static_cast<uint8_t*>(src) + 1, 8191));
    f.block_maps_to_dma =
        src_dma != 0 && src_dma != reinterpret_cast<uint64_t>(src) && src1_dma == src_dma + 1;
    f.text = WorkloadData("text", std::mt19937_64(1)).next(8192);
    t.os.process().write(reinterpret_cast<uint64_t>(src), f.text.data(), f.text.size());
    wd_comp_req req{};
    req.src = src;
    req.src_len = 8192;
    req.dst = dst;
    req.dst_len = 16384;
    req.op_type = WD_DIR_COMPRESS;
    req.data_fmt = WD_FLAT_BUF;
    f.comp_ret = wd_do_comp_sync(c, &req);
    if (f.comp_ret == 0 && req.status == 0) {
      f.compressed.resize(req.dst_len);
      t.os.process().read(reinterpret_cast<uint64_t>(dst), f.compressed.data(), req.dst_len);
      wd_comp_req dreq{};
      dreq.src = dst;
      dreq.src_len = req.dst_len;
      dreq.dst = back;
      dreq.dst_len = 16384;
      dreq.op_type = WD_DIR_DECOMPRESS;
      dreq.data_fmt = WD_FLAT_BUF;
      f.decomp_ret = wd_do_comp_sync(d, &dreq);
      f.decompressed.resize(dreq.dst_len);
      t.os.process().read(reinterpret_cast<uint64_t>(back), f.decompressed.data(), dreq.dst_len);
    }
    // A buffer of the process that is not the pool's has no DMA address.
    const uint64_t outside = t.map_buffer(8192, true);
    wd_comp_req bad = req;
    bad.src = reinterpret_cast<void*>(outside);
    bad.src_len = 8192;
    bad.dst_len = 16384;
    f.outside_ret = wd_do_comp_sync(c, &bad);
    wd_mem_free(pool, src);
    wd_mem_free(pool, dst);
    wd_mem_free(pool, back);
    wd_comp_free_sess(c);
    wd_comp_free_sess(d);
    wd_mempool_free(ctx, pool);
    wd_comp_uninit2();
  }

  void aead(ProgramThread& t) {
    Findings& f = findings();
    t.bind_runtime();
    if (wd_aead_init2(const_cast<char*>("gcm(aes)"), SCHED_POLICY_RR, TASK_HW) != 0) return;
    const handle_t ctx = wd_find_ctx("gcm(aes)");
    wd_mempool_setup ps{};
    ps.block_size = 4096;
    ps.block_num = 8;
    ps.align_size = 64;
    void* pool = wd_mempool_alloc(ctx, &ps);
    if (!pool) return;
    wd_aead_sess_setup setup{};
    setup.calg = WD_CIPHER_AES;
    setup.cmode = WD_CIPHER_GCM;
    setup.mm_type = UADK_MEM_PROXY;
    setup.mm_ops.usr = pool;
    const handle_t h = wd_aead_alloc_sess(&setup);
    f.key = pattern(16, 1);
    f.iv = pattern(GCM_IV_SIZE, 2);
    f.aad = pattern(16, 3);
    f.pt = pattern(1000, 4);
    auto block = [&](const Bytes& b) {
      void* p = wd_mem_alloc(pool, 4096);
      if (p && !b.empty()) t.os.process().write(reinterpret_cast<uint64_t>(p), b.data(), b.size());
      return p;
    };
    wd_aead_set_ckey(h, static_cast<const __u8*>(block(f.key)), 16);
    wd_aead_set_authsize(h, 16);
    Bytes src = f.aad;
    src.insert(src.end(), f.pt.begin(), f.pt.end());
    void* buf = block(src);  // encrypted in place
    wd_aead_req r{};
    r.op_type = WD_CIPHER_ENCRYPTION_DIGEST;
    r.src = buf;
    r.dst = buf;
    r.iv = block(f.iv);
    r.iv_bytes = GCM_IV_SIZE;
    r.mac = block({});
    r.mac_bytes = 16;
    r.assoc_bytes = 16;
    r.in_bytes = 1000;
    r.out_bytes = 1016;
    r.data_fmt = WD_FLAT_BUF;
    r.msg_state = AEAD_MSG_BLOCK;
    f.aead_ret = wd_do_aead_sync(h, &r);
    f.aead_state = r.state;
    f.ct.resize(1000);
    t.os.process().read(reinterpret_cast<uint64_t>(buf) + 16, f.ct.data(), 1000);
    f.tag.resize(16);
    t.os.process().read(reinterpret_cast<uint64_t>(r.mac), f.tag.data(), 16);
    wd_aead_free_sess(h);
    wd_mempool_free(ctx, pool);
    wd_aead_uninit2();
  }

  bool sva_;
  uint64_t ok_ = 0;
};

void count_requests(const std::vector<const Program*>& programs, RunReport& r) {
  for (const Program* p : programs) r.measured_requests += p->requests_ok();
}

WDSIM_REGISTER_PROGRAM(nosva_check,
                       program_kind<NosvaCheckParams, NosvaCheck>(
                           "nosva_check",
                           "test only: uacce's static share region and UADK's no-SVA memory", "zip",
                           1, count_requests));

uint64_t counter(SimEnv& env, const std::string& key) {
  const Counter* c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

std::unique_ptr<SimEnv> run_check(const std::string& mode, const std::string& part) {
  const std::string yaml =
      "seed: 1\n"
      "system:\n"
      "  devices:\n"
      "    - {kind: zip, uacce_mode: " +
      mode +
      "}\n"
      "    - {kind: sec, uacce_mode: " +
      mode +
      "}\n"
      "processes:\n"
      "  - name: app\n"
      "    threads:\n"
      "      - {program: nosva_check, nosva_check: {part: " +
      part +
      "}}\n"
      "output: {trace: false, chrome_trace: false}\n";
  Scenario s = load_scenario_text(yaml, "nosva.yaml", {});
  auto env = std::make_unique<SimEnv>(s.seed);
  RunOutcome o = run_system(s, *env);
  EXPECT_TRUE(o.ok) << o.error;
  return env;
}

TEST(UadkNosvaSystemTest, AnSvaDeviceHasNoStaticShareRegion) {
  run_check("sva", "sva");
  const Findings& f = findings();
  EXPECT_EQ(f.sva_flags, "1");  // UACCE_DEV_SVA, BIT(0)
  EXPECT_EQ(f.sva_ss_mmap_err, -EINVAL);
  EXPECT_EQ(f.sva_ss_dma, -EINVAL);
  EXPECT_EQ(f.sva_attach, -EINVAL);  // no dma-buf importer: its DMA carries the PASID
  EXPECT_TRUE(f.sva_bond);
}

TEST(UadkNosvaSystemTest, StaticShareRegionAndNoSvaSessions) {
  std::unique_ptr<SimEnv> env = run_check("nosva", "nosva");
  const Findings& f = findings();
  EXPECT_EQ(f.nosva_flags, "128");  // UACCE_DEV_IOMMU, BIT(7)
  // GET_SS_DMA: -EINVAL before the region exists; one slice: returns 0 (none follows), the DMA
  // address (page aligned) | the size in 64 KiB granules (100000 B -> 25 pages = 102400 B -> 1).
  EXPECT_EQ(f.ss_dma_before_mmap, -EINVAL);
  EXPECT_TRUE(f.ss_mapped);
  EXPECT_EQ(f.ss_second_mmap_err, -EEXIST);
  EXPECT_EQ(f.ss_dma_ret, 0);
  EXPECT_EQ(f.ss_info & rt::kUacceGranNumMask, 102400u >> rt::kUacceGranShift);
  EXPECT_NE(f.ss_info & ~rt::kUacceGranNumMask, 0u);
  EXPECT_EQ((f.ss_info & ~rt::kUacceGranNumMask) % kPage, 0u);
  EXPECT_EQ(f.ss_dma_past_last, -EINVAL);
  // The dma-buf importer: attached (an IOVA of the device's DMA domain, the whole buffer), and
  // detached and freed once the queue file and the buffer's fd are closed.
  EXPECT_EQ(f.attach_ret, 0);
  EXPECT_EQ(f.attached.size, 3 * kPage);
  EXPECT_NE(f.attached.iova, 0u);
  EXPECT_EQ(f.attached.iova % kPage, 0u);
  EXPECT_EQ(f.attach_not_dmabuf, -EINVAL);
  EXPECT_EQ(f.attach_bad_fd, -EBADF);
  EXPECT_EQ(f.attach_reserved, -EINVAL);
  EXPECT_EQ(counter(*env, "host.dma_buf.attachments"), 1u);
  EXPECT_EQ(counter(*env, "host.dma_buf.detachments"), 1u);
  EXPECT_EQ(counter(*env, "host.dma_buf.frees"), 1u);
  // UADK: UADK_MEM_AUTO is refused without SVA; a proxy pool gives DMA addresses.
  EXPECT_TRUE(f.auto_session_refused);
  EXPECT_NE(f.auto_error.find("UADK_MEM_AUTO is not supported"), std::string::npos) << f.auto_error;
  EXPECT_TRUE(f.block_maps_to_dma);
  ASSERT_EQ(f.comp_ret, 0);
  std::string why;
  EXPECT_TRUE(inflate_equals(f.compressed, f.text, "deflate", &why)) << why;
  EXPECT_EQ(f.decomp_ret, 0);
  EXPECT_EQ(f.decompressed, f.text);
  EXPECT_EQ(f.outside_ret, -WD_ENOMEM);
  // AES-GCM in place in the pool against OpenSSL.
  ASSERT_EQ(f.aead_ret, 0);
  EXPECT_EQ(f.aead_state, 0);
  Bytes ct, tag;
  gcm_reference(f.key, f.iv, f.aad, f.pt, 16, &ct, &tag);
  EXPECT_EQ(f.ct, ct);
  EXPECT_EQ(f.tag, tag);
  // No SVA bond, and the engines' DMA went through the no-PASID space of their StreamIDs (the
  // QM functions' StreamIDs follow their position in system.devices: 0, 1).
  EXPECT_FALSE(f.sva_bond);
  for (const char* sid : {"s0", "s1"}) {
    const std::string space = std::string("smmu.iotlb.by_pasid.") + sid + ".nopasid.";
    EXPECT_GT(counter(*env, space + "hits") + counter(*env, space + "misses"), 0u) << sid;
    EXPECT_EQ(counter(*env, std::string("smmu.iotlb.by_pasid.") + sid + ".p1.misses"), 0u) << sid;
  }
}

}  // namespace
}  // namespace wdsim
