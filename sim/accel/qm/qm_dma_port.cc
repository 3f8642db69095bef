#include "sim/accel/qm/qm_dma_port.h"

#include <algorithm>

#include "sim/accel/ats/ats_endpoint.h"
#include "sim/base/tlm_access.h"

namespace wdsim {

namespace {
constexpr uint64_t kAtsPage = 4096;  // ATS translations are per 4 KiB page (AtsCompletion)

IoFault fault_of(const AtsEndpoint::Result &r) {
  switch (r.status) {
    case AtsStatus::kSuccess:
      return IoFault::kTranslation;  // no access granted (and PRI did not fix it)
    case AtsStatus::kCompleterAbort:
      return IoFault::kBadConfig;
    case AtsStatus::kUnsupportedRequest:
      break;
  }
  return IoFault::kAbort;
}
}  // namespace

bool QmDmaPort::read(uint64_t addr, void *dst, size_t len, sc_core::sc_time &t) {
  return access(tlm::TLM_READ_COMMAND, addr, dst, len, t);
}

bool QmDmaPort::write(uint64_t addr, const void *src, size_t len, sc_core::sc_time &t) {
  // The payload's data pointer is not const; a write never modifies it.
  return access(tlm::TLM_WRITE_COMMAND, addr, const_cast<void *>(src), len, t);
}

bool QmDmaPort::access(tlm::tlm_command cmd, uint64_t addr, void *data, size_t len,
                       sc_core::sc_time &t) {
  if (ats_) return access_ats(cmd, addr, static_cast<uint8_t *>(data), len, t);
  return transact(cmd, addr, data, len, t, attrs_);
}

bool QmDmaPort::transact(tlm::tlm_command cmd, uint64_t addr, void *data, size_t len,
                         sc_core::sc_time &t, IoAttrs attrs) {
  tlm::tlm_response_status status = tlm_access(socket_, cmd, addr, data, len, t, &attrs);
  translation_ += attrs.translation_time;
  if (status == tlm::TLM_OK_RESPONSE) return true;
  last_fault_ = attrs.fault != IoFault::kNone ? attrs.fault : IoFault::kAbort;
  return false;
}

bool QmDmaPort::access_ats(tlm::tlm_command cmd, uint64_t addr, uint8_t *data, size_t len,
                           sc_core::sc_time &t) {
  const bool write = cmd == tlm::TLM_WRITE_COMMAND;
  IoAttrs translated = attrs_;
  translated.ats_translated = true;
  // The run of physically contiguous pages not yet issued.
  uint64_t run_pa = 0;
  size_t run_off = 0, run_len = 0;
  size_t off = 0;
  while (off < len) {
    const uint64_t va = addr + off;
    const size_t chunk =
        static_cast<size_t>(std::min<uint64_t>(len - off, kAtsPage - va % kAtsPage));
    // The endpoint may wait() (PRI): measure in absolute time.
    const sc_core::sc_time before = sc_core::sc_time_stamp() + t;
    const AtsEndpoint::Result r = ats_->translate(attrs_.pasid_valid, attrs_.pasid, va, write,
                                                  attrs_.exec, attrs_.privileged, t);
    translation_ += sc_core::sc_time_stamp() + t - before;
    if (!r.ok) {
      last_fault_ = fault_of(r);
      return false;
    }
    if (run_len > 0 && r.pa == run_pa + run_len) {
      run_len += chunk;
    } else {
      if (run_len > 0 && !transact(cmd, run_pa, data + run_off, run_len, t, translated)) {
        return false;
      }
      run_pa = r.pa;
      run_off = off;
      run_len = chunk;
    }
    off += chunk;
  }
  return run_len == 0 || transact(cmd, run_pa, data + run_off, run_len, t, translated);
}

}  // namespace wdsim
