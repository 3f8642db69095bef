// Translation-cache pressure per address space: hit and miss counters of the SMMU's caches
// (micro-TLB, main TLB, configuration cache) and of a device's ATC for each (StreamID, PASID),
// so a user sees how the caches cope as more processes share one device.
//
// AddressSpaces gives each (StreamID, PASID or none) a dense id the first time it is seen and
// counts the distinct ones. The map is a flat open-addressing table (linear probing, grown at half
// load) behind a one-entry memo of the last key, so the per-access cost is a compare, not a string
// or std::map lookup. Ids are handed out in first-seen order, which is deterministic.
//
// SpaceCounters holds one cache's counters (e.g. hits and misses) per address space in a flat
// vector indexed by the dense id. A space's counters are registered in the StatsRegistry the first
// time that space uses the cache (the key strings are built then, once) and reached by index
// afterwards.
//
// Key paths: <cache prefix>.by_pasid.<space>.<counter>, with <space> = s<sid>.p<pasid>, or
// s<sid>.nopasid for traffic without a PASID (the stream's kernel DMA domain). A device-side cache
// (one StreamID) leaves the stream out: p<pasid> / nopasid.
//
// Not modelled: nothing here is hardware; real SMMUs expose such counts only through PMCG event
// filters by StreamID (Arm IHI 0070 chapter 10), which are not modelled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/stats.h"

namespace wdsim {

// "No address space": a lookup made outside any request (tests, tools); counted only in the
// cache's aggregate counters.
inline constexpr uint32_t kNoAddressSpace = 0xffffffffu;

class AddressSpaces {
 public:
  // `with_stream`: key paths name the StreamID (the SMMU); false for a device-side cache.
  // `count_key`: the counter of distinct address spaces seen.
  AddressSpaces(StatsRegistry& stats, const std::string& count_key, bool with_stream);

  // The dense id of (sid, ssv ? ssid : none), registering it the first time.
  uint32_t id(uint32_t sid, bool ssv, uint32_t ssid) {
    const Key k{sid, ssv ? ssid : 0, ssv};
    if (k == last_key_ && last_id_ != kNoAddressSpace) return last_id_;
    last_key_ = k;
    last_id_ = find_or_add(k);
    return last_id_;
  }
  size_t size() const { return keys_.size(); }
  // "s5.p1", "s5.nopasid"; without the stream: "p1", "nopasid".
  std::string key_path(uint32_t id) const;
  uint32_t sid(uint32_t id) const { return keys_.at(id).sid; }
  bool has_pasid(uint32_t id) const { return keys_.at(id).ssv; }
  uint32_t pasid(uint32_t id) const { return keys_.at(id).ssid; }

 private:
  struct Key {
    uint32_t sid = 0;
    uint32_t ssid = 0;
    bool ssv = false;
    bool operator==(const Key& o) const { return sid == o.sid && ssid == o.ssid && ssv == o.ssv; }
  };
  struct Slot {
    Key key;
    uint32_t id = kNoAddressSpace;  // kNoAddressSpace: empty
  };
  uint32_t find_or_add(const Key& k);
  size_t slot_of(const Key& k) const;
  void grow();

  bool with_stream_;
  Counter& count_;
  std::vector<Key> keys_;    // by id
  std::vector<Slot> slots_;  // power-of-two size
  Key last_key_;
  uint32_t last_id_ = kNoAddressSpace;
};

class SpaceCounters {
 public:
  // Counters `names` of each address space under `prefix` + "." + key_path + "." + name.
  SpaceCounters(const AddressSpaces& spaces, StatsRegistry& stats, std::string prefix,
                std::vector<std::string> names);

  // Increments counter `which` (an index into `names`) of address space `id`; kNoAddressSpace
  // counts nothing.
  void inc(uint32_t id, size_t which) {
    if (id == kNoAddressSpace) return;
    const size_t at = static_cast<size_t>(id) * names_.size() + which;
    if (at >= counters_.size() || !counters_[at]) create(id);
    counters_[at]->inc();
  }

 private:
  void create(uint32_t id);

  const AddressSpaces& spaces_;
  StatsRegistry& stats_;
  std::string prefix_;
  std::vector<std::string> names_;
  std::vector<Counter*> counters_;  // [id * names_.size() + which]; nullptr until first use
};

}  // namespace wdsim
