// Keeps the benchmark's scenarios (scenarios/bench/) from rotting: each runs with two measured
// requests per thread entry through the same entry `wdsim run` uses and must succeed and
// measure exactly the requests it was asked for; every file of scenarios/bench/ is a case of
// the benchmark. No timing is asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "bench/bench_cases.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim::bench {
namespace {

constexpr uint64_t kTinyRequests = 2;

class BenchScenario : public ::testing::TestWithParam<BenchCase> {};

TEST_P(BenchScenario, RunsAndMeasuresTheRequestsAskedFor) {
  const BenchCase& c = GetParam();
  const CaseRequests req =
      case_requests(c.file, [](uint64_t base) { return std::min(base, kTinyRequests); });
  const Scenario sc = load_scenario(c.file, req.sets, 0);
  SimEnv env(sc.seed, sc.output.trace || sc.output.chrome_trace);
  const RunOutcome outcome = run_system(sc, env);
  EXPECT_TRUE(outcome.ok) << c.file << ": " << outcome.error;
  EXPECT_EQ(outcome.report.measured_requests, req.measured_requests) << c.file;
}

INSTANTIATE_TEST_SUITE_P(Cases, BenchScenario, ::testing::ValuesIn(bench_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(BenchScenarios, EveryFileIsACase) {
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator("scenarios/bench")) {
    if (e.path().extension() == ".yaml")
      files.insert("scenarios/bench/" + e.path().filename().string());
  }
  std::set<std::string> cases;
  for (const auto& c : bench_cases()) cases.insert(c.file);
  EXPECT_EQ(files, cases);
}

TEST(BenchScenarios, ScaleMultipliesEveryEntrysRequests) {
  const CaseRequests full = scaled_requests("scenarios/bench/processes_64.yaml", 1);
  const CaseRequests tenth = scaled_requests("scenarios/bench/processes_64.yaml", 0.1);
  ASSERT_EQ(full.sets.size(), 1u);
  EXPECT_EQ(full.measured_requests, 10 * tenth.measured_requests);
  const CaseRequests tiny = scaled_requests("scenarios/bench/processes_64.yaml", 1e-9);
  EXPECT_EQ(tiny.sets[0], "processes.0.threads.0.compare.requests=1");
}

}  // namespace
}  // namespace wdsim::bench
