#include "sim/base/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace wdsim {
namespace {

TEST(Histogram, NearestRankPercentilesWhileExact) {
  Histogram h;
  for (int i = 1; i <= 100; ++i) h.add(i);
  EXPECT_EQ(h.percentile(50), 50);
  EXPECT_EQ(h.percentile(99), 99);
  EXPECT_EQ(h.percentile(100), 100);
  EXPECT_EQ(h.min(), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

// Exact nearest-rank percentile of `v` (the definition the histogram keeps).
double exact_percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  const size_t idx = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return v[std::min(idx, v.size() - 1)];
}

constexpr double kPercentiles[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

// Feeds `v` into a histogram and checks its figures against the exact ones: count, min, max
// and sum (in sample order) exact; percentiles within the documented relative error (exact
// while the count is at most kExactSamples).
void check_against_exact(const std::vector<double>& v, const char* what) {
  Histogram h;
  double sum = 0;
  for (double x : v) {
    h.add(x);
    sum += x;
  }
  ASSERT_EQ(h.count(), v.size()) << what;
  EXPECT_EQ(h.sum(), sum) << what;
  EXPECT_EQ(h.mean(), sum / static_cast<double>(v.size())) << what;
  EXPECT_EQ(h.min(), *std::min_element(v.begin(), v.end())) << what;
  EXPECT_EQ(h.max(), *std::max_element(v.begin(), v.end())) << what;
  EXPECT_EQ(h.exact(), v.size() <= Histogram::kExactSamples) << what;
  for (double p : kPercentiles) {
    const double want = exact_percentile(v, p);
    if (h.exact()) {
      EXPECT_EQ(h.percentile(p), want) << what << " p" << p;
    } else {
      EXPECT_LE(std::fabs(h.percentile(p) - want), Histogram::kMaxRelativeError * std::fabs(want))
          << what << " p" << p << " got " << h.percentile(p) << " want " << want;
    }
  }
}

TEST(Histogram, PercentilesOfKnownDistributionsWithinTheBound) {
  std::mt19937_64 rng(7);
  for (size_t n :
       {size_t{10}, Histogram::kExactSamples, Histogram::kExactSamples + 1, size_t{100000}}) {
    std::vector<double> uniform, exponential, constant, two_point, integers;
    std::uniform_real_distribution<double> u(1.0, 1e6);
    std::exponential_distribution<double> e(1.0 / 5000.0);
    std::uniform_int_distribution<int> coin(0, 9);
    std::uniform_int_distribution<int> ns(4000, 6000);
    for (size_t i = 0; i < n; ++i) {
      uniform.push_back(u(rng));
      exponential.push_back(e(rng));
      constant.push_back(4321.125);
      two_point.push_back(coin(rng) == 0 ? 1000.0 : 7.5);
      integers.push_back(ns(rng));
    }
    SCOPED_TRACE(n);
    check_against_exact(uniform, "uniform");
    check_against_exact(exponential, "exponential");
    check_against_exact(constant, "constant");
    check_against_exact(two_point, "two-point");
    check_against_exact(integers, "integers");
  }
}

TEST(Histogram, BucketedPercentilesAreExactForFewDistinctValues) {
  // Each bucket keeps its least and greatest sample: a bucket with one distinct value answers
  // exactly, and so do a constant and a two-point distribution past the exact regime.
  Histogram constant, two_point;
  for (size_t i = 0; i < 10 * Histogram::kExactSamples; ++i) {
    constant.add(4321.125);
    two_point.add(i % 10 == 0 ? 1000.0 : 7.5);
  }
  ASSERT_FALSE(constant.exact());
  for (double p : kPercentiles) EXPECT_EQ(constant.percentile(p), 4321.125) << p;
  EXPECT_EQ(two_point.percentile(50), 7.5);
  EXPECT_EQ(two_point.percentile(90), 7.5);
  EXPECT_EQ(two_point.percentile(91), 1000.0);
  EXPECT_EQ(two_point.bucket_count(), 2u);
}

TEST(Histogram, ZeroAndNegativeSamples) {
  std::vector<double> v;
  for (int i = -20000; i <= 20000; ++i) v.push_back(i % 7 == 0 ? 0.0 : i * 0.25);
  check_against_exact(v, "signed");
}

TEST(Histogram, MemoryStaysBoundedAfterAMillionSamples) {
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> e(1.0 / 5000.0);
  Histogram h;
  double lo = 1e300, hi = 0;
  for (int i = 0; i < 1000000; ++i) {
    const double x = 1.0 + e(rng);  // >= 1: a span of octaves known from lo and hi
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    h.add(x);
  }
  EXPECT_EQ(h.count(), 1000000u);
  const double octaves = std::floor(std::log2(hi)) - std::floor(std::log2(lo)) + 1;
  EXPECT_LE(h.bucket_count(), static_cast<size_t>(octaves) << Histogram::kSubBucketBits);
  // More samples of the same range add no memory beyond that bound: one octave of values
  // fills its 2^kSubBucketBits buckets and stays there.
  for (int i = 0; i < 1000000; ++i) h.add(std::min(hi, std::max(lo, 1.0 + e(rng))));
  EXPECT_LE(h.bucket_count(), static_cast<size_t>(octaves) << Histogram::kSubBucketBits);
  std::uniform_real_distribution<double> one_octave(1000.0, 2000.0);
  Histogram u;
  for (int i = 0; i < 1000000; ++i) u.add(one_octave(rng));
  EXPECT_EQ(u.bucket_count(), size_t{1} << Histogram::kSubBucketBits);
  for (int i = 0; i < 1000000; ++i) u.add(one_octave(rng));
  EXPECT_EQ(u.bucket_count(), size_t{1} << Histogram::kSubBucketBits);
}

TEST(Histogram, DeterministicAndMergeEqualsAddingInOrder) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> e(1.0 / 300.0);
  std::vector<double> v(20000);
  for (double& x : v) x = e(rng);
  for (size_t split : {size_t{10}, size_t{500}, size_t{10000}, size_t{15000}}) {
    Histogram all, again, a, b;
    for (double x : v) all.add(x);
    for (double x : v) again.add(x);
    for (size_t i = 0; i < v.size(); ++i) (i < split ? a : b).add(v[i]);
    Histogram merged;
    merged.merge(a);
    merged.merge(b);
    SCOPED_TRACE(split);
    EXPECT_EQ(merged.count(), all.count());
    EXPECT_EQ(merged.min(), all.min());
    EXPECT_EQ(merged.max(), all.max());
    EXPECT_NEAR(merged.sum(), all.sum(), 1e-12 * all.sum());
    EXPECT_EQ(merged.bucket_count(), all.bucket_count());
    for (double p : kPercentiles) {
      EXPECT_EQ(again.percentile(p), all.percentile(p)) << p;
      EXPECT_EQ(merged.percentile(p), all.percentile(p)) << p;
    }
  }
  // While exact, a merge is the samples added one by one: the sum too, bit for bit.
  Histogram x, y, xy;
  for (int i = 0; i < 300; ++i) (i < 100 ? x : y).add(v[i]);
  for (int i = 0; i < 300; ++i) xy.add(v[i]);
  x.merge(y);
  EXPECT_EQ(x.sum(), xy.sum());
  EXPECT_TRUE(x.exact());
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
