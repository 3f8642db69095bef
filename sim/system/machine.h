// The machine a scenario's `system:` describes, built and wired, without its processes: DRAM
// and the kernel's frame allocator, the SMMU, the root complex, the accelerator functions of
// `system.devices` (topology.h), the host bus (the SMMU's registers, then each function's BAR),
// the interrupt controller, the kernel, the cores and their scheduler, the SMMU driver (stall
// or PRI faults from system.host.iopf, a VM's stage 2 from system.host.vm, the ATS endpoints'
// StreamIDs), the DMA API and each function's drivers. boot() probes the drivers from a
// simulated thread. The system (system.h) runs the scenario's processes, threads and events on
// it; tests of the kernel's drivers with whole devices behind them use it alone.
// Not a model: the assembly of the models, the one place a scenario's blocks are bound together.
#pragma once

#include <cstdint>
#include <memory>

#include "sim/base/sim_env.h"
#include "sim/system/scenario.h"
#include "sim/system/topology.h"

namespace wdsim {

class CpuContext;
class CpuScheduler;
class DmaApi;
class FrameAllocator;
class HostBus;
class InterruptController;
class Kernel;
class PhysicalMemory;
class RootComplex;
class Smmu;
class SmmuDriver;

class Machine {
 public:
  // The ASID of the kernel's DMA domain (every function's STE points at it at boot).
  static constexpr uint16_t kDmaDomainAsid = 1;

  // Builds every block (they become children of the SystemC module under construction, if
  // any) and binds them. `params` must outlive the machine.
  Machine(const SystemParams& params, SimEnv& env);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Probes the SMMU driver, attaches each function to the kernel's DMA domain and probes its
  // QM driver. Runs in a simulated thread, on `cpu`.
  void boot(CpuContext& cpu);

  Kernel& kernel() { return *kernel_; }
  CpuScheduler& cores() { return *cores_; }
  Topology& topology() { return *topology_; }
  const Topology& topology() const { return *topology_; }
  Smmu& smmu() { return *smmu_; }
  SmmuDriver& smmu_driver() { return *smmu_drv_; }
  const SmmuDriver& smmu_driver() const { return *smmu_drv_; }
  DmaApi& dma() { return *dma_; }

 private:
  std::unique_ptr<PhysicalMemory> memory_;
  std::unique_ptr<FrameAllocator> frames_;
  std::unique_ptr<Smmu> smmu_;
  std::unique_ptr<RootComplex> rc_;
  std::unique_ptr<Topology> topology_;
  std::unique_ptr<HostBus> bus_;
  std::unique_ptr<InterruptController> gic_;
  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<CpuScheduler> cores_;
  std::unique_ptr<SmmuDriver> smmu_drv_;
  std::unique_ptr<DmaApi> dma_;
};

}  // namespace wdsim
