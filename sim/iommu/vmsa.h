// VMSAv8-64 translation-table geometry for the SMMU's walkers, for the 4 KiB, 16 KiB and
// 64 KiB granules: which address bits each level resolves, the start level of a stage-1 walk
// (from T0SZ) and of a stage-2 walk (from VTCR.SL0, with concatenated start tables), where
// block descriptors are allowed, and the descriptor bits the walker reads (stage-1 AP/XN and
// hierarchical APTable/XNTable, stage-2 S2AP/XN).
//
// Not modelled: 52-bit addresses (FEAT_LPA/LPA2: level -1, PA[51:48] in descriptors are an
// address-size fault with a 48-bit OAS), FEAT_XNX (stage-2 XN[53] is ignored), the contiguous
// bit (a hint; ignored), AArch32 LPAE tables. Facts: Arm ARM D8.2-D8.4, Arm IHI 0070 5.2/5.4.
#pragma once

#include <cstdint>
#include <optional>

#include "sim/base/bits.h"

namespace wdsim::smmu {

struct Granule {
  uint8_t tg = 0;  // CD.TG0 / VTCR.TG0 encoding: 0 4K, 1 64K, 2 16K
  unsigned page_shift = 12;
  unsigned bits_per_level = 9;
};

// The granule of a TG0 encoding; nullopt for the reserved value 3.
std::optional<Granule> granule_from_tg(uint8_t tg);

inline constexpr unsigned kLastLevel = 3;
inline constexpr unsigned kMaxInputBits = 48;  // no 52-bit VA/IPA
inline constexpr unsigned kMinInputBits = 25;  // T0SZ <= 39 (IDR3.STT = 0)

// Lowest address bit resolved by `level` (0..3): the log2 size a descriptor there maps.
constexpr unsigned level_shift(const Granule& g, unsigned level) {
  return g.page_shift + g.bits_per_level * (kLastLevel - level);
}
// The first level of a stage-1 walk of an `in_bits`-bit input range.
unsigned s1_start_level(const Granule& g, unsigned in_bits);
// The first level of a stage-2 walk from VTCR.SL0; nullopt when SL0 is reserved for the granule
// or the start level cannot resolve `in_bits` with at most 16 concatenated tables.
std::optional<unsigned> s2_start_level(const Granule& g, uint8_t sl0, unsigned in_bits);
// Index bits resolved at `level` of a walk that starts at `start_level`.
unsigned index_bits(const Granule& g, unsigned level, unsigned start_level, unsigned in_bits);
// Index of `addr` in the table at `level`.
uint64_t table_index(const Granule& g, unsigned level, unsigned start_level, unsigned in_bits,
                     uint64_t addr);
// Whether a block descriptor may appear at `level` (4K: 1 GiB at 1, 2 MiB at 2; 16K: 32 MiB
// at 2; 64K: 512 MiB at 2).
bool block_allowed(const Granule& g, unsigned level);
// Output size in bits for an IPS/PS encoding (0 32, 1 36, 2 40, 3 42, 4 44, 5 48, 6 52).
unsigned pa_size_bits(uint8_t ips);

// Descriptor fields (Arm ARM D8.3).
inline constexpr uint64_t kDescValid = 1ull << 0;
inline constexpr uint64_t kDescTableOrPage = 1ull << 1;
inline constexpr uint64_t kDescAf = 1ull << 10;
inline constexpr uint64_t kDescApUser = 1ull << 6;      // stage 1 AP[1]
inline constexpr uint64_t kDescApReadOnly = 1ull << 7;  // stage 1 AP[2]
inline constexpr uint64_t kDescS2ApRead = 1ull << 6;    // stage 2 S2AP[0]
inline constexpr uint64_t kDescS2ApWrite = 1ull << 7;   // stage 2 S2AP[1]
inline constexpr uint64_t kDescPxn = 1ull << 53;
inline constexpr uint64_t kDescUxn = 1ull << 54;  // stage 1 UXN/XN; stage 2 XN[1]
inline constexpr uint64_t kDescS2Xn = 1ull << 54;
inline constexpr uint64_t kPxnTable = 1ull << 59;
inline constexpr uint64_t kUxnTable = 1ull << 60;
inline constexpr uint64_t kApTableNoEl0 = 1ull << 61;
inline constexpr uint64_t kApTableReadOnly = 1ull << 62;
// Output/next-table address bits of a descriptor mapping 2^shift bytes (48-bit OA).
constexpr uint64_t desc_addr(uint64_t desc, unsigned shift) { return desc & bit_mask(47, shift); }
constexpr bool desc_high_pa_bits(uint64_t desc) { return get_bits(desc, 51, 48) != 0; }

}  // namespace wdsim::smmu
