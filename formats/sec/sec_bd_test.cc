#include "formats/sec/sec_bd.h"

#include <gtest/gtest.h>

#include <cstring>

namespace wdsim {
namespace {

uint8_t byte_at(const SecBd& bd, size_t off) {
  uint8_t b[sizeof(SecBd)];
  std::memcpy(b, &bd, sizeof(b));
  return b[off];
}

TEST(SecBdTest, HeaderBitsAsUadkFillsThem) {
  // UADK hisi_sec_cipher_send: type 2, cipher enc << 4, de 1 << 1, IPSec scene 1 << 3.
  SecBd bd = sec_bd_cipher(kSecCAlgAes, kSecCModeCbc, true, kSecCKey256, 0x1000, 0x2000, 0x3000,
                           0x4000, 64, 0x1234);
  EXPECT_EQ(byte_at(bd, 0), 0x2 | (1 << 4));
  EXPECT_EQ(byte_at(bd, 1), (1 << 1) | (1 << 3));
  EXPECT_EQ(bd.bd_type(), kSecBdType2);
  EXPECT_EQ(bd.cipher(), kSecCipherEncrypt);
  EXPECT_EQ(bd.auth(), kSecAuthNone);
  EXPECT_EQ(bd.de(), 1);
  EXPECT_EQ(bd.scene(), kSecSceneIpsec);
  // icvw_kmode: c_key_len << 9 | c_mode << 12; c_alg byte 14.
  EXPECT_EQ(bd.icvw_kmode, (kSecCKey256 << 9) | (kSecCModeCbc << 12));
  EXPECT_EQ(byte_at(bd, 14), kSecCAlgAes);
  EXPECT_EQ(bd.c_len(), 64u);
  EXPECT_EQ(byte_at(bd, 20), 64);  // clen_ivhlen low byte
  EXPECT_EQ(byte_at(bd, 40), 0x34);
  EXPECT_EQ(byte_at(bd, 41), 0x12);
  EXPECT_EQ(byte_at(bd, 88), 0x00);  // c_key_addr 0x1000 little-endian
  EXPECT_EQ(byte_at(bd, 89), 0x10);
  EXPECT_EQ(byte_at(bd, 81), 0x20);   // c_ivin_addr
  EXPECT_EQ(byte_at(bd, 97), 0x30);   // data_src_addr
  EXPECT_EQ(byte_at(bd, 105), 0x40);  // data_dst_addr
}

TEST(SecBdTest, DigestFieldsInWords) {
  // UADK fill_digest_bd2_alg: mac_len = out_bytes / 4; key len words << 5; a_alg << 11.
  SecBd bd = sec_bd_digest(kSecAAlgHmacSha256, 32, 0x100, 20, 0x200, 1000, 0x300, 7);
  EXPECT_EQ(bd.mac_key_alg, 8u | (5u << 5) | (0x11u << 11));
  EXPECT_EQ(bd.mac_len_words(), 8);
  EXPECT_EQ(bd.a_key_len_words(), 5);
  EXPECT_EQ(bd.a_alg(), kSecAAlgHmacSha256);
  EXPECT_EQ(byte_at(bd, 0), 0x2 | (kSecAuthCalculate << 6));
  EXPECT_EQ(bd.de(), 0);
  EXPECT_EQ(bd.a_len(), 1000u);
  EXPECT_EQ(byte_at(bd, 72), 0x00);  // mac_addr
  EXPECT_EQ(byte_at(bd, 73), 0x03);
  EXPECT_EQ(byte_at(bd, 65), 0x01);  // a_key_addr
}

TEST(SecBdTest, GcmAsKernelFillsIt) {
  SecBd bd = sec_bd_gcm(false, kSecCKey128, 0x10, 0x20, 0x30, 0x40, 20, 60, 0x50, 16, 1);
  EXPECT_EQ(bd.c_icv_len(), 16);
  EXPECT_EQ(bd.c_mode(), kSecCModeGcm);
  EXPECT_EQ(bd.auth(), kSecAuthNone);
  EXPECT_EQ(bd.cipher(), kSecCipherDecrypt);
  EXPECT_EQ(bd.seq(), kSecSeqAuthThenCipher);
  EXPECT_EQ(bd.a_len(), 20u);
  EXPECT_EQ(bd.cipher_src_offset, 20);
  EXPECT_EQ(bd.a_key_addr, bd.c_key_addr);
}

TEST(SecBdTest, AddressTypesSpanTwoBytes) {
  SecBd bd{};
  bd.set_addr_types(kSecAddrPrp, kSecAddrSgl, kSecAddrPrp);
  EXPECT_EQ(bd.src_addr_type(), kSecAddrPrp);
  EXPECT_EQ(bd.dst_addr_type(), kSecAddrSgl);
  EXPECT_EQ(bd.mac_addr_type(), kSecAddrPrp);
  bd.set_addr_types(kSecAddrSgl, 0, 0);  // kernel: SEC_SGL << SEC_SRC_SGL_OFFSET (bit 7)
  EXPECT_EQ(bd.sds_sa_type & 0x80, 0x80);
  EXPECT_EQ(bd.sdm_addr_type, 0);
}

TEST(SecBdTest, ResultWordAsUadkParsesIt) {
  SecBd bd{};
  bd.set_result(kSecFlagCipher, kSecIcvOk, kSecErrNone);
  EXPECT_EQ(bd.done_flag & kSecDoneMask, 1);
  EXPECT_EQ((bd.done_flag & kSecFlagMask) >> 7, 2);  // kernel SEC_SQE_CFLAG
  EXPECT_TRUE(bd.ok());
  bd.set_result(kSecFlagAead, kSecIcvError, kSecErrNone);
  EXPECT_EQ((bd.done_flag & kSecIcvMask) >> 1, 2);  // UADK SEC_HW_ICV_ERR
  EXPECT_FALSE(bd.ok());
  bd.set_result(kSecFlagCipher, kSecIcvOk, kSecErrKeyLen);
  EXPECT_EQ(byte_at(bd, 114), kSecErrKeyLen);
  EXPECT_FALSE(bd.ok());
  EXPECT_STREQ(sec_error_name(kSecErrKeyLen), "bad_key_len");
  EXPECT_STREQ(sec_error_name(0xee), "unknown");
}

TEST(SecBdTest, KeyLengthCodes) {
  EXPECT_EQ(sec_c_key_bytes(kSecCAlgAes, kSecCKey128), 16u);
  EXPECT_EQ(sec_c_key_bytes(kSecCAlgAes, kSecCKey192), 24u);
  EXPECT_EQ(sec_c_key_bytes(kSecCAlgAes, kSecCKey256), 32u);
  EXPECT_EQ(sec_c_key_bytes(kSecCAlgAes, 3), 0u);
  EXPECT_EQ(sec_c_key_bytes(kSecCAlgSm4, kSecCKeySm4), 16u);
  EXPECT_EQ(sec_c_key_bytes(kSecCAlgSm4, 1), 0u);
  EXPECT_EQ(sec_c_key_bytes(kSecCAlg3Des, kSecCKey3Des2Key), 16u);
  EXPECT_EQ(sec_c_key_code(kSecCAlgAes, 24), kSecCKey192);
  EXPECT_EQ(sec_c_key_code(kSecCAlgAes, 20), -1);
  EXPECT_EQ(sec_c_key_code(kSecCAlgSm4, 16), kSecCKeySm4);
}

TEST(SecBdTest, LengthsKeepHighBits) {
  SecBd bd{};
  bd.alen_ivllen = 0xab000000;
  bd.set_a_len(0x123456);
  EXPECT_EQ(bd.alen_ivllen, 0xab123456u);
  bd.set_c_len(0x1ffffff);  // truncated to 24 bits
  EXPECT_EQ(bd.c_len(), 0xffffffu);
}

}  // namespace
}  // namespace wdsim
