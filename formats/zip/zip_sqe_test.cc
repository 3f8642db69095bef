#include "formats/zip/zip_sqe.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>

namespace wdsim {
namespace {

// Field order of struct hisi_zip_sqe (UADK drv/hisi_comp.c; kernel zip.h has the same dwords).
TEST(ZipSqe, LayoutMatchesHisiZipSqe) {
  EXPECT_EQ(sizeof(ZipSqe), 128u);
  EXPECT_EQ(offsetof(ZipSqe, consumed), 0 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, produced), 1 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, comp_data_length), 2 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw3), 3 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, input_data_length), 4 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw5), 5 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw6), 6 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw7), 7 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw8), 8 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw9), 9 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw10), 10 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw11), 11 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw12), 12 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw13), 13 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dest_avail_out), 14 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, ctx_dw0), 15 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw16), 16 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw17), 17 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, source_addr_l), 18 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, source_addr_h), 19 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dest_addr_l), 20 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dest_addr_h), 21 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, stream_ctx_addr_l), 22 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, stream_ctx_addr_h), 23 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, literals_addr_l), 24 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, literals_addr_h), 25 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw26), 26 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, dw27), 27 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, ctx_dw1), 28 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, ctx_dw2), 29 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, isize), 30 * 4u);
  EXPECT_EQ(offsetof(ZipSqe, checksum), 31 * 4u);
}

TEST(ZipSqe, AddressesSplitLowHigh) {
  ZipSqe s{};
  s.set_src(0x123456789abcdef0ull);
  s.set_dst(0x0000ffff00001000ull);
  EXPECT_EQ(s.source_addr_l, 0x9abcdef0u);
  EXPECT_EQ(s.source_addr_h, 0x12345678u);
  EXPECT_EQ(s.src(), 0x123456789abcdef0ull);
  EXPECT_EQ(s.dest_addr_h, 0x0000ffffu);
  EXPECT_EQ(s.dst(), 0x0000ffff00001000ull);
}

// dw9 as UADK fill_zip_comp_sqe builds it: req_type | buf_type << 8 | win_sz << 12.
TEST(ZipSqe, Dw9Fields) {
  ZipSqe s{};
  s.set_req_type(kZipReqGzip);
  s.set_buf_type(kZipBufSgl);
  s.set_window(kZipWindow32K);
  EXPECT_EQ(s.dw9, 0x03u | (1u << 8) | (4u << 12));
  EXPECT_EQ(s.req_type(), kZipReqGzip);
  EXPECT_EQ(s.buf_type(), kZipBufSgl);
  EXPECT_EQ(s.window(), kZipWindow32K);
  EXPECT_EQ(zip_window_bytes(s.window()), 32768u);
  EXPECT_EQ(zip_window_bytes(7), 0u);
}

// dw7 as UADK: (stream_pos << 2 | state << 1 | flush) << 25; sqe_type v3 = 0x30000000.
TEST(ZipSqe, Dw7Fields) {
  ZipSqe s{};
  s.set_sqe_type(kZipSqeTypeV3);
  EXPECT_EQ(s.dw7, 0x30000000u);
  s.set_stream_flags(/*stream_new=*/true, /*stateful=*/false, /*finish=*/true);
  EXPECT_EQ(s.dw7, 0x30000000u | (((1u << 2) | 1u) << 25));
  EXPECT_TRUE(s.stream_new());
  EXPECT_FALSE(s.stateful());
  EXPECT_TRUE(s.flush_finish());
  EXPECT_EQ(s.dw7 & 0x08000000u, 0x08000000u);  // UADK HZ_STREAM_POS_MASK
  EXPECT_EQ(s.sqe_type(), kZipSqeTypeV3);
}

TEST(ZipSqe, TagFollowsSqeType) {
  ZipSqe s{};
  s.set_tag(7);
  EXPECT_EQ(s.dw13, 7u);
  s.set_sqe_type(kZipSqeTypeV3);
  s.set_tag(9);
  EXPECT_EQ(s.dw26, 9u);
  EXPECT_EQ(s.tag(), 9u);
}

// dw3 / ctx_dw0 read the way UADK parse_zip_sqe reads them.
TEST(ZipSqe, StatusAndLastBlock) {
  ZipSqe s{};
  s.dw3 = 0xffffff00u;
  s.set_status(kZipStatusDecompEnd);
  EXPECT_EQ(s.dw3 & 0xffu, 0x13u);
  EXPECT_TRUE(s.last_block());  // 0x100 was already set
  s.set_last_block(false);
  EXPECT_EQ(s.dw3 & 0x100u, 0u);
  EXPECT_EQ(s.status(), kZipStatusDecompEnd);
  s.set_ctx_st(kZipCtxDecompNoSpace);
  EXPECT_EQ(s.ctx_dw0 & 0xfu, 0x1u);
}

TEST(ZipSqe, Names) {
  EXPECT_STREQ(zip_status_name(kZipStatusDstTooSmall), "dst_too_small");
  EXPECT_STREQ(zip_status_name(0x77), "unknown");
  EXPECT_STREQ(zip_req_type_name(kZipReqLz77Zstd), "lz77_zstd");
}

}  // namespace
}  // namespace wdsim
