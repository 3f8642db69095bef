// PcieIdRouter: the root complex's downstream side for ID-routed messages. ATS Invalidate
// Requests and PRG Responses from the IOMMU (Smmu::ats_inv_pri) carry the endpoint's StreamID
// (its Requester ID); the router sends each down the root port behind which that requester
// sits (`port(i)`, bound to the root port's link host side). A StreamID no port claims is
// answered with TLM_ADDRESS_ERROR_RESPONSE (the SMMU then sees the message fail).
//
// It also takes the root complex's redirected peer requests (`from_root_complex`; a switch's
// ACS redirect sent them up): memory requests routed by address down the root port behind
// which that BAR window sits (add_window), the address unchanged (the switches below decode
// it). A request no window claims is answered with TLM_ADDRESS_ERROR_RESPONSE.
//
// Costs nothing (the links and switches on the way book their time). Facts: PCIe Base
// Specification 6.0 2.2.4.2 (ID routing by bus/device/function), Arm IHI 0070 (SMMUv3
// StreamID = PCIe RID for a PCIe endpoint).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "sim/base/sim_env.h"

namespace wdsim {

class PcieIdRouter : public sc_core::sc_module {
 public:
  using InitiatorSocket = tlm_utils::simple_initiator_socket_tagged<PcieIdRouter>;

  // Either may stay unbound (no ATS endpoint, no switch with ACS redirect).
  tlm_utils::simple_target_socket_optional<PcieIdRouter> from_iommu;
  tlm_utils::simple_target_socket_optional<PcieIdRouter> from_root_complex;  // RootComplex::to_peer

  // Stats: pcie.<basename>.port<i>.messages, .unrouted, .port<i>.peer_requests.
  PcieIdRouter(sc_core::sc_module_name name, uint32_t ports, SimEnv& env);

  InitiatorSocket& port(uint32_t i) { return *ports_.at(i); }
  void add_requester(uint32_t port, uint32_t stream_id);
  void add_window(uint32_t port, uint64_t base, uint64_t size);

 private:
  struct Window {
    uint64_t base;
    uint64_t size;
    uint32_t port;
  };
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void peer_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  std::vector<std::unique_ptr<InitiatorSocket>> ports_;
  std::vector<Counter*> messages_;
  std::vector<Counter*> peer_requests_;
  Counter& unrouted_;
  std::vector<std::pair<uint32_t, uint32_t>> requesters_;  // (stream id, port)
  std::vector<Window> windows_;
};

}  // namespace wdsim
