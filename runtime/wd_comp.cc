#include "runtime/wd_comp.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
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

namespace {

const char* op_name(ZipOp op) { return op == ZipOp::kCompress ? "compress" : "decompress"; }

}  // namespace

CompSession::CompSession(OsInterface& os, const CompSessionSetup& setup) : os_(os), setup_(setup) {}

CompSession::~CompSession() { close(); }

int CompSession::fail(int err, const std::string& what) {
  last_error_ = what;
  return err;
}

void CompSession::charge_ns(double ns) {
  Picoseconds ps = ns_to_ps(ns);
  if (ps > 0) os_.compute(ps);
}

int CompSession::open_direction(ZipOp op, Direction* d) {
  d->uacce = std::make_unique<UacceQueue>(os_, setup_.page_size);
  UacceQueueRequest req;
  req.algorithm = setup_.algorithm;
  req.qc_type = static_cast<uint16_t>(op);
  req.default_sqe_size = sizeof(ZipSqe);
  int ret = d->uacce->open(req);
  if (ret < 0) {
    std::string msg = std::string(op_name(op)) + " queue: " + d->uacce->last_error();
    d->uacce.reset();
    return fail(ret, msg);
  }
  if (d->uacce->qp_info().sqe_size != sizeof(ZipSqe)) {
    std::string msg = std::string(op_name(op)) + " queue: sqe_size " +
                      std::to_string(d->uacce->qp_info().sqe_size) + " is not a ZIP SQE";
    d->uacce.reset();
    return fail(-EINVAL, msg);
  }
  d->qm = std::make_unique<HisiQmQueue>(os_, setup_.costs);
  HisiQmQueueConfig cfg;
  cfg.interrupt_mode = setup_.interrupt_mode;
  ret = d->qm->attach(*d->uacce, cfg);
  if (ret < 0) {
    std::string msg = std::string(op_name(op)) + " queue: " + d->qm->last_error();
    d->qm.reset();
    d->uacce.reset();
    return fail(ret, msg);
  }
  return 0;
}

int CompSession::init() {
  if (setup_.open_compress && !comp_.qm) {
    int ret = open_direction(ZipOp::kCompress, &comp_);
    if (ret < 0) return ret;
  }
  if (setup_.open_decompress && !decomp_.qm) {
    int ret = open_direction(ZipOp::kDecompress, &decomp_);
    if (ret < 0) {
      close();
      return ret;
    }
  }
  return 0;
}

void CompSession::close() {
  for (Direction* d : {&comp_, &decomp_}) {
    d->qm.reset();
    if (d->uacce) d->uacce->close();
    d->uacce.reset();
  }
}

HisiQmQueue* CompSession::queue(ZipOp op) {
  return op == ZipOp::kCompress ? comp_.qm.get() : decomp_.qm.get();
}

UacceQueue* CompSession::uacce_queue(ZipOp op) {
  return op == ZipOp::kCompress ? comp_.uacce.get() : decomp_.uacce.get();
}

int CompSession::compress_sync(VirtAddr src, uint32_t src_len, VirtAddr dst, uint32_t* dst_len,
                               ZipFormat fmt) {
  return run_sync(ZipOp::kCompress, src, src_len, dst, dst_len, fmt);
}

int CompSession::decompress_sync(VirtAddr src, uint32_t src_len, VirtAddr dst, uint32_t* dst_len,
                                 ZipFormat fmt) {
  return run_sync(ZipOp::kDecompress, src, src_len, dst, dst_len, fmt);
}

int CompSession::run_sync(ZipOp op, VirtAddr src, uint32_t src_len, VirtAddr dst, uint32_t* dst_len,
                          ZipFormat fmt) {
  CompStageRecord rec;
  rec.op = op;
  rec.submit_ps = os_.now();
  rec.request_id = next_request_id_++;
  last_stages_ = rec;
  HisiQmQueue* q = queue(op);
  if (!q) return fail(-EINVAL, std::string("session has no ") + op_name(op) + " queue");
  if (!dst_len) return fail(-EINVAL, "bad buffer arguments");
  ZipBlockLayout layout;
  std::string why;
  if (int r = zip_block_layout(op, fmt, src, src_len, dst, *dst_len, &layout, &why); r < 0) {
    return fail(r, why);
  }
  const uint32_t hdr = layout.header;
  const uint32_t avail_out = layout.avail_out;
  if (op == ZipOp::kCompress && hdr > 0) os_.store(dst, zip_format_header(fmt), hdr);

  ZipSqe sqe;
  const bool qm_v2 = uacce_queue(op)->device().api == kHisiQmApiV2;
  zip_fill_block_sqe(layout, fmt, qm_v2, setup_.window, rec.request_id, &sqe);
  charge_ns(setup_.costs.sqe_build_ns);

  rec.qp_id = q->qp_id();
  rec.sqe_index = q->sq_tail();
  uint16_t sent = 0;
  int ret = q->send(&sqe, 1, &sent);
  if (ret < 0) return fail(ret, std::string("send: ") + q->last_error());
  rec.doorbell_ps = q->last_sq_doorbell_ps();
  last_stages_ = rec;

  ZipSqe resp;
  uint16_t got = 0;
  const Picoseconds timeout = ns_to_ps(setup_.costs.sync_timeout_us * 1000.0);
  ret = q->wait_and_recv(&resp, 1, &got, timeout);
  rec.completion_seen_ps = os_.now();
  last_stages_ = rec;
  if (ret < 0) return fail(ret, std::string("receive: ") + q->last_error());

  // Parse (parse_zip_sqe + hisi_check_bd_id for sync mode).
  charge_ns(setup_.costs.sqe_parse_ns);
  rec.status = resp.status();
  rec.done_ps = os_.now();
  last_stages_ = rec;
  if (resp.tag() != rec.request_id) {
    return fail(-EIO, "completion tag " + std::to_string(resp.tag()) + " is not request " +
                          std::to_string(rec.request_id));
  }
  const uint8_t status = resp.status();
  // Checked before the status, as UADK overrides the status with WD_EAGAIN for it.
  if (op == ZipOp::kDecompress && resp.ctx_st() == kZipCtxDecompNoSpace) {
    return fail(-ENOSPC, "decompress request " + std::to_string(rec.request_id) +
                             ": output did not fit in " + std::to_string(avail_out) + " B");
  }
  if (status != kZipStatusOk && status != kZipStatusNegativeCompression &&
      status != kZipStatusDecompEnd) {
    char hex[8];
    std::snprintf(hex, sizeof(hex), "0x%02x", status);
    return fail(-EIO, std::string(op_name(op)) + " request " + std::to_string(rec.request_id) +
                          ": hardware status " + hex + " (" + zip_status_name(status) + ")");
  }
  if (resp.produced > avail_out) {
    return fail(-EIO, "device reports " + std::to_string(resp.produced) + " B produced into " +
                          std::to_string(avail_out) + " B");
  }
  *dst_len = resp.produced + (op == ZipOp::kCompress ? hdr : 0);
  ++requests_done_;
  last_error_.clear();
  return 0;
}

}  // namespace wdsim::rt
