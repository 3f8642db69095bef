// Reads typed values from a fuzzer's input bytes. Past the end every read returns zero (and
// empty byte strings), so a harness never needs to check the length; `done()` says when the
// input is used up. Little-endian, like the descriptors the harnesses build.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace wdsim::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool done() const { return pos_ >= size_; }
  size_t remaining() const { return size_ - pos_; }

  template <class T>
  T take() {
    T v{};
    const size_t n = std::min(sizeof(T), remaining());
    if (n > 0) std::memcpy(&v, data_ + pos_, n);
    pos_ += n;
    return v;
  }
  uint8_t u8() { return take<uint8_t>(); }
  uint16_t u16() { return take<uint16_t>(); }
  uint32_t u32() { return take<uint32_t>(); }
  uint64_t u64() { return take<uint64_t>(); }
  bool flag() { return (u8() & 1) != 0; }
  // A value in [0, n) (0 when n is 0).
  uint32_t below(uint32_t n) { return n == 0 ? 0 : u32() % n; }

  // Up to `n` bytes into `dst`, zero-filled past the end of the input.
  void fill(void* dst, size_t n) {
    if (n == 0) return;
    const size_t k = std::min(n, remaining());
    if (k > 0) std::memcpy(dst, data_ + pos_, k);
    std::memset(static_cast<uint8_t*>(dst) + k, 0, n - k);
    pos_ += k;
  }
  std::vector<uint8_t> bytes(size_t n) {
    std::vector<uint8_t> v(std::min(n, remaining()));
    fill(v.data(), v.size());
    return v;
  }
  std::vector<uint8_t> rest() { return bytes(remaining()); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Builds an input in the order a harness reads it (for seeds): the mirror of FuzzInput.
class SeedWriter {
 public:
  template <class T>
  SeedWriter& put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof v);
    return *this;
  }
  SeedWriter& u8(uint8_t v) { return put(v); }
  SeedWriter& u16(uint16_t v) { return put(v); }
  SeedWriter& u32(uint32_t v) { return put(v); }
  SeedWriter& u64(uint64_t v) { return put(v); }
  SeedWriter& flag(bool v) { return u8(v ? 1 : 0); }
  SeedWriter& raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Aborts with a message when a harness invariant does not hold: libFuzzer reports the input as
// a crash, the replay test fails.
[[noreturn]] void invariant_failed(const char* what, const char* file, int line);

}  // namespace wdsim::fuzz

#define WDSIM_FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::wdsim::fuzz::invariant_failed(#cond, __FILE__, __LINE__))
