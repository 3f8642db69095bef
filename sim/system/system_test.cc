// Scenario tests: the default scenario runs and every output inflates back to its input
// (the run fails otherwise); the doorbell path beats the syscall path at 4 KiB; a run is
// deterministic; two ZIP devices each serve their own process. (The protocol traces of
// scenarios/golden are checked by golden_suite_test.)
#include "sim/system/system.h"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <sstream>

#include "sim/system/scenario.h"

namespace wdsim {
namespace {

// The compare program's per-point histograms: workload.<path>.<size>.<what>.
const Histogram* point_hist(SimEnv& env, const std::string& path, uint64_t size,
                            const std::string& what) {
  return env.stats().find_histogram("workload." + path + "." + std::to_string(size) + "." + what);
}

// The stage histograms of one point (workload.<path>.<size>.stage.<stage>_ns).
std::vector<const Histogram*> stage_hists(SimEnv& env, const std::string& path, uint64_t size) {
  const std::string prefix = "workload." + path + "." + std::to_string(size) + ".stage.";
  std::vector<const Histogram*> out;
  for (const auto& k : env.stats().keys()) {
    if (k.rfind(prefix, 0) == 0) out.push_back(env.stats().find_histogram(k));
  }
  return out;
}

const SummaryTable* table_named(const RunOutcome& o, const std::string& name) {
  for (const auto& t : o.report.tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

uint64_t counter(SimEnv& env, const std::string& key) {
  const Counter* c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

// The fields of one CSV line without quoted fields.
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

TEST(System, DefaultScenarioRunsAndDoorbellBeatsSyscallAt4K) {
  Scenario sc =
      load_scenario("scenarios/syscall_vs_doorbell.yaml",
                    {"processes.0.threads.0.compare.requests=5", "output.requests=true"}, 0);
  SimEnv env(sc.seed);
  std::ostringstream requests_csv;
  RunOutcome o = run_system(sc, env, &requests_csv);
  ASSERT_TRUE(o.ok) << o.error;
  // 2 paths x 4 sizes x 5 requests.
  EXPECT_EQ(o.report.measured_requests, 40u);
  for (const char* path : {"doorbell", "syscall"}) {
    for (uint64_t size : {64u, 1024u, 4096u, 65536u}) {
      const Histogram* lat = point_hist(env, path, size, "latency_ns");
      const Histogram* cpu = point_hist(env, path, size, "cpu_ns");
      const Histogram* out = point_hist(env, path, size, "output_bytes");
      ASSERT_TRUE(lat && cpu && out) << path << " " << size;
      ASSERT_EQ(lat->count(), 5u) << path << " " << size;
      EXPECT_GT(cpu->min(), 0.0) << path << " " << size;
      EXPECT_GT(out->min(), 0.0) << path << " " << size;
      // Every stage histogram has one sample per request, and the stages sum to the latency.
      const auto stages = stage_hists(env, path, size);
      ASSERT_GE(stages.size(), 5u) << path << " " << size;
      double stage_sum = 0;
      for (const Histogram* h : stages) {
        ASSERT_EQ(h->count(), lat->count());
        stage_sum += h->sum();
      }
      EXPECT_NEAR(stage_sum, lat->sum(), 1e-6 * lat->sum()) << path << " " << size;
    }
  }
  // requests.csv: one row per measured request, in completion order; each request's stages
  // sum to its latency exactly (ps).
  std::istringstream rows(requests_csv.str());
  std::string line;
  ASSERT_TRUE(std::getline(rows, line));
  EXPECT_EQ(line, RequestLog::kHeader);
  const std::vector<std::string> header = csv_fields(line);
  size_t n = 0;
  uint64_t last_submit = 0;
  while (std::getline(rows, line)) {
    const std::vector<std::string> f = csv_fields(line);
    ASSERT_EQ(f.size(), header.size()) << line;
    EXPECT_EQ(f[0], "app");
    EXPECT_EQ(f[2], "compare");
    EXPECT_TRUE(f[3] == "doorbell" || f[3] == "syscall") << line;
    EXPECT_EQ(f[5], std::to_string(n % 5)) << line;  // request index within the point
    const uint64_t submit = std::stoull(f[6]);
    EXPECT_GE(submit, last_submit) << line;
    last_submit = submit;
    EXPECT_GT(std::stoull(f[8]), 0u) << line;  // cpu_ps
    EXPECT_GT(std::stoull(f[9]), 0u) << line;  // output_bytes
    uint64_t sum = 0;
    std::stringstream stages(f[10]);
    std::string st;
    while (std::getline(stages, st, ';')) sum += std::stoull(st.substr(st.find('=') + 1));
    EXPECT_EQ(sum, std::stoull(f[7])) << line;  // latency_ps
    ++n;
  }
  EXPECT_EQ(n, 40u);
  const double doorbell = point_hist(env, "doorbell", 4096, "latency_ns")->mean();
  const double syscall = point_hist(env, "syscall", 4096, "latency_ns")->mean();
  EXPECT_GT(doorbell, 0);
  EXPECT_LT(doorbell, syscall);
  // The summary names every point, in the text and in the table.
  const std::string text = format_summary(sc, o);
  EXPECT_NE(text.find("doorbell      4 KiB"), std::string::npos) << text;
  EXPECT_NE(text.find("syscall      64 KiB"), std::string::npos) << text;
  const SummaryTable* t = table_named(o, "compare");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows.size(), 8u);
  EXPECT_EQ(t->columns[0], "path");
  EXPECT_EQ(t->columns[1], "size");
  EXPECT_EQ(t->columns[2], "requests");
  for (const auto& row : t->rows) EXPECT_EQ(row[2], "5") << row[0] << " " << row[1];
  // One process, which exits at the end having done every request (1 warm-up each).
  ASSERT_EQ(o.processes.size(), 1u);
  EXPECT_EQ(o.processes[0].name, "app");
  EXPECT_EQ(o.processes[0].end, "exited 0");
  EXPECT_EQ(o.processes[0].requests_ok, 2u * 4 * (5 + 1));
  EXPECT_EQ(o.processes[0].requests_failed, 0u);
}

TEST(System, SameScenarioAndSeedGiveIdenticalOutputs) {
  auto run_once = [](std::string* stats, std::string* trace, std::string* summary) {
    Scenario sc = load_scenario("scenarios/syscall_vs_doorbell.yaml",
                                {"processes.0.threads.0.compare.requests=3",
                                 "processes.0.threads.0.compare.sizes=[64, 4096]"},
                                0);
    SimEnv env(sc.seed);
    RunOutcome o = run_system(sc, env);
    ASSERT_TRUE(o.ok) << o.error;
    *stats = env.stats().to_json();
    *trace = env.trace().to_text();
    *summary = summary_json(o);
  };
  std::string s1, t1, j1, s2, t2, j2;
  run_once(&s1, &t1, &j1);
  run_once(&s2, &t2, &j2);
  EXPECT_FALSE(t1.empty());
  EXPECT_NE(s1.find("latency_ns"), std::string::npos);  // the workload's stats are in it
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(t1, t2);
  EXPECT_EQ(j1, j2);
}

TEST(System, SeedChangesTheData) {
  Scenario a = load_scenario("scenarios/golden/two_requests.yaml", {}, 0);
  Scenario b = load_scenario("scenarios/golden/two_requests.yaml", {}, 99);
  SimEnv ea(a.seed), eb(b.seed);
  RunOutcome oa = run_system(a, ea);
  RunOutcome ob = run_system(b, eb);
  ASSERT_TRUE(oa.ok && ob.ok);
  auto sizes = [](SimEnv& env) {
    const Histogram* d = point_hist(env, "doorbell", 4096, "output_bytes");
    const Histogram* s = point_hist(env, "syscall", 4096, "output_bytes");
    EXPECT_TRUE(d && s && d->count() == 1 && s->count() == 1);
    return d && s ? d->sum() + s->sum() * 7919 : -1.0;
  };
  EXPECT_NE(sizes(ea), sizes(eb));
}

TEST(System, RandomDataAndEveryFormatVerify) {
  for (const char* fmt : {"deflate", "zlib", "gzip"}) {
    const std::string c = "processes.0.threads.0.compare.";
    Scenario sc = load_scenario_text(
        "processes:\n  - threads:\n      - compare:\n          sizes: [100, 5000]\n"
        "          requests: 2\n",
        "inline", {c + "format=" + fmt, c + "data=random", "system.host.buffer_mode=pin"});
    SimEnv env(sc.seed);
    RunOutcome o = run_system(sc, env);
    EXPECT_TRUE(o.ok) << fmt << ": " << o.error;
    EXPECT_EQ(o.report.measured_requests, 8u) << fmt;
    // Random data does not compress: the output is longer than the input.
    const Histogram* out = point_hist(env, "doorbell", 5000, "output_bytes");
    ASSERT_NE(out, nullptr);
    EXPECT_GT(out->min(), 5000.0) << fmt;
  }
}

TEST(System, DecompressionOverBothPathsInEveryFormat) {
  for (const char* fmt : {"deflate", "zlib", "gzip"}) {
    for (const char* data : {"text", "random"}) {
      const std::string c = "processes.0.threads.0.compare.";
      Scenario sc = load_scenario_text(
          "processes:\n  - threads:\n      - compare:\n          op: decompress\n"
          "          sizes: [100, 70000]\n          requests: 2\n",
          "inline", {c + "format=" + fmt, c + "data=" + data});
      SimEnv env(sc.seed);
      RunOutcome o = run_system(sc, env);
      ASSERT_TRUE(o.ok) << fmt << " " << data << ": " << o.error;
      ASSERT_EQ(o.report.measured_requests, 8u);
      // The output is the original data, so its size is the request size.
      for (const char* path : {"doorbell", "syscall"}) {
        for (uint64_t size : {100u, 70000u}) {
          const Histogram* out = point_hist(env, path, size, "output_bytes");
          ASSERT_NE(out, nullptr) << path << " " << size;
          ASSERT_EQ(out->count(), 2u);
          EXPECT_EQ(out->min(), static_cast<double>(size)) << path;
          EXPECT_EQ(out->max(), static_cast<double>(size)) << path;
        }
      }
    }
  }
}

TEST(System, ASimulationErrorIsReportedNotThrown) {
  // A syscall-path destination too small for incompressible data fails the request; the run
  // reports it as a simulation error.
  Scenario sc = load_scenario_text(
      "processes:\n  - threads:\n      - compare:\n          paths: [syscall]\n"
      "          sizes: [64]\n          requests: 1\n",
      "inline", {"system.devices.0.zip.max_bytes_per_request=32"});
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("syscall path"), std::string::npos) << o.error;
  ASSERT_EQ(o.processes.size(), 1u);
  EXPECT_NE(o.processes[0].first_error.find("syscall path"), std::string::npos);
}

TEST(System, TwoZipDevicesEachServeTheirOwnProcess) {
  // Two ZIP functions and two processes on the doorbell path. UADK picks the device with the
  // most available instances (ties: the first), so the first process takes a queue of
  // hisi_zip-0 and the second one of hisi_zip-1 -- if it reads sysfs after the first opened its
  // queue: the first opens ~3 us after boot and holds the queue for its 4 requests (~25 us), so
  // the second starts at 10 us. (At 1 us both read sysfs before either opened, and both pick
  // hisi_zip-0, as two racing processes would on Linux.)
  const uint64_t kRequests = 4;
  Scenario sc = load_scenario_text(
      "system:\n  devices:\n    - kind: zip\n    - kind: zip\n"
      "processes:\n"
      "  - name: a\n    threads:\n      - compare: {paths: [doorbell], sizes: [4096], "
      "requests: 4, warmup_requests: 0}\n"
      "  - name: b\n    threads:\n      - start_us: 10\n        compare: {paths: [doorbell], "
      "sizes: [4096], requests: 4, warmup_requests: 0}\n",
      "two.yaml", {});
  ASSERT_EQ(sc.system.devices.size(), 2u);
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  ASSERT_TRUE(o.ok) << o.error;
  // Both measured: the compare point has both processes' requests.
  EXPECT_EQ(o.report.measured_requests, 2 * kRequests);
  const Histogram* lat = point_hist(env, "doorbell", 4096, "latency_ns");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->count(), 2 * kRequests);
  ASSERT_EQ(o.processes.size(), 2u);
  for (const auto& p : o.processes) {
    EXPECT_EQ(p.requests_ok, kRequests) << p.name;
    EXPECT_EQ(p.requests_failed, 0u) << p.name;
    EXPECT_EQ(p.end, "exited 0") << p.name;
  }
  EXPECT_NE(o.processes[0].pid, o.processes[1].pid);
  // Two QMs, each with one process's SQEs.
  EXPECT_EQ(counter(env, "qm.sqes"), kRequests);
  EXPECT_EQ(counter(env, "qm1.sqes"), kRequests);
  EXPECT_EQ(counter(env, "qm.cqes"), kRequests);
  EXPECT_EQ(counter(env, "qm1.cqes"), kRequests);
  // Process a opened hisi_zip-0, b hisi_zip-1; the devices DMA with their own StreamIDs.
  const std::string trace = env.trace().to_text();
  const std::string pid_a = std::to_string(o.processes[0].pid);
  const std::string pid_b = std::to_string(o.processes[1].pid);
  EXPECT_NE(trace.find("host.uacce open dev=hisi_zip-0 pid=" + pid_a + " "), std::string::npos);
  EXPECT_NE(trace.find("host.uacce open dev=hisi_zip-1 pid=" + pid_b + " "), std::string::npos);
  EXPECT_NE(trace.find("smmu walk sid=0 pasid="), std::string::npos);
  EXPECT_NE(trace.find("smmu walk sid=1 pasid="), std::string::npos);
  // The processes table is shown with several processes.
  EXPECT_NE(format_summary(sc, o).find("processes:"), std::string::npos);
}

}  // namespace
}  // namespace wdsim
