// Tests of the UADK-compatible cipher and digest APIs against FakeOs + FakeQmDevice with a
// SEC device whose data path is the engine's OpenSSL core (//sim/accel/sec:sec_crypto):
// known answers from SP 800-38A (AES-CBC), FIPS 180-4 (SHA-256 "abc"), RFC 4231 (HMAC-SHA256
// test case 2), sync through wd_*_init2 and async through wd_*_init with the RR scheduler.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "runtime/include/uadk/wd_cipher.h"
#include "runtime/include/uadk/wd_digest.h"
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

std::vector<uint8_t> hex(const std::string& h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

class UadkSecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeUacceDevice dev;
    dev.name = "hisi_sec2-0";
    dev.algorithms =
        "ecb(aes)\ncbc(aes)\nctr(aes)\nxts(aes)\necb(sm4)\ncbc(sm4)\nctr(sm4)\nxts(sm4)\n"
        "sha1\nsha256\nsha512\nsm3\nhmac(sha256)\nhmac(sm3)\n";
    dev.available_instances = 8;
    os_.add_uacce_device(dev);
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

  std::vector<uint8_t> read(uint64_t va, size_t len) {
    std::vector<uint8_t> v(len);
    if (len) os_.dev_read(va, v.data(), len);
    return v;
  }

  // The SEC engine's data path on one type 2 BD.
  void engine(SecBd& bd) {
    ++bds_;
    if (forced_error_ >= 0) {
      bd.set_result(kSecFlagCipher, kSecIcvOk, static_cast<uint8_t>(forced_error_));
      return;
    }
    if (bd.cipher() != kSecCipherNone) {
      const bool xts = bd.c_mode() == kSecCModeXts;
      const auto key =
          read(bd.c_key_addr, sec_c_key_bytes(bd.cipher_alg(), bd.c_key_len()) * (xts ? 2 : 1));
      const auto iv = read(bd.c_ivin_addr, sec_cipher_iv_bytes(bd.c_mode()));
      const auto in = read(bd.data_src_addr, bd.c_len());
      std::vector<uint8_t> out(in.size());
      SecCryptoStatus st = sec_cipher(bd.cipher_alg(), bd.c_mode(),
                                      bd.cipher() == kSecCipherEncrypt, key, iv, in, out.data());
      if (st == SecCryptoStatus::kOk) os_.dev_write(bd.data_dst_addr, out.data(), out.size());
      bd.set_result(kSecFlagCipher, kSecIcvOk,
                    st == SecCryptoStatus::kOk ? kSecErrNone : kSecErrCipherAlg);
    } else {
      const auto key = read(bd.a_key_addr, bd.a_key_len_words() * 4u);
      const auto in = read(bd.data_src_addr, bd.a_len());
      std::vector<uint8_t> mac;
      SecCryptoStatus st = sec_auth(bd.a_alg(), key, in, &mac);
      if (st == SecCryptoStatus::kOk)
        os_.dev_write(bd.mac_addr, mac.data(), bd.mac_len_words() * 4u);
      bd.set_result(kSecFlagAuth, kSecIcvOk,
                    st == SecCryptoStatus::kOk ? kSecErrNone : kSecErrAuthAlg);
    }
  }

  void* put(const std::vector<uint8_t>& data) {
    VirtAddr va = os_.alloc(data.size());
    os_.dev_write(va, data.data(), data.size());
    return reinterpret_cast<void*>(va);
  }
  void* room(size_t len) { return reinterpret_cast<void*>(os_.alloc(len)); }
  std::vector<uint8_t> get(void* p, size_t len) { return read(reinterpret_cast<VirtAddr>(p), len); }

  FakeOs os_;
  FakeQmDevice qm_{os_};
  UadkProcess process_;
  int forced_error_ = -1;
  int bds_ = 0;
};

// SP 800-38A F.2.1/F.2.2: CBC-AES128.
const char* kCbcKey = "2b7e151628aed2a6abf7158809cf4f3c";
const char* kCbcIv = "000102030405060708090a0b0c0d0e0f";
const char* kCbcPlain =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const char* kCbcCipher =
    "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
    "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";

TEST_F(UadkSecTest, CipherSyncMatchesSp80038aBothWays) {
  ASSERT_EQ(wd_cipher_init2(const_cast<char*>("cbc(aes)"), SCHED_POLICY_RR, TASK_HW), 0)
      << process_.last_error();
  wd_cipher_sess_setup setup{};
  setup.alg = WD_CIPHER_AES;
  setup.mode = WD_CIPHER_CBC;
  handle_t h = wd_cipher_alloc_sess(&setup);
  ASSERT_NE(h, 0u) << process_.last_error();
  const auto key = hex(kCbcKey);
  ASSERT_EQ(wd_cipher_set_key(h, static_cast<const __u8*>(put(key)), key.size()), 0);

  const auto plain = hex(kCbcPlain);
  wd_cipher_req req{};
  req.op_type = WD_CIPHER_ENCRYPTION;
  req.src = put(plain);
  req.dst = room(plain.size());
  req.iv = put(hex(kCbcIv));
  req.iv_bytes = 16;
  req.in_bytes = plain.size();
  req.out_buf_bytes = plain.size();
  ASSERT_EQ(wd_do_cipher_sync(h, &req), 0) << process_.last_error();
  EXPECT_EQ(req.state, 0);
  EXPECT_EQ(req.out_bytes, plain.size());
  EXPECT_EQ(get(req.dst, plain.size()), hex(kCbcCipher));

  wd_cipher_req back = req;
  back.op_type = WD_CIPHER_DECRYPTION;
  back.src = req.dst;
  back.dst = room(plain.size());
  ASSERT_EQ(wd_do_cipher_sync(h, &back), 0) << process_.last_error();
  EXPECT_EQ(get(back.dst, plain.size()), plain);

  // A request the hardware rejects: state WD_IN_EPARA, the call itself succeeds.
  forced_error_ = kSecErrDataLen;
  ASSERT_EQ(wd_do_cipher_sync(h, &back), 0);
  EXPECT_EQ(back.state, WD_IN_EPARA);
  forced_error_ = -1;

  // Bad arguments never reach the device.
  const int before = bds_;
  wd_cipher_req bad = req;
  bad.in_bytes = 17;  // not whole blocks for CBC
  EXPECT_EQ(wd_do_cipher_sync(h, &bad), -WD_EINVAL);
  bad = req;
  bad.iv_bytes = 12;
  EXPECT_EQ(wd_do_cipher_sync(h, &bad), -WD_EINVAL);
  EXPECT_EQ(bds_, before);
  EXPECT_EQ(wd_cipher_set_key(h, static_cast<const __u8*>(put(key)), 15), -WD_EINVAL);

  wd_cipher_free_sess(h);
  wd_cipher_uninit2();
  EXPECT_EQ(os_.open_fd_count(), 0u);
  EXPECT_EQ(os_.access_faults(), 0u);
}

struct Done {
  int calls = 0;
};
void* cipher_cb(struct wd_cipher_req*, void* param) {
  ++static_cast<Done*>(param)->calls;
  return nullptr;
}
void* digest_cb(void* param) {
  ++static_cast<Done*>(param)->calls;
  return nullptr;
}
int cipher_poll_func(__u32 pos, __u32 expect, __u32* count) {
  return wd_cipher_poll_ctx(pos, expect, count);
}

TEST_F(UadkSecTest, CipherAsyncSm4XtsThroughUserConfigMatchesOpenSsl) {
  // wd_cipher_init with user ctxs: 1 sync + 2 async, RR scheduler over the async pair.
  uacce_dev* dev = wd_get_accel_dev("xts(sm4)");
  ASSERT_NE(dev, nullptr);
  wd_ctx ctxs[3];
  for (int i = 0; i < 3; ++i) {
    ctxs[i].ctx = wd_request_ctx(dev);
    ASSERT_NE(ctxs[i].ctx, 0u);
    ctxs[i].op_type = 0;
    ctxs[i].ctx_mode = i == 0 ? CTX_MODE_SYNC : CTX_MODE_ASYNC;
  }
  free(dev);
  wd_ctx_config config{3, ctxs, nullptr, nullptr};
  wd_sched* sched = wd_sched_rr_alloc(SCHED_POLICY_RR, 1, 1, cipher_poll_func);
  sched_params sync_region{0, 0, CTX_MODE_SYNC, 0, 0, 0};
  sched_params async_region{0, 0, CTX_MODE_ASYNC, 1, 2, 0};
  ASSERT_EQ(wd_sched_rr_instance(sched, &sync_region), 0);
  ASSERT_EQ(wd_sched_rr_instance(sched, &async_region), 0);
  ASSERT_EQ(wd_cipher_init(&config, sched), 0) << process_.last_error();

  std::vector<uint8_t> key(32), iv(16);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  for (size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<uint8_t>(0xa0 + i);
  constexpr int kSessions = 2;
  constexpr int kPerSession = 5;
  std::vector<handle_t> sess;
  for (int s = 0; s < kSessions; ++s) {
    wd_cipher_sess_setup setup{};
    setup.alg = WD_CIPHER_SM4;
    setup.mode = WD_CIPHER_XTS;
    sess.push_back(wd_cipher_alloc_sess(&setup));
    ASSERT_NE(sess.back(), 0u);
    ASSERT_EQ(wd_cipher_set_key(sess.back(), static_cast<const __u8*>(put(key)), 32), 0);
  }
  Done done;
  std::vector<wd_cipher_req> reqs(kSessions * kPerSession);
  std::vector<std::vector<uint8_t>> plains;
  for (size_t i = 0; i < reqs.size(); ++i) {
    plains.push_back(std::vector<uint8_t>(37 + 16 * i));  // XTS with ciphertext stealing
    for (size_t j = 0; j < plains[i].size(); ++j) plains[i][j] = static_cast<uint8_t>(i + j * 3);
    wd_cipher_req& r = reqs[i];
    r.op_type = WD_CIPHER_ENCRYPTION;
    r.src = put(plains[i]);
    r.dst = room(plains[i].size());
    r.iv = put(iv);
    r.iv_bytes = 16;
    r.in_bytes = plains[i].size();
    r.out_buf_bytes = plains[i].size();
    r.cb = cipher_cb;
    r.cb_param = &done;
    ASSERT_EQ(wd_do_cipher_async(sess[i % kSessions], &r), 0) << process_.last_error();
  }
  uint32_t count = 0;
  ASSERT_EQ(wd_cipher_poll(reqs.size(), &count), 0);
  EXPECT_EQ(count, reqs.size());
  EXPECT_EQ(done.calls, static_cast<int>(reqs.size()));
  for (size_t i = 0; i < reqs.size(); ++i) {
    std::vector<uint8_t> want(plains[i].size());
    ASSERT_EQ(sec_cipher(kSecCAlgSm4, kSecCModeXts, true, key, iv, plains[i], want.data()),
              SecCryptoStatus::kOk);
    EXPECT_EQ(reqs[i].state, 0);
    EXPECT_EQ(get(reqs[i].dst, want.size()), want) << i;
  }
  // Two sessions, two async ctxs: the RR scheduler gave each session its own.
  std::set<int> fds;
  for (const auto& d : qm_.doorbells()) {
    if (d.db.cmd == qm::kDbCmdSq) fds.insert(d.fd);
  }
  EXPECT_EQ(fds.size(), 2u);
  for (handle_t h : sess) wd_cipher_free_sess(h);
  wd_cipher_uninit();
  for (wd_ctx& c : ctxs) wd_release_ctx(c.ctx);
  wd_sched_rr_release(sched);
  EXPECT_EQ(os_.open_fd_count(), 0u);
}

TEST_F(UadkSecTest, DigestAndHmacKnownAnswersSyncAndAsync) {
  ASSERT_EQ(wd_digest_init2(const_cast<char*>("hmac(sha256)"), SCHED_POLICY_RR, TASK_HW), 0)
      << process_.last_error();
  // FIPS 180-4 example: SHA-256("abc").
  wd_digest_sess_setup setup{};
  setup.alg = WD_DIGEST_SHA256;
  setup.mode = WD_DIGEST_NORMAL;
  handle_t sha = wd_digest_alloc_sess(&setup);
  ASSERT_NE(sha, 0u);
  wd_digest_req req{};
  req.in = put({'a', 'b', 'c'});
  req.in_bytes = 3;
  req.out = room(32);
  req.out_bytes = WD_DIGEST_SHA256_LEN;
  req.out_buf_bytes = 32;
  ASSERT_EQ(wd_do_digest_sync(sha, &req), 0) << process_.last_error();
  EXPECT_EQ(req.state, 0);
  EXPECT_EQ(get(req.out, 32),
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));

  // RFC 4231 test case 2: HMAC-SHA256, key "Jefe", async with a callback.
  setup.mode = WD_DIGEST_HMAC;
  handle_t hmac = wd_digest_alloc_sess(&setup);
  ASSERT_NE(hmac, 0u);
  EXPECT_EQ(wd_do_digest_sync(hmac, &req), -WD_EINVAL);  // no key yet
  const std::string jefe = "Jefe";
  ASSERT_EQ(wd_digest_set_key(hmac, static_cast<const __u8*>(put({jefe.begin(), jefe.end()})), 4),
            0);
  const std::string msg = "what do ya want for nothing?";
  Done done;
  wd_digest_req areq{};
  areq.in = put({msg.begin(), msg.end()});
  areq.in_bytes = msg.size();
  areq.out = room(32);
  areq.out_bytes = 32;
  areq.out_buf_bytes = 32;
  areq.cb = digest_cb;
  areq.cb_param = &done;
  ASSERT_EQ(wd_do_digest_async(hmac, &areq), 0) << process_.last_error();
  uint32_t count = 0;
  ASSERT_EQ(wd_digest_poll(1, &count), 0);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(areq.state, 0);
  EXPECT_EQ(get(areq.out, 32),
            hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
  // Nothing left: polling again finds nothing.
  EXPECT_EQ(wd_digest_poll(1, &count), 0);
  EXPECT_EQ(count, 0u);

  wd_digest_free_sess(sha);
  wd_digest_free_sess(hmac);
  wd_digest_uninit2();
  EXPECT_EQ(os_.open_fd_count(), 0u);
  EXPECT_EQ(os_.access_faults(), 0u);
}

// A scheduler of the program's own, as uadk_tool's test_sec has: one ctx, and sched_init keys
// every session 0. UADK fails a session only when sched_init returns WD_IS_ERR, so 0 is a key.
handle_t zero_key_init(handle_t, void*) { return 0; }
__u32 first_ctx(handle_t, void*, const int) { return 0; }
int no_poll(handle_t, __u32, __u32*) { return 0; }

TEST_F(UadkSecTest, UserSchedulerKeyingEverySessionZero) {
  uacce_dev* dev = wd_get_accel_dev("sha256");
  ASSERT_NE(dev, nullptr);
  wd_ctx ctx{};
  ctx.ctx = wd_request_ctx(dev);
  ASSERT_NE(ctx.ctx, 0u);
  ctx.op_type = 0;
  ctx.ctx_mode = CTX_MODE_SYNC;
  free(dev);
  wd_ctx_config config{1, &ctx, nullptr, nullptr};
  wd_sched sched{};
  sched.name = "single";
  sched.sched_init = zero_key_init;
  sched.pick_next_ctx = first_ctx;
  sched.poll_policy = no_poll;
  ASSERT_EQ(wd_digest_init(&config, &sched), 0) << process_.last_error();
  wd_digest_sess_setup setup{};
  setup.alg = WD_DIGEST_SHA256;
  setup.mode = WD_DIGEST_NORMAL;
  handle_t sha = wd_digest_alloc_sess(&setup);
  ASSERT_NE(sha, 0u) << process_.last_error();
  wd_digest_req req{};
  req.in = put({'a', 'b', 'c'});
  req.in_bytes = 3;
  req.out = room(32);
  req.out_bytes = WD_DIGEST_SHA256_LEN;
  req.out_buf_bytes = 32;
  ASSERT_EQ(wd_do_digest_sync(sha, &req), 0) << process_.last_error();
  EXPECT_EQ(get(req.out, 32),
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  wd_digest_free_sess(sha);
  wd_digest_uninit();
  wd_release_ctx(ctx.ctx);
}

}  // namespace
}  // namespace wdsim::rt
