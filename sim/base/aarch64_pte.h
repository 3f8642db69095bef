// AArch64 VMSAv8-64 translation table descriptor facts (Arm ARM D8.3), shared by the CPU page
// tables the kernel model builds (sim/cpu_host) and the SMMU's stage-1 walker (sim/iommu).
// 4 KiB granule, 48-bit VA, levels 0..3; 16K/64K granules are issue 3's.
#pragma once

#include <cstdint>

#include "sim/base/bits.h"

namespace wdsim::aarch64 {

constexpr uint64_t kDescValid = 1ull << 0;
constexpr uint64_t kDescTable = 1ull << 1;  // at levels 0-2: table; at level 3: page
constexpr uint64_t kDescPage = 1ull << 1;
// Lower attributes of block/page descriptors.
constexpr unsigned kAttrIndxLo = 2;   // AttrIndx[4:2]
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

}  // namespace wdsim::aarch64
