// UADK's wd_comp API (runtime/uadk/uadk_comp.cc over the hisi_comp formatting in
// runtime/hisi_comp.h) on FakeOs, with a ZIP device stand-in built on system zlib and nothing
// of the simulator: what a request puts in the SQE, how statuses come back, what the library
// charges, and the per-request record the simulator's latency breakdown reads.
#include "runtime/hisi_comp.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/testing/fake_os.h"
#include "runtime/testing/fake_qm_device.h"
#include "runtime/uadk/wd_runtime.h"

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

void* ptr(VirtAddr va) { return reinterpret_cast<void*>(va); }

wd_comp_alg_type alg_of(ZipFormat f) {
  return f == ZipFormat::kDeflate ? WD_DEFLATE : f == ZipFormat::kGzip ? WD_GZIP : WD_ZLIB;
}

class HisiCompTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeUacceDevice dev;  // hisi_zip-0, hisi_qm_v2, depth 1024, 128 B SQE
    os_.add_uacce_device(dev);
    wd_runtime_bind(&os_, &process_);
  }
  void TearDown() override {
    wd_runtime_bind(&os_, &process_);
    wd_comp_uninit2();
    wd_runtime_bind(nullptr, nullptr);
  }

  static UadkProcessConfig config() {
    UadkProcessConfig c;
    c.costs.sqe_build_ns = 40;
    c.costs.sqe_parse_ns = 20;
    return c;
  }

  // wd_comp_init2_ with one sync ctx per direction.
  int init(const char* alg = "zlib") {
    wd_ctx_nums nums[WD_DIR_MAX] = {{1, 0}, {1, 0}};
    wd_ctx_params params{WD_DIR_MAX, nums, nullptr, nullptr};
    std::string a = alg;
    return wd_comp_init2_(a.data(), SCHED_POLICY_RR, TASK_HW, &params);
  }
  handle_t session(ZipFormat fmt, wd_comp_op_type op) {
    wd_comp_sess_setup s{};
    s.alg_type = alg_of(fmt);
    s.comp_lv = WD_COMP_L1;
    s.win_sz = WD_COMP_WS_32K;
    s.op_type = op;
    return wd_comp_alloc_sess(&s);
  }
  // One synchronous request; returns wd_do_comp_sync's result, fills *req.
  int run(handle_t sess, wd_comp_op_type op, VirtAddr src, uint32_t src_len, VirtAddr dst,
          uint32_t dst_len, wd_comp_req* req) {
    *req = wd_comp_req{};
    req->src = ptr(src);
    req->src_len = src_len;
    req->dst = ptr(dst);
    req->dst_len = dst_len;
    req->op_type = op;
    req->data_fmt = WD_FLAT_BUF;
    return wd_do_comp_sync(sess, req);
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
  UadkProcess process_{config()};
};

TEST_F(HisiCompTest, CompressSyncProducesStreamsSystemZlibInflates) {
  ASSERT_EQ(init(), 0) << process_.last_error();
  const auto input = sample_text(64 * 1024);
  const VirtAddr src = put(input);
  const uint32_t cap = 80 * 1024;
  const VirtAddr dst = os_.alloc(cap);

  struct Case {
    ZipFormat fmt;
    int window_bits;
  } cases[] = {{ZipFormat::kZlib, 15}, {ZipFormat::kGzip, 31}, {ZipFormat::kDeflate, -15}};
  for (const Case& c : cases) {
    const handle_t sess = session(c.fmt, WD_DIR_COMPRESS);
    ASSERT_NE(sess, 0u) << process_.last_error();
    wd_comp_req req;
    ASSERT_EQ(run(sess, WD_DIR_COMPRESS, src, static_cast<uint32_t>(input.size()), dst, cap, &req),
              0)
        << zip_format_name(c.fmt) << ": " << process_.last_error();
    EXPECT_EQ(req.status, 0u);
    EXPECT_LT(req.dst_len, input.size());
    EXPECT_EQ(req.src_len, input.size());
    auto compressed = get(dst, req.dst_len);
    EXPECT_EQ(inflate_all(compressed, c.window_bits, input.size() + 16), input)
        << zip_format_name(c.fmt);
    EXPECT_EQ(device_.last_qc_type, 0);
    wd_comp_free_sess(sess);
  }
  EXPECT_EQ(os_.access_faults(), 0u);
  EXPECT_EQ(device_.qm().bad_doorbells(), 0u);
}

TEST_F(HisiCompTest, SqeCarriesRequestFieldsAsUadkFillsThem) {
  ASSERT_EQ(init(), 0) << process_.last_error();
  const auto input = sample_text(5000);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(8192);
  const handle_t zlib = session(ZipFormat::kZlib, WD_DIR_COMPRESS);
  wd_comp_req req;
  ASSERT_EQ(run(zlib, WD_DIR_COMPRESS, src, 5000, dst, 8192, &req), 0);
  const ZipSqe& sqe = device_.last_sqe;
  EXPECT_EQ(sqe.req_type(), kZipReqZlib);
  EXPECT_EQ(sqe.sqe_type(), kZipSqeTypeV1);  // zlib on hisi_qm_v2: tag in dw13
  EXPECT_EQ(sqe.dw13, 1u);                   // the session's first sync tag
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
  ASSERT_EQ(run(zlib, WD_DIR_COMPRESS, src, 5000, dst, 8192, &req), 0);
  EXPECT_EQ(device_.last_sqe.dw13, 2u);  // tags count up per session

  // Deflate uses the v3 SQE type (tag in dw26), as UADK's ops table does.
  const handle_t deflate = session(ZipFormat::kDeflate, WD_DIR_COMPRESS);
  ASSERT_EQ(run(deflate, WD_DIR_COMPRESS, src, 5000, dst, 8192, &req), 0);
  EXPECT_EQ(device_.last_sqe.sqe_type(), kZipSqeTypeV3);
  EXPECT_EQ(device_.last_sqe.dw26, 1u);
  EXPECT_EQ(device_.last_sqe.dest_avail_out, 8192u);
}

TEST_F(HisiCompTest, DecompressSyncRoundTripsAndRunsOutOfRoomAsEagain) {
  ASSERT_EQ(init(), 0) << process_.last_error();
  const auto input = sample_text(30000);
  // Compressed by system zlib (with its own header), decompressed by the "device".
  std::vector<uint8_t> z(compressBound(input.size()));
  uLongf zlen = z.size();
  ASSERT_EQ(compress2(z.data(), &zlen, input.data(), input.size(), 6), Z_OK);
  z.resize(zlen);
  const VirtAddr src = put(z);
  const VirtAddr dst = os_.alloc(input.size());
  const handle_t sess = session(ZipFormat::kZlib, WD_DIR_DECOMPRESS);
  wd_comp_req req;
  ASSERT_EQ(run(sess, WD_DIR_DECOMPRESS, src, static_cast<uint32_t>(z.size()), dst,
                static_cast<uint32_t>(input.size()), &req),
            0)
      << process_.last_error();
  EXPECT_EQ(req.status, 0u);
  EXPECT_EQ(req.dst_len, input.size());
  EXPECT_EQ(get(dst, req.dst_len), input);
  EXPECT_EQ(device_.last_qc_type, 1);
  EXPECT_EQ(device_.last_sqe.src(), src + 2);  // header skipped by the runtime

  // Too little room: the hardware's "no space" context state becomes WD_EAGAIN.
  ASSERT_EQ(run(sess, WD_DIR_DECOMPRESS, src, static_cast<uint32_t>(z.size()), dst, 1000, &req), 0);
  EXPECT_EQ(req.status, static_cast<uint32_t>(WD_EAGAIN));
  EXPECT_EQ(req.dst_len, 0u);
}

TEST_F(HisiCompTest, SyncRequestRecordIsOrderedInSimulatedTime) {
  ASSERT_EQ(init("gzip"), 0) << process_.last_error();
  const auto input = sample_text(4096);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(8192);
  const handle_t sess = session(ZipFormat::kGzip, WD_DIR_COMPRESS);
  EXPECT_EQ(process_.last_sync_request(&os_), nullptr);
  const Picoseconds t0 = os_.now();
  wd_comp_req req;
  ASSERT_EQ(run(sess, WD_DIR_COMPRESS, src, 4096, dst, 8192, &req), 0);
  const SyncRequestRecord* r = process_.last_sync_request(&os_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->device, "hisi_zip-0");
  EXPECT_EQ(r->sqe_index, 0u);
  // SQE build (40 ns) + send call (20) + one SQE (3) + doorbell compose (1): 64 ns.
  EXPECT_EQ(r->doorbell_ps - t0, 64000u);
  EXPECT_GT(r->completion_seen_ps, r->doorbell_ps);
  EXPECT_EQ(os_.now() - r->completion_seen_ps, 20000u);  // parse
  ASSERT_EQ(run(sess, WD_DIR_COMPRESS, src, 4096, dst, 8192, &req), 0);
  EXPECT_EQ(process_.last_sync_request(&os_)->sqe_index, 1u);  // the next SQ slot
}

TEST_F(HisiCompTest, HardwareErrorStatusIsInEparaNamingTheStatus) {
  ASSERT_EQ(init(), 0) << process_.last_error();
  const auto input = sample_text(1000);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(4096);
  device_.forced_status = kZipStatusDstTooSmall;
  const handle_t zlib = session(ZipFormat::kZlib, WD_DIR_COMPRESS);
  wd_comp_req req;
  ASSERT_EQ(run(zlib, WD_DIR_COMPRESS, src, 1000, dst, 4096, &req), 0);
  EXPECT_EQ(req.status, static_cast<uint32_t>(WD_IN_EPARA));
  EXPECT_EQ(req.dst_len, 0u);
  EXPECT_NE(process_.last_error().find("dst_too_small"), std::string::npos)
      << process_.last_error();

  // Negative compression is a success (output longer than input, data valid).
  device_.forced_status = -1;
  const auto noise = [] {
    std::vector<uint8_t> v(2000);
    uint32_t x = 99;
    for (auto& b : v) b = static_cast<uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
    return v;
  }();
  const VirtAddr nsrc = put(noise);
  const handle_t deflate = session(ZipFormat::kDeflate, WD_DIR_COMPRESS);
  ASSERT_EQ(run(deflate, WD_DIR_COMPRESS, nsrc, 2000, dst, 4096, &req), 0) << process_.last_error();
  EXPECT_EQ(req.status, 0u);
  EXPECT_GT(req.dst_len, 2000u);
  EXPECT_EQ(inflate_all(get(dst, req.dst_len), -15, 4096), noise);
}

TEST_F(HisiCompTest, BadArgumentsAreRefusedBeforeTheQueue) {
  ASSERT_EQ(init(), 0) << process_.last_error();
  const handle_t sess = session(ZipFormat::kZlib, WD_DIR_COMPRESS);
  const VirtAddr buf = os_.alloc(4096);
  wd_comp_req req;
  EXPECT_EQ(run(sess, WD_DIR_DECOMPRESS, buf, 100, buf, 4096, &req), -WD_EINVAL);  // wrong op
  EXPECT_EQ(run(sess, WD_DIR_COMPRESS, buf, 100, buf, 2, &req), -WD_EINVAL);       // header only
  EXPECT_NE(process_.last_error().find("header"), std::string::npos) << process_.last_error();
  EXPECT_EQ(run(sess, WD_DIR_COMPRESS, buf, kZipMaxRequestBytes + 1, buf, 4096, &req), -WD_EINVAL);
  EXPECT_EQ(run(sess, WD_DIR_COMPRESS, 0, 100, buf, 4096, &req), -WD_EINVAL);
  EXPECT_EQ(wd_do_comp_sync(sess, nullptr), -WD_EINVAL);
  EXPECT_EQ(device_.qm().doorbells().size(), 0u);  // nothing reached the device
}

TEST(HisiCompInitTest, InitFailsCleanlyWithoutDevice) {
  FakeOs empty;
  UadkProcess process;
  wd_runtime_bind(&empty, &process);
  wd_ctx_nums nums[WD_DIR_MAX] = {{1, 0}, {1, 0}};
  wd_ctx_params params{WD_DIR_MAX, nums, nullptr, nullptr};
  std::string alg = "zlib";
  EXPECT_EQ(wd_comp_init2_(alg.data(), SCHED_POLICY_RR, TASK_HW, &params), -WD_ENODEV);
  EXPECT_NE(process.last_error().find("no usable device for zlib"), std::string::npos)
      << process.last_error();
  EXPECT_EQ(empty.open_fd_count(), 0u);
  wd_runtime_bind(nullptr, nullptr);
}

TEST_F(HisiCompTest, InterruptModeCompressSleepsInsteadOfPolling) {
  process_.set_env("WD_COMP_EPOLL_EN", "1");
  ASSERT_EQ(init(), 0) << process_.last_error();
  const auto input = sample_text(2048);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(4096);
  const handle_t sess = session(ZipFormat::kZlib, WD_DIR_COMPRESS);
  wd_comp_req req;
  ASSERT_EQ(run(sess, WD_DIR_COMPRESS, src, 2048, dst, 4096, &req), 0) << process_.last_error();
  EXPECT_EQ(inflate_all(get(dst, req.dst_len), 15, 4096), input);
  EXPECT_EQ(os_.poll_calls(), 0u);
}

}  // namespace
}  // namespace wdsim::rt
