// Scenario tests: the default scenario runs and every output inflates back to its input
// (the run fails otherwise); the doorbell path beats the syscall path at 4 KiB; a run is
// deterministic; the 2-request scenario's protocol trace equals its golden file.
#include "sim/system/system.h"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <sstream>

#include "sim/system/scenario.h"

namespace wdsim {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double mean_latency(const RunOutcome& o, const std::string& path, uint64_t size) {
  double sum = 0;
  int n = 0;
  for (const auto& s : o.samples) {
    if (s.path == path && s.size == size) {
      sum += static_cast<double>(s.latency_ps);
      ++n;
    }
  }
  return n ? sum / n : 0;
}

TEST(System, DefaultScenarioRunsAndDoorbellBeatsSyscallAt4K) {
  Scenario sc = load_scenario("scenarios/syscall_vs_doorbell.yaml", {"workload.requests=5"}, 0);
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  ASSERT_TRUE(o.ok) << o.error;
  // 2 paths x 4 sizes x 5 requests.
  ASSERT_EQ(o.samples.size(), 40u);
  for (const auto& s : o.samples) {
    uint64_t sum = 0;
    for (const auto& [name, v] : s.stages) sum += v;
    EXPECT_EQ(sum, s.latency_ps) << s.path << " " << s.size;
    EXPECT_GT(s.cpu_ps, 0u);
    EXPECT_GT(s.output_size, 0u);
  }
  const double doorbell = mean_latency(o, "doorbell", 4096);
  const double syscall = mean_latency(o, "syscall", 4096);
  EXPECT_GT(doorbell, 0);
  EXPECT_LT(doorbell, syscall);
  // The summary names every point.
  const std::string table = format_summary(sc, o);
  EXPECT_NE(table.find("doorbell      4 KiB"), std::string::npos) << table;
  EXPECT_NE(table.find("syscall      64 KiB"), std::string::npos) << table;
}

TEST(System, SameScenarioAndSeedGiveIdenticalOutputs) {
  auto run_once = [](std::string* stats, std::string* trace) {
    Scenario sc = load_scenario("scenarios/syscall_vs_doorbell.yaml",
                                {"workload.requests=3", "workload.sizes=[64, 4096]"}, 0);
    SimEnv env(sc.seed);
    RunOutcome o = run_system(sc, env);
    ASSERT_TRUE(o.ok) << o.error;
    record_workload_stats(o, env.stats());
    *stats = env.stats().to_json();
    *trace = env.trace().to_text();
  };
  std::string s1, t1, s2, t2;
  run_once(&s1, &t1);
  run_once(&s2, &t2);
  EXPECT_FALSE(t1.empty());
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(t1, t2);
}

TEST(System, TwoRequestTraceEqualsGolden) {
  Scenario sc = load_scenario("scenarios/golden_two_requests.yaml", {}, 0);
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  ASSERT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.samples.size(), 2u);
  const std::string golden = read_file("scenarios/golden/two_requests.trace.txt");
  ASSERT_FALSE(golden.empty()) << "golden file missing; run tools/update_golden.sh";
  const std::string trace = env.trace().to_text();
  if (trace != golden) {
    // Point at the first differing line, which is what a reviewer needs.
    std::istringstream a(trace), b(golden);
    std::string la, lb;
    int line = 1;
    while (std::getline(a, la) && std::getline(b, lb) && la == lb) ++line;
    FAIL() << "trace differs from scenarios/golden/two_requests.trace.txt at line " << line
           << "\n  got:    " << la << "\n  golden: " << lb
           << "\n(if the change is intended, run tools/update_golden.sh)";
  }
}

TEST(System, SeedChangesTheData) {
  Scenario a = load_scenario("scenarios/golden_two_requests.yaml", {}, 0);
  Scenario b = load_scenario("scenarios/golden_two_requests.yaml", {}, 99);
  SimEnv ea(a.seed), eb(b.seed);
  RunOutcome oa = run_system(a, ea);
  RunOutcome ob = run_system(b, eb);
  ASSERT_TRUE(oa.ok && ob.ok);
  EXPECT_NE(oa.samples[0].output_size + oa.samples[1].output_size * 7919,
            ob.samples[0].output_size + ob.samples[1].output_size * 7919);
}

TEST(System, RandomDataAndEveryFormatVerify) {
  for (const char* fmt : {"deflate", "zlib", "gzip"}) {
    Scenario sc = load_scenario_text("workload:\n  sizes: [100, 5000]\n  requests: 2\n", "inline",
                                     {std::string("workload.format=") + fmt,
                                      "workload.data=random", "system.host.buffer_mode=pin"});
    SimEnv env(sc.seed);
    RunOutcome o = run_system(sc, env);
    EXPECT_TRUE(o.ok) << fmt << ": " << o.error;
    EXPECT_EQ(o.samples.size(), 8u) << fmt;
  }
}

TEST(System, DecompressionOverBothPathsInEveryFormat) {
  for (const char* fmt : {"deflate", "zlib", "gzip"}) {
    for (const char* data : {"text", "random"}) {
      Scenario sc = load_scenario_text(
          "workload:\n  op: decompress\n  sizes: [100, 70000]\n  requests: 2\n", "inline",
          {std::string("workload.format=") + fmt, std::string("workload.data=") + data});
      SimEnv env(sc.seed);
      RunOutcome o = run_system(sc, env);
      ASSERT_TRUE(o.ok) << fmt << " " << data << ": " << o.error;
      ASSERT_EQ(o.samples.size(), 8u);
      // The output is the original data, so its size is the request size.
      for (const auto& s : o.samples) EXPECT_EQ(s.output_size, s.size) << s.path;
    }
  }
}

TEST(System, ASimulationErrorIsReportedNotThrown) {
  // A syscall-path destination too small for incompressible data fails the request; the run
  // reports it as a simulation error.
  Scenario sc = load_scenario_text(
      "workload:\n  paths: [syscall]\n  sizes: [64]\n  requests: 1\n", "inline",
      {"system.zip.max_bytes_per_request=32"});
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("syscall path"), std::string::npos) << o.error;
}

}  // namespace
}  // namespace wdsim
