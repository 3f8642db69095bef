// The stats `wdsim describe` lists: the default system with one device of every accelerator
// kind, built without simulating. Every stat says what it counts; histograms and scalars
// carry a unit; the blocks' build-time stats are there with their kinds and units.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "sim/system/system.h"

namespace wdsim {
namespace {

std::map<std::string, StatInfo> by_key() {
  std::map<std::string, StatInfo> m;
  for (auto& s : describe_stats()) m.emplace(s.key_path, s);
  return m;
}

TEST(DescribeStats, EveryStatHasADescriptionAndHistogramsAndScalarsAUnit) {
  const auto stats = describe_stats();
  ASSERT_FALSE(stats.empty());
  std::string offenders;
  for (const StatInfo& s : stats) {
    if (s.description.empty()) offenders += "  no description: " + s.key_path + "\n";
    const bool needs_unit = s.kind == StatKind::kHistogram || s.kind == StatKind::kScalar;
    if (needs_unit && s.unit.empty()) {
      offenders += "  no unit (" + std::string(stat_kind_name(s.kind)) + "): " + s.key_path + "\n";
    }
  }
  EXPECT_TRUE(offenders.empty()) << "stats registered without a description or unit:\n"
                                 << offenders;
}

TEST(DescribeStats, KeysAreInOrderAndUnique) {
  const auto stats = describe_stats();
  for (size_t i = 1; i < stats.size(); ++i) EXPECT_LT(stats[i - 1].key_path, stats[i].key_path);
}

TEST(DescribeStats, KnownBlockStatsHaveTheirKindAndUnit) {
  const auto m = by_key();
  struct Expected {
    const char* key;
    StatKind kind;
    const char* unit;
  };
  const Expected expected[] = {
      {"zip.requests", StatKind::kCounter, ""},
      {"zip.compress.requests", StatKind::kCounter, ""},
      {"zip.queued_ns", StatKind::kHistogram, "ns"},
      {"zip.compute_ns", StatKind::kHistogram, "ns"},
      {"sec.requests", StatKind::kCounter, ""},
      {"sec.compute_ns", StatKind::kHistogram, "ns"},
      {"qm.sqes", StatKind::kCounter, ""},
      {"sec_qm.sqes", StatKind::kCounter, ""},
      {"smmu.translations", StatKind::kCounter, ""},
      {"smmu.walk_latency_ns", StatKind::kHistogram, "ns"},
      // The table walker's.
      {"smmu.walk_reads", StatKind::kHistogram, "reads"},
      {"smmu.walks_by_reads.0", StatKind::kCounter, ""},
      {"smmu.walks_coalesced", StatKind::kCounter, ""},
      {"smmu.walk_cache.l2.hit_rate", StatKind::kScalar, "ratio"},
  };
  for (const Expected& e : expected) {
    auto it = m.find(e.key);
    ASSERT_NE(it, m.end()) << e.key;
    EXPECT_EQ(it->second.kind, e.kind) << e.key;
    EXPECT_EQ(it->second.unit, e.unit) << e.key;
    EXPECT_FALSE(it->second.description.empty()) << e.key;
  }
}

TEST(DescribeStats, BuildingTwiceGivesTheSameList) {
  const auto a = describe_stats();
  const auto b = describe_stats();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].key_path, b[i].key_path);
}

}  // namespace
}  // namespace wdsim
