#include "sim/accel/ats/atc.h"

#include "sim/base/timing.h"

namespace wdsim {

namespace {
constexpr uint64_t kPageMask = ~uint64_t{0xfff};
constexpr uint32_t kOwnStream = 0;  // an ATC serves one StreamID: its spaces are PASIDs
enum SpaceCounter : size_t { kSpaceHits, kSpaceMisses };
}  // namespace

void AtcParams::declare(ParamScope& s) {
  s.add("enabled", enabled, true, "", "Cache ATS translations in the device's ATC", "model choice");
  s.add("entries", entries, 64, "entries", "ATC capacity in 4 KiB translations",
        "guess: device ATCs hold tens to hundreds of entries", Range::between(1, 1 << 20));
  s.add("ways", ways, 4, "ways", "Associativity; entries must be a multiple of it", "guess",
        Range::between(1, 1 << 20));
  s.add_choice("replacement", replacement, "lru", kReplacementPolicies,
               "Victim choice within a set (random: the seed's stream \"<endpoint>.atc\")",
               "model choice");
  s.add("lookup_latency_ns", lookup_latency_ns, 2.0, "ns", "Charged on every ATC lookup", "guess",
        Range::min(0));
  require_shape(s, "entries", entries, "ways", ways);
}

Atc::Atc(const AtcParams& p, StatsRegistry& stats, const std::string& stats_prefix,
         std::mt19937_64 rng)
    : p_(p),
      array_(stats_prefix, p.entries, p.ways, parse_replacement(p.replacement), rng),
      hits_(stats.counter(stats_prefix + ".hits", "ATC hits")),
      misses_(stats.counter(stats_prefix + ".misses", "ATC misses")),
      inserts_(stats.counter(stats_prefix + ".inserts", "Translations cached")),
      evictions_(stats.counter(stats_prefix + ".evictions", "Valid entries replaced")),
      invalidations_(stats.counter(stats_prefix + ".invalidations", "Invalidate Requests")),
      invalidated_(stats.counter(stats_prefix + ".invalidated", "Entries invalidated")),
      spaces_(stats, stats_prefix + ".address_spaces", /*with_stream=*/false),
      by_space_(spaces_, stats, stats_prefix + ".by_pasid", {"hits", "misses"}) {}

std::optional<AtcEntry> Atc::lookup(bool ssv, uint32_t ssid, uint64_t va, sc_core::sc_time& t) {
  const uint32_t space = spaces_.id(kOwnStream, ssv, ssid);
  if (!p_.enabled) {
    misses_.inc();
    by_space_.inc(space, kSpaceMisses);
    return std::nullopt;
  }
  t += ns(p_.lookup_latency_ns);
  const uint64_t va_page = va & kPageMask;
  // This PASID's (or the no-PASID) entry, or with a PASID a Global one of another PASID.
  const AtcEntry* e = array_.find(va_page >> 12, [&](const AtcEntry& x) {
    if (x.va_page != va_page) return false;
    if (x.ssv == ssv && (!ssv || x.ssid == ssid)) return true;
    return ssv && x.ssv && x.global;
  });
  if (!e) {
    misses_.inc();
    by_space_.inc(space, kSpaceMisses);
    return std::nullopt;
  }
  hits_.inc();
  by_space_.inc(space, kSpaceHits);
  return *e;
}

void Atc::insert(const AtcEntry& e_in) {
  if (!p_.enabled) return;
  AtcEntry e = e_in;
  e.va_page &= kPageMask;
  e.pa_page &= kPageMask;
  inserts_.inc();
  // Refreshes this PASID's (or the no-PASID) entry for the page, else takes a free way or the
  // policy's victim.
  const bool evicted = array_.insert(e.va_page >> 12, e, [&](const AtcEntry& x) {
    return x.va_page == e.va_page && x.ssv == e.ssv && (!e.ssv || x.ssid == e.ssid);
  });
  if (evicted) evictions_.inc();
}

size_t Atc::invalidate(bool ssv, uint32_t ssid, uint64_t addr, uint64_t size, bool global) {
  invalidations_.inc();
  const uint64_t end = addr + size < addr ? ~uint64_t{0} : addr + size;
  const size_t n = array_.remove_if([&](const AtcEntry& x) {
    if (size != 0 && (x.va_page + 0x1000 <= addr || x.va_page >= end)) return false;
    return !ssv || (x.ssv && x.ssid == ssid) || (global && x.ssv && x.global);
  });
  invalidated_.inc(n);
  return n;
}

}  // namespace wdsim
