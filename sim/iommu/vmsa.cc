#include "sim/iommu/vmsa.h"

namespace wdsim::smmu {

namespace {
constexpr unsigned kMaxConcatBits = 4;  // up to 16 concatenated stage-2 start tables
}  // namespace

std::optional<Granule> granule_from_tg(uint8_t tg) {
  switch (tg) {
    case 0:
      return Granule{0, 12, 9};
    case 1:
      return Granule{1, 16, 13};
    case 2:
      return Granule{2, 14, 11};
    default:
      return std::nullopt;
  }
}

unsigned s1_start_level(const Granule& g, unsigned in_bits) {
  const unsigned levels = (in_bits - g.page_shift + g.bits_per_level - 1) / g.bits_per_level;
  return kLastLevel + 1 - levels;
}

std::optional<unsigned> s2_start_level(const Granule& g, uint8_t sl0, unsigned in_bits) {
  unsigned start = 0;
  if (g.page_shift == 12) {
    if (sl0 > 2) return std::nullopt;  // SL0 3 needs FEAT_TTST / LPA2
    start = 2 - sl0;
  } else {
    if (sl0 > 2) return std::nullopt;
    start = 3 - sl0;
  }
  if (in_bits <= level_shift(g, start)) return std::nullopt;  // start level resolves nothing
  if (in_bits - level_shift(g, start) > g.bits_per_level + kMaxConcatBits) return std::nullopt;
  return start;
}

unsigned index_bits(const Granule& g, unsigned level, unsigned start_level, unsigned in_bits) {
  return level == start_level ? in_bits - level_shift(g, level) : g.bits_per_level;
}

uint64_t table_index(const Granule& g, unsigned level, unsigned start_level, unsigned in_bits,
                     uint64_t addr) {
  const unsigned bits = index_bits(g, level, start_level, in_bits);
  return (addr >> level_shift(g, level)) & ((1ull << bits) - 1);
}

bool block_allowed(const Granule& g, unsigned level) {
  if (g.page_shift == 12) return level == 1 || level == 2;
  return level == 2;
}

unsigned pa_size_bits(uint8_t ips) {
  static constexpr unsigned kBits[] = {32, 36, 40, 42, 44, 48, 52, 56};
  return kBits[ips & 7];
}

}  // namespace wdsim::smmu
