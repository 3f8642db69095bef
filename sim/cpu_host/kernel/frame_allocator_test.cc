#include "sim/cpu_host/kernel/frame_allocator.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace wdsim {
namespace {

constexpr uint64_t kBase = 0x100000;

TEST(FrameAllocator, LowestAddressFirst) {
  FrameAllocator a(kBase, 4 * 4096);
  EXPECT_EQ(a.free_count(), 4u);
  EXPECT_EQ(a.alloc(), kBase);
  EXPECT_EQ(a.alloc(), kBase + 4096);
  a.free(kBase);
  EXPECT_EQ(a.alloc(), kBase);  // the freed lowest frame comes back first
  EXPECT_EQ(a.free_count(), 2u);
}

TEST(FrameAllocator, ContiguousFirstFitAndCoalescing) {
  FrameAllocator a(kBase, 8 * 4096);
  const uint64_t f0 = a.alloc();
  const uint64_t f1 = a.alloc();
  const uint64_t f2 = a.alloc();
  a.free(f1);                                          // hole of one frame at f1
  EXPECT_EQ(a.alloc_contiguous(3), kBase + 3 * 4096);  // hole too small: first fit after it
  a.free(f0);
  a.free(f2);  // f0..f2 coalesce into one 3-frame run
  EXPECT_EQ(a.alloc_contiguous(3), kBase);
  EXPECT_EQ(a.free_count(), 2u);
  a.free_contiguous(kBase, 3);
  EXPECT_EQ(a.free_count(), 5u);
  EXPECT_TRUE(a.is_free(kBase + 4096));
  EXPECT_FALSE(a.is_free(kBase + 3 * 4096));
}

TEST(FrameAllocator, ExhaustionAndMisuse) {
  FrameAllocator a(kBase, 2 * 4096);
  EXPECT_THROW(a.alloc_contiguous(3), std::runtime_error);
  a.alloc();
  a.alloc();
  try {
    a.alloc();
    FAIL() << "expected out of physical memory";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "out of physical memory");
  }
  EXPECT_THROW(a.free(kBase + 1), std::invalid_argument);         // unaligned
  EXPECT_THROW(a.free(kBase + 2 * 4096), std::invalid_argument);  // outside
  a.free(kBase);
  EXPECT_THROW(a.free(kBase), std::invalid_argument);  // double free
  EXPECT_THROW(FrameAllocator(1, 4096), std::invalid_argument);
}

TEST(FrameAllocator, AlignedFindsTheLowestAlignedWindowAndKeepsTheRest) {
  constexpr uint64_t k64K = 64 * 1024;
  // Base 1 MiB + 4 KiB: the first 64 KiB-aligned address inside is 1 MiB + 64 KiB.
  FrameAllocator a(kBase + 4096, 64 * 4096);
  const size_t total = a.free_count();
  const uint64_t pa = a.alloc_aligned(16, k64K);
  EXPECT_EQ(pa, kBase + k64K);
  EXPECT_EQ(a.free_count(), total - 16);  // exactly n frames taken
  EXPECT_TRUE(a.is_free(kBase + 4096));   // the head before the window stays free
  EXPECT_TRUE(a.is_free(kBase + 2 * k64K));
  EXPECT_FALSE(a.is_free(kBase + k64K + 15 * 4096));
  // The head (15 frames) is too short for another aligned 16-frame run: the next one is the
  // following aligned window, found in the middle of an extent.
  EXPECT_EQ(a.alloc_aligned(16, k64K), kBase + 2 * k64K);
  // Plain allocations still come lowest first, from the head.
  EXPECT_EQ(a.alloc(), kBase + 4096);
  // An aligned window inside an extent shorter than n + align/4K - 1 frames (30 < 31) is
  // found: free the first aligned 64 KiB window again, next to the 14 free head frames.
  a.free_contiguous(kBase + k64K, 16);
  EXPECT_EQ(a.alloc_aligned(16, k64K), kBase + k64K);
  // Alignment 4 KiB is alloc_contiguous.
  EXPECT_EQ(a.alloc_aligned(1, 4096), kBase + 2 * 4096);
  a.free_contiguous(kBase + k64K, 16);
  a.free_contiguous(kBase + 2 * k64K, 16);
  a.free(kBase + 4096);
  a.free(kBase + 2 * 4096);
  EXPECT_EQ(a.free_count(), total);
  // No aligned window long enough: out of memory; bad arguments are caller bugs.
  EXPECT_THROW(a.alloc_aligned(64, k64K), std::runtime_error);
  EXPECT_THROW(a.alloc_aligned(1, 6144), std::invalid_argument);
  EXPECT_THROW(a.alloc_aligned(1, 2048), std::invalid_argument);
  EXPECT_THROW(a.alloc_aligned(0, 4096), std::invalid_argument);
}

}  // namespace
}  // namespace wdsim
