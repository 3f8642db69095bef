// The SMMU PRI queue: a circular queue of 16 B page request records in memory (PRIQ_BASE,
// PRIQ_PROD owned by the SMMU, PRIQ_CONS by software), filled from PCIe Page Request messages
// of ATS/PRI-capable endpoints. Overflow as Arm IHI 0070 8.1 says (and unlike the event queue):
// a request arriving while the queue is full toggles PRIQ_PROD.OVFLG, and while that overflow
// is active (OVFLG != PRIQ_CONS.OVACKFLG) no record is written at all; the caller sends the
// automatic PRG responses. Records are posted writes through the SMMU's memory port.
// The record format (Linux's PRIQ_0_* / PRIQ_1_*) is in pri_formats.h.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>

#include "sim/base/stats.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/output_queue.h"
#include "sim/iommu/pri_formats.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/pcie/ats.h"

namespace wdsim::smmu {

// The PRG Response code a CMD_PRI_RESP.Resp stands for (deny: Invalid Request, fail: Response
// Failure, success: Success); Response Failure for a reserved value.
uint8_t prg_code_for_pri_resp(uint8_t resp);

class PriQueue : public OutputQueue {
 public:
  // Stats under `stats_prefix` (e.g. "smmu.priq"): written, overflows, dropped_overflow,
  // write_errors.
  PriQueue(unsigned max_log2_entries, MemPort& mem, StatsRegistry& stats,
           const std::string& stats_prefix);

  bool overflow_active() const {
    return (prod_ & kQueueOverflowFlag) != (cons_ & kQueueOverflowFlag);
  }
  bool empty() const { return queue_empty(prod_, cons_, log2size()); }

  enum class PostResult { kWritten, kOverflow, kWriteError };
  // Appends `r` (the queue is enabled: the caller checked CR0.PRIQEN). `t` is the annotated
  // arrival time; the record write starts then and does not advance the caller's time.
  PostResult post(const PageRequest& r, const sc_core::sc_time& t);

 private:
  Counter& overflows_;
  Counter& dropped_;
};

}  // namespace wdsim::smmu
