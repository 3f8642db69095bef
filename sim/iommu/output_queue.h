// What the SMMU's output queues (the event queue and the PRI queue) share: the BASE register
// (address + LOG2SIZE, capped by the IDR1 maximum), the PROD/CONS registers with their
// overflow flags, and appending one record at PROD in memory. Each queue adds its own
// overflow and enable rules.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>

#include "sim/base/stats.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/smmu_formats.h"

namespace wdsim::smmu {

class OutputQueue {
 public:
  uint64_t base_reg() const { return base_reg_; }
  void write_base(uint64_t v) { base_reg_ = v; }
  uint32_t prod() const { return prod_; }
  uint32_t cons() const { return cons_; }
  // Software may write PROD only while the queue is disabled (initialisation).
  void write_prod(uint32_t v) { prod_ = v & (kQueueOverflowFlag | queue_ptr_mask(log2size())); }
  void write_cons(uint32_t v) { cons_ = v & (kQueueOverflowFlag | queue_ptr_mask(log2size())); }
  unsigned log2size() const;

 protected:
  // Stats `<stats_prefix>.written` (described as `written_description`) and `.write_errors`.
  OutputQueue(unsigned max_log2_entries, MemPort& mem, StatsRegistry& stats,
              const std::string& stats_prefix, const std::string& written_description);

  // Writes `bytes` of `words` at the PROD slot, starting at annotated time `t` (the caller's
  // time does not advance), and advances PROD. false (counted) if the write failed.
  bool append(const uint64_t* words, unsigned bytes, const sc_core::sc_time& t);

  uint32_t prod_ = 0;
  uint32_t cons_ = 0;

 private:
  unsigned max_log2_;
  MemPort& mem_;
  uint64_t base_reg_ = 0;
  Counter& written_;
  Counter& write_errors_;
};

}  // namespace wdsim::smmu
