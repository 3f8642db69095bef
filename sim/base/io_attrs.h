// IoAttrs: the TLM-2.0 extension every DMA carries (PCIe TLP prefix / AXI user bits in real
// hardware): StreamID, PASID (SubstreamID) and whether it is valid, privileged, instruction
// fetch, read/write intent, whether the address is already translated (ATS), and a requester
// tag that follows a request through trace and stats. The SMMU writes back how long
// translation took and, on an abort, the fault it raised.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>

namespace wdsim {

enum class IoFault : uint8_t {
  kNone = 0,
  kTranslation,  // no valid mapping (F_TRANSLATION)
  kPermission,   // mapping forbids the access (F_PERMISSION)
  kAccessFlag,   // AF clear (F_ACCESS)
  kAddressSize,  // beyond the input/output address size (F_ADDR_SIZE)
  kBadConfig,    // STE/CD problem (C_BAD_*)
  kAbort,        // STE says abort, or the SMMU is disabled without bypass
  kWalkAbort,    // a table read failed (F_WALK_EABT)
};

const char* io_fault_name(IoFault f);

struct IoAttrs : tlm::tlm_extension<IoAttrs> {
  // Request attributes, set by the initiator.
  uint32_t stream_id = 0;
  uint32_t pasid = 0;
  bool pasid_valid = false;
  bool privileged = false;
  bool exec = false;
  bool write = false;           // intent; matches the payload command for ordinary DMA
  bool ats_translated = false;  // address already translated by the device's ATC
  uint64_t requester_tag = 0;   // ties a DMA to the request that caused it (trace/stats)

  // Response annotations, set on the way back.
  sc_core::sc_time translation_time = sc_core::SC_ZERO_TIME;
  IoFault fault = IoFault::kNone;

  tlm::tlm_extension_base* clone() const override { return new IoAttrs(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const IoAttrs&>(other);
  }
};

}  // namespace wdsim
