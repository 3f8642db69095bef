// Known-answer vectors from the standards and equality with OpenSSL on random data, through
// the BD path of the SEC engine.
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

// ---- Known answers from the standards, through the BD --------------------------------------

TEST_F(SecEngineTest, CipherKnownAnswers) {
  int n = 0;
  for (const char* file :
       {"fips197_aes.txt", "sp800_38a_aes.txt", "ieee1619_xts_aes.txt", "gbt32907_sm4.txt"}) {
    auto vectors = testing::load_vectors(file);
    ASSERT_FALSE(vectors.empty()) << file;
    for (auto& v : vectors) {
      SCOPED_TRACE(v["source"]);
      uint8_t alg = testing::c_alg_of(v["alg"]);
      uint8_t mode = testing::c_mode_of(v["mode"]);
      Bytes pt = unhex(v["pt"]), ct = unhex(v["ct"]);
      BdRun e = cipher(alg, mode, true, unhex(v["key"]), unhex(v["iv"]), pt);
      ASSERT_TRUE(e.bd.ok()) << sec_error_name(e.bd.error_type);
      EXPECT_EQ(e.bd.flag(), kSecFlagCipher);
      EXPECT_EQ(e.bd.tag, 9);
      EXPECT_EQ(testing::hex(dma_.get(kDst, ct.size())), v["ct"]);
      BdRun d = cipher(alg, mode, false, unhex(v["key"]), unhex(v["iv"]), ct);
      ASSERT_TRUE(d.bd.ok());
      EXPECT_EQ(testing::hex(dma_.get(kDst, pt.size())), v["pt"]);
      ++n;
    }
  }
  EXPECT_EQ(n, 3 + 9 + 7 + 1);
}

TEST_F(SecEngineTest, GcmKnownAnswers) {
  auto vectors = testing::load_vectors("gcm_aes.txt");
  ASSERT_EQ(vectors.size(), 9u);
  for (auto& v : vectors) {
    SCOPED_TRACE(v["source"]);
    Bytes aad = unhex(v["aad"]), pt = unhex(v["pt"]), ct = unhex(v["ct"]);
    BdRun e = gcm(true, unhex(v["key"]), unhex(v["iv"]), aad, pt, Bytes(16, 0));
    ASSERT_TRUE(e.bd.ok()) << sec_error_name(e.bd.error_type);
    EXPECT_EQ(e.bd.flag(), kSecFlagAead);
    EXPECT_EQ(testing::hex(dma_.get(kMac, 16)), v["tag"]);
    EXPECT_EQ(dma_.get(kDst, aad.size()), aad);  // AAD copied through
    EXPECT_EQ(testing::hex(dma_.get(kDst + aad.size(), ct.size())), v["ct"]);
    BdRun d = gcm(false, unhex(v["key"]), unhex(v["iv"]), aad, ct, unhex(v["tag"]));
    ASSERT_TRUE(d.bd.ok());
    EXPECT_EQ(d.bd.icv(), kSecIcvOk);
    EXPECT_EQ(testing::hex(dma_.get(kDst + aad.size(), pt.size())), v["pt"]);
  }
}

TEST_F(SecEngineTest, DigestKnownAnswers) {
  const std::map<std::string, uint8_t> algs = {{"SHA1", kSecAAlgSha1},
                                               {"SHA256", kSecAAlgSha256},
                                               {"SHA512", kSecAAlgSha512},
                                               {"SM3", kSecAAlgSm3}};
  int n = 0;
  for (const char* file : {"fips180_sha.txt", "gbt32905_sm3.txt"}) {
    for (auto& v : testing::load_vectors(file)) {
      SCOPED_TRACE(v["source"]);
      Bytes md = unhex(v["md"]);
      BdRun r = auth_run(algs.at(v["alg"]), {}, unhex(v["msg"]), static_cast<uint32_t>(md.size()));
      ASSERT_TRUE(r.bd.ok()) << sec_error_name(r.bd.error_type);
      EXPECT_EQ(r.bd.flag(), kSecFlagAuth);
      EXPECT_EQ(testing::hex(dma_.get(kMac, md.size())), v["md"]);
      ++n;
    }
  }
  EXPECT_EQ(n, 8);
}

TEST_F(SecEngineTest, HmacKnownAnswers) {
  int n = 0;
  for (const char* file : {"rfc4231_hmac_sha256.txt", "hmac_sm3.txt"}) {
    for (auto& v : testing::load_vectors(file)) {
      SCOPED_TRACE(v["source"]);
      bool sm3 = v["alg"] == "HMAC_SM3";
      std::string digest = sm3 ? "SM3" : "SHA256";
      Bytes mac = unhex(v["mac"]);
      Bytes key = driver_hmac_key(digest, 64, unhex(v["key"]));
      Bytes msg = unhex(v["msg"]);
      BdRun r = auth_run(sm3 ? kSecAAlgHmacSm3 : kSecAAlgHmacSha256, key, msg, mac.size());
      ASSERT_TRUE(r.bd.ok()) << sec_error_name(r.bd.error_type);
      EXPECT_EQ(testing::hex(dma_.get(kMac, mac.size())), v["mac"]);
      if (sm3) {  // and the hand-written RFC 2104 construction agrees
        EXPECT_EQ(testing::rfc2104_hmac("SM3", 64, unhex(v["key"]), msg), mac);
      }
      ++n;
    }
  }
  EXPECT_EQ(n, 7 + 4);
}

// ---- Equal to OpenSSL on random data ---------------------------------------------------------

TEST_F(SecEngineTest, CiphersMatchOpenSslOnRandomData) {
  std::mt19937_64 rng(env_.seed());
  struct Case {
    uint8_t alg, mode;
    size_t one_key;
  };
  const Case cases[] = {
      {kSecCAlgAes, kSecCModeEcb, 16}, {kSecCAlgAes, kSecCModeEcb, 24},
      {kSecCAlgAes, kSecCModeEcb, 32}, {kSecCAlgAes, kSecCModeCbc, 16},
      {kSecCAlgAes, kSecCModeCbc, 24}, {kSecCAlgAes, kSecCModeCbc, 32},
      {kSecCAlgAes, kSecCModeCtr, 16}, {kSecCAlgAes, kSecCModeCtr, 24},
      {kSecCAlgAes, kSecCModeCtr, 32}, {kSecCAlgAes, kSecCModeXts, 16},
      {kSecCAlgAes, kSecCModeXts, 32}, {kSecCAlgSm4, kSecCModeEcb, 16},
      {kSecCAlgSm4, kSecCModeCbc, 16}, {kSecCAlgSm4, kSecCModeCtr, 16},
  };
  for (const Case& c : cases) {
    for (size_t len : {size_t{16}, size_t{4096}, size_t{65536}, size_t{1} << 20}) {
      SCOPED_TRACE(testing::evp_name(c.alg, c.mode, c.one_key) + " " + std::to_string(len));
      size_t key_bytes = c.mode == kSecCModeXts ? 2 * c.one_key : c.one_key;
      Bytes key = testing::random_bytes(rng, key_bytes);
      Bytes iv = c.mode == kSecCModeEcb ? Bytes{} : testing::random_bytes(rng, 16);
      Bytes pt = testing::random_bytes(rng, len);
      Bytes ref = testing::ref_evp(testing::evp_name(c.alg, c.mode, c.one_key), true, key, iv, pt);
      ASSERT_EQ(ref.size(), len);
      ASSERT_TRUE(cipher(c.alg, c.mode, true, key, iv, pt).bd.ok());
      EXPECT_EQ(dma_.get(kDst, len), ref);
      ASSERT_TRUE(cipher(c.alg, c.mode, false, key, iv, ref).bd.ok());
      EXPECT_EQ(dma_.get(kDst, len), pt);
    }
  }
  // CTR takes any length (last block partial); XTS any length >= 16 (ciphertext stealing).
  for (size_t len : {size_t{1}, size_t{17}, size_t{1000}}) {
    Bytes key = testing::random_bytes(rng, 32), iv = testing::random_bytes(rng, 16);
    Bytes pt = testing::random_bytes(rng, len);
    ASSERT_TRUE(
        cipher(kSecCAlgSm4, kSecCModeCtr, true, Bytes(key.begin(), key.begin() + 16), iv, pt)
            .bd.ok());
    EXPECT_EQ(dma_.get(kDst, len),
              testing::ref_evp("SM4-CTR", true, Bytes(key.begin(), key.begin() + 16), iv, pt));
    if (len < 16) continue;
    ASSERT_TRUE(cipher(kSecCAlgAes, kSecCModeXts, true, key, iv, pt).bd.ok());
    EXPECT_EQ(dma_.get(kDst, len), testing::ref_evp("AES-128-XTS", true, key, iv, pt));
  }
  // SM4-XTS: OpenSSL 3.0 has none; whole blocks against the per-block reference on SM4-ECB.
  Bytes key = testing::random_bytes(rng, 32), iv = testing::random_bytes(rng, 16);
  Bytes pt = testing::random_bytes(rng, 8192);
  ASSERT_TRUE(cipher(kSecCAlgSm4, kSecCModeXts, true, key, iv, pt).bd.ok());
  EXPECT_EQ(dma_.get(kDst, pt.size()), testing::ref_xts_blocks("SM4-ECB", true, key, iv, pt));
}

TEST_F(SecEngineTest, GcmMatchesOpenSslOnRandomData) {
  std::mt19937_64 rng(11);
  for (size_t key_bytes : {16, 24, 32}) {
    for (size_t len : {0, 1, 16, 100, 65536}) {
      for (size_t tag_len : {4, 8, 12, 16}) {
        SCOPED_TRACE(std::to_string(key_bytes) + " " + std::to_string(len) + " " +
                     std::to_string(tag_len));
        Bytes key = testing::random_bytes(rng, key_bytes), iv = testing::random_bytes(rng, 12);
        Bytes aad = testing::random_bytes(rng, len % 37);
        Bytes pt = testing::random_bytes(rng, len);
        Bytes ct, tag;
        testing::ref_gcm_encrypt(key, iv, aad, pt, tag_len, &ct, &tag);
        ASSERT_TRUE(gcm(true, key, iv, aad, pt, Bytes(tag_len)).bd.ok());
        EXPECT_EQ(dma_.get(kDst + aad.size(), len), ct);
        EXPECT_EQ(dma_.get(kMac, tag_len), tag);
        ASSERT_TRUE(gcm(false, key, iv, aad, ct, tag).bd.ok());
        EXPECT_EQ(dma_.get(kDst + aad.size(), len), pt);
      }
    }
  }
}

TEST_F(SecEngineTest, DigestsAndHmacsMatchOpenSslOnRandomData) {
  std::mt19937_64 rng(13);
  const uint8_t algs[] = {kSecAAlgSha1,     kSecAAlgSha256,     kSecAAlgSha512,
                          kSecAAlgSm3,      kSecAAlgMd5,        kSecAAlgSha224,
                          kSecAAlgSha384,   kSecAAlgHmacSha256, kSecAAlgHmacSm3,
                          kSecAAlgHmacSha1, kSecAAlgHmacSha512, kSecAAlgHmacSha384};
  for (uint8_t a : algs) {
    const SecAuthAlgInfo* info = sec_auth_alg_info(a);
    ASSERT_NE(info, nullptr);
    for (size_t len : {size_t{0}, size_t{1}, size_t{64}, size_t{1000}, size_t{1} << 20}) {
      SCOPED_TRACE(std::string(sec_a_alg_name(a)) + " " + std::to_string(len));
      Bytes msg = testing::random_bytes(rng, len);
      Bytes key = info->hmac ? testing::random_bytes(rng, 4 * (1 + rng() % 32)) : Bytes{};
      Bytes ref = info->hmac ? testing::ref_hmac(info->digest_name, key, msg)
                             : testing::ref_digest(info->digest_name, msg);
      BdRun r = auth_run(a, key, msg, info->digest_bytes);
      ASSERT_TRUE(r.bd.ok()) << sec_error_name(r.bd.error_type);
      EXPECT_EQ(dma_.get(kMac, info->digest_bytes), ref);
    }
  }
}

}  // namespace
}  // namespace wdsim
