// Test helpers for the SEC engine (no SystemC): the known-answer vector files in testdata/
// (blocks of "key = value" lines separated by blank lines, '#' comments, hex values), random
// data, and reference computations that call OpenSSL directly through APIs other than the ones
// sec_crypto.cc uses (EVP_CIPHER_fetch by name, OpenSSL's own AES-XTS, incremental EVP_MD_CTX,
// EVP_MAC_CTX) plus hand-written references (per-block XTS, RFC 2104 HMAC).
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "formats/sec/sec_bd.h"

namespace wdsim::testing {

using Bytes = std::vector<uint8_t>;
using TestVector = std::map<std::string, std::string>;

inline Bytes unhex(std::string_view s) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nib(s[i]) * 16 + nib(s[i + 1])));
  }
  return out;
}

inline std::string hex(const Bytes& b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t v : b) {
    s += kDigits[v >> 4];
    s += kDigits[v & 0xf];
  }
  return s;
}

// Reads sim/accel/sec/testdata/<file> (bazel runs tests in the workspace runfiles root).
inline std::vector<TestVector> load_vectors(const std::string& file) {
  std::ifstream in("sim/accel/sec/testdata/" + file);
  std::vector<TestVector> out;
  TestVector cur;
  std::string line;
  auto trim = [](std::string v) {
    size_t a = v.find_first_not_of(" \t\r");
    size_t b = v.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : v.substr(a, b - a + 1);
  };
  while (std::getline(in, line)) {
    line = trim(line);
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    cur[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

inline Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& v : b) v = static_cast<uint8_t>(rng());
  return b;
}

inline uint8_t c_alg_of(const std::string& name) {
  return name == "SM4" ? kSecCAlgSm4 : kSecCAlgAes;
}
inline uint8_t c_mode_of(const std::string& name) {
  if (name == "CBC") return kSecCModeCbc;
  if (name == "CTR") return kSecCModeCtr;
  if (name == "XTS") return kSecCModeXts;
  return kSecCModeEcb;
}

// One-shot cipher by OpenSSL name, no padding.
inline Bytes ref_evp(const std::string& name, bool encrypt, const Bytes& key, const Bytes& iv,
                     const Bytes& in) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
  Bytes out(in.size() + 32);
  int n1 = 0, n2 = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  bool ok = c != nullptr && EVP_CipherInit_ex2(ctx, c, key.data(), iv.empty() ? nullptr : iv.data(),
                                               encrypt ? 1 : 0, nullptr) == 1;
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  ok = ok && EVP_CipherUpdate(ctx, out.data(), &n1, in.data(), static_cast<int>(in.size())) == 1;
  ok = ok && EVP_CipherFinal_ex(ctx, out.data() + n1, &n2) == 1;
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(c);
  if (!ok) return {};
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

// Per-block XTS without ciphertext stealing (whole blocks only), on the OpenSSL ECB cipher
// `ecb_name`: a reference independent of sec_crypto.cc's batched implementation.
inline Bytes ref_xts_blocks(const std::string& ecb_name, bool encrypt, const Bytes& key,
                            const Bytes& iv, const Bytes& in) {
  size_t half = key.size() / 2;
  Bytes k1(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(half));
  Bytes k2(key.begin() + static_cast<std::ptrdiff_t>(half), key.end());
  Bytes t = ref_evp(ecb_name, true, k2, {}, Bytes(iv.begin(), iv.begin() + 16));
  Bytes out;
  for (size_t off = 0; off + 16 <= in.size(); off += 16) {
    Bytes b(16);
    for (int i = 0; i < 16; ++i) b[i] = in[off + i] ^ t[i];
    b = ref_evp(ecb_name, encrypt, k1, {}, b);
    for (int i = 0; i < 16; ++i) out.push_back(b[i] ^ t[i]);
    int carry = 0;
    for (int i = 0; i < 16; ++i) {
      int next = t[i] >> 7;
      t[i] = static_cast<uint8_t>((t[i] << 1) | carry);
      carry = next;
    }
    if (carry) t[0] ^= 0x87;
  }
  return out;
}

// OpenSSL name of (alg, mode, one key's size), e.g. "AES-192-CBC", "SM4-CTR", "AES-256-XTS".
inline std::string evp_name(uint8_t c_alg, uint8_t c_mode, size_t one_key_bytes) {
  static const std::map<uint8_t, std::string> kModes = {{kSecCModeEcb, "ECB"},
                                                        {kSecCModeCbc, "CBC"},
                                                        {kSecCModeCtr, "CTR"},
                                                        {kSecCModeXts, "XTS"},
                                                        {kSecCModeGcm, "GCM"}};
  if (c_alg == kSecCAlgSm4) return "SM4-" + kModes.at(c_mode);
  return "AES-" + std::to_string(one_key_bytes * 8) + "-" + kModes.at(c_mode);
}

// GCM by OpenSSL name through EVP_CIPHER_fetch and OSSL_PARAMs.
inline void ref_gcm_encrypt(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& pt,
                            size_t tag_len, Bytes* ct, Bytes* tag) {
  EVP_CIPHER* c =
      EVP_CIPHER_fetch(nullptr, evp_name(kSecCAlgAes, kSecCModeGcm, key.size()).c_str(), nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex2(ctx, c, key.data(), iv.data(), nullptr);
  int n = 0;
  if (!aad.empty()) EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size()));
  ct->assign(pt.size(), 0);
  if (!pt.empty()) EVP_EncryptUpdate(ctx, ct->data(), &n, pt.data(), static_cast<int>(pt.size()));
  EVP_EncryptFinal_ex(ctx, ct->data() + n, &n);
  tag->assign(tag_len, 0);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag->data(), tag_len),
      OSSL_PARAM_construct_end()};
  EVP_CIPHER_CTX_get_params(ctx, params);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(c);
}

// Incremental EVP_MD_CTX digest.
inline Bytes ref_digest(const std::string& name, const Bytes& data) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name.c_str(), nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EVP_DigestInit_ex2(ctx, md, nullptr);
  // Feed in two pieces to take a different path from the one-shot call.
  size_t half = data.size() / 2;
  EVP_DigestUpdate(ctx, data.data(), half);
  EVP_DigestUpdate(ctx, data.data() + half, data.size() - half);
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  out.resize(len);
  return out;
}

// EVP_MAC_CTX HMAC.
inline Bytes ref_hmac(const std::string& digest, const Bytes& key, const Bytes& data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  std::string d = digest;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, d.data(), 0),
                         OSSL_PARAM_construct_end()};
  Bytes out(EVP_MAX_MD_SIZE);
  size_t len = 0;
  EVP_MAC_init(ctx, key.data(), key.size(), params);
  EVP_MAC_update(ctx, data.data(), data.size());
  EVP_MAC_final(ctx, out.data(), &len, out.size());
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  out.resize(len);
  return out;
}

// RFC 2104 by hand: H((K ^ opad) || H((K ^ ipad) || m)).
inline Bytes rfc2104_hmac(const std::string& digest, size_t block, Bytes key, const Bytes& data) {
  if (key.size() > block) key = ref_digest(digest, key);
  key.resize(block, 0);
  Bytes inner(block), outer(block);
  for (size_t i = 0; i < block; ++i) {
    inner[i] = key[i] ^ 0x36;
    outer[i] = key[i] ^ 0x5c;
  }
  inner.insert(inner.end(), data.begin(), data.end());
  Bytes ih = ref_digest(digest, inner);
  outer.insert(outer.end(), ih.begin(), ih.end());
  return ref_digest(digest, outer);
}

}  // namespace wdsim::testing
