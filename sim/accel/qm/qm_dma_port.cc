#include "sim/accel/qm/qm_dma_port.h"

#include "sim/base/tlm_access.h"

namespace wdsim {

bool QmDmaPort::read(uint64_t addr, void* dst, size_t len, sc_core::sc_time& t) {
  return access(tlm::TLM_READ_COMMAND, addr, dst, len, t);
}

bool QmDmaPort::write(uint64_t addr, const void* src, size_t len, sc_core::sc_time& t) {
  // The payload's data pointer is not const; a write never modifies it.
  return access(tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(src), len, t);
}

bool QmDmaPort::access(tlm::tlm_command cmd, uint64_t addr, void* data, size_t len,
                       sc_core::sc_time& t) {
  IoAttrs attrs = attrs_;
  tlm::tlm_response_status status = tlm_access(socket_, cmd, addr, data, len, t, &attrs);
  translation_ += attrs.translation_time;
  if (status == tlm::TLM_OK_RESPONSE) return true;
  last_fault_ = attrs.fault != IoFault::kNone ? attrs.fault : IoFault::kAbort;
  return false;
}

}  // namespace wdsim
