// PcieFanIn: the upstream side of a root port shared by several links (a
// minimal switch upstream port): requests from any of its `ports` target
// sockets go out of its one initiator socket unchanged (address, data,
// IoAttrs). It lets several endpoint functions, each with its own PcieLink,
// reach the one RootComplex::from_link socket.
//
// Models: nothing but the merge (no latency, no arbitration delay: each link
// already books its own serialization, and the root complex its traversal),
// counted per port. Does not model: downstream routing (host MMIO reaches each
// link through its own host bus window), switch latency, credits, peer-to-peer,
// ACS.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/sim_env.h"

namespace wdsim {

class PcieFanIn : public sc_core::sc_module {
 public:
  using TargetSocket = tlm_utils::simple_target_socket_tagged<PcieFanIn>;

  tlm_utils::simple_initiator_socket<PcieFanIn> upstream;  // to RootComplex::from_link

  // Stats: pcie.<basename>.port<i>.requests, described as `what` (a fan-in may merge the
  // host-side sources of one link's downstream traffic too: MMIO windows and messages).
  PcieFanIn(sc_core::sc_module_name name, uint32_t ports, SimEnv &env,
            const std::string &what = "Upstream requests that entered through this port");

  uint32_t ports() const { return static_cast<uint32_t>(ports_.size()); }
  // The target socket of port i (bind a PcieLink::host_dma to it).
  TargetSocket &port(uint32_t i) { return *ports_.at(i); }

 private:
  void b_transport(int port, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);

  std::vector<std::unique_ptr<TargetSocket>> ports_;
  std::vector<Counter *> requests_;
};

}  // namespace wdsim
