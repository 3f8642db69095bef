// The SMMU walk cache: table descriptors (not leaves) read by earlier walks, one set-associative
// array per table level (0, 1, 2), so a TLB miss re-reads only the levels below the deepest
// cached one: with level 2 cached, a 4 KiB-granule miss in the same 2 MiB region reads only its
// level-3 descriptor. Entries are tagged like the TLB (stage, VMID, ASID for stage 1, granule)
// plus the input-address prefix the descriptor covers and its level, and hold the next table's
// physical address (for a nested stage-1 walk: after stage 2) with the hierarchical
// APTable/XNTable restrictions gathered so far. Stage-1 and stage-2 walks share the arrays.
// One lookup (all levels probed in parallel) costs `lookup_latency_ns` per walk.
//
// Invalidation (Arm IHI 0070 4.4): TLBI_NH_ASID/ALL remove stage-1 entries of the ASID/VMID;
// TLBI_NH_VA(A) with Leaf=0 those covering the range (Leaf=1 keeps table entries); TLBI_S2_IPA
// with Leaf=0 the stage-2 entries covering the IPA and, always, the nested stage-1 entries of
// the VMID (their table addresses went through stage 2); TLBI_S12_VMALL the VMID; NSNH_ALL all.
//
// Not modelled: caching of leaf descriptors here (the TLB holds those), the IPA->PA cache of
// table addresses (stage-2 translations of stage-1 table addresses live in the main TLB).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <systemc>

#include "sim/base/stats.h"
#include "sim/iommu/set_assoc.h"
#include "sim/iommu/smmu_params.h"

namespace wdsim::smmu {

struct WalkCacheTag {
  uint8_t stage = 1;  // 1 or 2
  uint16_t vmid = 0;
  uint16_t asid = 0;  // stage 1 only
  uint8_t tg = 0;
};

struct WalkCacheEntry {
  WalkCacheTag tag;
  uint64_t prefix = 0;       // input address >> region_log2
  unsigned region_log2 = 0;  // the input range the table descriptor covers
  uint64_t next_table = 0;   // PA of the next-level table
  bool via_stage2 = false;   // nested stage 1: next_table went through stage 2
  // Hierarchical restrictions from this and the levels above (stage 1).
  bool ap_read_only = false;
  bool ap_no_el0 = false;
  bool uxn = false;
  bool pxn = false;
  sc_core::sc_time ready_at = sc_core::SC_ZERO_TIME;  // when the descriptor was read
};

class WalkCache {
 public:
  static constexpr unsigned kLevels = 3;  // table descriptors live at levels 0..2

  // Stats under `stats_prefix` ("smmu.walk_cache"): l<N>.hits, misses, evictions, invalidated
  // and the running hit_rate.
  WalkCache(const WalkCacheParams& p, StatsRegistry& stats, const std::string& stats_prefix,
            std::mt19937_64 rng);
  ~WalkCache();

  bool enabled() const { return enabled_; }
  sc_core::sc_time lookup_latency() const { return lookup_latency_; }

  // The table descriptor at `level` covering `addr`, counting a hit or a miss at that level.
  std::optional<WalkCacheEntry> find(const WalkCacheTag& tag, unsigned level, unsigned region_log2,
                                     uint64_t addr);
  void insert(unsigned level, const WalkCacheEntry& e);

  size_t invalidate_all();
  size_t invalidate_vmid(uint16_t vmid);                 // both stages
  size_t invalidate_s1_vmid(uint16_t vmid);              // TLBI_NH_ALL
  size_t invalidate_asid(uint16_t vmid, uint16_t asid);  // TLBI_NH_ASID
  size_t invalidate_va(uint16_t vmid, std::optional<uint16_t> asid, uint64_t lo, uint64_t hi);
  size_t invalidate_ipa(uint16_t vmid, uint64_t lo, uint64_t hi, bool leaf_only);
  size_t valid_entries(unsigned level) const;

 private:
  struct Level;
  template <class Pred>
  size_t remove_if(Pred pred);

  bool enabled_;
  sc_core::sc_time lookup_latency_;
  std::array<std::unique_ptr<Level>, kLevels> levels_;
};

}  // namespace wdsim::smmu
