// The HiSilicon SEC v2 buffer descriptor (BD / SQE), type 2: 128 bytes, as the Linux kernel
// (drivers/crypto/hisilicon/sec2/sec_crypto.h: struct sec_sqe + struct sec_sqe_type2;
// sec_crypto.c) and Linaro UADK (drv/hisi_sec.c: struct hisi_sec_sqe + hisi_sec_sqe_type2) define
// it. Pure C++, no SystemC: the engine model, the kernel model and the runtime all use it.
//
// Facts (checked against both sources):
// - byte 0 type_cipher_auth: bd type[3:0] (2 = type2, Kunpeng 920), cipher[5:4] (0 none,
//   1 encrypt, 2 decrypt), auth[7:6] (0 none, 1 calculate MAC, 2 verify MAC).
// - byte 1 sds_sa_type: seq bit0 (0 cipher then auth, 1 auth then cipher), de[2:1] (1 = write to
//   data_dst, 0 = in place), scene[6:3] (0 common, 1 IPSec; UADK uses 1), bit7 = src_addr_type
//   bit 0. byte 2 sdm_addr_type: src_addr_type bits 2:1 in [1:0], dst_addr_type[4:2],
//   mac_addr_type[7:5]; address types 0 flat buffer (pbuf), 1 hisi SGL, 2 PRP.
// - byte 5 ai_apd_cs: ai_gen[1:0] (0 = inner IV, the one-shot digest; 1 = IV from a_ivin for the
//   middle/last BD of a long hash), a_pad[3:2] (0 pad = final, 1 no pad = not final).
// - mac_key_alg: mac_len[4:0] in 32-bit words, a_key_len[10:5] in words, a_alg[16:11].
// - icvw_kmode: c_icv_len[5:0] in BYTES (GCM/CCM tag length), c_width[8:6], c_key_len[11:9]
//   (code, below), c_mode[15:12]. c_alg[3:0].
// - alen_ivllen: a_len[23:0] (bytes authenticated; for GCM/CCM the AAD length);
//   clen_ivhlen: c_len[23:0] (bytes ciphered). UADK/kernel limit 0xFFFE00 (16 MiB - 512).
// - cipher_src_offset / auth_src_offset: where the cipher / auth regions start in data_src (AEAD:
//   cipher_src_offset = AAD length). tag: 16-bit request tag, echoed back.
// - GCM (kernel sec_auth_bd_fill_xcm, UADK fill_aead_bd2_mode): auth = 0 (NO_AUTH), mac_key_alg
//   = 0, c_icv_len = tag bytes, a_key_addr = c_key_addr, IV 12 bytes at c_ivin_addr, mac_addr =
//   where the tag is written (encrypt) or read and checked (decrypt).
// - Result: done_flag done[0] (1 = finished), icv[3:1] (2 = MAC/tag check failed: kernel
//   SEC_ICV_ERR, UADK SEC_HW_ICV_ERR), csc[6:4], flag[10:7] (kernel: 2 = cipher done
//   SEC_SQE_CFLAG, 3 = cipher+auth SEC_SQE_AEAD_FLAG); error_type (0 = no error). UADK counts a
//   BD as good when (done_flag & 1) && error_type == 0 (and, for AEAD, icv != 2).
// - c_key_len codes (UADK enum C_KEY_LEN, kernel enum sec_ckey_type): AES 0 = 128, 1 = 192,
//   2 = 256 bits; SM4 0; 3DES 1 = 3 keys, 3 = 2 keys. For XTS the code gives ONE half of the key
//   (UADK get_aes_c_key_len divides by 2); c_key_addr holds both halves (key1 || key2).
//
// Not from a public source: the error_type values. The hardware manual is not public and neither
// the kernel nor UADK names any; kSecErr* below are this model's choices (UADK reports any
// nonzero value as WD_IN_EPARA, the kernel as -EIO). The digest `flag` value 1 is inferred from
// the cipher (2) / cipher+auth (3) pattern.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace wdsim {

static_assert(std::endian::native == std::endian::little, "SEC BD fields are little-endian");

// Byte 0.
inline constexpr uint8_t kSecBdType2 = 0x2;
inline constexpr uint8_t kSecBdType3 = 0x3;  // Kunpeng 930 layout: not modelled
inline constexpr uint8_t kSecCipherNone = 0;
inline constexpr uint8_t kSecCipherEncrypt = 1;
inline constexpr uint8_t kSecCipherDecrypt = 2;
inline constexpr uint8_t kSecAuthNone = 0;
inline constexpr uint8_t kSecAuthCalculate = 1;  // UADK AUTH_HMAC_CALCULATE, kernel SEC_AUTH_TYPE1
inline constexpr uint8_t kSecAuthVerify = 2;     // UADK AUTH_MAC_VERIFY, kernel SEC_AUTH_TYPE2

// Byte 1.
inline constexpr uint8_t kSecSeqCipherThenAuth = 0;
inline constexpr uint8_t kSecSeqAuthThenCipher = 1;
inline constexpr uint8_t kSecSceneCommon = 0;
inline constexpr uint8_t kSecSceneIpsec = 1;

// Address types (src, dst, mac).
inline constexpr uint8_t kSecAddrPbuf = 0;
inline constexpr uint8_t kSecAddrSgl = 1;
inline constexpr uint8_t kSecAddrPrp = 2;

// c_alg.
inline constexpr uint8_t kSecCAlgDes = 0x0;
inline constexpr uint8_t kSecCAlg3Des = 0x1;
inline constexpr uint8_t kSecCAlgAes = 0x2;
inline constexpr uint8_t kSecCAlgSm4 = 0x3;

// c_mode.
inline constexpr uint8_t kSecCModeEcb = 0x0;
inline constexpr uint8_t kSecCModeCbc = 0x1;
inline constexpr uint8_t kSecCModeCfb = 0x2;
inline constexpr uint8_t kSecCModeOfb = 0x3;
inline constexpr uint8_t kSecCModeCtr = 0x4;
inline constexpr uint8_t kSecCModeCcm = 0x5;
inline constexpr uint8_t kSecCModeGcm = 0x6;
inline constexpr uint8_t kSecCModeXts = 0x7;

// c_key_len codes.
inline constexpr uint8_t kSecCKey128 = 0x0;
inline constexpr uint8_t kSecCKey192 = 0x1;
inline constexpr uint8_t kSecCKey256 = 0x2;
inline constexpr uint8_t kSecCKeySm4 = 0x0;
inline constexpr uint8_t kSecCKey3Des3Key = 0x1;
inline constexpr uint8_t kSecCKey3Des2Key = 0x3;

// a_alg.
inline constexpr uint8_t kSecAAlgSha1 = 0x00;
inline constexpr uint8_t kSecAAlgSha256 = 0x01;
inline constexpr uint8_t kSecAAlgMd5 = 0x02;
inline constexpr uint8_t kSecAAlgSha224 = 0x03;
inline constexpr uint8_t kSecAAlgSha384 = 0x04;
inline constexpr uint8_t kSecAAlgSha512 = 0x05;
inline constexpr uint8_t kSecAAlgSha512_224 = 0x06;
inline constexpr uint8_t kSecAAlgSha512_256 = 0x07;
inline constexpr uint8_t kSecAAlgHmacSha1 = 0x10;
inline constexpr uint8_t kSecAAlgHmacSha256 = 0x11;
inline constexpr uint8_t kSecAAlgHmacMd5 = 0x12;
inline constexpr uint8_t kSecAAlgHmacSha224 = 0x13;
inline constexpr uint8_t kSecAAlgHmacSha384 = 0x14;
inline constexpr uint8_t kSecAAlgHmacSha512 = 0x15;
inline constexpr uint8_t kSecAAlgHmacSha512_224 = 0x16;
inline constexpr uint8_t kSecAAlgHmacSha512_256 = 0x17;
inline constexpr uint8_t kSecAAlgAesXcbc = 0x20;
inline constexpr uint8_t kSecAAlgAesCmac = 0x21;
inline constexpr uint8_t kSecAAlgAesGmac = 0x22;
inline constexpr uint8_t kSecAAlgSm3 = 0x25;
inline constexpr uint8_t kSecAAlgHmacSm3 = 0x26;

// done_flag.
inline constexpr uint16_t kSecDoneMask = 0x0001;
inline constexpr uint16_t kSecIcvMask = 0x000e;
inline constexpr unsigned kSecIcvShift = 1;
inline constexpr uint16_t kSecFlagMask = 0x0780;
inline constexpr unsigned kSecFlagShift = 7;
inline constexpr uint8_t kSecIcvOk = 0;
inline constexpr uint8_t kSecIcvError = 0x2;  // kernel SEC_ICV_ERR, UADK SEC_HW_ICV_ERR
inline constexpr uint8_t kSecFlagAuth = 1;    // inferred, see above
inline constexpr uint8_t kSecFlagCipher = 2;  // kernel SEC_SQE_CFLAG
inline constexpr uint8_t kSecFlagAead = 3;    // kernel SEC_SQE_AEAD_FLAG

// error_type: model choices (no public source).
inline constexpr uint8_t kSecErrNone = 0x00;
inline constexpr uint8_t kSecErrBdType = 0x01;     // BD type not 2; reserved cipher/auth value
inline constexpr uint8_t kSecErrAddrType = 0x02;   // SGL / PRP buffers (not modelled)
inline constexpr uint8_t kSecErrCipherAlg = 0x03;  // c_alg / c_mode not supported
inline constexpr uint8_t kSecErrKeyLen = 0x04;     // c_key_len code or a_key_len invalid
inline constexpr uint8_t kSecErrDataLen = 0x05;    // c_len / a_len / offsets invalid
inline constexpr uint8_t kSecErrAuthAlg = 0x06;    // a_alg not supported; long-hash BDs
inline constexpr uint8_t kSecErrMacLen = 0x07;     // mac_len / c_icv_len invalid
inline constexpr uint8_t kSecErrDmaRead = 0x10;    // a read (key, IV, data, MAC) aborted
inline constexpr uint8_t kSecErrDmaWrite = 0x11;   // a write (data, MAC) aborted

inline constexpr uint32_t kSecMaxDataLen = 0xFFFE00;  // UADK/kernel MAX_INPUT_DATA_LEN
inline constexpr uint32_t kSecLenMask = 0xFFFFFF;     // a_len / c_len [23:0]

const char* sec_error_name(uint8_t error_type);  // "ok", "bad_bd_type", ..., "unknown"
const char* sec_c_alg_name(uint8_t c_alg);       // "aes", "sm4", ..., "unknown"
const char* sec_c_mode_name(uint8_t c_mode);     // "ecb", "cbc", ..., "unknown"
const char* sec_a_alg_name(uint8_t a_alg);       // "sha256", "hmac_sm3", ..., "unknown"

struct SecBd {
  // Header (struct sec_sqe).
  uint8_t type_cipher_auth;
  uint8_t sds_sa_type;
  uint8_t sdm_addr_type;
  uint8_t rsvd0;
  uint8_t huk_key_ci;
  uint8_t ai_apd_cs;
  uint8_t rca_key_frm;
  uint8_t iv_tls_ld;
  // Type 2 (struct sec_sqe_type2).
  uint32_t mac_key_alg;
  uint16_t icvw_kmode;
  uint8_t c_alg;
  uint8_t rsvd4;
  uint32_t alen_ivllen;
  uint32_t clen_ivhlen;
  uint16_t auth_src_offset;
  uint16_t cipher_src_offset;
  uint16_t cs_ip_header_offset;
  uint16_t cs_udp_header_offset;
  uint16_t pass_word_len;
  uint16_t dk_len;
  uint8_t salt3;
  uint8_t salt2;
  uint8_t salt1;
  uint8_t salt0;
  uint16_t tag;
  uint16_t rsvd5;
  uint16_t cph_pad;
  uint16_t c_pad_len_field;
  uint64_t long_a_data_len;
  uint64_t a_ivin_addr;
  uint64_t a_key_addr;
  uint64_t mac_addr;
  uint64_t c_ivin_addr;
  uint64_t c_key_addr;
  uint64_t data_src_addr;
  uint64_t data_dst_addr;
  uint16_t done_flag;
  uint8_t error_type;
  uint8_t warning_type;
  uint8_t mac_i3;
  uint8_t mac_i2;
  uint8_t mac_i1;
  uint8_t mac_i0;
  uint16_t check_sum_i;
  uint8_t tls_pad_len_i;
  uint8_t rsvd12;
  uint32_t counter;

  // Field positions.
  static constexpr unsigned kCipherShift = 4;
  static constexpr unsigned kAuthShift = 6;
  static constexpr unsigned kDeShift = 1;
  static constexpr unsigned kSceneShift = 3;
  static constexpr unsigned kSrcAddrTypeLowShift = 7;  // in sds_sa_type
  static constexpr unsigned kDstAddrTypeShift = 2;     // in sdm_addr_type
  static constexpr unsigned kMacAddrTypeShift = 5;
  static constexpr unsigned kAPadShift = 2;  // in ai_apd_cs
  static constexpr unsigned kAKeyLenShift = 5;
  static constexpr unsigned kAAlgShift = 11;
  static constexpr unsigned kCKeyLenShift = 9;
  static constexpr unsigned kCModeShift = 12;

  // Byte 0.
  uint8_t bd_type() const { return type_cipher_auth & 0xf; }
  uint8_t cipher() const { return (type_cipher_auth >> kCipherShift) & 0x3; }
  uint8_t auth() const { return (type_cipher_auth >> kAuthShift) & 0x3; }
  void set_header(uint8_t type, uint8_t cipher_dir, uint8_t auth_op) {
    type_cipher_auth = static_cast<uint8_t>((type & 0xf) | ((cipher_dir & 0x3) << kCipherShift) |
                                            ((auth_op & 0x3) << kAuthShift));
  }

  // Byte 1/2.
  uint8_t seq() const { return sds_sa_type & 0x1; }
  uint8_t de() const { return (sds_sa_type >> kDeShift) & 0x3; }
  uint8_t scene() const { return (sds_sa_type >> kSceneShift) & 0xf; }
  uint8_t src_addr_type() const {
    return static_cast<uint8_t>(((sds_sa_type >> kSrcAddrTypeLowShift) & 0x1) |
                                ((sdm_addr_type & 0x3) << 1));
  }
  uint8_t dst_addr_type() const { return (sdm_addr_type >> kDstAddrTypeShift) & 0x7; }
  uint8_t mac_addr_type() const { return (sdm_addr_type >> kMacAddrTypeShift) & 0x7; }
  void set_flow(uint8_t seq_v, uint8_t de_v, uint8_t scene_v) {
    sds_sa_type =
        static_cast<uint8_t>((sds_sa_type & 0x80) | (seq_v & 0x1) | ((de_v & 0x3) << kDeShift) |
                             ((scene_v & 0xf) << kSceneShift));
  }
  void set_addr_types(uint8_t src, uint8_t dst, uint8_t mac) {
    sds_sa_type =
        static_cast<uint8_t>((sds_sa_type & 0x7f) | ((src & 0x1) << kSrcAddrTypeLowShift));
    sdm_addr_type = static_cast<uint8_t>(((src >> 1) & 0x3) | ((dst & 0x7) << kDstAddrTypeShift) |
                                         ((mac & 0x7) << kMacAddrTypeShift));
  }

  // Byte 5.
  uint8_t ai_gen() const { return ai_apd_cs & 0x3; }
  uint8_t a_pad() const { return (ai_apd_cs >> kAPadShift) & 0x3; }

  // mac_key_alg.
  uint8_t mac_len_words() const { return mac_key_alg & 0x1f; }
  uint8_t a_key_len_words() const { return (mac_key_alg >> kAKeyLenShift) & 0x3f; }
  uint8_t a_alg() const { return (mac_key_alg >> kAAlgShift) & 0x3f; }
  void set_auth(uint8_t alg, uint32_t mac_bytes, uint32_t key_bytes) {
    mac_key_alg = ((mac_bytes / 4) & 0x1f) | (((key_bytes / 4) & 0x3f) << kAKeyLenShift) |
                  (uint32_t{alg & 0x3fu} << kAAlgShift);
  }

  // icvw_kmode / c_alg.
  uint8_t c_icv_len() const { return icvw_kmode & 0x3f; }
  uint8_t c_width() const { return (icvw_kmode >> 6) & 0x7; }
  uint8_t c_key_len() const { return (icvw_kmode >> kCKeyLenShift) & 0x7; }
  uint8_t c_mode() const { return (icvw_kmode >> kCModeShift) & 0xf; }
  uint8_t cipher_alg() const { return c_alg & 0xf; }
  void set_cipher(uint8_t alg, uint8_t mode, uint8_t key_len_code, uint8_t icv_len = 0) {
    c_alg = alg & 0xf;
    icvw_kmode = static_cast<uint16_t>((icv_len & 0x3f) | ((key_len_code & 0x7) << kCKeyLenShift) |
                                       ((mode & 0xf) << kCModeShift));
  }

  // Lengths.
  uint32_t a_len() const { return alen_ivllen & kSecLenMask; }
  uint32_t c_len() const { return clen_ivhlen & kSecLenMask; }
  void set_a_len(uint32_t v) { alen_ivllen = (alen_ivllen & ~kSecLenMask) | (v & kSecLenMask); }
  void set_c_len(uint32_t v) { clen_ivhlen = (clen_ivhlen & ~kSecLenMask) | (v & kSecLenMask); }

  // Result.
  bool done() const { return (done_flag & kSecDoneMask) != 0; }
  uint8_t icv() const { return static_cast<uint8_t>((done_flag & kSecIcvMask) >> kSecIcvShift); }
  uint8_t flag() const { return static_cast<uint8_t>((done_flag & kSecFlagMask) >> kSecFlagShift); }
  void set_result(uint8_t flag_v, uint8_t icv_v, uint8_t error) {
    done_flag = static_cast<uint16_t>((done_flag & ~(kSecDoneMask | kSecIcvMask | kSecFlagMask)) |
                                      kSecDoneMask | ((icv_v << kSecIcvShift) & kSecIcvMask) |
                                      ((flag_v << kSecFlagShift) & kSecFlagMask));
    error_type = error;
  }
  // What UADK/kernel check: done, no error, no ICV failure.
  bool ok() const { return done() && error_type == kSecErrNone && icv() != kSecIcvError; }
};

static_assert(sizeof(SecBd) == 128, "sec_sqe is 128 bytes");
static_assert(offsetof(SecBd, huk_key_ci) == 4);
static_assert(offsetof(SecBd, mac_key_alg) == 8);
static_assert(offsetof(SecBd, icvw_kmode) == 12);
static_assert(offsetof(SecBd, c_alg) == 14);
static_assert(offsetof(SecBd, alen_ivllen) == 16);
static_assert(offsetof(SecBd, clen_ivhlen) == 20);
static_assert(offsetof(SecBd, auth_src_offset) == 24);
static_assert(offsetof(SecBd, cipher_src_offset) == 26);
static_assert(offsetof(SecBd, tag) == 40);
static_assert(offsetof(SecBd, long_a_data_len) == 48);
static_assert(offsetof(SecBd, a_ivin_addr) == 56);
static_assert(offsetof(SecBd, a_key_addr) == 64);
static_assert(offsetof(SecBd, mac_addr) == 72);
static_assert(offsetof(SecBd, c_ivin_addr) == 80);
static_assert(offsetof(SecBd, c_key_addr) == 88);
static_assert(offsetof(SecBd, data_src_addr) == 96);
static_assert(offsetof(SecBd, data_dst_addr) == 104);
static_assert(offsetof(SecBd, done_flag) == 112);  // same offset in the type 3 BD
static_assert(offsetof(SecBd, error_type) == 114);
static_assert(offsetof(SecBd, counter) == 124);

// Key length code -> bytes of ONE key (one XTS half); 0 when the code is invalid for the alg.
constexpr uint32_t sec_c_key_bytes(uint8_t c_alg, uint8_t code) {
  switch (c_alg) {
    case kSecCAlgAes:
      return code == kSecCKey128 ? 16 : code == kSecCKey192 ? 24 : code == kSecCKey256 ? 32 : 0;
    case kSecCAlgSm4:
      return code == kSecCKeySm4 ? 16 : 0;
    case kSecCAlg3Des:
      return code == kSecCKey3Des3Key ? 24 : code == kSecCKey3Des2Key ? 16 : 0;
    case kSecCAlgDes:
      return 8;
  }
  return 0;
}

// Key bytes -> code for AES/SM4 (XTS: pass one half); -1 when invalid.
constexpr int sec_c_key_code(uint8_t c_alg, uint32_t key_bytes) {
  if (c_alg == kSecCAlgSm4) return key_bytes == 16 ? kSecCKeySm4 : -1;
  if (c_alg == kSecCAlgAes) {
    return key_bytes == 16   ? kSecCKey128
           : key_bytes == 24 ? kSecCKey192
           : key_bytes == 32 ? kSecCKey256
                             : -1;
  }
  return -1;
}

// BD builders, filled the way UADK drv/hisi_sec.c fills them (flat buffers, IPSec scene, tag).
// A cipher BD: in-place when dst == src is wanted set de = 0 afterwards.
inline SecBd sec_bd_cipher(uint8_t c_alg, uint8_t c_mode, bool encrypt, uint8_t key_code,
                           uint64_t key, uint64_t iv, uint64_t src, uint64_t dst, uint32_t len,
                           uint16_t tag) {
  SecBd bd{};
  bd.set_header(kSecBdType2, encrypt ? kSecCipherEncrypt : kSecCipherDecrypt, kSecAuthNone);
  bd.set_flow(kSecSeqCipherThenAuth, 1, kSecSceneIpsec);
  bd.set_cipher(c_alg, c_mode, key_code);
  bd.set_c_len(len);
  bd.c_key_addr = key;
  bd.c_ivin_addr = iv;
  bd.data_src_addr = src;
  bd.data_dst_addr = dst;
  bd.tag = tag;
  return bd;
}

// A digest / HMAC BD (key_bytes 0 for a plain hash); the MAC goes to `mac`.
inline SecBd sec_bd_digest(uint8_t a_alg, uint32_t mac_bytes, uint64_t key, uint32_t key_bytes,
                           uint64_t src, uint32_t len, uint64_t mac, uint16_t tag) {
  SecBd bd{};
  bd.set_header(kSecBdType2, kSecCipherNone, kSecAuthCalculate);
  bd.set_flow(kSecSeqCipherThenAuth, 0, kSecSceneIpsec);
  bd.set_auth(a_alg, mac_bytes, key_bytes);
  bd.set_a_len(len);
  bd.a_key_addr = key;
  bd.data_src_addr = src;
  bd.mac_addr = mac;
  bd.tag = tag;
  return bd;
}

// An AES-GCM BD: src = AAD || text, dst gets AAD || result; tag at `mac`.
inline SecBd sec_bd_gcm(bool encrypt, uint8_t key_code, uint64_t key, uint64_t iv, uint64_t src,
                        uint64_t dst, uint32_t aad_len, uint32_t text_len, uint64_t mac,
                        uint8_t tag_bytes, uint16_t tag) {
  SecBd bd{};
  bd.set_header(kSecBdType2, encrypt ? kSecCipherEncrypt : kSecCipherDecrypt, kSecAuthNone);
  bd.set_flow(encrypt ? kSecSeqCipherThenAuth : kSecSeqAuthThenCipher, 1, kSecSceneIpsec);
  bd.set_cipher(kSecCAlgAes, kSecCModeGcm, key_code, tag_bytes);
  bd.set_a_len(aad_len);
  bd.set_c_len(text_len);
  bd.cipher_src_offset = static_cast<uint16_t>(aad_len);
  bd.c_key_addr = key;
  bd.a_key_addr = key;
  bd.c_ivin_addr = iv;
  bd.a_ivin_addr = iv;
  bd.data_src_addr = src;
  bd.data_dst_addr = dst;
  bd.mac_addr = mac;
  bd.tag = tag;
  return bd;
}

}  // namespace wdsim
