#include "tools/wdsim/trace_commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/base/params.h"
#include "sim/base/trace_diff.h"
#include "sim/system/golden.h"

namespace wdsim {

namespace {

constexpr int kExitSame = 0;
constexpr int kExitDifferent = 1;
constexpr int kExitBadInput = 2;

TraceDiffOptions options_of(const std::string& mode, double relative, uint64_t absolute_ps,
                            int context, size_t max_lines) {
  TraceDiffOptions o;
  o.mode = trace_diff_mode(mode);
  o.relative = relative;
  o.absolute_ps = absolute_ps;
  o.context = context;
  o.max_diff_lines = max_lines;
  return o;
}

}  // namespace

void TraceCommands::add_diff_flags(CLI::App* cmd, DiffFlags* f) {
  cmd->add_option("--mode", f->mode,
                  "exact (byte for byte) | protocol (per component, timestamps ignored) | "
                  "timing (protocol, and timestamps within --rel/--abs-ps)")
      ->check(CLI::IsMember({"exact", "protocol", "timing"}));
  cmd->add_option("--rel", f->relative,
                  "timing mode: allowed |a - b| / max(a, b) of each event's time")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--abs-ps", f->absolute_ps, "timing mode: allowed |a - b| in ps");
  cmd->add_option("--context", f->context, "Lines of context in the report")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--max-lines", f->max_lines, "Diff lines shown at most")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
}

TraceCommands::TraceCommands(CLI::App& app) {
  trace_cmd_ = app.add_subcommand("trace", "Work with canonical protocol traces (trace.txt)");
  trace_cmd_->require_subcommand(1);
  diff_cmd_ = trace_cmd_->add_subcommand(
      "diff", "Compare two traces: exit 0 same, 1 different, 2 bad input");
  diff_cmd_->add_option("a", trace_a_, "The reference trace (e.g. a golden)")->required();
  diff_cmd_->add_option("b", trace_b_, "The trace to check")->required();
  add_diff_flags(diff_cmd_, &diff_flags_);

  check_cmd_ = app.add_subcommand(
      "check",
      "Run a scenario and compare its trace with a golden file: exit 0 same, 1 different or "
      "the simulation failed, 2 bad input");
  check_cmd_->add_option("scenario", scenario_, "Scenario file (YAML)")->required();
  check_cmd_->add_option("--golden", golden_file_, "The golden trace")->required();
  check_cmd_->add_option("--set", sets_, "Override a value: key.path=value (repeatable)");
  check_cmd_->add_option("--seed", seed_, "Seed (replaces the scenario's seed)")
      ->check(CLI::PositiveNumber);
  add_diff_flags(check_cmd_, &check_flags_);

  golden_cmd_ = app.add_subcommand(
      "golden", "The golden suite: DIR/NAME.yaml with its trace DIR/NAME.trace.txt");
  golden_cmd_->require_subcommand(1);
  golden_check_cmd_ = golden_cmd_->add_subcommand(
      "check", "Run goldens (all, or those named) and compare: exit 0 all same, 1 any differs");
  golden_check_cmd_->add_option("names", golden_names_, "Golden names (default: all)");
  golden_check_cmd_->add_option("--dir", golden_dir_,
                                "The goldens' folder (default scenarios/golden)");
  add_diff_flags(golden_check_cmd_, &golden_flags_);
  golden_update_cmd_ = golden_cmd_->add_subcommand(
      "update", "Regenerate goldens (all, or those named) and print what changed");
  golden_update_cmd_->add_option("names", golden_names_, "Golden names (default: all)");
  golden_update_cmd_->add_option("--dir", golden_dir_,
                                 "The goldens' folder (default scenarios/golden)");
}

bool TraceCommands::run(int* exit_code) {
  try {
    if (diff_cmd_->parsed()) {
      *exit_code = trace_diff();
    } else if (check_cmd_->parsed()) {
      *exit_code = check();
    } else if (golden_check_cmd_->parsed() || golden_update_cmd_->parsed()) {
      *exit_code = golden(golden_update_cmd_->parsed());
    } else {
      return false;
    }
  } catch (const ConfigError& e) {
    std::cerr << "wdsim: " << e.what() << "\n";
    *exit_code = kExitBadInput;
  } catch (const SimulationFailed& e) {
    std::cerr << "wdsim: simulation error: " << e.what() << "\n";
    *exit_code = kExitDifferent;
  }
  return true;
}

int TraceCommands::trace_diff() {
  const DiffFlags& f = diff_flags_;
  const TraceDiffOptions o = options_of(f.mode, f.relative, f.absolute_ps, f.context, f.max_lines);
  const auto a = parse_trace(read_text_file(trace_a_), trace_a_);
  const auto b = parse_trace(read_text_file(trace_b_), trace_b_);
  const TraceDiffResult r = diff_traces(a, trace_a_, b, trace_b_, o);
  if (r.same) {
    std::cout << "same (" << trace_diff_mode_name(o.mode) << " mode): " << a.size() << " events\n";
    return kExitSame;
  }
  std::cout << r.report;
  return kExitDifferent;
}

int TraceCommands::check() {
  const DiffFlags& f = check_flags_;
  const TraceDiffOptions o = options_of(f.mode, f.relative, f.absolute_ps, f.context, f.max_lines);
  const auto golden = parse_trace(read_text_file(golden_file_), golden_file_);
  const std::string run_name = scenario_ + " (this run)";
  const auto run = parse_trace(scenario_trace(scenario_, sets_, seed_), run_name);
  const TraceDiffResult r = diff_traces(golden, golden_file_, run, run_name, o);
  if (r.same) {
    std::cout << "same as " << golden_file_ << " (" << trace_diff_mode_name(o.mode)
              << " mode): " << run.size() << " events\n";
    return kExitSame;
  }
  std::cout << r.report;
  return kExitDifferent;
}

int TraceCommands::golden(bool update) {
  const DiffFlags& f = golden_flags_;
  const TraceDiffOptions o =
      update ? TraceDiffOptions{}
             : options_of(f.mode, f.relative, f.absolute_ps, f.context, f.max_lines);
  int rc = kExitSame;
  for (const GoldenCase& g : golden_cases(golden_dir_, golden_names_)) {
    std::string text;
    try {
      text = scenario_trace(g.scenario, {}, 0);
    } catch (const SimulationFailed& e) {
      std::cout << g.name << ": simulation error: " << e.what() << "\n";
      rc = kExitDifferent;
      continue;
    }
    const auto run = parse_trace(text, g.name + " (this run)");
    std::error_code ec;
    if (update && !std::filesystem::exists(g.trace, ec)) {
      std::ofstream(g.trace, std::ios::binary) << text;
      std::cout << g.name << ": created " << g.trace << " (" << run.size() << " events)\n";
      continue;
    }
    const auto old = parse_trace(read_text_file(g.trace), g.trace);
    TraceDiffOptions exact = o;
    exact.mode = TraceDiffMode::kExact;
    const bool unchanged = diff_traces(old, g.trace, run, g.name, exact).same;
    const TraceDiffResult r = diff_traces(old, g.trace, run, g.name + " (this run)", o);
    if (!update) {
      if (r.same) {
        std::cout << g.name << ": same (" << trace_diff_mode_name(o.mode) << " mode, " << run.size()
                  << " events)\n";
      } else {
        std::cout << g.name << ": DIFFERS\n" << r.report;
        rc = kExitDifferent;
      }
      continue;
    }
    if (unchanged) {
      std::cout << g.name << ": unchanged (" << run.size() << " events)\n";
      continue;
    }
    std::ofstream out(g.trace, std::ios::binary);
    out << text;
    if (!out) throw ConfigError(g.trace + ": cannot be written");
    std::cout << g.name << ": updated " << g.trace << " (" << old.size() << " -> " << run.size()
              << " events)\n";
    if (r.same) {
      std::cout << "  the same protocol; only timestamps changed\n";
    } else {
      std::cout << r.report;
    }
  }
  return rc;
}

}  // namespace wdsim
