// PcieLink: one PCIe link between a root port (host side) and an endpoint (device side), as
// transaction-level costs: TLP serialization on each direction of the link plus a fixed hop
// latency. Device-initiated traffic (DMA, MSI) goes upstream device_dma -> host_dma; host-
// initiated traffic (MMIO) goes downstream host_mmio -> device_mmio. The generic payload is
// forwarded as is: address, data, byte enables and the IoAttrs extension (stream id, PASID)
// pass through untouched.
//
// Costs (one TimingServer per direction, in arrival order; see ordering below):
//   PASID prefix:    a DMA read or write whose IoAttrs carries a valid PASID adds
//                    pasid_prefix_bytes to each of its request TLPs (not to the completions).
//   write (posted):  ceil(len / max_payload) TLPs of up to max_payload bytes, each carrying
//                    tlp_overhead_bytes, serialized on the request direction; the far side sees
//                    it hop_latency_ns after the last byte is sent. With posted_writes the
//                    initiator's annotated delay ends when the last TLP has been sent (PCIe
//                    posted semantics); otherwise when the far side has completed the write.
//   read:            ceil(len / max_read_request) header-only request TLPs (tlp_overhead_bytes
//                    each) on the request direction, + hop; the far side's own delay; then
//                    ceil(len / max_payload) completions with data (completion_overhead_bytes
//                    each; one more when read_completion_boundary_bytes is set and the read is
//                    not aligned to it: completion_count()) on the other direction, + hop. A failed
//                    read returns one completion without data.
//   wire time:       bytes_on_wire * 8 / (GT/s * lanes * encoding efficiency * flit efficiency),
//                    i.e. bytes_on_wire / bytes_per_ns(), rounded up to a whole ps. The flit
//                    efficiency is 1 for generations 1-5 and 236/256 in FLIT mode (generation
//                    6), where TLP bytes are packed back to back into 256 B flits as a stream.
//   overheads:       request_tlp_overhead() / completion_tlp_overhead(): tlp_overhead_bytes and
//                    completion_overhead_bytes (framing + header + LCRC) for generations 1-5;
//                    flit_tlp_overhead_bytes / flit_completion_overhead_bytes (the header only)
//                    in FLIT mode.
//   A zero-length access still costs one TLP.
//   The far side's response status comes back even for posted writes (a real device would
//   not see it), so device models can report DMA faults.
//
// Facts (PCI Express Base Specification): 2.5, 5, 8, 16, 32 GT/s per lane for generations 1-5;
// 8b/10b encoding for generations 1-2, 128b/130b for 3-5; link widths x1, x2, x4, x8, x16;
// Max_Payload_Size and Max_Read_Request_Size 128..4096 B in powers of two; a memory request
// with a 64-bit address has a 4 DW (16 B) header, a completion a 3 DW (12 B) header.
// Generation 6 (PCIe Base Spec 6.0; from public summaries of it, the spec itself unread):
// 64 GT/s per lane with PAM4 signalling and 1b/1b encoding, always in FLIT mode; a flit is
// 256 B: 236 B of TLP bytes, 6 B of DLP (data link payload: ACK/NAK and flow-control updates),
// 8 B CRC and 6 B FEC; TLPs are packed into flits and may span them; there is no per-TLP STP
// framing token and no LCRC (the flit's CRC covers it), and the FLIT-mode header of a 64-bit
// memory request is a 4 DW header base (a completion 3 DW), a PASID riding in a 1 DW OHC-A1.
// Unverified: the exact section numbers, and whether FLIT-mode completion headers are always
// 3 DW.
//
//   ATS/PRI messages (a TLM_IGNORE_COMMAND payload with an AtsMessage, sim/pcie/ats.h): one
//                    request TLP of tlp_overhead_bytes + its data (sim/pcie/ats_tlp.h) +
//                    pasid_prefix_bytes when it carries a PASID, + hop; a Translation Request
//                    is answered by a completion (completion_overhead_bytes + 8 B entry), an
//                    Invalidate Request by an Invalidate Completion message (tlp_overhead_bytes)
//                    on the other direction, + hop; Page Requests and PRG Responses are posted.
//
//   DLLPs:           the receiver of TLPs sends one ACK DLLP per ack_coalesce_tlps TLPs it has
//                    received, and one UpdateFC DLLP each time it frees the credits of a
//                    transaction of a limited type (none for infinite credits), on the other
//                    direction, dllp_bytes each: the ACK when the TLPs reach it (sent + hop),
//                    the UpdateFC when it frees the credits. A DLLP due while that direction
//                    sends a TLP job booked after it lengthens that job (it goes out between
//                    its TLPs), so DLLPs slow a direction's own TLPs; one due on an idle wire,
//                    or during a job booked before it was known, costs nothing. No credits. In FLIT
//                    mode DLLPs ride in every flit's DLP bytes (already in flit_efficiency), so
//                    they cost nothing.
//
//   ordering:        no TLP passes an earlier posted TLP on one direction (posted_order.h: the
//                    direction's gap-filling server would otherwise let a short job start in a
//                    gap before a long one that arrived earlier).
//
//   flow control:    with flow_control.* limits (flow_control.h) a write waits for posted
//                    credits (held until the far side completed it + update_fc_latency_ns), a
//                    read's requests for non-posted credits (until they reach the far side), its
//                    completions for completion credits (until they reach the requester). One
//                    transaction takes all its credits at once.
//
// Does not model: NAKs and replay, the ACK latency timer (ACKs are counted per TLP, not timed),
// ECRC, link training and power states, FLIT mode below generation 6, flit granularity (a lone TLP
// pays its own bytes, not a whole flit), ordered sets (SKP), relaxed ordering, and any address
// translation (addresses pass through unchanged). Posted writes do not see back-pressure from the
// host side.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"
#include "sim/pcie/flow_control.h"
#include "sim/pcie/posted_order.h"

namespace wdsim {

struct PcieLinkParams {
  uint32_t generation;
  uint32_t lanes;
  uint32_t max_payload_bytes;
  uint32_t max_read_request_bytes;
  uint32_t tlp_overhead_bytes;
  uint32_t completion_overhead_bytes;
  uint32_t flit_tlp_overhead_bytes;
  uint32_t flit_completion_overhead_bytes;
  double hop_latency_ns;
  bool posted_writes;
  uint32_t pasid_prefix_bytes;
  uint32_t read_completion_boundary_bytes;
  uint32_t dllp_bytes;
  uint32_t ack_coalesce_tlps;
  PcieFlowControlParams flow_control;  // flow_control.*: credits per type (0: infinite)

  void declare(ParamScope& s) {
    s.add("generation", generation, 4, "",
          "PCIe generation 1..6 (2.5/5/8/16/32/64 GT/s per lane; 6 runs in FLIT mode)",
          "Kunpeng 920 root ports are PCIe 4.0 (Huawei product brief)", Range::between(1, 6));
    s.add("lanes", lanes, 16, "lanes", "Link width: 1, 2, 4, 8 or 16", "guess",
          Range::between(1, 16));
    s.require("lanes", (lanes & (lanes - 1)) == 0, "must be 1, 2, 4, 8 or 16");
    s.add("max_payload_bytes", max_payload_bytes, 256, "B",
          "Max_Payload_Size: largest data payload of one TLP (power of two)",
          "common platform setting; PCIe Base Spec allows 128..4096", Range::between(128, 4096));
    s.require("max_payload_bytes", (max_payload_bytes & (max_payload_bytes - 1)) == 0,
              "must be a power of two");
    s.add("max_read_request_bytes", max_read_request_bytes, 512, "B",
          "Max_Read_Request_Size: largest read one request TLP asks for (power of two)",
          "Linux default MRRS (PCIe Base Spec allows 128..4096)", Range::between(128, 4096));
    s.require("max_read_request_bytes",
              (max_read_request_bytes & (max_read_request_bytes - 1)) == 0,
              "must be a power of two");
    s.add("tlp_overhead_bytes", tlp_overhead_bytes, 24, "B",
          "Wire bytes per request TLP besides data: 4 framing + 16 header (4 DW, 64-bit "
          "address) + 4 LCRC",
          "PCIe Base Spec TLP format (Gen3+ STP framing token)", Range::between(0, 256));
    s.add("completion_overhead_bytes", completion_overhead_bytes, 20, "B",
          "Wire bytes per completion TLP besides data: 4 framing + 12 header (3 DW) + 4 LCRC",
          "PCIe Base Spec completion format", Range::between(0, 256));
    s.add("flit_tlp_overhead_bytes", flit_tlp_overhead_bytes, 16u, "B",
          "FLIT mode (generation 6): bytes per request TLP besides data: the 4 DW header base "
          "(no framing token, no LCRC; the flit's CRC and FEC are in flit_efficiency)",
          "PCIe Base Spec 6.0 FLIT mode TLP format (from public summaries; unverified)",
          Range::between(0, 256));
    s.add("flit_completion_overhead_bytes", flit_completion_overhead_bytes, 12u, "B",
          "FLIT mode (generation 6): bytes per completion TLP besides data: the 3 DW header base",
          "PCIe Base Spec 6.0 FLIT mode TLP format (from public summaries; unverified)",
          Range::between(0, 256));
    s.add("hop_latency_ns", hop_latency_ns, 150.0, "ns",
          "One-way latency of the link after serialization (PHY, data link layer, flight)",
          "guess: typical PCIe port-to-port latency is 100-200 ns", Range::between(0, 1e6));
    s.add("posted_writes", posted_writes, true, "",
          "A write completes for its initiator when its last TLP is sent (PCIe posted "
          "semantics); false: when the far side has completed it",
          "PCIe Base Spec: memory writes are posted", Range::any());
    s.add("pasid_prefix_bytes", pasid_prefix_bytes, 4u, "B",
          "Wire bytes of the PASID TLP prefix on each request TLP that carries a PASID (DMA "
          "reads and writes with a valid PASID, ATS/PRI messages); completions carry none",
          "PCIe Base Spec 6.0 6.20: the PASID E2E TLP prefix is 1 DW (in FLIT mode the PASID "
          "rides in the 1 DW OHC-A1)",
          Range::between(0, 16));
    s.add("read_completion_boundary_bytes", read_completion_boundary_bytes, 0u, "B",
          "Read Completion Boundary: a read's completions end on multiples of it (so a read not "
          "aligned to it needs one more completion); 0: split at max_payload_bytes only",
          "PCIe Base Spec 6.0 2.3.1.1 (RCB 64 B for root ports, 64 or 128 B for endpoints); 0 "
          "keeps the model as before",
          Range::between(0, 128));
    s.require("read_completion_boundary_bytes",
              read_completion_boundary_bytes == 0 || read_completion_boundary_bytes == 64 ||
                  read_completion_boundary_bytes == 128,
              "must be 0 (off), 64 or 128");
    s.add("dllp_bytes", dllp_bytes, 8u, "B",
          "Wire bytes of one DLLP (ACK, UpdateFC) outside FLIT mode: 6 B DLLP + 2 B framing (in "
          "FLIT mode DLLPs ride in the flits' DLP bytes and cost nothing extra)",
          "PCIe Base Spec DLLP format (4 B + 16-bit CRC) and Gen3 SDP framing token; Intel AN 456 "
          "and AN 708: DLLPs are two dwords",
          Range::between(0, 64));
    s.add("ack_coalesce_tlps", ack_coalesce_tlps, 4u, "TLPs",
          "The receiver sends one ACK DLLP per this many TLPs received (0: no ACK DLLPs)",
          "guess: controllers ACK each TLP when idle and merge pending ACKs while busy (Efinix "
          "PCIe controller guide, 'Aggregating ACK DLLPs'; the spec's AckNak_Latency_Timer)",
          Range::between(0, 4096));
    ParamScope fc = s.sub("flow_control");
    flow_control.declare(fc);
  }

  // FLIT mode (PCIe Base Spec 6.0): 256 B flits, of which 236 B carry TLP bytes.
  static constexpr uint32_t kFlitBytes = 256;
  static constexpr uint32_t kFlitTlpBytes = 236;
  static constexpr uint32_t kMaxGeneration = 6;

  // Throws ConfigError unless generation is 1..6, lanes is 1/2/4/8/16 and the sizes are powers
  // of two in range.
  void validate() const;
  double gigatransfers_per_s() const;  // per lane
  double encoding_efficiency() const;  // 8/10, 128/130, or 1 (PAM4 1b/1b, generation 6)
  // Generation 6 links always run in FLIT mode (lower generations in non-FLIT mode here).
  bool flit_mode() const { return generation >= 6; }
  // Share of the line rate that carries TLP bytes: 236/256 in FLIT mode, else 1.
  double flit_efficiency() const {
    return flit_mode() ? static_cast<double>(kFlitTlpBytes) / kFlitBytes : 1.0;
  }
  // Bytes besides data of one request TLP (memory request, message) and one completion.
  uint32_t request_tlp_overhead() const {
    return flit_mode() ? flit_tlp_overhead_bytes : tlp_overhead_bytes;
  }
  uint32_t completion_tlp_overhead() const {
    return flit_mode() ? flit_completion_overhead_bytes : completion_overhead_bytes;
  }
  // Data rate of the link in one direction after encoding, bytes per ns (= GB/s).
  double raw_bytes_per_ns() const {
    return gigatransfers_per_s() * lanes * encoding_efficiency() / 8.0;
  }
  // Rate of TLP bytes in one direction (the raw rate less the flits' DLP/CRC/FEC bytes).
  double bytes_per_ns() const { return raw_bytes_per_ns() * flit_efficiency(); }
};

class PcieLink : public sc_core::sc_module {
 public:
  // Upstream: device-initiated DMA and MSI.
  tlm_utils::simple_target_socket<PcieLink> device_dma;
  tlm_utils::simple_initiator_socket<PcieLink> host_dma;
  // Downstream: host-initiated MMIO.
  tlm_utils::simple_target_socket<PcieLink> host_mmio;
  tlm_utils::simple_initiator_socket<PcieLink> device_mmio;

  // Stats: pcie.<basename>.{up,down}.{tlps,bytes,payload_bytes} (bytes = on the wire),
  // .{up,down}.{dllps,dllp_bytes} (ACK and UpdateFC DLLPs sent in that direction),
  // .{up,down}.{credit_stalls,credit_stall_ps} (waits for the receiver's credits), and
  // .{up,down}.{messages,answers} (ATS/PRI message TLPs, and the completions they got back).
  PcieLink(sc_core::sc_module_name name, const PcieLinkParams& params, SimEnv& env);

  // Number of TLPs needed to move `bytes` with at most `max_bytes` per TLP (at least one).
  static uint64_t tlp_count(uint64_t bytes, uint64_t max_bytes);
  // Serialization time of `payload_bytes` of write data: payload + n_tlps * tlp_overhead bytes.
  static sc_core::sc_time tlp_wire_time(uint64_t payload_bytes, const PcieLinkParams& p);
  // Serialization time of the header-only request TLPs of a read of `read_bytes`.
  static sc_core::sc_time read_request_wire_time(uint64_t read_bytes, const PcieLinkParams& p);
  // Serialization time of the completions returning `read_bytes` (0: one completion, no data).
  static sc_core::sc_time completion_wire_time(uint64_t read_bytes, const PcieLinkParams& p);
  // Completions of a read of `bytes` at `addr`: at most max_payload_bytes each, and with a read
  // completion boundary the first ends at the last RCB multiple within max_payload_bytes of
  // `addr` (PCIe Base Spec 6.0 2.3.1.1); at least one.
  static uint64_t completion_count(uint64_t addr, uint64_t bytes, const PcieLinkParams& p);

  const PcieLinkParams& params() const { return params_; }
  const TimingServer& upstream() const { return up_.server; }
  const TimingServer& downstream() const { return down_.server; }

 private:
  struct Direction {
    TimingServer server;
    Counter& tlps;
    Counter& bytes;
    Counter& payload_bytes;
    TraceSink& trace;     // trace.json's counter track of the bytes sent (with tracing on)
    std::string track;    // "pcie.<link>.up bytes"
    Counter& dllps;       // ACK and UpdateFC DLLPs sent in this direction
    Counter& dllp_bytes;  // their wire bytes
    Counter& busy_ps;     // wire time booked (utilisation = busy_ps / simulated time)
    std::array<Counter*, 3> tlps_of;  // TLPs by FcType: posted, non-posted, completion
    uint64_t tlps_received = 0;       // by the far side, for its ACKs (ack_coalesce_tlps)
    // DLLPs this direction owes, by when they fall due: the next TLP job on the wire at that
    // time carries them (a DLLP booked on its own ahead of time would split the timeline and
    // push a long TLP job past it).
    struct OwedDllps {
      sc_core::sc_time due;
      uint64_t bytes;
    };
    std::vector<OwedDllps> owed_dllps;
    PostedOrder order;  // nothing passes an earlier posted TLP (posted_order.h)
    // Books `tlps` TLPs totalling `wire_bytes` arriving at `arrival`; returns when sent.
    sc_core::sc_time send(const sc_core::sc_time& arrival, uint64_t n_tlps, uint64_t wire_bytes,
                          uint64_t payload, const PcieLinkParams& p);
  };
  static Direction make_direction(SimEnv& env, const std::string& prefix);

  Direction& other(const Direction& d) { return &d == &up_ ? down_ : up_; }
  // Sends TLPs on `d` (Direction::send) and the ACK DLLPs the far side owes for them on the
  // other direction when they reach it; returns when the TLPs are sent.
  // `type`: the TLPs' flow-control type (counted per type); posted ones (memory writes and
  // posted messages) later TLPs may not pass.
  sc_core::sc_time send(Direction& d, const sc_core::sc_time& arrival, uint64_t n_tlps,
                        uint64_t wire_bytes, uint64_t payload, FcType type);
  // Owes `count` DLLPs on `d` due at `at` (nothing in FLIT mode or with dllp_bytes 0).
  void send_dllps(Direction& d, const sc_core::sc_time& at, uint64_t count);
  // The UpdateFC DLLP of the receiver of `d` freeing credits of `type` at `freed` (sent on the
  // other direction; only for a type with finite credits).
  void send_update_fc(Direction& d, FcType type, const sc_core::sc_time& freed);

  void upstream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void downstream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  // ATS/PRI messages (sim/pcie/ats.h, sim/pcie/ats_tlp.h): pcie_link_messages.cc.
  void carry_message(Direction& request_dir, Direction& answer_dir, Counter& messages,
                     Counter& answers, tlm::tlm_fw_transport_if<>& out,
                     tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  template <class Socket>
  void carry(Direction& request_dir, Direction& completion_dir, Socket& out,
             tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  PcieLinkParams params_;
  Direction up_;
  Direction down_;
  // ATS/PRI message TLPs and the TLPs that answer them, per direction.
  Counter& up_messages_;
  Counter& down_messages_;
  Counter& up_answers_;
  Counter& down_answers_;
  // Flow-control credits of each direction's receiver (flow_control.h); unlimited by default.
  LinkCredits up_fc_;
  LinkCredits down_fc_;
  LinkCredits& credits_of(const Direction& d) { return &d == &up_ ? up_fc_ : down_fc_; }
};

}  // namespace wdsim
