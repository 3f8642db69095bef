// The topology builder: turns `system.devices` and `system.pcie.switches` into accelerator
// functions and the PCIe fabric between them and the root complex. For each device entry it
// builds the function's PCIe attachment (its own link, or an IntegratedPort for an integrated
// endpoint), its PcieFunctionPort, QM and engine (through the entry's AcceleratorKind), gives
// it a BAR window on the host bus, and after the kernel is up its QM driver, uacce device (and
// for zip the syscall path's device). For each switch it builds the PcieSwitch and its upstream
// link (a switch with no device behind it carries nothing and is not built). Every index and
// address is computed here:
//   BAR           AddressMap::kQmBarBase + index * AddressMap::kQmBarStride
//   host window   index + 1 (window 0 is the SMMU's registers)
//   root ports    the one the scenario gives (attach.root_port, switches[].root_port), else
//                 the lowest one nothing else takes, in device order then switch order
//   attachments   what ends at the root complex: a device's own link to a root port, an
//                 integrated endpoint, a switch's upstream link; in device order, a switch at
//                 the position of its first device (switches with no device last)
//   fan-in port   the attachment's position (no fan-in when there is one attachment: it goes
//                 straight to the root complex). The default (every device on its own link)
//                 is fan-in port = device index.
//   host side     each attachment's downstream sources (the BAR windows of the devices behind
//                 it, and the ID router's port when one of them is an ATS endpoint) are merged
//                 by a fan-in "<attachment>_down" when there are several
//   ATS/PRI       an ATS endpoint's messages go through its function port and its path (links,
//                 switch) to the root complex's to_ats (Smmu::ats); the SMMU's messages to
//                 endpoints (ats_inv_pri) go to a PcieIdRouter that sends each down the
//                 attachment behind which its StreamID sits
//   StreamID, MSI vectors: the entry's qm.stream_id / qm.msi_data (defaults index, 2 * index;
//                 conflicts were rejected when the scenario was loaded)
//   components    the kind's names for its first device ("qm", "zip", "pcie_link"), with the
//                 device's number within its kind appended for the others ("qm1", "zip1")
// A whole device (a kind without a QM, e.g. nic) is attached the same way (its BAR window of
// the device's size, its StreamID from the kind's parameters) and gets the kind's own driver
// instead of a QM driver and uacce device.
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
#include "sim/cpu_host/kernel/kernel_file.h"
#include "sim/pcie/integrated_port.h"
#include "sim/pcie/pcie_fan_in.h"
#include "sim/pcie/pcie_function_port.h"
#include "sim/pcie/pcie_id_router.h"
#include "sim/pcie/pcie_link.h"
#include "sim/pcie/pcie_switch.h"
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
  std::unique_ptr<PcieLink> link;               // null for an integrated endpoint
  std::unique_ptr<IntegratedPort> integrated;   // only for an integrated endpoint
  std::unique_ptr<PcieFunctionPort> pcie_port;  // DMA + ATS up, MMIO + messages down
  std::unique_ptr<Qm> qm;                       // null for a whole device (kind without a QM)
  std::unique_ptr<EngineInstance> engine;       // null for a whole device
  std::unique_ptr<DeviceInstance> device;       // only for a whole device
  std::unique_ptr<DeviceDriver> device_driver;  // its kernel driver
  std::unique_ptr<HisiQmDriver> driver;
  std::unique_ptr<UacceDevice> uacce;
  std::unique_ptr<CharDevice> syscall_device;  // /dev/zip_sync, /dev/sec_sync (kinds that have one)
  std::vector<std::vector<SqeRecord>> records;  // [qp][sqe slot]
  std::vector<std::vector<bool>> record_valid;
  DeviceView view;
};

// One PCIe switch and its upstream link.
struct SwitchNode {
  const PcieSwitchSpec* spec = nullptr;
  std::unique_ptr<PcieSwitch> sw;
  std::unique_ptr<PcieLink> link;
  int parent = -1;              // the switch above (index into switches), -1: a root port
  std::vector<uint32_t> below;  // the functions behind it, through any switch below it
};

// What ends at the root complex (see the header comment).
struct Attachment {
  std::string name;                 // component-style name: "root_port0", "integrated1"
  uint32_t root_port = 0;           // for a link (not integrated)
  int function = -1;                // a device's own link / integrated port (index), or
  int switch_node = -1;             // a switch (index into switches)
  std::vector<uint32_t> below;      // indices of the functions behind it
  std::unique_ptr<PcieFanIn> down;  // merges the host-side sources when there are several
};

class Topology {
 public:
  Topology(const SystemParams& params, SimEnv& env);
  ~Topology();

  // Host bus windows: the SMMU's registers, then one BAR per function.
  std::vector<HostBus::WindowSpec> host_windows() const;
  // Binds the fabric: each function's port, link or integrated port, switches and their
  // links, the fan-in into the root complex, the host bus windows, and ATS/PRI message paths
  // (root complex <-> SMMU, ID router).
  void bind(RootComplex& rc, HostBus& bus, Smmu& smmu);
  // StreamIDs of the ATS endpoints (for the SMMU driver's STEs).
  std::vector<uint32_t> ats_stream_ids() const;
  // The kernel side: one QM driver and uacce device per QM function (+ the syscall device),
  // the kind's driver for a whole device.
  void build_drivers(Kernel& kernel, DmaApi& dma, InterruptController& gic, SmmuDriver& smmu);
  // Boot: attach each function to the kernel's DMA domain, probe its driver.
  void probe(CpuContext& boot, SmmuDriver& smmu, DmaApi& dma, uint16_t dma_asid);

  std::vector<std::unique_ptr<AcceleratorFunction>>& functions() { return functions_; }
  const std::vector<DeviceView>& views() const { return views_; }
  const std::vector<std::unique_ptr<SwitchNode>>& switches() const { return switches_; }
  const std::vector<Attachment>& attachments() const { return attachments_; }
  const AcceleratorFunction* find(const std::string& name) const;

 private:
  void build_attachments();
  int switch_index(const std::string& name) const;
  // Binds switch w's upstream link to it and everything below it to its downstream ports.
  void bind_switch(size_t w);

  const SystemParams& params_;
  SimEnv& env_;
  std::vector<std::unique_ptr<AcceleratorFunction>> functions_;
  std::vector<std::unique_ptr<SwitchNode>> switches_;
  std::vector<Attachment> attachments_;
  std::unique_ptr<PcieFanIn> fan_in_;
  std::unique_ptr<PcieIdRouter> id_router_;
  std::vector<DeviceView> views_;
};

}  // namespace wdsim
