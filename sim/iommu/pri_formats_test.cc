// The PRI queue record against Linux's PRIQ_0_* / PRIQ_1_* fields, field by field.
#include "sim/iommu/pri_formats.h"

#include <gtest/gtest.h>

#include "sim/base/bits.h"

namespace wdsim {
namespace {

TEST(PriqFormat, EntryBitsAreLinuxsPriqFields) {
  smmu::PageRequest r;
  r.sid = 0x12345678;
  r.ssv = true;
  r.ssid = 0xabcde;
  r.priv = true;
  r.exec = false;
  r.read = true;
  r.write = true;
  r.last = true;
  r.prg_index = 0x1a5;
  r.addr = 0x7fff'1234'5000;
  uint64_t w[2];
  smmu::encode_priq_entry(r, w);
  EXPECT_EQ(get_bits(w[0], 31, 0), 0x12345678u);
  EXPECT_EQ(get_bits(w[0], 51, 32), 0xabcdeu);
  EXPECT_TRUE(get_bit(w[0], 58));   // Priv
  EXPECT_FALSE(get_bit(w[0], 59));  // Exec
  EXPECT_TRUE(get_bit(w[0], 60));   // Read
  EXPECT_TRUE(get_bit(w[0], 61));   // Write
  EXPECT_TRUE(get_bit(w[0], 62));   // Last
  EXPECT_TRUE(get_bit(w[0], 63));   // SSV
  EXPECT_EQ(get_bits(w[1], 8, 0), 0x1a5u);
  EXPECT_EQ(w[1] & ~0xfffull, 0x7fff'1234'5000ull);
  const smmu::PageRequest d = smmu::decode_priq_entry(w);
  EXPECT_EQ(d.sid, r.sid);
  EXPECT_EQ(d.ssid, r.ssid);
  EXPECT_EQ(d.prg_index, r.prg_index);
  EXPECT_EQ(d.addr, r.addr);
  EXPECT_TRUE(d.priv && d.read && d.write && d.last && d.ssv && !d.exec);
}

}  // namespace
}  // namespace wdsim
