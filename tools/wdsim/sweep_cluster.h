// Sweeps beyond one machine. Sweep points are independent processes, so a cluster scheduler
// can run them: `wdsim run SCENARIO --emit slurm|parallel OUT` validates every point, then
// writes, and runs nothing:
//   OUT/sweep.json           the manifest: the scenario (absolute path), its name, the --set
//                            values, the seed, the axes, every point's --set values, --jobs,
//                            the wdsim binary (absolute path) and the script written;
//   OUT/sweep.sbatch         (slurm) an sbatch job-array script, one point per array task, at
//                            most --jobs at once (%N in --array);
//   OUT/parallel_jobs.txt    (parallel) a GNU parallel job list, one point per line.
// Each point runs `wdsim run SCENARIO --no-sweep --out OUT/point-NNN ...` (point_command,
// sweep_runner.h) with its stdout and stderr in stdout.txt and stderr.txt of its folder, as the
// local runner does; the run writes status.json there (write_point_status) whatever its exit.
// `wdsim gather OUT` then builds the sweep table, sweep.csv, report.html and host_speed.json
// with the local runner's own code (write_sweep_results, sweep_results.h) and names each point
// that is missing or failed. OUT and the wdsim binary must be at the same paths on every node
// (a shared file system).
#pragma once

#include <filesystem>
#include <string>

#include "sim/system/scenario.h"
#include "tools/wdsim/sweep_runner.h"

namespace wdsim {

// Writes OUT/sweep.json and the script of `kind` ("slurm" or "parallel") in request.out_dir,
// a folder OutDir::prepare() accepted, and prints how to submit. Every point was validated
// (validate_sweep). 0, or 1 when a file cannot be written.
int emit_sweep(const Scenario& scenario, const SweepRequest& request, const std::string& kind);

// Gathers the points of a sweep that --emit wrote in `out_dir`. 0 when every point finished
// with exit 0; 1 when any is missing or failed (each named on stdout); 2 when `out_dir` is not
// an emitted sweep's folder (no folder, no or a malformed sweep.json).
int gather_sweep(const std::filesystem::path& out_dir);

// Seconds since the Unix epoch (host wall clock): status.json's start and end times.
double unix_seconds_now();

// Writes DIR/status.json of one point run: its exit code, the host it ran on and when it
// started and ended. Nothing when DIR is gone (a run that created it and discarded it).
void write_point_status(const std::filesystem::path& dir, int exit_code, double started_unix_s);

}  // namespace wdsim
