#include "sim/pcie/pcie_fan_in.h"

#include <string>

namespace wdsim {

PcieFanIn::PcieFanIn(sc_core::sc_module_name name, uint32_t ports, SimEnv &env,
                     const std::string &what)
    : sc_module(name), upstream("upstream") {
  for (uint32_t i = 0; i < ports; ++i) {
    const std::string port_name = "port" + std::to_string(i);
    ports_.push_back(std::make_unique<TargetSocket>(port_name.c_str()));
    ports_.back()->register_b_transport(this, &PcieFanIn::b_transport, static_cast<int>(i));
    requests_.push_back(&env.stats().counter(
        std::string("pcie.") + basename() + "." + port_name + ".requests", what));
  }
}

void PcieFanIn::b_transport(int port, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay) {
  requests_[static_cast<size_t>(port)]->inc();
  upstream->b_transport(gp, delay);
}

}  // namespace wdsim
