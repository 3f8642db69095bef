// The SMMU configuration cache: decoded STEs by StreamID and CDs by (StreamID, SubstreamID),
// fully associative with LRU replacement (one-set arrays of set_assoc.h, the array every
// translation cache uses). Only valid, well-formed configuration is cached
// (as the architecture allows), so a fixed STE/CD is seen once software issues CMD_CFGI_*.
//
// Invalidation scope (Arm IHI 0070 4.3): CFGI_STE removes the STE and, conservatively, every
// CD cached through it; CFGI_STE_RANGE (Linux's CFGI_ALL with Range 31) a 2^(Range+1)-aligned
// StreamID range; CFGI_CD one CD; CFGI_CD_ALL every CD of a StreamID.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sim/base/stats.h"
#include "sim/iommu/address_space_stats.h"
#include "sim/iommu/set_assoc.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/smmu_params.h"

namespace wdsim::smmu {

class ConfigCache {
 public:
  // Stats under `stats_prefix` (e.g. "smmu.config_cache"): ste_hits, ste_misses, cd_hits,
  // cd_misses; with `spaces` also <stats_prefix>.by_pasid.<space>.{ste,cd}_{hits,misses} for
  // lookups made for an address space (address_space_stats.h).
  ConfigCache(const ConfigCacheParams& p, StatsRegistry& stats, const std::string& stats_prefix,
              const AddressSpaces* spaces = nullptr);

  // `space`: the AddressSpaces id of the request the lookup is made for.
  std::optional<SteConfig> find_ste(uint32_t sid, uint32_t space = kNoAddressSpace);
  void insert_ste(uint32_t sid, const SteConfig& ste);
  std::optional<CdConfig> find_cd(uint32_t sid, uint32_t ssid, uint32_t space = kNoAddressSpace);
  void insert_cd(uint32_t sid, uint32_t ssid, const CdConfig& cd);

  void invalidate_ste(uint32_t sid);
  // StreamIDs in the 2^(range+1)-aligned block holding `sid`; range >= 31 removes everything.
  void invalidate_ste_range(uint32_t sid, uint8_t range);
  void invalidate_cd(uint32_t sid, uint32_t ssid);
  void invalidate_cd_all(uint32_t sid);
  void invalidate_all();

  size_t ste_count() const { return stes_ ? stes_->valid_entries() : 0; }
  size_t cd_count() const { return cds_ ? cds_->valid_entries() : 0; }

 private:
  struct SteSlot {
    uint32_t sid = 0;
    SteConfig ste;
  };
  struct CdSlot {
    uint32_t sid = 0;
    uint32_t ssid = 0;
    CdConfig cd;
  };

  // Empty when the capacity is 0 (nothing cached).
  std::optional<SetAssocArray<SteSlot>> stes_;
  std::optional<SetAssocArray<CdSlot>> cds_;
  Counter& ste_hits_;
  Counter& ste_misses_;
  Counter& cd_hits_;
  Counter& cd_misses_;
  std::unique_ptr<SpaceCounters> by_space_;  // ste_hits, ste_misses, cd_hits, cd_misses
};

}  // namespace wdsim::smmu
