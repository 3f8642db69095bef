#include "sim/pcie/pcie_id_router.h"

#include <string>

#include "sim/pcie/ats.h"

namespace wdsim {

PcieIdRouter::PcieIdRouter(sc_core::sc_module_name name, uint32_t ports, SimEnv& env)
    : sc_module(name),
      from_iommu("from_iommu"),
      from_root_complex("from_root_complex"),
      unrouted_(env.stats().counter(std::string("pcie.") + basename() + ".unrouted",
                                    "Messages whose requester no root port leads to")) {
  from_iommu.register_b_transport(this, &PcieIdRouter::b_transport);
  from_root_complex.register_b_transport(this, &PcieIdRouter::peer_b_transport);
  for (uint32_t i = 0; i < ports; ++i) {
    const std::string port_name = "port" + std::to_string(i);
    ports_.push_back(std::make_unique<InitiatorSocket>(port_name.c_str()));
    messages_.push_back(
        &env.stats().counter(std::string("pcie.") + basename() + "." + port_name + ".messages",
                             "ID-routed messages sent down this root port"));
    peer_requests_.push_back(
        &env.stats().counter(std::string("pcie.") + basename() + "." + port_name + ".peer_requests",
                             "Redirected peer requests sent down this root port"));
  }
}

void PcieIdRouter::add_requester(uint32_t port, uint32_t stream_id) {
  requesters_.emplace_back(stream_id, port);
}

void PcieIdRouter::add_window(uint32_t port, uint64_t base, uint64_t size) {
  windows_.push_back({base, size, port});
}

void PcieIdRouter::peer_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  for (const Window& w : windows_) {
    if (addr < w.base || addr - w.base >= w.size || len > w.size - (addr - w.base)) continue;
    peer_requests_[w.port]->inc();
    (*ports_[w.port])->b_transport(gp, delay);
    return;
  }
  unrouted_.inc();
  gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

void PcieIdRouter::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (const AtsMessage* m = gp.get_extension<AtsMessage>()) {
    for (const auto& [sid, port] : requesters_) {
      if (sid != m->sid) continue;
      messages_[port]->inc();
      (*ports_[port])->b_transport(gp, delay);
      return;
    }
  }
  unrouted_.inc();
  gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

}  // namespace wdsim
