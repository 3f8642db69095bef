// Timing-only mode and output verification (output.verify): every shipped scenario runs with
// every device in data_mode timing; outputs of timing-only devices are never verified and the
// summary says so; `verify: sample` checks a deterministic one-in-n; real mode checks all.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sim/system/system.h"

namespace wdsim {
namespace {

struct SystemRun {
  Scenario scenario;
  std::unique_ptr<SimEnv> env;
  RunOutcome outcome;
  uint64_t counter(const std::string& key) const {
    const Counter* c = env->stats().find_counter(key);
    return c ? c->value() : 0;
  }
};

SystemRun run(const std::string& file, std::vector<std::string> sets, bool timing) {
  SystemRun r;
  if (timing) {
    const auto more = data_mode_sets(load_scenario(file, sets, 0), "timing");
    sets.insert(sets.end(), more.begin(), more.end());
  }
  r.scenario = load_scenario(file, sets, 0);
  r.env = std::make_unique<SimEnv>(r.scenario.seed);
  r.outcome = run_system(r.scenario, *r.env);
  return r;
}

std::string compare(const std::string& kv) { return "processes.0.threads.0.compare." + kv; }

TEST(TimingMode, EveryShippedScenarioRunsWithEveryDeviceTimingOnly) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator("scenarios")) {
    // exec.yaml is the system of `wdsim exec`: it runs only with a user's program.
    if (e.path().extension() == ".yaml" && e.path().filename() != "exec.yaml") {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    SystemRun r = run(f, {}, /*timing=*/true);
    ASSERT_TRUE(r.outcome.ok) << r.outcome.error;
    // Devices without a data mode (a NIC: its packets are always the traffic source's bytes)
    // stay as they are.
    size_t with_mode = 0;
    for (const DeviceSpec& d : r.scenario.system.devices) {
      with_mode += find_accelerator_kind(d.kind)->has_data_mode() ? 1 : 0;
    }
    EXPECT_EQ(r.outcome.outputs.timing_only_devices.size(), with_mode);
    if (with_mode < r.scenario.system.devices.size()) continue;
    // Nothing a timing-only device made was checked as if it were data.
    EXPECT_EQ(r.outcome.outputs.verified, 0u);
    EXPECT_EQ(r.counter("outputs.verified"), 0u);
  }
}

TEST(TimingMode, DoorbellAndSyscallOutputsAreCountedNotCheckedAndTheSummarySaysSo) {
  SystemRun r = run("scenarios/golden/two_requests.yaml",
                    {compare("paths=[doorbell,syscall]"), compare("sizes=[4096]"),
                     compare("requests=5"), compare("warmup_requests=1")},
                    /*timing=*/true);
  ASSERT_TRUE(r.outcome.ok) << r.outcome.error;
  EXPECT_EQ(r.outcome.outputs.skipped_timing_only, 12u);  // 2 paths x (5 + 1)
  EXPECT_EQ(r.counter("outputs.skipped_timing_only"), 12u);
  const std::string text = format_summary(r.scenario, r.outcome);
  EXPECT_NE(text.find("12 not verified (timing-only data mode on hisi_zip-0"), std::string::npos)
      << text;
  // The ratio model's sizes: 4 KiB of text at the default ratio, plus header and trailer.
  EXPECT_GT(r.env->stats().find_counter("zip.bytes_out")->value(), 0u);
}

TEST(TimingMode, RealModeVerifiesEveryOutputAndSamplingOneInN) {
  const std::vector<std::string> base = {compare("paths=[doorbell]"), compare("sizes=[1024]"),
                                         compare("requests=20"), compare("warmup_requests=0")};
  SystemRun all = run("scenarios/golden/two_requests.yaml", base, false);
  ASSERT_TRUE(all.outcome.ok) << all.outcome.error;
  EXPECT_EQ(all.outcome.outputs.verified, 20u);
  EXPECT_EQ(all.outcome.outputs.skipped_by_policy + all.outcome.outputs.skipped_timing_only, 0u);
  EXPECT_EQ(format_summary(all.scenario, all.outcome).find("not verified"), std::string::npos);

  std::vector<std::string> sample = base;
  sample.push_back("output.verify=sample");
  sample.push_back("output.verify_every=8");
  SystemRun s = run("scenarios/golden/two_requests.yaml", sample, false);
  ASSERT_TRUE(s.outcome.ok) << s.outcome.error;
  EXPECT_EQ(s.outcome.outputs.verified, 3u);  // requests 0, 8, 16
  EXPECT_EQ(s.outcome.outputs.skipped_by_policy, 17u);

  std::vector<std::string> none = base;
  none.push_back("output.verify=none");
  SystemRun n = run("scenarios/golden/two_requests.yaml", none, false);
  ASSERT_TRUE(n.outcome.ok) << n.outcome.error;
  EXPECT_EQ(n.outcome.outputs.verified, 0u);
  EXPECT_EQ(n.outcome.outputs.skipped_by_policy, 20u);
  // Checking is not part of simulated time: the same latencies either way.
  EXPECT_EQ(all.env->stats().to_json().size() > 0, true);
  EXPECT_EQ(all.env->stats().find_histogram("workload.doorbell.1024.latency_ns")->mean(),
            n.env->stats().find_histogram("workload.doorbell.1024.latency_ns")->mean());
}

TEST(TimingMode, TimingOnlySecOutputsAreNotComparedWithOpenSsl) {
  // crypto_mix.yaml's second device is a SEC function; in timing mode its "cipher text" is the
  // plain text, which the run must not hold against it.
  SystemRun r = run(
      "scenarios/crypto_mix.yaml",
      {"processes.0.threads.0.crypto.algs=[cbc(aes)]", "processes.0.threads.0.crypto.sizes=[1024]",
       "processes.0.threads.0.crypto.requests=2", "system.devices.1.sec.data_mode=timing"},
      false);
  ASSERT_TRUE(r.outcome.ok) << r.outcome.error;
  EXPECT_GT(r.outcome.outputs.skipped_timing_only, 0u);
  EXPECT_EQ(r.outcome.outputs.timing_only_devices, std::vector<std::string>{"hisi_sec2-0"});
}

}  // namespace
}  // namespace wdsim
