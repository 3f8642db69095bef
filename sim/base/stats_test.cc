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

}  // namespace
}  // namespace wdsim
