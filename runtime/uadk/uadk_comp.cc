// wd_comp.h: UADK's compression API (wd_comp.c + drv/hisi_comp.c) for stateless flat-buffer
// deflate / zlib / gzip requests on ZIP queues (on a device without SVA the session's memory
// pool gives the buffers' DMA addresses, as zip_mem_map). Parsing follows hisi_comp parse_zip_sqe:
// statuses other than OK, negative compression and decompression end give req->status
// WD_IN_EPARA; a decompression that ran out of output space (ctx_st 1) gives WD_EAGAIN.
// Deliberate differences from UADK (documented in the header): a CRC error is WD_IN_EPARA
// (UADK lets HZ_CRC_ERR through); a session without sched_param schedules on its op type's
// region (UADK would use type 0); wd_comp_poll_ctx returns 0 when it took some completions
// before running dry (UADK returns -WD_EAGAIN with *count set).
#include <cstdio>
#include <cstring>

#include "runtime/hisi_comp.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

struct CompSess : SessBase {
  CompSess() : SessBase(SessKind::kComp) {}
  wd_comp_alg_type alg_type = WD_ZLIB;
  wd_comp_level comp_lv = WD_COMP_L1;
  wd_comp_winsz_type win_sz = WD_COMP_WS_32K;
  wd_comp_op_type op_type = WD_DIR_COMPRESS;
  uint32_t next_sync_tag = 1;
};

// Async slot aux words.
constexpr int kAuxHeader = 0;
constexpr int kAuxAvailOut = 1;
constexpr int kAuxOp = 2;

uint16_t comp_qc_type(uint8_t op_type) { return op_type; }

const AlgTraits kCompTraits{"comp", "WD_COMP_EPOLL_EN", sizeof(ZipSqe), WD_DIR_MAX, comp_qc_type};

bool format_of(wd_comp_alg_type t, ZipFormat* f) {
  switch (t) {
    case WD_DEFLATE:
      *f = ZipFormat::kDeflate;
      return true;
    case WD_ZLIB:
      *f = ZipFormat::kZlib;
      return true;
    case WD_GZIP:
      *f = ZipFormat::kGzip;
      return true;
    default:
      return false;
  }
}

CompSess* comp_sess(const Call& call, handle_t h) {
  return static_cast<CompSess*>(find_session(call.lib(), h, SessKind::kComp));
}

int check_req(const Call& call, const CompSess& sess, const wd_comp_req* req, bool async) {
  if (!req) return call.fail(-WD_EINVAL, "wd_comp: req is NULL");
  if (req->op_type != sess.op_type) {
    return call.fail(-WD_EINVAL, "wd_comp: req op_type differs from the session's");
  }
  if (req->data_fmt != WD_FLAT_BUF) return call.fail(-WD_EINVAL, "wd_comp: SGL not supported");
  if (!req->src || !req->src_len) return call.fail(-WD_EINVAL, "wd_comp: req src is empty");
  if (!req->dst || !req->dst_len) return call.fail(-WD_EINVAL, "wd_comp: req dst is empty");
  if (async && !req->cb) return call.fail(-WD_EINVAL, "wd_comp: async req has no cb");
  return 0;
}

// Picks the ctx for a request of `mode` and checks it.
int pick_ctx(const Call& call, CompSess& sess, uint8_t mode, uint32_t* idx) {
  AlgSetting& s = call.lib().comp;
  call.rebind();
  *idx = s.sched().pick_next_ctx(s.sched().h_sched_ctx, sess.sched_key, mode);
  return s.check_ctx(call, *idx, mode);
}

// Header, layout and SQE for one request (fill_zip_comp_sqe).
int prepare(const Call& call, CompSess& sess, uint32_t idx, wd_comp_req* req, uint32_t tag,
            ZipSqe* sqe, ZipBlockLayout* layout) {
  ZipFormat fmt = ZipFormat::kZlib;
  format_of(sess.alg_type, &fmt);
  const ZipOp op = sess.op_type == WD_DIR_COMPRESS ? ZipOp::kCompress : ZipOp::kDecompress;
  std::string why;
  int ret = zip_block_layout(op, fmt, va_of(req->src), req->src_len, va_of(req->dst), req->dst_len,
                             layout, &why);
  if (ret < 0) return call.fail(-WD_EINVAL, "wd_comp: " + why);
  if (op == ZipOp::kCompress && layout->header > 0) {
    call.os().store(va_of(req->dst), zip_format_header(fmt), layout->header);
  }
  // Without SVA the device gets the buffers' DMA addresses (zip_mem_map).
  ZipBlockLayout dev = *layout;
  if ((ret = device_addr(call, sess.mm, layout->hw_src, layout->in_len, "wd_comp src",
                         &dev.hw_src)) < 0 ||
      (ret = device_addr(call, sess.mm, layout->hw_dst, layout->avail_out, "wd_comp dst",
                         &dev.hw_dst)) < 0) {
    return ret;
  }
  const bool qm_v2 = call.lib().comp.entry(idx).ctx->api == kHisiQmApiV2;
  zip_fill_block_sqe(dev, fmt, qm_v2, static_cast<uint8_t>(sess.win_sz), tag, sqe);
  call.charge_ns(call.proc().config().costs.sqe_build_ns);
  return 0;
}

// parse_zip_sqe: sizes and status into the request.
void parse(const Call& call, const ZipSqe& resp, bool compress, uint32_t header, uint32_t avail_out,
           wd_comp_req* req) {
  call.charge_ns(call.proc().config().costs.sqe_parse_ns);
  const uint8_t status = resp.status();
  uint32_t req_status = 0;
  if (status != kZipStatusOk && status != kZipStatusNegativeCompression &&
      status != kZipStatusDecompEnd) {
    req_status = WD_IN_EPARA;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", status);
    call.fail(-WD_IN_EPARA, std::string("wd_comp: bad request, hardware status ") + hex + " (" +
                                zip_status_name(status) + ")");
  }
  if (!compress && resp.ctx_st() == kZipCtxDecompNoSpace) req_status = WD_EAGAIN;
  if (req_status == 0 && resp.produced > avail_out) {
    req_status = WD_IN_EPARA;
    call.fail(-WD_IN_EPARA, "wd_comp: device reports more output than room");
  }
  req->status = req_status;
  req->src_len = resp.consumed + (compress ? 0 : header);
  req->dst_len = req_status == 0 ? resp.produced + (compress ? header : 0) : 0;
}

int do_sync(handle_t h_sess, wd_comp_req* req) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  AlgSetting& s = call.lib().comp;
  if (!s.inited()) return call.fail(-WD_EINVAL, "wd_comp: not initialised");
  CompSess* sess = comp_sess(call, h_sess);
  if (!sess) return call.fail(-WD_EINVAL, "wd_comp: not a comp session");
  int ret = check_req(call, *sess, req, /*async=*/false);
  if (ret < 0) return ret;
  uint32_t idx = 0;
  if ((ret = pick_ctx(call, *sess, CTX_MODE_SYNC, &idx)) < 0) return ret;
  const uint32_t tag = sess->next_sync_tag++;
  ZipSqe sqe;
  ZipBlockLayout layout;
  if ((ret = prepare(call, *sess, idx, req, tag, &sqe, &layout)) < 0) return ret;
  ZipSqe resp;
  if ((ret = s.sync_request(call, idx, &sqe, &resp)) < 0) return ret;
  if (resp.tag() != tag) {
    return call.fail(-WD_EIO, "wd_comp: completion tag " + std::to_string(resp.tag()) +
                                  " is not request " + std::to_string(tag));
  }
  parse(call, resp, sess->op_type == WD_DIR_COMPRESS, layout.header, layout.avail_out, req);
  return 0;
}

}  // namespace

// wd_comp_poll_ctx body (also the init2 scheduler's poll function).
int comp_poll_ctx(uint32_t idx, uint32_t expt, uint32_t* count) {
  Call call;
  if (!call.bound() || !count) return -WD_EINVAL;
  *count = 0;
  AlgSetting& s = call.lib().comp;
  if (!s.inited()) return call.fail(-WD_EINVAL, "wd_comp: not initialised");
  int ret = s.check_ctx(call, idx, CTX_MODE_ASYNC);
  if (ret < 0) return ret;
  while (expt == 0 || *count < expt) {
    ZipSqe resp;
    ret = s.recv_one(call, idx, &resp);
    if (ret == -WD_EAGAIN) return *count > 0 ? 0 : -WD_EAGAIN;
    if (ret < 0) return ret;
    AsyncSlot* slot = s.slot(idx, resp.tag());
    if (!slot) {
      return call.fail(-WD_EINVAL, "wd_comp: completion tag " + std::to_string(resp.tag()) +
                                       " names no request of ctx " + std::to_string(idx));
    }
    auto* req = static_cast<wd_comp_req*>(slot->req);
    parse(call, resp, slot->aux[kAuxOp] == WD_DIR_COMPRESS, slot->aux[kAuxHeader],
          slot->aux[kAuxAvailOut], req);
    s.put_slot(idx, resp.tag());
    ++*count;
    call.rebind();
    if (req->cb) req->cb(req, req->cb_param);
  }
  return 0;
}

}  // namespace wdsim::rt::uadk

using wdsim::rt::uadk::AlgSetting;
using wdsim::rt::uadk::Call;
using wdsim::rt::uadk::CompSess;

extern "C" {

int wd_comp_init(struct wd_ctx_config* config, struct wd_sched* sched) {
  Call call;
  return call.lib().comp.init(call, wdsim::rt::uadk::kCompTraits, config, sched);
}

void wd_comp_uninit(void) {
  Call call;
  if (call.bound()) call.lib().comp.uninit(call);
}

int wd_comp_init2_(char* alg, __u32 sched_type, int task_type, struct wd_ctx_params* ctx_params) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  const std::string name = alg ? alg : "";
  if (name != "zlib" && name != "gzip" && name != "deflate") {
    return call.fail(-WD_EINVAL, "wd_comp_init2: algorithm '" + name + "' not supported");
  }
  return call.lib().comp.init2(call, wdsim::rt::uadk::kCompTraits, alg, sched_type, task_type,
                               ctx_params, wdsim::rt::uadk::comp_poll_ctx);
}

void wd_comp_uninit2(void) { wd_comp_uninit(); }

handle_t wd_comp_alloc_sess(struct wd_comp_sess_setup* setup) {
  Call call;
  if (!call.bound() || !setup) return 0;
  AlgSetting& s = call.lib().comp;
  if (!s.inited()) return call.fail(0, "wd_comp_alloc_sess: not initialised");
  wdsim::rt::ZipFormat fmt;
  if (!wdsim::rt::uadk::format_of(setup->alg_type, &fmt)) {
    return call.fail(
        0, "wd_comp_alloc_sess: alg_type " + std::to_string(setup->alg_type) + " not supported");
  }
  if (setup->op_type >= WD_DIR_MAX) return call.fail(0, "wd_comp_alloc_sess: bad op_type");
  if (setup->op_type == WD_DIR_COMPRESS &&
      (setup->comp_lv > WD_COMP_L15 || setup->win_sz > WD_COMP_WS_32K)) {
    return call.fail(0, "wd_comp_alloc_sess: bad comp_lv or win_sz");
  }
  auto sess = std::make_unique<CompSess>();
  if (wdsim::rt::uadk::mem_ops_init(call, s, setup->mm_ops, setup->mm_type, "wd_comp_alloc_sess",
                                    &sess->mm) < 0) {
    return 0;
  }
  sess->alg_type = setup->alg_type;
  sess->comp_lv = setup->comp_lv;
  sess->win_sz = setup->win_sz;
  sess->op_type = setup->op_type;
  sched_params own{-1, static_cast<__u8>(setup->op_type), 0, 0, 0, 0};
  void* param = setup->sched_param ? setup->sched_param : &own;
  call.rebind();
  handle_t key = s.sched().sched_init(s.sched().h_sched_ctx, param);
  // UADK fails only on WD_IS_ERR: a scheduler of the user's may key every session 0.
  if (WD_IS_ERR(key)) return call.fail(0, "wd_comp_alloc_sess: sched_init failed");
  sess->sched_key = reinterpret_cast<void*>(key);
  return wdsim::rt::uadk::add_session(call.lib(), std::move(sess));
}

void wd_comp_free_sess(handle_t h_sess) {
  Call call;
  if (call.bound() && wdsim::rt::uadk::comp_sess(call, h_sess)) {
    wdsim::rt::uadk::free_session(call.lib(), h_sess);
  }
}

int wd_comp_reset_sess(handle_t h_sess) {
  Call call;
  if (!call.bound() || !wdsim::rt::uadk::comp_sess(call, h_sess)) return -WD_EINVAL;
  return 0;  // stateless sessions have no stream state
}

int wd_do_comp_sync(handle_t h_sess, struct wd_comp_req* req) {
  return wdsim::rt::uadk::do_sync(h_sess, req);
}

int wd_do_comp_sync2(handle_t h_sess, struct wd_comp_req* req) {
  if (req && req->src_len > wdsim::kZipMaxRequestBytes) {
    Call call;
    return call.fail(-WD_EINVAL, "wd_do_comp_sync2: inputs over 8 MiB need stream mode");
  }
  return wdsim::rt::uadk::do_sync(h_sess, req);
}

int wd_do_comp_strm(handle_t /*h_sess*/, struct wd_comp_req* /*req*/) {
  Call call;
  return call.fail(-WD_EINVAL, "wd_do_comp_strm: stream mode is not supported");
}

int wd_do_comp_async(handle_t h_sess, struct wd_comp_req* req) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  AlgSetting& s = call.lib().comp;
  if (!s.inited()) return call.fail(-WD_EINVAL, "wd_comp: not initialised");
  CompSess* sess = wdsim::rt::uadk::comp_sess(call, h_sess);
  if (!sess) return call.fail(-WD_EINVAL, "wd_comp: not a comp session");
  int ret = wdsim::rt::uadk::check_req(call, *sess, req, /*async=*/true);
  if (ret < 0) return ret;
  uint32_t idx = 0;
  if ((ret = wdsim::rt::uadk::pick_ctx(call, *sess, CTX_MODE_ASYNC, &idx)) < 0) return ret;
  uint32_t tag = 0;
  if ((ret = s.take_slot(call, idx, req, &tag)) < 0) return ret;
  wdsim::ZipSqe sqe;
  wdsim::rt::ZipBlockLayout layout;
  ret = wdsim::rt::uadk::prepare(call, *sess, idx, req, tag, &sqe, &layout);
  if (ret == 0) {
    // Filled before sending: a poller may take the completion while the send still runs.
    wdsim::rt::uadk::AsyncSlot* slot = s.slot(idx, tag);
    slot->aux[wdsim::rt::uadk::kAuxHeader] = layout.header;
    slot->aux[wdsim::rt::uadk::kAuxAvailOut] = layout.avail_out;
    slot->aux[wdsim::rt::uadk::kAuxOp] = sess->op_type;
    ret = s.send(call, idx, &sqe);
  }
  if (ret < 0) s.put_slot(idx, tag);
  return ret;
}

int wd_comp_poll_ctx(__u32 idx, __u32 expt, __u32* count) {
  return wdsim::rt::uadk::comp_poll_ctx(idx, expt, count);
}

int wd_comp_poll(__u32 expt, __u32* count) {
  Call call;
  if (!call.bound() || !count) return -WD_EINVAL;
  *count = 0;
  AlgSetting& s = call.lib().comp;
  if (!s.inited() || !s.sched().poll_policy) {
    return call.fail(-WD_EINVAL, "wd_comp_poll: not initialised");
  }
  call.rebind();
  return s.sched().poll_policy(s.sched().h_sched_ctx, expt, count);
}

}  // extern "C"

namespace u = wdsim::rt::uadk;

namespace {
const char* const kCompEnvNames[2][2] = {{"sync-comp", "sync-decomp"},
                                         {"async-comp", "async-decomp"}};
const wdsim::rt::uadk::EnvAlg kCompEnv{
    "WD_COMP", "zlib", "sync-comp:1@0,sync-decomp:1@0,async-comp:1@0,async-decomp:1@0",
    kCompEnvNames};
}  // namespace

extern "C" {

int wd_comp_env_init(struct wd_sched* sched) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  return u::env_init(call, call.lib().comp, call.lib().comp_env, u::kCompTraits, kCompEnv, nullptr,
                     sched, u::comp_poll_ctx);
}

void wd_comp_env_uninit(void) {
  u::Call call;
  if (call.bound()) u::env_uninit(call, call.lib().comp, call.lib().comp_env);
}

int wd_comp_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  return u::env_ctx_num_init(call, call.lib().comp, call.lib().comp_env, u::kCompTraits, kCompEnv,
                             node, type, num, mode, u::comp_poll_ctx);
}

void wd_comp_ctx_num_uninit(void) { wd_comp_env_uninit(); }

int wd_comp_get_env_param(__u32 node, __u32 type, __u32 mode, __u32* num, __u8* is_enable) {
  u::Call call;
  return u::env_get_param(call, call.lib().comp_env, node, type, mode, num, is_enable);
}

}  // extern "C"
