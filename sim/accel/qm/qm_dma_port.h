// QmDmaPort: the QM's way out to memory. Every access is one blocking TLM transaction through
// the QM's `dma` initiator socket, tagged with an IoAttrs extension (the function's stream id,
// and the queue's PASID for engine data DMA, none for the kernel-owned rings). It adds up the
// translation time the IOMMU reports and remembers the last fault, for the stage breakdown.
// Engines receive one as their DmaPort (sim/accel/qm/qm_engine.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <systemc>
#include <tlm>

#include "sim/accel/qm/qm_engine.h"
#include "sim/base/io_attrs.h"

namespace wdsim {

class QmDmaPort : public DmaPort {
 public:
  QmDmaPort(tlm::tlm_initiator_socket<>& socket, const IoAttrs& attrs)
      : socket_(socket), attrs_(attrs) {}

  bool read(uint64_t addr, void* dst, size_t len, sc_core::sc_time& t) override;
  bool write(uint64_t addr, const void* src, size_t len, sc_core::sc_time& t) override;
  IoFault last_fault() const override { return last_fault_; }

  // Sum of the translation times reported by the accesses so far.
  const sc_core::sc_time& translation_time() const { return translation_; }

 private:
  bool access(tlm::tlm_command cmd, uint64_t addr, void* data, size_t len, sc_core::sc_time& t);

  tlm::tlm_initiator_socket<>& socket_;
  IoAttrs attrs_;
  IoFault last_fault_ = IoFault::kNone;
  sc_core::sc_time translation_ = sc_core::SC_ZERO_TIME;
};

}  // namespace wdsim
