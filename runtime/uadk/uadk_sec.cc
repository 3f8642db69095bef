// wd_cipher.h and wd_digest.h: UADK's cipher and digest APIs (wd_cipher.c, wd_digest.c) on
// SEC queues with the type 2 BD filled as drv/hisi_sec.c fills it (fill_cipher_bd2,
// fill_digest_bd2: flat buffers, IPSec scene, 16-bit tag). A completion is good when
// (done_flag & 1) && error_type == 0 (parse_cipher_bd2 / parse_digest_bd2); otherwise the
// request's state is WD_IN_EPARA. Session keys live in a page of the simulated process
// (UADK's sess->key, which the BD points at); on a device without SVA in a block of the
// session's memory pool, and every buffer goes to the device as its DMA address (the
// hisi_sec fill_*_addr no-SVA paths: iova_map of each buffer, -WD_ENOMEM when one is not the
// pool's).
#include "runtime/uadk/uadk_sec.h"

#include <cstring>
#include <string>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "runtime/include/uadk/wd_cipher.h"
#include "runtime/include/uadk/wd_digest.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

uint16_t sec_qc_type(uint8_t op_type) { return op_type; }

constexpr uint32_t kSecKeyBufBytes = 256;  // > MAX_CIPHER_KEY_SIZE and MAX_HMAC_KEY_SIZE

}  // namespace

const AlgTraits kCipherTraits{"cipher", "WD_CIPHER_EPOLL_EN", sizeof(SecBd), 1, sec_qc_type};
const AlgTraits kDigestTraits{"digest", "WD_DIGEST_EPOLL_EN", sizeof(SecBd), 1, sec_qc_type};
const AlgTraits kAeadTraits{"aead", "WD_AEAD_EPOLL_EN", sizeof(SecBd), 1, sec_qc_type};

AlgSetting& cipher_setting(Library& lib) { return lib.cipher; }
AlgSetting& digest_setting(Library& lib) { return lib.digest; }
AlgSetting& aead_setting(Library& lib) { return lib.aead; }

namespace {

int sec_alloc_key_buf(const Call& call, SecSess* sess) {
  if (sess->mm.sva_mode) {
    int err = 0;
    sess->key_buf_bytes = kSecKeyBufBytes;
    sess->key_map_len = call.proc().config().page_size;
    sess->key_va = call.os().mmap(-1, sess->key_map_len, kProtRead | kProtWrite, 0, &err);
    sess->key_dev = sess->key_va;
    return sess->key_va == 0 ? (err < 0 ? err : -WD_ENOMEM) : 0;
  }
  // UADK: sess->key = mm_ops.alloc(usr, MAX_CIPHER_KEY_SIZE) (digest: MAX_HMAC_KEY_SIZE).
  sess->key_buf_bytes = sess->kind == SessKind::kDigest ? MAX_HMAC_KEY_SIZE : MAX_CIPHER_KEY_SIZE;
  call.rebind();
  void* key = sess->mm.alloc(sess->mm.usr, sess->key_buf_bytes);
  if (!key) return -WD_ENOMEM;
  sess->key_va = va_of(key);
  return device_addr(call, sess->mm, sess->key_va, sess->key_buf_bytes, "session key",
                     &sess->key_dev);
}

void sec_free_key_buf(const Call& call, SecSess* sess) {
  if (!sess->key_va) return;
  if (sess->key_map_len) {
    call.os().munmap(sess->key_va, sess->key_map_len);
  } else {
    call.rebind();
    sess->mm.free(sess->mm.usr, reinterpret_cast<void*>(sess->key_va));
  }
  sess->key_va = 0;
}

}  // namespace

handle_t sec_alloc_sess(const Call& call, AlgSetting& s, std::unique_ptr<SecSess> sess,
                        void* sched_param, const wd_mm_ops& mm_ops, int mm_type) {
  const std::string who = std::string("wd_") + s.traits().name + "_alloc_sess";
  if (mem_ops_init(call, s, mm_ops, mm_type, who.c_str(), &sess->mm) < 0) return 0;
  if (sec_alloc_key_buf(call, sess.get()) < 0) {
    sec_free_key_buf(call, sess.get());
    return call.fail(0, who + ": cannot allocate the key buffer");
  }
  sched_params own{-1, 0, 0, 0, 0, 0};
  call.rebind();
  handle_t key = s.sched().sched_init(s.sched().h_sched_ctx, sched_param ? sched_param : &own);
  if (WD_IS_ERR(key)) {  // as UADK: a user scheduler may key every session 0
    sec_free_key_buf(call, sess.get());
    return call.fail(0, "sched_init failed");
  }
  sess->sched_key = reinterpret_cast<void*>(key);
  return add_session(call.lib(), std::move(sess));
}

void sec_free_sess(SessKind kind, handle_t h) {
  Call call;
  if (!call.bound()) return;
  auto* sess = static_cast<SecSess*>(find_session(call.lib(), h, kind));
  if (!sess) return;
  sec_free_key_buf(call, sess);
  free_session(call.lib(), h);
}

int sec_set_key(SessKind kind, handle_t h, const uint8_t* key, uint32_t len,
                bool (*valid)(SecSess&, uint32_t)) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  auto* sess = static_cast<SecSess*>(find_session(call.lib(), h, kind));
  if (!sess || !key || len == 0 || len > sess->key_buf_bytes || !valid(*sess, len)) {
    return call.fail(-WD_EINVAL, "set_key: bad session or key length " + std::to_string(len));
  }
  std::vector<uint8_t> bytes(len);
  call.os().load(va_of(key), bytes.data(), len);  // memcpy into the session's key
  call.os().store(sess->key_va, bytes.data(), len);
  sess->key_bytes = len;
  return 0;
}

namespace {

int pick(const Call& call, const SecOps& ops, SecSess& sess, uint8_t mode, uint32_t* idx) {
  AlgSetting& s = ops.setting(call.lib());
  call.rebind();
  *idx = s.sched().pick_next_ctx(s.sched().h_sched_ctx, sess.sched_key, mode);
  return s.check_ctx(call, *idx, mode);
}

uint32_t parse_state(const Call& call, const SecOps& ops, const SecBd& resp) {
  call.charge_ns(call.proc().config().costs.sqe_parse_ns);
  if (resp.done() && resp.error_type == kSecErrNone) return 0;
  call.fail(-WD_IN_EPARA, std::string("wd_") + ops.name + ": bad BD, done " +
                              std::to_string(resp.done()) + " error " +
                              sec_error_name(resp.error_type));
  return WD_IN_EPARA;
}

}  // namespace

int sec_sync(const SecOps& ops, handle_t h, void* req) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  AlgSetting& s = ops.setting(call.lib());
  if (!s.inited()) return call.fail(-WD_EINVAL, std::string("wd_") + ops.name + ": not inited");
  auto* sess = static_cast<SecSess*>(find_session(call.lib(), h, ops.kind));
  if (!sess || !req) return call.fail(-WD_EINVAL, std::string("wd_") + ops.name + ": bad args");
  uint32_t idx = 0;
  int ret = pick(call, ops, *sess, CTX_MODE_SYNC, &idx);
  if (ret < 0) return ret;
  const uint16_t tag = sess->next_sync_tag++;
  SecBd bd;
  if ((ret = ops.build(call, *sess, req, tag, &bd)) < 0) return ret;
  SecBd resp;
  if ((ret = s.sync_request(call, idx, &bd, &resp)) < 0) return ret;
  if (resp.tag != tag) {
    return call.fail(-WD_EIO, std::string("wd_") + ops.name + ": completion tag " +
                                  std::to_string(resp.tag) + " is not " + std::to_string(tag));
  }
  ops.finish(resp, req, parse_state(call, ops, resp));
  return 0;
}

int sec_async(const SecOps& ops, handle_t h, void* req) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  AlgSetting& s = ops.setting(call.lib());
  if (!s.inited()) return call.fail(-WD_EINVAL, std::string("wd_") + ops.name + ": not inited");
  auto* sess = static_cast<SecSess*>(find_session(call.lib(), h, ops.kind));
  if (!sess || !req || !ops.has_cb(req)) {
    return call.fail(-WD_EINVAL, std::string("wd_") + ops.name + ": bad args or no cb");
  }
  uint32_t idx = 0;
  int ret = pick(call, ops, *sess, CTX_MODE_ASYNC, &idx);
  if (ret < 0) return ret;
  uint32_t tag = 0;
  if ((ret = s.take_slot(call, idx, req, &tag)) < 0) return ret;
  SecBd bd;
  ret = ops.build(call, *sess, req, static_cast<uint16_t>(tag), &bd);
  if (ret == 0) ret = s.send(call, idx, &bd);
  if (ret < 0) s.put_slot(idx, tag);
  return ret;
}

int sec_poll_ctx(const SecOps& ops, uint32_t idx, uint32_t expt, uint32_t* count) {
  Call call;
  if (!call.bound() || !count) return -WD_EINVAL;
  *count = 0;
  AlgSetting& s = ops.setting(call.lib());
  if (!s.inited()) return call.fail(-WD_EINVAL, std::string("wd_") + ops.name + ": not inited");
  int ret = s.check_ctx(call, idx, CTX_MODE_ASYNC);
  if (ret < 0) return ret;
  while (expt == 0 || *count < expt) {
    SecBd resp;
    ret = s.recv_one(call, idx, &resp);
    if (ret == -WD_EAGAIN) return *count > 0 ? 0 : -WD_EAGAIN;
    if (ret < 0) return ret;
    AsyncSlot* slot = s.slot(idx, resp.tag);
    if (!slot) {
      return call.fail(-WD_EINVAL, std::string("wd_") + ops.name + ": completion tag " +
                                       std::to_string(resp.tag) + " names no request");
    }
    void* req = slot->req;
    ops.finish(resp, req, parse_state(call, ops, resp));
    s.put_slot(idx, resp.tag);
    ++*count;
    call.rebind();
    ops.call_cb(req);
  }
  return 0;
}

int sec_poll(const SecOps& ops, uint32_t expt, uint32_t* count) {
  Call call;
  if (!call.bound() || !count) return -WD_EINVAL;
  *count = 0;
  AlgSetting& s = ops.setting(call.lib());
  if (!s.inited() || !s.sched().poll_policy) return -WD_EINVAL;
  call.rebind();
  return s.sched().poll_policy(s.sched().h_sched_ctx, expt, count);
}

namespace {

// ---------------- cipher ----------------

bool cipher_key_valid(SecSess& sess, uint32_t len) {
  const uint32_t one = sess.c_mode == kSecCModeXts ? len / 2 : len;
  if (sess.c_mode == kSecCModeXts && len % 2 != 0) return false;
  const int code = sec_c_key_code(sess.c_alg, one);
  if (code < 0) return false;
  sess.key_code = static_cast<uint8_t>(code);
  return true;
}

int cipher_build(const Call& call, SecSess& sess, void* r, uint16_t tag, SecBd* bd) {
  auto* req = static_cast<wd_cipher_req*>(r);
  auto bad = [&](const std::string& why) { return call.fail(-WD_EINVAL, "wd_cipher: " + why); };
  if (sess.key_bytes == 0) return bad("no key set");
  if (req->op_type > WD_CIPHER_DECRYPTION) return bad("bad op_type");
  if (req->data_fmt != WD_FLAT_BUF) return bad("SGL not supported");
  if (!req->src || !req->dst) return bad("no src or dst");
  if (req->in_bytes == 0 || req->in_bytes > kSecMaxDataLen) return bad("bad in_bytes");
  if (req->out_buf_bytes < req->in_bytes) return bad("out_buf_bytes < in_bytes");
  if ((sess.c_mode == kSecCModeEcb || sess.c_mode == kSecCModeCbc) &&
      req->in_bytes % AES_BLOCK_SIZE != 0) {
    return bad("in_bytes not a multiple of the block size");
  }
  if (sess.c_mode == kSecCModeXts && req->in_bytes < AES_BLOCK_SIZE) return bad("XTS < 16 B");
  if (sess.c_mode != kSecCModeEcb && (!req->iv || req->iv_bytes != AES_BLOCK_SIZE)) {
    return bad("iv must be 16 bytes");
  }
  VirtAddr iv = 0, src = 0, dst = 0;
  int ret = 0;
  if ((sess.c_mode != kSecCModeEcb &&
       (ret = sec_dev_addr(call, sess, req->iv, req->iv_bytes, "wd_cipher iv", &iv)) < 0) ||
      (ret = sec_dev_addr(call, sess, req->src, req->in_bytes, "wd_cipher src", &src)) < 0 ||
      (ret = sec_dev_addr(call, sess, req->dst, req->out_buf_bytes, "wd_cipher dst", &dst)) < 0) {
    return ret;
  }
  *bd = sec_bd_cipher(sess.c_alg, sess.c_mode, req->op_type == WD_CIPHER_ENCRYPTION, sess.key_code,
                      sess.key_dev, iv, src, dst, req->in_bytes, tag);
  call.charge_ns(call.proc().config().costs.sqe_build_ns);
  return 0;
}

void cipher_finish(const SecBd& /*resp*/, void* r, uint32_t state) {
  auto* req = static_cast<wd_cipher_req*>(r);
  req->state = static_cast<uint16_t>(state);
  req->out_bytes = state == 0 ? req->in_bytes : 0;
}

bool cipher_has_cb(const void* r) { return static_cast<const wd_cipher_req*>(r)->cb != nullptr; }
void cipher_call_cb(void* r) {
  auto* req = static_cast<wd_cipher_req*>(r);
  if (req->cb) req->cb(req, req->cb_param);
}

const SecOps kCipherOps{"cipher",      SessKind::kCipher, cipher_setting, cipher_build,
                        cipher_finish, cipher_has_cb,     cipher_call_cb};

// ---------------- digest ----------------

struct DigestAlg {
  wd_digest_type type;
  uint8_t a_alg;
  uint8_t hmac_a_alg;
  uint32_t mac_bytes;
};
constexpr DigestAlg kDigestAlgs[] = {
    {WD_DIGEST_SM3, kSecAAlgSm3, kSecAAlgHmacSm3, WD_DIGEST_SM3_LEN},
    {WD_DIGEST_MD5, kSecAAlgMd5, kSecAAlgHmacMd5, WD_DIGEST_MD5_LEN},
    {WD_DIGEST_SHA1, kSecAAlgSha1, kSecAAlgHmacSha1, WD_DIGEST_SHA1_LEN},
    {WD_DIGEST_SHA256, kSecAAlgSha256, kSecAAlgHmacSha256, WD_DIGEST_SHA256_LEN},
    {WD_DIGEST_SHA224, kSecAAlgSha224, kSecAAlgHmacSha224, WD_DIGEST_SHA224_LEN},
    {WD_DIGEST_SHA384, kSecAAlgSha384, kSecAAlgHmacSha384, WD_DIGEST_SHA384_LEN},
    {WD_DIGEST_SHA512, kSecAAlgSha512, kSecAAlgHmacSha512, WD_DIGEST_SHA512_LEN},
    {WD_DIGEST_SHA512_224, kSecAAlgSha512_224, kSecAAlgHmacSha512_224, WD_DIGEST_SHA512_224_LEN},
    {WD_DIGEST_SHA512_256, kSecAAlgSha512_256, kSecAAlgHmacSha512_256, WD_DIGEST_SHA512_256_LEN},
};

bool digest_key_valid(SecSess& sess, uint32_t len) {
  return sess.hmac && len <= MAX_HMAC_KEY_SIZE && len % 4 == 0;
}

int digest_build(const Call& call, SecSess& sess, void* r, uint16_t tag, SecBd* bd) {
  auto* req = static_cast<wd_digest_req*>(r);
  auto bad = [&](const std::string& why) { return call.fail(-WD_EINVAL, "wd_digest: " + why); };
  if (sess.hmac && sess.key_bytes == 0) return bad("HMAC without a key");
  if (req->data_fmt != WD_FLAT_BUF) return bad("SGL not supported");
  if (req->has_next) return bad("long hashes (has_next) not supported");
  if (!req->in || !req->out) return bad("no in or out");
  if (req->in_bytes == 0 || req->in_bytes > kSecMaxDataLen) return bad("bad in_bytes");
  if (req->out_bytes == 0 || req->out_bytes > sess.mac_full_bytes || req->out_bytes % 4 != 0) {
    return bad("bad out_bytes " + std::to_string(req->out_bytes));
  }
  if (req->out_buf_bytes < req->out_bytes) return bad("out_buf_bytes < out_bytes");
  VirtAddr in = 0, out = 0;
  int ret = 0;
  if ((ret = sec_dev_addr(call, sess, req->in, req->in_bytes, "wd_digest in", &in)) < 0 ||
      (ret = sec_dev_addr(call, sess, req->out, req->out_buf_bytes, "wd_digest out", &out)) < 0) {
    return ret;
  }
  *bd = sec_bd_digest(sess.a_alg, req->out_bytes, sess.hmac ? sess.key_dev : 0,
                      sess.hmac ? sess.key_bytes : 0, in, req->in_bytes, out, tag);
  call.charge_ns(call.proc().config().costs.sqe_build_ns);
  return 0;
}

void digest_finish(const SecBd& /*resp*/, void* r, uint32_t state) {
  static_cast<wd_digest_req*>(r)->state = static_cast<uint16_t>(state);
}

bool digest_has_cb(const void* r) { return static_cast<const wd_digest_req*>(r)->cb != nullptr; }
void digest_call_cb(void* r) {
  auto* req = static_cast<wd_digest_req*>(r);
  if (req->cb) req->cb(req->cb_param);
}

const SecOps kDigestOps{"digest",      SessKind::kDigest, digest_setting, digest_build,
                        digest_finish, digest_has_cb,     digest_call_cb};

}  // namespace

int cipher_poll_ctx(uint32_t idx, uint32_t expt, uint32_t* count) {
  return sec_poll_ctx(kCipherOps, idx, expt, count);
}
int digest_poll_ctx(uint32_t idx, uint32_t expt, uint32_t* count) {
  return sec_poll_ctx(kDigestOps, idx, expt, count);
}
}  // namespace wdsim::rt::uadk

namespace u = wdsim::rt::uadk;

extern "C" {

// ---------------- cipher ----------------

int wd_cipher_init(struct wd_ctx_config* config, struct wd_sched* sched) {
  u::Call call;
  return call.lib().cipher.init(call, u::kCipherTraits, config, sched);
}

void wd_cipher_uninit(void) {
  u::Call call;
  if (call.bound()) call.lib().cipher.uninit(call);
}

int wd_cipher_init2_(char* alg, __u32 sched_type, int task_type, struct wd_ctx_params* ctx_params) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  static const char* kAlgs[] = {"ecb(aes)", "cbc(aes)", "ctr(aes)", "xts(aes)",
                                "ecb(sm4)", "cbc(sm4)", "ctr(sm4)", "xts(sm4)"};
  const std::string name = alg ? alg : "";
  bool known = false;
  for (const char* a : kAlgs) known |= name == a;
  if (!known) return call.fail(-WD_EINVAL, "wd_cipher_init2: '" + name + "' not supported");
  return call.lib().cipher.init2(call, u::kCipherTraits, alg, sched_type, task_type, ctx_params,
                                 u::cipher_poll_ctx);
}

void wd_cipher_uninit2(void) { wd_cipher_uninit(); }

handle_t wd_cipher_alloc_sess(struct wd_cipher_sess_setup* setup) {
  u::Call call;
  if (!call.bound() || !setup) return 0;
  wdsim::rt::uadk::AlgSetting& s = call.lib().cipher;
  if (!s.inited()) return call.fail(0, "wd_cipher_alloc_sess: not initialised");
  auto sess = std::make_unique<u::SecSess>(u::SessKind::kCipher);
  if (setup->alg == WD_CIPHER_AES) {
    sess->c_alg = wdsim::kSecCAlgAes;
  } else if (setup->alg == WD_CIPHER_SM4) {
    sess->c_alg = wdsim::kSecCAlgSm4;
  } else {
    return call.fail(0, "wd_cipher_alloc_sess: algorithm not supported");
  }
  switch (setup->mode) {
    case WD_CIPHER_ECB:
      sess->c_mode = wdsim::kSecCModeEcb;
      break;
    case WD_CIPHER_CBC:
      sess->c_mode = wdsim::kSecCModeCbc;
      break;
    case WD_CIPHER_CTR:
      sess->c_mode = wdsim::kSecCModeCtr;
      break;
    case WD_CIPHER_XTS:
      sess->c_mode = wdsim::kSecCModeXts;
      break;
    default:
      return call.fail(0, "wd_cipher_alloc_sess: mode not supported");
  }
  return u::sec_alloc_sess(call, s, std::move(sess), setup->sched_param, setup->mm_ops,
                           setup->mm_type);
}

void wd_cipher_free_sess(handle_t h_sess) { u::sec_free_sess(u::SessKind::kCipher, h_sess); }

int wd_cipher_set_key(handle_t h_sess, const __u8* key, __u32 key_len) {
  return u::sec_set_key(u::SessKind::kCipher, h_sess, key, key_len, u::cipher_key_valid);
}

int wd_do_cipher_sync(handle_t h_sess, struct wd_cipher_req* req) {
  return u::sec_sync(u::kCipherOps, h_sess, req);
}

int wd_do_cipher_async(handle_t h_sess, struct wd_cipher_req* req) {
  return u::sec_async(u::kCipherOps, h_sess, req);
}

int wd_cipher_poll_ctx(__u32 idx, __u32 expt, __u32* count) {
  return u::cipher_poll_ctx(idx, expt, count);
}

int wd_cipher_poll(__u32 expt, __u32* count) { return u::sec_poll(u::kCipherOps, expt, count); }

// ---------------- digest ----------------

int wd_digest_init(struct wd_ctx_config* config, struct wd_sched* sched) {
  u::Call call;
  return call.lib().digest.init(call, u::kDigestTraits, config, sched);
}

void wd_digest_uninit(void) {
  u::Call call;
  if (call.bound()) call.lib().digest.uninit(call);
}

int wd_digest_init2_(char* alg, __u32 sched_type, int task_type, struct wd_ctx_params* ctx_params) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  static const char* kAlgs[] = {"sm3",          "md5",          "sha1",         "sha224",
                                "sha256",       "sha384",       "sha512",       "hmac(sm3)",
                                "hmac(md5)",    "hmac(sha1)",   "hmac(sha224)", "hmac(sha256)",
                                "hmac(sha384)", "hmac(sha512)", "sha512-224",   "sha512-256"};
  const std::string name = alg ? alg : "";
  bool known = false;
  for (const char* a : kAlgs) known |= name == a;
  if (!known) return call.fail(-WD_EINVAL, "wd_digest_init2: '" + name + "' not supported");
  return call.lib().digest.init2(call, u::kDigestTraits, alg, sched_type, task_type, ctx_params,
                                 u::digest_poll_ctx);
}

void wd_digest_uninit2(void) { wd_digest_uninit(); }

handle_t wd_digest_alloc_sess(struct wd_digest_sess_setup* setup) {
  u::Call call;
  if (!call.bound() || !setup) return 0;
  wdsim::rt::uadk::AlgSetting& s = call.lib().digest;
  if (!s.inited()) return call.fail(0, "wd_digest_alloc_sess: not initialised");
  if (setup->mode >= WD_DIGEST_MODE_MAX) return call.fail(0, "wd_digest_alloc_sess: bad mode");
  const u::DigestAlg* alg = nullptr;
  for (const u::DigestAlg& a : u::kDigestAlgs) {
    if (a.type == setup->alg) alg = &a;
  }
  if (!alg) return call.fail(0, "wd_digest_alloc_sess: algorithm not supported");
  auto sess = std::make_unique<u::SecSess>(u::SessKind::kDigest);
  sess->hmac = setup->mode == WD_DIGEST_HMAC;
  sess->a_alg = sess->hmac ? alg->hmac_a_alg : alg->a_alg;
  sess->mac_full_bytes = alg->mac_bytes;
  return u::sec_alloc_sess(call, s, std::move(sess), setup->sched_param, setup->mm_ops,
                           setup->mm_type);
}

void wd_digest_free_sess(handle_t h_sess) { u::sec_free_sess(u::SessKind::kDigest, h_sess); }

int wd_digest_set_key(handle_t h_sess, const __u8* key, __u32 key_len) {
  return u::sec_set_key(u::SessKind::kDigest, h_sess, key, key_len, u::digest_key_valid);
}

int wd_do_digest_sync(handle_t h_sess, struct wd_digest_req* req) {
  return u::sec_sync(u::kDigestOps, h_sess, req);
}

int wd_do_digest_async(handle_t h_sess, struct wd_digest_req* req) {
  return u::sec_async(u::kDigestOps, h_sess, req);
}

int wd_digest_poll_ctx(__u32 idx, __u32 expt, __u32* count) {
  return u::digest_poll_ctx(idx, expt, count);
}

int wd_digest_poll(__u32 expt, __u32* count) { return u::sec_poll(u::kDigestOps, expt, count); }

}  // extern "C"

// ---------------- env init (cipher, digest) ----------------

namespace {
const u::EnvAlg kCipherEnv{"WD_CIPHER", "cbc(aes)", "sync:2@0,async:2@0", u::kSecEnvNames};
const u::EnvAlg kDigestEnv{"WD_DIGEST", "sha256", "sync:2@0,async:2@0", u::kSecEnvNames};
const u::SecEnv kCipherSecEnv{u::cipher_setting, &u::Library::cipher_env, &u::kCipherTraits,
                              &kCipherEnv, u::cipher_poll_ctx};
const u::SecEnv kDigestSecEnv{u::digest_setting, &u::Library::digest_env, &u::kDigestTraits,
                              &kDigestEnv, u::digest_poll_ctx};
}  // namespace

extern "C" {

int wd_cipher_env_init(struct wd_sched* sched) { return u::sec_env_init(kCipherSecEnv, sched); }
void wd_cipher_env_uninit(void) { u::sec_env_uninit(kCipherSecEnv); }
int wd_cipher_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode) {
  return u::sec_ctx_num_init(kCipherSecEnv, node, type, num, mode);
}
void wd_cipher_ctx_num_uninit(void) { u::sec_env_uninit(kCipherSecEnv); }
int wd_cipher_get_env_param(__u32 node, __u32 type, __u32 mode, __u32* num, __u8* is_enable) {
  return u::sec_get_env_param(kCipherSecEnv, node, type, mode, num, is_enable);
}

int wd_digest_env_init(struct wd_sched* sched) { return u::sec_env_init(kDigestSecEnv, sched); }
void wd_digest_env_uninit(void) { u::sec_env_uninit(kDigestSecEnv); }
int wd_digest_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode) {
  return u::sec_ctx_num_init(kDigestSecEnv, node, type, num, mode);
}
void wd_digest_ctx_num_uninit(void) { u::sec_env_uninit(kDigestSecEnv); }
int wd_digest_get_env_param(__u32 node, __u32 type, __u32 mode, __u32* num, __u8* is_enable) {
  return u::sec_get_env_param(kDigestSecEnv, node, type, mode, num, is_enable);
}

}  // extern "C"
