#include "sim/cpu_host/frame_allocator.h"

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

}  // namespace
}  // namespace wdsim
