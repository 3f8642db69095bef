// The records the NIC's traffic source sends when system.devices[].nic.payload is `records`:
// what the NIC -> SEC -> ZIP pipeline (program kind nic_pipeline) receives, decrypts in place,
// decompresses and checks. Each packet is one record: plaintext made from the stream seed and
// the packet's sequence number alone (WorkloadData: text, random or zeros), compressed to a raw
// deflate stream (RFC 1951, system zlib level 6), then encrypted and authenticated with
// AES-128-GCM (NIST SP 800-38D, system OpenSSL) under a key derived from the stream seed.
//
// Layout (little-endian), in the packet after the virtio_net_hdr:
//   bytes  0..15   the traffic source's test header (nic_traffic.h: sequence number, arrival)
//   bytes 16..27   the GCM nonce: a 4-byte salt from the key, then the 8-byte sequence number
//                  (the salt | explicit nonce split of TLS 1.2 AES-GCM, RFC 5288 section 3)
//   bytes 28..30   the plaintext's length (at most 2^24 - 1)
//   byte  31       what the plaintext is: 0 text, 1 random, 2 zeros (WorkloadData's kinds), so
//                  a receiver regenerates it without the source's configuration
//   bytes 32..     the ciphertext: the deflate stream, encrypted (as long as the stream)
//   last 16        the GCM tag
// The additional authenticated data is bytes 16..31 (nonce and length), so a receiver that
// decrypts in place hands the engine the record from byte 16 on with 16 bytes of AAD, as
// UADK's wd_aead_req does (src = AAD then data; the tag at `mac`).
//
// Not a real protocol's record (TLS, IPsec ESP and QUIC each add their own framing); the
// primitives, the nonce construction and the AAD-first buffer are the real ones.
// No SystemC, no simulator state: the NIC kind's payload source and the receiving program share
// it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wdsim::nic_records {

constexpr uint32_t kNonceOffset = 16;  // after nic_traffic's header
constexpr uint32_t kNonceBytes = 12;   // GCM's 96-bit IV
constexpr uint32_t kSaltBytes = 4;     // RFC 5288: the implicit part of the nonce
constexpr uint32_t kLengthOffset = 28;
constexpr uint32_t kDataKindOffset = 31;
constexpr uint32_t kMaxPlainBytes = (1u << 24) - 1;
constexpr uint32_t kAadBytes = 16;  // nonce and length
constexpr uint32_t kCipherOffset = 32;
constexpr uint32_t kTagBytes = 16;
constexpr uint32_t kKeyBytes = 16;  // AES-128
constexpr uint32_t kOverheadBytes = kCipherOffset + kTagBytes;

// The largest record a plaintext of `plain_bytes` can give: raw deflate's worst case is stored
// blocks (5 bytes of header per block of at most 65535 bytes, and one for an empty input, RFC
// 1951 section 3.2.4) on top of the plaintext, plus the record's overhead.
uint64_t max_record_bytes(uint64_t plain_bytes);

// The stream's AES key and nonce salt (from the stream seed: nic_traffic::stream_seed).
struct StreamKeys {
  std::array<uint8_t, kKeyBytes> key{};
  std::array<uint8_t, kSaltBytes> salt{};
};
StreamKeys stream_keys(uint64_t stream_seed);

// Which of `count` plaintext sizes record `seq` has (the source draws it; a function of
// (stream_seed, seq) only, so a receiver can tell what it should get).
size_t record_size_index(uint64_t stream_seed, uint64_t seq, size_t count);

// The plaintext of record `seq`: `data` ("text", "random" or "zeros") of `plain_bytes` bytes,
// a function of (stream_seed, seq) only.
std::vector<uint8_t> plaintext(uint64_t stream_seed, uint64_t seq, const std::string& data,
                               uint32_t plain_bytes);

// Record `seq` of plaintext `plain` (of kind `data`, at most kMaxPlainBytes) without its test
// header's arrival time (bytes 8..15 zero: the source stamps it when the packet arrives, see
// stamp_arrival); the header's sequence number is set.
std::vector<uint8_t> make_record(uint64_t stream_seed, uint64_t seq, const std::string& data,
                                 const std::vector<uint8_t>& plain);

// Writes the arrival time into the test header (bytes 8..15; not covered by the tag).
void stamp_arrival(std::vector<uint8_t>& record, uint64_t arrival_ps);

// The fields a receiver reads before handing the record to the engines.
struct RecordView {
  uint64_t seq = 0;
  uint32_t plain_bytes = 0;   // what the plaintext's length field says
  std::string data;           // the plaintext's kind: "text", "random" or "zeros"
  uint32_t cipher_bytes = 0;  // the deflate stream's length: packet - overhead
};
// nullopt (with *why) when `len` bytes cannot be a record.
std::optional<RecordView> parse(const uint8_t* packet, size_t len, std::string* why);

// Reference decryption of a whole record with OpenSSL (for tests and for a receiver that does it
// on the CPU): the deflate stream, or nullopt when the tag does not verify.
std::optional<std::vector<uint8_t>> open_record(uint64_t stream_seed, const uint8_t* packet,
                                                size_t len);

}  // namespace wdsim::nic_records
