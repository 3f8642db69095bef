// The DMA ownership oracle. Unit level: physical memory, the frame allocator, processes and a
// device initiator issuing DMA with IoAttrs straight at memory (as the SMMU forwards it), with
// bindings set by hand: own frame clean, another process's frame / a freed frame / a PASID after
// unbind are violations with the right record, a DUS ring is lent to its process only, accesses
// without IoAttrs (the SMMU's own) are not checked. System level: the kernel's oracle with a real
// SMMU and SMMU driver (sva_bind/sva_unbind feed it); a stale SMMU TLB after a munmap that skips
// the mmu_notifier lets the device write a freed and then reused frame, and the oracle says so.
#include "sim/cpu_host/kernel/dma_oracle.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sim/base/tlm_access.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/iommu/smmu.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;

constexpr uint64_t kPage = 4096;
constexpr uint64_t kFramesBase = 1 << 20;
constexpr uint32_t kSid = 0;

DramParams dram() {
  DramParams p = default_params<DramParams>();
  p.size_bytes = 64ull << 20;
  return p;
}

// An initiator whose thread runs `body` (TLM accesses need a running simulation).
struct Device : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Device> socket{"socket"};
  std::function<void()> body;
  SC_HAS_PROCESS(Device);
  explicit Device(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(main); }
  void main() {
    if (body) body();
  }
  // One device access; nullopt pasid = without PASID. Returns the response status.
  tlm::tlm_response_status dma(std::optional<uint32_t> pasid, uint64_t addr, size_t len,
                               bool write) {
    std::vector<uint8_t> buf(len, 0xab);
    IoAttrs a;
    a.stream_id = kSid;
    a.pasid_valid = pasid.has_value();
    a.pasid = pasid.value_or(0);
    a.requester_tag = 77;
    sc_time t;
    auto s = tlm_access(socket, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr,
                        buf.data(), len, t, &a);
    sc_core::wait(t);
    return s;
  }
};

// Memory, frames, an oracle on the memory, and a device in front of it.
struct Bench {
  SimEnv env;
  std::unique_ptr<PhysicalMemory> mem;
  FrameAllocator frames{kFramesBase, dram().size_bytes - kFramesBase};
  std::unique_ptr<DmaOracle> oracle;
  std::unique_ptr<Device> dev;
  explicit Bench(size_t max_records = DmaOracle::kDefaultMaxRecords) {
    testing::fresh_sc_context();
    mem = std::make_unique<PhysicalMemory>("mem", dram(), env);
    oracle = std::make_unique<DmaOracle>(frames, env.stats(), max_records);
    mem->set_device_access_observer(oracle.get());
    dev = std::make_unique<Device>("dev");
    dev->socket.bind(mem->socket);
  }
  ~Bench() {
    dev.reset();
    mem.reset();
  }
  void run(std::function<void()> body) {
    dev->body = std::move(body);
    sc_core::sc_start();
  }
  uint64_t counter(const std::string& k) {
    const Counter* c = env.stats().find_counter(k);
    return c ? c->value() : 0;
  }
};

TEST(FrameOwnership, AllocationOwnsFreeingFreesAndLendingIsCounted) {
  FrameAllocator a(kFramesBase, 16 * kPage);
  EXPECT_EQ(a.owner(kFramesBase), kFrameFree);
  EXPECT_EQ(a.owner(0), kFrameKernel);  // below the allocator: the kernel's reserved memory
  const uint64_t k = a.alloc();
  const uint64_t p = a.alloc_aligned(2, 2 * kPage, 100);
  EXPECT_EQ(a.owner(k), kFrameKernel);
  EXPECT_EQ(a.owner(p), 100);
  EXPECT_EQ(a.owner(p + kPage + 12), 100);
  a.lend(k, 100);
  a.lend(k, 100);
  EXPECT_EQ(a.info(k).lent_to, 100);
  a.unlend(k, 101);  // not lent to 101: no effect
  a.unlend(k, 100);
  EXPECT_EQ(a.info(k).lent_to, 100);  // one of two mappings left
  a.unlend(k, 100);
  EXPECT_EQ(a.info(k).lent_to, kNotLent);
  a.lend(k, 100);
  a.free(k);
  EXPECT_EQ(a.owner(k), kFrameFree);
  EXPECT_EQ(a.info(k).lent_to, kNotLent);
  a.free_contiguous(p, 2);
  EXPECT_EQ(a.owner(p + kPage), kFrameFree);
  EXPECT_EQ(a.alloc(7), kFramesBase);  // the lowest frame again, now pid 7's
  EXPECT_EQ(a.owner(kFramesBase), 7);
}

TEST(DmaOracle, OwnFrameIsCleanAnotherProcesssFrameIsAViolationNamingBoth) {
  Bench b;
  Process p1(100, *b.mem, b.frames), p2(101, *b.mem, b.frames);
  const uint64_t pa1 = *p1.translate(p1.mmap_anonymous(kPage));
  const uint64_t pa2 = *p2.translate(p2.mmap_anonymous(kPage));
  EXPECT_EQ(b.frames.owner(pa1), 100);
  EXPECT_EQ(b.frames.owner(pa2), 101);
  EXPECT_EQ(b.frames.owner(p1.page_table().root_pa()), kFrameKernel);
  b.oracle->bind(kSid, 1, 100);
  b.oracle->bind(kSid, 2, 101);
  b.run([&] {
    EXPECT_EQ(b.dev->dma(1, pa1 + 64, 256, true), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(b.dev->dma(2, pa2, kPage, false), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(b.dev->dma(std::nullopt, pa2, 64, true), tlm::TLM_OK_RESPONSE);  // DMA domain
    EXPECT_EQ(b.oracle->violations(), 0u);
    // The oracle observes; the access itself still happens.
    EXPECT_EQ(b.dev->dma(1, pa2 + 8, 16, false), tlm::TLM_OK_RESPONSE);
  });
  EXPECT_EQ(b.oracle->accesses(), 4u);
  EXPECT_EQ(b.oracle->violations(), 1u);
  EXPECT_EQ(b.oracle->violations(DmaViolationKind::kForeignFrame), 1u);
  EXPECT_EQ(b.counter("host.dma_oracle.violations"), 1u);
  EXPECT_EQ(b.counter("host.dma_oracle.foreign_frame"), 1u);
  ASSERT_EQ(b.oracle->records().size(), 1u);
  const DmaViolation& v = b.oracle->records()[0];
  EXPECT_EQ(v.kind, DmaViolationKind::kForeignFrame);
  EXPECT_EQ(v.pid, 100);    // who the DMA was for
  EXPECT_EQ(v.owner, 101);  // whose frame it touched
  EXPECT_EQ(v.pa, pa2 + 8);
  EXPECT_EQ(v.len, 16u);
  EXPECT_FALSE(v.write);
  EXPECT_TRUE(v.pasid_valid);
  EXPECT_EQ(v.pasid, 1u);
  EXPECT_EQ(v.sid, kSid);
  EXPECT_EQ(v.requester_tag, 77u);
  EXPECT_GT(v.time_ps, 0u);
  EXPECT_NE(describe(v).find("foreign_frame"), std::string::npos) << describe(v);
  EXPECT_NE(describe(v).find("owner pid 101"), std::string::npos) << describe(v);
}

TEST(DmaOracle, AFreedFrameIsAViolationWithOrWithoutPasidAndItsReuseIsForeign) {
  Bench b;
  Process p1(100, *b.mem, b.frames), p2(101, *b.mem, b.frames);
  const uint64_t va1 = p1.mmap_anonymous(kPage);
  const uint64_t pa = *p1.translate(va1);
  b.oracle->bind(kSid, 1, 100);
  b.run([&] {
    ASSERT_TRUE(p1.munmap(va1, kPage));
    EXPECT_EQ(b.frames.owner(pa), kFrameFree);
    b.dev->dma(1, pa, 8, true);             // munmap under an in-flight request
    b.dev->dma(std::nullopt, pa, 8, true);  // kernel DMA into a freed bounce page
    // Another process gets the frame (lowest first): the stale write is now foreign.
    const uint64_t va2 = p2.mmap_anonymous(kPage);
    ASSERT_EQ(p2.translate(va2), pa);
    b.dev->dma(1, pa, 8, true);
  });
  EXPECT_EQ(b.oracle->violations(DmaViolationKind::kFreeFrame), 2u);
  EXPECT_EQ(b.oracle->violations(DmaViolationKind::kForeignFrame), 1u);
  EXPECT_EQ(b.oracle->violations(), 3u);
  ASSERT_EQ(b.oracle->records().size(), 3u);
  EXPECT_EQ(b.oracle->records()[0].owner, kFrameFree);
  EXPECT_EQ(b.oracle->records()[0].pid, 100);
  EXPECT_TRUE(b.oracle->records()[0].write);
  EXPECT_FALSE(b.oracle->records()[1].pasid_valid);
  EXPECT_EQ(b.oracle->records()[1].pid, kNoPid);
  EXPECT_EQ(b.oracle->records()[2].owner, 101);
}

TEST(DmaOracle, ADusRingIsLentToItsProcessOnlyAndOnlyWhileMapped) {
  Bench b;
  Process p1(100, *b.mem, b.frames), p2(101, *b.mem, b.frames);
  const uint64_t ring = b.frames.alloc_contiguous(2);  // kernel memory (dma_alloc_coherent)
  const uint64_t plain = b.frames.alloc();             // kernel memory nobody mapped
  const uint64_t va = p1.mmap_physical({ring, ring + kPage}, VmaKind::kDeviceDus, 3, true);
  EXPECT_EQ(b.frames.owner(ring), kFrameKernel);
  EXPECT_EQ(b.frames.info(ring + kPage).lent_to, 100);
  b.oracle->bind(kSid, 1, 100);
  b.oracle->bind(kSid, 2, 101);
  b.run([&] {
    b.dev->dma(1, ring + kPage - 16, 32, true);  // a CQE across both ring pages, for P1
    b.dev->dma(std::nullopt, ring, 64, true);    // the QM's own ring traffic: kernel memory
    EXPECT_EQ(b.oracle->violations(), 0u);
    b.dev->dma(2, ring, 16, true);   // P2's PASID into P1's ring
    b.dev->dma(1, plain, 16, true);  // P1's PASID into kernel memory not lent to it
    ASSERT_TRUE(p1.munmap(va, 2 * kPage));
    b.dev->dma(1, ring, 16, true);  // unmapped: no longer lent
  });
  EXPECT_EQ(b.oracle->accesses(), 2u + 1u + 1u + 1u + 1u);  // the CQE touched two frames
  EXPECT_EQ(b.oracle->violations(DmaViolationKind::kForeignFrame), 3u);
  ASSERT_EQ(b.oracle->records().size(), 3u);
  EXPECT_EQ(b.oracle->records()[0].owner, kFrameKernel);
  EXPECT_EQ(b.oracle->records()[0].lent_to, 100);
  EXPECT_EQ(b.oracle->records()[0].pid, 101);
  EXPECT_EQ(b.oracle->records()[1].lent_to, kNotLent);
  EXPECT_EQ(b.oracle->records()[2].lent_to, kNotLent);
}

TEST(DmaOracle, APasidTaggedAccessAfterUnbindOrNeverBoundIsAfterUnbind) {
  Bench b;
  Process p1(100, *b.mem, b.frames), p2(101, *b.mem, b.frames);
  const uint64_t pa1 = *p1.translate(p1.mmap_anonymous(kPage));
  b.oracle->bind(kSid, 1, 100);
  EXPECT_EQ(b.oracle->bound_pid(kSid, 1), 100);
  b.run([&] {
    b.dev->dma(1, pa1, 8, true);  // clean
    b.oracle->unbind(kSid, 1);
    b.dev->dma(1, pa1, 8, true);   // its own (still allocated) frame, but after unbind
    b.dev->dma(7, pa1, 8, false);  // a PASID never bound
    b.oracle->bind(kSid, 1, 101);  // the PASID reused by another process
    b.dev->dma(1, pa1, 8, true);   // a stale request of P1 with it: foreign
  });
  EXPECT_FALSE(b.oracle->bound_pid(kSid, 7));
  EXPECT_EQ(b.oracle->violations(DmaViolationKind::kAfterUnbind), 2u);
  EXPECT_EQ(b.oracle->violations(DmaViolationKind::kForeignFrame), 1u);
  ASSERT_EQ(b.oracle->records().size(), 3u);
  EXPECT_EQ(b.oracle->records()[0].kind, DmaViolationKind::kAfterUnbind);
  EXPECT_EQ(b.oracle->records()[0].pid, kNoPid);
  EXPECT_EQ(b.oracle->records()[0].last_pid, 100);
  EXPECT_EQ(b.oracle->records()[0].owner, 100);
  EXPECT_EQ(b.oracle->records()[1].last_pid, kNoPid);
  EXPECT_NE(describe(b.oracle->records()[1]).find("never bound"), std::string::npos);
  EXPECT_EQ(b.oracle->records()[2].pid, 101);
  EXPECT_EQ(b.counter("host.dma_oracle.after_unbind"), 2u);
}

TEST(DmaOracle, OnlyDeviceAccessesAreCheckedPerFrameAndRecordsAreCapped) {
  Bench b(/*max_records=*/2);
  const uint64_t pa = b.frames.alloc_contiguous(2, 100);  // two frames of pid 100, then free ones
  const uint64_t free_frame = pa + 8 * kPage;
  ASSERT_EQ(b.frames.owner(pa + 2 * kPage), kFrameFree);
  ASSERT_EQ(b.frames.owner(free_frame), kFrameFree);
  b.oracle->bind(kSid, 1, 100);
  b.run([&] {
    // Without IoAttrs (the SMMU's table walks, queues, MSIs): not a device access.
    uint64_t v = 0;
    sc_time t;
    tlm_access(b.dev->socket, tlm::TLM_READ_COMMAND, free_frame, &v, sizeof v, t);
    EXPECT_EQ(b.oracle->accesses(), 0u);
    // 3 frames: two own, one beyond (free): one violation for the third frame only.
    b.dev->dma(1, pa + 100, 2 * kPage, true);
    for (int i = 0; i < 3; ++i) b.dev->dma(std::nullopt, free_frame, 4, false);
  });
  EXPECT_EQ(b.oracle->accesses(), 3u + 3u);
  EXPECT_EQ(b.oracle->violations(), 1u + 3u);
  ASSERT_EQ(b.oracle->records().size(), 2u);  // capped; the counters count all
  EXPECT_EQ(b.oracle->records()[0].pa, pa + 2 * kPage);
  EXPECT_EQ(b.oracle->records()[0].len, 100u);
}

// ---- The kernel's oracle with a real SMMU and SMMU driver ------------------------------------

constexpr uint64_t kSmmuRegs = 0x40'0000'0000ull;
constexpr uint16_t kDmaAsid = 1;

class SvaSystem : public sc_core::sc_module {
 public:
  using Body = std::function<void(SvaSystem&, CpuContext&)>;
  SvaSystem(sc_core::sc_module_name name, SimEnv& env, bool oracle, Body body)
      : sc_module(name), body_(std::move(body)) {
    memory_ = std::make_unique<PhysicalMemory>("memory", dram(), env);
    frames_ = std::make_unique<FrameAllocator>(kFramesBase, dram().size_bytes - kFramesBase);
    smmu_ = std::make_unique<Smmu>("smmu", default_params<SmmuParams>(), env);
    bus_ = std::make_unique<HostBus>(
        "host_bus", default_params<HostBusParams>(),
        std::vector<HostBus::WindowSpec>{{"smmu_regs", kSmmuRegs, 0x20000, true}});
    HostCostParams costs = default_params<HostCostParams>();
    costs.dma_oracle = oracle;
    kernel_ = std::make_unique<Kernel>("kernel", costs, *memory_, *frames_, env);
    device_ = std::make_unique<Device>("device");
    smmu_->mem.bind(memory_->socket);
    device_->socket.bind(smmu_->upstream);
    kernel_->mmio.bind(bus_->cpu);
    bus_->window(0).bind(smmu_->regs);
    SmmuDriverConfig sc;
    sc.regs_pa = kSmmuRegs;
    smmu_drv_ = std::make_unique<SmmuDriver>(*kernel_, sc);
    dma_ = std::make_unique<DmaApi>(*kernel_, *smmu_drv_, kDmaAsid);
    device_->body = [this] {
      CpuContext cpu;
      smmu_drv_->probe(cpu);
      smmu_drv_->attach_device(cpu, kSid, dma_->domain(), kDmaAsid);
      body_(*this, cpu);
    };
  }
  Kernel& kernel() { return *kernel_; }
  SmmuDriver& smmu_drv() { return *smmu_drv_; }
  Device& device() { return *device_; }
  const Smmu& smmu() const { return *smmu_; }

 private:
  Body body_;
  std::unique_ptr<PhysicalMemory> memory_;
  std::unique_ptr<FrameAllocator> frames_;
  std::unique_ptr<Smmu> smmu_;
  std::unique_ptr<HostBus> bus_;
  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<SmmuDriver> smmu_drv_;
  std::unique_ptr<DmaApi> dma_;
};

void run_sva(SimEnv& env, bool oracle, SvaSystem::Body body) {
  testing::fresh_sc_context();
  {
    auto s = std::make_unique<SvaSystem>("sys", env, oracle, std::move(body));
    sc_core::sc_start();
  }
  testing::fresh_sc_context();
}

TEST(DmaOracleSystem, BindsComeFromTheDriverAndAStaleTlbAfterAnUnnotifiedMunmapIsCaught) {
  SimEnv env;
  bool ran = false;
  run_sva(env, true, [&](SvaSystem& s, CpuContext& cpu) {
    Kernel& k = s.kernel();
    DmaOracle* oracle = k.dma_oracle();
    ASSERT_NE(oracle, nullptr);
    Process& p1 = k.create_process();
    Process& p2 = k.create_process();
    const uint32_t pasid1 = s.smmu_drv().sva_bind(cpu, kSid, p1);
    const uint32_t pasid2 = s.smmu_drv().sva_bind(cpu, kSid, p2);
    EXPECT_EQ(oracle->bound_pid(kSid, pasid1), p1.pid());
    EXPECT_EQ(oracle->bound_pid(kSid, pasid2), p2.pid());
    const uint64_t buf = p1.mmap_anonymous(kPage);
    // Clean: P1's device writes P1's buffer; P2's PASID cannot even reach it (the SMMU faults).
    EXPECT_EQ(s.device().dma(pasid1, buf, 64, true), tlm::TLM_OK_RESPONSE);
    EXPECT_NE(s.device().dma(pasid2, buf, 64, true), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(oracle->accesses(), 1u);
    EXPECT_EQ(oracle->violations(), 0u);
    // munmap through the kernel: the mmu_notifier invalidates the SMMU's TLBs first.
    ASSERT_EQ(k.sys_munmap(p1, cpu, buf, kPage), 0);
    EXPECT_NE(s.device().dma(pasid1, buf, 64, true), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(oracle->violations(), 0u);
    // A kernel bug: unmap and free without telling the SMMU. The stale TLB entry lets the
    // device write the freed frame, then the frame P2 got next.
    const uint64_t buf2 = p1.mmap_anonymous(kPage);
    const uint64_t pa = *p1.translate(buf2);
    EXPECT_EQ(s.device().dma(pasid1, buf2, 64, true), tlm::TLM_OK_RESPONSE);
    ASSERT_TRUE(p1.munmap(buf2, kPage));
    EXPECT_EQ(s.device().dma(pasid1, buf2, 64, true), tlm::TLM_OK_RESPONSE);
    const uint64_t buf3 = p2.mmap_anonymous(kPage);
    ASSERT_EQ(p2.translate(buf3), pa);
    EXPECT_EQ(s.device().dma(pasid1, buf2 + 128, 8, false), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(oracle->violations(DmaViolationKind::kFreeFrame), 1u);
    EXPECT_EQ(oracle->violations(DmaViolationKind::kForeignFrame), 1u);
    ASSERT_EQ(oracle->records().size(), 2u);
    EXPECT_EQ(oracle->records()[0].pa, pa);
    EXPECT_EQ(oracle->records()[1].pid, p1.pid());
    EXPECT_EQ(oracle->records()[1].owner, p2.pid());
    // Unbind quiesces the CD and flushes the TLBs: the PASID reaches no memory any more.
    s.smmu_drv().sva_unbind(cpu, kSid, pasid1);
    EXPECT_FALSE(oracle->bound_pid(kSid, pasid1));
    EXPECT_NE(s.device().dma(pasid1, buf2, 8, true), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(oracle->violations(), 2u);
    ran = true;
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(env.stats().find_counter("host.dma_oracle.violations")->value(), 2u);
}

TEST(DmaOracleSystem, SwitchedOffThereIsNoOracleAndNoStats) {
  SimEnv env;
  bool ran = false;
  run_sva(env, false, [&](SvaSystem& s, CpuContext& cpu) {
    EXPECT_EQ(s.kernel().dma_oracle(), nullptr);
    Process& p = s.kernel().create_process();
    const uint32_t pasid = s.smmu_drv().sva_bind(cpu, kSid, p);
    EXPECT_EQ(s.device().dma(pasid, p.mmap_anonymous(kPage), 8, true), tlm::TLM_OK_RESPONSE);
    ran = true;
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(env.stats().find_counter("host.dma_oracle.accesses"), nullptr);
}

}  // namespace
}  // namespace wdsim
