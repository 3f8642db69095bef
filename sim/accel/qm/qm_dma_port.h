// QmDmaPort: the QM's way out to memory. Every access is one blocking TLM
// transaction through the QM's `dma` initiator socket, tagged with an IoAttrs
// extension (the function's stream id, and the queue's PASID for engine data
// DMA, none for the kernel-owned rings). It adds up the translation time the
// IOMMU reports and remembers the last fault, for the stage breakdown. Engines
// receive one as their DmaPort (sim/accel/qm/qm_engine.h).
//
// With an AtsEndpoint (QmParams.ats, engine data DMA only) the port translates
// first: each 4 KiB page of the access through the endpoint (ATC, else an ATS
// Translation Request, else a PRI Page Request and a retry; it may wait(), so
// call from an SC_THREAD), then issues the DMA at the physical address with
// IoAttrs.ats_translated, one transaction per run of physically contiguous
// pages. The endpoint's time (and any wait for a PRG Response) counts as
// translation time. A failed translation fails the access without any DMA
// (kTranslation when the SMMU granted no access, kBadConfig for a Completer
// Abort, kAbort for Unsupported Request).
#pragma once

#include <cstddef>
#include <cstdint>
#include <systemc>
#include <tlm>

#include "sim/accel/qm/qm_engine.h"
#include "sim/base/io_attrs.h"

namespace wdsim {

class AtsEndpoint;

class QmDmaPort : public DmaPort {
 public:
  QmDmaPort(tlm::tlm_initiator_socket<> &socket, const IoAttrs &attrs, AtsEndpoint *ats = nullptr)
      : socket_(socket), attrs_(attrs), ats_(ats) {}

  bool read(uint64_t addr, void *dst, size_t len, sc_core::sc_time &t) override;
  bool write(uint64_t addr, const void *src, size_t len, sc_core::sc_time &t) override;
  IoFault last_fault() const override { return last_fault_; }

  // Sum of the translation times reported by the accesses so far.
  const sc_core::sc_time &translation_time() const { return translation_; }

 private:
  bool access(tlm::tlm_command cmd, uint64_t addr, void *data, size_t len, sc_core::sc_time &t);
  bool access_ats(tlm::tlm_command cmd, uint64_t addr, uint8_t *data, size_t len,
                  sc_core::sc_time &t);
  // One transaction with `attrs`; adds its translation time, records a fault.
  bool transact(tlm::tlm_command cmd, uint64_t addr, void *data, size_t len, sc_core::sc_time &t,
                IoAttrs attrs);

  tlm::tlm_initiator_socket<> &socket_;
  IoAttrs attrs_;
  AtsEndpoint *ats_;
  IoFault last_fault_ = IoFault::kNone;
  sc_core::sc_time translation_ = sc_core::SC_ZERO_TIME;
};

}  // namespace wdsim
