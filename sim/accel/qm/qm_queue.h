// Device-side state of the QM's queues: what the hardware holds once the kernel has installed
// an SQC, CQC, EQC or AEQC through the mailbox, plus the pointers the doorbells move. Plain data;
// the Qm module (qm.h) owns the behaviour.
#pragma once

#include <cstdint>
#include <systemc>
#include <vector>

#include "formats/qm/qm_formats.h"

namespace wdsim {

// A submission queue, from its SQC.
struct QmSqState {
  bool valid = false;     // an SQC is installed and the queue was not stopped since
  uint32_t epoch = 0;     // bumped on every install/stop: completions of an older life drop
  qm::Sqc sqc{};          // as installed (head/tail refreshed for a context read-back)
  uint64_t base = 0;      // SQ ring DMA address
  uint32_t depth = 0;     // entries
  uint32_t sqe_size = 0;  // bytes
  uint8_t alg_type = 0;   // picks the engine
  uint16_t cq_num = 0;    // the CQ its completions go to
  bool pasid_enable = false;
  uint16_t pasid = 0;
  uint16_t head = 0;       // next slot the QM fetches
  uint16_t tail = 0;       // from the last SQ doorbell
  uint8_t priority = 0;    // SQC w13 priority[3:0]
  bool stopping = false;   // STOP_QP received: no more fetches, draining
  uint32_t in_flight = 0;  // fetched, not yet completed
  sc_core::sc_time last_ready = sc_core::SC_ZERO_TIME;  // completions retire in order
  std::vector<sc_core::sc_time> doorbell_time;          // per slot: when it was rung in
  std::vector<uint64_t> doorbell_event;  // per slot: the trace event of that doorbell (flows)
};

// A completion queue, from its CQC.
struct QmCqState {
  bool valid = false;
  qm::Cqc cqc{};
  uint64_t base = 0;
  uint32_t depth = 0;
  uint16_t head = 0;      // from the last CQ doorbell
  uint16_t tail = 0;      // next slot the QM writes
  bool phase = true;      // phase bit of the next CQE; flips when tail wraps
  bool irq_armed = true;  // c_flag: the next CQE posts an EQE; re-armed by CQ doorbell prio 1
  uint32_t coalesce_pending = 0;  // CQEs written while armed and not yet signalled
  sc_core::sc_time coalesce_deadline = sc_core::SC_ZERO_TIME;  // when they must be signalled
};

// The event queue or the asynchronous event queue, from its EQC/AEQC.
struct QmEventQueueState {
  bool valid = false;
  qm::Eqc eqc{};
  uint64_t base = 0;
  uint32_t depth = 0;
  uint16_t head = 0;  // from the last EQ/AEQ doorbell
  uint16_t tail = 0;
  bool phase = true;
  bool int_source = false;  // QM_VF_(A)EQ_INT_SOURCE: set with an MSI, cleared by a doorbell
  bool int_masked = false;  // QM_VF_(A)EQ_INT_MASK
};

// Slot arithmetic shared by the rings.
inline uint16_t ring_next(uint16_t index, uint32_t depth) {
  return static_cast<uint16_t>((index + 1u) % depth);
}

}  // namespace wdsim
