// Test helpers: deterministic mixed data and system-zlib reference calls.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "formats/zip/zip_sqe.h"

namespace wdsim::testing {

// Text-like phrases, zero runs and random bytes, deterministic for a given size.
inline std::vector<uint8_t> mixed_data(size_t n, uint32_t seed = 1) {
  static const char* const kWords[] = {"queue ", "doorbell ", "pasid ", "smmu ", "zip ",
                                       "sqe ",   "deflate ",  "page ",  "stall "};
  std::mt19937 rng(seed);
  std::vector<uint8_t> v;
  v.reserve(n);
  while (v.size() < n) {
    switch (rng() % 4) {
      case 0:
      case 1: {
        std::string w = kWords[rng() % 9];
        v.insert(v.end(), w.begin(), w.end());
        break;
      }
      case 2:
        v.insert(v.end(), rng() % 64, 0);
        break;
      default:
        for (int i = 0, k = static_cast<int>(rng() % 32); i < k; ++i) {
          v.push_back(static_cast<uint8_t>(rng()));
        }
    }
  }
  v.resize(n);
  return v;
}

// The header UADK writes in front of the hardware output for `req_type`.
inline std::vector<uint8_t> uadk_header(uint8_t req_type) {
  if (req_type == kZipReqZlib) return {std::begin(kZlibHeader), std::end(kZlibHeader)};
  if (req_type == kZipReqGzip) return {std::begin(kGzipHeader), std::end(kGzipHeader)};
  return {};
}

inline int zlib_window_bits(uint8_t req_type) {
  if (req_type == kZipReqZlib) return 15;
  if (req_type == kZipReqGzip) return 31;
  return -15;
}

// Inflates a whole stream with system zlib; false on any error.
inline bool system_inflate(uint8_t req_type, const std::vector<uint8_t>& in,
                           std::vector<uint8_t>* out, size_t max_out) {
  z_stream s{};
  if (inflateInit2(&s, zlib_window_bits(req_type)) != Z_OK) return false;
  out->assign(max_out, 0);
  s.next_in = const_cast<Bytef*>(in.data());
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = out->data();
  s.avail_out = static_cast<uInt>(out->size());
  int ret = inflate(&s, Z_FINISH);
  out->resize(s.total_out);
  bool all_used = s.avail_in == 0;
  inflateEnd(&s);
  return ret == Z_STREAM_END && all_used;
}

// Deflates with system zlib (header included for zlib/gzip).
inline std::vector<uint8_t> system_deflate(uint8_t req_type, const std::vector<uint8_t>& in) {
  z_stream s{};
  deflateInit2(&s, 6, Z_DEFLATED, zlib_window_bits(req_type), 8, Z_DEFAULT_STRATEGY);
  std::vector<uint8_t> out(deflateBound(&s, in.size()));
  s.next_in = const_cast<Bytef*>(in.data());
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = out.data();
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

// What software hands the hardware to decompress: the stream without its header.
inline std::vector<uint8_t> strip_header(uint8_t req_type, const std::vector<uint8_t>& stream) {
  size_t skip = uadk_header(req_type).size();
  return {stream.begin() + static_cast<std::ptrdiff_t>(skip), stream.end()};
}

}  // namespace wdsim::testing
