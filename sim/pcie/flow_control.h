// PCIe flow control on one link direction, as transaction-level costs: the receiver advertises
// credits per TLP type (Posted, Non-Posted, Completion), each a header count and a data count
// in 16 B units (PCIe Base Specification 6.0 2.6.1: one data credit is 4 DW). A TLP may start
// only when the credits it needs are free; the receiver frees them when it has taken the TLP
// out of its buffer (for a posted write: when the far side has completed it; a read request:
// when it reaches the far side; a completion: when it reaches the requester) and the sender
// learns it update_fc_latency_ns later (the UpdateFC DLLP). A receiver with few credits thus
// throttles its sender. A limit of 0 is infinite (the spec's "infinite credits" advertisement,
// which endpoints must use for completions); with every limit 0 nothing changes.
//
// The UpdateFC DLLPs' own wire time is PcieLink's (pcie_link.h: one DLLP per credit return of a
// limited type). Does not model: credit-limit negotiation at link training, per-VC credits, and
// credits on ATS/PRI messages.
#pragma once

#include <cstdint>
#include <systemc>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/stats.h"

namespace wdsim {

enum class FcType : uint8_t { kPosted, kNonPosted, kCompletion };

struct PcieFlowControlParams {
  uint32_t posted_header;
  uint32_t posted_data;
  uint32_t nonposted_header;
  uint32_t completion_header;
  uint32_t completion_data;
  double update_fc_latency_ns;

  static constexpr uint32_t kDataCreditBytes = 16;  // PCIe Base Spec 6.0 2.6.1: 4 DW

  void declare(ParamScope& s) {
    const char* src = "0 = infinite (today's model); real receivers advertise tens to hundreds";
    s.add("posted_header", posted_header, 0u, "credits", "Posted header credits (0: infinite)", src,
          Range::between(0, 4095));
    s.add("posted_data", posted_data, 0u, "16 B credits",
          "Posted data credits, 16 B each (0: infinite)", src, Range::between(0, 65535));
    s.add("nonposted_header", nonposted_header, 0u, "credits",
          "Non-posted header credits (read requests; 0: infinite)", src, Range::between(0, 4095));
    s.add("completion_header", completion_header, 0u, "credits",
          "Completion header credits (0: infinite, as endpoints must advertise)",
          "PCIe Base Spec 6.0 2.6.1 (endpoints advertise infinite completion credits)",
          Range::between(0, 4095));
    s.add("completion_data", completion_data, 0u, "16 B credits",
          "Completion data credits, 16 B each (0: infinite)",
          "PCIe Base Spec 6.0 2.6.1 (endpoints advertise infinite completion credits)",
          Range::between(0, 65535));
    s.add("update_fc_latency_ns", update_fc_latency_ns, 100.0, "ns",
          "From the receiver freeing credits to the sender seeing its UpdateFC",
          "guess: one DLLP on the wire plus the data link layer's UpdateFC timer (PCIe Base Spec "
          "6.0 2.6.1.2 bounds it by a few us)",
          Range::between(0, 1e6));
  }
  bool any() const {
    return posted_header || posted_data || nonposted_header || completion_header || completion_data;
  }
};

// The credits of one TLP type on one direction.
class CreditGate {
 public:
  CreditGate(uint32_t header_limit, uint32_t data_limit)
      : header_limit_(header_limit), data_limit_(data_limit) {}

  bool limited() const { return header_limit_ != 0 || data_limit_ != 0; }
  // Earliest time at or after `at` when `headers` and `data` credits are free (more than the
  // limit asks for all of them: the TLP waits until nothing else is outstanding).
  sc_core::sc_time earliest(const sc_core::sc_time& at, uint32_t headers, uint32_t data) const;
  // Books credits held from now until `released_at` (when the sender sees them back).
  void hold(const sc_core::sc_time& start, const sc_core::sc_time& released_at, uint32_t headers,
            uint32_t data);

 private:
  struct Hold {
    sc_core::sc_time start;
    sc_core::sc_time end;
    uint32_t headers;
    uint32_t data;
  };
  bool fits(const sc_core::sc_time& t, uint32_t headers, uint32_t data) const;

  uint32_t header_limit_;
  uint32_t data_limit_;
  std::vector<Hold> holds_;
};

// The three gates of one link direction, and its stall stats.
struct LinkCredits {
  LinkCredits(const PcieFlowControlParams& p, StatsRegistry& stats, const std::string& prefix);
  // Waits for the credits of `n_tlps` TLPs of `type` carrying `payload` bytes; returns when the
  // first may start and counts a stall when that is after `at`.
  sc_core::sc_time acquire(FcType type, const sc_core::sc_time& at, uint64_t n_tlps,
                           uint64_t payload);
  void release(FcType type, const sc_core::sc_time& start, const sc_core::sc_time& freed,
               uint64_t n_tlps, uint64_t payload);
  // Whether `type` has finite credits (so the receiver sends UpdateFC DLLPs for it; with an
  // infinite advertisement it sends none, PCIe Base Spec 6.0 2.6.1).
  bool limited(FcType type) { return gate(type).limited(); }

  sc_core::sc_time update_latency;
  CreditGate posted;
  CreditGate nonposted;
  CreditGate completion;
  Counter& stalls;
  Counter& stall_ps;

 private:
  CreditGate& gate(FcType type);
};

}  // namespace wdsim
