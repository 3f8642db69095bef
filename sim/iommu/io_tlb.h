// The SMMU IOTLB: a set-associative cache of stage-1 translations tagged by (VMID, ASID, VA
// page), as real SMMUs tag by the CD's ASID (so CDs sharing an ASID share entries). Each entry
// is the 4 KiB page that was used; it remembers the block (4K/2M/1G leaf) it came from so a
// TLBI by address removes every piece of an invalidated block. LRU or FIFO replacement.
//
// Not modelled: walk caches (intermediate levels), stage 2, contiguous-bit hints, ATC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/stats.h"
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

struct IoTlbEntry {
  uint16_t vmid = 0;
  uint16_t asid = 0;
  uint64_t va_page = 0;   // 4 KiB-aligned VA
  uint64_t pa_page = 0;   // 4 KiB-aligned PA
  uint64_t block_va = 0;  // VA of the leaf block this page belongs to
  unsigned block_log2 = 12;
  PagePerms perms;
};

class IoTlb {
 public:
  // Stats under `stats_prefix` (e.g. "smmu.iotlb"): hits, misses, evictions, invalidated.
  // Throws ConfigError when entries is not a multiple of ways.
  IoTlb(const IoTlbParams& p, StatsRegistry& stats, const std::string& stats_prefix);

  // Finds the entry for `va`; counts a hit or a miss and updates LRU state.
  std::optional<IoTlbEntry> lookup(uint16_t vmid, uint16_t asid, uint64_t va);
  // Inserts (or refreshes) the entry, evicting the set's victim when full.
  void insert(const IoTlbEntry& e);

  // Each returns the number of entries removed.
  size_t invalidate_all();
  size_t invalidate_vmid(uint16_t vmid);
  size_t invalidate_asid(uint16_t vmid, uint16_t asid);
  // Entries whose leaf block overlaps [va_lo, va_hi); any ASID when `asid` is empty.
  size_t invalidate_va(uint16_t vmid, std::optional<uint16_t> asid, uint64_t va_lo, uint64_t va_hi);

  size_t valid_entries() const;
  unsigned sets() const { return sets_; }
  unsigned ways() const { return ways_; }
  bool enabled() const { return enabled_; }

 private:
  struct Way {
    bool valid = false;
    uint64_t stamp = 0;  // last use (LRU) or insertion (FIFO)
    IoTlbEntry e;
  };
  Way* set_begin(uint64_t va_page);
  template <class Pred>
  size_t remove_if(Pred pred);

  bool enabled_;
  bool lru_;
  unsigned sets_;
  unsigned ways_;
  std::vector<Way> ways_storage_;
  uint64_t clock_ = 0;
  Counter& hits_;
  Counter& misses_;
  Counter& evictions_;
  Counter& invalidated_;
};

}  // namespace wdsim::smmu
