// Accelerator kinds: what the topology builder needs to know of each `kind` a
// `system.devices` entry may name. Two shapes:
//  - a QM function (zip, sec): the kind declares its engine's parameters, builds the engine
//    and attaches it behind the function's QM, and names the function's uacce device, its
//    sysfs algorithms and its components; the kernel side is the QM driver and uacce;
//  - a whole device (nic): has_qm() is false; the kind declares the device's parameters
//    (under the entry's `<kind>:` key, there is no `qm:` key), builds the device model
//    (build_device: a DMA initiator and a BAR target the topology attaches to the fabric)
//    and its kernel driver (build_driver), and names its StreamID.
// Kinds register by name at static-initialisation time (accelerator_kinds.cc, nic_kind.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tlm>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/cpu_host/kernel/kernel_file.h"

namespace wdsim {

class CpuContext;
class DmaApi;
class HisiQmDriver;
class InterruptController;
class Kernel;
class Qm;
class QmEngine;
class SmmuDriver;

// A kind's engine parameters, declared under the device entry's `<kind>:` key.
class EngineParams {
 public:
  virtual ~EngineParams() = default;
  virtual void declare(ParamScope& s) = 0;
  // Whether the engine only models timing (data_mode: timing): its output bytes are not the
  // data, so programs do not verify them.
  virtual bool timing_only() const = 0;
  // A whole device's StreamID when its parameters name one (nullopt: the entry's position, as
  // for qm.stream_id).
  virtual std::optional<uint32_t> stream_id() const { return std::nullopt; }
};

// A built engine; owns whatever the kind made.
class EngineInstance {
 public:
  virtual ~EngineInstance() = default;
};

// A whole device (a kind without a QM), as the topology attaches it: `dma` goes up its PCIe
// function port, the BAR window (bar_size bytes) comes down to `mmio`.
class DeviceInstance {
 public:
  virtual ~DeviceInstance() = default;
  virtual tlm::tlm_initiator_socket<>& dma() = 0;
  virtual tlm::tlm_target_socket<>& mmio() = 0;
  virtual uint64_t bar_size() const = 0;
};

// What a whole device's kernel driver is given.
struct DeviceDriverContext {
  Kernel& kernel;
  InterruptController& gic;
  SmmuDriver& smmu;
  std::string name;        // the device entry's name: its /dev node
  uint64_t bar_pa = 0;     // the BAR's host physical address
  uint32_t stream_id = 0;  // at the SMMU
  uint64_t msi_address = 0;
  uint32_t msi_data = 0;  // its vectors: msi_data and msi_data + 1
};

// A whole device's kernel driver: probed at boot; programs reach it through dev_path().
class DeviceDriver {
 public:
  virtual ~DeviceDriver() = default;
  virtual void probe(CpuContext& cpu) = 0;
  virtual std::string dev_path() const = 0;
};

class AcceleratorKind {
 public:
  virtual ~AcceleratorKind() = default;
  virtual std::string name() const = 0;         // the scenario's `kind`: "zip"
  virtual std::string description() const = 0;  // for `wdsim describe`
  // The uacce device name is <uacce_prefix>-<n>, n counting the devices of this kind
  // ("hisi_zip-0"); the kernel QM driver's name (Linux's hisi_qm.dev_name).
  virtual std::string uacce_prefix() const = 0;
  virtual std::string driver_name() const = 0;
  // sysfs `algorithms` of the uacce device (what UADK's device discovery matches).
  virtual std::string algorithms() const = 0;
  // Component names (stats and trace prefixes) of the n-th device of this kind: n = 0 keeps
  // the names of the single-device system ("qm", "zip", "pcie_link"); others append n.
  virtual std::string qm_component() const = 0;
  virtual std::string engine_component() const = 0;
  virtual std::string link_component() const = 0;
  // Whether the function may be an ATS/PRI endpoint (system.devices[].qm.ats).
  virtual bool ats_capable() const = 0;
  // The kernel's syscall-path device for a function of this kind (the base path, numbered after
  // the first: /dev/zip_sync, /dev/zip_sync1, ...), or "" when the kind has none; and the
  // device itself, registered at `path` on the function's QM driver, its queues with SQC
  // priority `queue_priority` (system.devices[].kernel_queue_priority).
  virtual std::string syscall_device_path() const { return ""; }
  virtual std::unique_ptr<CharDevice> build_syscall_device(Kernel& kernel, HisiQmDriver& qm,
                                                           DmaApi& dma, const std::string& path,
                                                           uint8_t queue_priority) const {
    (void)kernel, (void)qm, (void)dma, (void)path, (void)queue_priority;
    return nullptr;
  }

  virtual std::unique_ptr<EngineParams> make_params() const = 0;
  // Builds the engine named `component` and attaches it to every queue type of `qm`.
  virtual std::unique_ptr<EngineInstance> build(const std::string& component,
                                                const EngineParams& params, SimEnv& env,
                                                Qm& qm) const = 0;

  // Whole devices (see the header comment). has_qm() false: qm_component() names the device's
  // own component (its stats and trace prefix), engine_component() is not used, the entry's
  // `<kind>.data_mode` does not exist (has_data_mode), and the two below build it.
  virtual bool has_qm() const { return true; }
  virtual bool has_data_mode() const { return true; }
  // The key (under the device entry) that gives the StreamID, for error messages.
  virtual std::string stream_id_key() const { return "qm.stream_id"; }
  // `component` names its stats and trace; `device` is the entry's name.
  virtual std::unique_ptr<DeviceInstance> build_device(const std::string& component,
                                                       const std::string& device,
                                                       const EngineParams& params,
                                                       uint32_t stream_id, SimEnv& env) const {
    (void)component, (void)device, (void)params, (void)stream_id, (void)env;
    return nullptr;
  }
  virtual std::unique_ptr<DeviceDriver> build_driver(const DeviceDriverContext& ctx,
                                                     const EngineParams& params) const {
    (void)ctx, (void)params;
    return nullptr;
  }
};

// Registers a kind (at static-initialisation time); returns true.
bool register_accelerator_kind(std::unique_ptr<AcceleratorKind> kind);
const AcceleratorKind* find_accelerator_kind(const std::string& name);
// Every kind, by name.
std::vector<const AcceleratorKind*> accelerator_kinds();

}  // namespace wdsim
