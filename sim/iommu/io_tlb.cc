#include "sim/iommu/io_tlb.h"

#include "sim/base/params.h"

namespace wdsim::smmu {

bool access_permitted(const PagePerms& p, bool write, bool exec, bool privileged) {
  if (!privileged && !p.user) return false;
  if (write && !p.writable) return false;
  if (exec) {
    if (privileged ? p.pxn : p.uxn) return false;
    if (privileged && p.user && p.writable) return false;  // implicit PXN on EL0-writable
  }
  return true;
}

bool s2_access_permitted(const S2Perms& p, bool write, bool exec) {
  if (write ? !p.write : !p.read) return false;
  return !(exec && p.xn);
}

namespace {
enum SpaceCounter : size_t { kSpaceHits, kSpaceMisses };
}  // namespace

IoTlb::IoTlb(const IoTlbParams& p, StatsRegistry& stats, const std::string& stats_prefix,
             std::mt19937_64 rng, const AddressSpaces* spaces)
    : enabled_(p.enabled),
      array_(stats_prefix, p.entries, p.ways, parse_replacement(p.replacement), rng),
      hits_(stats.counter(stats_prefix + ".hits", "TLB lookups that found the page")),
      misses_(stats.counter(stats_prefix + ".misses", "TLB lookups that did not")),
      evictions_(stats.counter(stats_prefix + ".evictions", "Valid entries replaced")),
      invalidated_(stats.counter(stats_prefix + ".invalidated", "Entries removed by TLBI/CFGI")) {
  if (spaces) {
    by_space_ = std::make_unique<SpaceCounters>(*spaces, stats, stats_prefix + ".by_pasid",
                                                std::vector<std::string>{"hits", "misses"});
  }
}

template <class Tag>
std::optional<IoTlbEntry> IoTlb::find(uint64_t va, uint32_t space, Tag tag) {
  auto miss = [&] {
    misses_.inc();
    if (by_space_) by_space_->inc(space, kSpaceMisses);
  };
  if (!enabled_) {
    miss();
    return std::nullopt;
  }
  for (unsigned size = 0; size < 64; ++size) {
    if (!((sizes_in_use_ >> size) & 1)) continue;
    const uint64_t base = va & ~((1ull << size) - 1);
    IoTlbEntry* e = array_.find(va >> size, [&](const IoTlbEntry& x) {
      return x.block_log2 == size && x.block_va == base && tag(x);
    });
    if (e) {
      hits_.inc();
      if (by_space_) by_space_->inc(space, kSpaceHits);
      return *e;
    }
  }
  miss();
  return std::nullopt;
}

std::optional<IoTlbEntry> IoTlb::lookup(TlbStage stage, uint16_t vmid, uint16_t asid, uint64_t va,
                                        uint32_t space) {
  return find(va, space, [&](const IoTlbEntry& x) {
    return x.stage == stage && x.vmid == vmid && (stage == TlbStage::kS2 || x.asid == asid);
  });
}

std::optional<IoTlbEntry> IoTlb::lookup_stream(uint32_t sid, uint32_t ssid, uint64_t va,
                                               uint32_t space) {
  return find(va, space, [&](const IoTlbEntry& x) { return x.sid == sid && x.ssid == ssid; });
}

void IoTlb::insert(const IoTlbEntry& e) {
  if (!enabled_) return;
  IoTlbEntry stored = e;
  stored.block_va = e.block_va & ~((1ull << e.block_log2) - 1);
  sizes_in_use_ |= 1ull << e.block_log2;
  const bool evicted =
      array_.insert(stored.block_va >> e.block_log2, stored, [&](const IoTlbEntry& x) {
        return x.block_log2 == stored.block_log2 && x.block_va == stored.block_va &&
               x.stage == stored.stage && x.vmid == stored.vmid && x.asid == stored.asid &&
               x.sid == stored.sid && x.ssid == stored.ssid;
      });
  if (evicted) evictions_.inc();
}

template <class Pred>
size_t IoTlb::remove_if(Pred pred) {
  const size_t n = array_.remove_if(pred);
  invalidated_.inc(n);
  return n;
}

size_t IoTlb::invalidate_all() {
  return remove_if([](const IoTlbEntry&) { return true; });
}

size_t IoTlb::invalidate_vmid(uint16_t vmid) {
  return remove_if([&](const IoTlbEntry& e) { return e.vmid == vmid; });
}

size_t IoTlb::invalidate_nh_vmid(uint16_t vmid) {
  return remove_if([&](const IoTlbEntry& e) { return e.vmid == vmid && e.stage != TlbStage::kS2; });
}

size_t IoTlb::invalidate_asid(uint16_t vmid, uint16_t asid) {
  return remove_if([&](const IoTlbEntry& e) {
    return e.vmid == vmid && e.asid == asid && e.stage != TlbStage::kS2;
  });
}

size_t IoTlb::invalidate_va(uint16_t vmid, std::optional<uint16_t> asid, uint64_t va_lo,
                            uint64_t va_hi) {
  return remove_if([&](const IoTlbEntry& e) {
    if (e.vmid != vmid || e.stage == TlbStage::kS2 || (asid && e.asid != *asid)) return false;
    const uint64_t end = e.block_va + (1ull << e.block_log2);
    return e.block_va < va_hi && va_lo < end;
  });
}

size_t IoTlb::invalidate_ipa(uint16_t vmid, uint64_t ipa_lo, uint64_t ipa_hi) {
  return remove_if([&](const IoTlbEntry& e) {
    if (e.vmid != vmid) return false;
    uint64_t lo = 0, log2 = 0;
    if (e.stage == TlbStage::kS2) {
      lo = e.block_va;
      log2 = e.block_log2;
    } else if (e.ipa_log2 != 0) {
      lo = e.ipa_base;
      log2 = e.ipa_log2;
    } else {
      return false;
    }
    return lo < ipa_hi && ipa_lo < lo + (1ull << log2);
  });
}

size_t IoTlb::invalidate_sids(uint64_t sid_lo, uint64_t sid_hi) {
  return remove_if([&](const IoTlbEntry& e) { return e.sid >= sid_lo && e.sid < sid_hi; });
}

size_t IoTlb::invalidate_stream(uint32_t sid, uint32_t ssid) {
  return remove_if([&](const IoTlbEntry& e) { return e.sid == sid && e.ssid == ssid; });
}

}  // namespace wdsim::smmu
