#include "sim/iommu/atc.h"

#include "sim/base/timing.h"

namespace wdsim {

namespace {
constexpr uint64_t kPageMask = ~uint64_t{0xfff};
constexpr uint32_t kOwnStream = 0;  // an ATC serves one StreamID: its spaces are PASIDs
enum SpaceCounter : size_t { kSpaceHits, kSpaceMisses };
}  // namespace

void AtcParams::declare(ParamScope& s) {
  s.add("enabled", enabled, true, "", "Cache ATS translations in the device's ATC",
        "model choice");
  s.add("entries", entries, 64, "entries", "ATC capacity in 4 KiB translations",
        "guess: device ATCs hold tens to hundreds of entries", Range::between(1, 1 << 20));
  s.add("ways", ways, 4, "ways", "Associativity; entries must be a multiple of it", "guess",
        Range::between(1, 1 << 20));
  s.add_choice("replacement", replacement, "lru", {"lru", "fifo", "random"},
               "Victim choice within a set", "model choice");
  s.add("lookup_latency_ns", lookup_latency_ns, 2.0, "ns", "Charged on every ATC lookup",
        "guess", Range::min(0));
  s.add("random_seed", random_seed, 1, "", "Seed of the random replacement's generator",
        "model choice");
}

Atc::Atc(const AtcParams& p, StatsRegistry& stats, const std::string& stats_prefix)
    : p_(p),
      rng_(p.random_seed ? p.random_seed : 1),
      hits_(stats.counter(stats_prefix + ".hits", "ATC hits")),
      misses_(stats.counter(stats_prefix + ".misses", "ATC misses")),
      inserts_(stats.counter(stats_prefix + ".inserts", "Translations cached")),
      evictions_(stats.counter(stats_prefix + ".evictions", "Valid entries replaced")),
      invalidations_(stats.counter(stats_prefix + ".invalidations", "Invalidate Requests")),
      invalidated_(stats.counter(stats_prefix + ".invalidated", "Entries invalidated")),
      spaces_(stats, stats_prefix + ".address_spaces", /*with_stream=*/false),
      by_space_(spaces_, stats, stats_prefix + ".by_pasid", {"hits", "misses"}) {
  if (p_.ways == 0 || p_.entries % p_.ways != 0) {
    throw ConfigError("atc: entries (" + std::to_string(p_.entries) +
                      ") must be a multiple of ways (" + std::to_string(p_.ways) + ")");
  }
  sets_ = p_.entries / p_.ways;
  ways_.resize(p_.entries);
}

size_t Atc::set_of(uint64_t va_page) const { return (va_page >> 12) % sets_; }

Atc::Way* Atc::find(bool ssv, uint32_t ssid, uint64_t va_page) {
  const size_t base = set_of(va_page) * p_.ways;
  for (size_t i = 0; i < p_.ways; ++i) {
    Way& w = ways_[base + i];
    if (!w.valid || w.e.va_page != va_page) continue;
    if (w.e.ssv == ssv && (!ssv || w.e.ssid == ssid)) return &w;
    if (ssv && w.e.ssv && w.e.global) return &w;
  }
  return nullptr;
}

std::optional<AtcEntry> Atc::lookup(bool ssv, uint32_t ssid, uint64_t va, sc_core::sc_time& t) {
  const uint32_t space = spaces_.id(kOwnStream, ssv, ssid);
  if (!p_.enabled) {
    misses_.inc();
    by_space_.inc(space, kSpaceMisses);
    return std::nullopt;
  }
  t += ns(p_.lookup_latency_ns);
  Way* w = find(ssv, ssid, va & kPageMask);
  if (!w) {
    misses_.inc();
    by_space_.inc(space, kSpaceMisses);
    return std::nullopt;
  }
  hits_.inc();
  by_space_.inc(space, kSpaceHits);
  if (p_.replacement == "lru") w->stamp = ++clock_;
  return w->e;
}

void Atc::insert(const AtcEntry& e_in) {
  if (!p_.enabled) return;
  AtcEntry e = e_in;
  e.va_page &= kPageMask;
  e.pa_page &= kPageMask;
  inserts_.inc();
  if (Way* w = find(e.ssv, e.ssid, e.va_page); w && w->e.ssv == e.ssv && w->e.ssid == e.ssid) {
    w->e = e;
    w->stamp = ++clock_;
    return;
  }
  const size_t base = set_of(e.va_page) * p_.ways;
  Way* victim = nullptr;
  for (size_t i = 0; i < p_.ways && !victim; ++i) {
    if (!ways_[base + i].valid) victim = &ways_[base + i];
  }
  if (!victim) {
    if (p_.replacement == "random") {
      rng_ ^= rng_ << 13;  // xorshift64
      rng_ ^= rng_ >> 7;
      rng_ ^= rng_ << 17;
      victim = &ways_[base + rng_ % p_.ways];
    } else {  // LRU and FIFO: the oldest stamp (last use / insertion)
      victim = &ways_[base];
      for (size_t i = 1; i < p_.ways; ++i) {
        if (ways_[base + i].stamp < victim->stamp) victim = &ways_[base + i];
      }
    }
    evictions_.inc();
  }
  victim->valid = true;
  victim->e = e;
  victim->stamp = ++clock_;
}

size_t Atc::invalidate(bool ssv, uint32_t ssid, uint64_t addr, uint64_t size, bool global) {
  invalidations_.inc();
  size_t n = 0;
  for (Way& w : ways_) {
    if (!w.valid) continue;
    if (size != 0) {
      const uint64_t end = addr + size < addr ? ~uint64_t{0} : addr + size;
      if (w.e.va_page + 0x1000 <= addr || w.e.va_page >= end) continue;
    }
    const bool pasid_match =
        !ssv || (w.e.ssv && w.e.ssid == ssid) || (global && w.e.ssv && w.e.global);
    if (!pasid_match) continue;
    w.valid = false;
    ++n;
  }
  invalidated_.inc(n);
  return n;
}

size_t Atc::valid_entries() const {
  size_t n = 0;
  for (const Way& w : ways_) n += w.valid;
  return n;
}

}  // namespace wdsim
