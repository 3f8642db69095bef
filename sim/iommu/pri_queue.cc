#include "sim/iommu/pri_queue.h"

#include <algorithm>

#include "sim/base/bits.h"

namespace wdsim::smmu {

uint8_t prg_code_for_pri_resp(uint8_t resp) {
  switch (resp) {
    case kPriRespDeny:
      return kPrgInvalidRequest;
    case kPriRespSuccess:
      return kPrgSuccess;
    default:
      return kPrgFailure;
  }
}

PriQueue::PriQueue(unsigned max_log2_entries, MemPort& mem, StatsRegistry& stats,
                   const std::string& stats_prefix)
    : OutputQueue(max_log2_entries, mem, stats, stats_prefix, "Page request records written"),
      overflows_(stats.counter(stats_prefix + ".overflows", "Overflow conditions raised")),
      dropped_(stats.counter(stats_prefix + ".dropped_overflow",
                             "Page requests discarded: queue full or overflow active")) {}

PriQueue::PostResult PriQueue::post(const PageRequest& r, const sc_core::sc_time& t) {
  const unsigned log2 = log2size();
  if (overflow_active()) {
    dropped_.inc();
    return PostResult::kOverflow;
  }
  if (queue_full(prod_, cons_, log2)) {
    prod_ ^= kQueueOverflowFlag;
    overflows_.inc();
    dropped_.inc();
    return PostResult::kOverflow;
  }
  uint64_t words[kPriqDwords];
  encode_priq_entry(r, words);
  return append(words, kPriqBytes, t) ? PostResult::kWritten : PostResult::kWriteError;
}

}  // namespace wdsim::smmu
