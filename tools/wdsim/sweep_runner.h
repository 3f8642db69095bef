// Runs a sweep: every point of a scenario's `sweep:` section as its own wdsim process
// (`wdsim run SCENARIO --no-sweep --set ...`), a few at a time, then gathers each point's
// figures into one table (stdout), sweep.csv, report.html and the sweep's host_speed.json (wall
// seconds, jobs, the points' summed host CPU seconds and simulated requests) with
// write_sweep_results (sweep_results.h), the code `wdsim gather` runs too. Separate processes
// are what SystemC needs (one elaboration per process) and what lets points run in parallel or
// on a cluster (sweep_cluster.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/system/scenario.h"

namespace wdsim {

struct SweepRequest {
  std::string scenario_path;
  std::vector<std::string> sets;  // the user's --set values, applied to every point
  uint64_t seed = 0;              // 0: the scenario's
  std::filesystem::path out_dir;
  unsigned jobs = 2;
};

// The command line of one point: `WDSIM run SCENARIO --no-sweep --out DIR [--seed S]`, the
// request's --set values, then the point's. Every way of running a point runs this.
std::vector<std::string> point_command(const SweepRequest& request, const std::string& wdsim,
                                       const std::string& scenario_path,
                                       const std::vector<std::string>& point,
                                       const std::string& dir);

// Loads every point (the scenario with the point's --set values) before anything is written
// or run: 0 when all load, else 2 with the first bad point named on stderr.
int validate_sweep(const Scenario& scenario, const SweepRequest& request);

// Runs the points (validated first) and gathers their figures. Returns the exit code: 0 when
// every point ran, 2 when a point found bad input, else 1 when some point failed.
int run_sweep(const Scenario& scenario, const SweepRequest& request);

}  // namespace wdsim
