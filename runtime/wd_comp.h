// A thin UADK-shaped compression API (include/wd_comp.h + drv/hisi_comp.c, synchronous,
// stateless, flat buffers): a CompSession opens one hardware queue per direction on a ZIP
// device (ctx per op type, as UADK's wd_comp_init gives a compress and a decompress ctx), and
// compress_sync()/decompress_sync() build the 128 B ZIP SQE, send it, wait for its completion
// and check the status the way hisi_comp's parse_zip_sqe does.
//
// Like UADK, the runtime writes the zlib (2 B) / gzip (10 B) header in front of the hardware's
// output and adds it to the produced length, and skips it on the input when decompressing
// (without checking it, as UADK does); the hardware writes and checks the trailer.
// Each request also gets a stage record (submit, doorbell, completion seen, done) in simulated
// time, for the latency breakdown.
//
// Does not (yet): stateful streams, async mode / polling many requests, SGL buffers, lz77_zstd,
// scheduler-driven ctx sharing between sessions, CRC error tolerance (UADK lets HZ_CRC_ERR
// through; here it is -EIO).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "formats/zip/zip_sqe.h"
#include "runtime/hisi_qm_udrv.h"
#include "runtime/os_interface.h"
#include "runtime/uacce_queue.h"

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

// Per-request timestamps (simulated ps, OsInterface::now()).
struct CompStageRecord {
  uint32_t request_id = 0;  // also the SQE tag
  ZipOp op = ZipOp::kCompress;
  Picoseconds submit_ps = 0;           // the call entered the library
  Picoseconds doorbell_ps = 0;         // the SQ doorbell write was issued
  Picoseconds completion_seen_ps = 0;  // the CQE was taken by the library
  Picoseconds done_ps = 0;             // the call returned
  uint8_t status = 0;                  // the SQE status byte (when a completion came back)
  uint16_t qp_id = 0;                  // the queue the SQE went to
  uint16_t sqe_index = 0;              // its SQ slot (matches the device's per-SQE record)
};

struct CompSessionSetup {
  std::string algorithm = "zlib";  // device discovery key in sysfs "algorithms"
  bool open_compress = true;       // open a compress queue (qc_type 0)
  bool open_decompress = true;     // open a decompress queue (qc_type 1)
  bool interrupt_mode = false;     // sleep on the fd instead of busy-polling
  uint8_t window = kZipWindow32K;  // dw9 window code (UADK win_sz)
  uint64_t page_size = 4096;       // the process's page size (mmap offsets)
  UserDriverCosts costs;
};

class CompSession {
 public:
  CompSession(OsInterface& os, const CompSessionSetup& setup);
  ~CompSession();
  CompSession(const CompSession&) = delete;
  CompSession& operator=(const CompSession&) = delete;

  // Opens and starts the queues the setup asks for. -errno (message in last_error()).
  int init();
  // Closes every queue (also done by the destructor).
  void close();

  // Compresses [src, src+src_len) into dst. *dst_len: in = room at dst, out = bytes written
  // (header included). 0 on success; -EINVAL for bad arguments, -ETIMEDOUT, -EIO for a
  // hardware error status (named in last_error()), other -errno from the queue.
  int compress_sync(VirtAddr src, uint32_t src_len, VirtAddr dst, uint32_t* dst_len, ZipFormat fmt);
  // Decompresses a complete stream of format `fmt` (header included). Same conventions;
  // -ENOSPC when the output did not fit.
  int decompress_sync(VirtAddr src, uint32_t src_len, VirtAddr dst, uint32_t* dst_len,
                      ZipFormat fmt);

  const CompStageRecord& last_stages() const { return last_stages_; }
  const std::string& last_error() const { return last_error_; }
  // The queue serving `op`, or nullptr when the session did not open one.
  HisiQmQueue* queue(ZipOp op);
  UacceQueue* uacce_queue(ZipOp op);
  uint32_t requests_done() const { return requests_done_; }

 private:
  struct Direction {
    std::unique_ptr<UacceQueue> uacce;
    std::unique_ptr<HisiQmQueue> qm;
  };
  int open_direction(ZipOp op, Direction* d);
  int run_sync(ZipOp op, VirtAddr src, uint32_t src_len, VirtAddr dst, uint32_t* dst_len,
               ZipFormat fmt);
  int fail(int err, const std::string& what);
  void charge_ns(double ns);

  OsInterface& os_;
  CompSessionSetup setup_;
  Direction comp_;
  Direction decomp_;
  uint32_t next_request_id_ = 1;
  uint32_t requests_done_ = 0;
  CompStageRecord last_stages_;
  std::string last_error_;
};

}  // namespace wdsim::rt
