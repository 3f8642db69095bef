#include "sim/pcie/pcie_link.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sim/base/io_attrs.h"
#include "sim/pcie/ats.h"

namespace wdsim {

using sc_core::sc_time;

namespace {

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Bytes per TLP of the request direction of a read: the header only.
constexpr uint64_t kReadRequestPayload = 0;

}  // namespace

void PcieLinkParams::validate() const {
  if (generation < 1 || generation > kMaxGeneration) {
    throw ConfigError("pcie: generation must be 1..6, got " + std::to_string(generation));
  }
  if (lanes > 16 || !is_power_of_two(lanes)) {
    throw ConfigError("pcie: lanes must be 1, 2, 4, 8 or 16, got " + std::to_string(lanes));
  }
  if (max_payload_bytes < 128 || max_payload_bytes > 4096 || !is_power_of_two(max_payload_bytes)) {
    throw ConfigError("pcie: max_payload_bytes must be a power of two in 128..4096, got " +
                      std::to_string(max_payload_bytes));
  }
  if (max_read_request_bytes < 128 || max_read_request_bytes > 4096 ||
      !is_power_of_two(max_read_request_bytes)) {
    throw ConfigError("pcie: max_read_request_bytes must be a power of two in 128..4096, got " +
                      std::to_string(max_read_request_bytes));
  }
}

double PcieLinkParams::gigatransfers_per_s() const {
  static constexpr double kGtPerLane[kMaxGeneration] = {2.5, 5.0, 8.0, 16.0, 32.0, 64.0};
  const uint32_t g = std::clamp<uint32_t>(generation, 1, kMaxGeneration);
  return kGtPerLane[g - 1];
}

double PcieLinkParams::encoding_efficiency() const {
  if (generation <= 2) return 8.0 / 10.0;
  if (generation <= 5) return 128.0 / 130.0;
  return 1.0;  // PAM4 with 1b/1b encoding: the flit's FEC and CRC are in flit_efficiency()
}

uint64_t PcieLink::tlp_count(uint64_t bytes, uint64_t max_bytes) {
  return std::max<uint64_t>(1, (bytes + max_bytes - 1) / max_bytes);
}

sc_time PcieLink::tlp_wire_time(uint64_t payload_bytes, const PcieLinkParams& p) {
  const uint64_t wire =
      payload_bytes + tlp_count(payload_bytes, p.max_payload_bytes) * p.request_tlp_overhead();
  return transfer_time(wire, p.bytes_per_ns());
}

sc_time PcieLink::read_request_wire_time(uint64_t read_bytes, const PcieLinkParams& p) {
  const uint64_t wire = tlp_count(read_bytes, p.max_read_request_bytes) *
                        (kReadRequestPayload + p.request_tlp_overhead());
  return transfer_time(wire, p.bytes_per_ns());
}

uint64_t PcieLink::completion_count(uint64_t addr, uint64_t bytes, const PcieLinkParams& p) {
  const uint64_t mps = p.max_payload_bytes;
  const uint64_t rcb = p.read_completion_boundary_bytes;
  if (rcb == 0 || bytes == 0 || addr % rcb == 0) return tlp_count(bytes, mps);
  // The first completion ends at the last RCB multiple within MPS of addr; the rest start
  // aligned (MPS is a multiple of the RCB).
  const uint64_t first = std::min(bytes, (addr + mps) / rcb * rcb - addr);
  return 1 + (bytes > first ? tlp_count(bytes - first, mps) : 0);
}

sc_time PcieLink::completion_wire_time(uint64_t read_bytes, const PcieLinkParams& p) {
  const uint64_t wire =
      read_bytes + tlp_count(read_bytes, p.max_payload_bytes) * p.completion_tlp_overhead();
  return transfer_time(wire, p.bytes_per_ns());
}

sc_time PcieLink::Direction::send(const sc_time& arrival, uint64_t n_tlps, uint64_t wire_bytes,
                                  uint64_t payload, const PcieLinkParams& p) {
  tlps.inc(n_tlps);
  bytes.inc(wire_bytes);
  payload_bytes.inc(payload);
  if (trace.enabled()) trace.counter(to_ps(arrival), track, static_cast<double>(bytes.value()));
  // DLLPs that fall due while these TLPs are on the wire go out between them: they lengthen
  // this job. Those due before it started went out on an idle wire or within a TLP booked
  // earlier (not lengthened after the fact), and cost nothing.
  const sc_time service = transfer_time(wire_bytes, p.bytes_per_ns());
  const sc_time booked = order.arrival_for(server, arrival, service);
  const sc_time start = server.earliest_start(booked, service);
  const sc_time end = start + transfer_time(wire_bytes, p.bytes_per_ns());
  uint64_t dllp_wire = 0;
  std::erase_if(owed_dllps, [&](const OwedDllps& o) {
    if (o.due > end) return false;
    if (o.due >= start) dllp_wire += o.bytes;
    return true;
  });
  const sc_time on_wire = transfer_time(wire_bytes + dllp_wire, p.bytes_per_ns());
  busy_ps.inc(static_cast<uint64_t>(to_ps(on_wire)));
  return server.serve(booked, on_wire);
}

PcieLink::Direction PcieLink::make_direction(SimEnv& env, const std::string& prefix) {
  return Direction{
      TimingServer{},
      env.stats().counter(prefix + ".tlps", "TLPs sent in this direction"),
      env.stats().counter(prefix + ".bytes", "Bytes on the wire (incl. overhead)"),
      env.stats().counter(prefix + ".payload_bytes", "Data bytes carried"),
      env.trace(),
      prefix + " bytes",
      env.stats().counter(prefix + ".dllps", "ACK and UpdateFC DLLPs sent in this direction"),
      env.stats().counter(prefix + ".dllp_bytes", "Wire bytes of those DLLPs"),
      env.stats().counter(prefix + ".busy_ps",
                          "Time the wire was busy (TLPs and the DLLPs between them), ps: over "
                          "the simulated time, the direction's utilisation"),
      {&env.stats().counter(prefix + ".posted_tlps", "Posted TLPs (memory writes, messages)"),
       &env.stats().counter(prefix + ".nonposted_tlps",
                            "Non-posted TLPs (read and Translation Requests)"),
       &env.stats().counter(prefix + ".completion_tlps", "Completion TLPs")}};
}

sc_time PcieLink::send(Direction& d, const sc_time& arrival, uint64_t n_tlps, uint64_t wire_bytes,
                       uint64_t payload, FcType type) {
  d.tlps_of[static_cast<size_t>(type)]->inc(n_tlps);
  const sc_time sent = d.send(arrival, n_tlps, wire_bytes, payload, params_);
  if (type == FcType::kPosted) d.order.posted(arrival, sent);
  const uint64_t every = params_.ack_coalesce_tlps;
  if (every != 0) {
    const uint64_t before = d.tlps_received;
    d.tlps_received += n_tlps;
    const uint64_t acks = d.tlps_received / every - before / every;
    if (acks != 0) send_dllps(other(d), sent + ns(params_.hop_latency_ns), acks);
  }
  return sent;
}

void PcieLink::send_dllps(Direction& d, const sc_time& at, uint64_t count) {
  if (params_.flit_mode() || params_.dllp_bytes == 0) return;
  const uint64_t wire = count * params_.dllp_bytes;
  d.dllps.inc(count);
  d.dllp_bytes.inc(wire);
  d.owed_dllps.push_back({at, wire});
}

void PcieLink::send_update_fc(Direction& d, FcType type, const sc_time& freed) {
  if (credits_of(d).limited(type)) send_dllps(other(d), freed, 1);
}

PcieLink::PcieLink(sc_core::sc_module_name name, const PcieLinkParams& params, SimEnv& env)
    : sc_module(name),
      device_dma("device_dma"),
      host_dma("host_dma"),
      host_mmio("host_mmio"),
      device_mmio("device_mmio"),
      params_(params),
      up_(make_direction(env, std::string("pcie.") + basename() + ".up")),
      down_(make_direction(env, std::string("pcie.") + basename() + ".down")),
      up_messages_(env.stats().counter(std::string("pcie.") + basename() + ".up.messages",
                                       "ATS/PRI message TLPs sent upstream")),
      down_messages_(env.stats().counter(std::string("pcie.") + basename() + ".down.messages",
                                         "ATS/PRI message TLPs sent downstream")),
      up_answers_(env.stats().counter(
          std::string("pcie.") + basename() + ".up.answers",
          "Upstream TLPs answering a downstream ATS message (Invalidate Completions)")),
      down_answers_(env.stats().counter(
          std::string("pcie.") + basename() + ".down.answers",
          "Downstream TLPs answering an upstream ATS message (Translation Completions)")),
      up_fc_(params_.flow_control, env.stats(), std::string("pcie.") + basename() + ".up"),
      down_fc_(params_.flow_control, env.stats(), std::string("pcie.") + basename() + ".down") {
  params_.validate();
  device_dma.register_b_transport(this, &PcieLink::upstream_b_transport);
  host_mmio.register_b_transport(this, &PcieLink::downstream_b_transport);
}

void PcieLink::upstream_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND && gp.get_extension<AtsMessage>()) {
    carry_message(up_, down_, up_messages_, down_answers_, *host_dma.operator->(), gp, delay);
    return;
  }
  carry(up_, down_, host_dma, gp, delay);
}

void PcieLink::downstream_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND && gp.get_extension<AtsMessage>()) {
    carry_message(down_, up_, down_messages_, up_answers_, *device_mmio.operator->(), gp, delay);
    return;
  }
  carry(down_, up_, device_mmio, gp, delay);
}

template <class Socket>
void PcieLink::carry(Direction& request_dir, Direction& completion_dir, Socket& out,
                     tlm::tlm_generic_payload& gp, sc_time& delay) {
  const sc_time hop = ns(params_.hop_latency_ns);
  const uint64_t len = gp.get_data_length();
  const sc_time entry_now = sc_core::sc_time_stamp();
  const sc_time arrival = entry_now + delay;
  // A request carrying a PASID has the PASID TLP prefix on each of its request TLPs (in FLIT
  // mode the same 1 DW as OHC-A1); completions carry none.
  const IoAttrs* attrs = gp.get_extension<IoAttrs>();
  const uint64_t request_overhead = params_.request_tlp_overhead() +
                                    (attrs && attrs->pasid_valid ? params_.pasid_prefix_bytes : 0);

  if (gp.is_write()) {
    const uint64_t n = tlp_count(len, params_.max_payload_bytes);
    LinkCredits& fc = credits_of(request_dir);
    const sc_time start = fc.acquire(FcType::kPosted, arrival, n, len);
    const sc_time sent =
        send(request_dir, start, n, len + n * request_overhead, len, FcType::kPosted);
    sc_time far_delay = sent + hop - entry_now;
    out->b_transport(gp, far_delay);
    // The far side may have waited (e.g. an SMMU stall): work in absolute times.
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time far_done = now + far_delay;
    fc.release(FcType::kPosted, start, far_done, n, len);
    send_update_fc(request_dir, FcType::kPosted, far_done);
    const sc_time done = params_.posted_writes ? std::max(sent, now) : far_done;
    delay = done - now;
    return;
  }
  if (gp.is_read()) {
    const uint64_t n_req = tlp_count(len, params_.max_read_request_bytes);
    LinkCredits& req_fc = credits_of(request_dir);
    const sc_time start = req_fc.acquire(FcType::kNonPosted, arrival, n_req, 0);
    const sc_time sent =
        send(request_dir, start, n_req, n_req * (kReadRequestPayload + request_overhead), 0,
             FcType::kNonPosted);
    req_fc.release(FcType::kNonPosted, start, sent + hop, n_req, 0);
    send_update_fc(request_dir, FcType::kNonPosted, sent + hop);
    sc_time far_delay = sent + hop - entry_now;
    out->b_transport(gp, far_delay);
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time far_done = now + far_delay;
    // A failed read comes back as one completion without data (UR/CA status).
    const uint64_t data = gp.is_response_ok() ? len : 0;
    const uint64_t n_cpl = completion_count(gp.get_address(), data, params_);
    LinkCredits& cpl_fc = credits_of(completion_dir);
    const sc_time cpl_start = cpl_fc.acquire(FcType::kCompletion, far_done, n_cpl, data);
    const sc_time cpl_sent =
        send(completion_dir, cpl_start, n_cpl, data + n_cpl * params_.completion_tlp_overhead(),
             data, FcType::kCompletion);
    cpl_fc.release(FcType::kCompletion, cpl_start, cpl_sent + hop, n_cpl, data);
    send_update_fc(completion_dir, FcType::kCompletion, cpl_sent + hop);
    delay = cpl_sent + hop - now;
    return;
  }
  // TLM_IGNORE_COMMAND: nothing crosses the link.
  out->b_transport(gp, delay);
}

}  // namespace wdsim
