#include "sim/pcie/pcie_function_port.h"

#include "sim/pcie/ats.h"

namespace wdsim {

PcieFunctionPort::PcieFunctionPort(sc_core::sc_module_name name)
    : sc_module(name),
      dma_in("dma_in"),
      msg_in("msg_in"),
      to_link("to_link"),
      from_link("from_link"),
      mmio_out("mmio_out"),
      msg_out("msg_out") {
  dma_in.register_b_transport(this, &PcieFunctionPort::upstream);
  msg_in.register_b_transport(this, &PcieFunctionPort::upstream);
  from_link.register_b_transport(this, &PcieFunctionPort::downstream);
}

void PcieFunctionPort::upstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  to_link->b_transport(gp, delay);
}

void PcieFunctionPort::downstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (gp.get_extension<AtsMessage>() == nullptr) {
    mmio_out->b_transport(gp, delay);
    return;
  }
  if (msg_out.size() == 0) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  msg_out->b_transport(gp, delay);
}

}  // namespace wdsim
