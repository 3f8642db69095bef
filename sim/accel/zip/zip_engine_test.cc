#include "sim/accel/zip/zip_engine.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>

#include "sim/accel/testing/fake_dma_port.h"
#include "sim/accel/zip/zip_test_data.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using testing::FakeDmaPort;
using testing::mixed_data;
using testing::strip_header;
using testing::system_deflate;
using testing::system_inflate;
using testing::uadk_header;

constexpr uint64_t kBase = 0x10000000;
constexpr uint64_t kSrc = kBase;
constexpr uint64_t kDst = kBase + 0x400000;

ZipSqe make_sqe(uint8_t req_type, uint32_t in_len, uint32_t avail_out) {
  ZipSqe s{};
  s.set_sqe_type(kZipSqeTypeV3);
  s.set_req_type(req_type);
  s.set_buf_type(kZipBufFlat);
  s.set_window(kZipWindow32K);
  s.set_stream_flags(true, false, true);
  s.set_tag(42);
  s.input_data_length = in_len;
  s.dest_avail_out = avail_out;
  s.set_src(kSrc);
  s.set_dst(kDst);
  return s;
}

struct EngineRun {
  ZipSqe sqe;
  EngineTiming timing;
  sc_time t;
};

EngineRun run(QmEngine& engine, FakeDmaPort& dma, const ZipSqe& sqe, sc_time t = SC_ZERO_TIME) {
  uint8_t bytes[sizeof(ZipSqe)];
  std::memcpy(bytes, &sqe, sizeof(bytes));
  EngineRequest req;
  req.sqe = bytes;
  req.sqe_size = sizeof(bytes);
  req.qp = 3;
  req.sqe_index = 5;
  req.dma = &dma;
  EngineRun r;
  r.timing = engine.process(req, t);
  r.t = t;
  std::memcpy(&r.sqe, bytes, sizeof(bytes));
  return r;
}

class ZipEngineTest : public ::testing::Test {
 protected:
  ZipEngineTest() : params_(default_params<ZipEngineParams>()) {}
  ZipEngineParams params_;
  SimEnv env_;
  FakeDmaPort dma_{kBase, 16 * 1024 * 1024};
};

TEST_F(ZipEngineTest, CompressThenDecompressRoundTrip) {
  ZipEngine zip("zip", params_, env_);
  for (uint8_t type : {kZipReqDeflate, kZipReqZlib, kZipReqGzip}) {
    for (size_t n : {size_t{64}, size_t{1024}, size_t{4096}, size_t{65536}, size_t{1} << 20}) {
      SCOPED_TRACE(std::string(zip_req_type_name(type)) + " " + std::to_string(n));
      std::vector<uint8_t> in = mixed_data(n, static_cast<uint32_t>(n));
      dma_.put(kSrc, in);
      EngineRun c = run(*zip.for_alg_type(0), dma_, make_sqe(type, n, 2 * n + 64));
      ASSERT_TRUE(c.sqe.status() == kZipStatusOk ||
                  c.sqe.status() == kZipStatusNegativeCompression);
      EXPECT_EQ(c.sqe.consumed, n);
      EXPECT_EQ(c.sqe.tag(), 42u);  // untouched
      std::vector<uint8_t> hw_out = dma_.get(kDst, c.sqe.produced);
      std::vector<uint8_t> stream = uadk_header(type);
      stream.insert(stream.end(), hw_out.begin(), hw_out.end());
      std::vector<uint8_t> back;
      ASSERT_TRUE(system_inflate(type, stream, &back, n));
      EXPECT_EQ(back, in);
      if (type == kZipReqZlib) {
        EXPECT_EQ(c.sqe.checksum, adler32(1, in.data(), n));
      }
      if (type == kZipReqGzip) {
        EXPECT_EQ(c.sqe.checksum, crc32(0, in.data(), n));
        EXPECT_EQ(c.sqe.isize, n);
      }

      // Feed the hardware output back through a decompression queue.
      dma_.put(kSrc, hw_out);
      EngineRun d = run(*zip.for_alg_type(1), dma_, make_sqe(type, c.sqe.produced, n));
      ASSERT_EQ(d.sqe.status(), kZipStatusOk);
      EXPECT_TRUE(d.sqe.last_block());
      EXPECT_EQ(d.sqe.consumed, c.sqe.produced);
      EXPECT_EQ(d.sqe.produced, n);
      EXPECT_EQ(dma_.get(kDst, n), in);
    }
  }
  EXPECT_EQ(env_.stats().find_counter("zip.requests")->value(), 30u);
  EXPECT_EQ(env_.stats().find_counter("zip.compress.requests")->value(), 15u);
  EXPECT_GT(env_.stats().find_counter("zip.bytes_out")->value(), 0u);
  EXPECT_EQ(zip.for_alg_type(2), nullptr);
}

// zlib interop over a few MiB of mixed data, both ways: the engine's output inflates with
// system zlib, and the engine inflates system zlib's output.
TEST_F(ZipEngineTest, ZlibInteropOverAFewMiB) {
  ZipEngine zip("zip", params_, env_);
  const size_t n = (3u << 20) + 12345;
  const std::vector<uint8_t> in = mixed_data(n, 77);
  for (uint8_t type : {kZipReqDeflate, kZipReqZlib, kZipReqGzip}) {
    SCOPED_TRACE(zip_req_type_name(type));
    dma_.put(kSrc, in);
    EngineRun c = run(*zip.for_alg_type(0), dma_, make_sqe(type, n, 2 * n));
    ASSERT_TRUE(c.sqe.status() == kZipStatusOk || c.sqe.status() == kZipStatusNegativeCompression);
    std::vector<uint8_t> stream = uadk_header(type);
    const std::vector<uint8_t> hw_out = dma_.get(kDst, c.sqe.produced);
    stream.insert(stream.end(), hw_out.begin(), hw_out.end());
    std::vector<uint8_t> back;
    ASSERT_TRUE(system_inflate(type, stream, &back, n));
    EXPECT_EQ(back, in);

    const std::vector<uint8_t> sw = strip_header(type, system_deflate(type, in));
    ASSERT_LE(sw.size(), kDst - kSrc);
    dma_.put(kSrc, sw);
    EngineRun d = run(*zip.for_alg_type(1), dma_, make_sqe(type, sw.size(), n));
    ASSERT_EQ(d.sqe.status(), kZipStatusOk);
    EXPECT_EQ(d.sqe.produced, n);
    EXPECT_EQ(dma_.get(kDst, n), in);
  }
}

TEST_F(ZipEngineTest, DecompressesSystemZlibStream) {
  ZipEngine zip("zip", params_, env_);
  std::vector<uint8_t> in = mixed_data(100000, 9);
  std::vector<uint8_t> hw_in = strip_header(kZipReqGzip, system_deflate(kZipReqGzip, in));
  dma_.put(kSrc, hw_in);
  ZipSqe s = make_sqe(kZipReqGzip, hw_in.size(), in.size());
  s.set_stream_flags(true, /*stateful=*/true, true);
  EngineRun d = run(zip.direction(ZipOp::kDecompress), dma_, s);
  EXPECT_EQ(d.sqe.status(), kZipStatusDecompEnd);  // stateful: end of stream reported
  EXPECT_TRUE(d.sqe.last_block());
  EXPECT_EQ(dma_.get(kDst, in.size()), in);
  EXPECT_EQ(d.sqe.checksum, crc32(0, in.data(), in.size()));
}

TEST_F(ZipEngineTest, DstTooSmall) {
  ZipEngine zip("zip", params_, env_);
  std::vector<uint8_t> in = mixed_data(4096);
  dma_.put(kSrc, in);
  EngineRun c = run(zip, dma_, make_sqe(kZipReqZlib, 4096, 32));
  EXPECT_EQ(c.sqe.status(), kZipStatusDstTooSmall);
  EXPECT_EQ(c.sqe.produced, 0u);

  std::vector<uint8_t> hw_in = strip_header(kZipReqZlib, system_deflate(kZipReqZlib, in));
  dma_.put(kSrc, hw_in);
  EngineRun d = run(*zip.for_alg_type(1), dma_, make_sqe(kZipReqZlib, hw_in.size(), 1000));
  EXPECT_EQ(d.sqe.status(), kZipStatusDstTooSmall);
  EXPECT_EQ(d.sqe.ctx_st(), kZipCtxDecompingNoSpace);
  EXPECT_EQ(env_.stats().find_counter("zip.errors.dst_too_small")->value(), 2u);
}

TEST_F(ZipEngineTest, CorruptStreamIsAnErrorStatus) {
  ZipEngine zip("zip", params_, env_);
  std::vector<uint8_t> garbage = mixed_data(2000, 5);
  garbage[0] = 0xff;  // BTYPE 3: reserved
  dma_.put(kSrc, garbage);
  EngineRun d = run(*zip.for_alg_type(1), dma_, make_sqe(kZipReqDeflate, 2000, 100000));
  EXPECT_EQ(d.sqe.status(), kZipStatusStreamError);
  EXPECT_EQ(d.sqe.produced, 0u);
  EXPECT_EQ(env_.stats().find_counter("zip.errors.stream_error")->value(), 1u);
}

TEST_F(ZipEngineTest, BadFieldsAreBadRequests) {
  ZipEngine zip("zip", params_, env_);
  std::vector<ZipSqe> bad;
  bad.push_back(make_sqe(kZipReqDeflate, kZipMaxRequestBytes + 1, 100));  // > 8 MiB
  bad.push_back(make_sqe(kZipReqDeflate, 0, 100));                        // empty
  bad.push_back(make_sqe(kZipReqDeflate, 100, 0));                        // no room
  bad.push_back(make_sqe(0x7f, 100, 100));                                // unknown type
  bad.push_back(make_sqe(kZipReqLz77Zstd, 100, 100));                     // not modelled
  bad.push_back(make_sqe(kZipReqDeflate, 100, 100));
  bad.back().set_buf_type(kZipBufSgl);  // SGL not modelled
  bad.push_back(make_sqe(kZipReqDeflate, 100, 100));
  bad.back().set_window(9);
  bad.push_back(make_sqe(kZipReqDeflate, 100, 100));
  bad.back().set_sqe_type(5);
  for (const ZipSqe& s : bad) {
    EngineRun r = run(zip, dma_, s);
    EXPECT_EQ(r.sqe.status(), kZipStatusBadRequest);
    EXPECT_EQ(r.sqe.produced, 0u);
    EXPECT_EQ(r.t, SC_ZERO_TIME);
  }
  EXPECT_EQ(env_.stats().find_counter("zip.errors.bad_request")->value(), bad.size());
}

TEST_F(ZipEngineTest, DmaFaultsAreErrorStatuses) {
  ZipEngine zip("zip", params_, env_);
  dma_.put(kSrc, mixed_data(1000));
  dma_.fail_reads = true;
  EXPECT_EQ(run(zip, dma_, make_sqe(kZipReqGzip, 1000, 4000)).sqe.status(), kZipStatusDmaReadFault);
  dma_.fail_reads = false;
  dma_.fail_writes = true;
  EngineRun w = run(zip, dma_, make_sqe(kZipReqGzip, 1000, 4000));
  EXPECT_EQ(w.sqe.status(), kZipStatusDmaWriteFault);
  EXPECT_EQ(w.sqe.produced, 0u);
  dma_.fail_writes = false;
  ZipSqe outside = make_sqe(kZipReqGzip, 1000, 4000);
  outside.set_src(0xdead0000000ull);
  EXPECT_EQ(run(zip, dma_, outside).sqe.status(), kZipStatusDmaReadFault);
  // No DmaPort and a short SQE: no crash.
  uint8_t bytes[sizeof(ZipSqe)];
  ZipSqe s = make_sqe(kZipReqGzip, 1000, 4000);
  std::memcpy(bytes, &s, sizeof(bytes));
  EngineRequest req;
  req.sqe = bytes;
  req.sqe_size = sizeof(bytes);
  sc_time t = SC_ZERO_TIME;
  zip.process(req, t);
  std::memcpy(&s, bytes, sizeof(bytes));
  EXPECT_EQ(s.status(), kZipStatusDmaReadFault);
  req.sqe_size = 64;
  zip.process(req, t);
  EXPECT_EQ(env_.stats().find_counter("zip.errors.short_sqe")->value(), 1u);
}

TEST_F(ZipEngineTest, TimingOnAnIdleCore) {
  const sc_time dma_latency = ns(100);
  FakeDmaPort dma(kBase, 16 * 1024 * 1024, dma_latency);
  ZipEngine zip("zip", params_, env_);
  const size_t n = 65536;
  dma.put(kSrc, mixed_data(n));
  EngineRun c = run(zip, dma, make_sqe(kZipReqZlib, n, 2 * n));
  sc_time compute = ns(params_.setup_latency_ns) + transfer_time(n, params_.compress_gbps);
  EXPECT_EQ(c.timing.read_input, dma_latency);
  EXPECT_EQ(c.timing.queued, SC_ZERO_TIME);
  EXPECT_EQ(c.timing.compute, compute);
  EXPECT_EQ(c.timing.write_output, dma_latency);
  EXPECT_EQ(c.t, dma_latency + compute + dma_latency);

  // Decompression is charged on the bytes it produces.
  std::vector<uint8_t> hw_out = dma.get(kDst, c.sqe.produced);
  dma.put(kSrc, hw_out);
  EngineRun d = run(*zip.for_alg_type(1), dma, make_sqe(kZipReqZlib, c.sqe.produced, n));
  EXPECT_EQ(d.timing.compute,
            ns(params_.setup_latency_ns) + transfer_time(n, params_.decompress_gbps));
}

TEST_F(ZipEngineTest, OneCoreQueuesTheSecondRequest) {
  const sc_time dma_latency = ns(100);
  FakeDmaPort dma(kBase, 16 * 1024 * 1024, dma_latency);
  params_.compress_cores = 1;
  ZipEngine zip("zip", params_, env_);
  const size_t n = 4096;
  dma.put(kSrc, mixed_data(n));
  sc_time compute = ns(params_.setup_latency_ns) + transfer_time(n, params_.compress_gbps);
  EngineRun first = run(zip, dma, make_sqe(kZipReqDeflate, n, 2 * n));
  EngineRun second = run(zip, dma, make_sqe(kZipReqDeflate, n, 2 * n));
  EXPECT_EQ(first.timing.queued, SC_ZERO_TIME);
  EXPECT_EQ(second.timing.queued, compute);
  EXPECT_EQ(second.t, dma_latency + compute + compute + dma_latency);
  // Decompression has its own cores: not delayed by the busy compressor.
  EXPECT_EQ(zip.cores(ZipOp::kCompress).server(0).jobs(), 2u);
  EXPECT_EQ(zip.cores(ZipOp::kDecompress).size(), params_.decompress_cores);
}

}  // namespace
}  // namespace wdsim
