// Workload payloads and their check: deterministic input data (generated text that
// compresses about 3x, random bytes, or zeros) from the scenario's seed, and the check that
// an output buffer inflates with system zlib to exactly the input.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace wdsim {

class WorkloadData {
 public:
  WorkloadData(std::string kind, std::mt19937_64 rng) : kind_(std::move(kind)), rng_(rng) {}
  std::vector<uint8_t> next(uint64_t size);

 private:
  std::string kind_;
  std::mt19937_64 rng_;
};

// Compresses `data` with system zlib (level 6) in `format` ("deflate", "zlib", "gzip").
std::vector<uint8_t> system_deflate(const std::vector<uint8_t>& data, const std::string& format);

// Inflates `compressed` (format "deflate", "zlib" or "gzip") with system zlib and compares it
// with `expected`; on failure *why says what went wrong.
bool inflate_equals(const std::vector<uint8_t>& compressed, const std::vector<uint8_t>& expected,
                    const std::string& format, std::string* why);

}  // namespace wdsim
