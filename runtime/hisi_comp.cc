#include "runtime/hisi_comp.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wdsim::rt {

const char* zip_format_name(ZipFormat fmt) {
  switch (fmt) {
    case ZipFormat::kDeflate:
      return "deflate";
    case ZipFormat::kZlib:
      return "zlib";
    case ZipFormat::kGzip:
      return "gzip";
  }
  return "unknown";
}

uint8_t zip_format_req_type(ZipFormat fmt) {
  switch (fmt) {
    case ZipFormat::kDeflate:
      return kZipReqDeflate;
    case ZipFormat::kZlib:
      return kZipReqZlib;
    case ZipFormat::kGzip:
      return kZipReqGzip;
  }
  return 0;
}

uint32_t zip_format_header_size(ZipFormat fmt) {
  switch (fmt) {
    case ZipFormat::kDeflate:
      return 0;
    case ZipFormat::kZlib:
      return sizeof(kZlibHeader);
    case ZipFormat::kGzip:
      return sizeof(kGzipHeader);
  }
  return 0;
}

const uint8_t* zip_format_header(ZipFormat fmt) {
  return fmt == ZipFormat::kZlib ? kZlibHeader : fmt == ZipFormat::kGzip ? kGzipHeader : nullptr;
}

int zip_block_layout(ZipOp op, ZipFormat fmt, VirtAddr src, uint32_t src_len, VirtAddr dst,
                     uint32_t dst_len, ZipBlockLayout* out, std::string* why) {
  auto bad = [&](const std::string& w) {
    if (why) *why = w;
    return -EINVAL;
  };
  if (dst_len == 0 || dst == 0 || (src == 0 && src_len > 0)) return bad("bad buffer arguments");
  if (zip_format_req_type(fmt) == 0) return bad("unknown format");
  ZipBlockLayout l;
  l.header = zip_format_header_size(fmt);
  l.hw_src = src;
  l.hw_dst = dst;
  l.in_len = src_len;
  l.avail_out = dst_len;
  if (op == ZipOp::kCompress) {
    if (l.avail_out <= l.header) return bad("destination smaller than the header");
    l.hw_dst += l.header;
    l.avail_out -= l.header;
  } else {
    if (l.in_len < l.header) return bad("source shorter than the header");
    l.hw_src += l.header;
    l.in_len -= l.header;
  }
  if (l.in_len > kZipMaxRequestBytes) {
    return bad("input of " + std::to_string(l.in_len) + " B exceeds 8 MiB per request");
  }
  l.avail_out = std::min(l.avail_out, kZipMaxRequestBytes);  // UADK clamps avail_out to 8 MiB
  *out = l;
  return 0;
}

void zip_fill_block_sqe(const ZipBlockLayout& layout, ZipFormat fmt, bool qm_v2, uint8_t window,
                        uint32_t tag, ZipSqe* sqe) {
  std::memset(sqe, 0, sizeof(*sqe));
  sqe->set_sqe_type(fmt != ZipFormat::kDeflate && qm_v2 ? kZipSqeTypeV1 : kZipSqeTypeV3);
  sqe->set_req_type(zip_format_req_type(fmt));
  sqe->set_buf_type(kZipBufFlat);
  sqe->set_window(window);
  sqe->set_stream_flags(/*stream_new=*/true, /*stateful=*/false, /*finish=*/true);
  sqe->input_data_length = layout.in_len;
  sqe->dest_avail_out = layout.avail_out;
  sqe->set_src(layout.hw_src);
  sqe->set_dst(layout.hw_dst);
  sqe->set_tag(tag);
}

}  // namespace wdsim::rt
