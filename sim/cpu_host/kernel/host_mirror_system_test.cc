// A host-mirrored process with a real device: the ZIP engine, behind PCIe and the SMMU (stall
// faults, or ATS + PRI), compresses the test process's own malloc'd buffer into its own mmap'd
// buffer. Every page the device touches is demand-faulted from the host through the I/O
// page-fault path; the compressed bytes land in host memory and inflate back with zlib's codec.
// Then the host unmaps the destination and tells the kernel (host_range_changed): the mm
// notifiers run (the IOTLB/ATC entries go), and the next request's write faults and aborts as on
// real hardware. The CPU path (HostThread load/store) mirrors host memory the same way.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "sim/accel/zip/zip_codec.h"
#include "sim/cpu_host/kernel/host_mirror.h"
#include "sim/cpu_host/kernel/simulated_signal.h"
#include "sim/cpu_host/kernel/testing/zip_sva_testbench.h"

namespace wdsim {
namespace {

using testing::run_testbench;
using testing::ZipQueue;
using testing::ZipSvaOptions;
using testing::ZipSvaTestbench;

constexpr uint64_t kPage = 4096;
constexpr uint32_t kLen = 64 * 1024;          // request input
constexpr uint32_t kCap = kLen + 4096;        // destination: room for stored blocks
const sc_core::sc_time kWaitLong = ns(10e6);  // 10 ms: far more than any request here

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

// Records what the kernel tells a secondary MMU.
class RecordingNotifier : public MmNotifier {
 public:
  void invalidate_range(CpuContext&, uint64_t start, uint64_t length) override {
    ranges.emplace_back(start, length);
  }
  void release(CpuContext&) override {}
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
};

class HostMirrorDma : public ::testing::TestWithParam<bool> {};

TEST_P(HostMirrorDma, TheDeviceCompressesTheProgramsOwnBuffersAndFaultsAfterItsMunmap) {
  const bool ats = GetParam();
  SimEnv env(1);
  ZipSvaOptions o;
  o.ats = ats;
  HostAddressSpace host;
  host.reserve_window(Process::kMmapBase, Process::kSimulatedWindowBytes);
  // The program's buffers: a malloc'd source of text, an mmap'd destination.
  std::vector<uint8_t> src(kLen);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>('a' + (i / 7) % 26);
  uint8_t* dst = static_cast<uint8_t*>(
      mmap(nullptr, kCap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(dst, MAP_FAILED);
  std::memset(dst, 0xee, kCap);
  ASSERT_TRUE(run_testbench(o, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    Process& a = k.create_process(PageGranule::k4K, &host);
    ASSERT_EQ(a.host_mirror(), &host);
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    // The queue's own mappings are in the simulated-only window.
    for (uint64_t start : a.mapping_starts()) {
      EXPECT_GE(start, Process::kMmapBase);
      EXPECT_LT(start, Process::kMmapBase + Process::kSimulatedWindowBytes);
    }
    const uint64_t faults_before = tb.counter("host.page_faults.io");
    ASSERT_EQ(qa.send(addr(src.data()), kLen, addr(dst), kCap, 1), 0);
    ZipSqe out{};
    ASSERT_EQ(qa.wait(&out, kWaitLong), 0);
    ASSERT_EQ(out.status(), kZipStatusOk);
    ASSERT_GT(out.produced, 0u);
    // The device's output is in the host's buffer itself: inflate it from there.
    const ZipCodecResult r =
        zip_decompress(kZipReqDeflate, dst, out.produced, kLen + kPage, /*stream=*/false);
    EXPECT_EQ(r.status, kZipStatusOk);
    EXPECT_EQ(r.output, src);
    EXPECT_EQ(dst[out.produced], 0xee);  // nothing beyond what it produced
    // Demand faults served from the host: every source page and the written destination pages.
    const uint64_t src_pages =
        ((addr(src.data()) + kLen - 1) / kPage) - (addr(src.data()) / kPage) + 1;
    EXPECT_GE(tb.counter("host.page_faults.io") - faults_before, src_pages + 1);
    for (uint64_t off = 0; off < kLen; off += kPage) {
      const Vma* vma = a.find_vma(addr(src.data()) + off);
      ASSERT_NE(vma, nullptr);
      EXPECT_EQ(vma->kind, VmaKind::kHostMirror);
      EXPECT_TRUE(a.translate(addr(src.data()) + off).has_value());
    }
    ASSERT_NE(k.dma_oracle(), nullptr);
    EXPECT_GT(k.dma_oracle()->accesses(), 0u);
    EXPECT_EQ(k.dma_oracle()->violations(), 0u);

    // The CPU path: a store through the simulated thread reaches the host; a load of an address
    // the host has not mapped is the simulated process's SIGSEGV.
    uint64_t word = 0;
    const uint64_t value = 0x1122334455667788ull;
    ta.store(addr(&word), &value, sizeof value);
    EXPECT_EQ(word, value);
    uint64_t back = 0;
    ta.load(addr(src.data()) + 8, &back, sizeof back);
    EXPECT_EQ(std::memcmp(&back, src.data() + 8, 8), 0);
    try {
      ta.load(Process::kMmapBase + (1ull << 39), &back, sizeof back);  // the reserved window
      ADD_FAILURE() << "no signal";
    } catch (const SimulatedSignal& s) {
      EXPECT_EQ(s.signo, SIGSEGV);
    }

    // The program unmaps dst; the exec layer tells the kernel. A PROT_NONE placeholder keeps
    // the host from reusing the addresses while the test runs.
    RecordingNotifier rec;
    k.register_mm_notifier(a, &rec);
    const std::vector<uint64_t> dst_frames = [&] {
      std::vector<uint64_t> f;
      for (uint64_t off = 0; off < kCap; off += kPage) {
        if (auto pa = a.translate(addr(dst) + off)) f.push_back(*pa);
      }
      return f;
    }();
    ASSERT_FALSE(dst_frames.empty());
    ASSERT_EQ(munmap(dst, kCap), 0);
    ASSERT_EQ(mmap(dst, kCap, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
              static_cast<void*>(dst));
    const uint64_t iotlb_before = tb.counter("smmu.iotlb.invalidated");
    const uint64_t atc_before = tb.counter("qm.ats.atc.invalidated");
    const sc_core::sc_time t_unmap = sc_core::sc_time_stamp();
    CpuContext cpu;
    EXPECT_EQ(k.host_range_changed(a, cpu, addr(dst), kCap), dst_frames.size());
    // The notifiers were told, about dst's pages only.
    ASSERT_FALSE(rec.ranges.empty());
    for (const auto& [start, length] : rec.ranges) {
      EXPECT_GE(start, addr(dst));
      EXPECT_LE(start + length, addr(dst) + kCap);
    }
    EXPECT_GT(tb.counter("smmu.iotlb.invalidated"), iotlb_before);
    if (ats) {
      EXPECT_GT(tb.counter("qm.ats.atc.invalidated"), atc_before);
    }
    EXPECT_EQ(a.find_vma(addr(dst)), nullptr);
    EXPECT_FALSE(a.translate(addr(dst)).has_value());
    for (uint64_t f : dst_frames) {
      EXPECT_FALSE(tb.memory().is_host_aliased(f)) << f;
      EXPECT_TRUE(tb.frames().is_free(f)) << f;
    }
    EXPECT_NE(tb.trace_time("host.kernel host_range_changed pid=100"), sc_core::SC_ZERO_TIME);
    k.unregister_mm_notifier(a, &rec);

    // The next request's destination faults and cannot be fixed: the ZIP's write-fault status.
    ASSERT_EQ(qa.send(addr(src.data()), kLen, addr(dst), kCap, 2), 0);
    ASSERT_EQ(qa.wait(&out, kWaitLong), 0);
    EXPECT_EQ(out.tag(), 2u);
    EXPECT_EQ(out.status(), kZipStatusDmaWriteFault);
    EXPECT_EQ(out.produced, 0u);
    if (ats) {
      EXPECT_EQ(tb.counter("qm.ats.prg_responses.invalid"), 1u);
    } else {
      EXPECT_EQ(tb.counter("smmu.stall.answers.abort"), 1u);
    }
    for (uint64_t f : dst_frames) EXPECT_EQ(tb.mem_log().count(f, kPage, t_unmap), 0u) << f;
    EXPECT_EQ(k.dma_oracle()->violations(), 0u);
    EXPECT_EQ(qa.close(), 0);
    k.exit_process(a, cpu, 0);
    EXPECT_EQ(tb.memory().aliased_pages(), 0u);  // the exit unmapped every mirrored page
  }));
  munmap(dst, kCap);
}

INSTANTIATE_TEST_SUITE_P(StallAndPri, HostMirrorDma, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? std::string("AtsPri") : std::string("Stall");
                         });

}  // namespace
}  // namespace wdsim
