#include "sim/accel/ats/atc.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "sim/base/timing.h"

namespace wdsim {
namespace {

AtcParams small(const std::string& replacement) {
  AtcParams p = default_params<AtcParams>();
  p.entries = 4;
  p.ways = 2;  // 2 sets: set = VPN % 2
  p.replacement = replacement;
  p.lookup_latency_ns = 3;
  return p;
}

AtcEntry entry(uint32_t ssid, uint64_t va, bool global = false) {
  return AtcEntry{true, ssid, va, 0x4000'0000 + va, true, true, false, false, global};
}

TEST(Atc, LookupCostsTheLatencyAndCountsHitsAndMisses) {
  StatsRegistry stats;
  Atc atc(small("lru"), stats, "ep.atc", std::mt19937_64(1));
  sc_core::sc_time t;
  EXPECT_FALSE(atc.lookup(true, 1, 0x1000, t));
  atc.insert(entry(1, 0x1000));
  auto e = atc.lookup(true, 1, 0x1abc, t);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pa_page, 0x4000'1000u);
  EXPECT_FALSE(atc.lookup(true, 2, 0x1000, t));   // another PASID
  EXPECT_FALSE(atc.lookup(false, 0, 0x1000, t));  // no PASID
  EXPECT_EQ(t, ns(4 * 3));
  EXPECT_EQ(stats.find_counter("ep.atc.hits")->value(), 1u);
  EXPECT_EQ(stats.find_counter("ep.atc.misses")->value(), 3u);
}

TEST(Atc, LruEvictsTheLeastRecentlyUsedAndFifoTheOldest) {
  for (const char* policy : {"lru", "fifo"}) {
    SCOPED_TRACE(policy);
    StatsRegistry stats;
    Atc atc(small(policy), stats, "atc", std::mt19937_64(1));
    sc_core::sc_time t;
    atc.insert(entry(1, 0x0000));    // set 0
    atc.insert(entry(1, 0x2000));    // set 0
    atc.lookup(true, 1, 0x0000, t);  // LRU: 0x2000 is now least recent
    atc.insert(entry(1, 0x4000));    // set 0: evicts
    const bool kept_first = atc.lookup(true, 1, 0x0000, t).has_value();
    const bool kept_second = atc.lookup(true, 1, 0x2000, t).has_value();
    if (std::string(policy) == "lru") {
      EXPECT_TRUE(kept_first);
      EXPECT_FALSE(kept_second);
    } else {
      EXPECT_FALSE(kept_first);
      EXPECT_TRUE(kept_second);
    }
    EXPECT_EQ(stats.find_counter("atc.evictions")->value(), 1u);
  }
}

TEST(Atc, RandomReplacementIsDeterministicForASeed) {
  auto survivors = [] {
    StatsRegistry stats;
    Atc atc(small("random"), stats, "atc", std::mt19937_64(7));
    for (uint64_t i = 0; i < 16; ++i) atc.insert(entry(1, i * 0x2000));  // all in set 0
    std::vector<bool> kept;
    sc_core::sc_time t;
    for (uint64_t i = 0; i < 16; ++i)
      kept.push_back(atc.lookup(true, 1, i * 0x2000, t).has_value());
    return kept;
  };
  EXPECT_EQ(survivors(), survivors());
}

TEST(Atc, InvalidateByPasidRangeWithoutPasidAndGlobal) {
  StatsRegistry stats;
  AtcParams p = small("lru");
  p.entries = 16;
  p.ways = 16;
  Atc atc(p, stats, "atc", std::mt19937_64(1));
  atc.insert(entry(1, 0x1000));
  atc.insert(entry(1, 0x2000));
  atc.insert(entry(2, 0x1000));
  atc.insert(entry(3, 0x1000, /*global=*/true));
  // PASID 1, the 4 KiB at 0x1000.
  EXPECT_EQ(atc.invalidate(true, 1, 0x1000, 0x1000, false), 1u);
  // PASID 2 with Global: its own entry and the global one of PASID 3.
  EXPECT_EQ(atc.invalidate(true, 2, 0x0, 0x4000, true), 2u);
  // No PASID: everything in range, whatever the PASID.
  atc.insert(entry(5, 0x3000));
  EXPECT_EQ(atc.invalidate(false, 0, 0x0, 0x4000, false), 2u);
  atc.insert(entry(6, 0xffff'f000));
  EXPECT_EQ(atc.invalidate(true, 6, 0, 0, false), 1u);  // size 0: all
  EXPECT_EQ(atc.valid_entries(), 0u);
  EXPECT_EQ(stats.find_counter("atc.invalidations")->value(), 4u);
  EXPECT_EQ(stats.find_counter("atc.invalidated")->value(), 6u);
}

TEST(Atc, HitsAndMissesPerPasidAddUpToTheTotals) {
  StatsRegistry stats;
  Atc atc(small("lru"), stats, "qm.ats.atc", std::mt19937_64(1));
  sc_core::sc_time t;
  atc.insert(entry(1, 0x1000));
  EXPECT_TRUE(atc.lookup(true, 1, 0x1000, t));   // p1 hit
  EXPECT_TRUE(atc.lookup(true, 1, 0x1800, t));   // p1 hit (same page)
  EXPECT_FALSE(atc.lookup(true, 1, 0x2000, t));  // p1 miss
  EXPECT_FALSE(atc.lookup(true, 2, 0x1000, t));  // p2 miss: p1's entry is not p2's
  atc.insert(entry(2, 0x1000));
  EXPECT_TRUE(atc.lookup(true, 2, 0x1000, t));    // p2 hit
  EXPECT_FALSE(atc.lookup(false, 0, 0x1000, t));  // no PASID: miss
  auto value = [&](const std::string& k) {
    const Counter* c = stats.find_counter(k);
    return c ? c->value() : ~uint64_t{0};
  };
  EXPECT_EQ(value("qm.ats.atc.by_pasid.p1.hits"), 2u);
  EXPECT_EQ(value("qm.ats.atc.by_pasid.p1.misses"), 1u);
  EXPECT_EQ(value("qm.ats.atc.by_pasid.p2.hits"), 1u);
  EXPECT_EQ(value("qm.ats.atc.by_pasid.p2.misses"), 1u);
  EXPECT_EQ(value("qm.ats.atc.by_pasid.nopasid.hits"), 0u);
  EXPECT_EQ(value("qm.ats.atc.by_pasid.nopasid.misses"), 1u);
  EXPECT_EQ(value("qm.ats.atc.address_spaces"), 3u);
  EXPECT_EQ(value("qm.ats.atc.hits"), 2u + 1u);
  EXPECT_EQ(value("qm.ats.atc.misses"), 1u + 1u + 1u);
  EXPECT_EQ(atc.address_spaces().key_path(1), "p2");
}

TEST(Atc, ADisabledAtcCountsEveryLookupAsAMissOfItsPasid) {
  StatsRegistry stats;
  AtcParams p = small("lru");
  p.enabled = false;
  Atc atc(p, stats, "atc", std::mt19937_64(1));
  sc_core::sc_time t;
  atc.insert(entry(4, 0x1000));
  EXPECT_FALSE(atc.lookup(true, 4, 0x1000, t));
  EXPECT_FALSE(atc.lookup(true, 4, 0x1000, t));
  EXPECT_EQ(stats.find_counter("atc.by_pasid.p4.misses")->value(), 2u);
  EXPECT_EQ(stats.find_counter("atc.by_pasid.p4.hits")->value(), 0u);
  EXPECT_EQ(stats.find_counter("atc.misses")->value(), 2u);
}

TEST(Atc, EntriesMustBeAMultipleOfWays) {
  StatsRegistry stats;
  AtcParams p = small("lru");
  p.entries = 6;
  p.ways = 4;
  EXPECT_THROW(Atc(p, stats, "atc", std::mt19937_64(1)), ConfigError);
}

}  // namespace
}  // namespace wdsim
