#include "runtime/wd_comp.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/testing/fake_os.h"
#include "runtime/testing/fake_qm_device.h"

namespace wdsim::rt {
namespace {

using testing::FakeOs;
using testing::FakeQmDevice;
using testing::FakeUacceDevice;

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint32_t get_le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// A ZIP engine stand-in built on real zlib, independent of the engine model: raw deflate plus
// the trailer the hardware writes (zlib: Adler-32 BE; gzip: CRC-32 + ISIZE LE), no header.
class ZlibZipDevice {
 public:
  explicit ZlibZipDevice(FakeOs& os) : os_(os), qm_(os) {
    qm_.set_sqe_handler([this](int fd, uint16_t, uint8_t* bytes, uint32_t size) {
      ASSERT_EQ(size, sizeof(ZipSqe));
      ZipSqe sqe;
      std::memcpy(&sqe, bytes, sizeof(sqe));
      last_sqe = sqe;
      last_qc_type = os_.queue(fd)->qc_type;
      if (forced_status >= 0) {
        sqe.set_status(static_cast<uint8_t>(forced_status));
        sqe.produced = 0;
      } else if (last_qc_type == 0) {
        compress(sqe);
      } else {
        decompress(sqe);
      }
      std::memcpy(bytes, &sqe, sizeof(sqe));
    });
  }

  FakeQmDevice& qm() { return qm_; }
  ZipSqe last_sqe{};
  uint16_t last_qc_type = 0;
  int forced_status = -1;

 private:
  void compress(ZipSqe& sqe) {
    std::vector<uint8_t> in(sqe.input_data_length);
    os_.dev_read(sqe.src(), in.data(), in.size());
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::vector<uint8_t> out(deflateBound(&zs, in.size()) + 8);
    zs.next_in = in.data();
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    const uint8_t type = sqe.req_type();
    if (type == kZipReqZlib) {
      put_be32(&out[n], static_cast<uint32_t>(adler32(1, in.data(), in.size())));
      n += 4;
    } else if (type == kZipReqGzip) {
      put_le32(&out[n], static_cast<uint32_t>(crc32(0, in.data(), in.size())));
      put_le32(&out[n + 4], static_cast<uint32_t>(in.size()));
      n += 8;
    }
    if (n > sqe.dest_avail_out) {
      sqe.set_status(kZipStatusDstTooSmall);
      sqe.produced = 0;
      return;
    }
    os_.dev_write(sqe.dst(), out.data(), n);
    sqe.consumed = static_cast<uint32_t>(in.size());
    sqe.produced = static_cast<uint32_t>(n);
    sqe.set_status(n > in.size() ? kZipStatusNegativeCompression : kZipStatusOk);
  }

  void decompress(ZipSqe& sqe) {
    std::vector<uint8_t> in(sqe.input_data_length);
    os_.dev_read(sqe.src(), in.data(), in.size());
    std::vector<uint8_t> out(sqe.dest_avail_out);
    z_stream zs{};
    inflateInit2(&zs, -15);
    zs.next_in = in.data();
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    int r = inflate(&zs, Z_FINISH);
    const size_t used = zs.total_in;
    const size_t n = zs.total_out;
    inflateEnd(&zs);
    if (r != Z_STREAM_END) {
      const bool no_space = zs.avail_out == 0;
      sqe.set_status(no_space ? kZipStatusDstTooSmall : kZipStatusStreamError);
      if (no_space) sqe.set_ctx_st(kZipCtxDecompNoSpace);
      sqe.produced = 0;
      return;
    }
    const uint8_t type = sqe.req_type();
    bool trailer_ok = true;
    if (type == kZipReqZlib) {
      trailer_ok = used + 4 <= in.size() &&
                   get_be32(&in[used]) == adler32(1, out.data(), static_cast<uInt>(n));
    } else if (type == kZipReqGzip) {
      trailer_ok = used + 8 <= in.size() &&
                   get_le32(&in[used]) == crc32(0, out.data(), static_cast<uInt>(n)) &&
                   get_le32(&in[used + 4]) == n;
    }
    os_.dev_write(sqe.dst(), out.data(), n);
    sqe.produced = static_cast<uint32_t>(n);
    sqe.consumed = static_cast<uint32_t>(in.size());
    sqe.set_status(trailer_ok ? kZipStatusOk : kZipStatusCrcError);
  }

  FakeOs& os_;
  FakeQmDevice qm_;
};

std::vector<uint8_t> sample_text(size_t len) {
  std::string words[] = {"warpdrive ", "uacce ", "pasid ", "smmu ", "queue ", "doorbell "};
  std::vector<uint8_t> out;
  uint32_t x = 12345;
  while (out.size() < len) {
    x = x * 1103515245u + 12345u;
    const std::string& w = words[(x >> 16) % 6];
    out.insert(out.end(), w.begin(), w.end());
  }
  out.resize(len);
  return out;
}

std::vector<uint8_t> inflate_all(const std::vector<uint8_t>& in, int window_bits, size_t cap) {
  std::vector<uint8_t> out(cap);
  z_stream zs{};
  inflateInit2(&zs, window_bits);
  zs.next_in = const_cast<uint8_t*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int r = inflate(&zs, Z_FINISH);
  out.resize(r == Z_STREAM_END ? zs.total_out : 0);
  inflateEnd(&zs);
  return out;
}

class CompSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeUacceDevice dev;  // hisi_zip-0, hisi_qm_v2, depth 1024, 128 B SQE
    os_.add_uacce_device(dev);
  }

  CompSessionSetup setup() {
    CompSessionSetup s;
    s.costs.sqe_build_ns = 40;
    s.costs.sqe_parse_ns = 20;
    return s;
  }

  VirtAddr put(const std::vector<uint8_t>& data) {
    VirtAddr va = os_.alloc(data.size());
    os_.dev_write(va, data.data(), data.size());
    return va;
  }
  std::vector<uint8_t> get(VirtAddr va, size_t len) {
    std::vector<uint8_t> out(len);
    os_.dev_read(va, out.data(), len);
    return out;
  }

  FakeOs os_;
  ZlibZipDevice device_{os_};
};

TEST_F(CompSessionTest, CompressSyncProducesStreamsSystemZlibInflates) {
  CompSession sess(os_, setup());
  ASSERT_EQ(sess.init(), 0) << sess.last_error();
  const auto input = sample_text(64 * 1024);
  const VirtAddr src = put(input);
  const uint32_t cap = 80 * 1024;
  const VirtAddr dst = os_.alloc(cap);

  struct Case {
    ZipFormat fmt;
    int window_bits;
  } cases[] = {{ZipFormat::kZlib, 15}, {ZipFormat::kGzip, 31}, {ZipFormat::kDeflate, -15}};
  for (const Case& c : cases) {
    uint32_t dst_len = cap;
    ASSERT_EQ(sess.compress_sync(src, static_cast<uint32_t>(input.size()), dst, &dst_len, c.fmt), 0)
        << zip_format_name(c.fmt) << ": " << sess.last_error();
    EXPECT_LT(dst_len, input.size());
    auto compressed = get(dst, dst_len);
    EXPECT_EQ(inflate_all(compressed, c.window_bits, input.size() + 16), input)
        << zip_format_name(c.fmt);
    EXPECT_EQ(device_.last_qc_type, 0);
  }
  EXPECT_EQ(sess.requests_done(), 3u);
  EXPECT_EQ(os_.access_faults(), 0u);
  EXPECT_EQ(device_.qm().bad_doorbells(), 0u);
}

TEST_F(CompSessionTest, SqeCarriesRequestFieldsAsUadkFillsThem) {
  CompSession sess(os_, setup());
  ASSERT_EQ(sess.init(), 0) << sess.last_error();
  const auto input = sample_text(5000);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(8192);
  uint32_t dst_len = 8192;
  ASSERT_EQ(sess.compress_sync(src, 5000, dst, &dst_len, ZipFormat::kZlib), 0);
  const ZipSqe& sqe = device_.last_sqe;
  EXPECT_EQ(sqe.req_type(), kZipReqZlib);
  EXPECT_EQ(sqe.sqe_type(), kZipSqeTypeV1);  // zlib on hisi_qm_v2: tag in dw13
  EXPECT_EQ(sqe.dw13, sess.last_stages().request_id);
  EXPECT_EQ(sqe.input_data_length, 5000u);
  EXPECT_EQ(sqe.dest_avail_out, 8192u - 2);  // the runtime wrote the 2-byte zlib header
  EXPECT_EQ(sqe.src(), src);
  EXPECT_EQ(sqe.dst(), dst + 2);
  EXPECT_TRUE(sqe.stream_new());
  EXPECT_FALSE(sqe.stateful());
  EXPECT_TRUE(sqe.flush_finish());
  EXPECT_EQ(sqe.window(), kZipWindow32K);
  EXPECT_EQ(sqe.buf_type(), kZipBufFlat);
  auto hdr = get(dst, 2);
  EXPECT_EQ(hdr[0], 0x78);
  EXPECT_EQ(hdr[1], 0x9c);

  // Deflate uses the v3 SQE type (tag in dw26), as UADK's ops table does.
  uint32_t len2 = 8192;
  ASSERT_EQ(sess.compress_sync(src, 5000, dst, &len2, ZipFormat::kDeflate), 0);
  EXPECT_EQ(device_.last_sqe.sqe_type(), kZipSqeTypeV3);
  EXPECT_EQ(device_.last_sqe.dw26, sess.last_stages().request_id);
  EXPECT_EQ(device_.last_sqe.dest_avail_out, 8192u);
}

TEST_F(CompSessionTest, DecompressSyncRoundTrips) {
  CompSession sess(os_, setup());
  ASSERT_EQ(sess.init(), 0) << sess.last_error();
  const auto input = sample_text(30000);
  // Compressed by system zlib (with its own header), decompressed by the "device".
  std::vector<uint8_t> z(compressBound(input.size()));
  uLongf zlen = z.size();
  ASSERT_EQ(compress2(z.data(), &zlen, input.data(), input.size(), 6), Z_OK);
  z.resize(zlen);
  const VirtAddr src = put(z);
  const VirtAddr dst = os_.alloc(input.size());
  uint32_t dst_len = static_cast<uint32_t>(input.size());
  ASSERT_EQ(
      sess.decompress_sync(src, static_cast<uint32_t>(z.size()), dst, &dst_len, ZipFormat::kZlib),
      0)
      << sess.last_error();
  EXPECT_EQ(dst_len, input.size());
  EXPECT_EQ(get(dst, dst_len), input);
  EXPECT_EQ(device_.last_qc_type, 1);
  EXPECT_EQ(device_.last_sqe.src(), src + 2);  // header skipped by the runtime

  // Too little room: -ENOSPC.
  uint32_t small = 1000;
  EXPECT_EQ(
      sess.decompress_sync(src, static_cast<uint32_t>(z.size()), dst, &small, ZipFormat::kZlib),
      -ENOSPC);
}

TEST_F(CompSessionTest, StageRecordIsOrderedInSimulatedTime) {
  CompSession sess(os_, setup());
  ASSERT_EQ(sess.init(), 0);
  const auto input = sample_text(4096);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(8192);
  uint32_t dst_len = 8192;
  const Picoseconds t0 = os_.now();
  ASSERT_EQ(sess.compress_sync(src, 4096, dst, &dst_len, ZipFormat::kGzip), 0);
  const CompStageRecord& r = sess.last_stages();
  EXPECT_EQ(r.submit_ps, t0);
  EXPECT_EQ(r.op, ZipOp::kCompress);
  EXPECT_EQ(r.status, kZipStatusOk);
  // SQE build (40 ns) + send call (20) + one SQE (3) + doorbell compose (1): 64 ns.
  EXPECT_EQ(r.doorbell_ps - r.submit_ps, 64000u);
  EXPECT_GT(r.completion_seen_ps, r.doorbell_ps);
  EXPECT_EQ(r.done_ps - r.completion_seen_ps, 20000u);  // parse
  EXPECT_EQ(os_.now(), r.done_ps);
}

TEST_F(CompSessionTest, HardwareErrorStatusIsEioNamingTheStatus) {
  CompSession sess(os_, setup());
  ASSERT_EQ(sess.init(), 0);
  const auto input = sample_text(1000);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(4096);
  device_.forced_status = kZipStatusDstTooSmall;
  uint32_t dst_len = 4096;
  EXPECT_EQ(sess.compress_sync(src, 1000, dst, &dst_len, ZipFormat::kZlib), -EIO);
  EXPECT_NE(sess.last_error().find("0x0e"), std::string::npos) << sess.last_error();
  EXPECT_NE(sess.last_error().find("dst_too_small"), std::string::npos);
  EXPECT_EQ(sess.last_stages().status, kZipStatusDstTooSmall);

  // Negative compression is a success (output longer than input, data valid).
  device_.forced_status = -1;
  const auto noise = [] {
    std::vector<uint8_t> v(2000);
    uint32_t x = 99;
    for (auto& b : v) b = static_cast<uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
    return v;
  }();
  const VirtAddr nsrc = put(noise);
  dst_len = 4096;
  ASSERT_EQ(sess.compress_sync(nsrc, 2000, dst, &dst_len, ZipFormat::kDeflate), 0)
      << sess.last_error();
  EXPECT_EQ(sess.last_stages().status, kZipStatusNegativeCompression);
  EXPECT_GT(dst_len, 2000u);
}

TEST_F(CompSessionTest, BadArgumentsAndMissingDirection) {
  CompSessionSetup s = setup();
  s.open_decompress = false;
  CompSession sess(os_, s);
  ASSERT_EQ(sess.init(), 0);
  EXPECT_EQ(sess.queue(ZipOp::kDecompress), nullptr);
  const VirtAddr buf = os_.alloc(4096);
  uint32_t len = 4096;
  EXPECT_EQ(sess.decompress_sync(buf, 100, buf, &len, ZipFormat::kZlib), -EINVAL);
  EXPECT_EQ(sess.compress_sync(buf, 100, buf, nullptr, ZipFormat::kZlib), -EINVAL);
  len = 2;  // no room past the zlib header
  EXPECT_EQ(sess.compress_sync(buf, 100, buf, &len, ZipFormat::kZlib), -EINVAL);
  len = 4096;
  EXPECT_EQ(sess.compress_sync(buf, kZipMaxRequestBytes + 1, buf, &len, ZipFormat::kZlib), -EINVAL);
}

TEST_F(CompSessionTest, InitFailsCleanlyWithoutDevice) {
  FakeOs empty;
  CompSession sess(empty, setup());
  EXPECT_EQ(sess.init(), -ENOENT);
  EXPECT_NE(sess.last_error().find("compress queue"), std::string::npos) << sess.last_error();
  EXPECT_EQ(empty.open_fd_count(), 0u);
}

TEST_F(CompSessionTest, InterruptModeCompressWorks) {
  CompSessionSetup s = setup();
  s.interrupt_mode = true;
  CompSession sess(os_, s);
  ASSERT_EQ(sess.init(), 0);
  const auto input = sample_text(2048);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(4096);
  uint32_t dst_len = 4096;
  ASSERT_EQ(sess.compress_sync(src, 2048, dst, &dst_len, ZipFormat::kZlib), 0);
  EXPECT_EQ(inflate_all(get(dst, dst_len), 15, 4096), input);
  EXPECT_EQ(os_.poll_calls(), 0u);
}

}  // namespace
}  // namespace wdsim::rt
