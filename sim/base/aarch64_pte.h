// AArch64 VMSAv8-64 translation table descriptor facts (Arm ARM D8.3), shared by the CPU page
// tables the kernel model builds (sim/cpu_host/kernel) and the SMMU's stage-1 walker (sim/iommu).
// 4 KiB, 16 KiB and 64 KiB granules, 48-bit VA (TTBR0/CD.TTB0 range, T0SZ = 16), 48-bit OA.
#pragma once

#include <cstdint>

#include "sim/base/bits.h"

namespace wdsim::aarch64 {

constexpr uint64_t kDescValid = 1ull << 0;
constexpr uint64_t kDescTable = 1ull << 1;  // at levels 0-2: table; at level 3: page
constexpr uint64_t kDescPage = 1ull << 1;
// Lower attributes of block/page descriptors.
constexpr unsigned kAttrIndxLo = 2;          // AttrIndx[4:2]
constexpr uint64_t kApUser = 1ull << 6;      // AP[1]: EL0 access
constexpr uint64_t kApReadOnly = 1ull << 7;  // AP[2]: read-only
constexpr unsigned kShLo = 8;                // SH[9:8]
constexpr uint64_t kShInner = 3ull << 8;
constexpr uint64_t kAccessFlag = 1ull << 10;  // AF
constexpr uint64_t kNotGlobal = 1ull << 11;   // nG
// Upper attributes.
constexpr uint64_t kDbm = 1ull << 51;
constexpr uint64_t kPxn = 1ull << 53;
constexpr uint64_t kUxn = 1ull << 54;
// Output address (4K granule, 48-bit PA).
constexpr uint64_t kOutputAddrMask = bit_mask(47, 12);

constexpr unsigned kPageShift4K = 12;
constexpr uint64_t kPageSize4K = 1ull << kPageShift4K;
constexpr unsigned kLevels4K = 4;
constexpr unsigned kBitsPerLevel4K = 9;

// Index of `va` in the table at `level` (0..3) for the 4K granule.
constexpr unsigned table_index_4k(uint64_t va, unsigned level) {
  return static_cast<unsigned>(get_bits(va, 47 - 9 * level, 39 - 9 * level));
}

// ---- Any granule (Arm ARM D8.2 "Translation process"), 48-bit VA -------------------------------
// A granule of 2^s bytes holds 2^(s-3) eight-byte descriptors, so each level resolves s - 3 VA
// bits; level 3 resolves VA[s+(s-3)-1:s]. With a 48-bit VA (T0SZ = 16):
//   4K  (s = 12): 4 levels, L0 VA[47:39] L1 [38:30] L2 [29:21] L3 [20:12].
//   16K (s = 14): 4 levels, L0 VA[47] (a 2-entry table) L1 [46:36] L2 [35:25] L3 [24:14].
//   64K (s = 16): 3 levels, L1 VA[47:42] (64 entries) L2 [41:29] L3 [28:16].
// Block descriptors (bits[1:0] = 0b01) without FEAT_LPA/LPA2: 4K at L1 (1 GiB) and L2 (2 MiB);
// 16K at L2 (32 MiB); 64K at L2 (512 MiB). Table and page descriptors hold the next table /
// output address in bits [47:s]; a block at level l holds it in [47:level_shift(s, l)].
// TCR_EL1.TG0 / SMMU CD.TG0 encodings: 0 = 4K, 1 = 64K, 2 = 16K.
constexpr unsigned kPageShift16K = 14;
constexpr uint64_t kPageSize16K = 1ull << kPageShift16K;
constexpr unsigned kLevels16K = 4;
constexpr unsigned kBitsPerLevel16K = 11;
constexpr unsigned kPageShift64K = 16;
constexpr uint64_t kPageSize64K = 1ull << kPageShift64K;
constexpr unsigned kLevels64K = 3;  // levels 1..3
constexpr unsigned kBitsPerLevel64K = 13;

constexpr unsigned kVaBits = 48;
constexpr unsigned kT0sz48BitVa = 64 - kVaBits;  // 16
constexpr unsigned kLastLevel = 3;
constexpr uint8_t kTg0Granule4K = 0;
constexpr uint8_t kTg0Granule64K = 1;
constexpr uint8_t kTg0Granule16K = 2;

// VA bits resolved by one table level of a 2^page_shift granule.
constexpr unsigned bits_per_level(unsigned page_shift) { return page_shift - 3; }
// Lowest VA bit resolved at `level` (0..3): log2 of the bytes one descriptor there maps.
constexpr unsigned level_shift(unsigned page_shift, unsigned level) {
  return page_shift + bits_per_level(page_shift) * (kLastLevel - level);
}
// Number of levels a walk of a 48-bit VA needs (4, 4, 3 for 4K, 16K, 64K).
constexpr unsigned levels_48bit(unsigned page_shift) {
  return (kVaBits - page_shift + bits_per_level(page_shift) - 1) / bits_per_level(page_shift);
}
// First level of that walk (0, 0, 1).
constexpr unsigned start_level_48bit(unsigned page_shift) {
  return kLastLevel + 1 - levels_48bit(page_shift);
}
// Index of `va` in the table at `level` of a 48-bit-VA walk with a 2^page_shift granule; the
// start level resolves only the VA bits left up to bit 47.
constexpr unsigned table_index(uint64_t va, unsigned page_shift, unsigned level) {
  const unsigned lo = level_shift(page_shift, level);
  const unsigned hi = lo + bits_per_level(page_shift) - 1;
  return static_cast<unsigned>(get_bits(va, hi < kVaBits ? hi : kVaBits - 1, lo));
}
constexpr unsigned table_index_16k(uint64_t va, unsigned level) {
  return table_index(va, kPageShift16K, level);
}
constexpr unsigned table_index_64k(uint64_t va, unsigned level) {
  return table_index(va, kPageShift64K, level);
}
// Whether a block descriptor may appear at `level` (no FEAT_LPA/LPA2).
constexpr bool block_allowed(unsigned page_shift, unsigned level) {
  return page_shift == kPageShift4K ? (level == 1 || level == 2) : level == 2;
}
// Output-address bits of a descriptor mapping (or pointing at a table of) 2^shift bytes.
constexpr uint64_t output_addr_mask(unsigned shift) { return bit_mask(47, shift); }

static_assert(table_index(0xffff'ffff'ffffull, kPageShift4K, 0) == table_index_4k(~0ull, 0));
static_assert(levels_48bit(kPageShift4K) == kLevels4K &&
              levels_48bit(kPageShift16K) == kLevels16K &&
              levels_48bit(kPageShift64K) == kLevels64K);
static_assert(level_shift(kPageShift16K, 2) == 25 && level_shift(kPageShift64K, 2) == 29);
static_assert(table_index_16k(1ull << 47, 0) == 1 && table_index_64k(0x3full << 42, 1) == 63);

}  // namespace wdsim::aarch64
