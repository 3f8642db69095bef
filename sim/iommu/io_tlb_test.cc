#include "sim/iommu/io_tlb.h"

#include <gtest/gtest.h>

#include "sim/base/params.h"

namespace wdsim::smmu {
namespace {

IoTlbParams tlb_params(uint32_t entries, uint32_t ways, const char* repl) {
  IoTlbParams p = default_params<IoTlbParams>();
  p.entries = entries;
  p.ways = ways;
  p.replacement = repl;
  return p;
}

IoTlbEntry page(uint16_t asid, uint64_t va, uint64_t pa) {
  IoTlbEntry e;
  e.asid = asid;
  e.va_page = e.block_va = va;
  e.pa_page = pa;
  e.block_log2 = 12;
  return e;
}

TEST(IoTlb, LruKeepsTheRecentlyUsedEntry) {
  StatsRegistry stats;
  IoTlb tlb(tlb_params(2, 2, "lru"), stats, "t");  // one set, two ways
  tlb.insert(page(1, 0x1000, 0xa000));
  tlb.insert(page(1, 0x2000, 0xb000));
  ASSERT_TRUE(tlb.lookup(0, 1, 0x1abc));  // touch 0x1000
  tlb.insert(page(1, 0x3000, 0xc000));    // evicts 0x2000 (least recent)
  EXPECT_TRUE(tlb.lookup(0, 1, 0x1000));
  EXPECT_FALSE(tlb.lookup(0, 1, 0x2000));
  EXPECT_EQ(stats.find_counter("t.evictions")->value(), 1u);
  EXPECT_EQ(stats.find_counter("t.hits")->value(), 2u);
  EXPECT_EQ(stats.find_counter("t.misses")->value(), 1u);
}

TEST(IoTlb, FifoEvictsTheOldestInsertion) {
  StatsRegistry stats;
  IoTlb tlb(tlb_params(2, 2, "fifo"), stats, "t");
  tlb.insert(page(1, 0x1000, 0xa000));
  tlb.insert(page(1, 0x2000, 0xb000));
  ASSERT_TRUE(tlb.lookup(0, 1, 0x1000));
  tlb.insert(page(1, 0x3000, 0xc000));  // evicts 0x1000 despite the use
  EXPECT_FALSE(tlb.lookup(0, 1, 0x1000));
  EXPECT_TRUE(tlb.lookup(0, 1, 0x2000));
}

TEST(IoTlb, InvalidationByAsidVaAndBlock) {
  StatsRegistry stats;
  IoTlb tlb(tlb_params(64, 4, "lru"), stats, "t");
  tlb.insert(page(1, 0x1000, 0xa000));
  tlb.insert(page(1, 0x2000, 0xb000));
  tlb.insert(page(2, 0x1000, 0xc000));
  IoTlbEntry blk = page(3, 0x20'3000, 0x4020'3000);  // a page of the 2 MiB block at 0x200000
  blk.block_va = 0x20'0000;
  blk.block_log2 = 21;
  tlb.insert(blk);
  EXPECT_EQ(tlb.invalidate_va(0, uint16_t{1}, 0x1000, 0x1001), 1u);
  EXPECT_FALSE(tlb.lookup(0, 1, 0x1000));
  EXPECT_TRUE(tlb.lookup(0, 2, 0x1000));                                   // other ASID untouched
  EXPECT_EQ(tlb.invalidate_va(0, uint16_t{3}, 0x3f'f000, 0x40'0000), 1u);  // block's last page
  EXPECT_EQ(tlb.invalidate_asid(0, 2), 1u);
  EXPECT_EQ(tlb.valid_entries(), 1u);
  EXPECT_EQ(tlb.invalidate_all(), 1u);
}

TEST(IoTlb, RejectsEntriesNotAMultipleOfWays) {
  StatsRegistry stats;
  EXPECT_THROW(IoTlb(tlb_params(10, 4, "lru"), stats, "t"), ConfigError);
}

TEST(IoTlb, PermissionRules) {
  PagePerms user_rw{.writable = true, .user = true, .uxn = true, .pxn = true};
  EXPECT_TRUE(access_permitted(user_rw, true, false, false));
  EXPECT_FALSE(access_permitted(user_rw, false, true, false));  // UXN
  PagePerms kernel_ro{.writable = false, .user = false, .uxn = true, .pxn = false};
  EXPECT_FALSE(access_permitted(kernel_ro, false, false, false));  // AP[1] = 0: no EL0
  EXPECT_TRUE(access_permitted(kernel_ro, false, false, true));
  EXPECT_FALSE(access_permitted(kernel_ro, true, false, true));  // AP[2] = 1: read-only
  EXPECT_TRUE(access_permitted(kernel_ro, false, true, true));
}

}  // namespace
}  // namespace wdsim::smmu
