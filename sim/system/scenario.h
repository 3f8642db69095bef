// A scenario: the parameters of every block of the system, the workload, and the outputs,
// loaded from a YAML file (+ --set overrides) with every key declared once in its block.
// An unknown key, a wrong type or an out-of-range value is a ConfigError naming
// file:line:column and the key path; nothing runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/hisi_qm_udrv.h"
#include "sim/accel/qm/qm.h"
#include "sim/accel/sec/sec_engine.h"
#include "sim/accel/zip/zip_engine.h"
#include "sim/base/config_tree.h"
#include "sim/base/params.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/physical_memory.h"
#include "sim/iommu/smmu_params.h"
#include "sim/pcie/pcie_link.h"
#include "sim/pcie/root_complex.h"

namespace wdsim {

// The optional second accelerator function: a QM (system.sec_qm) with the SEC engine behind it,
// on a PCIe link of its own, as uacce device hisi_sec2-0. Off by default.
struct SecFunctionParams {
  bool enabled;
  SecEngineParams engine;  // system.sec.<engine key>

  void declare(ParamScope& s);
};

// The blocks of one system, each under its own key of `system:`.
struct SystemParams {
  DramParams dram;
  HostBusParams host_bus;
  HostCostParams host;
  SmmuParams smmu;
  PcieLinkParams pcie;
  RootComplexParams root_complex;
  QmParams qm;
  ZipEngineParams zip;
  SecFunctionParams sec;
  QmParams sec_qm;
  rt::UserDriverCosts runtime;

  void declare(ParamScope& s);
};

// The workload. kind "compare": requests of each size over each path, one outstanding at a
// time. kind "batch": UADK async compression with several requests outstanding (depths) over
// one or several ctxs (queues). kind "crypto": UADK cipher/digest requests on the SEC function.
struct WorkloadParams {
  std::string kind;
  std::vector<uint64_t> depths;
  std::vector<uint64_t> queues;
  std::vector<std::string> crypto_algs;
  std::vector<std::string> crypto_modes;
  uint64_t async_depth;
  std::vector<std::string> paths;
  std::vector<uint64_t> sizes;
  uint64_t requests;
  std::string op;
  std::string format;
  std::string data;
  uint64_t footprint_bytes;
  std::string buffers;
  // The process's page size (process_page_size in sim/cpu_host/process.h): 4096, 16384 or
  // 65536 = that granule; 2097152 = 4K granule + 2 MiB huge pages for the workload buffers.
  uint64_t page_size;
  uint64_t warmup_requests;
  double poll_timeout_us;

  void declare(ParamScope& s);
};

struct OutputParams {
  bool trace;
  bool chrome_trace;
  void declare(ParamScope& s);
};

// One swept parameter: its key path and the values it takes (YAML flow text each, ready
// for --set key=value).
struct SweepAxis {
  std::string key;
  std::vector<std::string> values;
};

struct Scenario {
  std::string name;  // file basename without extension
  std::string file;
  std::vector<SweepAxis> sweep;  // empty: a single run
  uint64_t seed = 1;
  SystemParams system;
  WorkloadParams workload;
  OutputParams output;

  void declare(ParamScope& s);
};

// Loads a scenario; `sets` are "key.path=value" overrides; `seed_override` (if non-zero)
// replaces the scenario's seed. Throws ConfigError on bad input.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets,
                       uint64_t seed_override);
Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::vector<std::string>& sets);

// The points of a sweep: the cartesian product of the axes, first axis outermost, each as
// the --set assignments that make it.
std::vector<std::vector<std::string>> sweep_points(const std::vector<SweepAxis>& axes);

// Every parameter of every block (for `wdsim describe`).
std::vector<ParamSpec> describe_scenario();

}  // namespace wdsim
