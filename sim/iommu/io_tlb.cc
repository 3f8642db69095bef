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

IoTlb::IoTlb(const IoTlbParams& p, StatsRegistry& stats, const std::string& stats_prefix)
    : enabled_(p.enabled),
      lru_(p.replacement != "fifo"),
      hits_(stats.counter(stats_prefix + ".hits", "IOTLB lookups that found the page")),
      misses_(stats.counter(stats_prefix + ".misses", "IOTLB lookups that did not")),
      evictions_(stats.counter(stats_prefix + ".evictions", "Valid entries replaced")),
      invalidated_(stats.counter(stats_prefix + ".invalidated", "Entries removed by TLBI")) {
  if (p.ways == 0 || p.entries == 0 || p.entries % p.ways != 0) {
    throw ConfigError("iotlb: entries (" + std::to_string(p.entries) +
                      ") must be a non-zero multiple of ways (" + std::to_string(p.ways) + ")");
  }
  ways_ = p.ways;
  sets_ = p.entries / p.ways;
  ways_storage_.resize(p.entries);
}

IoTlb::Way* IoTlb::set_begin(uint64_t va_page) {
  uint64_t set = (va_page >> 12) % sets_;
  return &ways_storage_[set * ways_];
}

std::optional<IoTlbEntry> IoTlb::lookup(uint16_t vmid, uint16_t asid, uint64_t va) {
  if (!enabled_) {
    misses_.inc();
    return std::nullopt;
  }
  uint64_t page = va & ~0xfffull;
  Way* w = set_begin(page);
  for (unsigned i = 0; i < ways_; ++i) {
    if (w[i].valid && w[i].e.va_page == page && w[i].e.asid == asid && w[i].e.vmid == vmid) {
      if (lru_) w[i].stamp = ++clock_;
      hits_.inc();
      return w[i].e;
    }
  }
  misses_.inc();
  return std::nullopt;
}

void IoTlb::insert(const IoTlbEntry& e) {
  if (!enabled_) return;
  Way* w = set_begin(e.va_page);
  Way* victim = nullptr;
  for (unsigned i = 0; i < ways_; ++i) {
    if (w[i].valid && w[i].e.va_page == e.va_page && w[i].e.asid == e.asid &&
        w[i].e.vmid == e.vmid) {
      victim = &w[i];  // refresh in place
      break;
    }
  }
  if (!victim) {
    for (unsigned i = 0; i < ways_ && !victim; ++i) {
      if (!w[i].valid) victim = &w[i];
    }
  }
  if (!victim) {
    victim = &w[0];
    for (unsigned i = 1; i < ways_; ++i) {
      if (w[i].stamp < victim->stamp) victim = &w[i];
    }
    evictions_.inc();
  }
  victim->valid = true;
  victim->stamp = ++clock_;
  victim->e = e;
}

template <class Pred>
size_t IoTlb::remove_if(Pred pred) {
  size_t n = 0;
  for (Way& w : ways_storage_) {
    if (w.valid && pred(w.e)) {
      w.valid = false;
      ++n;
    }
  }
  invalidated_.inc(n);
  return n;
}

size_t IoTlb::invalidate_all() {
  return remove_if([](const IoTlbEntry&) { return true; });
}

size_t IoTlb::invalidate_vmid(uint16_t vmid) {
  return remove_if([&](const IoTlbEntry& e) { return e.vmid == vmid; });
}

size_t IoTlb::invalidate_asid(uint16_t vmid, uint16_t asid) {
  return remove_if([&](const IoTlbEntry& e) { return e.vmid == vmid && e.asid == asid; });
}

size_t IoTlb::invalidate_va(uint16_t vmid, std::optional<uint16_t> asid, uint64_t va_lo,
                            uint64_t va_hi) {
  return remove_if([&](const IoTlbEntry& e) {
    if (e.vmid != vmid || (asid && e.asid != *asid)) return false;
    uint64_t block_end = e.block_va + (1ull << e.block_log2);
    return e.block_va < va_hi && va_lo < block_end;
  });
}

size_t IoTlb::valid_entries() const {
  size_t n = 0;
  for (const Way& w : ways_storage_) n += w.valid ? 1 : 0;
  return n;
}

}  // namespace wdsim::smmu
