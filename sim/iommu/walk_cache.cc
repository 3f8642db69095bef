#include "sim/iommu/walk_cache.h"

#include "sim/base/timing.h"

namespace wdsim::smmu {

struct WalkCache::Level {
  SetAssocArray<WalkCacheEntry> array;
  std::string prefix;
  Counter& hits;
  Counter& misses;
  Counter& evictions;
  Counter& invalidated;
  double& hit_rate;
  Level(const WalkCacheParams& p, uint32_t entries, StatsRegistry& stats, const std::string& pre,
        std::mt19937_64 rng)
      : array(pre, entries, p.ways, parse_replacement(p.replacement), rng),
        prefix(pre),
        hits(stats.counter(pre + ".hits", "Walk cache lookups that found the table descriptor")),
        misses(stats.counter(pre + ".misses", "Walk cache lookups that did not")),
        evictions(stats.counter(pre + ".evictions", "Valid entries replaced")),
        invalidated(stats.counter(pre + ".invalidated", "Entries removed by TLBI")),
        hit_rate(stats.scalar_slot(pre + ".hit_rate", "ratio",
                                   "Walk cache hits / lookups at this level")) {}
};

namespace {
bool same_tag(const WalkCacheTag& a, const WalkCacheTag& b) {
  return a.stage == b.stage && a.vmid == b.vmid && a.asid == b.asid && a.tg == b.tg;
}
}  // namespace

WalkCache::WalkCache(const WalkCacheParams& p, StatsRegistry& stats,
                     const std::string& stats_prefix, std::mt19937_64 rng)
    : enabled_(p.enabled), lookup_latency_(ns(p.lookup_latency_ns)) {
  const uint32_t entries[kLevels] = {p.l0_entries, p.l1_entries, p.l2_entries};
  for (unsigned l = 0; l < kLevels; ++l) {
    levels_[l] = std::make_unique<Level>(
        p, entries[l], stats, stats_prefix + ".l" + std::to_string(l), std::mt19937_64(rng()));
  }
}

WalkCache::~WalkCache() = default;

std::optional<WalkCacheEntry> WalkCache::find(const WalkCacheTag& tag, unsigned level,
                                              unsigned region_log2, uint64_t addr) {
  if (!enabled_ || level >= kLevels) return std::nullopt;
  Level& lv = *levels_[level];
  const uint64_t prefix = addr >> region_log2;
  WalkCacheEntry* e = lv.array.find(prefix, [&](const WalkCacheEntry& x) {
    return x.prefix == prefix && x.region_log2 == region_log2 && same_tag(x.tag, tag);
  });
  (e ? lv.hits : lv.misses).inc();
  const uint64_t total = lv.hits.value() + lv.misses.value();
  lv.hit_rate = double(lv.hits.value()) / double(total);
  if (!e) return std::nullopt;
  return *e;
}

void WalkCache::insert(unsigned level, const WalkCacheEntry& e) {
  if (!enabled_ || level >= kLevels) return;
  Level& lv = *levels_[level];
  if (lv.array.insert(e.prefix, e, [&](const WalkCacheEntry& x) {
        return x.prefix == e.prefix && x.region_log2 == e.region_log2 && same_tag(x.tag, e.tag);
      })) {
    lv.evictions.inc();
  }
}

template <class Pred>
size_t WalkCache::remove_if(Pred pred) {
  size_t total = 0;
  for (auto& lv : levels_) {
    const size_t n = lv->array.remove_if(pred);
    lv->invalidated.inc(n);
    total += n;
  }
  return total;
}

size_t WalkCache::invalidate_all() {
  return remove_if([](const WalkCacheEntry&) { return true; });
}

size_t WalkCache::invalidate_vmid(uint16_t vmid) {
  return remove_if([&](const WalkCacheEntry& e) { return e.tag.vmid == vmid; });
}

size_t WalkCache::invalidate_s1_vmid(uint16_t vmid) {
  return remove_if([&](const WalkCacheEntry& e) { return e.tag.vmid == vmid && e.tag.stage == 1; });
}

size_t WalkCache::invalidate_asid(uint16_t vmid, uint16_t asid) {
  return remove_if([&](const WalkCacheEntry& e) {
    return e.tag.vmid == vmid && e.tag.stage == 1 && e.tag.asid == asid;
  });
}

size_t WalkCache::invalidate_va(uint16_t vmid, std::optional<uint16_t> asid, uint64_t lo,
                                uint64_t hi) {
  return remove_if([&](const WalkCacheEntry& e) {
    if (e.tag.vmid != vmid || e.tag.stage != 1 || (asid && e.tag.asid != *asid)) return false;
    const uint64_t base = e.prefix << e.region_log2;
    return base < hi && lo < base + (1ull << e.region_log2);
  });
}

size_t WalkCache::invalidate_ipa(uint16_t vmid, uint64_t lo, uint64_t hi, bool leaf_only) {
  return remove_if([&](const WalkCacheEntry& e) {
    if (e.tag.vmid != vmid) return false;
    if (e.tag.stage == 1) return e.via_stage2;
    if (leaf_only) return false;
    const uint64_t base = e.prefix << e.region_log2;
    return base < hi && lo < base + (1ull << e.region_log2);
  });
}

size_t WalkCache::valid_entries(unsigned level) const {
  return level < kLevels ? levels_[level]->array.valid_entries() : 0;
}

}  // namespace wdsim::smmu
