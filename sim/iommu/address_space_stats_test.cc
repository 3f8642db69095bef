#include "sim/iommu/address_space_stats.h"

#include <gtest/gtest.h>

namespace wdsim {
namespace {

TEST(AddressSpaces, DenseIdsInFirstSeenOrderAndACountOfDistinctSpaces) {
  StatsRegistry stats;
  AddressSpaces spaces(stats, "smmu.address_spaces", /*with_stream=*/true);
  EXPECT_EQ(spaces.id(5, true, 1), 0u);
  EXPECT_EQ(spaces.id(5, true, 2), 1u);
  EXPECT_EQ(spaces.id(5, false, 7), 2u);  // no PASID: the value of ssid does not matter
  EXPECT_EQ(spaces.id(5, false, 0), 2u);
  EXPECT_EQ(spaces.id(6, true, 1), 3u);  // another stream, same PASID: another space
  EXPECT_EQ(spaces.id(5, true, 1), 0u);
  EXPECT_EQ(spaces.size(), 4u);
  EXPECT_EQ(stats.find_counter("smmu.address_spaces")->value(), 4u);
  EXPECT_EQ(spaces.key_path(0), "s5.p1");
  EXPECT_EQ(spaces.key_path(2), "s5.nopasid");
  EXPECT_EQ(spaces.key_path(3), "s6.p1");
  EXPECT_EQ(spaces.sid(3), 6u);
  EXPECT_TRUE(spaces.has_pasid(3));
  EXPECT_EQ(spaces.pasid(1), 2u);
  AddressSpaces device(stats, "atc.address_spaces", /*with_stream=*/false);
  device.id(0, true, 9);
  device.id(0, false, 0);
  EXPECT_EQ(device.key_path(0), "p9");
  EXPECT_EQ(device.key_path(1), "nopasid");
}

TEST(AddressSpaces, ThousandsOfSpacesKeepTheirIdsAcrossTableGrowth) {
  StatsRegistry stats;
  AddressSpaces spaces(stats, "n", true);
  constexpr uint32_t kSpaces = 5000;
  for (uint32_t i = 0; i < kSpaces; ++i) EXPECT_EQ(spaces.id(i % 3, true, i), i);
  for (uint32_t i = 0; i < kSpaces; ++i) EXPECT_EQ(spaces.id(i % 3, true, i), i);
  EXPECT_EQ(spaces.size(), kSpaces);
  EXPECT_EQ(stats.find_counter("n")->value(), kSpaces);
}

TEST(SpaceCounters, CreatedOnFirstUseOfASpaceAndCountedByIndex) {
  StatsRegistry stats;
  AddressSpaces spaces(stats, "smmu.address_spaces", true);
  SpaceCounters c(spaces, stats, "smmu.iotlb.by_pasid", {"hits", "misses"});
  const uint32_t a = spaces.id(5, true, 1), b = spaces.id(5, true, 2);
  EXPECT_EQ(stats.find_counter("smmu.iotlb.by_pasid.s5.p1.hits"), nullptr);
  c.inc(b, 1);
  EXPECT_EQ(stats.find_counter("smmu.iotlb.by_pasid.s5.p1.hits"), nullptr);  // a unused so far
  ASSERT_NE(stats.find_counter("smmu.iotlb.by_pasid.s5.p2.hits"), nullptr);  // both of b's
  c.inc(a, 0);
  c.inc(a, 0);
  c.inc(kNoAddressSpace, 0);  // counted nowhere
  EXPECT_EQ(stats.find_counter("smmu.iotlb.by_pasid.s5.p1.hits")->value(), 2u);
  EXPECT_EQ(stats.find_counter("smmu.iotlb.by_pasid.s5.p1.misses")->value(), 0u);
  EXPECT_EQ(stats.find_counter("smmu.iotlb.by_pasid.s5.p2.hits")->value(), 0u);
  EXPECT_EQ(stats.find_counter("smmu.iotlb.by_pasid.s5.p2.misses")->value(), 1u);
}

}  // namespace
}  // namespace wdsim
