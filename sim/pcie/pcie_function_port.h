// PcieFunctionPort: the PCIe interface of one endpoint function, between the function's
// models and its link (or integrated port). Upstream, the function's DMA (and MSI) requests
// (`dma_in`) and its ATS/PRI requests (`msg_in`, from an AtsEndpoint) share one path to the
// link (`to_link`), as they share the function's link on real hardware. Downstream, what the
// link delivers (`from_link`) is split: ATS/PRI messages (a payload with an AtsMessage, see
// sim/pcie/ats.h) go to `msg_out` (the AtsEndpoint's from_smmu), everything else (MMIO) to
// `mmio_out` (the function's BAR, e.g. the QM).
//
// Costs nothing (the link books the TLPs). A message for a function with no ATS endpoint
// (`msg_out` unbound) is answered with TLM_ADDRESS_ERROR_RESPONSE (Unsupported Request).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>

namespace wdsim {

class PcieFunctionPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<PcieFunctionPort> dma_in;
  tlm_utils::simple_target_socket_optional<PcieFunctionPort> msg_in;
  tlm_utils::simple_initiator_socket<PcieFunctionPort> to_link;
  tlm_utils::simple_target_socket<PcieFunctionPort> from_link;
  tlm_utils::simple_initiator_socket<PcieFunctionPort> mmio_out;
  tlm_utils::simple_initiator_socket_optional<PcieFunctionPort> msg_out;

  explicit PcieFunctionPort(sc_core::sc_module_name name);

 private:
  void upstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void downstream(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
};

}  // namespace wdsim
