// A sweep's results from its finished points: the sweep table (stdout), sweep.csv, report.html
// and the sweep's host_speed.json, built from each point folder's summary.json, stats.json and
// host_speed.json. One function does it for every way the points ran: the local runner
// (`wdsim run`, sweep_runner.h) and `wdsim gather` after a cluster ran them (sweep_cluster.h),
// so both give the same files from the same points.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sim/system/scenario.h"

namespace wdsim {

// What the results need to know of a sweep, from its scenario (or from the manifest that
// `--emit` wrote): the scenario's name, each axis's key paths and each point's --set values.
struct SweepPlan {
  std::string name;
  std::vector<std::vector<std::string>> axis_keys;  // per axis, the key paths it sets
  std::vector<std::vector<std::string>> points;     // per point, its --set assignments
  unsigned jobs = 1;                                // points run at once
};

SweepPlan sweep_plan(const Scenario& scenario, unsigned jobs);

// "point-007": the folder of point 7 in the sweep's output folder.
std::string point_name(size_t index);

// How one point ended: its exit code, or why it is not known (never ran, still running,
// killed before it wrote its status).
struct PointResult {
  bool finished = false;
  int exit_code = 0;
  std::string missing_why;  // when !finished

  bool ok() const { return finished && exit_code == 0; }
};

// Prints the sweep table (a line per failed or missing point first) and writes sweep.csv,
// report.html and host_speed.json in `out_dir`. `wall_seconds` is the sweep's wall time.
void write_sweep_results(const SweepPlan& plan, const std::vector<PointResult>& results,
                         const std::filesystem::path& out_dir, double wall_seconds);

}  // namespace wdsim
