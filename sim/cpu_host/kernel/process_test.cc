// Process address spaces: anonymous 4 KiB mappings (read/write across pages, guard pages,
// munmap); with 16K/64K granules and huge pages: VA alignment, one aligned frame run per page,
// leaves of the mapping's page size, demand faults, mprotect, munmap, and device mappings that
// take the whole granule window around 4 KiB pages (the isolation caveat).
#include "sim/cpu_host/kernel/process.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "sim/base/sim_env.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

constexpr uint64_t k4K = 4096;
constexpr uint64_t k64K = 64 * 1024;
constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t kFramesBase = 0x10'1000;  // deliberately not 64 KiB aligned

DramParams dram() {
  DramParams p = default_params<DramParams>();
  p.size_bytes = 64ull << 20;
  return p;
}

TEST(ProcessPageSize, MapsWorkloadPageSizesToGranuleAndHugePages) {
  EXPECT_EQ(process_page_size(4096)->granule, PageGranule::k4K);
  EXPECT_EQ(process_page_size(4096)->huge_page, 0u);
  EXPECT_EQ(process_page_size(16384)->granule, PageGranule::k16K);
  EXPECT_EQ(process_page_size(65536)->granule, PageGranule::k64K);
  EXPECT_EQ(process_page_size(k2M)->granule, PageGranule::k4K);
  EXPECT_EQ(process_page_size(k2M)->huge_page, k2M);
  EXPECT_EQ(process_page_size(32ull << 20)->granule, PageGranule::k16K);
  EXPECT_EQ(process_page_size(512ull << 20)->granule, PageGranule::k64K);
  EXPECT_FALSE(process_page_size(8192).has_value());
  EXPECT_FALSE(process_page_size(0).has_value());
}

TEST(Process, AnonymousMemoryIsMappedReadableAndFreedOnMunmap) {
  testing::fresh_sc_context();
  SimEnv env;
  PhysicalMemory mem("mem", dram(), env);
  FrameAllocator frames(k4K * 16, (64ull << 20) - k4K * 16);
  {
    Process p(100, mem, frames);
    const size_t before = frames.free_count();
    const uint64_t va = p.mmap_anonymous(3 * k4K + 1);  // rounds up to 4 pages
    EXPECT_EQ(va, Process::kMmapBase);
    const char msg[] = "crosses a page boundary";
    ASSERT_TRUE(p.write(va + k4K - 5, msg, sizeof msg));
    char back[sizeof msg] = {};
    ASSERT_TRUE(p.read(va + k4K - 5, back, sizeof back));
    EXPECT_STREQ(back, msg);
    // The physical bytes are where the page table says.
    auto pa = p.translate(va + k4K);
    ASSERT_TRUE(pa.has_value());
    char raw[5] = {};
    mem.read(*pa, raw, 4);
    EXPECT_STREQ(raw, "es a");
    const Vma *vma = p.find_vma(va + 2 * k4K);
    ASSERT_NE(vma, nullptr);
    EXPECT_EQ(vma->length, 4 * k4K);
    // A second mapping leaves a guard page.
    const uint64_t va2 = p.mmap_anonymous(k4K);
    EXPECT_EQ(va2, va + 5 * k4K);
    EXPECT_FALSE(p.read(va + 4 * k4K, back, 1));
    EXPECT_TRUE(p.munmap(va, 4 * k4K));
    EXPECT_FALSE(p.read(va, back, 1));
    EXPECT_FALSE(p.munmap(va, 4 * k4K));
    EXPECT_TRUE(p.munmap(va2, k4K));
    // Data frames come back; page-table frames stay until the process goes (as Linux).
    EXPECT_GE(frames.free_count() + p.page_table().table_pages(), before);
  }
}

TEST(Process, SixtyFourKGranuleMapsAlignedRunsOfSixteenFrames) {
  testing::fresh_sc_context();
  SimEnv env;
  PhysicalMemory mem("mem", dram(), env);
  FrameAllocator frames(kFramesBase, (64ull << 20) - kFramesBase);
  const size_t free0 = frames.free_count();
  {
    Process p(100, mem, frames, PageGranule::k64K);
    EXPECT_EQ(p.granule_size(), k64K);
    const size_t after_root = frames.free_count();
    const uint64_t va = p.mmap_anonymous(100 * 1024);  // two 64 KiB pages
    EXPECT_EQ(va % k64K, 0u);
    const Vma *vma = p.find_vma(va);
    ASSERT_NE(vma, nullptr);
    EXPECT_EQ(vma->page_size, k64K);
    EXPECT_EQ(vma->length, 2 * k64K);
    for (uint64_t f : vma->frames) EXPECT_EQ(f % k64K, 0u);
    auto t = p.page_table().translate(va + k64K + 5);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->page_size, k64K);
    EXPECT_EQ(t->pa, vma->frames[1] + 5);
    // 32 data frames, plus tables (each 16 frames).
    EXPECT_EQ(after_root - frames.free_count(), 32 + 16 * (p.page_table().table_pages() - 1));
    // Reads and writes cross the 64 KiB page boundary.
    std::vector<uint8_t> data(8192);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
    ASSERT_TRUE(p.write(va + k64K - 4096, data.data(), data.size()));
    std::vector<uint8_t> back(data.size());
    ASSERT_TRUE(p.read(va + k64K - 4096, back.data(), back.size()));
    EXPECT_EQ(back, data);
    // The next mapping starts after a 64 KiB guard.
    const uint64_t va2 = p.mmap_anonymous(1, /*populate=*/false);
    EXPECT_EQ(va2, va + 3 * k64K);
    EXPECT_TRUE(p.is_untouched_anonymous(va2 + 0x8000));
    EXPECT_TRUE(p.fault_in(va2 + 0x8000));
    EXPECT_FALSE(p.fault_in(va2));  // the whole 64 KiB page came in
    // mprotect covers whole 64 KiB pages.
    EXPECT_TRUE(p.protect(va + 0x100, 16, false));
    EXPECT_FALSE(p.page_table().translate(va + 0xfff0)->perms.write);
    EXPECT_TRUE(p.page_table().translate(va + k64K)->perms.write);
    // A 4K-granule page size is not a page size of this process.
    EXPECT_THROW(p.mmap_anonymous(k4K, true, k4K), std::invalid_argument);
    EXPECT_FALSE(p.supports_page_size(k2M));
    EXPECT_TRUE(p.munmap(va, 100 * 1024));
    EXPECT_TRUE(p.munmap(va2, 1));
  }
  EXPECT_EQ(frames.free_count(), free0);
}

TEST(Process, HugePagesAreAlignedBlocksFaultedInWhole) {
  testing::fresh_sc_context();
  SimEnv env;
  PhysicalMemory mem("mem", dram(), env);
  FrameAllocator frames(kFramesBase, (64ull << 20) - kFramesBase);
  const size_t free0 = frames.free_count();
  {
    Process p(100, mem, frames);  // 4K granule
    const uint64_t small = p.mmap_anonymous(k4K);
    const uint64_t va = p.mmap_anonymous(3 * (1ull << 20), /*populate=*/false, k2M);
    EXPECT_EQ(va % k2M, 0u);
    EXPECT_GT(va, small);
    const Vma *vma = p.find_vma(va);
    ASSERT_NE(vma, nullptr);
    EXPECT_EQ(vma->page_size, k2M);
    EXPECT_EQ(vma->length, 2 * k2M);
    EXPECT_FALSE(p.translate(va).has_value());
    const size_t before = frames.free_count();
    // A fault anywhere in the second huge page brings the whole 2 MiB in, as one block.
    EXPECT_TRUE(p.fault_in(va + k2M + 0x12345));
    EXPECT_EQ(before - frames.free_count(),
              512u);  // no new table: the level-2 slot holds it
    const uint64_t frame = vma->frames[1];
    EXPECT_EQ(frame % k2M, 0u);
    auto t = p.page_table().translate(va + k2M + 0x1ff000);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->level, 2u);
    EXPECT_EQ(t->page_size, k2M);
    EXPECT_EQ(t->pa, frame + 0x1ff000);
    EXPECT_FALSE(p.is_untouched_anonymous(va + k2M));
    EXPECT_TRUE(p.is_untouched_anonymous(va));
    const char msg[] = "huge";
    ASSERT_TRUE(p.write(va + 2 * k2M - 2, msg, sizeof msg - 1) == false);  // runs past the end
    ASSERT_TRUE(p.write(va + k2M + 0x100000, msg, sizeof msg));
    char back[sizeof msg] = {};
    ASSERT_TRUE(p.read(va + k2M + 0x100000, back, sizeof back));
    EXPECT_STREQ(back, msg);
    EXPECT_TRUE(p.protect(va + k2M + 5, 1, false));  // the whole block becomes read-only
    EXPECT_FALSE(p.page_table().translate(va + k2M)->perms.write);
    EXPECT_FALSE(p.munmap(va + k2M, k2M));  // not the mapping's start
    EXPECT_TRUE(p.munmap(va, 3 * (1ull << 20)));
    EXPECT_FALSE(p.translate(va + k2M).has_value());
    EXPECT_TRUE(frames.is_free(frame));
    EXPECT_THROW(p.mmap_anonymous(k4K, true, 3 * k4K), std::invalid_argument);
  }
  EXPECT_EQ(frames.free_count(), free0);
}

TEST(Process, DeviceMappingsTakeTheWholeGranuleWindow) {
  testing::fresh_sc_context();
  SimEnv env;
  PhysicalMemory mem("mem", dram(), env);
  FrameAllocator frames(kFramesBase, (64ull << 20) - kFramesBase);
  Process p(100, mem, frames, PageGranule::k64K);
  // A 4 KiB doorbell page at the start of a 64 KiB-aligned BAR maps the BAR's 64 KiB: the
  // neighbouring doorbells are reachable too (the isolation caveat, as Linux with 64K pages).
  const uint64_t bar = 0x50'0000'0000ull;
  const uint64_t db = p.mmap_physical({bar}, VmaKind::kDeviceMmio, 3, true);
  EXPECT_EQ(db % k64K, 0u);
  EXPECT_EQ(p.translate(db + 0x8000), bar + 0x8000);
  EXPECT_TRUE(p.page_table().translate(db)->perms.device);
  EXPECT_EQ(p.find_vma(db)->length, k64K);
  // A ring of two 4 KiB pages 16 KiB into a window: the VA returned points at its first byte.
  const uint64_t ring = 0x20'4000;
  const uint64_t va = p.mmap_physical({ring, ring + k4K}, VmaKind::kDeviceDus, 3, true);
  EXPECT_EQ(va % k64K, 0x4000u);
  EXPECT_EQ(p.translate(va), ring);
  EXPECT_EQ(p.translate(va + k4K + 8), ring + k4K + 8);
  EXPECT_EQ(p.translate(va - 0x4000),
            ring - 0x4000);  // kernel memory beside it is mapped too
  // Pages that cannot share the granule windows are a driver bug.
  EXPECT_THROW(p.mmap_physical({ring, ring + 2 * k4K}, VmaKind::kDeviceDus, 3, true),
               std::invalid_argument);
  EXPECT_EQ(p.vmas_of_fd(3).size(), 2u);
  EXPECT_TRUE(p.munmap(va, 2 * k4K));  // by the address mmap returned
  EXPECT_FALSE(p.translate(va).has_value());
  EXPECT_TRUE(p.munmap(db, k4K));
}

}  // namespace
}  // namespace wdsim
