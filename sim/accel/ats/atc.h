// A device-side Address Translation Cache (PCIe ATS), owned by an endpoint's AtsEndpoint (the
// QM's with QmParams.ats, test endpoints'): translations the SMMU returned for ATS Translation
// Requests, tagged by PASID (or none) and 4 KiB VA page, in the set-associative array every
// translation cache uses (sim/iommu/set_assoc.h: LRU, FIFO or random replacement, a random
// stream of the scenario's seed) and a lookup latency. Invalidated by ATS Invalidate Requests
// (CMD_ATC_INV) by PASID and range: a request without PASID removes every entry in the range
// whatever its PASID (the PCIe rule Linux's arm_smmu_atc_inv_to_cmd relies on); with Global it
// also removes Global entries of other PASIDs. Hits and misses are also counted per PASID
// (sim/iommu/address_space_stats.h). No SystemC here besides sc_time.
//
// Not modelled: translations larger than 4 KiB (each completion is cached as its 4 KiB page),
// ATS memory attributes, the invalidation queue depth of a real endpoint.
//
// Facts: PCIe Base 6.0 10.2 (ATC, Invalidate Requests), Linux arm-smmu-v3.c
// (arm_smmu_atc_inv_to_cmd).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <systemc>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/stats.h"
#include "sim/iommu/address_space_stats.h"
#include "sim/iommu/set_assoc.h"

namespace wdsim {

struct AtcParams {
  bool enabled = true;
  uint32_t entries = 0;
  uint32_t ways = 0;
  std::string replacement;
  double lookup_latency_ns = 0;
  void declare(ParamScope& s);
};

struct AtcEntry {
  bool ssv = false;
  uint32_t ssid = 0;
  uint64_t va_page = 0;  // 4 KiB aligned
  uint64_t pa_page = 0;  // 4 KiB aligned
  bool read = false;
  bool write = false;
  bool exec = false;
  bool privileged = false;
  bool global = false;
};

class Atc {
 public:
  // Stats under `stats_prefix` (e.g. "qm.atc"): hits, misses, inserts, evictions,
  // invalidations (requests), invalidated (entries); per PASID by_pasid.p<pasid>.hits/misses
  // (by_pasid.nopasid.* without one) and address_spaces (distinct PASIDs or none looked up).
  // Throws ConfigError when entries is not a multiple of ways. `rng` draws random victims: a
  // stream of the scenario's seed (AtsEndpoint passes SimEnv::rng("<endpoint>.atc")).
  Atc(const AtcParams& p, StatsRegistry& stats, const std::string& stats_prefix,
      std::mt19937_64 rng);
  Atc(const Atc&) = delete;  // by_space_ refers to spaces_
  Atc& operator=(const Atc&) = delete;

  // Looks `va` up for (ssv, ssid); counts a hit or a miss; `t` advances by the lookup latency.
  std::optional<AtcEntry> lookup(bool ssv, uint32_t ssid, uint64_t va, sc_core::sc_time& t);
  void insert(const AtcEntry& e);
  // ATS Invalidate Request: [addr, addr + size), size 0 = everything. Returns entries removed.
  size_t invalidate(bool ssv, uint32_t ssid, uint64_t addr, uint64_t size, bool global);

  size_t valid_entries() const { return array_.valid_entries(); }
  const AtcParams& params() const { return p_; }
  // The PASIDs (or none) looked up so far, in first-seen order.
  const AddressSpaces& address_spaces() const { return spaces_; }

 private:
  AtcParams p_;
  SetAssocArray<AtcEntry> array_;  // set: VPN % sets
  Counter& hits_;
  Counter& misses_;
  Counter& inserts_;
  Counter& evictions_;
  Counter& invalidations_;
  Counter& invalidated_;
  AddressSpaces spaces_;
  SpaceCounters by_space_;  // hits, misses
};

}  // namespace wdsim
