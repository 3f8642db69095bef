// The ZIP user driver's request formatting (UADK drv/hisi_comp.c, stateless flat buffers):
// the deflate / zlib / gzip formats, the header the library writes in front of the hardware's
// output (zlib 2 B, gzip 10 B; the hardware writes and checks the trailer), the buffer layout
// of one request and the 128 B ZIP SQE it becomes (fill_zip_comp_sqe). UADK's wd_comp API
// (runtime/uadk/uadk_comp.cc) is the front end built on these.
// Does not: stateful streams, SGL buffers, lz77_zstd.
#pragma once

#include <cstdint>
#include <string>

#include "formats/zip/zip_sqe.h"
#include "runtime/os_interface.h"

namespace wdsim::rt {

enum class ZipFormat : uint8_t { kDeflate, kZlib, kGzip };

// The UADK / sysfs algorithm name: "deflate", "zlib", "gzip".
const char* zip_format_name(ZipFormat fmt);
// dw9 req_type for the format.
uint8_t zip_format_req_type(ZipFormat fmt);
// Bytes of header the runtime writes (compress) or skips (decompress): 0, 2 or 10.
uint32_t zip_format_header_size(ZipFormat fmt);

// Where the hardware reads and writes for one stateless flat-buffer request, after the
// runtime's header handling (hisi_comp fill_buf_zlib / fill_buf_gzip, stream_pos NEW).
struct ZipBlockLayout {
  VirtAddr hw_src = 0;
  VirtAddr hw_dst = 0;
  uint32_t in_len = 0;     // input_data_length
  uint32_t avail_out = 0;  // dest_avail_out (clamped to 8 MiB as UADK does)
  uint32_t header = 0;     // bytes of header written in front of dst (compress) or skipped
};
// Checks the buffers and computes the layout; -EINVAL with the reason in *why. Does not
// write the header (compress: the caller stores zip_format_header(fmt) at dst).
int zip_block_layout(ZipOp op, ZipFormat fmt, VirtAddr src, uint32_t src_len, VirtAddr dst,
                     uint32_t dst_len, ZipBlockLayout* out, std::string* why);
// The header bytes the runtime writes for fmt (nullptr for deflate).
const uint8_t* zip_format_header(ZipFormat fmt);
// Fills a ZIP SQE as fill_zip_comp_sqe does: deflate always uses the v3 SQE type; zlib/gzip
// the v1 type (tag in dw13) on hisi_qm_v2 and v3 on later QMs (hisi_zip_sqe_ops_adapt).
void zip_fill_block_sqe(const ZipBlockLayout& layout, ZipFormat fmt, bool qm_v2, uint8_t window,
                        uint32_t tag, ZipSqe* sqe);

}  // namespace wdsim::rt
