#include "sim/system/workload_data.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace wdsim {

namespace {
// A small vocabulary: text made of it compresses roughly 3x with deflate, like prose or logs.
constexpr std::array<const char*, 32> kWords = {
    "the",    "queue", "device",  "memory",  "page",    "table",   "doorbell", "kernel",
    "user",   "space", "request", "buffer",  "engine",  "address", "virtual",  "process",
    "shared", "pasid", "stream",  "context", "walk",    "cache",   "latency",  "complete",
    "submit", "ring",  "phase",   "fault",   "invalid", "bind",    "map",      "unmap"};
struct Word {
  const char* text;
  size_t len;
};
constexpr auto kWordTable = [] {
  std::array<Word, kWords.size()> t{};
  for (size_t i = 0; i < kWords.size(); ++i) {
    size_t n = 0;
    while (kWords[i][n]) ++n;
    t[i] = {kWords[i], n};
  }
  return t;
}();
}  // namespace

std::vector<uint8_t> WorkloadData::next(uint64_t size) {
  // The bytes are a function of the seed: one rng draw per 8 random bytes; for text, one per
  // word and one per separator, in that order (written straight into the buffer).
  std::vector<uint8_t> out(size);
  if (kind_ == "zeros") return out;
  uint8_t* p = out.data();
  uint8_t* const end = p + size;
  if (kind_ == "random") {
    while (p < end) {
      const uint64_t v = rng_();
      const size_t n = std::min<size_t>(8, static_cast<size_t>(end - p));
      for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
      p += n;
    }
    return out;
  }
  while (p < end) {
    const Word& w = kWordTable[rng_() % kWordTable.size()];
    const size_t n = std::min<size_t>(w.len, static_cast<size_t>(end - p));
    std::memcpy(p, w.text, n);
    p += n;
    if (p < end) *p++ = (rng_() % 12 == 0) ? '\n' : ' ';
  }
  return out;
}

std::vector<uint8_t> system_deflate(const std::vector<uint8_t>& data, const std::string& format) {
  const int window_bits = format == "deflate" ? -15 : (format == "gzip" ? 31 : 15);
  z_stream zs{};
  constexpr int kLevel = 6;     // zlib's default
  constexpr int kMemLevel = 8;  // zlib's default
  if (deflateInit2(&zs, kLevel, Z_DEFLATED, window_bits, kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::vector<uint8_t> out(deflateBound(&zs, data.size()));
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(out.size() - zs.avail_out);
  deflateEnd(&zs);
  return out;
}

bool inflate_equals(const std::vector<uint8_t>& compressed, const std::vector<uint8_t>& expected,
                    const std::string& format, std::string* why) {
  const int window_bits = format == "deflate" ? -15 : (format == "gzip" ? 31 : 15);
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    *why = "inflateInit2 failed";
    return false;
  }
  std::vector<uint8_t> out(expected.size() + 64);
  zs.next_in = const_cast<Bytef*>(compressed.data());
  zs.avail_in = static_cast<uInt>(compressed.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);
  const size_t produced = out.size() - zs.avail_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    *why =
        "inflate returned " + std::to_string(rc) + (zs.msg ? std::string(" (") + zs.msg + ")" : "");
    return false;
  }
  if (produced != expected.size() || !std::equal(expected.begin(), expected.end(), out.begin())) {
    *why = "inflated " + std::to_string(produced) + " bytes that differ from the " +
           std::to_string(expected.size()) + "-byte input";
    return false;
  }
  return true;
}

}  // namespace wdsim
