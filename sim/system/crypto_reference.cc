#include "sim/system/crypto_reference.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

namespace wdsim {

namespace {

struct Entry {
  const char *name;
  bool cipher;
  bool hmac;
  uint32_t key_bytes;
  uint32_t block_bytes;
  uint32_t min_bytes;
  uint32_t mac_bytes;
  const EVP_CIPHER *(*evp_cipher)();
  const EVP_MD *(*evp_md)();
};

// Ciphers use 128-bit keys (XTS: two of them).
const Entry kEntries[] = {
    {"ecb(aes)", true, false, 16, 16, 16, 0, EVP_aes_128_ecb, nullptr},
    {"cbc(aes)", true, false, 16, 16, 16, 0, EVP_aes_128_cbc, nullptr},
    {"ctr(aes)", true, false, 16, 1, 1, 0, EVP_aes_128_ctr, nullptr},
    {"xts(aes)", true, false, 32, 1, 16, 0, EVP_aes_128_xts, nullptr},
    {"ecb(sm4)", true, false, 16, 16, 16, 0, EVP_sm4_ecb, nullptr},
    {"cbc(sm4)", true, false, 16, 16, 16, 0, EVP_sm4_cbc, nullptr},
    {"ctr(sm4)", true, false, 16, 1, 1, 0, EVP_sm4_ctr, nullptr},
    {"sha1", false, false, 0, 1, 1, 20, nullptr, EVP_sha1},
    {"sha256", false, false, 0, 1, 1, 32, nullptr, EVP_sha256},
    {"sha512", false, false, 0, 1, 1, 64, nullptr, EVP_sha512},
    {"sm3", false, false, 0, 1, 1, 32, nullptr, EVP_sm3},
    {"hmac(sha256)", false, true, 32, 1, 1, 32, nullptr, EVP_sha256},
    {"hmac(sm3)", false, true, 32, 1, 1, 32, nullptr, EVP_sm3},
};

const Entry *find(const std::string &name) {
  for (const Entry &e : kEntries) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX *c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

bool crypto_alg_info(const std::string &name, CryptoAlgInfo *info) {
  const Entry *e = find(name);
  if (!e) return false;
  info->name = e->name;
  info->cipher = e->cipher;
  info->hmac = e->hmac;
  info->key_bytes = e->key_bytes;
  info->block_bytes = e->block_bytes;
  info->min_bytes = e->min_bytes;
  info->mac_bytes = e->mac_bytes;
  return true;
}

bool crypto_reference(const CryptoAlgInfo &alg, const std::vector<uint8_t> &key,
                      const std::vector<uint8_t> &iv, const std::vector<uint8_t> &in,
                      std::vector<uint8_t> *out, std::string *why) {
  const Entry *e = find(alg.name);
  if (!e) {
    *why = "unknown algorithm " + alg.name;
    return false;
  }
  if (e->cipher) {
    std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
    out->assign(in.size() + 16, 0);
    int n = 0;
    int tail = 0;
    const uint8_t *iv_ptr = iv.empty() ? nullptr : iv.data();
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), e->evp_cipher(), nullptr, key.data(), iv_ptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out->data(), &n, in.data(), static_cast<int>(in.size())) !=
            1 ||
        EVP_EncryptFinal_ex(ctx.get(), out->data() + n, &tail) != 1) {
      *why = "OpenSSL refused " + alg.name;
      return false;
    }
    out->resize(static_cast<size_t>(n + tail));
    return true;
  }
  out->assign(EVP_MAX_MD_SIZE, 0);
  unsigned int len = 0;
  bool ok = false;
  if (e->hmac) {
    ok = HMAC(e->evp_md(), key.data(), static_cast<int>(key.size()), in.data(), in.size(),
              out->data(), &len) != nullptr;
  } else {
    ok = EVP_Digest(in.data(), in.size(), out->data(), &len, e->evp_md(), nullptr) == 1;
  }
  if (!ok) {
    *why = "OpenSSL refused " + alg.name;
    return false;
  }
  out->resize(len);
  return true;
}

void gcm_reference(const std::vector<uint8_t> &key, const std::vector<uint8_t> &iv,
                   const std::vector<uint8_t> &aad, const std::vector<uint8_t> &pt, size_t tag_len,
                   std::vector<uint8_t> *ct, std::vector<uint8_t> *tag) {
  const EVP_CIPHER *c = key.size() == 16   ? EVP_aes_128_gcm()
                        : key.size() == 24 ? EVP_aes_192_gcm()
                                           : EVP_aes_256_gcm();
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, c, nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr);
  EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), iv.data());
  int n = 0;
  EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size()));
  ct->assign(pt.size(), 0);
  EVP_EncryptUpdate(ctx, ct->data(), &n, pt.data(), static_cast<int>(pt.size()));
  EVP_EncryptFinal_ex(ctx, ct->data() + n, &n);
  tag->assign(tag_len, 0);
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_len), tag->data());
  EVP_CIPHER_CTX_free(ctx);
}

}  // namespace wdsim
