// wdsim: the command-line program. `wdsim run SCENARIO` simulates a scenario and prints its
// comparison table, writing stats.json, stats.csv, summary.json, trace.txt and trace.json (and
// requests.csv with output.requests: one row per measured request, written as it completes);
// `wdsim describe [BLOCK]` prints every parameter (key path, type, default, unit, range,
// description, source), then every stat the default system registers when it is built (key
// path, kind, unit, description); `--stats-json` prints the stats alone as JSON; `wdsim trace
// diff`, `wdsim check` and `wdsim golden` compare protocol traces (trace_commands.h). Exit 0 on
// success, 2 on bad input, 1 on a simulation error. Results go to stdout, diagnostics (spdlog) to
// stderr.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/personality.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <systemc>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/system/presets.h"
#include "sim/system/report_html.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"
#include "tools/wdsim/calibrate.h"
#include "tools/wdsim/exec_headers.h"
#include "tools/wdsim/out_dir.h"
#include "tools/wdsim/sweep_cluster.h"
#include "tools/wdsim/sweep_runner.h"
#include "tools/wdsim/trace_commands.h"

namespace {

constexpr const char* kVersion = "wdsim 0.1.0";
constexpr int kExitOk = 0;
constexpr int kExitSimulationError = 1;
constexpr int kExitBadInput = 2;

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

std::string range_text(const wdsim::ParamSpec& s) {
  if (!s.choices.empty()) {
    std::string t;
    for (const auto& c : s.choices) t += (t.empty() ? "" : "|") + c;
    return t;
  }
  if (!s.range.lo && !s.range.hi) return "";
  return "[" + (s.range.lo ? wdsim::ParamScope::double_text(*s.range.lo) : std::string("-inf")) +
         ", " + (s.range.hi ? wdsim::ParamScope::double_text(*s.range.hi) : std::string("inf")) +
         "]";
}

// A block or program kind anywhere in the path: `describe smmu`, `describe compare`
// (processes[].threads[].compare.*), `describe sec` (system.devices[].sec.*, sec.*).
bool shown_for(const std::string& key, const std::string& block) {
  return block.empty() || key == block || key.rfind(block + ".", 0) == 0 ||
         key.find("." + block + ".") != std::string::npos;
}

// The stats as a table: key, kind, unit ("-" for none), description; columns aligned.
void print_stats(const std::vector<wdsim::StatInfo>& stats) {
  size_t key_w = 0, kind_w = 0, unit_w = 1;
  for (const auto& s : stats) {
    key_w = std::max(key_w, s.key_path.size());
    kind_w = std::max(kind_w, std::string(wdsim::stat_kind_name(s.kind)).size());
    unit_w = std::max(unit_w, s.unit.size());
  }
  auto pad = [](const std::string& t, size_t w) { return t + std::string(w - t.size() + 2, ' '); };
  std::string names;
  for (const auto* k : wdsim::accelerator_kinds()) {
    names += (names.empty() ? "" : "; ") + k->name() + ": " + k->qm_component() + ", " +
             k->engine_component() + ", " + k->link_component();
  }
  std::cout << "stats: what the default system registers when it is built (one device of each "
               "kind).\nInstance names follow the scenario's devices (system.devices): a kind's "
               "first device has\nthe names shown ("
            << names << "),\nits next ones the same names with 1, 2, ... appended.\n";
  for (const auto& s : stats) {
    std::string line = "  " + pad(s.key_path, key_w) + pad(wdsim::stat_kind_name(s.kind), kind_w) +
                       pad(s.unit.empty() ? "-" : s.unit, unit_w) + s.description;
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << "\n";
  }
}

int describe(const std::string& block, bool stats_json) {
  std::vector<wdsim::ParamSpec> shown;
  for (const auto& s : wdsim::describe_scenario()) {
    if (shown_for(s.key_path, block)) shown.push_back(s);
  }
  std::vector<wdsim::StatInfo> stats;
  for (const auto& s : wdsim::describe_stats()) {
    if (shown_for(s.key_path, block)) stats.push_back(s);
  }
  if (shown.empty() && stats.empty()) {
    std::cerr << "wdsim describe: no block, parameter or stat named '" << block
              << "' (try `wdsim describe` for the full list)\n";
    return kExitBadInput;
  }
  if (stats_json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& s : stats) {
      out.push_back({{"key", s.key_path},
                     {"kind", wdsim::stat_kind_name(s.kind)},
                     {"unit", s.unit},
                     {"description", s.description}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& s : shown) {
    std::cout << s.key_path << "\n    type " << wdsim::param_type_name(s.type) << ", default "
              << (s.default_text.empty() ? "\"\"" : s.default_text);
    if (!s.unit.empty()) std::cout << " " << s.unit;
    const std::string r = range_text(s);
    if (!r.empty()) std::cout << ", valid " << r;
    std::cout << "\n    " << s.description << "\n    source: " << s.source << "\n";
  }
  if (!shown.empty() && !stats.empty()) std::cout << "\n";
  if (!stats.empty()) print_stats(stats);
  return kExitOk;
}

// `wdsim describe --preset NAME [BLOCK]`: every value the preset sets (its own presets resolved),
// its unit and the default it replaces, where it is set and its source.
int describe_preset(const std::string& name, const std::string& block) {
  const auto values = wdsim::preset_values(name);
  // The preset must load as a scenario (every key known, every value in range).
  wdsim::load_scenario_text("preset: " + name + "\n", "--preset " + name, {});
  std::map<std::string, wdsim::ParamSpec> specs;
  for (const auto& s : wdsim::describe_scenario()) specs.emplace(s.key_path, s);
  size_t shown = 0;
  std::cout << "preset " << name << ": the values it sets (every other parameter keeps its "
            << "default: `wdsim describe`)\n";
  for (const auto& v : values) {
    if (!shown_for(v.key_path, block)) continue;
    ++shown;
    std::cout << v.key_path << " = " << v.value;
    if (auto it = specs.find(wdsim::describe_key_path(v.key_path)); it != specs.end()) {
      const auto& spec = it->second;
      if (!spec.unit.empty()) std::cout << " " << spec.unit;
      std::cout << " (default " << (spec.default_text.empty() ? "\"\"" : spec.default_text) << ")";
    }
    std::cout << "\n    from " << v.where.str()
              << "\n    source: " << (v.source.empty() ? "(none given)" : v.source) << "\n";
  }
  if (shown == 0) {
    std::cerr << "wdsim describe: preset " << name << " sets nothing under '" << block << "'\n";
    return kExitBadInput;
  }
  return kExitOk;
}

int run_point(const wdsim::Scenario& sc, const wdsim::OutDir& out,
              std::ostream& summary = std::cout, wdsim::RunOutcome* result = nullptr);

int run(const std::string& scenario_path, const std::vector<std::string>& sets,
        const std::string& out_dir_arg, uint64_t seed, bool no_sweep, unsigned jobs,
        bool check_only, const std::string& emit) {
  wdsim::Scenario sc;
  try {
    sc = wdsim::load_scenario(scenario_path, sets, seed);
  } catch (const wdsim::ConfigError& e) {
    std::cerr << "wdsim: " << e.what() << "\n";
    return kExitBadInput;
  }
  const std::filesystem::path out_path = out_dir_arg.empty()
                                             ? std::filesystem::path("wdsim_out") / sc.name
                                             : std::filesystem::path(out_dir_arg);
  const bool sweep = !sc.sweep.empty() && !no_sweep;
  if (!emit.empty() && !sweep) {
    std::cerr << "wdsim: --emit " << emit << ": " << sc.file
              << (no_sweep ? " is run with --no-sweep" : " has no sweep: section")
              << ", so there are no points to emit\n";
    return kExitBadInput;
  }
  wdsim::SweepRequest req{scenario_path, sets, seed, out_path, jobs};
  // Every point of a sweep loads before anything is written or run.
  if (sweep) {
    if (const int rc = wdsim::validate_sweep(sc, req); rc != kExitOk) return rc;
  }
  if (check_only) {
    std::cout << sc.file << ": loads"
              << (sweep ? " (" + std::to_string(wdsim::sweep_points(sc.sweep).size()) + " points)"
                        : std::string())
              << "\n";
    return kExitOk;
  }
  std::string why;
  const std::optional<wdsim::OutDir> out = wdsim::OutDir::prepare(out_path, &why);
  if (!out) {
    std::cerr << "wdsim: --out: " << why << "\n";
    return kExitBadInput;
  }
  if (!emit.empty()) return wdsim::emit_sweep(sc, req, emit);
  if (sweep) {
    spdlog::info("sweeping {} over {} points", sc.file, wdsim::sweep_points(sc.sweep).size());
    return wdsim::run_sweep(sc, req);
  }
  // A sweep point's run (--no-sweep) leaves its exit code in status.json, however it was
  // launched, for `wdsim gather`.
  const double started = wdsim::unix_seconds_now();
  int rc = kExitSimulationError;
  try {
    rc = run_point(sc, *out);
  } catch (...) {
    if (no_sweep) wdsim::write_point_status(out->path(), kExitSimulationError, started);
    throw;
  }
  if (no_sweep) wdsim::write_point_status(out->path(), rc, started);
  return rc;
}

// One run (no sweep) in a prepared output folder; the summary goes to `summary`, the outcome to
// `*result` when asked.
int run_point(const wdsim::Scenario& sc, const wdsim::OutDir& out, std::ostream& summary,
              wdsim::RunOutcome* result) {
  const std::filesystem::path& out_dir = out.path();
  spdlog::info("running {} (seed {})", sc.file, sc.seed);
  wdsim::SimEnv env(sc.seed, sc.output.trace || sc.output.chrome_trace);
  std::ofstream requests_csv;
  if (sc.output.requests) {
    requests_csv.open(out_dir / "requests.csv", std::ios::binary);
    if (!requests_csv) {
      std::cerr << "wdsim: cannot write " << (out_dir / "requests.csv") << "\n";
      return kExitSimulationError;
    }
  }
  wdsim::RunOutcome outcome;
  try {
    outcome = wdsim::run_system(sc, env, sc.output.requests ? &requests_csv : nullptr);
  } catch (const wdsim::ConfigError& e) {
    // A block rejected a combination of values when it was built: bad input, nothing kept.
    std::cerr << "wdsim: " << e.what() << "\n";
    if (requests_csv.is_open()) requests_csv.close();
    out.discard();
    return kExitBadInput;
  }
  if (sc.output.requests) requests_csv.close();
  if (result) *result = outcome;
  bool written = (!sc.output.requests || static_cast<bool>(requests_csv)) &&
                 write_file(out_dir / "stats.json", env.stats().to_json()) &&
                 write_file(out_dir / "stats.csv", env.stats().to_csv()) &&
                 write_file(out_dir / "summary.json", wdsim::summary_json(outcome));
  if (sc.output.trace)
    written = written && write_file(out_dir / "trace.txt", env.trace().to_text());
  if (sc.output.chrome_trace) {
    written = written && write_file(out_dir / "trace.json", env.trace().to_chrome_json());
  }
  written = written && write_file(out_dir / "report.html", wdsim::report_html(sc, outcome));
  // Host speed varies run to run, so it stays out of the byte-compared files.
  written = written && write_file(out_dir / "host_speed.json", wdsim::host_speed_json(outcome));
  if (!written) {
    std::cerr << "wdsim: cannot write outputs in " << out_dir << "\n";
    return kExitSimulationError;
  }
  if (!outcome.ok) {
    std::cerr << "wdsim: simulation error: " << outcome.error << "\n";
    return kExitSimulationError;
  }
  summary << wdsim::format_summary(sc, outcome);
  summary << "\noutputs in " << out_dir.string() << " (" << outcome.report.measured_requests
          << " requests in " << outcome.host_cpu_seconds << " s of host CPU time)\n";
  return kExitOk;
}

// `wdsim exec`'s own exit codes (the program's status passes through otherwise), as env(1) and
// shells use them: wdsim failed (bad input, a simulation error), the program cannot be loaded,
// the program is not there.
constexpr int kExecFailed = 125;
constexpr int kExecCannotLoad = 126;
constexpr int kExecNotFound = 127;

// `wdsim exec SCENARIO [--set ...] [--out DIR] -- PROGRAM [ARGS...]`: the program runs in every
// `exec` thread entry of the scenario that names no program of its own; stdout is the program's,
// wdsim's summary goes to stderr. Exits with the first exec process's status (128 + the signal
// when a signal killed it).
int exec_program(const std::string& scenario_path, const std::vector<std::string>& sets,
                 const std::string& out_dir_arg, uint64_t seed,
                 const std::vector<std::string>& command) {
  if (command.empty()) {
    std::cerr << "wdsim exec: no program: wdsim exec SCENARIO [--set k=v] -- PROGRAM [ARGS...]\n";
    return kExecFailed;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(command[0], ec)) {
    std::cerr << "wdsim exec: " << command[0] << ": no such program file (build it with `wdsim cc "
              << "prog.c -o prog.so`)\n";
    return kExecNotFound;
  }
  wdsim::Scenario sc;
  try {
    sc = wdsim::load_scenario(scenario_path, sets, seed);
  } catch (const wdsim::ConfigError& e) {
    std::cerr << "wdsim exec: " << e.what() << "\n";
    return kExecFailed;
  }
  bool has_exec = false;
  for (const auto& p : sc.processes) {
    for (const auto& t : p.threads) has_exec = has_exec || t.program == "exec";
  }
  if (!has_exec) {
    std::cerr << "wdsim exec: " << sc.file << " has no thread entry `exec:` to run the program "
              << "in (scenarios/exec.yaml shows one)\n";
    return kExecFailed;
  }
  if (!sc.sweep.empty()) {
    std::cerr << "wdsim exec: " << sc.file << " has a sweep: section; exec runs one point\n";
    return kExecFailed;
  }
  sc.exec.program = std::filesystem::absolute(command[0]).lexically_normal().string();
  sc.exec.args.assign(command.begin() + 1, command.end());
  const std::filesystem::path out_path = out_dir_arg.empty()
                                             ? std::filesystem::path("wdsim_out") / sc.name
                                             : std::filesystem::path(out_dir_arg);
  std::string why;
  const std::optional<wdsim::OutDir> out = wdsim::OutDir::prepare(out_path, &why);
  if (!out) {
    std::cerr << "wdsim exec: --out: " << why << "\n";
    return kExecFailed;
  }
  wdsim::RunOutcome outcome;
  const int rc = run_point(sc, *out, std::cerr, &outcome);
  if (rc != kExitOk) {
    const bool load_failed = outcome.error.find("exec: cannot load") != std::string::npos ||
                             outcome.error.find("has no main") != std::string::npos;
    return load_failed ? kExecCannotLoad : kExecFailed;
  }
  // The first process that ran an exec entry gives the status.
  for (size_t i = 0, k = 0; i < sc.processes.size(); ++i) {
    const auto names = wdsim::Scenario::instance_names(sc.processes[i]);
    bool runs_exec = false;
    for (const auto& t : sc.processes[i].threads) runs_exec = runs_exec || t.program == "exec";
    for (size_t j = 0; j < names.size(); ++j, ++k) {
      if (!runs_exec || k >= outcome.processes.size()) continue;
      const wdsim::ProcessOutcome& p = outcome.processes[k];
      if (!p.ended) return kExecFailed;
      return p.signal ? 128 + p.signal : p.exit_code;
    }
  }
  return kExecFailed;
}

}  // namespace

// No SystemC copyright banner on stderr: SystemC 2.3.4 prints it from its main(), before
// sc_main, unless SC_COPYRIGHT_MESSAGE=DISABLE, so this is set while the program's statics
// are initialized (a value the user set is kept).
const bool kCopyrightBannerOff = setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0) == 0;

int sc_main(int argc, char** argv) {
  // libsystemc's static sc_event::none registers with the first simulation context and
  // unregisters from it at exit; run_system deletes the current context, so the first one is
  // set aside and never deleted (otherwise exit may read a freed object manager and crash).
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  // Results own stdout: no "simulation stopped" notice.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  CLI::App app{"wdsim: a full-system simulator of SVA/PASID accelerators (WarpDrive/UACCE)"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  auto* run_cmd = app.add_subcommand("run", "Run a scenario and print its comparison table");
  std::string scenario;
  std::vector<std::string> sets;
  std::string out_dir;
  std::string seed_text;
  run_cmd->add_option("scenario", scenario, "Scenario file (YAML)")->required();
  run_cmd->add_option("--set", sets, "Override a value: key.path=value (repeatable)");
  run_cmd->add_option("--out", out_dir, "Output directory (default wdsim_out/<scenario>)");
  std::string data_mode;
  run_cmd
      ->add_option("--data-mode", data_mode,
                   "real | timing: every device's data_mode (timing: output sizes from the "
                   "ratio model, bytes not computed, outputs not verified)")
      ->check(CLI::IsMember({"real", "timing"}));
  std::string verify;
  run_cmd
      ->add_option("--verify", verify,
                   "Which outputs to check: all | sample | none (sets output.verify)")
      ->check(CLI::IsMember({"all", "sample", "none"}));
  run_cmd->add_option("--seed", seed_text,
                      "Seed, a whole number from 1 to 2^64-1 (replaces the scenario's seed)");
  bool no_sweep = false;
  unsigned jobs = 2;
  run_cmd->add_flag("--no-sweep", no_sweep,
                    "Ignore the scenario's sweep section: run one point (the sweep runner's own "
                    "use)");
  bool check_only = false;
  run_cmd->add_flag("--check", check_only,
                    "Only load and check the scenario (every sweep point too): exit 0 or 2, run "
                    "and write nothing");
  run_cmd->add_option("--jobs", jobs, "Sweep points run at once (each its own process)")
      ->check(CLI::Range(1u, 256u));
  std::vector<std::string> emit;
  run_cmd
      ->add_option("--emit", emit,
                   "slurm|parallel [OUT]: write a Slurm job-array script or a GNU parallel job "
                   "list of the sweep's points and its manifest in OUT (or --out), run nothing; "
                   "then `wdsim gather OUT`")
      ->expected(1, 2);

  // `run --emit` and `gather`: a sweep's points run by Slurm or GNU parallel (sweep_cluster.h).
  auto* gather_cmd = app.add_subcommand(
      "gather",
      "Gather the points of a sweep written by `run --emit` (and run elsewhere) into the sweep "
      "table, sweep.csv, report.html and host_speed.json; exit 1 if any is missing or failed");
  std::string gather_dir;
  gather_cmd->add_option("out", gather_dir, "The sweep's output folder (OUT of --emit)")
      ->required();

  auto* calibrate_cmd = app.add_subcommand(
      "calibrate",
      "Run a calibration file's scenarios and compare each figure with its published value "
      "(scenarios/calibration/figures.yaml); print the table; exit 1 if a figure is not where "
      "the file expects it");
  wdsim::CalibrateRequest calibrate_req;
  calibrate_cmd->add_option("figures", calibrate_req.figures_path, "Calibration file (YAML)")
      ->required();
  calibrate_cmd->add_option("--out", calibrate_req.out_dir,
                            "Where the runs go (default wdsim_out/calibration)");
  calibrate_cmd->add_option("--markdown", calibrate_req.markdown,
                            "Also write the table into this file between its markers "
                            "(docs/calibration.md)");

  auto* describe_cmd = app.add_subcommand(
      "describe",
      "Print every parameter (key, type, default, unit, source), then every stat (key, kind, "
      "unit, description)");
  std::string block;
  describe_cmd->add_option("block", block, "A block (smmu, pcie, qm, zip, dram, host...) or key");
  bool stats_json = false;
  describe_cmd->add_flag("--stats-json", stats_json,
                         "Print only the stats, as a JSON list of {key, kind, unit, description}");
  std::string describe_preset_name;
  describe_cmd->add_option("--preset", describe_preset_name,
                           "Print the values a built-in preset sets (scenarios/presets), where "
                           "each is set and its source");

  auto* exec_cmd = app.add_subcommand(
      "exec",
      "Run your own program (built by `wdsim cc`) as a simulated process: wdsim exec SCENARIO "
      "[--set k=v] [--out DIR] -- PROGRAM [ARGS...]; its stdin, stdout and exit status pass "
      "through, wdsim's summary goes to stderr");
  std::string exec_scenario;
  std::vector<std::string> exec_sets;
  std::string exec_out;
  std::string exec_seed_text;
  exec_cmd->add_option("scenario", exec_scenario, "Scenario file with an `exec:` thread entry")
      ->required();
  exec_cmd->add_option("--set", exec_sets, "Override a value: key.path=value (repeatable)");
  exec_cmd->add_option("--out", exec_out, "Output directory (default wdsim_out/<scenario>)");
  exec_cmd->add_option("--seed", exec_seed_text, "Seed (replaces the scenario's)");

  auto* cc_cmd = app.add_subcommand(
      "cc",
      "Build a program for `wdsim exec`: wdsim cc SRC.c... -o PROG.so [CFLAGS...] runs $CC (or "
      "cc) with UADK's headers and wdsim.h on the include path, as a shared object linked to "
      "wdsim's simulated pthread, clock and sleep calls");
  std::string cc_headers;
  cc_cmd->add_option("--headers", cc_headers,
                     "Only write the headers into this directory (use -I DIR -I DIR/uadk)");
  cc_cmd->allow_extras();

  wdsim::TraceCommands trace_commands(app);

  // `wdsim exec ... -- PROGRAM ARGS`: what follows -- is the program's, not wdsim's.
  std::vector<std::string> exec_command;
  if (argc > 1 && std::string(argv[1]) == "exec") {
    // The program's pointers are simulated virtual addresses (in traces, in the page tables):
    // without address-space randomization they are the same every run, so two runs of a
    // program give byte-identical outputs. wdsim re-executes itself once without it.
    const int persona = personality(0xffffffff);
    if (persona != -1 && !(persona & ADDR_NO_RANDOMIZE)) {
      if (personality(static_cast<unsigned long>(persona) | ADDR_NO_RANDOMIZE) != -1) {
        execv("/proc/self/exe", argv);
      }
      std::cerr << "wdsim exec: cannot turn address-space randomization off ("
                << std::strerror(errno) << "): addresses in traces vary from run to run\n";
    }
    for (int i = 2; i < argc; ++i) {
      if (std::string(argv[i]) == "--") {
        exec_command.assign(argv + i + 1, argv + argc);
        argc = i;
        break;
      }
    }
  }
  // `wdsim cc ...`: every argument but --headers goes to the compiler.
  if (argc > 1 && std::string(argv[1]) == "cc") {
    std::vector<std::string> cc_args;
    std::string headers;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--headers" && i + 1 < argc) {
        headers = argv[++i];
      } else if (a == "--help" || a == "-h") {
        std::cout << cc_cmd->help();
        return kExitOk;
      } else {
        cc_args.push_back(a);
      }
    }
    if (cc_args.empty() && headers.empty()) {
      std::cerr << "wdsim cc: nothing to build: wdsim cc SRC.c... -o PROG.so [CFLAGS...]\n";
      return kExitBadInput;
    }
    return wdsim::cc_command(cc_args, headers);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitBadInput;
  }
  auto logger = spdlog::stderr_color_mt("wdsim");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));

  try {
    if (run_cmd->parsed()) {
      uint64_t seed = 0;
      if (!seed_text.empty()) {
        if (auto why = wdsim::parse_uint_text(seed_text, &seed); why || seed == 0) {
          std::cerr << "wdsim: --seed " << seed_text << ": "
                    << (why ? *why : std::string("0 is not a seed (1 to 2^64-1)")) << "\n";
          return kExitBadInput;
        }
      }
      if (!verify.empty()) sets.push_back("output.verify=" + verify);
      if (!data_mode.empty()) {
        try {
          const auto more =
              wdsim::data_mode_sets(wdsim::load_scenario(scenario, sets, seed), data_mode);
          sets.insert(sets.end(), more.begin(), more.end());
        } catch (const wdsim::ConfigError& e) {
          std::cerr << "wdsim: " << e.what() << "\n";
          return kExitBadInput;
        }
      }
      if (!emit.empty()) {
        if (emit[0] != "slurm" && emit[0] != "parallel") {
          std::cerr << "wdsim: --emit " << emit[0] << ": not slurm or parallel\n";
          return kExitBadInput;
        }
        if (emit.size() == 2 && !out_dir.empty() && out_dir != emit[1]) {
          std::cerr << "wdsim: --emit " << emit[0] << " " << emit[1] << " and --out " << out_dir
                    << " name two folders\n";
          return kExitBadInput;
        }
        if (emit.size() == 2) out_dir = emit[1];
      }
      return run(scenario, sets, out_dir, seed, no_sweep, jobs, check_only,
                 emit.empty() ? std::string() : emit[0]);
    }
    if (describe_cmd->parsed()) {
      if (!describe_preset_name.empty()) return describe_preset(describe_preset_name, block);
      return describe(block, stats_json);
    }
    if (gather_cmd->parsed()) return wdsim::gather_sweep(gather_dir);
    if (calibrate_cmd->parsed()) return wdsim::run_calibration(calibrate_req);
    if (exec_cmd->parsed()) {
      uint64_t seed = 0;
      if (!exec_seed_text.empty()) {
        if (auto why = wdsim::parse_uint_text(exec_seed_text, &seed); why || seed == 0) {
          std::cerr << "wdsim exec: --seed " << exec_seed_text << ": not a seed\n";
          return kExecFailed;
        }
      }
      return exec_program(exec_scenario, exec_sets, exec_out, seed, exec_command);
    }
    int trace_rc = kExitBadInput;
    if (trace_commands.run(&trace_rc)) return trace_rc;
  } catch (const wdsim::ConfigError& e) {
    // A block rejected a combination of values when it was built.
    std::cerr << "wdsim: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "wdsim: internal error: " << e.what() << "\n";
    return kExitSimulationError;
  } catch (...) {  // nothing escapes sc_main: every exception ends as exit 1 with a message
    std::cerr << "wdsim: internal error: an exception that is not a std::exception\n";
    return kExitSimulationError;
  }
  return kExitBadInput;
}
