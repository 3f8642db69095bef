#include "sim/iommu/event_queue.h"

#include <algorithm>

namespace wdsim::smmu {

EventQueue::EventQueue(unsigned max_log2_entries, MemPort& mem, StatsRegistry& stats,
                       const std::string& stats_prefix)
    : OutputQueue(max_log2_entries, mem, stats, stats_prefix, "Event records written"),
      dropped_full_(stats.counter(stats_prefix + ".dropped_full", "Events lost: queue full")),
      dropped_disabled_(
          stats.counter(stats_prefix + ".dropped_disabled", "Events lost: EVTQEN clear")) {}

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
  return append(words, kEvtBytes, t) ? PostResult::kWritten : PostResult::kWriteError;
}

}  // namespace wdsim::smmu
