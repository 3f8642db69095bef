// `wdsim calibrate FIGURES.yaml`: runs the scenarios a calibration file names, reads each
// figure's stat from the run's stats.csv, and compares it with the published value: simulated /
// published, against the figure's band. Prints the table as Markdown (stdout) and, with
// --markdown FILE, writes it into FILE between the lines
//   <!-- calibration table: begin -->  and  <!-- calibration table: end -->
// (docs/calibration.md), so the table there is always the output of one command.
//
// The file (scenarios/calibration/figures.yaml):
//   figures:
//     - id: zip_depth_10              # unique; names the row
//       role: validation              # fit (used to set a parameter) | validation (never used)
//       what: "8 KiB zlib compress, 10 in flight, pre-touched output"
//       published: 1381.276           # as published
//       unit: MiB/s                   # the published unit
//       to_stat: 0.001048576          # published x to_stat = the stat's unit (GB/s)
//       source: "Linaro UADK docs/perf.rst ..."
//       scenario: zip_test_bind_api.yaml   # relative to the figures file
//       set: [processes.0.threads.0.batch.depths=[10]]   # --set values (optional)
//       stat: workload.batch.8192.q1.d10.input_gbps       # key in stats.csv ...
//       field: value                  # ... and field (default value; p50, mean, ...)
//       band: 0.25                    # in band when |ratio - 1| <= band
//       expect: in_band               # in_band | known_miss (then `why:` says why)
// Each distinct (scenario, set) runs once, as its own process (`wdsim run --no-sweep`), in
// order. Exit status: 0 when every figure is where `expect` says (an in_band figure in its band,
// a known_miss outside it: a miss that got fixed must be marked so); 1 otherwise; 2 for a bad
// file or a run that failed.
#pragma once

#include <string>

namespace wdsim {

struct CalibrateRequest {
  std::string figures_path;
  std::string out_dir;   // runs go to OUT/run<N> (output in OUT/run<N>.log); default
                         // wdsim_out/calibration
  std::string markdown;  // write the table into this file between the markers ("" = no)
};

int run_calibration(const CalibrateRequest& request);

}  // namespace wdsim
