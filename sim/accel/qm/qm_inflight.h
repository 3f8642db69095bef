// Private to the Qm implementation (qm.cc, qm_dispatch.cc, qm_completion.cc, qm_mailbox.cc):
// one SQE between its fetch and its completion.
#pragma once

#include <cstdint>
#include <systemc>
#include <vector>

#include "sim/accel/qm/qm.h"

namespace wdsim {

struct Qm::InFlight {
  uint64_t seq = 0;
  uint16_t qp = 0;
  uint16_t slot = 0;
  uint32_t epoch = 0;
  bool fetch_ok = false;
  bool error = false;  // completes with an AEQE of type QM_CQE_ERROR
  // dispatch_threads > 0: when the fetch read finished (the engine work starts then), and
  // whether the engine work is done.
  sc_core::sc_time fetched_at = sc_core::SC_ZERO_TIME;
  bool engine_finished = false;
  std::vector<uint8_t> sqe;
  sc_core::sc_time translation = sc_core::SC_ZERO_TIME;
  SqeRecord record;
};

}  // namespace wdsim
