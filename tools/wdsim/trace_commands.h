// The trace-regression subcommands of wdsim:
//   wdsim trace diff A B       compare two canonical traces (exit 0 same, 1 different, 2 bad input)
//   wdsim check SCENARIO --golden FILE    run a scenario and compare its trace with a golden file
//   wdsim golden check [NAME...]          run goldens of scenarios/golden and compare each
//   wdsim golden update [NAME...]         regenerate goldens and print what changed
// Modes and the report: sim/base/trace_diff.h. Goldens: sim/system/golden.h.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace wdsim {

class TraceCommands {
 public:
  // Registers the subcommands on app.
  explicit TraceCommands(CLI::App& app);
  // After app.parse(): whether one of these subcommands was given, and if so runs it and sets
  // *exit_code.
  bool run(int* exit_code);

 private:
  struct DiffFlags {
    std::string mode = "protocol";
    double relative = 0.0;
    uint64_t absolute_ps = 0;
    int context = 3;
    size_t max_lines = 200;
  };
  static void add_diff_flags(CLI::App* cmd, DiffFlags* f);

  int trace_diff();
  int check();
  int golden(bool update);

  CLI::App* trace_cmd_ = nullptr;
  CLI::App* diff_cmd_ = nullptr;
  CLI::App* check_cmd_ = nullptr;
  CLI::App* golden_cmd_ = nullptr;
  CLI::App* golden_check_cmd_ = nullptr;
  CLI::App* golden_update_cmd_ = nullptr;
  DiffFlags diff_flags_, check_flags_, golden_flags_;
  std::string trace_a_, trace_b_;
  std::string scenario_, golden_file_;
  std::vector<std::string> sets_;
  uint64_t seed_ = 0;
  std::string golden_dir_ = "scenarios/golden";
  std::vector<std::string> golden_names_;
};

}  // namespace wdsim
