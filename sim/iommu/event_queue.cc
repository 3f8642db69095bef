#include "sim/iommu/event_queue.h"

#include <algorithm>

namespace wdsim::smmu {

EventQueue::EventQueue(unsigned max_log2_entries, MemPort& mem, StatsRegistry& stats,
                       const std::string& stats_prefix)
    : max_log2_(max_log2_entries),
      mem_(mem),
      written_(stats.counter(stats_prefix + ".written", "Event records written")),
      dropped_full_(stats.counter(stats_prefix + ".dropped_full", "Events lost: queue full")),
      dropped_disabled_(
          stats.counter(stats_prefix + ".dropped_disabled", "Events lost: EVTQEN clear")),
      write_errors_(stats.counter(stats_prefix + ".write_errors", "Record writes that failed")) {}

unsigned EventQueue::log2size() const {
  return std::min<unsigned>(decode_queue_base(base_reg_).log2size, max_log2_);
}

EventQueue::PostResult EventQueue::post(const EventRecord& e, bool enabled,
                                        const sc_core::sc_time& t) {
  if (!enabled) {
    dropped_disabled_.inc();
    return PostResult::kDisabled;
  }
  const unsigned log2 = log2size();
  if (queue_full(prod_, cons_, log2)) {
    // A new overflow is flagged only once the previous one was acknowledged.
    if ((prod_ & kQueueOverflowFlag) == (cons_ & kQueueOverflowFlag)) prod_ ^= kQueueOverflowFlag;
    dropped_full_.inc();
    return PostResult::kQueueFull;
  }
  uint64_t words[kEvtDwords];
  encode_event(e, words);
  const uint64_t slot =
      decode_queue_base(base_reg_).addr + uint64_t{kEvtBytes} * queue_index(prod_, log2);
  sc_core::sc_time wt = t;
  if (!mem_.write(slot, words, kEvtBytes, wt)) {
    write_errors_.inc();
    return PostResult::kWriteError;
  }
  prod_ = (prod_ & kQueueOverflowFlag) | queue_next(prod_, log2);
  written_.inc();
  return PostResult::kWritten;
}

}  // namespace wdsim::smmu
