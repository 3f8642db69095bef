// IntegratedPort: the attachment of a root-complex integrated endpoint (PCIe Base Specification
// 6.0 1.3.2.3), e.g. Kunpeng 920's on-chip ZIP and SEC functions: no link, no serialization,
// a fixed latency each way between the function and the root complex. It has the same four
// sockets as a PcieLink, so a function is bound to either the same way: device-initiated
// traffic (DMA, MSI, ATS/PRI requests) goes device_dma -> host_dma, host-initiated traffic
// (MMIO, ATS invalidations, PRG responses) host_mmio -> device_mmio.
//
// Costs: every crossing adds latency_ns; a posted write or message ends for its initiator at
// once (it has left), the far side sees it latency_ns later; a read or a non-posted ATS exchange
// (Translation Request, Invalidate Request) crosses twice (request and answer).
//
// Does not model: the on-chip interconnect's own bandwidth and contention (the root complex and
// the memory side have theirs), ordering beyond first come first served.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <string>
#include <systemc>
#include <tlm>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"

namespace wdsim {

struct IntegratedPortParams {
  double latency_ns;

  void declare(ParamScope& s) {
    s.add("latency_ns", latency_ns, 40.0, "ns",
          "One-way latency between a root-complex integrated endpoint and the root complex",
          "guess: a few on-chip interconnect hops at ~2.5 GHz (no public Kunpeng 920 figure)",
          Range::between(0, 1e6));
  }
};

class IntegratedPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<IntegratedPort> device_dma;
  tlm_utils::simple_initiator_socket<IntegratedPort> host_dma;
  tlm_utils::simple_target_socket<IntegratedPort> host_mmio;
  tlm_utils::simple_initiator_socket<IntegratedPort> device_mmio;

  // Stats: pcie.<basename>.{up,down}.requests.
  IntegratedPort(sc_core::sc_module_name name, const IntegratedPortParams& params, SimEnv& env);

  const IntegratedPortParams& params() const { return params_; }

 private:
  void upstream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void downstream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  template <class Socket>
  void carry(Counter& requests, Socket& out, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  IntegratedPortParams params_;
  Counter& up_requests_;
  Counter& down_requests_;
};

}  // namespace wdsim
