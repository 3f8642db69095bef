// The virtio formats against the specification's numbers: ring sizes and offsets for a few
// queue sizes, the event-index rule across the u16 wrap, and a hand-encoded descriptor and used
// element byte by byte.
#include "formats/virtio/virtio_net.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace wdsim::virtio {
namespace {

TEST(VirtioFormats, RingSizesAndOffsetsFollowTheSpec) {
  // 2.6: descriptor table 16 * N, available ring 6 + 2 * N, used ring 6 + 8 * N.
  EXPECT_EQ(desc_table_bytes(256), 4096u);
  EXPECT_EQ(avail_ring_bytes(256), 518u);
  EXPECT_EQ(used_ring_bytes(256), 2054u);
  EXPECT_EQ(avail_used_event_offset(8), 20u);
  EXPECT_EQ(used_avail_event_offset(8), 68u);
  EXPECT_EQ(avail_ring_bytes(1), 8u);
}

TEST(VirtioFormats, NeedEventAcrossTheWrap) {
  // The driver asked to hear of entry 5: moving from 3 to 6 passes it, 3 to 5 does not.
  EXPECT_TRUE(need_event(5, 6, 3));
  EXPECT_FALSE(need_event(5, 5, 3));
  EXPECT_FALSE(need_event(7, 6, 3));
  // Indices wrap at 2^16.
  EXPECT_TRUE(need_event(0xffff, 2, 0xfffe));
  EXPECT_FALSE(need_event(3, 2, 0xfffe));
  // The event index equal to the old index passed on the first new entry.
  EXPECT_TRUE(need_event(3, 4, 3));
}

TEST(VirtioFormats, DescriptorAndUsedElementAreLittleEndianBytes) {
  VirtqDesc d{0x0011223344556677ull, 0x1000, kDescFNext | kDescFWrite, 9};
  uint8_t b[16];
  std::memcpy(b, &d, sizeof b);
  const std::vector<uint8_t> want = {0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00,
                                     0x00, 0x10, 0x00, 0x00, 0x03, 0x00, 0x09, 0x00};
  EXPECT_EQ(std::vector<uint8_t>(b, b + 16), want);
  VirtqUsedElem u{7, 1514};
  uint8_t e[8];
  std::memcpy(e, &u, sizeof e);
  EXPECT_EQ(std::vector<uint8_t>(e, e + 8), (std::vector<uint8_t>{7, 0, 0, 0, 0xea, 0x05, 0, 0}));
}

}  // namespace
}  // namespace wdsim::virtio
