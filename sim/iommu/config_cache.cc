#include "sim/iommu/config_cache.h"

namespace wdsim::smmu {

namespace {
enum SpaceCounter : size_t { kSteHits, kSteMisses, kCdHits, kCdMisses };
}  // namespace

ConfigCache::ConfigCache(const ConfigCacheParams& p, StatsRegistry& stats,
                         const std::string& stats_prefix, const AddressSpaces* spaces)
    : ste_capacity_(p.ste_entries),
      cd_capacity_(p.cd_entries),
      ste_hits_(stats.counter(stats_prefix + ".ste_hits", "STE found in the config cache")),
      ste_misses_(stats.counter(stats_prefix + ".ste_misses", "STE fetched from memory")),
      cd_hits_(stats.counter(stats_prefix + ".cd_hits", "CD found in the config cache")),
      cd_misses_(stats.counter(stats_prefix + ".cd_misses", "CD fetched from memory")) {
  if (spaces) {
    by_space_ = std::make_unique<SpaceCounters>(
        *spaces, stats, stats_prefix + ".by_pasid",
        std::vector<std::string>{"ste_hits", "ste_misses", "cd_hits", "cd_misses"});
  }
}

template <class K, class V>
std::optional<V> ConfigCache::find(Lru<K, V>& c, const K& k, uint64_t& clock) {
  auto it = c.slots.find(k);
  if (it == c.slots.end()) return std::nullopt;
  it->second.stamp = ++clock;
  return it->second.value;
}

template <class K, class V>
void ConfigCache::insert(Lru<K, V>& c, size_t capacity, const K& k, const V& v, uint64_t& clock) {
  if (capacity == 0) return;
  auto it = c.slots.find(k);
  if (it == c.slots.end() && c.slots.size() >= capacity) {
    auto victim = c.slots.begin();
    for (auto j = c.slots.begin(); j != c.slots.end(); ++j) {
      if (j->second.stamp < victim->second.stamp) victim = j;
    }
    c.slots.erase(victim);
  }
  c.slots[k] = {v, ++clock};
}

std::optional<SteConfig> ConfigCache::find_ste(uint32_t sid, uint32_t space) {
  auto r = find(ste_lru_, sid, clock_);
  (r ? ste_hits_ : ste_misses_).inc();
  if (by_space_) by_space_->inc(space, r ? kSteHits : kSteMisses);
  return r;
}

void ConfigCache::insert_ste(uint32_t sid, const SteConfig& ste) {
  insert(ste_lru_, ste_capacity_, sid, ste, clock_);
}

std::optional<CdConfig> ConfigCache::find_cd(uint32_t sid, uint32_t ssid, uint32_t space) {
  auto r = find(cd_lru_, std::make_pair(sid, ssid), clock_);
  (r ? cd_hits_ : cd_misses_).inc();
  if (by_space_) by_space_->inc(space, r ? kCdHits : kCdMisses);
  return r;
}

void ConfigCache::insert_cd(uint32_t sid, uint32_t ssid, const CdConfig& cd) {
  insert(cd_lru_, cd_capacity_, std::make_pair(sid, ssid), cd, clock_);
}

void ConfigCache::invalidate_ste(uint32_t sid) {
  ste_lru_.slots.erase(sid);
  invalidate_cd_all(sid);
}

void ConfigCache::invalidate_ste_range(uint32_t sid, uint8_t range) {
  if (range >= 31) {
    invalidate_all();
    return;
  }
  uint64_t span = 1ull << (range + 1);
  uint64_t lo = sid & ~(span - 1), hi = lo + span;
  for (auto it = ste_lru_.slots.begin(); it != ste_lru_.slots.end();) {
    it = (it->first >= lo && it->first < hi) ? ste_lru_.slots.erase(it) : std::next(it);
  }
  for (auto it = cd_lru_.slots.begin(); it != cd_lru_.slots.end();) {
    it = (it->first.first >= lo && it->first.first < hi) ? cd_lru_.slots.erase(it) : std::next(it);
  }
}

void ConfigCache::invalidate_cd(uint32_t sid, uint32_t ssid) {
  cd_lru_.slots.erase(std::make_pair(sid, ssid));
}

void ConfigCache::invalidate_cd_all(uint32_t sid) {
  for (auto it = cd_lru_.slots.begin(); it != cd_lru_.slots.end();) {
    it = (it->first.first == sid) ? cd_lru_.slots.erase(it) : std::next(it);
  }
}

void ConfigCache::invalidate_all() {
  ste_lru_.slots.clear();
  cd_lru_.slots.clear();
}

}  // namespace wdsim::smmu
