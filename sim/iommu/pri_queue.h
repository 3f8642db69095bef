// The SMMU PRI queue: a circular queue of 16 B page request records in memory (PRIQ_BASE,
// PRIQ_PROD owned by the SMMU, PRIQ_CONS by software), filled from PCIe Page Request messages
// of ATS/PRI-capable endpoints. Overflow as Arm IHI 0070 8.1 says (and unlike the event queue):
// a request arriving while the queue is full toggles PRIQ_PROD.OVFLG, and while that overflow
// is active (OVFLG != PRIQ_CONS.OVACKFLG) no record is written at all; the caller sends the
// automatic PRG responses. Records are posted writes through the SMMU's memory port.
//
// The record layout is Linux's PRIQ_0_* / PRIQ_1_* (arm-smmu-v3.h): DW0 SID[31:0],
// SSID[51:32], Priv 58, Exec 59, Read 60, Write 61, Last 62, SSV 63; DW1 PRG index[8:0],
// Addr[63:12].
#pragma once

#include <cstdint>
#include <string>
#include <systemc>

#include "sim/base/stats.h"
#include "sim/iommu/ats.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/output_queue.h"
#include "sim/iommu/smmu_formats.h"

namespace wdsim::smmu {

inline constexpr unsigned kPriqDwords = 2;
inline constexpr unsigned kPriqBytes = 16;

// One page request (PCIe PRI Page Request message, PPR).
struct PageRequest {
  uint32_t sid = 0;
  bool ssv = false;
  uint32_t ssid = 0;
  bool priv = false;
  bool exec = false;
  bool read = false;
  bool write = false;
  bool last = false;        // last request of its Page Request Group
  uint16_t prg_index = 0;   // 9 bits
  uint64_t addr = 0;        // 4 KiB page address
};
void encode_priq_entry(const PageRequest& r, uint64_t out[kPriqDwords]);
PageRequest decode_priq_entry(const uint64_t in[kPriqDwords]);

// CMD_PRI_RESP.Resp (Linux CMDQ_PRI_1_RESP_*): 0 deny, 1 fail, 2 success.
inline constexpr uint8_t kPriRespDeny = 0, kPriRespFail = 1, kPriRespSuccess = 2;
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
