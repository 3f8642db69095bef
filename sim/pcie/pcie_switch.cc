#include "sim/pcie/pcie_switch.h"

#include <algorithm>
#include <optional>

#include "sim/pcie/ats.h"
#include "sim/pcie/ats_tlp.h"

namespace wdsim {

using sc_core::sc_time;

namespace {

// Data bytes of the request and of its answer as they cross the fabric.
struct Crossing {
  uint64_t request_data = 0;
  bool answered = false;
  uint64_t answer_data = 0;
};

Crossing crossing_of(const tlm::tlm_generic_payload& gp) {
  if (const AtsMessage* m = gp.get_extension<AtsMessage>()) {
    const AtsTlpShape s = ats_tlp_shape(m->kind);
    return {s.request_data_bytes, s.answered, s.answer_data_bytes};
  }
  const uint64_t len = gp.get_data_length();
  if (gp.is_write()) return {len, false, 0};
  if (gp.is_read()) return {0, true, gp.is_response_ok() ? len : 0};
  return {};
}

}  // namespace

sc_time PcieSwitch::Direction::cross(const sc_time& arrival, uint64_t data_bytes,
                                     const PcieSwitchParams& p, bool posted) {
  requests.inc();
  bytes.inc(data_bytes);
  const sc_time service = transfer_time(data_bytes, p.bandwidth_gbytes_per_s);
  const sc_time end = server.serve(order.arrival_for(server, arrival, service), service);
  if (posted) order.posted(arrival, end);
  return end + ns(p.hop_latency_ns);
}

PcieSwitch::Direction PcieSwitch::make_direction(SimEnv& env, const std::string& prefix) {
  return Direction{TimingServer{},
                   env.stats().counter(prefix + ".requests", "TLPs that crossed the switch"),
                   env.stats().counter(prefix + ".bytes", "Data bytes that crossed the fabric")};
}

PcieSwitch::PcieSwitch(sc_core::sc_module_name name, const PcieSwitchParams& params, SimEnv& env)
    : sc_module(name),
      up_in("up_in"),
      up_out("up_out"),
      params_(params),
      up_(make_direction(env, std::string("pcie.") + basename() + ".up")),
      down_(make_direction(env, std::string("pcie.") + basename() + ".down")),
      unrouted_(env.stats().counter(std::string("pcie.") + basename() + ".unrouted",
                                    "Downstream requests no downstream port claims (UR)")),
      redirected_(env.stats().counter(std::string("pcie.") + basename() + ".redirected",
                                      "Peer requests sent up to the root complex (ACS redirect)")) {
  up_in.register_b_transport(this, &PcieSwitch::downstream_b_transport, 0);
  for (uint32_t i = 0; i < params_.downstream_ports; ++i) {
    const std::string port = "port" + std::to_string(i);
    down_in_.push_back(std::make_unique<PortTargetSocket>((port + "_in").c_str()));
    down_in_.back()->register_b_transport(this, &PcieSwitch::upstream_b_transport,
                                          static_cast<int>(i));
    down_out_.push_back(std::make_unique<InitiatorSocket>((port + "_out").c_str()));
    port_requests_.push_back(
        &env.stats().counter(std::string("pcie.") + basename() + "." + port + ".requests",
                             "Upstream requests that entered at this downstream port"));
  }
}

void PcieSwitch::add_window(uint32_t port, uint64_t base, uint64_t size, bool endpoint) {
  windows_.push_back({base, size, port, endpoint});
}

void PcieSwitch::add_requester(uint32_t port, uint32_t stream_id) {
  requesters_.emplace_back(stream_id, port);
}

const PcieSwitch::Window* PcieSwitch::window_of(uint64_t addr, uint64_t len) const {
  for (const Window& w : windows_) {
    if (addr >= w.base && addr - w.base < w.size && len <= w.size - (addr - w.base)) return &w;
  }
  return nullptr;
}

std::optional<uint32_t> PcieSwitch::port_of_address(uint64_t addr, uint64_t len) const {
  if (const Window* w = window_of(addr, len)) return w->port;
  return std::nullopt;
}

std::optional<uint32_t> PcieSwitch::port_of_requester(uint32_t stream_id) const {
  for (const auto& [sid, port] : requesters_) {
    if (sid == stream_id) return port;
  }
  return std::nullopt;
}

template <class Socket>
void PcieSwitch::carry(Direction& req, Direction& ans, Socket& out, tlm::tlm_generic_payload& gp,
                       sc_time& delay) {
  const sc_time entry_now = sc_core::sc_time_stamp();
  const Crossing before = crossing_of(gp);
  const sc_time across =
      req.cross(entry_now + delay, before.request_data, params_, !before.answered);
  sc_time far_delay = across - entry_now;
  out->b_transport(gp, far_delay);
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time far_done = now + far_delay;
  if (!before.answered) {
    // Posted: the initiator's time is what the far side made of it (a link's posted write
    // already ended the initiator's part when its last TLP left).
    delay = far_done - now;
    return;
  }
  const Crossing after = crossing_of(gp);  // a failed read answers without data
  delay = ans.cross(far_done, after.answer_data, params_, false) - now;
}

void PcieSwitch::upstream_b_transport(int port, tlm::tlm_generic_payload& gp, sc_time& delay) {
  port_requests_[static_cast<size_t>(port)]->inc();
  if ((params_.peer_to_peer || params_.acs_redirect) && gp.get_extension<AtsMessage>() == nullptr &&
      gp.get_command() != tlm::TLM_IGNORE_COMMAND) {
    const uint64_t addr = gp.get_address();
    if (const Window* peer = window_of(addr, gp.get_data_length());
        peer && peer->port != static_cast<uint32_t>(port)) {
      if (params_.acs_redirect) {
        // ACS P2P Request Redirect: up to the root complex, which routes it back down.
        redirected_.inc();
        carry(up_, down_, up_out, gp, delay);
        return;
      }
      // Peer-to-peer: in at one downstream port, out at another (the peer sees an offset into
      // its BAR); answers come back the same way through the fabric.
      if (peer->endpoint) gp.set_address(addr - peer->base);
      carry(up_, down_, *down_out_[peer->port], gp, delay);
      gp.set_address(addr);
      return;
    }
  }
  carry(up_, down_, up_out, gp, delay);
}

void PcieSwitch::downstream_b_transport(int, tlm::tlm_generic_payload& gp, sc_time& delay) {
  if (const AtsMessage* m = gp.get_extension<AtsMessage>()) {
    if (auto port = port_of_requester(m->sid)) {
      carry(down_, up_, *down_out_[*port], gp, delay);
      return;
    }
  } else if (const uint64_t addr = gp.get_address();
             const Window* w = window_of(addr, gp.get_data_length())) {
    // The endpoint decodes its BAR: it sees the offset into the window.
    if (w->endpoint) gp.set_address(addr - w->base);
    carry(down_, up_, *down_out_[w->port], gp, delay);
    gp.set_address(addr);
    return;
  }
  unrouted_.inc();
  gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

}  // namespace wdsim
