#include "sim/accel/zip/zip_codec.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "sim/accel/zip/zip_test_data.h"

namespace wdsim {
namespace {

using testing::mixed_data;
using testing::strip_header;
using testing::system_deflate;
using testing::system_inflate;
using testing::uadk_header;

const uint8_t kTypes[] = {kZipReqDeflate, kZipReqZlib, kZipReqGzip};
const size_t kSizes[] = {64, 1024, 4096, 64 * 1024, 1024 * 1024};

uint32_t roomy(size_t n) { return static_cast<uint32_t>(compressBound(n) + 64); }

TEST(ZipCodec, CompressedOutputInflatesWithSystemZlib) {
  for (uint8_t type : kTypes) {
    for (size_t n : kSizes) {
      SCOPED_TRACE(std::string(zip_req_type_name(type)) + " " + std::to_string(n));
      std::vector<uint8_t> in = mixed_data(n);
      ZipCodecResult r = zip_compress(type, in.data(), in.size(), roomy(n), 6, kZipWindow32K);
      ASSERT_TRUE(r.status == kZipStatusOk || r.status == kZipStatusNegativeCompression);
      EXPECT_EQ(r.consumed, n);
      EXPECT_EQ(r.isize, n);
      std::vector<uint8_t> stream = uadk_header(type);  // software writes the header
      stream.insert(stream.end(), r.output.begin(), r.output.end());
      std::vector<uint8_t> back;
      ASSERT_TRUE(system_inflate(type, stream, &back, n + 1));
      EXPECT_EQ(back, in);
      if (type == kZipReqZlib) {
        EXPECT_EQ(r.checksum, adler32(1, in.data(), in.size()));
      }
      if (type == kZipReqGzip) {
        EXPECT_EQ(r.checksum, crc32(0, in.data(), in.size()));
      }
    }
  }
}

TEST(ZipCodec, EveryWindowSizeProducesValidDeflate) {
  std::vector<uint8_t> in = mixed_data(100000);
  for (uint8_t w = kZipWindow4K; w <= kZipWindow32K; ++w) {
    ZipCodecResult r = zip_compress(kZipReqDeflate, in.data(), in.size(), roomy(in.size()), 6, w);
    ASSERT_EQ(r.status, kZipStatusOk);
    std::vector<uint8_t> back;
    ASSERT_TRUE(system_inflate(kZipReqDeflate, r.output, &back, in.size()));
    EXPECT_EQ(back, in);
  }
  EXPECT_EQ(zip_compress(kZipReqDeflate, in.data(), in.size(), roomy(in.size()), 6, 5).status,
            kZipStatusBadRequest);
}

TEST(ZipCodec, DecompressesSystemZlibOutput) {
  for (uint8_t type : kTypes) {
    for (size_t n : kSizes) {
      SCOPED_TRACE(std::string(zip_req_type_name(type)) + " " + std::to_string(n));
      std::vector<uint8_t> in = mixed_data(n, 7);
      std::vector<uint8_t> hw_in = strip_header(type, system_deflate(type, in));
      ZipCodecResult r = zip_decompress(type, hw_in.data(), hw_in.size(), static_cast<uint32_t>(n),
                                        /*report_end=*/false);
      ASSERT_EQ(r.status, kZipStatusOk);
      EXPECT_TRUE(r.last_block);
      EXPECT_EQ(r.consumed, hw_in.size());
      EXPECT_EQ(r.output, in);
      EXPECT_EQ(r.isize, n);
    }
  }
}

TEST(ZipCodec, StatefulDecompressReportsDecompEnd) {
  std::vector<uint8_t> in = mixed_data(5000);
  std::vector<uint8_t> hw_in = strip_header(kZipReqGzip, system_deflate(kZipReqGzip, in));
  ZipCodecResult r = zip_decompress(kZipReqGzip, hw_in.data(), hw_in.size(), 5000, true);
  EXPECT_EQ(r.status, kZipStatusDecompEnd);
  EXPECT_TRUE(r.last_block);
}

TEST(ZipCodec, DstTooSmall) {
  std::vector<uint8_t> in = mixed_data(4096);
  EXPECT_EQ(zip_compress(kZipReqZlib, in.data(), in.size(), 16, 6, kZipWindow32K).status,
            kZipStatusDstTooSmall);
  std::vector<uint8_t> hw_in = strip_header(kZipReqZlib, system_deflate(kZipReqZlib, in));
  ZipCodecResult r = zip_decompress(kZipReqZlib, hw_in.data(), hw_in.size(), 4095, false);
  EXPECT_EQ(r.status, kZipStatusDstTooSmall);
  EXPECT_NE(r.ctx_st, 0);
  EXPECT_TRUE(r.output.empty());
  // Exactly enough room is enough.
  EXPECT_EQ(zip_decompress(kZipReqZlib, hw_in.data(), hw_in.size(), 4096, false).status,
            kZipStatusOk);
}

TEST(ZipCodec, CorruptAndTruncatedStreams) {
  std::vector<uint8_t> in = mixed_data(8192);
  std::vector<uint8_t> hw_in = strip_header(kZipReqGzip, system_deflate(kZipReqGzip, in));
  std::vector<uint8_t> garbage(300, 0xff);  // 0xff: reserved block type 3
  EXPECT_EQ(zip_decompress(kZipReqDeflate, garbage.data(), garbage.size(), 10000, false).status,
            kZipStatusStreamError);
  std::vector<uint8_t> truncated(hw_in.begin(), hw_in.begin() + hw_in.size() / 2);
  EXPECT_EQ(zip_decompress(kZipReqGzip, truncated.data(), truncated.size(), 10000, false).status,
            kZipStatusStreamError);
  std::vector<uint8_t> no_trailer(hw_in.begin(), hw_in.end() - 3);
  EXPECT_EQ(zip_decompress(kZipReqGzip, no_trailer.data(), no_trailer.size(), 10000, false).status,
            kZipStatusStreamError);
  std::vector<uint8_t> bad_crc = hw_in;
  bad_crc[bad_crc.size() - 8] ^= 0x01;  // CRC-32 byte
  ZipCodecResult r = zip_decompress(kZipReqGzip, bad_crc.data(), bad_crc.size(), 10000, false);
  EXPECT_EQ(r.status, kZipStatusCrcError);
  EXPECT_EQ(r.output, in);  // the data itself decoded
}

TEST(ZipCodec, NegativeCompressionStillValid) {
  std::vector<uint8_t> in(256);
  std::mt19937 rng(3);
  for (uint8_t& b : in) b = static_cast<uint8_t>(rng());
  ZipCodecResult r = zip_compress(kZipReqDeflate, in.data(), in.size(), 1024, 6, kZipWindow32K);
  EXPECT_EQ(r.status, kZipStatusNegativeCompression);
  std::vector<uint8_t> back;
  ASSERT_TRUE(system_inflate(kZipReqDeflate, r.output, &back, in.size()));
  EXPECT_EQ(back, in);
}

TEST(ZipCodec, UnsupportedTypes) {
  std::vector<uint8_t> in = mixed_data(100);
  EXPECT_EQ(zip_compress(kZipReqLz77Zstd, in.data(), in.size(), 1000, 6, 4).status,
            kZipStatusBadRequest);
  EXPECT_EQ(zip_decompress(kZipReqLz4, in.data(), in.size(), 1000, false).status,
            kZipStatusBadRequest);
}

}  // namespace
}  // namespace wdsim
