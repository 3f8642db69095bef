#include "sim/accel/zip/zip_size_model.h"

#include <algorithm>
#include <cmath>

namespace wdsim {
namespace {

size_t trailer_bytes(uint8_t req_type) {
  if (req_type == kZipReqZlib) return 4;  // Adler-32 (RFC 1950)
  if (req_type == kZipReqGzip) return 8;  // CRC-32 + ISIZE (RFC 1952)
  return 0;
}

// ceil() that ignores floating-point noise (350 / 0.35 is 1000.0000000000001).
double ceil_exact(double v) { return std::ceil(v - 1e-9); }

ZipCodecResult error(uint8_t status) {
  ZipCodecResult r;
  r.status = status;
  return r;
}

}  // namespace

ZipCodecResult zip_model_compress(uint8_t req_type, size_t len, uint32_t dst_capacity,
                                  uint8_t window_code, double ratio) {
  if (!zip_req_type_supported(req_type) || zip_window_bits(window_code) == 0 || ratio <= 0)
    return error(kZipStatusBadRequest);
  double body = ceil_exact(static_cast<double>(len) * ratio);
  size_t out = std::max<size_t>(1, static_cast<size_t>(body)) + trailer_bytes(req_type);
  if (out > dst_capacity) return error(kZipStatusDstTooSmall);
  ZipCodecResult r;
  r.output.assign(out, 0);
  r.consumed = static_cast<uint32_t>(len);
  r.isize = static_cast<uint32_t>(len);
  r.status = out > len ? kZipStatusNegativeCompression : kZipStatusOk;
  return r;
}

ZipCodecResult zip_model_decompress(uint8_t req_type, size_t len, uint32_t dst_capacity,
                                    bool report_end, double ratio) {
  if (!zip_req_type_supported(req_type) || ratio <= 0) return error(kZipStatusBadRequest);
  size_t trailer = trailer_bytes(req_type);
  if (len <= trailer) return error(kZipStatusStreamError);  // no deflate data
  double produced = ceil_exact(static_cast<double>(len - trailer) / ratio);
  size_t out = std::min<size_t>(dst_capacity, static_cast<size_t>(produced));
  ZipCodecResult r;
  r.output.assign(out, 0);
  r.consumed = static_cast<uint32_t>(len);
  r.isize = static_cast<uint32_t>(out);
  r.last_block = true;
  r.status = report_end ? kZipStatusDecompEnd : kZipStatusOk;
  return r;
}

}  // namespace wdsim
