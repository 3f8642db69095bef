#include "sim/iommu/config_cache.h"

namespace wdsim::smmu {

namespace {
enum SpaceCounter : size_t { kSteHits, kSteMisses, kCdHits, kCdMisses };
}  // namespace

ConfigCache::ConfigCache(const ConfigCacheParams& p, StatsRegistry& stats,
                         const std::string& stats_prefix, const AddressSpaces* spaces)
    : ste_hits_(stats.counter(stats_prefix + ".ste_hits", "STE found in the config cache")),
      ste_misses_(stats.counter(stats_prefix + ".ste_misses", "STE fetched from memory")),
      cd_hits_(stats.counter(stats_prefix + ".cd_hits", "CD found in the config cache")),
      cd_misses_(stats.counter(stats_prefix + ".cd_misses", "CD fetched from memory")) {
  // Fully associative LRU: one set, every entry a way (LRU draws no random numbers).
  if (p.ste_entries) {
    stes_.emplace(stats_prefix + ".ste", p.ste_entries, p.ste_entries, Replacement::kLru,
                  std::mt19937_64());
  }
  if (p.cd_entries) {
    cds_.emplace(stats_prefix + ".cd", p.cd_entries, p.cd_entries, Replacement::kLru,
                 std::mt19937_64());
  }
  if (spaces) {
    by_space_ = std::make_unique<SpaceCounters>(
        *spaces, stats, stats_prefix + ".by_pasid",
        std::vector<std::string>{"ste_hits", "ste_misses", "cd_hits", "cd_misses"});
  }
}

std::optional<SteConfig> ConfigCache::find_ste(uint32_t sid, uint32_t space) {
  const SteSlot* e =
      stes_ ? stes_->find(0, [&](const SteSlot& x) { return x.sid == sid; }) : nullptr;
  (e ? ste_hits_ : ste_misses_).inc();
  if (by_space_) by_space_->inc(space, e ? kSteHits : kSteMisses);
  if (!e) return std::nullopt;
  return e->ste;
}

void ConfigCache::insert_ste(uint32_t sid, const SteConfig& ste) {
  if (stes_) stes_->insert(0, SteSlot{sid, ste}, [&](const SteSlot& x) { return x.sid == sid; });
}

std::optional<CdConfig> ConfigCache::find_cd(uint32_t sid, uint32_t ssid, uint32_t space) {
  const CdSlot* e =
      cds_ ? cds_->find(0, [&](const CdSlot& x) { return x.sid == sid && x.ssid == ssid; })
           : nullptr;
  (e ? cd_hits_ : cd_misses_).inc();
  if (by_space_) by_space_->inc(space, e ? kCdHits : kCdMisses);
  if (!e) return std::nullopt;
  return e->cd;
}

void ConfigCache::insert_cd(uint32_t sid, uint32_t ssid, const CdConfig& cd) {
  if (cds_) {
    cds_->insert(0, CdSlot{sid, ssid, cd},
                 [&](const CdSlot& x) { return x.sid == sid && x.ssid == ssid; });
  }
}

void ConfigCache::invalidate_ste(uint32_t sid) {
  if (stes_) stes_->remove_if([&](const SteSlot& x) { return x.sid == sid; });
  invalidate_cd_all(sid);
}

void ConfigCache::invalidate_ste_range(uint32_t sid, uint8_t range) {
  if (range >= 31) {
    invalidate_all();
    return;
  }
  const uint64_t span = 1ull << (range + 1);
  const uint64_t lo = sid & ~(span - 1), hi = lo + span;
  if (stes_) stes_->remove_if([&](const SteSlot& x) { return x.sid >= lo && x.sid < hi; });
  if (cds_) cds_->remove_if([&](const CdSlot& x) { return x.sid >= lo && x.sid < hi; });
}

void ConfigCache::invalidate_cd(uint32_t sid, uint32_t ssid) {
  if (cds_) cds_->remove_if([&](const CdSlot& x) { return x.sid == sid && x.ssid == ssid; });
}

void ConfigCache::invalidate_cd_all(uint32_t sid) {
  if (cds_) cds_->remove_if([&](const CdSlot& x) { return x.sid == sid; });
}

void ConfigCache::invalidate_all() {
  if (stes_) stes_->remove_if([](const SteSlot&) { return true; });
  if (cds_) cds_->remove_if([](const CdSlot&) { return true; });
}

}  // namespace wdsim::smmu
