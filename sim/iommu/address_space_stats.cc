#include "sim/iommu/address_space_stats.h"

#include <utility>

namespace wdsim {

namespace {
constexpr size_t kInitialSlots = 16;  // power of two; grown at half load
}  // namespace

AddressSpaces::AddressSpaces(StatsRegistry& stats, const std::string& count_key, bool with_stream)
    : with_stream_(with_stream),
      count_(stats.counter(count_key, "Distinct address spaces (StreamID, PASID or none) seen")),
      slots_(kInitialSlots) {}

size_t AddressSpaces::slot_of(const Key& k) const {
  // 64-bit multiplicative hash (Fibonacci hashing); the table size is a power of two.
  const uint64_t packed = (uint64_t{k.sid} << 32) ^ k.ssid ^ (uint64_t{k.ssv} << 63);
  return static_cast<size_t>((packed * 0x9e3779b97f4a7c15ull) >> 32) & (slots_.size() - 1);
}

uint32_t AddressSpaces::find_or_add(const Key& k) {
  for (size_t i = slot_of(k);; i = (i + 1) & (slots_.size() - 1)) {
    Slot& s = slots_[i];
    if (s.id == kNoAddressSpace) {
      s.key = k;
      s.id = static_cast<uint32_t>(keys_.size());
      keys_.push_back(k);
      count_.inc();
      const uint32_t id = s.id;
      if (keys_.size() * 2 > slots_.size()) grow();
      return id;
    }
    if (s.key == k) return s.id;
  }
}

void AddressSpaces::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  for (const Slot& s : old) {
    if (s.id == kNoAddressSpace) continue;
    size_t i = slot_of(s.key);
    while (slots_[i].id != kNoAddressSpace) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = s;
  }
}

std::string AddressSpaces::key_path(uint32_t id) const {
  const Key& k = keys_.at(id);
  std::string space = k.ssv ? "p" + std::to_string(k.ssid) : std::string("nopasid");
  return with_stream_ ? "s" + std::to_string(k.sid) + "." + space : space;
}

SpaceCounters::SpaceCounters(const AddressSpaces& spaces, StatsRegistry& stats, std::string prefix,
                             std::vector<std::string> names)
    : spaces_(spaces), stats_(stats), prefix_(std::move(prefix)), names_(std::move(names)) {}

void SpaceCounters::create(uint32_t id) {
  const size_t first = static_cast<size_t>(id) * names_.size();
  if (counters_.size() < first + names_.size()) counters_.resize(first + names_.size(), nullptr);
  const std::string base = prefix_ + "." + spaces_.key_path(id) + ".";
  for (size_t i = 0; i < names_.size(); ++i) {
    counters_[first + i] = &stats_.counter(base + names_[i], "Per address space: " + names_[i]);
  }
}

}  // namespace wdsim
