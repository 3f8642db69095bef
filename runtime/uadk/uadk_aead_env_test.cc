// Tests of the UADK 2.10 additions: the AEAD API (AES-GCM) on a SEC device whose data path
// is the engine's own GCM (//sim/accel/sec:sec_crypto), checked against OpenSSL's EVP
// AES-GCM computed here; the env-init calls (WD_<ALG>_CTX_NUM, ctx_num_init,
// get_env_param, ASYNC_POLL_EN); and the wd_bmm block pool, also as the buffers of a GCM
// request. FakeOs + FakeQmDevice as uadk_sec_test.cc.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <string>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "runtime/include/uadk/wd_aead.h"
#include "runtime/include/uadk/wd_bmm.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/testing/fake_os.h"
#include "runtime/testing/fake_qm_device.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/accel/sec/sec_crypto.h"

namespace wdsim::rt {
namespace {

using testing::FakeOs;
using testing::FakeQmDevice;
using testing::FakeUacceDevice;
using Bytes = std::vector<uint8_t>;

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

// OpenSSL's AES-GCM encryption: the reference.
void openssl_gcm(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& pt,
                 size_t tag_len, Bytes* ct, Bytes* tag) {
  const EVP_CIPHER* c = key.size() == 16   ? EVP_aes_128_gcm()
                        : key.size() == 24 ? EVP_aes_192_gcm()
                                           : EVP_aes_256_gcm();
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_EncryptInit_ex(ctx, c, nullptr, key.data(), iv.data()), 1);
  int n = 0;
  if (!aad.empty()) EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size()));
  ct->assign(pt.size(), 0);
  if (!pt.empty()) EVP_EncryptUpdate(ctx, ct->data(), &n, pt.data(), static_cast<int>(pt.size()));
  EVP_EncryptFinal_ex(ctx, ct->data() + n, &n);
  tag->assign(tag_len, 0);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_len), tag->data());
  EVP_CIPHER_CTX_free(ctx);
}

class UadkAeadEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeUacceDevice sec;
    sec.name = "hisi_sec2-0";
    sec.algorithms = "gcm(aes)\ncbc(aes)\nsha256\n";
    sec.available_instances = 8;
    os_.add_uacce_device(sec);
    FakeUacceDevice zip;
    zip.name = "hisi_zip-0";
    zip.algorithms = "zlib\ngzip\ndeflate\n";
    zip.available_instances = 8;
    os_.add_uacce_device(zip);
    qm_.set_sqe_handler([this](int, uint16_t, uint8_t* bytes, uint32_t size) {
      ASSERT_EQ(size, sizeof(SecBd));
      SecBd bd;
      std::memcpy(&bd, bytes, sizeof(bd));
      engine(bd);
      std::memcpy(bytes, &bd, sizeof(bd));
    });
    wd_runtime_bind(&os_, &process_);
  }
  void TearDown() override { wd_runtime_bind(nullptr, nullptr); }

  Bytes read(uint64_t va, size_t len) {
    Bytes v(len);
    if (len) os_.dev_read(va, v.data(), len);
    return v;
  }

  // The SEC engine's GCM data path on one type 2 BD, from the BD's own fields.
  void engine(SecBd& bd) {
    ++bds_;
    last_bd_ = bd;
    ASSERT_EQ(bd.c_mode(), kSecCModeGcm);
    const Bytes key = read(bd.c_key_addr, sec_c_key_bytes(bd.cipher_alg(), bd.c_key_len()));
    const Bytes iv = read(bd.c_ivin_addr, kSecGcmIvBytes);
    const Bytes aad = read(bd.data_src_addr + bd.auth_src_offset, bd.a_len());
    const Bytes in = read(bd.data_src_addr + bd.cipher_src_offset, bd.c_len());
    const bool enc = bd.cipher() == kSecCipherEncrypt;
    Bytes tag = enc ? Bytes(bd.c_icv_len()) : read(bd.mac_addr, bd.c_icv_len());
    Bytes out(in.size());
    SecCryptoStatus st = sec_gcm(enc, key, iv, aad, in, out.data(), tag);
    if (st == SecCryptoStatus::kTagMismatch) {
      bd.set_result(kSecFlagAead, kSecIcvError, kSecErrNone);
      return;
    }
    ASSERT_EQ(st, SecCryptoStatus::kOk);
    os_.dev_write(bd.data_dst_addr, aad.data(), aad.size());  // de = 1: AAD passes through
    os_.dev_write(bd.data_dst_addr + bd.cipher_src_offset, out.data(), out.size());
    if (enc) os_.dev_write(bd.mac_addr, tag.data(), tag.size());
    bd.set_result(kSecFlagAead, kSecIcvOk, kSecErrNone);
  }

  void* put(const Bytes& data) {
    VirtAddr va = os_.alloc(data.size());
    os_.dev_write(va, data.data(), data.size());
    return reinterpret_cast<void*>(va);
  }
  void* room(size_t len) { return reinterpret_cast<void*>(os_.alloc(len)); }
  Bytes get(void* p, size_t len) { return read(reinterpret_cast<VirtAddr>(p), len); }

  // One GCM request through `h` with `in` (AAD || text) from `src`; results at dst and mac.
  wd_aead_req gcm_req(bool enc, void* src, void* dst, void* mac, void* iv, size_t aad, size_t text,
                      uint16_t mac_bytes) {
    wd_aead_req req{};
    req.op_type = enc ? WD_CIPHER_ENCRYPTION_DIGEST : WD_CIPHER_DECRYPTION_DIGEST;
    req.src = src;
    req.dst = dst;
    req.mac = mac;
    req.iv = iv;
    req.iv_bytes = GCM_IV_SIZE;
    req.assoc_bytes = static_cast<uint16_t>(aad);
    req.in_bytes = static_cast<uint32_t>(text);
    req.out_bytes = static_cast<uint32_t>(aad + text);
    req.mac_bytes = mac_bytes;
    req.data_fmt = WD_FLAT_BUF;
    req.msg_state = AEAD_MSG_BLOCK;
    return req;
  }

  FakeOs os_;
  FakeQmDevice qm_{os_};
  UadkProcess process_;
  int bds_ = 0;
  SecBd last_bd_{};
};

TEST_F(UadkAeadEnvTest, GcmSyncMatchesOpenSslAndRejectsABadTag) {
  ASSERT_EQ(wd_aead_init2(const_cast<char*>("gcm(aes)"), SCHED_POLICY_RR, TASK_HW), 0)
      << process_.last_error();
  wd_aead_sess_setup setup{};
  setup.calg = WD_CIPHER_AES;
  setup.cmode = WD_CIPHER_GCM;
  handle_t h = wd_aead_alloc_sess(&setup);
  ASSERT_NE(h, 0u) << process_.last_error();
  EXPECT_EQ(wd_aead_get_authsize(h), 16);
  EXPECT_EQ(wd_aead_get_maxauthsize(h), 16);

  for (size_t key_len : {16u, 24u, 32u}) {
    for (uint16_t tag_len : {uint16_t{16}, uint16_t{12}, uint16_t{8}}) {
      SCOPED_TRACE("key " + std::to_string(key_len) + " tag " + std::to_string(tag_len));
      const Bytes key = pattern(key_len, 1);
      const Bytes iv = pattern(GCM_IV_SIZE, 40);
      const Bytes aad = pattern(20, 90);
      const Bytes pt = pattern(61, 3);  // not whole blocks: GCM takes any length
      ASSERT_EQ(wd_aead_set_ckey(h, static_cast<const __u8*>(put(key)), key_len), 0);
      ASSERT_EQ(wd_aead_set_authsize(h, tag_len), 0);
      Bytes src = aad;
      src.insert(src.end(), pt.begin(), pt.end());
      wd_aead_req req =
          gcm_req(true, put(src), room(src.size()), room(16), put(iv), aad.size(), pt.size(), 16);
      ASSERT_EQ(wd_do_aead_sync(h, &req), 0) << process_.last_error();
      EXPECT_EQ(req.state, 0);
      // The BD carries GCM in the cipher fields, as the hardware reads it.
      EXPECT_EQ(last_bd_.c_icv_len(), tag_len);
      EXPECT_EQ(last_bd_.a_len(), aad.size());
      EXPECT_EQ(last_bd_.c_len(), pt.size());
      EXPECT_EQ(last_bd_.auth(), kSecAuthNone);
      Bytes ct, tag;
      openssl_gcm(key, iv, aad, pt, tag_len, &ct, &tag);
      EXPECT_EQ(get(reinterpret_cast<uint8_t*>(req.dst) + aad.size(), pt.size()), ct);
      EXPECT_EQ(get(req.mac, tag_len), tag);

      // Decrypt the device's output: the plaintext comes back, the tag checks.
      Bytes back_src = aad;
      back_src.insert(back_src.end(), ct.begin(), ct.end());
      wd_aead_req back = gcm_req(false, put(back_src), room(src.size()), put(tag), put(iv),
                                 aad.size(), pt.size(), tag_len);
      ASSERT_EQ(wd_do_aead_sync(h, &back), 0) << process_.last_error();
      EXPECT_EQ(back.state, 0);
      EXPECT_EQ(get(reinterpret_cast<uint8_t*>(back.dst) + aad.size(), pt.size()), pt);

      // A flipped tag bit: the request completes with WD_IN_EPARA, no plaintext written.
      Bytes bad_tag = tag;
      bad_tag[0] ^= 1;
      wd_aead_req forged = gcm_req(false, put(back_src), room(src.size()), put(bad_tag), put(iv),
                                   aad.size(), pt.size(), tag_len);
      ASSERT_EQ(wd_do_aead_sync(h, &forged), 0);
      EXPECT_EQ(forged.state, WD_IN_EPARA);
      EXPECT_EQ(get(reinterpret_cast<uint8_t*>(forged.dst) + aad.size(), pt.size()),
                Bytes(pt.size(), 0));
    }
  }

  // Bad arguments never reach the device.
  const int before = bds_;
  const Bytes iv = pattern(GCM_IV_SIZE, 40);
  wd_aead_req bad = gcm_req(true, room(32), room(32), room(16), put(iv), 16, 16, 16);
  bad.iv_bytes = 16;
  EXPECT_EQ(wd_do_aead_sync(h, &bad), -WD_EINVAL);
  bad.iv_bytes = GCM_IV_SIZE;
  bad.mac_bytes = 4;  // less than the authsize
  EXPECT_EQ(wd_do_aead_sync(h, &bad), -WD_EINVAL);
  bad.mac_bytes = 16;
  bad.out_bytes = 31;
  EXPECT_EQ(wd_do_aead_sync(h, &bad), -WD_EINVAL);
  bad.out_bytes = 32;
  bad.msg_state = AEAD_MSG_FIRST;
  EXPECT_EQ(wd_do_aead_sync(h, &bad), -WD_EINVAL);
  EXPECT_EQ(bds_, before);
  EXPECT_EQ(wd_aead_set_authsize(h, 4), -WD_EINVAL);
  EXPECT_EQ(wd_aead_set_authsize(h, 17), -WD_EINVAL);
  EXPECT_EQ(wd_aead_set_akey(h, static_cast<const __u8*>(put(iv)), 12), -WD_EINVAL);
  EXPECT_EQ(wd_aead_set_ckey(h, static_cast<const __u8*>(put(iv)), 12), -WD_EINVAL);
  setup.cmode = WD_CIPHER_CCM;
  EXPECT_EQ(wd_aead_alloc_sess(&setup), 0u);

  wd_aead_free_sess(h);
  wd_aead_uninit2();
  EXPECT_EQ(os_.open_fd_count(), 0u);
  EXPECT_EQ(os_.access_faults(), 0u);
}

struct Done {
  int calls = 0;
  uint16_t state = 0xffff;
};
void* aead_cb(struct wd_aead_req* req, void* param) {
  auto* d = static_cast<Done*>(param);
  ++d->calls;
  d->state = req->state;
  return nullptr;
}

TEST_F(UadkAeadEnvTest, EnvInitHonoursCtxNumAndGcmAsyncPolls) {
  process_.set_env("WD_AEAD_CTX_NUM", "sync:1@0,async:3@0");
  ASSERT_EQ(wd_aead_env_init(nullptr), 0) << process_.last_error();
  EXPECT_EQ(os_.open_fd_count(), 4u);
  __u32 num = 0;
  __u8 poll_en = 9;
  ASSERT_EQ(wd_aead_get_env_param(0, 0, CTX_MODE_SYNC, &num, &poll_en), 0);
  EXPECT_EQ(num, 1u);
  EXPECT_EQ(poll_en, 0);
  ASSERT_EQ(wd_aead_get_env_param(0, 0, CTX_MODE_ASYNC, &num, &poll_en), 0);
  EXPECT_EQ(num, 3u);
  EXPECT_EQ(wd_aead_get_env_param(1, 0, CTX_MODE_ASYNC, &num, &poll_en), -WD_EINVAL);
  EXPECT_EQ(wd_aead_env_init(nullptr), -WD_EEXIST);

  wd_aead_sess_setup setup{};
  setup.calg = WD_CIPHER_AES;
  setup.cmode = WD_CIPHER_GCM;
  handle_t h = wd_aead_alloc_sess(&setup);
  ASSERT_NE(h, 0u) << process_.last_error();
  const Bytes key = pattern(16, 5), iv = pattern(12, 6), aad = pattern(8, 7), pt = pattern(48, 8);
  ASSERT_EQ(wd_aead_set_ckey(h, static_cast<const __u8*>(put(key)), 16), 0);
  Bytes src = aad;
  src.insert(src.end(), pt.begin(), pt.end());
  Done done;
  wd_aead_req req =
      gcm_req(true, put(src), room(src.size()), room(16), put(iv), aad.size(), pt.size(), 16);
  req.cb = aead_cb;
  req.cb_param = &done;
  ASSERT_EQ(wd_do_aead_async(h, &req), 0) << process_.last_error();
  __u32 count = 0;
  ASSERT_EQ(wd_aead_poll(1, &count), 0) << process_.last_error();
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.state, 0);
  Bytes ct, tag;
  openssl_gcm(key, iv, aad, pt, 16, &ct, &tag);
  EXPECT_EQ(get(reinterpret_cast<uint8_t*>(req.dst) + aad.size(), pt.size()), ct);
  EXPECT_EQ(get(req.mac, 16), tag);

  wd_aead_free_sess(h);
  wd_aead_env_uninit();
  EXPECT_EQ(os_.open_fd_count(), 0u);
  EXPECT_EQ(wd_aead_get_env_param(0, 0, CTX_MODE_SYNC, &num, &poll_en), -WD_EINVAL);
}

TEST_F(UadkAeadEnvTest, CapCtxMsgNumBoundsTheAsyncPool) {
  // init2 with cap: 2 messages per async ctx; a third request in flight is -WD_EBUSY.
  wd_ctx_nums nums{0, 1};
  wd_cap_config cap{2, 0};
  wd_ctx_params params{1, &nums, nullptr, &cap};
  ASSERT_EQ(wd_aead_init2_(const_cast<char*>("gcm(aes)"), SCHED_POLICY_RR, TASK_HW, &params), 0)
      << process_.last_error();
  wd_aead_sess_setup setup{};
  setup.calg = WD_CIPHER_AES;
  setup.cmode = WD_CIPHER_GCM;
  handle_t h = wd_aead_alloc_sess(&setup);
  ASSERT_NE(h, 0u);
  ASSERT_EQ(wd_aead_set_ckey(h, static_cast<const __u8*>(put(pattern(16, 1))), 16), 0);
  // Hold completions: the fake device completes an SQE when its doorbell rings, so the
  // requests stay in the pool until polled.
  Done done;
  std::vector<wd_aead_req> reqs;
  for (int i = 0; i < 3; ++i) {
    reqs.push_back(
        gcm_req(true, put(pattern(32, 2)), room(32), room(16), put(pattern(12, 3)), 16, 16, 16));
  }
  for (auto& r : reqs) {
    r.cb = aead_cb;
    r.cb_param = &done;
  }
  EXPECT_EQ(wd_do_aead_async(h, &reqs[0]), 0);
  EXPECT_EQ(wd_do_aead_async(h, &reqs[1]), 0);
  EXPECT_EQ(wd_do_aead_async(h, &reqs[2]), -WD_EBUSY);
  __u32 count = 0;
  ASSERT_EQ(wd_aead_poll(2, &count), 0);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(wd_do_aead_async(h, &reqs[2]), 0);  // room again
  ASSERT_EQ(wd_aead_poll(1, &count), 0);
  EXPECT_EQ(done.calls, 3);
  wd_aead_free_sess(h);
  wd_aead_uninit2();
  EXPECT_EQ(os_.open_fd_count(), 0u);
}

TEST_F(UadkAeadEnvTest, EnvInitDefaultsCtxNumInitAndRefusals) {
  // Unset: UADK's defaults (comp: one ctx of each mode and type; cipher: 2 sync, 2 async).
  ASSERT_EQ(wd_comp_env_init(nullptr), 0) << process_.last_error();
  EXPECT_EQ(os_.open_fd_count(), 4u);
  __u32 num = 0;
  __u8 poll_en = 0;
  for (__u32 type : {0u, 1u}) {
    for (__u32 mode : {0u, 1u}) {
      ASSERT_EQ(wd_comp_get_env_param(0, type, mode, &num, &poll_en), 0);
      EXPECT_EQ(num, 1u);
    }
  }
  wd_comp_env_uninit();
  ASSERT_EQ(wd_cipher_env_init(nullptr), 0) << process_.last_error();
  EXPECT_EQ(os_.open_fd_count(), 4u);
  wd_cipher_env_uninit();
  EXPECT_EQ(os_.open_fd_count(), 0u);

  // mode-type sections for compression; unlisted ones get no ctxs.
  process_.set_env("WD_COMP_CTX_NUM", "sync-comp:2@0,async-decomp:3@0");
  ASSERT_EQ(wd_comp_env_init(nullptr), 0) << process_.last_error();
  EXPECT_EQ(os_.open_fd_count(), 5u);
  ASSERT_EQ(wd_comp_get_env_param(0, WD_DIR_COMPRESS, CTX_MODE_SYNC, &num, &poll_en), 0);
  EXPECT_EQ(num, 2u);
  ASSERT_EQ(wd_comp_get_env_param(0, WD_DIR_DECOMPRESS, CTX_MODE_SYNC, &num, &poll_en), 0);
  EXPECT_EQ(num, 0u);
  ASSERT_EQ(wd_comp_get_env_param(0, WD_DIR_DECOMPRESS, CTX_MODE_ASYNC, &num, &poll_en), 0);
  EXPECT_EQ(num, 3u);
  wd_comp_env_uninit();

  // Bad values are refused with a message naming the variable; nothing stays open.
  for (const char* bad : {"sync-comp:1@1", "sync-comp:1", "bogus:1@0", "sync-comp:x@0"}) {
    process_.set_env("WD_COMP_CTX_NUM", bad);
    EXPECT_EQ(wd_comp_env_init(nullptr), -WD_EINVAL) << bad;
    EXPECT_NE(process_.last_error().find("WD_COMP_CTX_NUM"), std::string::npos) << bad;
  }
  process_.set_env("WD_COMP_CTX_NUM", "sync-comp:0@0");
  EXPECT_EQ(wd_comp_env_init(nullptr), -WD_EINVAL);
  process_.set_env("WD_CIPHER_ASYNC_POLL_EN", "1");
  EXPECT_EQ(wd_cipher_env_init(nullptr), -WD_EINVAL);
  EXPECT_NE(process_.last_error().find("WD_CIPHER_ASYNC_POLL_EN"), std::string::npos);
  EXPECT_EQ(os_.open_fd_count(), 0u);

  // ctx_num_init: one region instead of the environment.
  ASSERT_EQ(wd_digest_ctx_num_init(0, 0, 3, CTX_MODE_SYNC), 0) << process_.last_error();
  EXPECT_EQ(os_.open_fd_count(), 3u);
  ASSERT_EQ(wd_digest_get_env_param(0, 0, CTX_MODE_SYNC, &num, &poll_en), 0);
  EXPECT_EQ(num, 3u);
  ASSERT_EQ(wd_digest_get_env_param(0, 0, CTX_MODE_ASYNC, &num, &poll_en), 0);
  EXPECT_EQ(num, 0u);
  wd_digest_ctx_num_uninit();
  EXPECT_EQ(wd_digest_ctx_num_init(1, 0, 3, CTX_MODE_SYNC), -WD_EINVAL);
  EXPECT_EQ(wd_digest_ctx_num_init(0, 1, 3, CTX_MODE_SYNC), -WD_EINVAL);
  EXPECT_EQ(os_.open_fd_count(), 0u);
}

void* user_alloc(void* usr, size_t size) {
  auto* os = static_cast<FakeOs*>(usr);
  return reinterpret_cast<void*>(os->alloc(size));
}
int user_frees = 0;
void user_free(void* /*usr*/, void* /*va*/) { ++user_frees; }
void* user_map(void* /*usr*/, void* va, size_t /*sz*/) {
  return static_cast<uint8_t*>(va) + 0x1000;  // a distinct "IOVA"
}

TEST_F(UadkAeadEnvTest, BmmPoolAllocFreeCountsAndBacksAGcmRequest) {
  wd_mempool_setup setup{};
  setup.block_size = 1000;
  setup.block_num = 4;
  setup.align_size = 64;
  void* pool = wd_mempool_alloc(0, &setup);
  ASSERT_NE(pool, nullptr) << process_.last_error();
  EXPECT_EQ(wd_get_bufsize(pool), 1000u);
  std::vector<void*> blocks;
  for (int i = 0; i < 4; ++i) {
    void* b = wd_mem_alloc(pool, 1000);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
    for (void* o : blocks) {
      const auto d = reinterpret_cast<intptr_t>(b) - reinterpret_cast<intptr_t>(o);
      EXPECT_GE(d < 0 ? -d : d, 1000);  // blocks do not overlap
    }
    blocks.push_back(b);
  }
  EXPECT_EQ(wd_mem_alloc(pool, 1000), nullptr);  // empty
  EXPECT_EQ(wd_mem_alloc(pool, 1001), nullptr);  // larger than a block
  __u32 n = 0;
  ASSERT_EQ(wd_get_free_num(pool, &n), 0);
  EXPECT_EQ(n, 0u);
  ASSERT_EQ(wd_get_fail_num(pool, &n), 0);
  EXPECT_EQ(n, 1u);
  wd_mem_free(pool, blocks[2]);
  ASSERT_EQ(wd_get_free_num(pool, &n), 0);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(wd_mem_alloc(pool, 10), blocks[2]);
  EXPECT_EQ(wd_mem_map(pool, blocks[1], 1000), blocks[1]);  // the device uses the VA
  EXPECT_EQ(wd_mem_map(pool, &setup, 4), nullptr);          // not the pool's memory

  // The blocks are simulated process memory: a GCM request runs on them.
  ASSERT_EQ(wd_aead_init2(const_cast<char*>("gcm(aes)"), SCHED_POLICY_RR, TASK_HW), 0);
  // init2 listed its two ctxs (1 sync + 1 async) for wd_find_ctx, each handed out once.
  const handle_t c1 = wd_find_ctx("gcm");
  const handle_t c2 = wd_find_ctx("gcm(aes)");
  EXPECT_NE(c1, 0u);
  EXPECT_NE(c2, 0u);
  EXPECT_NE(c1, c2);
  EXPECT_EQ(wd_find_ctx("gcm"), 0u);
  EXPECT_EQ(wd_find_ctx("zlib"), 0u);
  void* ctx_pool = wd_mempool_alloc(c1, &setup);
  ASSERT_NE(ctx_pool, nullptr);
  EXPECT_EQ(wd_get_dev_id(ctx_pool), 0u);  // hisi_sec2-0
  wd_mempool_free(c1, ctx_pool);
  wd_aead_sess_setup ss{};
  ss.calg = WD_CIPHER_AES;
  ss.cmode = WD_CIPHER_GCM;
  handle_t h = wd_aead_alloc_sess(&ss);
  ASSERT_NE(h, 0u);
  const Bytes key = pattern(32, 9), iv = pattern(12, 10), aad = pattern(16, 11);
  const Bytes pt = pattern(200, 12);
  os_.dev_write(reinterpret_cast<VirtAddr>(blocks[0]), key.data(), key.size());
  ASSERT_EQ(wd_aead_set_ckey(h, static_cast<const __u8*>(blocks[0]), 32), 0);
  Bytes src = aad;
  src.insert(src.end(), pt.begin(), pt.end());
  os_.dev_write(reinterpret_cast<VirtAddr>(blocks[1]), src.data(), src.size());
  os_.dev_write(reinterpret_cast<VirtAddr>(blocks[3]), iv.data(), iv.size());
  uint8_t* mac = static_cast<uint8_t*>(blocks[3]) + 64;
  wd_aead_req req = gcm_req(true, blocks[1], blocks[2], mac, blocks[3], aad.size(), pt.size(), 16);
  ASSERT_EQ(wd_do_aead_sync(h, &req), 0) << process_.last_error();
  EXPECT_EQ(req.state, 0);
  Bytes ct, tag;
  openssl_gcm(key, iv, aad, pt, 16, &ct, &tag);
  EXPECT_EQ(get(static_cast<uint8_t*>(blocks[2]) + aad.size(), pt.size()), ct);
  EXPECT_EQ(get(mac, 16), tag);
  wd_aead_free_sess(h);
  wd_aead_uninit2();
  EXPECT_EQ(wd_insert_ctx_list(c1, const_cast<char*>("gcm(aes)")), -WD_EINVAL);  // released
  wd_mempool_free(0, pool);
  EXPECT_EQ(wd_get_bufsize(pool), 0u);  // gone

  // The user's memory (ops): taken from ops.alloc, mapped with ops.iova_map, given back.
  wd_mempool_setup user{};
  user.block_size = 256;
  user.block_num = 2;
  user.ops.alloc = user_alloc;
  user.ops.free = user_free;
  user.ops.iova_map = user_map;
  user.ops.usr = &os_;
  void* upool = wd_mempool_alloc(0, &user);
  ASSERT_NE(upool, nullptr);
  void* b = wd_mem_alloc(upool, 256);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(wd_mem_map(upool, b, 256), static_cast<uint8_t*>(b) + 0x1000);
  user_frees = 0;
  wd_mempool_free(0, upool);
  EXPECT_EQ(user_frees, 1);

  setup.align_size = 48;  // not a power of two
  EXPECT_EQ(wd_mempool_alloc(0, &setup), nullptr);
  EXPECT_EQ(os_.access_faults(), 0u);
}

TEST_F(UadkAeadEnvTest, SvaMempoolAndBlockpool) {
  EXPECT_TRUE(WD_IS_ERR(wd_mempool_create(0, 0)));
  EXPECT_EQ(WD_HANDLE_ERR(wd_mempool_create(4096, 1)), -WD_EINVAL);
  handle_t mp = wd_mempool_create(10 * 4096 - 100, -1);  // rounds up to 10 blocks
  ASSERT_FALSE(WD_IS_ERR(mp)) << process_.last_error();
  struct wd_mempool_stats ms {};
  wd_mempool_stats(mp, &ms);
  EXPECT_EQ(ms.blk_size, 4096u);
  EXPECT_EQ(ms.blk_num, 10u);
  EXPECT_EQ(ms.free_blk_num, 10u);
  EXPECT_EQ(ms.page_type, WD_NORMAL_PAGE);

  // 6 blocks of 3000 B take 18000 B: a run of 5 mempool blocks (20480 B).
  handle_t bp = wd_blockpool_create(mp, 3000, 6);
  ASSERT_FALSE(WD_IS_ERR(bp)) << process_.last_error();
  EXPECT_EQ(WD_HANDLE_ERR(wd_blockpool_create(mp, 64, 1)), -WD_EBUSY);  // one per mempool
  wd_mempool_stats(mp, &ms);
  EXPECT_EQ(ms.free_blk_num, 5u);
  EXPECT_EQ(ms.blk_usage_rate, 50u);
  std::vector<void*> got;
  for (int i = 0; i < 6; ++i) {
    void* b = wd_block_alloc(bp);
    ASSERT_NE(b, nullptr);
    const Bytes data = pattern(3000, static_cast<uint8_t>(i));
    os_.dev_write(reinterpret_cast<VirtAddr>(b), data.data(), data.size());  // real memory
    got.push_back(b);
  }
  EXPECT_EQ(wd_block_alloc(bp), nullptr);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(get(got[i], 3000), pattern(3000, static_cast<uint8_t>(i)));
  struct wd_blockpool_stats bs {};
  wd_blockpool_stats(bp, &bs);
  EXPECT_EQ(bs.block_size, 3000u);
  EXPECT_EQ(bs.block_num, 6u);
  EXPECT_EQ(bs.free_block_num, 0u);
  EXPECT_EQ(bs.block_usage_rate, 100u);
  EXPECT_EQ(bs.mem_waste_rate, (20480u - 18000u) * 100u / 20480u);
  wd_block_free(bp, got[4]);
  wd_blockpool_stats(bp, &bs);
  EXPECT_EQ(bs.free_block_num, 1u);
  EXPECT_EQ(wd_block_alloc(bp), got[4]);
  wd_mempool_destroy(mp);  // refused while the blockpool lives
  wd_mempool_stats(mp, &ms);
  EXPECT_EQ(ms.blk_num, 10u);
  wd_blockpool_destroy(bp);
  wd_mempool_stats(mp, &ms);
  EXPECT_EQ(ms.free_blk_num, 10u);
  EXPECT_EQ(WD_HANDLE_ERR(wd_blockpool_create(mp, 4096, 11)), -WD_ENOMEM);  // too big
  wd_mempool_destroy(mp);
  EXPECT_EQ(os_.access_faults(), 0u);
}

TEST_F(UadkAeadEnvTest, AlgCapListsEachDeviceAlgorithmAndMmapQfrMapsRegions) {
  wd_capability* caps = wd_get_alg_cap();
  ASSERT_NE(caps, nullptr);
  std::vector<std::string> seen;
  for (wd_capability* c = caps; c; c = c->next) {
    seen.push_back(std::string(c->drv_name) + "/" + c->alg_name);
    EXPECT_TRUE(c->available);
    EXPECT_EQ(c->calc_type, UADK_ALG_HW);
  }
  wd_release_alg_cap(caps);
  const std::vector<std::string> want = {"hisi_sec2/gcm(aes)", "hisi_sec2/cbc(aes)",
                                         "hisi_sec2/sha256",   "hisi_zip/zlib",
                                         "hisi_zip/gzip",      "hisi_zip/deflate"};
  EXPECT_EQ(seen, want);

  uacce_dev* dev = wd_get_accel_dev("zlib");
  ASSERT_NE(dev, nullptr);
  handle_t h = wd_request_ctx(dev);
  std::free(dev);
  ASSERT_NE(h, 0u);
  const size_t maps = os_.mapping_count();
  void* mmio = wd_ctx_mmap_qfr(h, UACCE_QFRT_MMIO);
  void* dus = wd_ctx_mmap_qfr(h, UACCE_QFRT_DUS);
  EXPECT_NE(mmio, nullptr);
  EXPECT_NE(dus, nullptr);
  EXPECT_EQ(wd_ctx_mmap_qfr(h, UACCE_QFRT_MMIO), mmio);  // mapped once
  EXPECT_EQ(wd_ctx_mmap_qfr(h, UACCE_QFRT_SS), nullptr);
  EXPECT_EQ(os_.mapping_count(), maps + 2);
  EXPECT_EQ(wd_ctx_get_region_size(h, UACCE_QFRT_DUS), 151552u);
  wd_ctx_unmap_qfr(h, UACCE_QFRT_MMIO);
  EXPECT_EQ(os_.mapping_count(), maps + 1);
  wd_release_ctx(h);  // unmaps the DUS mapping too
  EXPECT_EQ(os_.mapping_count(), maps);
  EXPECT_EQ(os_.open_fd_count(), 0u);
}

}  // namespace
}  // namespace wdsim::rt
