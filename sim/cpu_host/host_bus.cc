#include "sim/cpu_host/host_bus.h"

#include "sim/base/timing.h"

namespace wdsim {

HostBus::HostBus(sc_core::sc_module_name name, const HostBusParams& params,
                 const std::vector<WindowSpec>& windows)
    : sc_module(name), cpu("cpu"), params_(params) {
  cpu.register_b_transport(this, &HostBus::b_transport);
  for (const auto& w : windows) {
    windows_.push_back(
        {w.base, w.size, w.relative,
         std::make_unique<tlm_utils::simple_initiator_socket<HostBus>>(w.name.c_str())});
  }
}

void HostBus::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  for (auto& w : windows_) {
    if (addr >= w.base && addr - w.base + gp.get_data_length() <= w.size) {
      delay += ns(params_.latency_ns);
      if (w.relative) gp.set_address(addr - w.base);
      (*w.socket)->b_transport(gp, delay);
      gp.set_address(addr);
      delay += ns(params_.latency_ns);
      return;
    }
  }
  gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

}  // namespace wdsim
