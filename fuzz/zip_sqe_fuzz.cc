// Fuzzes the ZIP engine's SQE decoder and its data path: one 128-byte SQE (FORMATS.md, ZIP
// SQE) and a source buffer in simulated memory, run through ZipEngine in either direction
// (decompression of random streams included).
//
// Input: flags (1 byte), the SQE (128 bytes), dest_avail_out (4 bytes), then the source bytes.
// Flags bit 0 = decompress; bit 1 = point src/dst at the buffers; bit 2 = input_data_length is
// the source length; bit 3 = dest_avail_out from the input (at most the destination buffer);
// bit 4 = data_mode timing. Without bits 1-3 the SQE's own fields are used as they are.
//
// Invariants: the status is one this model defines (zip_sqe.h); the engine writes only inside
// [dst, dst + dest_avail_out) and reads only inside [src, src + input_data_length); produced
// is at most dest_avail_out; an error status (but a CRC error) produced nothing.
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "formats/zip/zip_sqe.h"
#include "fuzz/engine_run.h"
#include "fuzz/fuzz_target.h"
#include "sim/accel/testing/fake_dma_port.h"
#include "sim/accel/zip/zip_engine.h"

namespace wdsim::fuzz {
namespace {

constexpr uint64_t kBase = 0x10000000;
constexpr size_t kBufferBytes = 64u << 10;  // source and destination buffers, 64 KiB each
constexpr uint64_t kSrc = kBase;
constexpr uint64_t kDst = kBase + kBufferBytes;

constexpr uint8_t kFlagDecompress = 1 << 0;
constexpr uint8_t kFlagFixAddresses = 1 << 1;
constexpr uint8_t kFlagFixInLength = 1 << 2;
constexpr uint8_t kFlagAvailOut = 1 << 3;
constexpr uint8_t kFlagTimingMode = 1 << 4;

bool defined_status(uint8_t s) {
  switch (s) {
    case kZipStatusOk:
    case kZipStatusNegativeCompression:
    case kZipStatusDstTooSmall:
    case kZipStatusCrcError:
    case kZipStatusDecompEnd:
    case kZipStatusBadRequest:
    case kZipStatusStreamError:
    case kZipStatusDmaReadFault:
    case kZipStatusDmaWriteFault:
      return true;
  }
  return false;
}

bool success(uint8_t s) {
  return s == kZipStatusOk || s == kZipStatusNegativeCompression || s == kZipStatusDecompEnd;
}

void run_one(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t flags = in.u8();
  ZipSqe sqe{};
  in.fill(&sqe, sizeof sqe);
  const uint32_t avail_out = in.u32();
  const std::vector<uint8_t> src = in.bytes(kBufferBytes);

  if (flags & kFlagFixAddresses) {
    sqe.set_src(kSrc);
    sqe.set_dst(kDst);
  }
  if (flags & kFlagFixInLength) sqe.input_data_length = static_cast<uint32_t>(src.size());
  if (flags & kFlagAvailOut) sqe.dest_avail_out = avail_out % (kBufferBytes + 1);

  ZipEngineParams params = default_params<ZipEngineParams>();
  if (flags & kFlagTimingMode) params.data_mode = "timing";
  SimEnv env;
  ZipEngine zip("zip", params, env);
  testing::FakeDmaPort dma(kBase, 2 * kBufferBytes);
  dma.put(kSrc, src);

  const ZipOp op = (flags & kFlagDecompress) ? ZipOp::kDecompress : ZipOp::kCompress;
  const ZipSqe out = run_descriptor(
      sqe, &dma, [&](EngineRequest& req, sc_core::sc_time& t) { zip.process(req, op, t); });

  if (verbose()) {
    std::fprintf(stderr, "op %d req_type %u status %s (%#x) consumed %u produced %u of %u\n",
                 flags & kFlagDecompress, sqe.req_type(), zip_status_name(out.status()),
                 out.status(), out.consumed, out.produced, sqe.dest_avail_out);
  }
  WDSIM_FUZZ_CHECK(defined_status(out.status()));
  const uint64_t dst = sqe.dst();
  const uint64_t src_addr = sqe.src();
  for (const auto& a : dma.log) {
    if (a.write) {
      WDSIM_FUZZ_CHECK(a.addr >= dst && a.addr - dst <= sqe.dest_avail_out &&
                       a.len <= sqe.dest_avail_out - (a.addr - dst));
    } else {
      WDSIM_FUZZ_CHECK(a.addr >= src_addr && a.addr - src_addr <= sqe.input_data_length &&
                       a.len <= sqe.input_data_length - (a.addr - src_addr));
    }
  }
  // A trailer mismatch (CRC error) still reports the decoded bytes; other errors none.
  if (success(out.status()) || out.status() == kZipStatusCrcError) {
    WDSIM_FUZZ_CHECK(out.produced <= sqe.dest_avail_out);
  } else {
    WDSIM_FUZZ_CHECK(out.produced == 0);
  }
}

std::vector<uint8_t> seed(uint8_t flags, uint8_t req_type, const std::vector<uint8_t>& src,
                          uint32_t avail_out) {
  ZipSqe s{};
  s.set_sqe_type(kZipSqeTypeV3);
  s.set_req_type(req_type);
  s.set_buf_type(kZipBufFlat);
  s.set_window(kZipWindow32K);
  s.set_stream_flags(true, false, true);
  s.input_data_length = static_cast<uint32_t>(src.size());
  s.dest_avail_out = avail_out;
  s.set_src(kSrc);
  s.set_dst(kDst);
  std::vector<uint8_t> v(1 + sizeof s + sizeof avail_out + src.size());
  v[0] = flags;
  std::memcpy(&v[1], &s, sizeof s);
  std::memcpy(&v[1 + sizeof s], &avail_out, sizeof avail_out);
  if (!src.empty()) std::memcpy(&v[1 + sizeof s + sizeof avail_out], src.data(), src.size());
  return v;
}

std::vector<uint8_t> text(size_t n) {
  const std::string words = "the quick brown fox jumps over the lazy dog 0123456789 ";
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<uint8_t>(words[(i * 7 + i / 13) % words.size()]);
  return v;
}

// A stream as the hardware takes it: zlib's output for `type` without its zlib or gzip header
// (UADK strips it), the trailer kept.
std::vector<uint8_t> hw_stream(uint8_t type, const std::vector<uint8_t>& in) {
  const int bits = type == kZipReqGzip   ? MAX_WBITS + 16
                   : type == kZipReqZlib ? MAX_WBITS
                                         : -MAX_WBITS;
  const size_t header = type == kZipReqGzip   ? sizeof kGzipHeader
                        : type == kZipReqZlib ? sizeof kZlibHeader
                                              : 0;
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY);
  std::vector<uint8_t> out(deflateBound(&z, in.size()));
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(header));
  return out;
}

}  // namespace

std::vector<std::vector<uint8_t>> seeds() {
  constexpr uint8_t kFixed = kFlagFixAddresses;
  std::vector<std::vector<uint8_t>> s;
  for (uint8_t type : {kZipReqDeflate, kZipReqZlib, kZipReqGzip}) {
    s.push_back(seed(kFixed, type, text(600), 4096));
    s.push_back(seed(kFixed | kFlagDecompress, type, hw_stream(type, text(2000)), 4096));
  }
  s.push_back(
      seed(kFixed | kFlagDecompress, kZipReqDeflate, hw_stream(kZipReqDeflate, text(2000)), 100));
  s.push_back(seed(kFixed | kFlagTimingMode, kZipReqZlib, text(300), 1024));
  return s;
}

}  // namespace wdsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wdsim::fuzz::run_one(data, size);
  return 0;
}
