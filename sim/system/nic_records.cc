#include "sim/system/nic_records.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <random>

#include "sim/accel/nic/nic_traffic.h"
#include "sim/system/workload_data.h"

namespace wdsim::nic_records {

namespace {

// Distinct streams of the splitmix generator for the key and for each record's plaintext.
constexpr uint64_t kKeyStream = 0x6b6579;        // "key"
constexpr uint64_t kPlainStream = 0x706c61696e;  // "plain"
constexpr uint64_t kSizeStream = 0x73697a65;     // "size"
constexpr uint32_t kStoredBlockMax = 65535;      // RFC 1951 3.2.4: LEN is 16 bits
constexpr uint32_t kStoredBlockHeader = 5;       // BFINAL/BTYPE byte, LEN, NLEN

void put_le(uint8_t* p, uint64_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}
uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int k = 0; k < bytes; ++k) v |= uint64_t{p[k]} << (8 * k);
  return v;
}

// Byte 31's codes, in order.
constexpr std::array<const char*, 3> kDataKinds = {"text", "random", "zeros"};
int data_kind_code(const std::string& data) {
  for (size_t i = 0; i < kDataKinds.size(); ++i) {
    if (data == kDataKinds[i]) return static_cast<int>(i);
  }
  return 0;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

}  // namespace

uint64_t max_record_bytes(uint64_t plain_bytes) {
  const uint64_t blocks =
      plain_bytes == 0 ? 1 : (plain_bytes + kStoredBlockMax - 1) / kStoredBlockMax;
  return plain_bytes + blocks * kStoredBlockHeader + kOverheadBytes;
}

StreamKeys stream_keys(uint64_t stream_seed) {
  uint64_t state = stream_seed ^ kKeyStream;
  StreamKeys k;
  put_le(k.key.data(), nic_traffic::splitmix64(state), 8);
  put_le(k.key.data() + 8, nic_traffic::splitmix64(state), 8);
  put_le(k.salt.data(), nic_traffic::splitmix64(state), kSaltBytes);
  return k;
}

size_t record_size_index(uint64_t stream_seed, uint64_t seq, size_t count) {
  uint64_t state = stream_seed ^ kSizeStream ^ (seq * 0x9e3779b97f4a7c15ull);
  return count ? static_cast<size_t>(nic_traffic::splitmix64(state) % count) : 0;
}

std::vector<uint8_t> plaintext(uint64_t stream_seed, uint64_t seq, const std::string& data,
                               uint32_t plain_bytes) {
  uint64_t state = stream_seed ^ kPlainStream ^ (seq * 0xd1b54a32d192ed03ull);
  WorkloadData gen(data, std::mt19937_64(nic_traffic::splitmix64(state)));
  return gen.next(plain_bytes);
}

std::vector<uint8_t> make_record(uint64_t stream_seed, uint64_t seq, const std::string& data,
                                 const std::vector<uint8_t>& plain) {
  if (plain.size() > kMaxPlainBytes) return {};
  const std::vector<uint8_t> stream = system_deflate(plain, "deflate");
  const StreamKeys keys = stream_keys(stream_seed);
  std::vector<uint8_t> r(kOverheadBytes + stream.size());
  put_le(r.data(), seq, 8);
  std::memcpy(r.data() + kNonceOffset, keys.salt.data(), kSaltBytes);
  put_le(r.data() + kNonceOffset + kSaltBytes, seq, 8);
  put_le(r.data() + kLengthOffset, plain.size(), 3);
  r[kDataKindOffset] = static_cast<uint8_t>(data_kind_code(data));
  Ctx ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, keys.key.data(), r.data() + kNonceOffset) ==
          1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, r.data() + kNonceOffset, kAadBytes) == 1 &&
      EVP_EncryptUpdate(ctx.get(), r.data() + kCipherOffset, &n, stream.data(),
                        static_cast<int>(stream.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), r.data() + kCipherOffset + n, &n) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          r.data() + kCipherOffset + stream.size()) == 1;
  if (!ok) return {};  // OpenSSL without AES-GCM: the caller reports it
  return r;
}

void stamp_arrival(std::vector<uint8_t>& record, uint64_t arrival_ps) {
  if (record.size() >= nic_traffic::kHeaderBytes) put_le(record.data() + 8, arrival_ps, 8);
}

std::optional<RecordView> parse(const uint8_t* packet, size_t len, std::string* why) {
  if (len < kOverheadBytes) {
    *why = std::to_string(len) + " bytes is shorter than a record's " +
           std::to_string(kOverheadBytes) + " of header and tag";
    return std::nullopt;
  }
  RecordView v;
  v.seq = get_le(packet, 8);
  v.plain_bytes = static_cast<uint32_t>(get_le(packet + kLengthOffset, 3));
  const uint8_t kind = packet[kDataKindOffset];
  if (kind >= kDataKinds.size()) {
    *why = "plaintext kind " + std::to_string(kind) + " is none of text, random, zeros";
    return std::nullopt;
  }
  v.data = kDataKinds[kind];
  v.cipher_bytes = static_cast<uint32_t>(len - kOverheadBytes);
  if (get_le(packet + kNonceOffset + kSaltBytes, 8) != v.seq) {
    *why = "the nonce's sequence number differs from the header's (not a record?)";
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<uint8_t>> open_record(uint64_t stream_seed, const uint8_t* packet,
                                                size_t len) {
  std::string why;
  const std::optional<RecordView> v = parse(packet, len, &why);
  if (!v) return std::nullopt;
  const StreamKeys keys = stream_keys(stream_seed);
  std::vector<uint8_t> out(v->cipher_bytes + kTagBytes);
  std::array<uint8_t, kTagBytes> tag{};
  std::memcpy(tag.data(), packet + kCipherOffset + v->cipher_bytes, kTagBytes);
  Ctx ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, keys.key.data(), packet + kNonceOffset) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, packet + kNonceOffset, kAadBytes) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out.data(), &n, packet + kCipherOffset,
                        static_cast<int>(v->cipher_bytes)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &n) == 1;
  if (!ok) return std::nullopt;
  out.resize(v->cipher_bytes);
  return out;
}

}  // namespace wdsim::nic_records
