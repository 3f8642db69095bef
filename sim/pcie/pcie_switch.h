// PcieSwitch: a PCIe switch with one upstream port and `downstream_ports` downstream ports, as
// transaction-level costs. Upstream traffic (DMA, MSI, ATS/PRI requests) enters at a downstream
// port's `down_in` and leaves at `up_out`, or, with peer_to_peer, at the downstream port whose
// memory window holds the address. With acs_redirect (ACS P2P Request Redirect) such a peer
// request goes up instead, and the root complex routes it back down to the peer's BAR
// (RootComplex::to_peer); it is counted as `redirected`. Downstream traffic enters at `up_in`:
// memory requests (MMIO) are routed by address to the downstream port whose window holds it (the
// endpoint then sees the offset into its window, as a BAR decode does), ATS/PRI messages
// (sim/pcie/ats.h, ID-routed) by the requester's StreamID; anything else is answered with
// TLM_ADDRESS_ERROR_RESPONSE (an Unsupported Request).
//
// Costs: each traversal adds hop_latency_ns; the data bytes cross an internal fabric of
// bandwidth_gbytes_per_s per direction (one TimingServer per direction, first come first
// served). A posted write or message crosses once; a read crosses as a request (no data) and
// its completion (the data) crosses back the other way, one more hop; the non-posted ATS
// exchanges (Translation Request, Invalidate Request) cross back once more too.
//
// Facts: PCIe Base Specification 6.0 ch. 7.5.1.3 (a switch is a set of virtual PCI-to-PCI
// bridges: address routing through each downstream port's memory base/limit window, ID routing
// by bus number, peer-to-peer between downstream ports when ACS does not redirect it), 6.12.1.2
// and 7.7.8 (ACS P2P Request Redirect: peer requests are sent upstream; the root complex or
// the switch upstream decides whether they may go on to the peer).
//
// Does not model: flow-control credits inside the switch, per-port queueing (only the shared
// fabric), ACS P2P Completion Redirect, Egress Control and Source Validation (only Request
// Redirect, switch-wide rather than per port), multicast, configuration requests, store-and-forward
// versus cut- through (one latency for either).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"
#include "sim/pcie/posted_order.h"

namespace wdsim {

struct PcieSwitchParams {
  uint32_t downstream_ports;
  double hop_latency_ns;
  double bandwidth_gbytes_per_s;
  bool peer_to_peer;
  bool acs_redirect;

  static constexpr uint32_t kMaxDownstreamPorts = 32;

  void declare(ParamScope& s) {
    s.add("downstream_ports", downstream_ports, 4u, "ports", "Downstream ports of the switch",
          "guess (Gen4 switches have 4 to 32 ports; PCIe allows one device number per port)",
          Range::between(1, kMaxDownstreamPorts));
    s.add("hop_latency_ns", hop_latency_ns, 150.0, "ns",
          "Latency of one traversal of the switch (ingress port to egress port)",
          "guess: Gen4/Gen5 switch vendors quote 100-200 ns port-to-port (cut-through)",
          Range::between(0, 1e6));
    s.add("bandwidth_gbytes_per_s", bandwidth_gbytes_per_s, 64.0, "GB/s",
          "Internal fabric bandwidth per direction shared by every port",
          "guess: enough for two Gen4 x16 ports at once (2 x 31.5 GB/s)",
          Range::between(0.001, 1e4));
    s.add("peer_to_peer", peer_to_peer, false, "",
          "Route upstream requests whose address falls in another downstream port's window to "
          "that port (no ACS redirect); off: every upstream request goes to the upstream port",
          "PCIe Base Spec 6.0 7.5.1.3 (bridge windows), 6.12 (ACS)", Range::any());
    s.add("acs_redirect", acs_redirect, false, "",
          "ACS P2P Request Redirect on every downstream port: a request whose address falls in "
          "another downstream port's window goes up to the root complex, which routes it back "
          "down to that BAR (not translated by the SMMU)",
          "PCIe Base Spec 6.0 6.12.1.2, 7.7.8.2 (ACS P2P Request Redirect)", Range::any());
    s.require_any({"acs_redirect", "peer_to_peer"}, !(acs_redirect && peer_to_peer),
                  "acs_redirect sends peer requests up to the root complex, peer_to_peer "
                  "straight across the switch: turn one of them off");
  }
};

class PcieSwitch : public sc_core::sc_module {
 public:
  using TargetSocket = tlm_utils::simple_target_socket_tagged<PcieSwitch>;
  // Downstream ports with no device stay unbound.
  using PortTargetSocket = tlm_utils::simple_target_socket_tagged_optional<PcieSwitch>;
  using InitiatorSocket = tlm_utils::simple_initiator_socket_tagged_optional<PcieSwitch>;

  TargetSocket up_in;  // downstream traffic from the upstream link
  tlm_utils::simple_initiator_socket<PcieSwitch> up_out;  // upstream traffic to the upstream link

  // Stats: pcie.<basename>.{up,down}.{requests,bytes} and pcie.<basename>.port<i>.requests
  // (upstream requests that entered at port i), .unrouted (downstream requests no port claims),
  // .redirected (peer requests sent up by acs_redirect).
  PcieSwitch(sc_core::sc_module_name name, const PcieSwitchParams& params, SimEnv& env);

  uint32_t ports() const { return static_cast<uint32_t>(down_in_.size()); }
  PortTargetSocket& down_in(uint32_t port) { return *down_in_.at(port); }
  InitiatorSocket& down_out(uint32_t port) { return *down_out_.at(port); }

  // Routing, set up while the system is built: a memory window behind a downstream port (its
  // endpoint's BAR, in host physical addresses) and a requester (StreamID) behind it.
  // `endpoint`: the port leads to the endpoint itself, which sees offsets into the window;
  // false: to another switch, which sees the host address.
  void add_window(uint32_t port, uint64_t base, uint64_t size, bool endpoint = true);
  void add_requester(uint32_t port, uint32_t stream_id);
  // The downstream port a memory address / a StreamID routes to, if any.
  std::optional<uint32_t> port_of_address(uint64_t addr, uint64_t len) const;
  std::optional<uint32_t> port_of_requester(uint32_t stream_id) const;

  const PcieSwitchParams& params() const { return params_; }
  const TimingServer& upstream_fabric() const { return up_.server; }
  const TimingServer& downstream_fabric() const { return down_.server; }

 private:
  struct Direction {
    TimingServer server;
    Counter& requests;
    Counter& bytes;
    // Books `bytes` of data crossing at `arrival`; returns when they are across (+ hop).
    PostedOrder order;  // nothing passes an earlier posted request (posted_order.h)
    // `posted`: a write or posted message, which later requests may not pass.
    sc_core::sc_time cross(const sc_core::sc_time& arrival, uint64_t data_bytes,
                           const PcieSwitchParams& p, bool posted);
  };
  struct Window {
    uint64_t base;
    uint64_t size;
    uint32_t port;
    bool endpoint;
  };
  static Direction make_direction(SimEnv& env, const std::string& prefix);
  const Window* window_of(uint64_t addr, uint64_t len) const;

  void upstream_b_transport(int port, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void downstream_b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  // Carries `gp` through the fabric: request direction `req`, answers back on `ans`.
  template <class Socket>
  void carry(Direction& req, Direction& ans, Socket& out, tlm::tlm_generic_payload& gp,
             sc_core::sc_time& delay);

  PcieSwitchParams params_;
  Direction up_;
  Direction down_;
  std::vector<std::unique_ptr<PortTargetSocket>> down_in_;
  std::vector<std::unique_ptr<InitiatorSocket>> down_out_;
  std::vector<Counter*> port_requests_;
  Counter& unrouted_;
  Counter& redirected_;
  std::vector<Window> windows_;
  std::vector<std::pair<uint32_t, uint32_t>> requesters_;  // (stream id, port)
};

}  // namespace wdsim
