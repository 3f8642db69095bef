// The HiSilicon ZIP submission queue entry (SQE / "BD"): 128 bytes, 32 little-endian dwords, as
// the Linux kernel (drivers/crypto/hisilicon/zip/zip.h + zip_crypto.c, struct hisi_zip_sqe) and
// Linaro UADK (drv/hisi_comp.c, struct hisi_zip_sqe; v1/drv/hisi_zip_udrv.c) define it. Pure C++,
// no SystemC: the engine model, the kernel model and the user-space runtime all use it.
//
// Facts (checked against both sources):
// - dw3: status[7:0]; bit 8 "last block" (UADK HZ_LSTBLK_MASK 0x100).
// - dw7: in_sge_data_offset[23:0]; flush_type bit 25 (1 = finish); stream_mode bit 26
//   (1 = stateful); stream_new bit 27; sqe_type[31:28] (kernel HZIP_SQE_TYPE_M GENMASK(31, 28);
//   UADK HZ_SQE_TYPE_V1 0, HZ_SQE_TYPE_V3 0x30000000).
// - dw8: out_sge_data_offset[23:0].
// - dw9: req_type[7:0]; buf_type[11:8] (0 flat buffer, 1 hisi_acc_hw_sgl); window size[15:12]
//   (UADK enum wd_comp_winsz_type: 0 4K, 1 8K, 2 16K, 3 24K, 4 32K). There is no compression level
//   field for deflate/zlib/gzip (UADK fill_comp_level_deflate is a no-op); for LZ77_ZSTD level 9
//   selects req_type 0x42 instead of 0x43.
// - tag: dw13 for sqe_type 0 (Kunpeng 920 / QM v2), dw26 for sqe_type 3 (QM v3+).
// - ctx_dw0[3:0]: decompression context state ("ctx_st"); UADK: 0x01 last block had no output
//   space (HZ_DECOMP_NO_SPACE -> WD_EAGAIN), 0x02 decompressing, no space, 0x03 block not
//   started, 0x04 no CRC.
// - Direction is NOT in the SQE: compress vs decompress is the queue's type. UADK passes
//   op_type (WD_DIR_COMPRESS 0 / WD_DIR_DECOMPRESS 1) as hisi_qp_ctx.qc_type in
//   UACCE_CMD_QM_SET_QP_CTX; the kernel stores it in qp->alg_type, which goes into SQC w13
//   alg_type; the kernel's own acomp driver uses one qp with alg_type 0 (compress) and one with
//   alg_type 1 (decompress). See ZipOp.
// - Headers: the hardware neither writes nor parses the zlib/gzip header. UADK writes
//   kZlibHeader / kGzipHeader itself in front of the output (and adds their size to `produced`),
//   and skips them on the input when decompressing (stream_new). The hardware does write and
//   check the trailer (zlib Adler-32 big-endian; gzip CRC-32 + ISIZE little-endian).
// - UADK limits: 8 MiB per request (HZ_MAX_SIZE, avail_out is clamped to it), and stateful mode
//   wants dst >= 1.125 * src.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wdsim {

// dw9 req_type (UADK enum alg_type; kernel HZIP_ALG_TYPE_*).
inline constexpr uint8_t kZipReqDeflate = 0x01;
inline constexpr uint8_t kZipReqZlib = 0x02;
inline constexpr uint8_t kZipReqGzip = 0x03;
inline constexpr uint8_t kZipReqLz4 = 0x04;
inline constexpr uint8_t kZipReqLz77Only = 0x40;
inline constexpr uint8_t kZipReqLz77OnlyPrice = 0x41;
inline constexpr uint8_t kZipReqLz77ZstdPrice = 0x42;
inline constexpr uint8_t kZipReqLz77Zstd = 0x43;

// dw3 status[7:0]. The first group is from UADK/kernel; the second group has no public source
// (the hardware manual is not public): these values are this model's choice, picked outside
// every documented code, and UADK reports any of them as WD_IN_EPARA like a real bad BD.
inline constexpr uint8_t kZipStatusOk = 0x00;
inline constexpr uint8_t kZipStatusNegativeCompression = 0x0d;  // output > input; data valid
inline constexpr uint8_t kZipStatusDstTooSmall = 0x0e;          // dest_avail_out insufficient
inline constexpr uint8_t kZipStatusSrcDifError = 0x0f;          // not produced by this model
inline constexpr uint8_t kZipStatusCrcError = 0x10;             // trailer check failed
inline constexpr uint8_t kZipStatusDstDifError = 0x12;          // not produced by this model
inline constexpr uint8_t kZipStatusDecompEnd = 0x13;            // stateful: final block done
// Model choices:
inline constexpr uint8_t kZipStatusBadRequest = 0x20;     // bad/unsupported field or length
inline constexpr uint8_t kZipStatusStreamError = 0x21;    // corrupt or truncated deflate data
inline constexpr uint8_t kZipStatusDmaReadFault = 0x22;   // source read aborted (SMMU/bus)
inline constexpr uint8_t kZipStatusDmaWriteFault = 0x23;  // destination write aborted

// ctx_dw0[3:0] decompression context state (UADK HZ_CTX_ST_MASK, v1 HW_DECOMP_*).
inline constexpr uint8_t kZipCtxDecompNoSpace = 0x01;     // last block, no output space
inline constexpr uint8_t kZipCtxDecompingNoSpace = 0x02;  // mid-stream, no output space
inline constexpr uint8_t kZipCtxBlockNotStarted = 0x03;
inline constexpr uint8_t kZipCtxNoCrc = 0x04;

// dw9 buf_type.
inline constexpr uint8_t kZipBufFlat = 0x0;
inline constexpr uint8_t kZipBufSgl = 0x1;

// dw7 sqe_type.
inline constexpr uint8_t kZipSqeTypeV1 = 0x0;  // tag in dw13
inline constexpr uint8_t kZipSqeTypeV3 = 0x3;  // tag in dw26

// dw9 window size codes (UADK enum wd_comp_winsz_type).
inline constexpr uint8_t kZipWindow4K = 0;
inline constexpr uint8_t kZipWindow8K = 1;
inline constexpr uint8_t kZipWindow16K = 2;
inline constexpr uint8_t kZipWindow24K = 3;
inline constexpr uint8_t kZipWindow32K = 4;

// The queue's direction: hisi_qp_ctx.qc_type = SQC w13 alg_type (UADK WD_DIR_*).
enum class ZipOp : uint8_t { kCompress = 0, kDecompress = 1 };

// What UADK writes in front of the hardware's output (drv/hisi_comp.c ZLIB_HEADER, GZIP_HEADER).
inline constexpr uint8_t kZlibHeader[2] = {0x78, 0x9c};
inline constexpr uint8_t kGzipHeader[10] = {0x1f, 0x8b, 0x08, 0x00, 0x00,
                                            0x00, 0x00, 0x00, 0x00, 0x03};
inline constexpr uint32_t kZipMaxRequestBytes = 8u * 1024 * 1024;  // UADK HZ_MAX_SIZE

// Window size code -> bytes; 0 for an invalid code.
constexpr uint32_t zip_window_bytes(uint8_t code) {
  switch (code) {
    case kZipWindow4K:
      return 4096;
    case kZipWindow8K:
      return 8192;
    case kZipWindow16K:
      return 16384;
    case kZipWindow24K:
      return 24576;
    case kZipWindow32K:
      return 32768;
  }
  return 0;
}

const char* zip_status_name(uint8_t status);      // "ok", "dst_too_small", ..., "unknown"
const char* zip_req_type_name(uint8_t req_type);  // "deflate", "zlib", ..., "unknown"

struct ZipSqe {
  uint32_t consumed;          // dw0: input bytes consumed (result)
  uint32_t produced;          // dw1: output bytes produced (result)
  uint32_t comp_data_length;  // dw2: lz77_zstd literal count (result)
  uint32_t dw3;               // status[7:0], last block bit 8
  uint32_t input_data_length;
  uint32_t dw5;
  uint32_t dw6;
  uint32_t dw7;  // sge offset[23:0], flush 25, stream mode 26, stream new 27, sqe_type[31:28]
  uint32_t dw8;  // out sge offset[23:0]
  uint32_t dw9;  // req_type[7:0], buf_type[11:8], window[15:12]
  uint32_t dw10;
  uint32_t dw11;
  uint32_t dw12;
  uint32_t dw13;  // tag (sqe_type 0); lz77_zstd literal buffer size
  uint32_t dest_avail_out;
  uint32_t ctx_dw0;  // ctx_st[3:0]
  uint32_t dw16;
  uint32_t dw17;
  uint32_t source_addr_l;
  uint32_t source_addr_h;
  uint32_t dest_addr_l;
  uint32_t dest_addr_h;
  uint32_t stream_ctx_addr_l;
  uint32_t stream_ctx_addr_h;
  uint32_t literals_addr_l;
  uint32_t literals_addr_h;
  uint32_t dw26;  // tag (sqe_type 3)
  uint32_t dw27;
  uint32_t ctx_dw1;
  uint32_t ctx_dw2;
  uint32_t isize;
  uint32_t checksum;  // dw31: Adler-32 (zlib) / CRC-32 (gzip)

  // Field positions.
  static constexpr uint32_t kStatusMask = 0xff;
  static constexpr uint32_t kLastBlockBit = 1u << 8;
  static constexpr unsigned kFlushShift = 25;
  static constexpr unsigned kStreamModeShift = 26;
  static constexpr unsigned kStreamNewShift = 27;
  static constexpr unsigned kSqeTypeShift = 28;
  static constexpr unsigned kBufTypeShift = 8;
  static constexpr unsigned kWindowShift = 12;
  static constexpr uint32_t kCtxStMask = 0xf;

  // Addresses.
  uint64_t src() const { return (uint64_t{source_addr_h} << 32) | source_addr_l; }
  uint64_t dst() const { return (uint64_t{dest_addr_h} << 32) | dest_addr_l; }
  uint64_t stream_ctx() const { return (uint64_t{stream_ctx_addr_h} << 32) | stream_ctx_addr_l; }
  void set_src(uint64_t a) {
    source_addr_l = static_cast<uint32_t>(a);
    source_addr_h = static_cast<uint32_t>(a >> 32);
  }
  void set_dst(uint64_t a) {
    dest_addr_l = static_cast<uint32_t>(a);
    dest_addr_h = static_cast<uint32_t>(a >> 32);
  }
  void set_stream_ctx(uint64_t a) {
    stream_ctx_addr_l = static_cast<uint32_t>(a);
    stream_ctx_addr_h = static_cast<uint32_t>(a >> 32);
  }

  // dw3.
  uint8_t status() const { return static_cast<uint8_t>(dw3 & kStatusMask); }
  bool last_block() const { return (dw3 & kLastBlockBit) != 0; }
  void set_status(uint8_t s) { dw3 = (dw3 & ~kStatusMask) | s; }
  void set_last_block(bool v) { dw3 = v ? (dw3 | kLastBlockBit) : (dw3 & ~kLastBlockBit); }

  // dw7.
  bool flush_finish() const { return (dw7 >> kFlushShift) & 1; }
  bool stateful() const { return (dw7 >> kStreamModeShift) & 1; }
  bool stream_new() const { return (dw7 >> kStreamNewShift) & 1; }
  uint8_t sqe_type() const { return static_cast<uint8_t>(dw7 >> kSqeTypeShift); }
  void set_sqe_type(uint8_t v) {
    dw7 = (dw7 & ~(0xfu << kSqeTypeShift)) | (uint32_t{v & 0xfu} << kSqeTypeShift);
  }
  // As UADK fill_zip_comp_sqe sets them: finish = last request of the stream.
  void set_stream_flags(bool stream_new, bool stateful, bool finish) {
    dw7 &= ~(0x7u << kFlushShift);
    dw7 |= ((uint32_t{stream_new} << 2) | (uint32_t{stateful} << 1) | uint32_t{finish})
           << kFlushShift;
  }

  // dw9.
  uint8_t req_type() const { return static_cast<uint8_t>(dw9 & 0xff); }
  uint8_t buf_type() const { return static_cast<uint8_t>((dw9 >> kBufTypeShift) & 0xf); }
  uint8_t window() const { return static_cast<uint8_t>((dw9 >> kWindowShift) & 0xf); }
  void set_req_type(uint8_t v) { dw9 = (dw9 & ~0xffu) | v; }
  void set_buf_type(uint8_t v) {
    dw9 = (dw9 & ~(0xfu << kBufTypeShift)) | (uint32_t{v & 0xfu} << kBufTypeShift);
  }
  void set_window(uint8_t v) {
    dw9 = (dw9 & ~(0xfu << kWindowShift)) | (uint32_t{v & 0xfu} << kWindowShift);
  }

  // Tag: where depends on sqe_type.
  uint32_t tag() const { return sqe_type() == kZipSqeTypeV3 ? dw26 : dw13; }
  void set_tag(uint32_t v) {
    if (sqe_type() == kZipSqeTypeV3)
      dw26 = v;
    else
      dw13 = v;
  }

  uint8_t ctx_st() const { return static_cast<uint8_t>(ctx_dw0 & kCtxStMask); }
  void set_ctx_st(uint8_t v) { ctx_dw0 = (ctx_dw0 & ~kCtxStMask) | (v & kCtxStMask); }
};

static_assert(sizeof(ZipSqe) == 128, "hisi_zip_sqe is 128 bytes");
static_assert(offsetof(ZipSqe, dw3) == 3 * 4);
static_assert(offsetof(ZipSqe, dw9) == 9 * 4);
static_assert(offsetof(ZipSqe, dest_avail_out) == 14 * 4);
static_assert(offsetof(ZipSqe, source_addr_l) == 18 * 4);
static_assert(offsetof(ZipSqe, literals_addr_l) == 24 * 4);
static_assert(offsetof(ZipSqe, dw26) == 26 * 4);
static_assert(offsetof(ZipSqe, checksum) == 31 * 4);

}  // namespace wdsim
