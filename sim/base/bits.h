// Bit-field helpers for hardware formats: extract and insert [hi:lo] fields, little-endian
// loads and stores into byte buffers.
#pragma once

#include <cstdint>
#include <cstring>

namespace wdsim {

constexpr uint64_t bit_mask(unsigned hi, unsigned lo) {
  return (hi - lo >= 63) ? ~0ull : (((1ull << (hi - lo + 1)) - 1) << lo);
}
constexpr uint64_t get_bits(uint64_t v, unsigned hi, unsigned lo) {
  return (v & bit_mask(hi, lo)) >> lo;
}
constexpr uint64_t set_bits(uint64_t v, unsigned hi, unsigned lo, uint64_t field) {
  return (v & ~bit_mask(hi, lo)) | ((field << lo) & bit_mask(hi, lo));
}
constexpr bool get_bit(uint64_t v, unsigned b) { return (v >> b) & 1; }

inline uint32_t load_le32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // the host is little-endian (x86_64, AArch64)
}
inline uint64_t load_le64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void store_le32(void* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void store_le64(void* p, uint64_t v) { std::memcpy(p, &v, 8); }

constexpr uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

}  // namespace wdsim
