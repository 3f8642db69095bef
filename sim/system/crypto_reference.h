// The known answers a crypto workload checks the SEC function against: what
// OpenSSL's EVP API (system libcrypto) computes for the same algorithm, key, IV
// and input. Independent of the SEC engine's own implementation (e.g. XTS here
// is EVP_aes_*_xts, the engine builds XTS from ECB), so a mismatch is a
// simulation error, as a ZIP output that zlib does not inflate is. Algorithms
// are named as UADK names them ("cbc(aes)", "hmac(sha256)", ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wdsim {

struct CryptoAlgInfo {
  std::string name;          // UADK name
  bool cipher = false;       // wd_cipher (else wd_digest)
  bool hmac = false;         // digest with a key
  uint32_t key_bytes = 0;    // cipher key (XTS: both halves) or HMAC key
  uint32_t block_bytes = 1;  // cipher input must be a multiple of this (ECB/CBC: 16)
  uint32_t min_bytes = 1;    // XTS: 16
  uint32_t mac_bytes = 0;    // digest length
};

// Facts about an algorithm the workload supports; false for an unknown name.
bool crypto_alg_info(const std::string &name, CryptoAlgInfo *info);

// Encryption (ciphers, no padding) or the digest / HMAC of `in`. False (with
// *why) when OpenSSL cannot compute it.
bool crypto_reference(const CryptoAlgInfo &alg, const std::vector<uint8_t> &key,
                      const std::vector<uint8_t> &iv, const std::vector<uint8_t> &in,
                      std::vector<uint8_t> *out, std::string *why);

// AES-GCM encryption (128/192/256-bit key by its length) of `pt` with `aad`: the ciphertext
// and a `tag_len`-byte tag, as OpenSSL's EVP computes them (the known answer for wd_aead and
// /dev/sec_sync).
void gcm_reference(const std::vector<uint8_t> &key, const std::vector<uint8_t> &iv,
                   const std::vector<uint8_t> &aad, const std::vector<uint8_t> &pt, size_t tag_len,
                   std::vector<uint8_t> *ct, std::vector<uint8_t> *tag);

}  // namespace wdsim
