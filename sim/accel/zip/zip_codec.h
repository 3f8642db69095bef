// The data path of the ZIP engine model, without timing or DMA: turns the input of one SQE into
// the bytes and result fields the hardware reports, using system zlib. Pure C++ (no SystemC) so
// runtime and kernel-model tests can use it as a reference.
//
// Format (see zip_sqe.h for sources): compression writes raw deflate followed by the trailer
// (zlib: Adler-32 big-endian; gzip: CRC-32 then ISIZE, little-endian) and no header; software
// (UADK) writes the header. Decompression takes raw deflate data plus that trailer (the header
// already skipped by software) and checks the trailer.
//
// Not modelled: the hardware's own match finder and Huffman coder (zlib at `level` produces the
// bytes, so the compression ratio differs from the hardware's), stateful streams (every request
// is a whole stream: the saved context in stream_ctx is neither read nor written), LZ4 and the
// LZ77 formats, SGL buffers, DIF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/zip/zip_sqe.h"

namespace wdsim {

struct ZipCodecResult {
  uint8_t status = kZipStatusOk;  // kZipStatus*
  uint8_t ctx_st = 0;             // kZipCtx* (decompression out of space), else 0
  bool last_block = false;        // decompression reached the end of the final block
  uint32_t consumed = 0;          // input bytes used (deflate data + trailer)
  uint32_t checksum = 0;          // Adler-32 (zlib) / CRC-32 (gzip) of the uncompressed data
  uint32_t isize = 0;             // uncompressed bytes mod 2^32
  std::vector<uint8_t> output;    // what goes to the destination; empty on error
};

// zlib windowBits for an SQE window code: 4K 12, 8K 13, 16K 14, 24K 14 (zlib has powers of two
// only; 16K keeps every match distance inside the 24K window), 32K 15; 0 when invalid.
int zip_window_bits(uint8_t window_code);

// True for the req_types this model compresses/decompresses (deflate, zlib, gzip).
bool zip_req_type_supported(uint8_t req_type);

// Compresses `len` bytes. `dst_capacity` is dest_avail_out. Status: ok, negative_compression
// (output longer than input: data still valid, as the hardware reports it), dst_too_small,
// bad_request (unsupported req_type or window).
ZipCodecResult zip_compress(uint8_t req_type, const uint8_t* in, size_t len, uint32_t dst_capacity,
                            int level, uint8_t window_code);

// Decompresses. Status: ok (decomp_end instead when `report_end`, i.e. stateful mode, and the
// final block was reached), dst_too_small (+ ctx_st no-space), crc_error (trailer mismatch;
// output kept), stream_error (corrupt or truncated), bad_request.
ZipCodecResult zip_decompress(uint8_t req_type, const uint8_t* in, size_t len,
                              uint32_t dst_capacity, bool report_end);

}  // namespace wdsim
