// The SEC algorithms' shared half of the UADK runtime (uadk_sec.cc: cipher and digest, and
// the sessions, sync/async/poll flows and env init they share with uadk_aead.cc). Not an API.
#pragma once

#include <cstdint>
#include <memory>

#include "formats/sec/sec_bd.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

extern const AlgTraits kCipherTraits;
extern const AlgTraits kDigestTraits;
extern const AlgTraits kAeadTraits;

// GCM tag lengths wd_aead_set_authsize accepts (UADK wd_aead.c: 8..16) and the default.
constexpr uint16_t kGcmMinAuthBytes = 8;
constexpr uint16_t kGcmMaxAuthBytes = 16;

struct SecSess : SessBase {
  explicit SecSess(SessKind k) : SessBase(k) {}
  ~SecSess() override = default;
  VirtAddr key_va = 0;   // key_buf_bytes in the simulated process
  VirtAddr key_dev = 0;  // the device's address of it (key_va with SVA, its DMA address without)
  uint64_t key_map_len = 0;  // its own mapping's length (0: a block of the session's memory)
  uint32_t key_buf_bytes = 0;
  uint32_t key_bytes = 0;
  uint16_t next_sync_tag = 1;
  // Cipher.
  uint8_t c_alg = 0;
  uint8_t c_mode = 0;
  uint8_t key_code = 0;
  // Digest.
  uint8_t a_alg = 0;
  uint32_t mac_full_bytes = 0;
  bool hmac = false;
  // AEAD.
  uint16_t auth_bytes = kGcmMaxAuthBytes;
};

// What differs between cipher and digest in the shared flows below.
struct SecOps {
  const char* name;  // "cipher" / "digest"
  SessKind kind;
  AlgSetting& (*setting)(Library& lib);
  // Checks the request and builds its BD.
  int (*build)(const Call& call, SecSess& sess, void* req, uint16_t tag, SecBd* bd);
  // Writes the result fields into the request.
  void (*finish)(const SecBd& resp, void* req, uint32_t state);
  bool (*has_cb)(const void* req);
  void (*call_cb)(void* req);
};

AlgSetting& cipher_setting(Library& lib);
AlgSetting& digest_setting(Library& lib);
AlgSetting& aead_setting(Library& lib);

// A session with its memory (mem_ops_init from the setup's mm_ops and mm_type), its key buffer
// (a page of the simulated process with SVA; without, a block of the session's memory, as
// UADK's sess->key) and its scheduler key.
handle_t sec_alloc_sess(const Call& call, AlgSetting& s, std::unique_ptr<SecSess> sess,
                        void* sched_param, const wd_mm_ops& mm_ops, int mm_type);
void sec_free_sess(SessKind kind, handle_t h);
// Copies a key into the session's key page when valid(sess, len) accepts its length.
int sec_set_key(SessKind kind, handle_t h, const uint8_t* key, uint32_t len,
                bool (*valid)(SecSess&, uint32_t));
// The device's address of a request buffer of the session (see device_addr).
inline int sec_dev_addr(const Call& call, const SecSess& sess, const void* buf, uint64_t len,
                        const char* what, VirtAddr* out) {
  return device_addr(call, sess.mm, va_of(buf), len, what, out);
}
// One request: sync (the ctx lock, send, wait, parse) or async (a pool slot, send).
int sec_sync(const SecOps& ops, handle_t h, void* req);
int sec_async(const SecOps& ops, handle_t h, void* req);
// Completions of ctx idx (at most expt), or of every async ctx.
int sec_poll_ctx(const SecOps& ops, uint32_t idx, uint32_t expt, uint32_t* count);
int sec_poll(const SecOps& ops, uint32_t expt, uint32_t* count);
int cipher_poll_ctx(uint32_t idx, uint32_t expt, uint32_t* count);
int digest_poll_ctx(uint32_t idx, uint32_t expt, uint32_t* count);
int aead_poll_ctx(uint32_t idx, uint32_t expt, uint32_t* count);

// Env init (wd_<alg>_env_init and friends) of one SEC algorithm.
inline const char* const kSecEnvNames[2][2] = {{"sync", nullptr}, {"async", nullptr}};
struct SecEnv {
  AlgSetting& (*setting)(Library& lib);
  EnvTable Library::*table;
  const AlgTraits* traits;
  const EnvAlg* env;
  int (*poll_ctx)(uint32_t, uint32_t, uint32_t*);
};
inline int sec_env_init(const SecEnv& e, wd_sched* sched) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  return env_init(call, e.setting(call.lib()), call.lib().*e.table, *e.traits, *e.env, nullptr,
                  sched, e.poll_ctx);
}
inline void sec_env_uninit(const SecEnv& e) {
  Call call;
  if (call.bound()) env_uninit(call, e.setting(call.lib()), call.lib().*e.table);
}
inline int sec_ctx_num_init(const SecEnv& e, uint32_t node, uint32_t type, uint32_t num,
                            uint8_t mode) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  return env_ctx_num_init(call, e.setting(call.lib()), call.lib().*e.table, *e.traits, *e.env, node,
                          type, num, mode, e.poll_ctx);
}
inline int sec_get_env_param(const SecEnv& e, uint32_t node, uint32_t type, uint32_t mode,
                             uint32_t* num, uint8_t* is_enable) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  return env_get_param(call, call.lib().*e.table, node, type, mode, num, is_enable);
}

}  // namespace wdsim::rt::uadk
