#include "sim/iommu/stall_table.h"

#include <algorithm>

namespace wdsim::smmu {

using sc_core::sc_time;

std::optional<uint16_t> StallTable::hold(uint32_t sid, const sc_time& at) {
  if (held_.size() >= max_ || held_.size() > 0xffff) return std::nullopt;
  while (held_.count(next_stag_)) ++next_stag_;
  const uint16_t stag = next_stag_++;
  Held& h = held_[stag];
  h.sid = sid;
  h.since = at;
  h.answered = std::make_unique<sc_core::sc_event>();
  return stag;
}

void StallTable::drop(uint16_t stag) { held_.erase(stag); }

void StallTable::answer(Held& h, StallAction a, const sc_time& at) {
  if (h.action) return;  // already answered: a second answer has no effect
  h.action = a;
  h.answered_at = std::max(at, h.since);
  const sc_time now = sc_core::sc_time_stamp();
  h.answered->notify(h.answered_at > now ? h.answered_at - now : sc_core::SC_ZERO_TIME);
}

bool StallTable::resume(uint32_t sid, uint16_t stag, uint8_t resp, const sc_time& at) {
  auto it = held_.find(stag);
  if (it == held_.end() || it->second.sid != sid || it->second.action) return false;
  StallAction a = StallAction::kAbort;
  if (resp == static_cast<uint8_t>(StallAction::kTerminate)) a = StallAction::kTerminate;
  if (resp == static_cast<uint8_t>(StallAction::kRetry)) a = StallAction::kRetry;
  answer(it->second, a, at);
  return true;
}

size_t StallTable::terminate_sid(uint32_t sid, const sc_time& at) {
  size_t n = 0;
  for (auto& [stag, h] : held_) {
    if (h.sid != sid || h.action) continue;
    answer(h, StallAction::kAbort, at);
    ++n;
  }
  return n;
}

StallTable::Outcome StallTable::wait_for_answer(uint16_t stag) {
  Held& h = held_.at(stag);
  if (!h.action) sc_core::wait(*h.answered);
  const sc_time now = sc_core::sc_time_stamp();
  if (h.answered_at > now) sc_core::wait(h.answered_at - now);
  h.answered->cancel();
  Outcome o{*h.action, h.answered_at - h.since};
  held_.erase(stag);
  return o;
}

}  // namespace wdsim::smmu
