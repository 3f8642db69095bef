// The NIC's records (nic_records.h) against the references: the layout byte by byte, OpenSSL's
// EVP AES-128-GCM decrypting with the header's nonce and AAD (a call of this test's own, not the
// module's), system zlib inflating the result back to the plaintext; tampering with any
// authenticated byte fails the tag, the arrival time is not covered; the deflate bound holds for
// incompressible plaintext.
#include "sim/system/nic_records.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "sim/accel/nic/nic_traffic.h"

namespace wdsim {
namespace {

namespace rec = nic_records;
using Bytes = std::vector<uint8_t>;

uint64_t le(const Bytes& b, size_t at, int n) {
  uint64_t v = 0;
  for (int k = 0; k < n; ++k) v |= uint64_t{b[at + k]} << (8 * k);
  return v;
}

// OpenSSL, from the record's own fields: the deflate stream, or empty when the tag fails.
Bytes openssl_open(const rec::StreamKeys& keys, const Bytes& r) {
  const size_t ct = r.size() - 48;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, keys.key.data(), r.data() + 16);
  int n = 0;
  EVP_DecryptUpdate(ctx, nullptr, &n, r.data() + 16, 16);
  Bytes out(ct + 16);
  EVP_DecryptUpdate(ctx, out.data(), &n, r.data() + 32, static_cast<int>(ct));
  Bytes tag(r.end() - 16, r.end());
  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data());
  const bool ok = EVP_DecryptFinal_ex(ctx, out.data() + n, &n) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return {};
  out.resize(ct);
  return out;
}

Bytes raw_inflate(const Bytes& stream, size_t expect) {
  z_stream zs{};
  inflateInit2(&zs, -15);
  Bytes out(expect + 1);
  zs.next_in = const_cast<Bytef*>(stream.data());
  zs.avail_in = static_cast<uInt>(stream.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int r = inflate(&zs, Z_FINISH);
  out.resize(out.size() - zs.avail_out);
  inflateEnd(&zs);
  return r == Z_STREAM_END ? out : Bytes{};
}

constexpr uint64_t kSeed = 0x1234abcd5678ef00ull;

TEST(NicRecords, LayoutNonceAndLength) {
  const Bytes plain = rec::plaintext(kSeed, 7, "text", 4096);
  Bytes r = rec::make_record(kSeed, 7, "text", plain);
  ASSERT_GE(r.size(), 48u);
  const rec::StreamKeys keys = rec::stream_keys(kSeed);
  EXPECT_EQ(le(r, 0, 8), 7u);  // the test header's sequence number
  EXPECT_EQ(le(r, 8, 8), 0u);  // arrival: stamped later
  EXPECT_TRUE(std::equal(keys.salt.begin(), keys.salt.end(), r.begin() + 16));  // salt
  EXPECT_EQ(le(r, 20, 8), 7u);     // explicit nonce: the sequence number
  EXPECT_EQ(le(r, 28, 3), 4096u);  // plaintext length
  EXPECT_EQ(r[31], 0);             // text
  rec::stamp_arrival(r, 0x0102030405060708ull);
  EXPECT_EQ(le(r, 8, 8), 0x0102030405060708ull);
  std::string why;
  const auto v = rec::parse(r.data(), r.size(), &why);
  ASSERT_TRUE(v) << why;
  EXPECT_EQ(v->seq, 7u);
  EXPECT_EQ(v->plain_bytes, 4096u);
  EXPECT_EQ(v->cipher_bytes, r.size() - 48);
  EXPECT_EQ(v->data, "text");
  EXPECT_EQ(nic_traffic::read_header(r.data()).seq, 7u);
}

TEST(NicRecords, OpensslDecryptsAndZlibInflatesToThePlaintext) {
  for (const char* data : {"text", "random", "zeros"}) {
    for (uint32_t size : {1u, 1000u, 4096u, 8100u}) {
      const Bytes plain = rec::plaintext(kSeed, size, data, size);
      ASSERT_EQ(plain.size(), size);
      Bytes r = rec::make_record(kSeed, size, data, plain);
      rec::stamp_arrival(r, 99);  // not authenticated: opening still works
      const Bytes stream = openssl_open(rec::stream_keys(kSeed), r);
      ASSERT_FALSE(stream.empty()) << data << " " << size;
      EXPECT_EQ(raw_inflate(stream, size), plain) << data << " " << size;
      const auto mine = rec::open_record(kSeed, r.data(), r.size());
      ASSERT_TRUE(mine);
      EXPECT_EQ(*mine, stream);
      EXPECT_LE(r.size(), rec::max_record_bytes(size)) << data << " " << size;
      std::string why;
      EXPECT_EQ(rec::parse(r.data(), r.size(), &why)->data, data);
    }
  }
}

TEST(NicRecords, TamperingWithAnyAuthenticatedByteFailsTheTag) {
  const Bytes plain = rec::plaintext(kSeed, 3, "text", 2000);
  const Bytes r = rec::make_record(kSeed, 3, "text", plain);
  for (size_t at :
       {size_t{16}, size_t{27}, size_t{28}, size_t{31}, size_t{32}, r.size() - 17, r.size() - 1}) {
    Bytes bad = r;
    bad[at] ^= 0x40;
    EXPECT_TRUE(openssl_open(rec::stream_keys(kSeed), bad).empty()) << at;
    EXPECT_FALSE(rec::open_record(kSeed, bad.data(), bad.size())) << at;
  }
  // Another stream's key does not open it.
  EXPECT_TRUE(openssl_open(rec::stream_keys(kSeed + 1), r).empty());
}

TEST(NicRecords, PlaintextIsAFunctionOfSeedAndSequenceNumber) {
  EXPECT_EQ(rec::plaintext(kSeed, 5, "text", 512), rec::plaintext(kSeed, 5, "text", 512));
  EXPECT_NE(rec::plaintext(kSeed, 5, "text", 512), rec::plaintext(kSeed, 6, "text", 512));
  EXPECT_NE(rec::plaintext(kSeed, 5, "random", 512), rec::plaintext(kSeed + 1, 5, "random", 512));
  EXPECT_EQ(rec::plaintext(kSeed, 5, "zeros", 16), Bytes(16, 0));
  // Text compresses (about 3x), so a 4 KiB record fits a 1500-byte frame far more often than
  // the worst case says.
  const Bytes r = rec::make_record(kSeed, 1, "text", rec::plaintext(kSeed, 1, "text", 4096));
  EXPECT_LT(r.size(), 2048u);
  EXPECT_EQ(rec::max_record_bytes(4096), 4096u + 5 + 48);
  EXPECT_EQ(rec::max_record_bytes(65536), 65536u + 10 + 48);
  size_t counts[3] = {};
  for (uint64_t seq = 0; seq < 300; ++seq) ++counts[rec::record_size_index(kSeed, seq, 3)];
  for (size_t c : counts) EXPECT_GT(c, 60u);  // each size drawn, roughly a third each
}

TEST(NicRecords, ParseRefusesWhatIsNotARecord) {
  std::string why;
  Bytes shortp(40, 0);
  EXPECT_FALSE(rec::parse(shortp.data(), shortp.size(), &why));
  EXPECT_NE(why.find("shorter"), std::string::npos);
  // nic_traffic's pattern packets: the nonce's sequence number is not the header's.
  const Bytes pattern = nic_traffic::make_packet(kSeed, 9, 0, 1500);
  EXPECT_FALSE(rec::parse(pattern.data(), pattern.size(), &why));
  Bytes r = rec::make_record(kSeed, 2, "text", rec::plaintext(kSeed, 2, "text", 100));
  r[31] = 7;
  EXPECT_FALSE(rec::parse(r.data(), r.size(), &why));
  EXPECT_NE(why.find("kind"), std::string::npos);
}

}  // namespace
}  // namespace wdsim
