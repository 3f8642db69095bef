#include "sim/cpu_host/page_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

constexpr uint64_t kTableBase = 0x100000;  // frames for tables: [1 MiB, 2 MiB)

struct Fixture {
  SimEnv env;
  std::unique_ptr<PhysicalMemory> mem;
  std::unique_ptr<FrameAllocator> frames;
  explicit Fixture(uint64_t table_frames = 256) {
    testing::fresh_sc_context();
    DramParams p = default_params<DramParams>();
    p.size_bytes = 64ull << 20;
    mem = std::make_unique<PhysicalMemory>("mem", p, env);
    frames = std::make_unique<FrameAllocator>(kTableBase, table_frames * 4096);
  }
};

// VA with level indices 1, 2, 3, 4: (1 << 39) + (2 << 30) + (3 << 21) + (4 << 12).
constexpr uint64_t kVa = 0x8080604000ull;
constexpr uint64_t kPa = 0x2345000ull;

TEST(PageTable, DescriptorsAtEveryLevelMatchHandComputedValues) {
  Fixture f;
  PageTable pt(*f.mem, *f.frames);
  EXPECT_EQ(pt.root_pa(), kTableBase);
  pt.map(kVa, kPa, 4096, PtePerms{});  // user, read-write, no exec
  EXPECT_EQ(pt.table_pages(), 4u);
  // Tables are allocated lowest-first: L1 at +0x1000, L2 at +0x2000, L3 at +0x3000.
  EXPECT_EQ(f.mem->read64(0x100000 + 1 * 8), 0x101003ull);  // L0[1]: table | valid
  EXPECT_EQ(f.mem->read64(0x101000 + 2 * 8), 0x102003ull);  // L1[2]
  EXPECT_EQ(f.mem->read64(0x102000 + 3 * 8), 0x103003ull);  // L2[3]
  // L3[4]: UXN(54) | PXN(53) | PA | nG(11) | AF(10) | SH=11(9:8) | AP[1](6) | page(1) | valid(0).
  EXPECT_EQ(f.mem->read64(0x103000 + 4 * 8), 0x0060000002345F43ull);
  // Every other slot of every table is zero.
  for (uint64_t t = 0x100000; t < 0x104000; t += 4096) {
    for (uint64_t i = 0; i < 512; ++i) {
      if (t + i * 8 == 0x100008 || t + i * 8 == 0x101010 || t + i * 8 == 0x102018 ||
          t + i * 8 == 0x103020) {
        continue;
      }
      ASSERT_EQ(f.mem->read64(t + i * 8), 0u) << std::hex << t + i * 8;
    }
  }
}

TEST(PageTable, PermissionBits) {
  // Kernel, read-only, executable: AP[2] set, AP[1] clear, global, UXN only.
  EXPECT_EQ(
      PageTable::page_descriptor(kPa, {.read = true, .write = false, .exec = true, .user = false}),
      0x0040000002345783ull);
  // User, read-only, executable: AP[2] | AP[1] | nG, PXN only.
  EXPECT_EQ(
      PageTable::page_descriptor(kPa, {.read = true, .write = false, .exec = true, .user = true}),
      0x0020000002345FC3ull);
  // User MMIO: AttrIndx = 3 (bits 4:2 = 0b011).
  EXPECT_EQ(PageTable::page_descriptor(kPa, {.device = true}), 0x0060000002345F4Full);
  // PROT_NONE: not valid, software bit 58 keeps the page known.
  const uint64_t none = PageTable::page_descriptor(kPa, {.read = false, .write = false});
  EXPECT_EQ(none & 1, 0u);
  EXPECT_EQ(none >> 58 & 1, 1u);
  EXPECT_EQ(none & 0xfffffffff000ull, kPa);

  for (PtePerms p : {PtePerms{}, PtePerms{.write = false}, PtePerms{.exec = true},
                     PtePerms{.write = false, .exec = true, .user = false},
                     PtePerms{.user = false, .device = true}}) {
    EXPECT_EQ(PageTable::decode_perms(PageTable::page_descriptor(kPa, p)), p);
  }
}

TEST(PageTable, MapTranslateUnmap) {
  Fixture f;
  const size_t free_before = f.frames->free_count();
  {
    PageTable pt(*f.mem, *f.frames);
    // 3 pages straddling a 2 MiB boundary: two level-3 tables under one level-2 table.
    const uint64_t va = 0x400000 - 4096;
    pt.map(va, 0x800000, 3 * 4096, PtePerms{.write = false});
    EXPECT_EQ(pt.table_pages(), 5u);
    auto t = pt.translate(va + 0x123);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->pa, 0x800123u);
    EXPECT_TRUE(t->perms.read);
    EXPECT_FALSE(t->perms.write);
    EXPECT_TRUE(t->perms.user);
    EXPECT_EQ(pt.translate(va + 2 * 4096 + 0xfff)->pa, 0x802fffu);
    EXPECT_FALSE(pt.translate(va - 1));
    EXPECT_FALSE(pt.translate(va + 3 * 4096));
    EXPECT_FALSE(pt.translate(1ull << 48));

    // Already mapped (partly): rejected, nothing changes.
    EXPECT_THROW(pt.map(va + 2 * 4096, 0x900000, 2 * 4096, PtePerms{}), std::invalid_argument);
    EXPECT_FALSE(pt.translate(va + 3 * 4096));
    EXPECT_EQ(pt.translate(va + 2 * 4096)->pa, 0x802000u);

    // Unmap the middle page and a hole next to the range.
    EXPECT_EQ(pt.unmap(va + 4096, 4 * 4096), 2u);
    EXPECT_TRUE(pt.translate(va));
    EXPECT_FALSE(pt.translate(va + 4096));
    EXPECT_FALSE(pt.translate(va + 2 * 4096));
    EXPECT_EQ(pt.table_pages(), 5u);                // tables are kept
    pt.map(va + 4096, 0x123000, 4096, PtePerms{});  // remap after unmap is fine
    EXPECT_EQ(pt.translate(va + 4096)->pa, 0x123000u);
  }
  EXPECT_EQ(f.frames->free_count(), free_before);  // destructor returned every table
}

TEST(PageTable, ProtectKeepsAddressesAndProtNoneRoundTrips) {
  Fixture f;
  PageTable pt(*f.mem, *f.frames);
  pt.map(0x10000, 0x200000, 2 * 4096, PtePerms{});
  EXPECT_EQ(pt.protect(0x10000, 4 * 4096, PtePerms{.write = false}), 2u);
  auto t = pt.translate(0x11000);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pa, 0x201000u);
  EXPECT_FALSE(t->perms.write);
  EXPECT_NE(t->descriptor & (1ull << 7), 0u);  // AP[2]

  EXPECT_EQ(pt.protect(0x10000, 4096, PtePerms{.read = false, .write = false}), 1u);
  EXPECT_FALSE(pt.translate(0x10000));  // PROT_NONE: a hardware walk faults
  EXPECT_THROW(pt.map(0x10000, 0x300000, 4096, PtePerms{}), std::invalid_argument);
  EXPECT_EQ(pt.protect(0x10000, 4096, PtePerms{.exec = true}), 1u);
  t = pt.translate(0x10000);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pa, 0x200000u);
  EXPECT_TRUE(t->perms.exec);
  EXPECT_EQ(pt.unmap(0x10000, 4096), 1u);
}

TEST(PageTable, RejectsBadInput) {
  Fixture f(3);  // root + 2 tables only
  PageTable pt(*f.mem, *f.frames);
  EXPECT_THROW(pt.map(0x1001, 0x2000, 4096, {}), std::invalid_argument);
  EXPECT_THROW(pt.map(0x1000, 0x2001, 4096, {}), std::invalid_argument);
  EXPECT_THROW(pt.map(0x1000, 0x2000, 100, {}), std::invalid_argument);
  EXPECT_THROW(pt.map(0x1000, 0x2000, 0, {}), std::invalid_argument);
  EXPECT_THROW(pt.map((1ull << 48) - 4096, 0x2000, 2 * 4096, {}), std::invalid_argument);
  EXPECT_THROW(pt.unmap(0x800, 4096), std::invalid_argument);
  EXPECT_THROW(pt.protect(0x1000, 0x800, {}), std::invalid_argument);
  // Needs three new tables, the allocator has two.
  EXPECT_THROW(pt.map(0x1000, 0x2000, 4096, {}), std::runtime_error);
}

}  // namespace
}  // namespace wdsim
