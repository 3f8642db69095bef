#include "sim/accel/nic/nic_traffic.h"

#include <gtest/gtest.h>

namespace wdsim::nic_traffic {
namespace {

TEST(NicTraffic, HeaderCarriesSequenceAndTime) {
  const auto p = make_packet(7, 0x0102030405060708ull, 0x1122334455667788ull, 64);
  ASSERT_EQ(p.size(), 64u);
  EXPECT_EQ(p[0], 0x08);  // little-endian
  EXPECT_EQ(p[7], 0x01);
  EXPECT_EQ(p[8], 0x88);
  const Header h = read_header(p.data());
  EXPECT_EQ(h.seq, 0x0102030405060708ull);
  EXPECT_EQ(h.arrival_ps, 0x1122334455667788ull);
}

TEST(NicTraffic, BodyIsSplitmixOfSeedAndSequence) {
  // The first body word is splitmix64's first output for the state seed ^ seq * constant.
  const uint64_t seed = 42, seq = 3;
  uint64_t state = seed ^ (seq * 0xd1b54a32d192ed03ull);
  const uint64_t w = splitmix64(state);
  const auto p = make_packet(seed, seq, 0, 24);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(p[16 + k], static_cast<uint8_t>(w >> (8 * k)));
}

TEST(NicTraffic, CheckFindsTheFirstWrongByte) {
  auto p = make_packet(9, 5, 1000, 1500);
  EXPECT_FALSE(first_wrong_byte(9, p.data(), p.size()));
  EXPECT_EQ(first_wrong_byte(10, p.data(), p.size()).value_or(0), kHeaderBytes);  // other seed
  p[700] ^= 1;
  EXPECT_EQ(first_wrong_byte(9, p.data(), p.size()).value_or(0), 700u);
  // Packets differ by sequence number and by seed; the seed depends on the device name.
  EXPECT_NE(make_packet(9, 5, 0, 64), make_packet(9, 6, 0, 64));
  EXPECT_NE(stream_seed(1, "virtio_net-0"), stream_seed(1, "virtio_net-1"));
  EXPECT_EQ(stream_seed(1, "virtio_net-0"), stream_seed(1, "virtio_net-0"));
}

}  // namespace
}  // namespace wdsim::nic_traffic
