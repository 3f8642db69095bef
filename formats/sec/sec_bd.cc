#include "formats/sec/sec_bd.h"

namespace wdsim {

const char* sec_error_name(uint8_t error_type) {
  switch (error_type) {
    case kSecErrNone:
      return "ok";
    case kSecErrBdType:
      return "bad_bd_type";
    case kSecErrAddrType:
      return "bad_addr_type";
    case kSecErrCipherAlg:
      return "bad_cipher_alg";
    case kSecErrKeyLen:
      return "bad_key_len";
    case kSecErrDataLen:
      return "bad_data_len";
    case kSecErrAuthAlg:
      return "bad_auth_alg";
    case kSecErrMacLen:
      return "bad_mac_len";
    case kSecErrDmaRead:
      return "dma_read_fault";
    case kSecErrDmaWrite:
      return "dma_write_fault";
  }
  return "unknown";
}

const char* sec_c_alg_name(uint8_t c_alg) {
  switch (c_alg) {
    case kSecCAlgDes:
      return "des";
    case kSecCAlg3Des:
      return "3des";
    case kSecCAlgAes:
      return "aes";
    case kSecCAlgSm4:
      return "sm4";
  }
  return "unknown";
}

const char* sec_c_mode_name(uint8_t c_mode) {
  switch (c_mode) {
    case kSecCModeEcb:
      return "ecb";
    case kSecCModeCbc:
      return "cbc";
    case kSecCModeCfb:
      return "cfb";
    case kSecCModeOfb:
      return "ofb";
    case kSecCModeCtr:
      return "ctr";
    case kSecCModeCcm:
      return "ccm";
    case kSecCModeGcm:
      return "gcm";
    case kSecCModeXts:
      return "xts";
  }
  return "unknown";
}

const char* sec_a_alg_name(uint8_t a_alg) {
  switch (a_alg) {
    case kSecAAlgSha1:
      return "sha1";
    case kSecAAlgSha256:
      return "sha256";
    case kSecAAlgMd5:
      return "md5";
    case kSecAAlgSha224:
      return "sha224";
    case kSecAAlgSha384:
      return "sha384";
    case kSecAAlgSha512:
      return "sha512";
    case kSecAAlgSha512_224:
      return "sha512_224";
    case kSecAAlgSha512_256:
      return "sha512_256";
    case kSecAAlgHmacSha1:
      return "hmac_sha1";
    case kSecAAlgHmacSha256:
      return "hmac_sha256";
    case kSecAAlgHmacMd5:
      return "hmac_md5";
    case kSecAAlgHmacSha224:
      return "hmac_sha224";
    case kSecAAlgHmacSha384:
      return "hmac_sha384";
    case kSecAAlgHmacSha512:
      return "hmac_sha512";
    case kSecAAlgHmacSha512_224:
      return "hmac_sha512_224";
    case kSecAAlgHmacSha512_256:
      return "hmac_sha512_256";
    case kSecAAlgAesXcbc:
      return "aes_xcbc";
    case kSecAAlgAesCmac:
      return "aes_cmac";
    case kSecAAlgAesGmac:
      return "aes_gmac";
    case kSecAAlgSm3:
      return "sm3";
    case kSecAAlgHmacSm3:
      return "hmac_sm3";
  }
  return "unknown";
}

}  // namespace wdsim
