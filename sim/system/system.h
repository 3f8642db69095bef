// Builds one whole system from a scenario and runs it: the machine (machine.h: DRAM, the SMMU,
// the root complex, the accelerator functions of `system.devices` (topology.h: each a PCIe
// link, a QM and its engine, a kernel QM driver and a uacce device), the host bus, the
// interrupt controller, the host CPU cores and the kernel model with its drivers); then the
// scenario's processes, each with its own address space and UADK state, and their threads,
// each running a program kind (program.h) on the cores; and the `events` timeline (exit, kill,
// munmap, fork) at its simulated times. This layer is the only one that knows every block; it
// knows no program kind by name.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <systemc>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/system/program.h"
#include "sim/system/scenario.h"
#include "sim/system/topology.h"

namespace wdsim {

// What one process instance saw.
struct ProcessOutcome {
  std::string name;
  int pid = 0;
  std::string parent;  // for a forked child
  std::string end;     // "exited 0", "killed (SIGKILL)", "SIGSEGV at 0x...", "running"
  uint64_t requests_ok = 0;
  uint64_t requests_failed = 0;
  std::string first_error;  // the first failed request or signal, if any
  bool ended = false;       // the process exited or was killed
  int signal = 0;           // the signal that killed it (0: it exited)
  int exit_code = 0;        // its exit code, when it exited
};

// What the programs did with their outputs (output.verify).
struct OutputsChecked {
  std::string mode;  // all | sample | none
  uint64_t verified = 0;
  uint64_t skipped_timing_only = 0;  // made by a timing-only device
  uint64_t skipped_by_policy = 0;    // verify: sample / none
  std::vector<std::string> timing_only_devices;
};

struct RunOutcome {
  bool ok = false;
  std::string error;  // a simulation error (a mismatch, a hung request, a device error)
  RunReport report;   // the program kinds' tables; stats went to the SimEnv's registry
  std::vector<ProcessOutcome> processes;
  OutputsChecked outputs;
  // Host speed (host_speed.json; differs run to run, unlike every other output).
  double wall_seconds = 0;       // elaboration, simulation and teardown
  double host_cpu_seconds = 0;   // user + system CPU time of the same span (getrusage)
  double simulated_seconds = 0;  // simulated time when the simulation stopped
  uint64_t peak_rss_bytes = 0;   // the host process's peak resident set after the run
};

// Runs a scenario in a fresh SystemC context. Never throws for simulation errors (they are
// in RunOutcome::error); throws std::exception only for simulator bugs. The program kinds'
// stats are recorded into env.stats() before it returns. With output.requests, each measured
// request is written to `requests_csv` (if not null) as it completes (RequestLog, program.h).
RunOutcome run_system(const Scenario& scenario, SimEnv& env, std::ostream* requests_csv = nullptr);

// The scenario whose system `wdsim describe` lists the stats of: every default, with one
// device of every accelerator kind, in kind-name order (so each device gets its kind's first
// component names: qm, zip, pcie_link for zip; sec_qm, sec, sec_pcie_link for sec).
Scenario describe_system_scenario();
// Builds the scenario's system in a fresh SystemC context without simulating (no sc_start:
// the blocks register their stats into env.stats() as they are built), then takes it down
// again and leaves a fresh context.
void elaborate_system(const Scenario& scenario, SimEnv& env);
// Every stat the describe system registers when it is built, in key order. Stats a block
// registers only when something happens (a program kind's report, a rare event) are not in it.
std::vector<StatInfo> describe_stats();

// The run's tables: each program kind's, then what each process saw (when the scenario has
// several processes, events or failures).
std::string format_summary(const Scenario& scenario, const RunOutcome& outcome);
// The tables as JSON ({"tables": [{name, columns, rows}], "processes": [...]}), gathered by
// sweeps (summary.json).
std::string summary_json(const RunOutcome& outcome);
// The run's host speed as JSON (host_speed.json): host CPU and wall seconds, simulated
// requests (the program kinds' measured requests) and seconds, requests per host CPU second,
// peak RSS. Not deterministic: it measures the host.
std::string host_speed_json(const RunOutcome& outcome);

}  // namespace wdsim
