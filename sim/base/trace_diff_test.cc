// Trace comparison: parsing (located errors for truncated and garbled traces), the three modes
// on hand-made traces with known answers, and the edit script against a dynamic-programming
// LCS on random sequences (its length is minimal and applying it turns a into b).
#include "sim/base/trace_diff.h"

#include <gtest/gtest.h>

#include <random>

#include "sim/base/params.h"

namespace wdsim {
namespace {

constexpr const char* kGolden =
    "100 smmu cmd op=CFGI_STE sid=0\n"
    "200 qm doorbell qp=0 cmd=0 index=1\n"
    "300 smmu walk sid=0 pasid=1 iova=0x1000 levels=4\n"
    "400 qm cqe qp=0 sq_head=0 phase=1\n"
    "500 zip sqe_done qp=0 status=0\n";

std::vector<TraceLine> parse(const std::string& text) { return parse_trace(text, "t.txt"); }

TraceDiffResult diff(const std::string& a, const std::string& b, TraceDiffOptions o) {
  return diff_traces(parse(a), "golden", parse(b), "run", o);
}

TraceDiffOptions mode(TraceDiffMode m) {
  TraceDiffOptions o;
  o.mode = m;
  return o;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TraceParse, ReadsEveryLine) {
  const auto lines = parse(kGolden);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2].time_ps, 300u);
  EXPECT_EQ(lines[2].component, "smmu");
  EXPECT_EQ(lines[2].what, "walk sid=0 pasid=1 iova=0x1000 levels=4");
  EXPECT_EQ(lines[2].line, 3);
  EXPECT_TRUE(parse("").empty());
}

TEST(TraceParse, TruncatedAndGarbledTracesAreLocatedErrors) {
  EXPECT_EQ(error_of("100 smmu cmd op=SYNC\n200 qm doorb"),
            "t.txt:2: no newline at the end: the trace is truncated");
  EXPECT_NE(error_of("100 smmu cmd\nxyz smmu cmd\n").find("t.txt:2: expected '<time_ps>"),
            std::string::npos);
  EXPECT_EQ(error_of("100 smmu\n"), "t.txt:1: expected a component and an event after the time");
  EXPECT_EQ(error_of("100 smmu cmd op\n"), "t.txt:1: field 'op' is not key=value");
  EXPECT_EQ(error_of("100 smmu cmd  op=1\n"), "t.txt:1: field '' is not key=value");
  EXPECT_EQ(error_of("200 a b\n100 a b\n"),
            "t.txt:2: time 100 ps is before the previous line's 200 ps (a canonical trace is "
            "sorted by time)");
  EXPECT_EQ(error_of("99999999999999999999 a b\n"), "t.txt:1: time does not fit 64 bits");
  EXPECT_THROW(trace_diff_mode("fuzzy"), ConfigError);
}

TEST(TraceDiff, IdenticalTracesAreTheSameInEveryMode) {
  for (TraceDiffMode m :
       {TraceDiffMode::kExact, TraceDiffMode::kProtocol, TraceDiffMode::kTiming}) {
    const TraceDiffResult r = diff(kGolden, kGolden, mode(m));
    EXPECT_TRUE(r.same) << trace_diff_mode_name(m);
    EXPECT_EQ(r.report, "");
  }
}

TEST(TraceDiff, ShiftedTimestampsDifferExactlyButNotInProtocol) {
  const std::string later =
      "150 smmu cmd op=CFGI_STE sid=0\n"
      "250 qm doorbell qp=0 cmd=0 index=1\n"
      "350 smmu walk sid=0 pasid=1 iova=0x1000 levels=4\n"
      "450 qm cqe qp=0 sq_head=0 phase=1\n"
      "550 zip sqe_done qp=0 status=0\n";
  EXPECT_TRUE(diff(kGolden, later, mode(TraceDiffMode::kProtocol)).same);
  const TraceDiffResult exact = diff(kGolden, later, mode(TraceDiffMode::kExact));
  EXPECT_FALSE(exact.same);
  // Every line changed: 5 deletions and 5 insertions in one hunk.
  EXPECT_NE(exact.report.find("@@ -1,5 +1,5 @@\n-100 smmu cmd op=CFGI_STE sid=0\n"),
            std::string::npos)
      << exact.report;
  EXPECT_NE(exact.report.find("+550 zip sqe_done qp=0 status=0\n"), std::string::npos);

  // Timing: 50 ps off everywhere; the largest relative error is 50/150 at the first line.
  TraceDiffOptions t = mode(TraceDiffMode::kTiming);
  t.absolute_ps = 50;
  EXPECT_TRUE(diff(kGolden, later, t).same);
  t.absolute_ps = 49;
  const TraceDiffResult late = diff(kGolden, later, t);
  EXPECT_FALSE(late.same);
  EXPECT_NE(late.report.find("but 5 timestamps differ by more than the tolerance (absolute 49 ps, "
                             "relative 0); the largest by 50 ps"),
            std::string::npos)
      << late.report;
  EXPECT_NE(late.report.find("A (golden): 1: 100 smmu cmd op=CFGI_STE sid=0\n  B (run): 1: 150 "
                             "smmu cmd op=CFGI_STE sid=0\n"),
            std::string::npos)
      << late.report;
  t.absolute_ps = 0;
  t.relative = 50.0 / 150.0;
  EXPECT_TRUE(diff(kGolden, later, t).same);
  t.relative = 0.3;  // only the first line (50/150) is outside
  const TraceDiffResult rel = diff(kGolden, later, t);
  EXPECT_NE(rel.report.find("but 1 timestamps differ"), std::string::npos) << rel.report;
}

TEST(TraceDiff, ReorderedComponentsAreTheSameProtocol) {
  // The qm doorbell now comes after the smmu walk: per component nothing changed.
  const std::string swapped =
      "100 smmu cmd op=CFGI_STE sid=0\n"
      "300 smmu walk sid=0 pasid=1 iova=0x1000 levels=4\n"
      "310 qm doorbell qp=0 cmd=0 index=1\n"
      "400 qm cqe qp=0 sq_head=0 phase=1\n"
      "500 zip sqe_done qp=0 status=0\n";
  EXPECT_TRUE(diff(kGolden, swapped, mode(TraceDiffMode::kProtocol)).same);
  EXPECT_FALSE(diff(kGolden, swapped, mode(TraceDiffMode::kExact)).same);
}

TEST(TraceDiff, AnExtraEventIsSummarisedLocatedAndDiffed) {
  const std::string extra =
      "100 smmu cmd op=CFGI_STE sid=0\n"
      "200 qm doorbell qp=0 cmd=0 index=1\n"
      "300 smmu walk sid=0 pasid=1 iova=0x1000 levels=4\n"
      "310 smmu cmd op=TLBI_NH_VA asid=1\n"
      "400 qm cqe qp=0 sq_head=0 phase=1\n"
      "500 zip sqe_done qp=0 status=3\n";
  const TraceDiffResult r = diff(kGolden, extra, mode(TraceDiffMode::kProtocol));
  ASSERT_FALSE(r.same);
  const std::string& t = r.report;
  EXPECT_EQ(
      t.rfind("traces differ (protocol mode): A = golden (5 events), B = run (6 events)\n", 0), 0u)
      << t;
  // The summary names the kinds that differ with both sides' counts, and only those.
  EXPECT_NE(t.find("  smmu       cmd              1       2  1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("  zip        sqe_done         1       1  2\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("  qm "), std::string::npos) << t;
  // The first divergence is the earliest: the smmu command at 310 ps, with context.
  EXPECT_NE(
      t.find("first divergence in component smmu at 310 ps:\n  A (golden):\n      1: 100 smmu "
             "cmd op=CFGI_STE sid=0\n      3: 300 smmu walk sid=0 pasid=1 iova=0x1000 "
             "levels=4\n    > (end of golden)\n  B (run):\n"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("    > 4: 310 smmu cmd op=TLBI_NH_VA asid=1\n"), std::string::npos) << t;
  // Unified diff per component.
  EXPECT_NE(
      t.find("--- golden\n+++ run\n@@ smmu -1,2 +1,3 @@\n 100 smmu cmd op=CFGI_STE sid=0\n 300 "
             "smmu walk sid=0 pasid=1 iova=0x1000 levels=4\n+310 smmu cmd op=TLBI_NH_VA "
             "asid=1\n@@ zip -5,1 +6,1 @@\n-500 zip sqe_done qp=0 status=0\n+500 zip "
             "sqe_done qp=0 status=3\n"),
      std::string::npos)
      << t;
}

TEST(TraceDiff, TheDiffIsCutAtItsBudget) {
  std::string a, b;
  for (int i = 0; i < 100; ++i) {
    a += std::to_string(i) + " c e n=" + std::to_string(i) + "\n";
    b += std::to_string(i) + " c e n=" + std::to_string(i + 1000) + "\n";
  }
  TraceDiffOptions o = mode(TraceDiffMode::kProtocol);
  o.max_diff_lines = 10;
  const TraceDiffResult r = diff(a, b, o);
  EXPECT_NE(r.report.find("... (diff cut here)\n"), std::string::npos);
  EXPECT_NE(r.report.find("  c          e           100     100  200\n"), std::string::npos)
      << r.report;
}

// Length of a longest common subsequence, by dynamic programming.
size_t lcs(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<std::vector<size_t>> t(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
    }
  }
  return t[a.size()][b.size()];
}

TEST(EditScript, IsAShortestScriptThatTurnsAIntoB) {
  const std::vector<std::string> alphabet = {"a", "b", "c", "d"};
  std::mt19937 rng(7);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string_view> a(rng() % 20), b(rng() % 20);
    for (auto& x : a) x = alphabet[rng() % alphabet.size()];
    for (auto& x : b) x = alphabet[rng() % alphabet.size()];
    const std::vector<Edit> e = edit_script(a, b);
    std::vector<std::string_view> rebuilt;
    size_t next_a = 0, changes = 0;
    for (const Edit& x : e) {
      if (x.kind == EditKind::kInsert) {
        rebuilt.push_back(b[x.b]);
        ++changes;
        continue;
      }
      ASSERT_EQ(x.a, next_a++);  // every a element once, in order
      if (x.kind == EditKind::kEqual) {
        ASSERT_EQ(a[x.a], b[x.b]);
        rebuilt.push_back(a[x.a]);
      } else {
        ++changes;
      }
    }
    EXPECT_EQ(next_a, a.size());
    EXPECT_EQ(rebuilt, b);
    EXPECT_EQ(changes, a.size() + b.size() - 2 * lcs(a, b)) << "round " << round;
  }
}

}  // namespace
}  // namespace wdsim
