#include "sim/cpu_host/kernel/page_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
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

// Every 8-byte slot of the tables in [first, first + count * table_bytes) is zero except
// those in `set`.
void expect_only_slots_set(const PhysicalMemory& mem, uint64_t first, int count,
                           uint64_t table_bytes, std::initializer_list<uint64_t> set) {
  for (uint64_t a = first; a < first + count * table_bytes; a += 8) {
    if (std::find(set.begin(), set.end(), a) != set.end()) continue;
    ASSERT_EQ(mem.read64(a), 0u) << std::hex << a;
  }
}

TEST(PageTableGranule, GeometryAndSupportedPageSizes) {
  Fixture f;
  PageTable p4(*f.mem, *f.frames);
  EXPECT_EQ(p4.granule(), PageGranule::k4K);
  EXPECT_EQ(p4.granule_shift(), 12u);
  EXPECT_EQ(p4.levels(), 4u);
  EXPECT_EQ(p4.start_level(), 0u);
  EXPECT_EQ(p4.granule_tg0(), 0);
  EXPECT_TRUE(p4.supports_page_size(4096));
  EXPECT_TRUE(p4.supports_page_size(2ull << 20));
  EXPECT_TRUE(p4.supports_page_size(1ull << 30));
  EXPECT_FALSE(p4.supports_page_size(512ull << 30));  // level-0 blocks need FEAT_LPA2
  EXPECT_FALSE(p4.supports_page_size(64 << 10));

  PageTable p16(*f.mem, *f.frames, PageGranule::k16K);
  EXPECT_EQ(p16.granule_shift(), 14u);
  EXPECT_EQ(p16.levels(), 4u);
  EXPECT_EQ(p16.start_level(), 0u);
  EXPECT_EQ(p16.granule_tg0(), 2);
  EXPECT_TRUE(p16.supports_page_size(16 << 10));
  EXPECT_TRUE(p16.supports_page_size(32 << 20));
  EXPECT_FALSE(p16.supports_page_size(64ull << 30));  // level-1 blocks need FEAT_LPA2
  EXPECT_FALSE(p16.supports_page_size(2 << 20));
  EXPECT_FALSE(p16.supports_page_size(4096));

  PageTable p64(*f.mem, *f.frames, PageGranule::k64K);
  EXPECT_EQ(p64.granule_shift(), 16u);
  EXPECT_EQ(p64.levels(), 3u);
  EXPECT_EQ(p64.start_level(), 1u);
  EXPECT_EQ(p64.granule_tg0(), 1);
  EXPECT_EQ(p64.level_size(1), 1ull << 42);
  EXPECT_TRUE(p64.supports_page_size(64 << 10));
  EXPECT_TRUE(p64.supports_page_size(512 << 20));
  EXPECT_FALSE(p64.supports_page_size(4ull << 40));  // level-1 blocks need FEAT_LPA
  EXPECT_FALSE(p64.supports_page_size(2 << 20));
  EXPECT_THROW(p64.map(0, 0, 2 << 20, {}, 2 << 20), std::invalid_argument);
  EXPECT_THROW(p64.map(0x1000, 0, 64 << 10, {}), std::invalid_argument);  // 4K-aligned only
  EXPECT_THROW(p64.unmap(0, 0x1000), std::invalid_argument);
}

TEST(PageTableGranule, Descriptors64K) {
  Fixture f;
  const size_t free_before = f.frames->free_count();
  {
    PageTable pt(*f.mem, *f.frames, PageGranule::k64K);
    EXPECT_EQ(pt.root_pa(), kTableBase);
    // L1 index VA[47:42] = 1, L2 VA[41:29] = 2, L3 VA[28:16] = 3.
    const uint64_t va = (1ull << 42) + (2ull << 29) + (3ull << 16);
    ASSERT_EQ(va, 0x40040030000ull);
    pt.map(va, 0x2340000, 64 << 10, PtePerms{});
    EXPECT_EQ(pt.table_pages(), 3u);
    // Tables are 64 KiB each, 64 KiB aligned: L1 (root) 0x100000, L2 0x110000, L3 0x120000.
    EXPECT_EQ(f.mem->read64(0x100000 + 1 * 8), 0x110003ull);  // L1[1]: table | valid
    EXPECT_EQ(f.mem->read64(0x110000 + 2 * 8), 0x120003ull);  // L2[2]
    // L3[3]: UXN | PXN | PA | nG | AF | SH | AP[1] | page | valid.
    EXPECT_EQ(f.mem->read64(0x120000 + 3 * 8), 0x0060000002340F43ull);
    expect_only_slots_set(*f.mem, 0x100000, 3, 64 << 10, {0x100008, 0x110010, 0x120018});
    // The three tables occupy 3 x 64 KiB of frames.
    EXPECT_EQ(f.frames->free_count(), free_before - 3 * 16);
    for (uint64_t a = 0x100000; a < 0x130000; a += 4096) EXPECT_FALSE(f.frames->is_free(a));
    EXPECT_TRUE(f.frames->is_free(0x130000));

    auto t = pt.translate(va + 0xfedc);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->pa, 0x234fedcu);
    EXPECT_EQ(t->level, 3u);
    EXPECT_EQ(t->page_size, 64u << 10);
    EXPECT_FALSE(pt.translate(va + (64 << 10)));
    EXPECT_FALSE(pt.translate(va - 1));
    EXPECT_EQ(pt.unmap(va, 64 << 10), 1u);
    EXPECT_FALSE(pt.translate(va));
  }
  EXPECT_EQ(f.frames->free_count(), free_before);
}

TEST(PageTableGranule, Descriptors16K) {
  Fixture f;
  PageTable pt(*f.mem, *f.frames, PageGranule::k16K);
  // L0 index VA[47] = 1, L1 VA[46:36] = 2, L2 VA[35:25] = 3, L3 VA[24:14] = 4.
  const uint64_t va = (1ull << 47) + (2ull << 36) + (3ull << 25) + (4ull << 14);
  ASSERT_EQ(va, 0x802006010000ull);
  pt.map(va, 0x2344000, 16 << 10, PtePerms{.write = false});
  EXPECT_EQ(pt.table_pages(), 4u);
  // 16 KiB tables: L0 (root) 0x100000, L1 0x104000, L2 0x108000, L3 0x10c000.
  EXPECT_EQ(f.mem->read64(0x100000 + 1 * 8), 0x104003ull);  // L0[1]
  EXPECT_EQ(f.mem->read64(0x104000 + 2 * 8), 0x108003ull);  // L1[2]
  EXPECT_EQ(f.mem->read64(0x108000 + 3 * 8), 0x10c003ull);  // L2[3]
  // L3[4]: as the 4K page descriptor plus AP[2] (bit 7, read-only).
  EXPECT_EQ(f.mem->read64(0x10c000 + 4 * 8), 0x0060000002344FC3ull);
  expect_only_slots_set(*f.mem, 0x100000, 4, 16 << 10, {0x100008, 0x104010, 0x108018, 0x10c020});
  auto t = pt.translate(va + 0x3fff);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pa, 0x2347fffu);
  EXPECT_FALSE(t->perms.write);
  EXPECT_EQ(t->page_size, 16u << 10);
  EXPECT_FALSE(pt.translate(va + (16 << 10)));
  EXPECT_FALSE(pt.translate(va & ~(1ull << 47)));  // L0[0] is empty

  // A 32 MiB block at L2[4] of the same L2 table.
  const uint64_t block_va = (1ull << 47) + (2ull << 36) + (4ull << 25);
  pt.map(block_va, 0x6000000, 32 << 20, PtePerms{}, 32 << 20);
  EXPECT_EQ(pt.table_pages(), 4u);
  EXPECT_EQ(f.mem->read64(0x108000 + 4 * 8), 0x0060000006000F41ull);
  t = pt.translate(block_va + 0x1abcdef);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pa, 0x7abcdefu);
  EXPECT_EQ(t->level, 2u);
  EXPECT_EQ(t->page_size, 32u << 20);
}

// 4K granule VAs with L0 index 1, L1 index 2 (1 GiB block) or 3 and L2 index 3 (2 MiB block).
constexpr uint64_t kVa1G = (1ull << 39) + (2ull << 30);
constexpr uint64_t kVa2M = (1ull << 39) + (3ull << 30) + (3ull << 21);
constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;

TEST(PageTableBlocks, BlockDescriptorsAndTranslate) {
  Fixture f;
  PageTable pt(*f.mem, *f.frames);
  pt.map(kVa1G, 0x40000000, k1G, PtePerms{}, k1G);
  EXPECT_EQ(pt.table_pages(), 2u);                          // root + L1
  EXPECT_EQ(f.mem->read64(0x100000 + 1 * 8), 0x101003ull);  // L0[1]
  // L1[2]: a block (bits[1:0] = 0b01) with the page attributes; output address [47:30].
  EXPECT_EQ(f.mem->read64(0x101000 + 2 * 8), 0x0060000040000F41ull);
  auto t = pt.translate(kVa1G + 0x3fffffff);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pa, 0x7fffffffu);
  EXPECT_EQ(t->level, 1u);
  EXPECT_EQ(t->page_size, k1G);
  EXPECT_EQ(t->descriptor, 0x0060000040000F41ull);
  EXPECT_TRUE(t->perms.write);
  EXPECT_FALSE(pt.translate(kVa1G + k1G));

  pt.map(kVa2M, 0x2400000, 2 * k2M, PtePerms{.exec = true}, k2M);
  EXPECT_EQ(pt.table_pages(), 3u);                          // + L2
  EXPECT_EQ(f.mem->read64(0x101000 + 3 * 8), 0x102003ull);  // L1[3]
  // L2[3], L2[4]: user exec blocks: PXN only.
  EXPECT_EQ(f.mem->read64(0x102000 + 3 * 8), 0x0020000002400F41ull);
  EXPECT_EQ(f.mem->read64(0x102000 + 4 * 8), 0x0020000002600F41ull);
  expect_only_slots_set(*f.mem, 0x100000, 3, 4096,
                        {0x100008, 0x101010, 0x101018, 0x102018, 0x102020});
  t = pt.translate(kVa2M + k2M + 0x123456);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->pa, 0x2723456u);
  EXPECT_EQ(t->level, 2u);
  EXPECT_EQ(t->page_size, k2M);
  EXPECT_TRUE(t->perms.exec);
  EXPECT_EQ(PageTable::block_descriptor(0x2400000, PtePerms{.exec = true}), 0x0020000002400F41ull);

  // Pages and blocks do not overlap: mapping a page inside a block, or a block over a page, is
  // rejected.
  EXPECT_THROW(pt.map(kVa2M + 0x5000, 0x9000, 4096, {}), std::invalid_argument);
  EXPECT_THROW(pt.map(kVa1G, 0, k2M, {}, k2M), std::invalid_argument);
  pt.map(kVa2M + 2 * k2M, 0x9000, 4096, {});
  EXPECT_THROW(pt.map(kVa2M + 2 * k2M, 0x2800000, k2M, {}, k2M), std::invalid_argument);
  // Misaligned blocks.
  EXPECT_THROW(pt.map(kVa2M + 4096, 0x2400000, k2M, {}, k2M), std::invalid_argument);
  EXPECT_THROW(pt.map(kVa2M - k2M, 0x2401000, k2M, {}, k2M), std::invalid_argument);
  EXPECT_THROW(pt.map(kVa2M - k2M, 0x2400000, 4096, {}, k2M), std::invalid_argument);
}

TEST(PageTableBlocks, UnmapAndProtectWholeBlocksOnly) {
  Fixture f;
  PageTable pt(*f.mem, *f.frames);
  pt.map(kVa2M, 0x2400000, 2 * k2M, PtePerms{}, k2M);
  pt.map(kVa2M + 2 * k2M, 0x9000, 4096, {});
  const uint64_t l2_slot = 0x102000 + 3 * 8;

  // Partial: rejected, nothing changes (the check runs before any change).
  EXPECT_THROW(pt.unmap(kVa2M, 4096), std::invalid_argument);
  EXPECT_THROW(pt.unmap(kVa2M + k2M + 4096, k2M), std::invalid_argument);
  EXPECT_THROW(pt.unmap(kVa2M - 4096, 2 * k2M), std::invalid_argument);
  EXPECT_THROW(pt.protect(kVa2M + 0x10000, 4096, {.write = false}), std::invalid_argument);
  EXPECT_EQ(f.mem->read64(l2_slot), 0x0060000002400F41ull);
  EXPECT_EQ(f.mem->read64(l2_slot + 8), 0x0060000002600F41ull);

  // Whole block: read-only, then PROT_NONE and back.
  EXPECT_EQ(pt.protect(kVa2M, k2M, {.write = false}), 512u);
  EXPECT_EQ(f.mem->read64(l2_slot), 0x0060000002400FC1ull);  // + AP[2]
  EXPECT_FALSE(pt.translate(kVa2M + 5)->perms.write);
  EXPECT_EQ(pt.protect(kVa2M, k2M, {.read = false, .write = false}), 512u);
  EXPECT_FALSE(pt.translate(kVa2M + 5));
  EXPECT_EQ(f.mem->read64(l2_slot) & 3, 0u);
  EXPECT_EQ(pt.protect(kVa2M, k2M, {}), 512u);
  EXPECT_EQ(pt.translate(kVa2M + 5)->pa, 0x2400005u);

  // A range covering a block, a hole-free second block and a page: 512 + 512 + 1 pages.
  EXPECT_EQ(pt.unmap(kVa2M - k2M, 4 * k2M), 1025u);
  EXPECT_EQ(f.mem->read64(l2_slot), 0u);
  EXPECT_FALSE(pt.translate(kVa2M));
  EXPECT_FALSE(pt.translate(kVa2M + k2M));
  EXPECT_FALSE(pt.translate(kVa2M + 2 * k2M));

  // 1 GiB block: whole only.
  pt.map(kVa1G, 0x40000000, k1G, PtePerms{}, k1G);
  EXPECT_THROW(pt.unmap(kVa1G, k2M), std::invalid_argument);
  EXPECT_EQ(pt.unmap(kVa1G, k1G), 262144u);
  EXPECT_EQ(f.mem->read64(0x101000 + 2 * 8), 0u);
}

TEST(PageTableBlocks, BlockReplacesEmptyTablesOnly) {
  Fixture f;
  const size_t free_before = f.frames->free_count();
  {
    PageTable pt(*f.mem, *f.frames);
    pt.map(kVa2M, 0x9000, 4096, {});  // L1, L2 and an L3 table under L2[3]
    EXPECT_EQ(pt.table_pages(), 4u);
    EXPECT_THROW(pt.map(kVa2M, 0x2400000, k2M, {}, k2M), std::invalid_argument);
    EXPECT_EQ(pt.unmap(kVa2M, 4096), 1u);
    EXPECT_EQ(pt.table_pages(), 4u);  // the empty L3 table is kept...
    pt.map(kVa2M, 0x2400000, k2M, {}, k2M);
    EXPECT_EQ(pt.table_pages(), 3u);  // ...until a block takes its slot
    EXPECT_EQ(f.mem->read64(0x102000 + 3 * 8), 0x0060000002400F41ull);
    EXPECT_TRUE(f.frames->is_free(0x103000));
    EXPECT_EQ(pt.translate(kVa2M + 0x1234)->pa, 0x2401234u);
  }
  EXPECT_EQ(f.frames->free_count(), free_before);
}

TEST(PageTableGranule, TablesAreGranuleAlignedOnAnUnalignedAllocator) {
  testing::fresh_sc_context();
  SimEnv env;
  DramParams p = default_params<DramParams>();
  p.size_bytes = 64ull << 20;
  PhysicalMemory mem("mem", p, env);
  FrameAllocator frames(0x101000, 64 * 4096);  // [0x101000, 0x141000)
  {
    PageTable pt(mem, frames, PageGranule::k64K);
    EXPECT_EQ(pt.root_pa(), 0x110000u);
    EXPECT_EQ(frames.free_count(), 64u - 16u);
    EXPECT_TRUE(frames.is_free(0x101000));  // the frames below the aligned window came back
    EXPECT_TRUE(frames.is_free(0x10f000));
    EXPECT_FALSE(frames.is_free(0x11f000));
    EXPECT_TRUE(frames.is_free(0x120000));
    pt.map(0, 0, 64 << 10, {});  // needs L2 and L3: 0x120000 and 0x130000
    EXPECT_EQ(mem.read64(0x110000), 0x120003u);
    EXPECT_EQ(mem.read64(0x120000), 0x130003u);
    EXPECT_THROW(pt.map(1ull << 42, 0, 64 << 10, {}), std::runtime_error);  // no aligned 64 KiB
  }
  EXPECT_EQ(frames.free_count(), 64u);
  EXPECT_EQ(alloc_aligned_frames(frames, 2, 0x8000), 0x108000u);
  EXPECT_EQ(frames.alloc(), 0x101000u);
}

// translate() remembers walks per granule page (page_table.h): every change through map, unmap
// and protect must be seen by the next translate of a page walked before, and pages that share
// a cache slot (64 pages apart) must not answer for each other.
TEST(PageTable, TranslateSeesEveryChangeAfterARememberedWalk) {
  Fixture f;
  PageTable pt(*f.mem, *f.frames);
  constexpr uint64_t kAlias = kVa + 64 * 4096;  // same slot of the walk cache
  pt.map(kVa, kPa, 4096, PtePerms{});
  ASSERT_TRUE(pt.translate(kVa + 0x10));
  EXPECT_EQ(pt.translate(kVa + 0x10)->pa, kPa + 0x10);  // remembered
  EXPECT_EQ(pt.translate(kVa + 0xff8)->pa, kPa + 0xff8);
  EXPECT_FALSE(pt.translate(kAlias));  // not mapped, whatever the slot holds
  pt.map(kAlias, kPa + 0x10000, 4096, PtePerms{});
  EXPECT_EQ(pt.translate(kAlias + 8)->pa, kPa + 0x10008);
  EXPECT_EQ(pt.translate(kVa + 8)->pa, kPa + 8);
  PtePerms ro;
  ro.write = false;
  pt.protect(kVa, 4096, ro);
  EXPECT_FALSE(pt.translate(kVa)->perms.write);
  pt.unmap(kVa, 4096);
  EXPECT_FALSE(pt.translate(kVa));
  pt.map(kVa, kPa + 0x20000, 4096, PtePerms{});
  EXPECT_EQ(pt.translate(kVa + 4)->pa, kPa + 0x20004);
}

}  // namespace
}  // namespace wdsim
