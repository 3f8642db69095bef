#include "sim/accel/zip/zip_codec.h"

#include <zlib.h>

#include <algorithm>
#include <deque>

namespace wdsim {
namespace {

constexpr size_t kZlibTrailerBytes = 4;     // Adler-32, big-endian (RFC 1950)
constexpr size_t kGzipTrailerBytes = 8;     // CRC-32, ISIZE, little-endian (RFC 1952)
constexpr int kZlibMemLevel = 8;            // zlib's default memLevel
constexpr int kRawInflateWindowBits = -15;  // a 32K decoder accepts every smaller window

size_t trailer_bytes(uint8_t req_type) {
  if (req_type == kZipReqZlib) return kZlibTrailerBytes;
  if (req_type == kZipReqGzip) return kGzipTrailerBytes;
  return 0;
}

uint32_t checksum_of(uint8_t req_type, const uint8_t* data, size_t len) {
  if (req_type == kZipReqZlib) {
    return static_cast<uint32_t>(adler32_z(adler32_z(0, nullptr, 0), data, len));
  }
  if (req_type == kZipReqGzip) {
    return static_cast<uint32_t>(crc32_z(crc32_z(0, nullptr, 0), data, len));
  }
  return 0;
}

void put_be32(std::vector<uint8_t>& v, uint32_t x) {
  for (int shift = 24; shift >= 0; shift -= 8) v.push_back(static_cast<uint8_t>(x >> shift));
}
void put_le32(std::vector<uint8_t>& v, uint32_t x) {
  for (int shift = 0; shift <= 24; shift += 8) v.push_back(static_cast<uint8_t>(x >> shift));
}
uint32_t get_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint32_t get_le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

ZipCodecResult error(uint8_t status) {
  ZipCodecResult r;
  r.status = status;
  return r;
}

}  // namespace

int zip_window_bits(uint8_t window_code) {
  switch (window_code) {
    case kZipWindow4K:
      return 12;
    case kZipWindow8K:
      return 13;
    case kZipWindow16K:
      return 14;
    case kZipWindow24K:
      return 14;
    case kZipWindow32K:
      return 15;
  }
  return 0;
}

bool zip_req_type_supported(uint8_t req_type) {
  return req_type == kZipReqDeflate || req_type == kZipReqZlib || req_type == kZipReqGzip;
}

namespace {

// One raw-deflate stream per (level, window) kept for the thread's next request and reset
// with deflateReset, which gives the same output as a fresh deflateInit2 without allocating
// (and page-faulting in) the stream's ~256 KiB of state every call.
class DeflateStreams {
 public:
  ~DeflateStreams() {
    for (auto& e : streams_) deflateEnd(&e.s);
  }
  z_stream* get(int level, int window_bits) {
    for (auto& e : streams_) {
      if (e.level == level && e.window_bits == window_bits) {
        if (deflateReset(&e.s) != Z_OK) return nullptr;
        return &e.s;
      }
    }
    streams_.emplace_back();
    Entry& e = streams_.back();
    e.level = level;
    e.window_bits = window_bits;
    if (deflateInit2(&e.s, level, Z_DEFLATED, -window_bits, kZlibMemLevel, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      streams_.pop_back();
      return nullptr;
    }
    return &e.s;
  }

 private:
  struct Entry {
    int level = 0;
    int window_bits = 0;
    z_stream s{};
  };
  std::deque<Entry> streams_;  // stable addresses: zlib's state points back at its z_stream
};

// The same for raw inflate (inflateReset).
class InflateStream {
 public:
  ~InflateStream() {
    if (inited_) inflateEnd(&s_);
  }
  z_stream* get() {
    if (inited_) return inflateReset(&s_) == Z_OK ? &s_ : nullptr;
    s_ = z_stream{};
    if (inflateInit2(&s_, kRawInflateWindowBits) != Z_OK) return nullptr;
    inited_ = true;
    return &s_;
  }

 private:
  bool inited_ = false;
  z_stream s_{};
};

}  // namespace

ZipCodecResult zip_compress(uint8_t req_type, const uint8_t* in, size_t len, uint32_t dst_capacity,
                            int level, uint8_t window_code) {
  int window_bits = zip_window_bits(window_code);
  if (!zip_req_type_supported(req_type) || window_bits == 0) return error(kZipStatusBadRequest);

  static thread_local DeflateStreams streams;
  z_stream* sp = streams.get(level, window_bits);
  if (!sp) return error(kZipStatusBadRequest);
  z_stream& s = *sp;
  ZipCodecResult r;
  r.output.resize(deflateBound(&s, static_cast<uLong>(len)) + trailer_bytes(req_type));
  s.next_in = const_cast<Bytef*>(in);
  s.avail_in = static_cast<uInt>(len);
  s.next_out = r.output.data();
  s.avail_out = static_cast<uInt>(r.output.size());
  int ret = deflate(&s, Z_FINISH);
  size_t body = s.total_out;
  if (ret != Z_STREAM_END) return error(kZipStatusBadRequest);  // cannot happen with the bound

  r.output.resize(body);
  r.checksum = checksum_of(req_type, in, len);
  r.isize = static_cast<uint32_t>(len);
  if (req_type == kZipReqZlib) put_be32(r.output, r.checksum);
  if (req_type == kZipReqGzip) {
    put_le32(r.output, r.checksum);
    put_le32(r.output, r.isize);
  }
  if (r.output.size() > dst_capacity) return error(kZipStatusDstTooSmall);
  r.consumed = static_cast<uint32_t>(len);
  r.status = r.output.size() > len ? kZipStatusNegativeCompression : kZipStatusOk;
  return r;
}

ZipCodecResult zip_decompress(uint8_t req_type, const uint8_t* in, size_t len,
                              uint32_t dst_capacity, bool report_end) {
  if (!zip_req_type_supported(req_type)) return error(kZipStatusBadRequest);

  static thread_local InflateStream stream;
  z_stream* sp = stream.get();
  if (!sp) return error(kZipStatusStreamError);
  z_stream& s = *sp;
  ZipCodecResult r;
  // One spare byte tells "fits exactly" from "needs more room".
  r.output.resize(static_cast<size_t>(dst_capacity) + 1);
  s.next_in = const_cast<Bytef*>(in);
  s.avail_in = static_cast<uInt>(len);
  s.next_out = r.output.data();
  s.avail_out = static_cast<uInt>(r.output.size());
  int ret = Z_OK;
  while (ret == Z_OK && s.avail_in > 0 && s.avail_out > 0) ret = inflate(&s, Z_NO_FLUSH);
  size_t produced = s.total_out;
  size_t used = s.total_in;

  if (ret == Z_STREAM_END) {
    if (produced > dst_capacity) {
      ZipCodecResult e = error(kZipStatusDstTooSmall);
      e.ctx_st = kZipCtxDecompNoSpace;  // the final block had no room
      return e;
    }
  } else if (ret == Z_OK || ret == Z_BUF_ERROR) {
    if (produced > dst_capacity) {
      ZipCodecResult e = error(kZipStatusDstTooSmall);
      e.ctx_st = kZipCtxDecompingNoSpace;
      return e;
    }
    return error(kZipStatusStreamError);  // input ended before the final block
  } else {
    return error(kZipStatusStreamError);  // Z_DATA_ERROR and friends
  }

  r.output.resize(produced);
  r.last_block = true;
  r.checksum = checksum_of(req_type, r.output.data(), produced);
  r.isize = static_cast<uint32_t>(produced);
  size_t trailer = trailer_bytes(req_type);
  if (len - used < trailer) return error(kZipStatusStreamError);  // truncated trailer
  bool trailer_ok = true;
  if (req_type == kZipReqZlib) trailer_ok = get_be32(in + used) == r.checksum;
  if (req_type == kZipReqGzip) {
    trailer_ok = get_le32(in + used) == r.checksum && get_le32(in + used + 4) == r.isize;
  }
  r.consumed = static_cast<uint32_t>(used + trailer);
  if (!trailer_ok)
    r.status = kZipStatusCrcError;
  else
    r.status = report_end ? kZipStatusDecompEnd : kZipStatusOk;
  return r;
}

}  // namespace wdsim
