// The contract between the queue manager (QM) and the engines behind it (ZIP, SEC). The QM
// fetches an SQE, hands it to the engine chosen by the queue's alg_type, and the engine does
// its own data DMA through the DmaPort the QM gives it (tagged with the queue's PASID), writes
// its results into the SQE bytes (as the hardware does: UADK reads results from the SQ slot),
// and says when it finished. The QM then writes the SQE back and posts the CQE.
//
// Time convention (TLM loosely timed): `t` is the annotated delay relative to
// sc_time_stamp(); every call advances it by the time that step took.
#pragma once

#include <cstddef>
#include <cstdint>
#include <systemc>

#include "sim/base/io_attrs.h"

namespace wdsim {

class DmaPort {
 public:
  virtual ~DmaPort() = default;
  // false when the access was aborted (translation fault, bad address); `fault` says why.
  virtual bool read(uint64_t addr, void* dst, size_t len, sc_core::sc_time& t) = 0;
  virtual bool write(uint64_t addr, const void* src, size_t len, sc_core::sc_time& t) = 0;
  virtual IoFault last_fault() const = 0;
};

struct EngineRequest {
  uint8_t* sqe = nullptr;  // the fetched SQE, sqe_size bytes; results are written into it
  size_t sqe_size = 0;
  uint16_t qp = 0;          // queue pair number
  uint16_t sqe_index = 0;   // slot in the SQ
  DmaPort* dma = nullptr;   // data DMA with the queue's stream id and PASID
  uint64_t trace_flow = 0;  // the request's flow in trace.json (TraceSink::flow)
};

// Per-request timing the engine reports, for the stage breakdown in stats.
struct EngineTiming {
  sc_core::sc_time read_input = sc_core::SC_ZERO_TIME;    // source DMA (incl. translation)
  sc_core::sc_time queued = sc_core::SC_ZERO_TIME;        // waiting for a free core
  sc_core::sc_time compute = sc_core::SC_ZERO_TIME;       // core busy time
  sc_core::sc_time write_output = sc_core::SC_ZERO_TIME;  // destination DMA
  sc_core::sc_time translation = sc_core::SC_ZERO_TIME;   // part of the DMA spent translating
};

class QmEngine {
 public:
  virtual ~QmEngine() = default;
  virtual const char* name() const = 0;
  // Processes one SQE. Never throws on bad descriptor contents: a bad field or a DMA fault is
  // reported in the SQE status the way the hardware reports it.
  virtual EngineTiming process(EngineRequest& req, sc_core::sc_time& t) = 0;
};

}  // namespace wdsim
