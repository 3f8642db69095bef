#include "sim/accel/sec/sec_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "formats/sec/sec_bd.h"

namespace wdsim {

namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

constexpr std::array<SecAuthAlgInfo, 18> kAuthAlgs = {{
    {kSecAAlgSha1, "SHA1", 20, 64, false},
    {kSecAAlgSha256, "SHA256", 32, 64, false},
    {kSecAAlgMd5, "MD5", 16, 64, false},
    {kSecAAlgSha224, "SHA224", 28, 64, false},
    {kSecAAlgSha384, "SHA384", 48, 128, false},
    {kSecAAlgSha512, "SHA512", 64, 128, false},
    {kSecAAlgSha512_224, "SHA512-224", 28, 128, false},
    {kSecAAlgSha512_256, "SHA512-256", 32, 128, false},
    {kSecAAlgSm3, "SM3", 32, 64, false},
    {kSecAAlgHmacSha1, "SHA1", 20, 64, true},
    {kSecAAlgHmacSha256, "SHA256", 32, 64, true},
    {kSecAAlgHmacMd5, "MD5", 16, 64, true},
    {kSecAAlgHmacSha224, "SHA224", 28, 64, true},
    {kSecAAlgHmacSha384, "SHA384", 48, 128, true},
    {kSecAAlgHmacSha512, "SHA512", 64, 128, true},
    {kSecAAlgHmacSha512_224, "SHA512-224", 28, 128, true},
    {kSecAAlgHmacSha512_256, "SHA512-256", 32, 128, true},
    {kSecAAlgHmacSm3, "SM3", 32, 64, true},
}};

// The OpenSSL cipher for (alg, mode, one key's size); nullptr when unsupported.
const EVP_CIPHER* evp_cipher(uint8_t c_alg, uint8_t c_mode, size_t key_bytes) {
  if (c_alg == kSecCAlgSm4) {
    if (key_bytes != 16) return nullptr;
    switch (c_mode) {
      case kSecCModeEcb:
        return EVP_sm4_ecb();
      case kSecCModeCbc:
        return EVP_sm4_cbc();
      case kSecCModeCtr:
        return EVP_sm4_ctr();
    }
    return nullptr;
  }
  if (c_alg != kSecCAlgAes) return nullptr;
  int size = key_bytes == 16 ? 0 : key_bytes == 24 ? 1 : key_bytes == 32 ? 2 : -1;
  if (size < 0) return nullptr;
  switch (c_mode) {
    case kSecCModeEcb:
      return std::array{EVP_aes_128_ecb(), EVP_aes_192_ecb(), EVP_aes_256_ecb()}[size];
    case kSecCModeCbc:
      return std::array{EVP_aes_128_cbc(), EVP_aes_192_cbc(), EVP_aes_256_cbc()}[size];
    case kSecCModeCtr:
      return std::array{EVP_aes_128_ctr(), EVP_aes_192_ctr(), EVP_aes_256_ctr()}[size];
    case kSecCModeGcm:
      return std::array{EVP_aes_128_gcm(), EVP_aes_192_gcm(), EVP_aes_256_gcm()}[size];
  }
  return nullptr;
}

// One-shot EVP cipher without padding; len may be 0.
bool evp_run(const EVP_CIPHER* cipher, bool encrypt, const uint8_t* key, const uint8_t* iv,
             const uint8_t* in, size_t len, uint8_t* out) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key, iv, encrypt ? 1 : 0) != 1) {
    return false;
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  int n = 0;
  size_t done = 0;
  constexpr size_t kChunk = size_t{1} << 30;  // EVP takes int lengths
  while (done < len) {
    int chunk = static_cast<int>(std::min(kChunk, len - done));
    if (EVP_CipherUpdate(ctx.get(), out + done, &n, in + done, chunk) != 1) return false;
    done += static_cast<size_t>(n);
  }
  return EVP_CipherFinal_ex(ctx.get(), out + done, &n) == 1;
}

using Block = std::array<uint8_t, kSecBlockBytes>;

// Multiply the tweak by x in GF(2^128), IEEE 1619 little-endian convention.
void xts_mul_x(Block& t) {
  uint8_t carry = 0;
  for (uint8_t& b : t) {
    uint8_t next = static_cast<uint8_t>(b >> 7);
    b = static_cast<uint8_t>((b << 1) | carry);
    carry = next;
  }
  if (carry) t[0] ^= 0x87;
}

// XTS on whole blocks starting at tweak *t (advanced past them): out = E(in ^ T) ^ T.
bool xts_blocks(const EVP_CIPHER* ecb, bool encrypt, const uint8_t* key1, Block* t,
                const uint8_t* in, size_t blocks, uint8_t* out) {
  if (blocks == 0) return true;
  size_t len = blocks * kSecBlockBytes;
  std::vector<uint8_t> tweaks(len);
  std::vector<uint8_t> buf(len);
  for (size_t j = 0; j < blocks; ++j) {
    std::memcpy(&tweaks[j * kSecBlockBytes], t->data(), kSecBlockBytes);
    xts_mul_x(*t);
  }
  for (size_t i = 0; i < len; ++i) buf[i] = in[i] ^ tweaks[i];
  if (!evp_run(ecb, encrypt, key1, nullptr, buf.data(), len, buf.data())) return false;
  for (size_t i = 0; i < len; ++i) out[i] = buf[i] ^ tweaks[i];
  return true;
}

bool xts_one(const EVP_CIPHER* ecb, bool encrypt, const uint8_t* key1, const Block& t,
             const uint8_t* in, uint8_t* out) {
  Block tt = t;
  return xts_blocks(ecb, encrypt, key1, &tt, in, 1, out);
}

SecCryptoStatus xts(uint8_t c_alg, bool encrypt, std::span<const uint8_t> key,
                    std::span<const uint8_t> iv, std::span<const uint8_t> in, uint8_t* out) {
  size_t half = key.size() / 2;
  if (key.size() % 2 != 0) return SecCryptoStatus::kBadKeyLen;
  const EVP_CIPHER* ecb = evp_cipher(c_alg, kSecCModeEcb, half);
  if (ecb == nullptr) return SecCryptoStatus::kBadKeyLen;
  const uint8_t* key1 = key.data();
  const uint8_t* key2 = key.data() + half;
  Block t{};
  if (!evp_run(ecb, true, key2, nullptr, iv.data(), kSecBlockBytes, t.data())) {
    return SecCryptoStatus::kInternal;
  }
  size_t len = in.size();
  size_t full = len / kSecBlockBytes;
  size_t tail = len % kSecBlockBytes;
  // Without a partial tail every block is plain XTS; with one, the last full block and the tail
  // go through ciphertext stealing.
  size_t plain = tail == 0 ? full : full - 1;
  std::vector<uint8_t> tmp(in.begin(), in.end());  // `out` may alias `in`
  if (!xts_blocks(ecb, encrypt, key1, &t, tmp.data(), plain, out)) {
    return SecCryptoStatus::kInternal;
  }
  if (tail == 0) return SecCryptoStatus::kOk;
  const uint8_t* last_full = tmp.data() + plain * kSecBlockBytes;
  const uint8_t* part = last_full + kSecBlockBytes;
  uint8_t* out_full = out + plain * kSecBlockBytes;
  uint8_t* out_part = out_full + kSecBlockBytes;
  Block t_next = t;
  xts_mul_x(t_next);
  Block cc{};
  Block pp{};
  if (encrypt) {
    if (!xts_one(ecb, true, key1, t, last_full, cc.data())) return SecCryptoStatus::kInternal;
    std::memcpy(pp.data(), part, tail);
    std::memcpy(pp.data() + tail, cc.data() + tail, kSecBlockBytes - tail);
    std::memcpy(out_part, cc.data(), tail);
    if (!xts_one(ecb, true, key1, t_next, pp.data(), out_full)) return SecCryptoStatus::kInternal;
  } else {
    if (!xts_one(ecb, false, key1, t_next, last_full, pp.data())) {
      return SecCryptoStatus::kInternal;
    }
    std::memcpy(cc.data(), part, tail);
    std::memcpy(cc.data() + tail, pp.data() + tail, kSecBlockBytes - tail);
    std::memcpy(out_part, pp.data(), tail);
    if (!xts_one(ecb, false, key1, t, cc.data(), out_full)) return SecCryptoStatus::kInternal;
  }
  return SecCryptoStatus::kOk;
}

}  // namespace

const char* sec_crypto_status_name(SecCryptoStatus s) {
  switch (s) {
    case SecCryptoStatus::kOk:
      return "ok";
    case SecCryptoStatus::kBadAlg:
      return "bad_alg";
    case SecCryptoStatus::kBadKeyLen:
      return "bad_key_len";
    case SecCryptoStatus::kBadLength:
      return "bad_length";
    case SecCryptoStatus::kBadIvLen:
      return "bad_iv_len";
    case SecCryptoStatus::kBadTagLen:
      return "bad_tag_len";
    case SecCryptoStatus::kTagMismatch:
      return "tag_mismatch";
    case SecCryptoStatus::kInternal:
      return "internal";
  }
  return "unknown";
}

bool sec_cipher_supported(uint8_t c_alg, uint8_t c_mode) {
  if (c_alg != kSecCAlgAes && c_alg != kSecCAlgSm4) return false;
  return c_mode == kSecCModeEcb || c_mode == kSecCModeCbc || c_mode == kSecCModeCtr ||
         c_mode == kSecCModeXts;
}

size_t sec_cipher_iv_bytes(uint8_t c_mode) {
  switch (c_mode) {
    case kSecCModeEcb:
      return 0;
    case kSecCModeGcm:
      return kSecGcmIvBytes;
  }
  return kSecBlockBytes;
}

bool sec_cipher_length_ok(uint8_t c_mode, size_t len) {
  switch (c_mode) {
    case kSecCModeEcb:
    case kSecCModeCbc:
      return len > 0 && len % kSecBlockBytes == 0;
    case kSecCModeCtr:
      return len > 0;
    case kSecCModeXts:
      return len >= kSecBlockBytes;
    case kSecCModeGcm:
      return true;
  }
  return false;
}

SecCryptoStatus sec_cipher(uint8_t c_alg, uint8_t c_mode, bool encrypt,
                           std::span<const uint8_t> key, std::span<const uint8_t> iv,
                           std::span<const uint8_t> in, uint8_t* out) {
  if (!sec_cipher_supported(c_alg, c_mode)) return SecCryptoStatus::kBadAlg;
  if (!sec_cipher_length_ok(c_mode, in.size())) return SecCryptoStatus::kBadLength;
  if (iv.size() < sec_cipher_iv_bytes(c_mode)) return SecCryptoStatus::kBadIvLen;
  if (c_mode == kSecCModeXts) return xts(c_alg, encrypt, key, iv, in, out);
  const EVP_CIPHER* cipher = evp_cipher(c_alg, c_mode, key.size());
  if (cipher == nullptr) return SecCryptoStatus::kBadKeyLen;
  const uint8_t* iv_ptr = c_mode == kSecCModeEcb ? nullptr : iv.data();
  return evp_run(cipher, encrypt, key.data(), iv_ptr, in.data(), in.size(), out)
             ? SecCryptoStatus::kOk
             : SecCryptoStatus::kInternal;
}

bool sec_gcm_tag_len_ok(size_t tag_bytes) {
  return tag_bytes == 4 || tag_bytes == 8 || (tag_bytes >= 12 && tag_bytes <= 16);
}

SecCryptoStatus sec_gcm(bool encrypt, std::span<const uint8_t> key, std::span<const uint8_t> iv,
                        std::span<const uint8_t> aad, std::span<const uint8_t> in, uint8_t* out,
                        std::span<uint8_t> tag) {
  const EVP_CIPHER* cipher = evp_cipher(kSecCAlgAes, kSecCModeGcm, key.size());
  if (cipher == nullptr) return SecCryptoStatus::kBadKeyLen;
  if (iv.size() != kSecGcmIvBytes) return SecCryptoStatus::kBadIvLen;
  if (!sec_gcm_tag_len_ok(tag.size())) return SecCryptoStatus::kBadTagLen;
  constexpr size_t kMaxInt = 0x7fffffff;
  if (in.size() > kMaxInt || aad.size() > kMaxInt) return SecCryptoStatus::kBadLength;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int enc = encrypt ? 1 : 0;
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), enc) != 1) {
    return SecCryptoStatus::kInternal;
  }
  int aad_n = 0;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &aad_n, aad.data(), static_cast<int>(aad.size())) != 1) {
    return SecCryptoStatus::kInternal;
  }
  // The output so far: what the input's update wrote (not the AAD's count: with no input the
  // final call writes at the start of an empty buffer).
  std::vector<uint8_t> result(in.size());
  int n = 0;
  if (!in.empty() &&
      EVP_CipherUpdate(ctx.get(), result.data(), &n, in.data(), static_cast<int>(in.size())) != 1) {
    return SecCryptoStatus::kInternal;
  }
  uint8_t* final_out = result.data() + n;  // n == 0 when result is empty
  int tag_len = static_cast<int>(tag.size());
  if (encrypt) {
    if (EVP_CipherFinal_ex(ctx.get(), final_out, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_len, tag.data()) != 1) {
      return SecCryptoStatus::kInternal;
    }
  } else {
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_len, tag.data()) != 1) {
      return SecCryptoStatus::kInternal;
    }
    if (EVP_CipherFinal_ex(ctx.get(), final_out, &n) != 1) {
      return SecCryptoStatus::kTagMismatch;
    }
  }
  if (!result.empty()) std::memcpy(out, result.data(), result.size());
  return SecCryptoStatus::kOk;
}

const SecAuthAlgInfo* sec_auth_alg_info(uint8_t a_alg) {
  for (const SecAuthAlgInfo& info : kAuthAlgs) {
    if (info.a_alg == a_alg) return &info;
  }
  return nullptr;
}

SecCryptoStatus sec_auth(uint8_t a_alg, std::span<const uint8_t> key, std::span<const uint8_t> data,
                         std::vector<uint8_t>* mac) {
  const SecAuthAlgInfo* info = sec_auth_alg_info(a_alg);
  if (info == nullptr) return SecCryptoStatus::kBadAlg;
  mac->assign(info->digest_bytes, 0);
  static const uint8_t kEmpty[1] = {0};
  const uint8_t* data_ptr = data.empty() ? kEmpty : data.data();
  if (!info->hmac) {
    EVP_MD* md = EVP_MD_fetch(nullptr, info->digest_name, nullptr);
    if (md == nullptr) return SecCryptoStatus::kInternal;
    unsigned int len = 0;
    int ok = EVP_Digest(data_ptr, data.size(), mac->data(), &len, md, nullptr);
    EVP_MD_free(md);
    return ok == 1 && len == info->digest_bytes ? SecCryptoStatus::kOk : SecCryptoStatus::kInternal;
  }
  // HMAC zero-pads a short key to the block size, so an empty key equals the one-byte key {0}
  // (OpenSSL refuses an empty key).
  std::span<const uint8_t> k = key.empty() ? std::span<const uint8_t>(kEmpty, 1) : key;
  size_t len = 0;
  unsigned char* r = EVP_Q_mac(nullptr, "HMAC", nullptr, info->digest_name, nullptr, k.data(),
                               k.size(), data_ptr, data.size(), mac->data(), mac->size(), &len);
  return r != nullptr && len == info->digest_bytes ? SecCryptoStatus::kOk
                                                   : SecCryptoStatus::kInternal;
}

}  // namespace wdsim
