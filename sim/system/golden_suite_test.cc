// The golden suite: every scenarios/golden/NAME.yaml runs and its protocol trace is compared
// with NAME.trace.txt, in protocol mode (what happened, per component, in which order) and in
// exact mode (byte for byte, timestamps included). A failure prints the diff report; if the
// change is intended, `wdsim golden update NAME` regenerates the file (docs/regression.md).
#include <gtest/gtest.h>

#include "sim/base/trace_diff.h"
#include "sim/system/golden.h"

namespace wdsim {
namespace {

constexpr const char* kGoldenDir = "scenarios/golden";
// The protocol features the suite must keep covering (docs/regression.md lists what each shows).
constexpr size_t kMinimumGoldens = 9;

TEST(GoldenSuite, EveryGoldenTraceMatchesInProtocolAndExactModes) {
  const std::vector<GoldenCase> cases = golden_cases(kGoldenDir, {});
  EXPECT_GE(cases.size(), kMinimumGoldens);
  for (const GoldenCase& g : cases) {
    SCOPED_TRACE(g.name);
    const std::string golden_text = read_text_file(g.trace);
    const std::vector<TraceLine> golden = parse_trace(golden_text, g.trace);
    ASSERT_FALSE(golden.empty());
    const std::string run_text = scenario_trace(g.scenario, {}, 0);
    const std::vector<TraceLine> run = parse_trace(run_text, g.name + " (this run)");
    for (TraceDiffMode m : {TraceDiffMode::kProtocol, TraceDiffMode::kExact}) {
      TraceDiffOptions o;
      o.mode = m;
      const TraceDiffResult r = diff_traces(golden, g.trace, run, g.name + " (this run)", o);
      EXPECT_TRUE(r.same) << r.report << "(if the change is intended: wdsim golden update "
                          << g.name << ")";
    }
  }
}

}  // namespace
}  // namespace wdsim
