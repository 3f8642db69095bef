// SEC engine behaviour: chaining, verify, in place, every error path, timing and queueing.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>

#include "sim/accel/sec/sec_engine_fixture.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using testing::BdRun;
using testing::Bytes;
using testing::kAKey;
using testing::kDst;
using testing::kIv;
using testing::kKey;
using testing::kMac;
using testing::kSrc;
using testing::kUnmapped;
using testing::run;
using testing::unhex;
using SecEngineTest = testing::SecEngineFixture;

using testing::FakeDmaPort;

// ---- Chaining, verify, in place ------------------------------------------------------------

TEST_F(SecEngineTest, CipherThenHmacChainAndVerifyThenDecipher) {
  // authenc(hmac(sha256),cbc(aes)) as the kernel fills it: cipher region after the AAD, auth
  // over AAD || ciphertext; encrypt = cipher then auth (seq 0), decrypt = verify then cipher.
  std::mt19937_64 rng(17);
  Bytes key = testing::random_bytes(rng, 16), iv = testing::random_bytes(rng, 16);
  Bytes akey = testing::random_bytes(rng, 32), aad = testing::random_bytes(rng, 24);
  Bytes pt = testing::random_bytes(rng, 256);
  Bytes src = aad;
  src.insert(src.end(), pt.begin(), pt.end());
  dma_.put(kKey, key);
  dma_.put(kIv, iv);
  dma_.put(kAKey, akey);
  dma_.put(kSrc, src);
  SecBd bd = sec_bd_cipher(kSecCAlgAes, kSecCModeCbc, true, kSecCKey128, kKey, kIv, kSrc, kDst,
                           static_cast<uint32_t>(pt.size()), 1);
  bd.set_header(kSecBdType2, kSecCipherEncrypt, kSecAuthCalculate);
  bd.set_auth(kSecAAlgHmacSha256, 32, static_cast<uint32_t>(akey.size()));
  bd.a_key_addr = kAKey;
  bd.mac_addr = kMac;
  bd.cipher_src_offset = static_cast<uint16_t>(aad.size());
  bd.set_a_len(static_cast<uint32_t>(src.size()));
  BdRun e = run(engine(), dma_, bd);
  ASSERT_TRUE(e.bd.ok()) << sec_error_name(e.bd.error_type);
  EXPECT_EQ(e.bd.flag(), kSecFlagAead);
  Bytes ct = testing::ref_evp("AES-128-CBC", true, key, iv, pt);
  Bytes out = dma_.get(kDst, src.size());
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 24), aad);
  EXPECT_EQ(Bytes(out.begin() + 24, out.end()), ct);
  Bytes mac = dma_.get(kMac, 32);
  EXPECT_EQ(mac, testing::ref_hmac("SHA256", akey, out));

  // Decrypt: verify the MAC over the input first, then decipher.
  dma_.put(kSrc, out);
  SecBd dec = bd;
  dec.set_header(kSecBdType2, kSecCipherDecrypt, kSecAuthVerify);
  dec.set_flow(kSecSeqAuthThenCipher, 1, kSecSceneIpsec);
  dec.done_flag = 0;
  BdRun d = run(engine(), dma_, dec);
  ASSERT_TRUE(d.bd.ok());
  EXPECT_EQ(dma_.get(kDst + 24, pt.size()), pt);

  // A corrupted MAC: icv = 2, nothing written.
  mac[0] ^= 1;
  dma_.put(kMac, mac);
  dma_.put(kDst, Bytes(src.size(), 0xee));
  BdRun bad = run(engine(), dma_, dec);
  EXPECT_TRUE(bad.bd.done());
  EXPECT_EQ(bad.bd.error_type, kSecErrNone);
  EXPECT_EQ(bad.bd.icv(), kSecIcvError);
  EXPECT_FALSE(bad.bd.ok());
  EXPECT_EQ(dma_.get(kDst, src.size()), Bytes(src.size(), 0xee));
  EXPECT_EQ(counter("sec.errors.icv"), 1u);
}

TEST_F(SecEngineTest, DigestVerifyAndTruncatedMac) {
  Bytes msg = {'a', 'b', 'c'};
  Bytes full = testing::ref_digest("SHA256", msg);
  // Truncated MAC (mac_len 4 words).
  ASSERT_TRUE(auth_run(kSecAAlgSha256, {}, msg, 16).bd.ok());
  EXPECT_EQ(dma_.get(kMac, 16), Bytes(full.begin(), full.begin() + 16));
  // Verify mode compares with the MAC at mac_addr.
  dma_.put(kMac, full);
  SecBd bd = sec_bd_digest(kSecAAlgSha256, 32, 0, 0, kSrc, 3, kMac, 1);
  bd.set_header(kSecBdType2, kSecCipherNone, kSecAuthVerify);
  EXPECT_TRUE(run(engine(), dma_, bd).bd.ok());
  full[31] ^= 0x80;
  dma_.put(kMac, full);
  BdRun r = run(engine(), dma_, bd);
  EXPECT_EQ(r.bd.icv(), kSecIcvError);
  EXPECT_FALSE(r.bd.ok());
}

TEST_F(SecEngineTest, InPlaceWhenDeIsZero) {
  Bytes key(16, 7), iv(16, 9), pt(64, 0x5a);
  dma_.put(kKey, key);
  dma_.put(kIv, iv);
  dma_.put(kSrc, pt);
  dma_.put(kDst, Bytes(64, 0));
  SecBd bd =
      sec_bd_cipher(kSecCAlgSm4, kSecCModeCbc, true, kSecCKeySm4, kKey, kIv, kSrc, kDst, 64, 1);
  bd.set_flow(0, 0, kSecSceneIpsec);
  ASSERT_TRUE(run(engine(), dma_, bd).bd.ok());
  EXPECT_EQ(dma_.get(kSrc, 64), testing::ref_evp("SM4-CBC", true, key, iv, pt));
  EXPECT_EQ(dma_.get(kDst, 64), Bytes(64, 0));
}

// ---- Every error path --------------------------------------------------------------------

TEST_F(SecEngineTest, EveryErrorTypeIsReached) {
  dma_.put(kKey, Bytes(64, 1));
  dma_.put(kIv, Bytes(16, 2));
  dma_.put(kSrc, Bytes(4096, 3));
  const SecBd good =
      sec_bd_cipher(kSecCAlgAes, kSecCModeCbc, true, kSecCKey128, kKey, kIv, kSrc, kDst, 64, 1);
  const SecBd hmac = sec_bd_digest(kSecAAlgHmacSha256, 32, kKey, 16, kSrc, 100, kMac, 1);
  ASSERT_TRUE(run(engine(), dma_, good).bd.ok());
  ASSERT_TRUE(run(engine(), dma_, hmac).bd.ok());

  struct Case {
    const char* what;
    SecBd bd;
    uint8_t error;
  };
  std::vector<Case> cases;
  auto add = [&](const char* what, SecBd bd, uint8_t error) { cases.push_back({what, bd, error}); };
  SecBd b;
  b = good;
  b.set_header(kSecBdType3, kSecCipherEncrypt, 0);
  add("bd type 3", b, kSecErrBdType);
  b = good;
  b.set_header(kSecBdType2, 3, 0);
  add("cipher 3", b, kSecErrBdType);
  b = good;
  b.set_header(kSecBdType2, 0, 3);
  add("auth 3", b, kSecErrBdType);
  b = good;
  b.set_header(kSecBdType2, 0, 0);
  add("no operation", b, kSecErrBdType);
  b = good;
  b.set_addr_types(kSecAddrSgl, 0, 0);
  add("sgl src", b, kSecErrAddrType);
  b = good;
  b.set_addr_types(0, kSecAddrPrp, 0);
  add("prp dst", b, kSecErrAddrType);
  b = good;
  b.set_cipher(kSecCAlgDes, kSecCModeCbc, 0);
  add("des", b, kSecErrCipherAlg);
  b = good;
  b.set_cipher(kSecCAlgAes, kSecCModeCcm, 0);
  add("ccm", b, kSecErrCipherAlg);
  b = good;
  b.set_cipher(kSecCAlgAes, kSecCModeOfb, 0);
  add("ofb", b, kSecErrCipherAlg);
  b = good;
  b.set_cipher(kSecCAlgSm4, kSecCModeGcm, 0, 16);
  add("sm4 gcm", b, kSecErrCipherAlg);
  b = good;
  b.set_cipher(kSecCAlgAes, kSecCModeCbc, 3);
  add("aes key code 3", b, kSecErrKeyLen);
  b = good;
  b.set_cipher(kSecCAlgSm4, kSecCModeCbc, 2);
  add("sm4 key code 2", b, kSecErrKeyLen);
  b = good;
  b.set_cipher(kSecCAlgAes, kSecCModeXts, kSecCKey192);
  add("xts-192", b, kSecErrKeyLen);
  b = good;
  b.set_cipher(kSecCAlgAes, kSecCModeGcm, 5, 16);
  add("gcm key code 5", b, kSecErrKeyLen);
  b = hmac;
  b.set_auth(kSecAAlgHmacSha256, 32, 0);
  add("hmac no key", b, kSecErrKeyLen);
  b = good;
  b.set_c_len(15);
  add("cbc 15 bytes", b, kSecErrDataLen);
  b = good;
  b.set_c_len(0);
  add("cbc 0 bytes", b, kSecErrDataLen);
  b = good;
  b.set_cipher(kSecCAlgAes, kSecCModeXts, 0);
  b.set_c_len(8);
  add("xts 8", b, kSecErrDataLen);
  b = good;
  b.set_c_len(0xFFFFF0);
  add("c_len > max", b, kSecErrDataLen);
  b = hmac;
  b.set_a_len(0xFFFFFF);
  add("a_len > max", b, kSecErrDataLen);
  b = hmac;
  b.set_auth(kSecAAlgAesCmac, 16, 16);
  add("cmac", b, kSecErrAuthAlg);
  b = hmac;
  b.set_auth(0x3f, 16, 16);
  add("a_alg 0x3f", b, kSecErrAuthAlg);
  b = hmac;
  b.ai_apd_cs = 1;
  add("long hash middle", b, kSecErrAuthAlg);
  b = hmac;
  b.ai_apd_cs = 1 << 2;
  add("long hash first", b, kSecErrAuthAlg);
  b = hmac;
  b.set_auth(kSecAAlgHmacSha256, 0, 16);
  add("mac 0", b, kSecErrMacLen);
  b = hmac;
  b.set_auth(kSecAAlgHmacSha1, 24, 16);
  add("mac > sha1", b, kSecErrMacLen);
  b = sec_bd_gcm(true, kSecCKey128, kKey, kIv, kSrc, kDst, 0, 16, kMac, 5, 1);
  add("gcm tag 5", b, kSecErrMacLen);
  b = good;
  b.c_key_addr = kUnmapped;
  add("key fault", b, kSecErrDmaRead);
  b = good;
  b.c_ivin_addr = kUnmapped;
  add("iv fault", b, kSecErrDmaRead);
  b = good;
  b.data_src_addr = kUnmapped;
  add("src fault", b, kSecErrDmaRead);
  b = hmac;
  b.a_key_addr = kUnmapped;
  add("hmac key fault", b, kSecErrDmaRead);
  b = hmac;
  b.set_header(kSecBdType2, 0, kSecAuthVerify);
  b.mac_addr = kUnmapped;
  add("verify mac fault", b, kSecErrDmaRead);
  b = good;
  b.data_dst_addr = kUnmapped;
  add("dst fault", b, kSecErrDmaWrite);
  b = hmac;
  b.mac_addr = kUnmapped;
  add("mac write fault", b, kSecErrDmaWrite);

  std::set<uint8_t> seen;
  for (Case& c : cases) {
    SCOPED_TRACE(c.what);
    dma_.put(kDst, Bytes(64, 0xcc));
    BdRun r = run(engine(), dma_, c.bd);
    EXPECT_TRUE(r.bd.done());
    EXPECT_EQ(r.bd.error_type, c.error) << sec_error_name(r.bd.error_type);
    EXPECT_FALSE(r.bd.ok());
    EXPECT_EQ(r.bd.tag, 1);
    if (c.error != kSecErrDmaWrite) {
      EXPECT_EQ(dma_.get(kDst, 64), Bytes(64, 0xcc));
    }
    seen.insert(r.bd.error_type);
  }
  // Every model error code, plus the GCM tag mismatch (icv) below.
  EXPECT_EQ(seen, (std::set<uint8_t>{kSecErrBdType, kSecErrAddrType, kSecErrCipherAlg,
                                     kSecErrKeyLen, kSecErrDataLen, kSecErrAuthAlg, kSecErrMacLen,
                                     kSecErrDmaRead, kSecErrDmaWrite}));
  EXPECT_EQ(counter("sec.errors.bad_key_len"), 5u);
  EXPECT_EQ(counter("sec.errors.dma_read_fault"), 5u);

  // No DmaPort at all: a read fault, not a crash.
  uint8_t bytes[sizeof(SecBd)];
  std::memcpy(bytes, &good, sizeof(bytes));
  EngineRequest req;
  req.sqe = bytes;
  req.sqe_size = sizeof(bytes);
  sc_time t = SC_ZERO_TIME;
  engine().process(req, t);
  SecBd out;
  std::memcpy(&out, bytes, sizeof(out));
  EXPECT_EQ(out.error_type, kSecErrDmaRead);
  // A short SQE is counted and left alone.
  req.sqe_size = 64;
  engine().process(req, t);
  EXPECT_EQ(counter("sec.errors.short_sqe"), 1u);
}

TEST_F(SecEngineTest, GcmTagMismatchSetsIcvAndWritesNothing) {
  auto v = testing::load_vectors("gcm_aes.txt").at(3);  // test case 4, with AAD
  Bytes aad = unhex(v["aad"]), ct = unhex(v["ct"]), tag = unhex(v["tag"]);
  tag[15] ^= 1;
  dma_.put(kDst, Bytes(100, 0xcc));
  BdRun r = gcm(false, unhex(v["key"]), unhex(v["iv"]), aad, ct, tag);
  EXPECT_TRUE(r.bd.done());
  EXPECT_EQ(r.bd.error_type, kSecErrNone);
  EXPECT_EQ(r.bd.icv(), kSecIcvError);
  EXPECT_EQ(r.bd.flag(), kSecFlagAead);
  EXPECT_FALSE(r.bd.ok());
  EXPECT_EQ(dma_.get(kDst, 100), Bytes(100, 0xcc));
  // Corrupt ciphertext instead: same result.
  tag[15] ^= 1;
  ct[0] ^= 1;
  EXPECT_EQ(gcm(false, unhex(v["key"]), unhex(v["iv"]), aad, ct, tag).bd.icv(), kSecIcvError);
  EXPECT_EQ(counter("sec.errors.icv"), 2u);
}

TEST_F(SecEngineTest, GarbageDescriptorsNeverCrash) {
  std::mt19937_64 rng(99);
  dma_.put(kSrc, Bytes(4096, 1));
  for (int i = 0; i < 400; ++i) {
    Bytes raw = testing::random_bytes(rng, sizeof(SecBd));
    SecBd bd;
    std::memcpy(&bd, raw.data(), sizeof(bd));
    if (i % 2 == 0) {  // half of them with a valid header and mapped addresses
      bd.type_cipher_auth = static_cast<uint8_t>((bd.type_cipher_auth & 0xf0) | kSecBdType2);
      bd.sds_sa_type &= 0x7f;
      bd.sdm_addr_type = 0;
      bd.c_key_addr = kKey;
      bd.c_ivin_addr = kIv;
      bd.a_key_addr = kAKey;
      bd.data_src_addr = kSrc + (rng() % 1024);
      bd.data_dst_addr = kDst;
      bd.mac_addr = kMac;
      bd.set_c_len(static_cast<uint32_t>(rng() % 8192));
      bd.set_a_len(static_cast<uint32_t>(rng() % 8192));
    }
    BdRun r = run(engine(), dma_, bd);
    EXPECT_TRUE(r.bd.done());
  }
  EXPECT_EQ(counter("sec.requests"), 400u);
}

// ---- Timing ---------------------------------------------------------------------------------

TEST_F(SecEngineTest, IdleCoreTimingFormula) {
  FakeDmaPort dma(testing::kBase, testing::kMemBytes, sc_time(10, sc_core::SC_NS));
  params_.setup_latency_ns = 300;
  params_.aes_encrypt_gbps = 4.0;
  params_.aes_decrypt_gbps = 2.0;
  params_.sm3_gbps = 0.5;
  dma.put(kKey, Bytes(16, 1));
  dma.put(kIv, Bytes(16, 2));
  dma.put(kSrc, Bytes(8192, 3));
  SecBd enc =
      sec_bd_cipher(kSecCAlgAes, kSecCModeCbc, true, kSecCKey128, kKey, kIv, kSrc, kDst, 8192, 1);
  BdRun r = run(engine(), dma, enc);
  ASSERT_TRUE(r.bd.ok());
  // 3 reads (key, IV, data) and 1 write, 10 ns each; core: 300 ns + 8192 B / 4 GB/s.
  EXPECT_EQ(r.timing.read_input, sc_time(30, sc_core::SC_NS));
  EXPECT_EQ(r.timing.queued, SC_ZERO_TIME);
  EXPECT_EQ(r.timing.compute, ns(300) + transfer_time(8192, 4.0));
  EXPECT_EQ(r.timing.compute, ns(300 + 2048));
  EXPECT_EQ(r.timing.write_output, sc_time(10, sc_core::SC_NS));
  EXPECT_EQ(r.t, ns(30 + 300 + 2048 + 10));
  // Decryption uses the decrypt rate.
  SecBd dec = enc;
  dec.set_header(kSecBdType2, kSecCipherDecrypt, 0);
  EXPECT_EQ(engine().compute_time(dec), ns(300 + 4096));
  // Digest: a_len at the SM3 rate.
  SecBd sm3 = sec_bd_digest(kSecAAlgHmacSm3, 32, kAKey, 16, kSrc, 1000, kMac, 1);
  EXPECT_EQ(engine().compute_time(sm3), ns(300 + 2000));
  // GCM: AAD + text at the GCM rate.
  SecBd g = sec_bd_gcm(true, kSecCKey128, kKey, kIv, kSrc, kDst, 100, 1500, kMac, 16, 1);
  EXPECT_EQ(engine().compute_time(g), ns(300) + transfer_time(1600, params_.aes_gcm_gbps));
  EXPECT_EQ(env_.stats().find_histogram("sec.compute_ns")->count(), 1u);
}

TEST_F(SecEngineTest, RequestsQueueAtBusyCores) {
  params_.cores = 2;
  params_.setup_latency_ns = 0;
  params_.aes_encrypt_gbps = 1.0;
  dma_.put(kKey, Bytes(16, 1));
  dma_.put(kIv, Bytes(16, 2));
  dma_.put(kSrc, Bytes(4096, 3));
  SecBd bd =
      sec_bd_cipher(kSecCAlgAes, kSecCModeCtr, true, kSecCKey128, kKey, kIv, kSrc, kDst, 4096, 1);
  const sc_time service = ns(4096);
  // Three requests arriving together on two cores: the third waits one service time.
  BdRun a = run(engine(), dma_, bd);
  BdRun b = run(engine(), dma_, bd);
  BdRun c = run(engine(), dma_, bd);
  EXPECT_EQ(a.timing.queued, SC_ZERO_TIME);
  EXPECT_EQ(b.timing.queued, SC_ZERO_TIME);
  EXPECT_EQ(c.timing.queued, service);
  EXPECT_EQ(a.t, service);
  EXPECT_EQ(c.t, 2 * service);
  // One arriving after the first two finished does not wait.
  BdRun d = run(engine(), dma_, bd, 2 * service);
  EXPECT_EQ(d.timing.queued, SC_ZERO_TIME);
  EXPECT_EQ(engine().cores().server(0).jobs() + engine().cores().server(1).jobs(), 4u);
}

TEST_F(SecEngineTest, TimingOnlyModeMovesBytesWithoutCrypto) {
  params_.data_mode = "timing";
  Bytes pt(256, 0x42);
  BdRun r = cipher(kSecCAlgAes, kSecCModeCbc, true, Bytes(16, 1), Bytes(16, 2), pt);
  ASSERT_TRUE(r.bd.ok());
  EXPECT_EQ(dma_.get(kDst, 256), pt);  // copied, not encrypted
  EXPECT_EQ(r.timing.compute, engine().compute_time(r.bd));
  // GCM decrypt with any tag passes.
  EXPECT_TRUE(gcm(false, Bytes(16, 1), Bytes(12, 2), {}, pt, Bytes(16, 0)).bd.ok());
}

TEST_F(SecEngineTest, ServesEveryQueueType) {
  EXPECT_EQ(engine().for_alg_type(0), &engine());
  EXPECT_EQ(engine().for_alg_type(1), &engine());
  EXPECT_STREQ(engine().name(), "sec");
}

}  // namespace
}  // namespace wdsim
