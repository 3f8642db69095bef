#include "sim/cpu_host/interrupt_controller.h"

#include <algorithm>
#include <cstring>

#include "sim/base/trace.h"

namespace wdsim {

InterruptController::InterruptController(sc_core::sc_module_name name, sc_core::sc_time irq_entry,
                                         SimEnv& env)
    : sc_module(name),
      msi("msi"),
      irq_entry_(irq_entry),
      env_(env),
      irqs_(env.stats().counter("host.irqs", "MSIs delivered to the interrupt core")),
      spurious_irqs_(
          env.stats().counter("host.spurious_irqs", "MSIs delivered to a vector with no handler")) {
  msi.register_b_transport(this, &InterruptController::b_transport);
  SC_HAS_PROCESS(InterruptController);
  SC_THREAD(deliver_thread);
}

void InterruptController::set_handler(uint32_t vector, Handler handler) {
  handlers_[vector] = std::move(handler);
}

void InterruptController::b_transport(int source, tlm::tlm_generic_payload& gp,
                                      sc_core::sc_time& delay) {
  (void)source;
  if (gp.get_command() != tlm::TLM_WRITE_COMMAND || gp.get_data_length() != 4) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  uint32_t vector;
  std::memcpy(&vector, gp.get_data_ptr(), 4);
  const sc_core::sc_time at = sc_core::sc_time_stamp() + delay;
  // Keep pending sorted by arrival (stable for equal times).
  auto pos = std::upper_bound(pending_.begin(), pending_.end(), at,
                              [](const sc_core::sc_time& t, const auto& p) { return t < p.first; });
  pending_.insert(pos, {at, vector});
  arrived_.notify(delay);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void InterruptController::deliver_thread() {
  while (true) {
    if (pending_.empty()) sc_core::wait(arrived_);
    if (pending_.empty()) continue;
    if (pending_.front().first > sc_core::sc_time_stamp()) {
      sc_core::wait(pending_.front().first - sc_core::sc_time_stamp(), arrived_);
      continue;
    }
    const uint32_t vector = pending_.front().second;
    pending_.pop_front();
    ++delivered_;
    if (env_.tracing()) env_.trace_event("host.gic", "msi", {tf("vector", vector)});
    irqs_.inc();
    core_.busy(irq_entry_);
    auto it = handlers_.find(vector);
    if (it == handlers_.end()) {
      spurious_irqs_.inc();
      continue;
    }
    it->second(core_);
  }
}

}  // namespace wdsim
