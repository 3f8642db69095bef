#include "sim/base/tlm_access.h"

#include <memory>
#include <vector>

namespace wdsim {

namespace {
// Payloads not in use. SystemC runs every process of a simulation on one host thread; a host
// thread of its own (a test, a tool) gets its own list.
std::vector<std::unique_ptr<tlm::tlm_generic_payload>>& free_payloads() {
  thread_local std::vector<std::unique_ptr<tlm::tlm_generic_payload>> free;
  return free;
}
}  // namespace

PooledPayload::PooledPayload() {
  auto& free = free_payloads();
  if (free.empty()) {
    gp_ = new tlm::tlm_generic_payload();
  } else {
    gp_ = free.back().release();
    free.pop_back();
  }
}

PooledPayload::~PooledPayload() {
  // tlm_access clears its extension after the transport; this covers a transport unwound by a
  // process kill, whose IoAttrs (on the unwound stack) must not stay in the payload.
  gp_->clear_extension<IoAttrs>();
  free_payloads().emplace_back(gp_);
}

}  // namespace wdsim
