// The ZIP engine's window sizes (UADK wd_comp_winsz_type) and its timing-only data mode.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "sim/accel/testing/fake_dma_port.h"
#include "sim/accel/zip/zip_engine.h"
#include "sim/accel/zip/zip_size_model.h"
#include "sim/accel/zip/zip_test_data.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

constexpr uint64_t kMemBase = 0x20000000;
constexpr uint64_t kSrcAddr = kMemBase;
constexpr uint64_t kDstAddr = kMemBase + 0x400000;
constexpr double kAccessNs = 40;

using testing::FakeDmaPort;

// 8 MiB of flat memory at kMemBase, kAccessNs per access.
FakeDmaPort logging_dma() { return FakeDmaPort(kMemBase, 8u << 20, ns(kAccessNs)); }

ZipSqe sqe_for(uint8_t req_type, uint32_t in_len, uint32_t avail_out, uint8_t window) {
  ZipSqe s{};
  s.set_sqe_type(kZipSqeTypeV3);
  s.set_req_type(req_type);
  s.set_window(window);
  s.set_stream_flags(true, false, true);
  s.input_data_length = in_len;
  s.dest_avail_out = avail_out;
  s.set_src(kSrcAddr);
  s.set_dst(kDstAddr);
  return s;
}

struct ModeRun {
  ZipSqe sqe;
  sc_time t;
};

ModeRun run(ZipEngine& zip, ZipOp op, FakeDmaPort& dma, const ZipSqe& in) {
  uint8_t bytes[sizeof(ZipSqe)];
  std::memcpy(bytes, &in, sizeof bytes);
  EngineRequest req;
  req.sqe = bytes;
  req.sqe_size = sizeof bytes;
  req.dma = &dma;
  ModeRun r;
  r.t = SC_ZERO_TIME;
  zip.direction(op).process(req, r.t);
  std::memcpy(&r.sqe, bytes, sizeof bytes);
  return r;
}

// Data whose only redundancy is a repeat `distance` bytes back.
std::vector<uint8_t> repeats_at(size_t n, size_t distance) {
  std::vector<uint8_t> v = testing::mixed_data(distance, 7);
  for (auto& b : v) b = static_cast<uint8_t>(b * 31 + 17);  // noisy block
  v.resize(n);
  for (size_t i = distance; i < n; ++i) v[i] = v[i - distance];
  return v;
}

// Inflates raw deflate with a decoder limited to `window_bits`; false on any error (e.g. a
// match distance beyond the window).
bool raw_inflate_with_window(const uint8_t* p, size_t len, int window_bits, size_t expect) {
  z_stream s{};
  if (inflateInit2(&s, -window_bits) != Z_OK) return false;
  std::vector<uint8_t> out(expect + 1);
  s.next_in = const_cast<Bytef*>(p);
  s.avail_in = static_cast<uInt>(len);
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  int ret = inflate(&s, Z_FINISH);
  size_t produced = s.total_out;
  inflateEnd(&s);
  return ret == Z_STREAM_END && produced == expect;
}

TEST(ZipWindows, EveryUadkWindowSizeCompressesWithinItsWindow) {
  // Repeats 6000 bytes back: only windows >= 8K can use them.
  std::vector<uint8_t> in = repeats_at(64 * 1024, 6000);
  SimEnv env;
  ZipEngine zip("zip", default_params<ZipEngineParams>(), env);
  std::vector<size_t> produced;
  for (uint8_t w : {kZipWindow4K, kZipWindow8K, kZipWindow16K, kZipWindow24K, kZipWindow32K}) {
    SCOPED_TRACE(int{w});
    FakeDmaPort dma = logging_dma();
    dma.put(kSrcAddr, in);
    ModeRun c = run(zip, ZipOp::kCompress, dma, sqe_for(kZipReqDeflate, in.size(), 1 << 20, w));
    ASSERT_EQ(c.sqe.status(), kZipStatusOk);
    produced.push_back(c.sqe.produced);
    std::vector<uint8_t> out = dma.get(kDstAddr, c.sqe.produced);
    // A decoder with exactly this window accepts it: no match reaches further back.
    EXPECT_TRUE(raw_inflate_with_window(out.data(), out.size(), zip_window_bits(w), in.size()));
    // And the engine decompresses it back.
    FakeDmaPort back = logging_dma();
    back.put(kSrcAddr, out);
    ModeRun d = run(zip, ZipOp::kDecompress, back,
                    sqe_for(kZipReqDeflate, c.sqe.produced, in.size(), kZipWindow32K));
    ASSERT_EQ(d.sqe.status(), kZipStatusOk);
    EXPECT_EQ(back.get(kDstAddr, d.sqe.produced), in);
  }
  // The 4K window cannot reach the repeats; the others can.
  EXPECT_GT(produced[0], 4 * produced[1]);
  EXPECT_FALSE(raw_inflate_with_window(nullptr, 0, 12, 1));  // the helper rejects bad input
  // An invalid window code is a bad request.
  FakeDmaPort dma = logging_dma();
  dma.put(kSrcAddr, in);
  ModeRun bad = run(zip, ZipOp::kCompress, dma, sqe_for(kZipReqDeflate, 4096, 8192, 5));
  EXPECT_EQ(bad.sqe.status(), kZipStatusBadRequest);
}

TEST(ZipTimingMode, SameDmaAndTimeAsRealModeWithModelledSizes) {
  std::vector<uint8_t> in = testing::mixed_data(64 * 1024, 3);
  ZipEngineParams real_p = default_params<ZipEngineParams>();
  ZipEngineParams timing_p = real_p;
  timing_p.data_mode = "timing";
  SimEnv env_real, env_timing;
  ZipEngine real("zip", real_p, env_real);
  ZipEngine timing("zip", timing_p, env_timing);
  ZipSqe sqe = sqe_for(kZipReqZlib, in.size(), 1 << 20, kZipWindow32K);

  FakeDmaPort dma_real = logging_dma(), dma_timing = logging_dma();
  dma_real.put(kSrcAddr, in);
  dma_timing.put(kSrcAddr, in);
  ModeRun r = run(real, ZipOp::kCompress, dma_real, sqe);
  ModeRun m = run(timing, ZipOp::kCompress, dma_timing, sqe);

  const uint32_t expect = static_cast<uint32_t>(std::ceil(in.size() * 0.35)) + 4;  // + Adler
  EXPECT_EQ(m.sqe.status(), kZipStatusOk);
  EXPECT_EQ(m.sqe.consumed, in.size());
  EXPECT_EQ(m.sqe.produced, expect);
  EXPECT_EQ(m.sqe.isize, in.size());
  EXPECT_EQ(m.sqe.checksum, 0u);
  // Same transactions: the whole source read, one destination write at the same address (of
  // the modelled size).
  ASSERT_EQ(dma_real.log.size(), 2u);
  ASSERT_EQ(dma_timing.log.size(), 2u);
  EXPECT_EQ(dma_timing.log[0], dma_real.log[0]);
  EXPECT_EQ(dma_timing.log[1].addr, dma_real.log[1].addr);
  EXPECT_EQ(dma_timing.log[1].len, expect);
  // Compression time depends on the input only: identical.
  EXPECT_EQ(m.t, r.t);

  // Decompressing the modelled stream into a destination of the original size gives it back.
  ZipSqe d = sqe_for(kZipReqZlib, expect, in.size(), kZipWindow32K);
  FakeDmaPort dma_d = logging_dma();
  ModeRun back = run(timing, ZipOp::kDecompress, dma_d, d);
  EXPECT_EQ(back.sqe.status(), kZipStatusOk);
  EXPECT_EQ(back.sqe.produced, in.size());
  EXPECT_EQ(back.sqe.consumed, expect);
  EXPECT_TRUE(back.sqe.last_block());
  ASSERT_EQ(dma_d.log.size(), 2u);
  EXPECT_EQ(dma_d.log[0], (FakeDmaPort::Access{false, kSrcAddr, expect}));
  EXPECT_EQ(dma_d.log[1], (FakeDmaPort::Access{true, kDstAddr, in.size()}));
  EXPECT_EQ(env_timing.stats().find_counter("zip.bytes_out")->value(), expect + in.size());
}

TEST(ZipTimingMode, StatusesFollowTheModel) {
  ZipEngineParams p = default_params<ZipEngineParams>();
  p.data_mode = "timing";
  SimEnv env;
  ZipEngine zip("zip", p, env);
  FakeDmaPort dma = logging_dma();
  // Destination too small for ceil(4096 * 0.35) + 8 (gzip trailer).
  ModeRun small = run(zip, ZipOp::kCompress, dma, sqe_for(kZipReqGzip, 4096, 1000, kZipWindow32K));
  EXPECT_EQ(small.sqe.status(), kZipStatusDstTooSmall);
  EXPECT_EQ(small.sqe.produced, 0u);
  // Source DMA fault.
  dma.fail_reads = true;
  ModeRun fault = run(zip, ZipOp::kCompress, dma, sqe_for(kZipReqGzip, 4096, 8192, kZipWindow32K));
  EXPECT_EQ(fault.sqe.status(), kZipStatusDmaReadFault);
  // Unsupported request type.
  dma.fail_reads = false;
  ModeRun lz4 = run(zip, ZipOp::kCompress, dma, sqe_for(kZipReqLz4, 4096, 8192, kZipWindow32K));
  EXPECT_EQ(lz4.sqe.status(), kZipStatusBadRequest);
  // Stateful decompression reports decompression end.
  ZipSqe st = sqe_for(kZipReqDeflate, 1000, 8192, kZipWindow32K);
  st.set_stream_flags(true, true, true);
  EXPECT_EQ(run(zip, ZipOp::kDecompress, dma, st).sqe.status(), kZipStatusDecompEnd);
  // A gzip input no longer than its trailer is a stream error.
  EXPECT_EQ(run(zip, ZipOp::kDecompress, dma, sqe_for(kZipReqGzip, 8, 8192, 4)).sqe.status(),
            kZipStatusStreamError);
}

TEST(ZipSizeModel, NegativeCompressionAndDeterminism) {
  ZipCodecResult grow = zip_model_compress(kZipReqDeflate, 1000, 4096, kZipWindow32K, 1.5);
  EXPECT_EQ(grow.status, kZipStatusNegativeCompression);
  EXPECT_EQ(grow.output.size(), 1500u);
  ZipCodecResult a = zip_model_compress(kZipReqZlib, 12345, 1 << 20, kZipWindow8K, 0.35);
  ZipCodecResult b = zip_model_compress(kZipReqZlib, 12345, 1 << 20, kZipWindow8K, 0.35);
  EXPECT_EQ(a.output.size(), b.output.size());
  EXPECT_EQ(a.output.size(), 4321u + 4);  // ceil(4320.75) + Adler-32
  EXPECT_EQ(zip_model_compress(kZipReqZlib, 1, 64, kZipWindow4K, 0.001).output.size(), 5u);
  // Decompression is capped by the destination.
  EXPECT_EQ(zip_model_decompress(kZipReqDeflate, 3500, 4096, false, 0.35).output.size(), 4096u);
  EXPECT_EQ(zip_model_decompress(kZipReqDeflate, 350, 1 << 20, false, 0.35).output.size(), 1000u);
}

}  // namespace
}  // namespace wdsim
