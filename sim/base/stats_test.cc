#include "sim/base/stats.h"

#include <gtest/gtest.h>

namespace wdsim {
namespace {

TEST(Histogram, NearestRankPercentiles) {
  Histogram h;
  for (int i = 1; i <= 100; ++i) h.add(i);
  EXPECT_EQ(h.percentile(50), 50);
  EXPECT_EQ(h.percentile(99), 99);
  EXPECT_EQ(h.percentile(100), 100);
  EXPECT_EQ(h.min(), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(StatsRegistry, JsonIsNestedAndOrdered) {
  StatsRegistry s;
  s.counter("b.hits").inc(3);
  s.counter("a.x").inc();
  s.set_scalar("b.rate", 0.5, "ratio");
  EXPECT_EQ(s.to_json(),
            "{\n  \"a\": {\n    \"x\": 1\n  },\n  \"b\": {\n    \"hits\": 3,\n    \"rate\": {\n"
            "      \"value\": 0.5,\n      \"unit\": \"ratio\"\n    }\n  }\n}\n");
  EXPECT_EQ(s.to_csv(),
            "key,kind,field,value,unit\na.x,counter,value,1,\nb.hits,counter,value,3,\n"
            "b.rate,scalar,value,0.5,ratio\n");
}

TEST(StatsRegistry, EntriesListKindUnitAndDescriptionInKeyOrder) {
  StatsRegistry s;
  s.histogram("b.lat_ns", "ns", "Latency");
  s.counter("a.hits");
  s.counter("a.hits", "Lookups that hit");  // fills the empty description
  s.counter("a.hits", "ignored");           // a description once given stays
  s.scalar_slot("c.rate", "ratio", "Hit rate");
  s.set_text("d.name", "x", "A name");
  const auto e = s.entries();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].key_path, "a.hits");
  EXPECT_EQ(e[0].kind, StatKind::kCounter);
  EXPECT_EQ(e[0].unit, "");
  EXPECT_EQ(e[0].description, "Lookups that hit");
  EXPECT_EQ(e[1].key_path, "b.lat_ns");
  EXPECT_EQ(e[1].kind, StatKind::kHistogram);
  EXPECT_EQ(e[1].unit, "ns");
  EXPECT_EQ(e[1].description, "Latency");
  EXPECT_EQ(e[2].kind, StatKind::kScalar);
  EXPECT_EQ(e[2].unit, "ratio");
  EXPECT_EQ(e[3].kind, StatKind::kText);
  EXPECT_EQ(e[3].description, "A name");
  EXPECT_STREQ(stat_kind_name(StatKind::kHistogram), "histogram");
  EXPECT_STREQ(stat_kind_name(StatKind::kText), "text");
}

}  // namespace
}  // namespace wdsim
