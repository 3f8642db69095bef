// A set-associative array of entries with a replacement policy: the one implementation every
// translation cache uses (the SMMU's micro-TLB, main TLB, walk caches and configuration cache,
// and the device ATC, sim/accel/ats/atc.h). The caller computes the set index and says which
// entry it wants; the array keeps validity, recency (LRU), insertion order (FIFO) or draws the
// victim from a named random stream (deterministic for a given seed). Lookups and evictions
// are what hardware does; there is no timing here (each cache charges its lookup latency).
//
// Not modelled: pseudo-LRU trees (true LRU by timestamp instead), parity/ECC, locking.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/params.h"

namespace wdsim {

enum class Replacement { kLru, kFifo, kRandom };

// The names a cache's `replacement` parameter accepts (ParamScope::add_choice).
inline const std::vector<std::string> kReplacementPolicies = {"lru", "fifo", "random"};

// One of kReplacementPolicies; throws ConfigError otherwise.
inline Replacement parse_replacement(const std::string& name) {
  if (name == "lru") return Replacement::kLru;
  if (name == "fifo") return Replacement::kFifo;
  if (name == "random") return Replacement::kRandom;
  throw ConfigError("unknown replacement policy '" + name + "' (lru, fifo, random)");
}

// The load-time check of a cache's shape (its declare()): `entries_key`'s value must be a
// multiple of `ways_key`'s (the error names whichever of the two the scenario sets).
inline void require_shape(const ParamScope& s, std::string_view entries_key, uint32_t entries,
                          std::string_view ways_key, uint32_t ways) {
  s.require_any({entries_key, ways_key}, ways != 0 && entries % ways == 0,
                std::string(entries_key) + " (" + std::to_string(entries) +
                    ") must be a multiple of " + std::string(ways_key) + " (" +
                    std::to_string(ways) + ")");
}

template <class E>
class SetAssocArray {
 public:
  // Throws ConfigError when entries is not a non-zero multiple of ways.
  SetAssocArray(const std::string& what, uint32_t entries, uint32_t ways, Replacement policy,
                std::mt19937_64 rng)
      : policy_(policy), rng_(rng) {
    if (ways == 0 || entries == 0 || entries % ways != 0) {
      throw ConfigError(what + ": entries (" + std::to_string(entries) +
                        ") must be a non-zero multiple of ways (" + std::to_string(ways) + ")");
    }
    ways_ = ways;
    sets_ = entries / ways;
    slots_.resize(entries);
  }

  unsigned sets() const { return sets_; }
  unsigned ways() const { return ways_; }

  // The first valid entry of set `set` (taken modulo the set count) matching `pred`; a hit
  // refreshes its LRU age. nullptr when none.
  template <class Pred>
  E* find(uint64_t set, Pred pred) {
    Slot* s = set_begin(set);
    for (unsigned i = 0; i < ways_; ++i) {
      if (s[i].valid && pred(s[i].e)) {
        if (policy_ == Replacement::kLru) s[i].stamp = ++clock_;
        return &s[i].e;
      }
    }
    return nullptr;
  }

  // Stores `e` in set `set`: over a valid entry matching `same` (refresh), else a free way,
  // else the policy's victim. Returns true when a valid (different) entry was evicted.
  template <class Pred>
  bool insert(uint64_t set, const E& e, Pred same) {
    Slot* s = set_begin(set);
    Slot* victim = nullptr;
    bool evicted = false;
    for (unsigned i = 0; i < ways_ && !victim; ++i) {
      if (s[i].valid && same(s[i].e)) victim = &s[i];
    }
    for (unsigned i = 0; i < ways_ && !victim; ++i) {
      if (!s[i].valid) victim = &s[i];
    }
    if (!victim) {
      evicted = true;
      if (policy_ == Replacement::kRandom) {
        victim = &s[std::uniform_int_distribution<unsigned>(0, ways_ - 1)(rng_)];
      } else {
        victim = &s[0];
        for (unsigned i = 1; i < ways_; ++i) {
          if (s[i].stamp < victim->stamp) victim = &s[i];
        }
      }
    }
    victim->valid = true;
    victim->stamp = ++clock_;
    victim->e = e;
    return evicted;
  }

  // Invalidates every valid entry matching `pred`; returns how many.
  template <class Pred>
  size_t remove_if(Pred pred) {
    size_t n = 0;
    for (Slot& s : slots_) {
      if (s.valid && pred(s.e)) {
        s.valid = false;
        ++n;
      }
    }
    return n;
  }

  size_t valid_entries() const {
    size_t n = 0;
    for (const Slot& s : slots_) n += s.valid ? 1 : 0;
    return n;
  }

 private:
  struct Slot {
    bool valid = false;
    uint64_t stamp = 0;  // last use (LRU) or insertion (FIFO, random)
    E e{};
  };
  Slot* set_begin(uint64_t set) { return &slots_[(set % sets_) * ways_]; }

  Replacement policy_;
  std::mt19937_64 rng_;
  unsigned sets_ = 1;
  unsigned ways_ = 1;
  uint64_t clock_ = 0;
  std::vector<Slot> slots_;
};

}  // namespace wdsim
