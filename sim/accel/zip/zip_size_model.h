// The ZIP engine's timing-only data mode (ZipEngineParams.data_mode = "timing"): the result
// fields and output size of one request from a compression-ratio model, without computing the
// payload. Pure C++, no zlib, deterministic.
//
// Model: compression of n bytes produces ceil(n * ratio) deflate bytes (at least 1) plus the
// trailer the hardware writes (zlib 4, gzip 8, deflate 0); decompression of n input bytes
// produces ceil((n - trailer) / ratio) bytes, at most dest_avail_out (so a round trip through
// the model gives back the original size when the destination is sized to it, and timing-mode
// decompression never reports dst_too_small). The same checks as the real path come first:
// unsupported req_type or window -> bad_request; compressed output larger than dest_avail_out
// -> dst_too_small; output larger than the input -> negative_compression (data "valid").
// checksum is 0 (not computed); isize is the uncompressed size mod 2^32. The output bytes are
// zeros: only their count matters (the engine still DMA-writes that many bytes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/accel/zip/zip_codec.h"

namespace wdsim {

ZipCodecResult zip_model_compress(uint8_t req_type, size_t len, uint32_t dst_capacity,
                                  uint8_t window_code, double ratio);
ZipCodecResult zip_model_decompress(uint8_t req_type, size_t len, uint32_t dst_capacity,
                                    bool report_end, double ratio);

}  // namespace wdsim
