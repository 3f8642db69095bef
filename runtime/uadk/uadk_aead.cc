// wd_aead.h: UADK's AEAD API (wd_aead.c) for AES-GCM on SEC queues: the type 2 BD with the
// GCM fields (cipher key, IV, AAD and data lengths, the MAC address and length); a tag mismatch
// on decryption completes with WD_IN_EPARA. Sessions, the sync/async/poll flows and env init are
// the SEC algorithms' shared ones (uadk_sec.h).
#include <cstring>
#include <string>

#include "runtime/include/uadk/wd_aead.h"
#include "runtime/uadk/uadk_sec.h"

namespace wdsim::rt::uadk {

namespace {

bool aead_key_valid(SecSess& sess, uint32_t len) {
  const int code = sec_c_key_code(kSecCAlgAes, len);
  if (code < 0) return false;
  sess.key_code = static_cast<uint8_t>(code);
  return true;
}

int aead_build(const Call& call, SecSess& sess, void* r, uint16_t tag, SecBd* bd) {
  auto* req = static_cast<wd_aead_req*>(r);
  auto bad = [&](const std::string& why) { return call.fail(-WD_EINVAL, "wd_aead: " + why); };
  if (sess.key_bytes == 0) return bad("no cipher key set");
  if (req->op_type != WD_CIPHER_ENCRYPTION_DIGEST && req->op_type != WD_CIPHER_DECRYPTION_DIGEST) {
    return bad("GCM takes op_type WD_CIPHER_ENCRYPTION_DIGEST or WD_CIPHER_DECRYPTION_DIGEST");
  }
  if (req->data_fmt != WD_FLAT_BUF) return bad("SGL not supported");
  if (req->msg_state != AEAD_MSG_BLOCK) return bad("stream mode (msg_state) not supported");
  if (!req->src || !req->dst || !req->mac || !req->iv) return bad("no src, dst, mac or iv");
  if (req->iv_bytes != GCM_IV_SIZE) return bad("iv_bytes must be 12 for GCM");
  if (req->mac_bytes < sess.auth_bytes) return bad("mac_bytes < authsize");
  const uint64_t total = uint64_t{req->in_bytes} + req->assoc_bytes;
  if (total == 0 || total > kSecMaxDataLen) return bad("bad in_bytes + assoc_bytes");
  if (req->out_bytes < total) return bad("out_bytes < in_bytes + assoc_bytes");
  VirtAddr iv = 0, src = 0, dst = 0, mac = 0;
  int ret = 0;
  if ((ret = sec_dev_addr(call, sess, req->iv, req->iv_bytes, "wd_aead iv", &iv)) < 0 ||
      (ret = sec_dev_addr(call, sess, req->src, total, "wd_aead src", &src)) < 0 ||
      (ret = sec_dev_addr(call, sess, req->dst, req->out_bytes, "wd_aead dst", &dst)) < 0 ||
      (ret = sec_dev_addr(call, sess, req->mac, req->mac_bytes, "wd_aead mac", &mac)) < 0) {
    return ret;
  }
  *bd = sec_bd_gcm(req->op_type == WD_CIPHER_ENCRYPTION_DIGEST, sess.key_code, sess.key_dev, iv,
                   src, dst, req->assoc_bytes, req->in_bytes, mac,
                   static_cast<uint8_t>(sess.auth_bytes), tag);
  call.charge_ns(call.proc().config().costs.sqe_build_ns);
  return 0;
}

void aead_finish(const SecBd& resp, void* r, uint32_t state) {
  auto* req = static_cast<wd_aead_req*>(r);
  // A tag mismatch on decryption is a failed request too (the BD's icv field).
  if (state == 0 && resp.icv() == kSecIcvError) state = WD_IN_EPARA;
  req->state = static_cast<uint16_t>(state);
}

bool aead_has_cb(const void* r) { return static_cast<const wd_aead_req*>(r)->cb != nullptr; }
void aead_call_cb(void* r) {
  auto* req = static_cast<wd_aead_req*>(r);
  if (req->cb) req->cb(req, req->cb_param);
}

const SecOps kAeadOps{"aead",      SessKind::kAead, aead_setting, aead_build,
                      aead_finish, aead_has_cb,     aead_call_cb};

}  // namespace

int aead_poll_ctx(uint32_t idx, uint32_t expt, uint32_t* count) {
  return sec_poll_ctx(kAeadOps, idx, expt, count);
}

}  // namespace wdsim::rt::uadk

namespace u = wdsim::rt::uadk;

extern "C" {

int wd_aead_init(struct wd_ctx_config* config, struct wd_sched* sched) {
  u::Call call;
  return call.lib().aead.init(call, u::kAeadTraits, config, sched);
}

void wd_aead_uninit(void) {
  u::Call call;
  if (call.bound()) call.lib().aead.uninit(call);
}

int wd_aead_init2_(char* alg, __u32 sched_type, int task_type, struct wd_ctx_params* ctx_params) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  const std::string name = alg ? alg : "";
  if (name != "gcm(aes)") {
    return call.fail(-WD_EINVAL, "wd_aead_init2: '" + name + "' not supported (gcm(aes) is)");
  }
  return call.lib().aead.init2(call, u::kAeadTraits, alg, sched_type, task_type, ctx_params,
                               u::aead_poll_ctx);
}

void wd_aead_uninit2(void) { wd_aead_uninit(); }

handle_t wd_aead_alloc_sess(struct wd_aead_sess_setup* setup) {
  u::Call call;
  if (!call.bound() || !setup) return 0;
  u::AlgSetting& s = call.lib().aead;
  if (!s.inited()) return call.fail(0, "wd_aead_alloc_sess: not initialised");
  if (setup->calg != WD_CIPHER_AES || setup->cmode != WD_CIPHER_GCM) {
    return call.fail(0, "wd_aead_alloc_sess: only AES-GCM is supported");
  }
  auto sess = std::make_unique<u::SecSess>(u::SessKind::kAead);
  sess->c_alg = wdsim::kSecCAlgAes;
  sess->c_mode = wdsim::kSecCModeGcm;
  return u::sec_alloc_sess(call, s, std::move(sess), setup->sched_param, setup->mm_ops,
                           setup->mm_type);
}

void wd_aead_free_sess(handle_t h_sess) { u::sec_free_sess(u::SessKind::kAead, h_sess); }

int wd_aead_set_ckey(handle_t h_sess, const __u8* key, __u16 key_len) {
  return u::sec_set_key(u::SessKind::kAead, h_sess, key, key_len, u::aead_key_valid);
}

int wd_aead_set_akey(handle_t /*h_sess*/, const __u8* /*key*/, __u16 /*key_len*/) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  return call.fail(-WD_EINVAL, "wd_aead_set_akey: GCM has no authentication key");
}

int wd_aead_set_authsize(handle_t h_sess, __u16 authsize) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  auto* sess = static_cast<u::SecSess*>(u::find_session(call.lib(), h_sess, u::SessKind::kAead));
  if (!sess) return call.fail(-WD_EINVAL, "wd_aead_set_authsize: bad session");
  if (authsize < u::kGcmMinAuthBytes || authsize > u::kGcmMaxAuthBytes) {
    return call.fail(-WD_EINVAL,
                     "wd_aead_set_authsize: GCM tag " + std::to_string(authsize) + " not 8..16");
  }
  sess->auth_bytes = authsize;
  return 0;
}

int wd_aead_get_authsize(handle_t h_sess) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  auto* sess = static_cast<u::SecSess*>(u::find_session(call.lib(), h_sess, u::SessKind::kAead));
  return sess ? sess->auth_bytes : -WD_EINVAL;
}

int wd_aead_get_maxauthsize(handle_t h_sess) {
  u::Call call;
  if (!call.bound()) return -WD_EINVAL;
  return u::find_session(call.lib(), h_sess, u::SessKind::kAead) ? u::kGcmMaxAuthBytes : -WD_EINVAL;
}

int wd_do_aead_sync(handle_t h_sess, struct wd_aead_req* req) {
  return u::sec_sync(u::kAeadOps, h_sess, req);
}

int wd_do_aead_async(handle_t h_sess, struct wd_aead_req* req) {
  return u::sec_async(u::kAeadOps, h_sess, req);
}

int wd_aead_poll_ctx(__u32 idx, __u32 expt, __u32* count) {
  return u::aead_poll_ctx(idx, expt, count);
}

int wd_aead_poll(__u32 expt, __u32* count) { return u::sec_poll(u::kAeadOps, expt, count); }

}  // extern "C"

namespace {
const u::EnvAlg kAeadEnv{"WD_AEAD", "gcm(aes)", "sync:2@0,async:2@0", u::kSecEnvNames};
const u::SecEnv kAeadSecEnv{u::aead_setting, &u::Library::aead_env, &u::kAeadTraits, &kAeadEnv,
                            u::aead_poll_ctx};
}  // namespace

extern "C" {

int wd_aead_env_init(struct wd_sched* sched) { return u::sec_env_init(kAeadSecEnv, sched); }
void wd_aead_env_uninit(void) { u::sec_env_uninit(kAeadSecEnv); }
int wd_aead_ctx_num_init(__u32 node, __u32 type, __u32 num, __u8 mode) {
  return u::sec_ctx_num_init(kAeadSecEnv, node, type, num, mode);
}
void wd_aead_ctx_num_uninit(void) { u::sec_env_uninit(kAeadSecEnv); }
int wd_aead_get_env_param(__u32 node, __u32 type, __u32 mode, __u32* num, __u8* is_enable) {
  return u::sec_get_env_param(kAeadSecEnv, node, type, mode, num, is_enable);
}

}  // extern "C"
