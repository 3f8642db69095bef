// The SMMU's TLBs: a set-associative cache of translations, used twice by the Smmu: as the
// main TLB tagged by (stage, VMID, ASID) as real SMMUs tag (so CDs sharing an ASID share
// entries), and as the micro-TLB in front of it, tagged by (StreamID, SubstreamID) so a hit
// needs neither the STE nor the CD. An entry maps one leaf of the size the walk found (a
// 4 KiB/16 KiB/64 KiB page or a 2 MiB/32 MiB/512 MiB/1 GiB block; nested entries the smaller
// of the stage-1 and stage-2 leaves), so a 2 MiB block needs one entry for its 512 pages.
// Lookups probe each leaf size present (one lookup latency, charged by the caller). Entries
// are stage-1 (VA -> PA), stage-2 (IPA -> PA) or nested (VA -> PA through both stages, also
// remembering the IPA range so TLBI_S2_IPA finds them). LRU, FIFO or random replacement.
//
// `ready_at` is when the walk that produced the entry finishes: in loosely-timed simulation the
// entry exists functionally from the walk's start, and a request arriving earlier waits for it
// (this is how misses to a page being walked coalesce).
//
// Not modelled: contiguous-bit hints, separate arrays per page size, partial-tag aliasing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <systemc>

#include "sim/base/stats.h"
#include "sim/iommu/address_space_stats.h"
#include "sim/iommu/set_assoc.h"
#include "sim/iommu/smmu_params.h"

namespace wdsim::smmu {

// Final permissions of a stage-1 leaf, after hierarchical (APTable/XNTable) restrictions.
struct PagePerms {
  bool writable = false;  // !AP[2]
  bool user = false;      // AP[1]: EL0 (unprivileged) access
  bool uxn = false;
  bool pxn = false;
};

// Stage-1 permission check (Arm ARM D8.4): unprivileged needs AP[1]; writes need !AP[2];
// instruction fetch needs !UXN (user) or !PXN (privileged), and privileged code never executes
// from EL0-writable memory.
bool access_permitted(const PagePerms& p, bool write, bool exec, bool privileged);

// Stage-2 permissions of a leaf: S2AP[0] read, S2AP[1] write, XN.
struct S2Perms {
  bool read = true;
  bool write = true;
  bool xn = false;
};
bool s2_access_permitted(const S2Perms& p, bool write, bool exec);

enum class TlbStage : uint8_t { kS1 = 0, kS2 = 1, kNested = 2 };

inline constexpr uint32_t kNoSsid = 0xffffffffu;  // micro-TLB tag of a request without PASID

struct IoTlbEntry {
  TlbStage stage = TlbStage::kS1;
  uint16_t vmid = 0;
  uint16_t asid = 0;
  uint32_t sid = 0;         // micro-TLB tag
  uint32_t ssid = kNoSsid;  // micro-TLB tag
  uint64_t va_page = 0;     // an input page of the leaf (any page of it)
  uint64_t pa_page = 0;     // its output address
  uint64_t block_va = 0;    // input base of the leaf (aligned to 2^block_log2)
  unsigned block_log2 = 12;
  uint64_t ipa_base = 0;  // nested: the IPA range [ipa_base, +2^ipa_log2) whose S2 leaf is used
  unsigned ipa_log2 = 0;  // 0: none
  bool has_s1 = true;     // false: stage 1 bypassed (S2-only translations)
  bool has_s2 = false;
  PagePerms perms;
  S2Perms s2;
  sc_core::sc_time ready_at = sc_core::SC_ZERO_TIME;

  // Output address of `va` (inside the leaf).
  uint64_t translate(uint64_t va) const { return pa_page + (va - va_page); }
  bool permits(bool write, bool exec, bool privileged) const {
    return (!has_s1 || access_permitted(perms, write, exec, privileged)) &&
           (!has_s2 || s2_access_permitted(s2, write, exec));
  }
};

class IoTlb {
 public:
  // Stats under `stats_prefix` (e.g. "smmu.iotlb"): hits, misses, evictions, invalidated; with
  // `spaces`, also <stats_prefix>.by_pasid.<space>.hits/misses for lookups made for an address
  // space (address_space_stats.h). Throws ConfigError when entries is not a multiple of ways.
  // `rng` draws random victims.
  IoTlb(const IoTlbParams& p, StatsRegistry& stats, const std::string& stats_prefix,
        std::mt19937_64 rng = std::mt19937_64(1), const AddressSpaces* spaces = nullptr);

  // Main-TLB lookups of `va` (an IPA for kS2); count a hit or a miss (also for `space`, the
  // AddressSpaces id of the request the lookup is made for), update LRU state.
  std::optional<IoTlbEntry> lookup(uint16_t vmid, uint16_t asid, uint64_t va) {
    return lookup(TlbStage::kS1, vmid, asid, va);
  }
  std::optional<IoTlbEntry> lookup(TlbStage stage, uint16_t vmid, uint16_t asid, uint64_t va,
                                   uint32_t space = kNoAddressSpace);
  // Micro-TLB lookup by stream.
  std::optional<IoTlbEntry> lookup_stream(uint32_t sid, uint32_t ssid, uint64_t va,
                                          uint32_t space = kNoAddressSpace);
  // Inserts (or refreshes) the entry, evicting the set's victim when full.
  void insert(const IoTlbEntry& e);

  // Each returns the number of entries removed.
  size_t invalidate_all();
  // Every entry of the VMID (TLBI_S12_VMALL).
  size_t invalidate_vmid(uint16_t vmid);
  // Stage-1 and nested entries of the VMID (TLBI_NH_ALL).
  size_t invalidate_nh_vmid(uint16_t vmid);
  size_t invalidate_asid(uint16_t vmid, uint16_t asid);
  // Stage-1/nested entries whose leaf overlaps [va_lo, va_hi); any ASID when `asid` is empty.
  size_t invalidate_va(uint16_t vmid, std::optional<uint16_t> asid, uint64_t va_lo, uint64_t va_hi);
  // Stage-2 entries overlapping [ipa_lo, ipa_hi) and nested entries built on them.
  size_t invalidate_ipa(uint16_t vmid, uint64_t ipa_lo, uint64_t ipa_hi);
  // Entries tagged with a StreamID in [sid_lo, sid_hi) (micro-TLB; CFGI_*).
  size_t invalidate_sids(uint64_t sid_lo, uint64_t sid_hi);
  size_t invalidate_stream(uint32_t sid, uint32_t ssid);

  size_t valid_entries() const { return array_.valid_entries(); }
  unsigned sets() const { return array_.sets(); }
  unsigned ways() const { return array_.ways(); }
  bool enabled() const { return enabled_; }

 private:
  template <class Tag>
  std::optional<IoTlbEntry> find(uint64_t va, uint32_t space, Tag tag);
  template <class Pred>
  size_t remove_if(Pred pred);

  bool enabled_;
  SetAssocArray<IoTlbEntry> array_;
  uint64_t sizes_in_use_ = 0;  // bit n: some entry has block_log2 == n
  Counter& hits_;
  Counter& misses_;
  Counter& evictions_;
  Counter& invalidated_;
  std::unique_ptr<SpaceCounters> by_space_;  // hits, misses per address space (or none)
};

}  // namespace wdsim::smmu
