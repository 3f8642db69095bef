// The bytes of the traffic source's packets when the system builds a NIC (sim/system
// nic_kind.cc): a 16-byte test header, as packet generators put in their packets (Linux pktgen
// and MoonGen carry a sequence number and a transmit timestamp), then payload bytes that are a
// function of the stream seed and the sequence number alone, so that a receiver that knows the
// seed checks every byte:
//   bytes 0..7    the packet's sequence number (little-endian), from 0
//   bytes 8..15   when it arrived at the device (the source's schedule), in simulated ps (LE)
//   bytes 16..    splitmix64 output words seeded by (stream seed, sequence number), little-endian
// A packet shorter than 16 bytes is not made (the NIC kind's rx_sizes start at kHeaderBytes).
// No SystemC, no simulator state: the device's payload source and the receiving program share it.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace wdsim::nic_traffic {

constexpr uint32_t kHeaderBytes = 16;

// splitmix64 (Steele, Lea, Flood 2014): one 64-bit word per step.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The payload byte stream of packet `seq` from offset kHeaderBytes on, into out[0..len).
inline void fill_body(uint64_t stream_seed, uint64_t seq, uint8_t* out, size_t len) {
  uint64_t state = stream_seed ^ (seq * 0xd1b54a32d192ed03ull);
  for (size_t i = 0; i < len; i += 8) {
    const uint64_t w = splitmix64(state);
    uint8_t b[8];
    for (int k = 0; k < 8; ++k) b[k] = static_cast<uint8_t>(w >> (8 * k));
    std::memcpy(out + i, b, len - i < 8 ? len - i : 8);
  }
}

// The whole packet `seq` of `size` bytes (size >= kHeaderBytes) that arrived at `arrival_ps`.
inline std::vector<uint8_t> make_packet(uint64_t stream_seed, uint64_t seq, uint64_t arrival_ps,
                                        uint32_t size) {
  std::vector<uint8_t> p(size < kHeaderBytes ? kHeaderBytes : size);
  for (int k = 0; k < 8; ++k) {
    p[k] = static_cast<uint8_t>(seq >> (8 * k));
    p[8 + k] = static_cast<uint8_t>(arrival_ps >> (8 * k));
  }
  fill_body(stream_seed, seq, p.data() + kHeaderBytes, p.size() - kHeaderBytes);
  p.resize(size);
  return p;
}

struct Header {
  uint64_t seq = 0;
  uint64_t arrival_ps = 0;
};

inline Header read_header(const uint8_t* p) {
  Header h;
  for (int k = 0; k < 8; ++k) {
    h.seq |= uint64_t{p[k]} << (8 * k);
    h.arrival_ps |= uint64_t{p[8 + k]} << (8 * k);
  }
  return h;
}

// Checks a received packet against what the source made: nullopt when every byte is right,
// else the offset of the first wrong byte (the header's sequence number and time are taken as
// given; the receiver checks their order itself).
inline std::optional<size_t> first_wrong_byte(uint64_t stream_seed, const uint8_t* p, size_t len) {
  if (len < kHeaderBytes) return 0;
  const Header h = read_header(p);
  std::vector<uint8_t> want(len - kHeaderBytes);
  fill_body(stream_seed, h.seq, want.data(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (p[kHeaderBytes + i] != want[i]) return kHeaderBytes + i;
  }
  return std::nullopt;
}

// The stream seed of the NIC named `device` in a run with scenario seed `seed` (what both the
// source and a receiver derive; FNV-1a of the name, mixed with the seed).
inline uint64_t stream_seed(uint64_t seed, const std::string& device) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : device) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  uint64_t state = seed ^ h;
  return splitmix64(state);
}

}  // namespace wdsim::nic_traffic
