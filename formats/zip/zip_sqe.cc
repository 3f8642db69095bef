#include "formats/zip/zip_sqe.h"

namespace wdsim {

const char* zip_status_name(uint8_t status) {
  switch (status) {
    case kZipStatusOk:
      return "ok";
    case kZipStatusNegativeCompression:
      return "negative_compression";
    case kZipStatusDstTooSmall:
      return "dst_too_small";
    case kZipStatusSrcDifError:
      return "src_dif_error";
    case kZipStatusCrcError:
      return "crc_error";
    case kZipStatusDstDifError:
      return "dst_dif_error";
    case kZipStatusDecompEnd:
      return "decomp_end";
    case kZipStatusBadRequest:
      return "bad_request";
    case kZipStatusStreamError:
      return "stream_error";
    case kZipStatusDmaReadFault:
      return "dma_read_fault";
    case kZipStatusDmaWriteFault:
      return "dma_write_fault";
  }
  return "unknown";
}

const char* zip_req_type_name(uint8_t req_type) {
  switch (req_type) {
    case kZipReqDeflate:
      return "deflate";
    case kZipReqZlib:
      return "zlib";
    case kZipReqGzip:
      return "gzip";
    case kZipReqLz4:
      return "lz4";
    case kZipReqLz77Only:
      return "lz77_only";
    case kZipReqLz77OnlyPrice:
      return "lz77_only_price";
    case kZipReqLz77ZstdPrice:
      return "lz77_zstd_price";
    case kZipReqLz77Zstd:
      return "lz77_zstd";
  }
  return "unknown";
}

}  // namespace wdsim
