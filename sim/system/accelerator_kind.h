// Accelerator kinds: what the topology builder needs to know of each `kind` a
// `system.devices` entry may name (today zip and sec; a NIC plugs in the same way). A kind
// declares its engine's parameters, builds the engine and attaches it behind the function's
// QM, and names the function's uacce device, its sysfs algorithms and its components. Kinds
// register by name at static-initialisation time (accelerator_kinds.cc).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"

namespace wdsim {

class Qm;
class QmEngine;

// A kind's engine parameters, declared under the device entry's `<kind>:` key.
class EngineParams {
 public:
  virtual ~EngineParams() = default;
  virtual void declare(ParamScope& s) = 0;
  // Whether the engine only models timing (data_mode: timing): its output bytes are not the
  // data, so programs do not verify them.
  virtual bool timing_only() const = 0;
};

// A built engine; owns whatever the kind made.
class EngineInstance {
 public:
  virtual ~EngineInstance() = default;
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
  // Whether the kernel offers the syscall path's compression device for it (/dev/zip_sync).
  virtual bool has_syscall_device() const = 0;

  virtual std::unique_ptr<EngineParams> make_params() const = 0;
  // Builds the engine named `component` and attaches it to every queue type of `qm`.
  virtual std::unique_ptr<EngineInstance> build(const std::string& component,
                                                const EngineParams& params, SimEnv& env,
                                                Qm& qm) const = 0;
};

// Registers a kind (at static-initialisation time); returns true.
bool register_accelerator_kind(std::unique_ptr<AcceleratorKind> kind);
const AcceleratorKind* find_accelerator_kind(const std::string& name);
// Every kind, by name.
std::vector<const AcceleratorKind*> accelerator_kinds();

}  // namespace wdsim
