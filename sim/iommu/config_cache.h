// The SMMU configuration cache: decoded STEs by StreamID and CDs by (StreamID, SubstreamID),
// fully associative with LRU replacement. Only valid, well-formed configuration is cached
// (as the architecture allows), so a fixed STE/CD is seen once software issues CMD_CFGI_*.
//
// Invalidation scope (Arm IHI 0070 4.3): CFGI_STE removes the STE and, conservatively, every
// CD cached through it; CFGI_STE_RANGE (Linux's CFGI_ALL with Range 31) a 2^(Range+1)-aligned
// StreamID range; CFGI_CD one CD; CFGI_CD_ALL every CD of a StreamID.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sim/base/stats.h"
#include "sim/iommu/address_space_stats.h"
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

  size_t ste_count() const { return ste_lru_.slots.size(); }
  size_t cd_count() const { return cd_lru_.slots.size(); }

 private:
  template <class K, class V>
  struct Lru {
    struct Slot {
      V value;
      uint64_t stamp;
    };
    std::map<K, Slot> slots;
  };
  template <class K, class V>
  static std::optional<V> find(Lru<K, V>& c, const K& k, uint64_t& clock);
  template <class K, class V>
  static void insert(Lru<K, V>& c, size_t capacity, const K& k, const V& v, uint64_t& clock);

  size_t ste_capacity_;
  size_t cd_capacity_;
  uint64_t clock_ = 0;
  Lru<uint32_t, SteConfig> ste_lru_;
  Lru<std::pair<uint32_t, uint32_t>, CdConfig> cd_lru_;
  Counter& ste_hits_;
  Counter& ste_misses_;
  Counter& cd_hits_;
  Counter& cd_misses_;
  std::unique_ptr<SpaceCounters> by_space_;  // ste_hits, ste_misses, cd_hits, cd_misses
};

}  // namespace wdsim::smmu
