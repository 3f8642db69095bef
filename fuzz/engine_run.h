// One descriptor through an accelerator engine, as the QM hands it over (EngineRequest): the
// descriptor's bytes in a buffer the engine writes its results into, queue 1, slot 0, the
// harness's DMA port. Shared by the ZIP SQE and SEC BD harnesses.
#pragma once

#include <cstdint>
#include <cstring>
#include <systemc>

#include "sim/accel/qm/qm_engine.h"

namespace wdsim::fuzz {

// `process(req, t)` runs the engine; returns the descriptor as the engine left it.
template <class Desc, class Process>
Desc run_descriptor(const Desc& in, DmaPort* dma, Process process) {
  uint8_t bytes[sizeof(Desc)];
  std::memcpy(bytes, &in, sizeof bytes);
  EngineRequest req;
  req.sqe = bytes;
  req.sqe_size = sizeof bytes;
  req.qp = 1;
  req.sqe_index = 0;
  req.dma = dma;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  process(req, t);
  Desc out;
  std::memcpy(&out, bytes, sizeof out);
  return out;
}

}  // namespace wdsim::fuzz
