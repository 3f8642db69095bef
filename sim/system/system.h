// Builds one whole system from a scenario and runs its workload: DRAM, the SMMU, a PCIe
// link and root complex, a QM with the ZIP engine, the host bus, the interrupt controller
// and the kernel model with its drivers; then one simulated process that drives requests
// over the doorbell path (the WarpDrive runtime, SVA) and the syscall path (a kernel
// driver with DMA mapping), verifying every output with system zlib.
// This is the only place that knows every block.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>

#include "sim/base/sim_env.h"
#include "sim/system/scenario.h"
#include "sim/system/uadk_workload.h"

namespace wdsim {

// The physical address map (fixed; DRAM starts at 0).
struct AddressMap {
  static constexpr uint64_t kKernelReserved = 0x10'0000;      // first 1 MiB not allocated
  static constexpr uint64_t kSmmuRegs = 0x40'0000'0000ull;    // SMMU register pages
  static constexpr uint64_t kSmmuRegsSize = 0x2'0000ull;      // two 64 KiB pages
  static constexpr uint64_t kQmBar = 0x50'0000'0000ull;       // QM register/doorbell BAR
  static constexpr uint64_t kQmBarSize = 0x1'0000ull;         // V2 without db isolation
  static constexpr uint64_t kSecQmBar = 0x51'0000'0000ull;    // SEC function's QM BAR
  static constexpr uint64_t kMsiDoorbell = 0x60'0000'0000ull;  // interrupt controller
  static constexpr uint64_t kMsiDoorbellSize = 0x1000ull;
};

// One measured request.
struct RequestSample {
  std::string path;
  uint64_t size = 0;
  uint64_t output_size = 0;
  uint64_t latency_ps = 0;
  uint64_t cpu_ps = 0;
  std::vector<std::pair<std::string, uint64_t>> stages;  // in order; sums to latency_ps
};

struct RunOutcome {
  bool ok = false;
  std::string error;  // a simulation error (a mismatch, a hung request, a device error)
  std::vector<RequestSample> samples;  // workload.kind compare
  UadkResults uadk;                     // workload.kind batch / crypto
  double wall_seconds = 0;
};

// Runs a scenario in a fresh SystemC context. Never throws for simulation errors (they are
// in RunOutcome::error); throws std::exception only for simulator bugs.
RunOutcome run_system(const Scenario& scenario, SimEnv& env);

// compare: the comparison table (path, size, requests, mean/p50/p99 latency, CPU time per
// request) and the share of time per stage. batch: throughput and latency vs depth per queue
// count. crypto: latency and throughput per algorithm and size, sync vs async.
std::string format_summary(const Scenario& scenario, const RunOutcome& outcome);
// Per-request figures into the stats registry: compare workload.<path>.<size>.*; batch
// workload.batch.<size>.q<queues>.d<depth>.*; crypto workload.crypto.<alg>.<mode>.<size>.*.
void record_workload_stats(const RunOutcome& outcome, StatsRegistry& stats);

}  // namespace wdsim
