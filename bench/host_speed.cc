// The host-speed benchmark: what a simulated request costs the host, against what a bare
// SystemC timed wait costs on the same machine in the same run.
//
//   bazel run -c opt //bench:host_speed -- [--scale F] [--case NAME] [--json FILE]
//                                          [--benchmark_* flags of Google Benchmark]
//
// Baselines (Google Benchmark, manual timing on the process CPU clock):
//   bare_timed_wait   one SC_THREAD calling wait(1, SC_NS) in a loop: the host cost of one
//                     bare timed wait (a context switch into the kernel and back), which is
//                     what each CPU step of a simulated thread costs today;
//   ping_pong         two SC_THREADs handing off through events, each hand-off a timed wait
//                     and an immediate notify that resumes the other thread (informative);
//   zip_compress_4k   the ZIP engine's own zlib call (zip_compress, level 6, 32 KiB window)
//                     on 4 KiB of the workloads' text: what real data must cost at least.
// Cases: every scenario of scenarios/bench/ (bench_cases.h), its request counts times
// --scale, run through the entry `wdsim run` uses (load_scenario, run_system) in a forked
// child, so that the case's peak RSS is its own and a failing or crashing case is reported and
// the others still run; the child sends its figures over a pipe. They run outside Google
// Benchmark's loop because each is one long run with one SystemC elaboration, not many short
// iterations, and its RSS needs a process of its own. Each case is also run once with one
// request per thread entry: its CPU time, shown as a share of the case's, bounds the case's
// start-up from above (elaboration, boot, init, plus the warm-ups and one request per thread).
// Figures per case: host ns per request (host CPU seconds of the run / measured requests),
// user-space instructions per request (perf_event_open; "n/a" where the kernel or the machine
// has no counter), requests per host CPU second, equivalent bare waits per request (host ns per
// request / host ns per bare timed wait) and peak RSS. No figure is asserted: the targets are
// printed beside them.
#include <benchmark/benchmark.h>
#include <linux/perf_event.h>
#include <malloc.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <systemc>
#include <vector>

#include "bench/bench_cases.h"
#include "formats/zip/zip_sqe.h"
#include "sim/accel/zip/zip_codec.h"
#include "sim/base/sim_context.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"
#include "sim/system/workload_data.h"

namespace wdsim::bench {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 2;
constexpr int kExitSomeCaseFailed = 1;
constexpr uint64_t kWaitsPerIteration = 200000;  // one SystemC run of the wait baselines
constexpr uint64_t kZipInputBytes = 4096;        // the doorbell cases' request size
constexpr int kZipLevel = 6;                     // the ZIP engine's default zlib_level
constexpr size_t kZipInputs = 16;                // distinct inputs the zlib baseline cycles
constexpr uint64_t kZipCallsPerIteration = 256;
constexpr int kNoTrimBytes = 32 * 1024 * 1024;  // glibc's largest mmap threshold
constexpr double kNsPerSecond = 1e9;
constexpr double kBytesPerMib = 1024.0 * 1024.0;

// The targets, as ratios of this run's figures.
constexpr double kTargetTimingWaitsPerRequest = 30;
constexpr double kTargetRealOverZlib = 1.3;
constexpr double kTargetBatchOverCompare = 2;
constexpr double kTargetScalingRatio = 1.5;
constexpr double kTargetRssMib = 64;

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / kNsPerSecond;
}

// ---- baselines ----

const sc_core::sc_time kStep(1, sc_core::SC_NS);

struct TimedWaiter : sc_core::sc_module {
  SC_HAS_PROCESS(TimedWaiter);
  TimedWaiter(const sc_core::sc_module_name& name, uint64_t waits)
      : sc_core::sc_module(name), waits_(waits) {
    SC_THREAD(run);
  }
  void run() {
    for (uint64_t i = 0; i < waits_; ++i) wait(kStep);
  }
  uint64_t waits_;
};

struct PingPong : sc_core::sc_module {
  SC_HAS_PROCESS(PingPong);
  PingPong(const sc_core::sc_module_name& name, uint64_t rounds)
      : sc_core::sc_module(name), rounds_(rounds) {
    SC_THREAD(ping);
    SC_THREAD(pong);
  }
  void ping() {
    for (uint64_t i = 0; i < rounds_; ++i) {
      wait(kStep);
      ping_.notify();
      wait(pong_);
    }
  }
  void pong() {
    for (uint64_t i = 0; i < rounds_; ++i) {
      wait(ping_);
      wait(kStep);
      pong_.notify();
    }
  }
  uint64_t rounds_;
  sc_core::sc_event ping_, pong_;
};

// Builds Module(args...) in a fresh context, runs the simulation to its end and returns the
// CPU seconds of sc_start().
template <typename Module>
double timed_sc_run(uint64_t n) {
  fresh_sc_context();
  double seconds = 0;
  {
    Module m("m", n);
    const double t0 = process_cpu_seconds();
    sc_core::sc_start();
    seconds = process_cpu_seconds() - t0;
  }
  fresh_sc_context();
  return seconds;
}

void BM_BareTimedWait(benchmark::State& state) {
  double cpu = 0;
  uint64_t waits = 0;
  for (auto _ : state) {
    const double t = timed_sc_run<TimedWaiter>(kWaitsPerIteration);
    state.SetIterationTime(t);
    cpu += t;
    waits += kWaitsPerIteration;
  }
  state.counters["ns_per_wait"] = cpu * kNsPerSecond / waits;
}
BENCHMARK(BM_BareTimedWait)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_PingPong(benchmark::State& state) {
  double cpu = 0;
  uint64_t handoffs = 0;
  for (auto _ : state) {
    const double t = timed_sc_run<PingPong>(kWaitsPerIteration / 2);
    state.SetIterationTime(t);
    cpu += t;
    handoffs += kWaitsPerIteration;  // two per round
  }
  state.counters["ns_per_handoff"] = cpu * kNsPerSecond / handoffs;
}
BENCHMARK(BM_PingPong)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_ZipCompress4K(benchmark::State& state) {
  WorkloadData data("text", std::mt19937_64(1));
  std::vector<std::vector<uint8_t>> inputs;
  for (size_t i = 0; i < kZipInputs; ++i) inputs.push_back(data.next(kZipInputBytes));
  const uint32_t capacity = 2 * kZipInputBytes;
  // Steady state, as inside a long simulation: without this, glibc gives the ~270 KiB of each
  // call's deflate state back to the kernel at deflateEnd (heap trimming) and faults it in
  // again at the next deflateInit2, which costs more than the compression. The cases have run
  // (in their own processes) before this, so the setting touches only this baseline.
  mallopt(M_TRIM_THRESHOLD, kNoTrimBytes);
  mallopt(M_MMAP_THRESHOLD, kNoTrimBytes);
  double cpu = 0;
  uint64_t calls = 0;
  for (auto _ : state) {
    const double t0 = process_cpu_seconds();
    for (uint64_t i = 0; i < kZipCallsPerIteration; ++i) {
      const auto& in = inputs[i % kZipInputs];
      ZipCodecResult r =
          zip_compress(kZipReqZlib, in.data(), in.size(), capacity, kZipLevel, kZipWindow32K);
      benchmark::DoNotOptimize(r.output.data());
    }
    const double t = process_cpu_seconds() - t0;
    state.SetIterationTime(t);
    cpu += t;
    calls += kZipCallsPerIteration;
  }
  state.counters["ns_per_call"] = cpu * kNsPerSecond / calls;
}
BENCHMARK(BM_ZipCompress4K)->UseManualTime()->Unit(benchmark::kMillisecond);

// Prints as the console reporter does and keeps each benchmark's counters.
class CountersReporter : public benchmark::ConsoleReporter {
 public:
  explicit CountersReporter(OutputOptions options) : ConsoleReporter(options) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      for (const auto& [name, c] : r.counters) counters_[name] = c.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double counter(const std::string& name) const {
    auto it = counters_.find(name);
    return it == counters_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> counters_;
};

// ---- cases ----

// User-space instructions retired by this process (and threads it starts), where the kernel
// and the machine allow it.
class InstructionCounter {
 public:
  InstructionCounter() {
    perf_event_attr a{};
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof a;
    a.config = PERF_COUNT_HW_INSTRUCTIONS;
    a.disabled = 1;
    a.inherit = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    fd_ = static_cast<int>(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
    if (fd_ < 0) why_ = std::strerror(errno);
  }
  ~InstructionCounter() {
    if (fd_ >= 0) close(fd_);
  }
  void start() {
    if (fd_ < 0) return;
    ioctl(fd_, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
  }
  std::optional<uint64_t> stop() {
    if (fd_ < 0) return std::nullopt;
    ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
    uint64_t v = 0;
    if (read(fd_, &v, sizeof v) != sizeof v) return std::nullopt;
    return v;
  }
  const std::string& why_unavailable() const { return why_; }

 private:
  int fd_ = -1;
  std::string why_;
};

// What one run of a case measured (in the child), or why it failed.
nlohmann::json run_case_here(const std::string& file, const std::vector<std::string>& sets) {
  nlohmann::json j;
  try {
    const Scenario sc = load_scenario(file, sets, 0);
    SimEnv env(sc.seed, sc.output.trace || sc.output.chrome_trace);
    InstructionCounter counter;
    counter.start();
    const RunOutcome o = run_system(sc, env);
    const std::optional<uint64_t> instructions = counter.stop();
    j["ok"] = o.ok;
    j["error"] = o.error;
    j["requests"] = o.report.measured_requests;
    j["host_cpu_seconds"] = o.host_cpu_seconds;
    j["wall_seconds"] = o.wall_seconds;
    j["simulated_seconds"] = o.simulated_seconds;
    j["peak_rss_bytes"] = o.peak_rss_bytes;
    if (instructions) {
      j["instructions"] = *instructions;
    } else {
      j["instructions"] = nullptr;
      j["instructions_unavailable"] = counter.why_unavailable();
    }
  } catch (const std::exception& e) {
    j["ok"] = false;
    j["error"] = e.what();
  }
  return j;
}

// Runs one case in a forked child and returns its figures.
nlohmann::json run_case_in_child(const std::string& file, const std::vector<std::string>& sets) {
  int fds[2];
  if (pipe(fds) != 0) return {{"ok", false}, {"error", "pipe failed"}};
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return {{"ok", false}, {"error", "fork failed"}};
  if (pid == 0) {
    close(fds[0]);
    const std::string text = run_case_here(file, sets).dump();
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    return {{"ok", false},
            {"error", std::string("the case's process died of ") + strsignal(WTERMSIG(status))}};
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception&) {
    return {{"ok", false}, {"error", "the case's process sent no figures"}};
  }
}

struct CaseResult {
  BenchCase c;
  nlohmann::json run;           // run_case_here's figures
  double startup_seconds = -1;  // CPU of the one-request run; < 0 when not measured
};

double number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

double ns_per_request(const CaseResult& r) {
  const double n = number(r.run, "requests");
  return n > 0 ? number(r.run, "host_cpu_seconds") * kNsPerSecond / n : 0;
}

bool usable(const CaseResult& r) { return r.run.value("ok", false) && ns_per_request(r) > 0; }

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// ---- flags ----

struct Options {
  double scale = 1;
  std::string case_filter;  // substring of a case name; empty = all
  std::string json_file;
};

// Takes the benchmark's own flags out of argv; what is left goes to Google Benchmark.
std::optional<Options> parse_flags(int& argc, char** argv) {
  Options o;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const std::string& flag) -> std::optional<std::string> {
      if (a == flag && i + 1 < argc) return std::string(argv[++i]);
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      return std::nullopt;
    };
    if (auto v = value("--scale")) {
      char* end = nullptr;
      o.scale = std::strtod(v->c_str(), &end);
      if (*end != '\0' || !(o.scale > 0)) {
        std::cerr << "host_speed: --scale takes a positive number, got '" << *v << "'\n";
        return std::nullopt;
      }
    } else if (auto v = value("--case")) {
      o.case_filter = *v;
    } else if (auto v = value("--json")) {
      o.json_file = *v;
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: host_speed [--scale F] [--case NAME] [--json FILE] "
                   "[--benchmark_* flags]\n"
                   "  --scale F     multiply every case's request count (default 1)\n"
                   "  --case NAME   run the cases whose name contains NAME\n"
                   "  --json FILE   write every figure to FILE\n";
      std::exit(kExitOk);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return o;
}

// A relative path given under `bazel run` is the user's, not the runfiles directory's.
std::filesystem::path user_path(const std::string& p) {
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (std::filesystem::path(p).is_absolute() || !wd) return p;
  return std::filesystem::path(wd) / p;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%d", std::gmtime(&now));
  return b;
}

int main_impl(int argc, char** argv) {
  std::optional<Options> opt = parse_flags(argc, argv);
  if (!opt) return kExitBadInput;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return kExitBadInput;

  // Cases first, while this process is small (a forked child starts with its parent's RSS).
  std::vector<CaseResult> results;
  for (const auto& c : bench_cases()) {
    if (!opt->case_filter.empty() && c.name.find(opt->case_filter) == std::string::npos) continue;
    CaseResult r{c, {}, -1};
    CaseRequests scaled;
    CaseRequests startup;
    try {
      scaled = scaled_requests(c.file, opt->scale);
      startup = case_requests(c.file, [](uint64_t) { return uint64_t{1}; });
    } catch (const std::exception& e) {
      r.run = {{"ok", false}, {"error", e.what()}};
      results.push_back(r);
      continue;
    }
    std::cerr << "host_speed: " << c.name << ": " << scaled.measured_requests << " requests\n";
    r.run = run_case_in_child(c.file, scaled.sets);
    if (!r.run.value("ok", false)) {
      std::cerr << "host_speed: " << c.name << " failed: " << r.run.value("error", "") << "\n";
    } else if (startup.sets == scaled.sets) {
      r.startup_seconds = number(r.run, "host_cpu_seconds");
    } else {
      const nlohmann::json s = run_case_in_child(c.file, startup.sets);
      if (s.value("ok", false)) r.startup_seconds = number(s, "host_cpu_seconds");
    }
    results.push_back(r);
  }
  if (results.empty()) {
    std::cerr << "host_speed: no case matches --case " << opt->case_filter << "\n";
    return kExitBadInput;
  }

  CountersReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                                  : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  const double ns_per_wait = reporter.counter("ns_per_wait");
  const double ns_per_handoff = reporter.counter("ns_per_handoff");
  const double ns_per_zlib = reporter.counter("ns_per_call");

  // The table.
  std::printf("\nwdsim host speed (scale %g, %s)\n", opt->scale, today().c_str());
  std::printf(
      "baseline: %.1f host ns per bare timed wait, %.1f ns per ping-pong hand-off, "
      "%.0f ns per zlib call on 4 KiB text\n\n",
      ns_per_wait, ns_per_handoff, ns_per_zlib);
  std::printf("%-20s %9s %8s %8s %10s %10s %10s %9s %8s  %s\n", "case", "requests", "host s",
              "startup", "ns/req", "instr/req", "req/host s", "waits/req", "RSS MiB", "status");
  bool any_failed = false;
  for (const auto& r : results) {
    const bool ok = r.run.value("ok", false);
    any_failed = any_failed || !ok;
    const double ns = ns_per_request(r);
    const double cpu = number(r.run, "host_cpu_seconds");
    const double requests = number(r.run, "requests");
    const std::string instr = r.run.contains("instructions") && r.run["instructions"].is_number()
                                  ? fmt("%.0f", number(r.run, "instructions") / requests)
                                  : "n/a";
    const std::string startup =
        r.startup_seconds >= 0 && cpu > 0 ? fmt("%.1f%%", 100 * r.startup_seconds / cpu) : "-";
    if (!ok) {
      std::printf("%-20s %9s %8s %8s %10s %10s %10s %9s %8s  FAILED: %s\n", r.c.name.c_str(), "-",
                  "-", "-", "-", "-", "-", "-", "-", r.run.value("error", "").c_str());
      continue;
    }
    std::printf("%-20s %9.0f %8.2f %8s %10.0f %10s %10.0f %9.1f %8.1f  ok\n", r.c.name.c_str(),
                requests, cpu, startup.c_str(), ns, instr.c_str(), requests / cpu,
                ns_per_wait > 0 ? ns / ns_per_wait : 0,
                number(r.run, "peak_rss_bytes") / kBytesPerMib);
  }
  std::printf("\n");
  for (const auto& r : results) std::printf("  %-20s %s\n", r.c.name.c_str(), r.c.what.c_str());

  // The targets, where this run has the figures.
  auto find = [&](const std::string& name) -> const CaseResult* {
    for (const auto& r : results) {
      if (r.c.name == name && usable(r)) return &r;
    }
    return nullptr;
  };
  nlohmann::ordered_json targets = nlohmann::ordered_json::array();
  auto target = [&](const std::string& what, double value, double limit) {
    std::printf("  %-58s %8.2f  (target <= %g) %s\n", what.c_str(), value, limit,
                value <= limit ? "met" : "not met");
    targets.push_back({{"what", what}, {"value", value}, {"target", limit}});
  };
  std::printf("\ntargets:\n");
  const CaseResult* timing = find("doorbell_4k_timing");
  const CaseResult* real = find("doorbell_4k_real");
  if (timing && ns_per_wait > 0) {
    target("doorbell_4k_timing: bare waits per request", ns_per_request(*timing) / ns_per_wait,
           kTargetTimingWaitsPerRequest);
    target("doorbell_4k_timing: peak RSS MiB (at 1 M requests: scale 1)",
           number(timing->run, "peak_rss_bytes") / kBytesPerMib, kTargetRssMib);
  }
  if (real && ns_per_zlib > 0) {
    target("doorbell_4k_real / the engine's zlib call on 4 KiB",
           ns_per_request(*real) / ns_per_zlib, kTargetRealOverZlib);
  }
  for (const auto& [name, limit] :
       std::vector<std::pair<std::string, double>>{{"batch_d16", kTargetBatchOverCompare},
                                                   {"processes_64", kTargetScalingRatio},
                                                   {"queues_1024", kTargetScalingRatio}}) {
    const CaseResult* r = find(name);
    if (r && real) {
      target(name + " / doorbell_4k_real, per request", ns_per_request(*r) / ns_per_request(*real),
             limit);
    }
  }

  if (!opt->json_file.empty()) {
    nlohmann::ordered_json j;
    j["date"] = today();
    j["scale"] = opt->scale;
    j["baseline"] = {{"ns_per_bare_timed_wait", ns_per_wait},
                     {"ns_per_ping_pong_handoff", ns_per_handoff},
                     {"ns_per_zlib_call_4k", ns_per_zlib}};
    j["cases"] = nlohmann::ordered_json::array();
    for (const auto& r : results) {
      nlohmann::ordered_json c;
      c["name"] = r.c.name;
      c["file"] = r.c.file;
      c["ok"] = r.run.value("ok", false);
      c["error"] = r.run.value("error", "");
      if (usable(r)) {
        const double ns = ns_per_request(r);
        const double requests = number(r.run, "requests");
        c["requests"] = r.run["requests"];
        c["host_cpu_seconds"] = r.run["host_cpu_seconds"];
        c["wall_seconds"] = r.run["wall_seconds"];
        c["simulated_seconds"] = r.run["simulated_seconds"];
        c["startup_host_cpu_seconds"] =
            r.startup_seconds >= 0 ? nlohmann::ordered_json(r.startup_seconds) : nullptr;
        c["host_ns_per_request"] = ns;
        c["instructions_per_request"] =
            r.run["instructions"].is_number()
                ? nlohmann::ordered_json(number(r.run, "instructions") / requests)
                : nullptr;
        c["requests_per_host_cpu_second"] = requests / number(r.run, "host_cpu_seconds");
        c["bare_waits_per_request"] = ns_per_wait > 0 ? ns / ns_per_wait : 0;
        c["peak_rss_bytes"] = r.run["peak_rss_bytes"];
      }
      j["cases"].push_back(c);
    }
    j["targets"] = targets;
    const std::filesystem::path path = user_path(opt->json_file);
    std::ofstream out(path);
    out << j.dump(2) << "\n";
    if (!out) {
      std::cerr << "host_speed: cannot write " << path << "\n";
      return kExitBadInput;
    }
    std::printf("\nfigures in %s\n", path.string().c_str());
  }
  return any_failed ? kExitSomeCaseFailed : kExitOk;
}

}  // namespace
}  // namespace wdsim::bench

int sc_main(int argc, char** argv) {
  // As in wdsim's main: the first simulation context is set aside and never deleted (libsystemc's
  // static sc_event::none unregisters from it at exit); results own stdout, diagnostics stderr.
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  auto logger = spdlog::stderr_color_mt("wdsim");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
  return wdsim::bench::main_impl(argc, argv);
}
