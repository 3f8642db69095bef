// A scenario: the parameters of every block of the system, the accelerator functions
// (`system.devices`, one list entry each), the simulated processes and their threads
// (`processes`, each thread running one program kind with its own parameters), the events
// timeline (`events`) and the outputs, loaded from a YAML file (+ --set overrides) with every
// key declared once in its block. An unknown key, a wrong type, an out-of-range value or a
// conflict (two devices with one name or StreamID, an event naming no process) is a
// ConfigError naming file:line:column and the key path; nothing runs. Keys of the format
// before the system layer (`workload`, `system.qm`, `system.zip`, `system.sec`,
// `system.sec_qm`) are errors that say what replaced them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/accel/qm/qm.h"
#include "sim/base/config_tree.h"
#include "sim/base/params.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/physical_memory.h"
#include "sim/iommu/smmu_params.h"
#include "sim/pcie/integrated_port.h"
#include "sim/pcie/pcie_link.h"
#include "sim/pcie/pcie_switch.h"
#include "sim/pcie/root_complex.h"
#include "sim/system/accelerator_kind.h"
#include "sim/system/program.h"
#include "sim/system/runtime_cost_params.h"

namespace wdsim {

// Where a device attaches in the PCIe fabric (`system.devices[].attach`, docs/pcie.md): its own
// link to a root port (the default), its own link to a downstream port of a switch, or no link
// (a root-complex integrated endpoint).
struct PcieAttach {
  static constexpr uint32_t kMaxRootPorts = 64;
  bool integrated = false;
  std::optional<uint32_t> root_port;  // given; otherwise the topology picks a free one
  std::string switch_name;            // empty: not behind a switch
  uint32_t port = 0;                  // the switch's downstream port
  SourceLocation where;
};

// One entry of `system.pcie.switches`: a switch whose upstream link (`link`, defaults from
// system.pcie) ends at a root port, or at a downstream port of a switch listed before it.
struct PcieSwitchSpec {
  std::string name;
  std::optional<uint32_t> root_port;
  std::string parent;        // `switch`: the switch above it; empty: a root port
  uint32_t parent_port = 0;  // `port`: that switch's downstream port
  PcieSwitchParams params;
  PcieLinkParams link;
  SourceLocation where;
};

// One accelerator function of `system.devices`: a QM with the engine of its kind behind it,
// on a PCIe link of its own. Indices, StreamIDs, MSI vectors and BAR windows not given are
// computed by the topology builder from the entry's position (sim/system/topology.h).
struct DeviceSpec {
  uint32_t index = 0;  // position in system.devices
  std::string kind;    // an AcceleratorKind name: "zip", "sec"
  std::string name;    // the uacce device name: <kind prefix>-<n>, n counting that kind
  QmParams qm;
  PcieAttach attach;
  std::string evict_policy = "none";           // none | priority (docs/kernel_queues.md)
  uint32_t kernel_queue_priority = 0;          // SQC priority of the kernel's own queues
  std::string uacce_mode = "sva";              // sva | nosva (hisi_qm's uacce_mode)
  std::shared_ptr<const EngineParams> engine;  // the kind's engine parameters
  SourceLocation where;
};

// The blocks of one system, each under its own key of `system:`.
struct SystemParams {
  DramParams dram;
  HostBusParams host_bus;
  HostCostParams host;
  SmmuParams smmu;
  PcieLinkParams pcie;  // every device's link (and a switch's upstream link unless it says)
  IntegratedPortParams integrated;       // pcie.integrated: integrated endpoints
  std::vector<PcieSwitchSpec> switches;  // pcie.switches
  RootComplexParams root_complex;
  RuntimeCostParams runtime;        // the runtime's costs, .costs
  std::vector<DeviceSpec> devices;  // at least one; default one zip function

  void declare(ParamScope& s);
};

// One entry of a process's `threads`: `count` threads running one program kind.
struct ThreadSpec {
  std::string name;
  uint32_t count = 1;
  double start_us = 0;
  std::string program;  // a registered ProgramKind
  bool expect_errors = false;
  std::shared_ptr<const ProgramParams> params;  // under the program's own key
  SourceLocation where;
};

// One entry of `processes`: `count` processes alike, each with its own address space.
struct ProcessSpec {
  std::string name;
  uint32_t count = 1;
  uint64_t page_size = 4096;    // process_page_size() in sim/cpu_host/kernel/process.h
  uint32_t queue_priority = 0;  // SQC w13 priority of its device queues (0..15)
  std::vector<ThreadSpec> threads;
  SourceLocation where;
};

// One entry of `events`: an action at a simulated time.
struct EventSpec {
  double at_us = 0;
  std::string action;   // exit | kill | munmap | fork | evict | rebind
  std::string process;  // a process instance ("app", "app.3") or a whole entry ("app")
  std::string device;   // evict/rebind: a system.devices[].name; empty: every QM device
  std::string buffer;   // munmap: a buffer the target's program names ("dst", "src")
  int exit_code = 0;    // exit
  ProcessSpec child;    // fork: the child's name and threads
  SourceLocation where;
};

struct OutputParams {
  bool trace;
  bool chrome_trace;
  bool requests;          // requests.csv: one row per measured request
  std::string verify;     // all | sample | none (wdsim run --verify)
  uint64_t verify_every;  // sample: every n-th request of a program is verified
  void declare(ParamScope& s);
};

// The run's watchdogs: a run whose simulation passes either limit ends as a simulation error
// that names the limit and the simulated time reached (system.h, run_system).
struct RunParams {
  double max_sim_time_ms;   // simulated time
  double max_host_seconds;  // host wall-clock time
  void declare(ParamScope& s);
};

// One swept parameter: its key path and the values it takes (YAML flow text each, ready
// for --set key=value). Linked parameters share an axis: the key lists several paths
// separated by commas ("processes.0.threads.0.count, processes.1.threads.0.count") and each
// value is either one value for all of them or a list with one element per path.
// At most this many points in a sweep (the product of its axes' value counts): each point is
// loaded before any runs and runs as its own process.
inline constexpr size_t kMaxSweepPoints = 4096;

struct SweepAxis {
  std::string key;                                 // as written
  std::vector<std::string> values;                 // as written, flow text
  std::vector<std::string> keys;                   // the key paths it sets
  std::vector<std::vector<std::string>> settings;  // per value, one flow text per key path
};

struct Scenario {
  std::string name;  // file basename without extension
  std::string file;
  std::vector<SweepAxis> sweep;  // empty: a single run
  uint64_t seed = 1;
  SystemParams system;
  std::vector<ProcessSpec> processes;  // default: one process "app", one compare thread
  std::vector<EventSpec> events;
  OutputParams output;
  RunParams run;
  // Not from the file: the program `wdsim exec` runs (what `exec` entries without a program of
  // their own run).
  ExecCommand exec;

  void declare(ParamScope& s);
  // The instance names of a process entry: "app" for count 1, "app.0".."app.N-1" otherwise.
  static std::vector<std::string> instance_names(const ProcessSpec& p);
};

// Loads a scenario; `sets` are "key.path=value" overrides; `seed_override` (if non-zero)
// replaces the scenario's seed. Throws ConfigError on bad input.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets,
                       uint64_t seed_override);
Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::vector<std::string>& sets);

// The --set assignments that put every device of `s` in data mode `mode` ("real" or
// "timing"): system.devices.<i>.<kind>.data_mode=<mode> for each (wdsim run --data-mode).
std::vector<std::string> data_mode_sets(const Scenario& s, const std::string& mode);

// The `sweep:` section of a loaded tree (sweep.cc): each key must be a declared parameter;
// each point is checked later by loading the scenario with its --set values.
std::vector<SweepAxis> load_sweep(const ConfigTree& tree);

// A key path as `describe` names it: list indices become `[]` ("processes.0.count" ->
// "processes[].count", "system.devices.0.qm.ats" -> "system.devices[].qm.ats").
std::string describe_key_path(const std::string& key);

// The points of a sweep: the cartesian product of the axes, first axis outermost, each as
// the --set assignments that make it.
std::vector<std::vector<std::string>> sweep_points(const std::vector<SweepAxis>& axes);

// Every parameter of every block, device kind and program kind (for `wdsim describe`); list
// entries appear as `system.devices[].…`, `processes[].threads[].<program>.…`.
std::vector<ParamSpec> describe_scenario();

}  // namespace wdsim
