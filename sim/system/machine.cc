#include "sim/system/machine.h"

#include <algorithm>

#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/frame_allocator.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/cpu_host/physical_memory.h"
#include "sim/iommu/smmu.h"
#include "sim/pcie/root_complex.h"

namespace wdsim {

namespace {

constexpr uint64_t kStage2Block1G = 1ull << 30;
constexpr uint64_t kStage2Block2M = 1ull << 21;

}  // namespace

Machine::Machine(const SystemParams& p, SimEnv& env) {
  memory_ = std::make_unique<PhysicalMemory>("memory", p.dram, env);
  frames_ = std::make_unique<FrameAllocator>(AddressMap::kKernelReserved,
                                             p.dram.size_bytes - AddressMap::kKernelReserved);
  smmu_ = std::make_unique<Smmu>("smmu", p.smmu, env);
  rc_ = std::make_unique<RootComplex>("root_complex", p.root_complex, env);
  topology_ = std::make_unique<Topology>(p, env);
  bus_ = std::make_unique<HostBus>("host_bus", p.host_bus, topology_->host_windows());
  gic_ = std::make_unique<InterruptController>("gic", ns(p.host.irq_entry_ns), env);
  kernel_ = std::make_unique<Kernel>("kernel", p.host, *memory_, *frames_, env);
  cores_ = std::make_unique<CpuScheduler>(CpuScheduler::config_of(p.host), env.stats());

  smmu_->mem.bind(memory_->socket);
  smmu_->msi.bind(gic_->msi);
  rc_->to_iommu.bind(smmu_->upstream);
  rc_->to_msi.bind(gic_->msi);
  kernel_->mmio.bind(bus_->cpu);
  bus_->window(0).bind(smmu_->regs);
  topology_->bind(*rc_, *bus_, *smmu_);

  SmmuDriverConfig smmu_cfg;
  smmu_cfg.regs_pa = AddressMap::kSmmuRegs;
  smmu_cfg.sid_bits = static_cast<uint8_t>(std::min(p.smmu.sid_bits, SmmuDriver::kMaxSidBits));
  smmu_cfg.ssid_bits = static_cast<uint8_t>(std::min(p.smmu.ssid_bits, SmmuDriver::kMaxSsidBits));
  smmu_cfg.stall_faults = p.host.iopf == "stall";
  smmu_cfg.poll_timeout_us = p.host.smmu_poll_timeout_us;
  if (p.host.vm != "none") {
    smmu_cfg.vm_stage2_block = p.host.vm == "1g" ? kStage2Block1G : kStage2Block2M;
    smmu_cfg.vm_ipa_bytes = p.dram.size_bytes;
  }
  smmu_cfg.ats_stream_ids = topology_->ats_stream_ids();
  smmu_cfg.pri = p.host.iopf == "pri";
  smmu_drv_ = std::make_unique<SmmuDriver>(*kernel_, smmu_cfg);
  dma_ = std::make_unique<DmaApi>(*kernel_, *smmu_drv_, kDmaDomainAsid);
  topology_->build_drivers(*kernel_, *dma_, *gic_, *smmu_drv_);
}

Machine::~Machine() = default;

void Machine::boot(CpuContext& cpu) {
  smmu_drv_->probe(cpu, gic_.get());
  topology_->probe(cpu, *smmu_drv_, *dma_, kDmaDomainAsid);
}

}  // namespace wdsim
