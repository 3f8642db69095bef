// The topology builder: turns `system.devices` into accelerator functions. For each entry it
// builds the function's PCIe link, QM and engine (through the entry's AcceleratorKind), gives
// it a BAR window on the host bus and a port on the root port's fan-in, and after the kernel is
// up its QM driver, uacce device (and for zip the syscall path's device). Every index and
// address is computed here from the entry's position:
//   BAR           AddressMap::kQmBarBase + index * AddressMap::kQmBarStride
//   host window   index + 1 (window 0 is the SMMU's registers)
//   fan-in port   index (no fan-in when there is one device: its link goes straight to the
//                 root complex)
//   StreamID, MSI vectors: the entry's qm.stream_id / qm.msi_data (defaults index, 2 * index;
//                 conflicts were rejected when the scenario was loaded)
//   components    the kind's names for its first device ("qm", "zip", "pcie_link"), with the
//                 device's number within its kind appended for the others ("qm1", "zip1")
// It also keeps each function's per-SQE completion records ([qp][sqe slot], the last SQE
// completed in each slot), so a request's stage breakdown is exact with many requests in
// flight on many queues.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/accel/qm/qm.h"
#include "sim/base/sim_env.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/pcie/pcie_fan_in.h"
#include "sim/pcie/pcie_link.h"
#include "sim/system/program.h"
#include "sim/system/scenario.h"

namespace wdsim {

class CpuContext;
class DmaApi;
class HisiQmDriver;
class InterruptController;
class Kernel;
class RootComplex;
class Smmu;
class SmmuDriver;
class UacceDevice;
class ZipSyncDevice;

// The physical address map (DRAM starts at 0).
struct AddressMap {
  static constexpr uint64_t kKernelReserved = 0x10'0000;       // first 1 MiB not allocated
  static constexpr uint64_t kSmmuRegs = 0x40'0000'0000ull;     // SMMU register pages
  static constexpr uint64_t kSmmuRegsSize = 0x2'0000ull;       // two 64 KiB pages
  static constexpr uint64_t kQmBarBase = 0x50'0000'0000ull;    // device 0's QM BAR
  static constexpr uint64_t kQmBarStride = 0x1'0000'0000ull;   // 4 GiB apart
  static constexpr uint64_t kQmBarSize = 0x1'0000ull;          // V2 without db isolation
  static constexpr uint64_t kMsiDoorbell = 0x60'0000'0000ull;  // interrupt controller
  static constexpr uint64_t kMsiDoorbellSize = 0x1000ull;
};

struct AcceleratorFunction {
  const DeviceSpec* spec = nullptr;
  const AcceleratorKind* kind = nullptr;
  uint32_t number_in_kind = 0;
  uint64_t bar_pa = 0;
  std::unique_ptr<PcieLink> link;
  std::unique_ptr<Qm> qm;
  std::unique_ptr<EngineInstance> engine;
  std::unique_ptr<HisiQmDriver> driver;
  std::unique_ptr<UacceDevice> uacce;
  std::unique_ptr<ZipSyncDevice> zip_sync;
  std::vector<std::vector<SqeRecord>> records;  // [qp][sqe slot]
  std::vector<std::vector<bool>> record_valid;
  DeviceView view;
};

class Topology {
 public:
  Topology(const SystemParams& params, SimEnv& env);
  ~Topology();

  // Host bus windows: the SMMU's registers, then one BAR per function.
  std::vector<HostBus::WindowSpec> host_windows() const;
  // Binds each function's link upstream (to the root complex, through a fan-in when there
  // are several), its BAR window on the bus, and ATS endpoints to the SMMU.
  void bind(RootComplex& rc, HostBus& bus, Smmu& smmu);
  // StreamIDs of the ATS endpoints (for the SMMU driver's STEs).
  std::vector<uint32_t> ats_stream_ids() const;
  // The kernel side: one QM driver and uacce device per function (+ the syscall device).
  void build_drivers(Kernel& kernel, DmaApi& dma, InterruptController& gic, SmmuDriver& smmu);
  // Boot: attach each function to the kernel's DMA domain, probe its QM driver.
  void probe(CpuContext& boot, SmmuDriver& smmu, DmaApi& dma, uint16_t dma_asid);

  std::vector<std::unique_ptr<AcceleratorFunction>>& functions() { return functions_; }
  const std::vector<DeviceView>& views() const { return views_; }
  const AcceleratorFunction* find(const std::string& name) const;

 private:
  const SystemParams& params_;
  SimEnv& env_;
  std::vector<std::unique_ptr<AcceleratorFunction>> functions_;
  std::unique_ptr<PcieFanIn> fan_in_;
  std::vector<DeviceView> views_;
};

}  // namespace wdsim
