// Test-only AArch64 translation-table builder for any granule (4K/16K/64K), stage 1 or 2,
// writing descriptors into a FakeMemory. Tables are allocated from a bump allocator in the
// table's own address space (a PA, or for nested stage 1 an IPA) and written at
// `to_pa(address)`. Leaves may be pages or blocks (`leaf_level`).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/iommu/testing/fake_memory.h"
#include "sim/iommu/vmsa.h"

namespace wdsim::testing {

class TableBuilder {
 public:
  // `first_table`: where tables are allocated (aligned to 64 KiB by the caller).
  TableBuilder(FakeMemory& mem, uint8_t tg, unsigned in_bits, unsigned start_level,
               uint64_t first_table, std::function<uint64_t(uint64_t)> to_pa = {})
      : mem_(mem),
        g_(*smmu::granule_from_tg(tg)),
        in_bits_(in_bits),
        start_(start_level),
        next_(first_table),
        to_pa_(to_pa ? to_pa : [](uint64_t a) { return a; }) {
    // The start table may be concatenated (stage 2): give it room for 16 tables.
    root_ = alloc(16);
  }
  uint64_t root() const { return root_; }
  const std::vector<uint64_t>& tables() const { return tables_; }
  const smmu::Granule& granule() const { return g_; }

  // Maps the leaf holding `in` at `leaf_level` to `out` with descriptor bits `attrs`
  // (AF, AP/S2AP, XN...). Returns the descriptor addresses of each level (as PAs).
  std::vector<uint64_t> map(uint64_t in, uint64_t out, unsigned leaf_level, uint64_t attrs,
                            uint64_t table_attrs = 0) {
    std::vector<uint64_t> slots;
    uint64_t table = root_;
    for (unsigned level = start_; level < leaf_level; ++level) {
      const uint64_t slot = to_pa_(table) + 8 * smmu::table_index(g_, level, start_, in_bits_, in);
      slots.push_back(slot);
      uint64_t d = mem_.peek64(slot);
      if (!(d & smmu::kDescValid)) {
        d = alloc(1) | smmu::kDescValid | smmu::kDescTableOrPage | table_attrs;
        mem_.poke64(slot, d);
      }
      table = smmu::desc_addr(d, g_.page_shift);
    }
    const uint64_t slot =
        to_pa_(table) + 8 * smmu::table_index(g_, leaf_level, start_, in_bits_, in);
    slots.push_back(slot);
    const unsigned shift = smmu::level_shift(g_, leaf_level);
    uint64_t d = smmu::desc_addr(out, shift) | smmu::kDescValid | attrs;
    if (leaf_level == smmu::kLastLevel) d |= smmu::kDescTableOrPage;
    mem_.poke64(slot, d);
    return slots;
  }

 private:
  uint64_t alloc(unsigned count) {
    const uint64_t size = (1ull << g_.page_shift) * count;
    next_ = (next_ + size - 1) & ~(size - 1);
    const uint64_t t = next_;
    next_ += size;
    tables_.push_back(t);
    return t;
  }

  FakeMemory& mem_;
  smmu::Granule g_;
  unsigned in_bits_;
  unsigned start_;
  uint64_t next_;
  std::function<uint64_t(uint64_t)> to_pa_;
  uint64_t root_ = 0;
  std::vector<uint64_t> tables_;
};

}  // namespace wdsim::testing
