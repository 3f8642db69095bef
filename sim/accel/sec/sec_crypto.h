// The SEC engine's functional core: the algorithms of the SEC v2 BD computed with OpenSSL 3
// libcrypto (EVP). No SystemC and no BD parsing: the engine (sec_engine.h) decodes the BD and
// calls these; tests and the runtime can use them as a reference.
//
// Covered: AES-128/192/256 and SM4 in ECB, CBC, CTR (128-bit big-endian counter, as the kernel's
// ctr_iv_inc), XTS (IEEE 1619 with ciphertext stealing; implemented here on the ECB primitive
// because OpenSSL 3.0 has no SM4-XTS and refuses AES-XTS keys whose halves are equal, which the
// hardware accepts); AES-GCM (12-byte IV, tag 4..16 bytes); digests SHA-1, SHA-224/256/384/512,
// SHA-512/224, SHA-512/256, MD5, SM3 and their HMACs.
// Not covered: DES/3DES, CFB/OFB/CCM, CBC-CS, AES-XCBC/CMAC/GMAC, long (multi-BD) hashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wdsim {

enum class SecCryptoStatus : uint8_t {
  kOk,
  kBadAlg,       // algorithm or mode not supported
  kBadKeyLen,    // key size not valid for the algorithm
  kBadLength,    // data length not valid for the mode (block multiple, XTS >= 16)
  kBadIvLen,     // IV size not valid for the mode
  kBadTagLen,    // GCM tag length not 4, 8 or 12..16
  kTagMismatch,  // GCM decrypt: tag check failed (no plaintext is returned)
  kInternal,     // OpenSSL failed unexpectedly
};
const char* sec_crypto_status_name(SecCryptoStatus s);

inline constexpr size_t kSecBlockBytes = 16;  // AES and SM4
inline constexpr size_t kSecGcmIvBytes = 12;

// True for the (c_alg, c_mode) pairs sec_cipher() computes (GCM goes through sec_gcm()).
bool sec_cipher_supported(uint8_t c_alg, uint8_t c_mode);
// IV bytes the mode reads from c_ivin_addr: 0 (ECB), 16 (CBC, CTR, XTS tweak), 12 (GCM).
size_t sec_cipher_iv_bytes(uint8_t c_mode);
// Data length rule of a mode: ECB/CBC whole blocks > 0, CTR > 0, XTS >= 16, GCM any.
bool sec_cipher_length_ok(uint8_t c_mode, size_t len);

// Non-authenticated cipher. `key` is the whole key (XTS: key1 || key2); `iv` must hold
// sec_cipher_iv_bytes(mode) bytes; `out` receives in.size() bytes (may equal in.data()).
SecCryptoStatus sec_cipher(uint8_t c_alg, uint8_t c_mode, bool encrypt,
                           std::span<const uint8_t> key, std::span<const uint8_t> iv,
                           std::span<const uint8_t> in, uint8_t* out);

// AES-GCM. Encrypt: writes out (in.size() bytes) and tag (tag.size() bytes). Decrypt: checks
// `tag` and writes out only when it matches (kTagMismatch otherwise).
SecCryptoStatus sec_gcm(bool encrypt, std::span<const uint8_t> key, std::span<const uint8_t> iv,
                        std::span<const uint8_t> aad, std::span<const uint8_t> in, uint8_t* out,
                        std::span<uint8_t> tag);
bool sec_gcm_tag_len_ok(size_t tag_bytes);

struct SecAuthAlgInfo {
  uint8_t a_alg;
  const char* digest_name;  // OpenSSL name
  uint32_t digest_bytes;
  uint32_t block_bytes;
  bool hmac;
};
// nullptr when the a_alg is not supported.
const SecAuthAlgInfo* sec_auth_alg_info(uint8_t a_alg);

// Digest (key ignored) or HMAC (by a_alg) of `data`; the full-length MAC in *mac.
SecCryptoStatus sec_auth(uint8_t a_alg, std::span<const uint8_t> key, std::span<const uint8_t> data,
                         std::vector<uint8_t>* mac);

}  // namespace wdsim
