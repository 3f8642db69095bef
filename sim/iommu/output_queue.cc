#include "sim/iommu/output_queue.h"

#include <algorithm>

namespace wdsim::smmu {

OutputQueue::OutputQueue(unsigned max_log2_entries, MemPort& mem, StatsRegistry& stats,
                         const std::string& stats_prefix, const std::string& written_description)
    : max_log2_(max_log2_entries),
      mem_(mem),
      written_(stats.counter(stats_prefix + ".written", written_description)),
      write_errors_(stats.counter(stats_prefix + ".write_errors", "Record writes that failed")) {}

unsigned OutputQueue::log2size() const {
  return std::min<unsigned>(decode_queue_base(base_reg_).log2size, max_log2_);
}

bool OutputQueue::append(const uint64_t* words, unsigned bytes, const sc_core::sc_time& t) {
  const unsigned log2 = log2size();
  const uint64_t slot =
      decode_queue_base(base_reg_).addr + uint64_t{bytes} * queue_index(prod_, log2);
  sc_core::sc_time wt = t;
  if (!mem_.write(slot, words, bytes, wt)) {
    write_errors_.inc();
    return false;
  }
  prod_ = (prod_ & kQueueOverflowFlag) | queue_next(prod_, log2);
  written_.inc();
  return true;
}

}  // namespace wdsim::smmu
