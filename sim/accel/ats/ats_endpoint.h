// The device side of ATS and PRI, for an endpoint to own (the QM with QmParams.ats, test
// endpoints): an Atc plus the two message sockets (the messages are in sim/pcie/ats.h).
// translate() is what an ATS-capable DMA engine does before a DMA: look the VA up in its ATC; on
// a miss send an ATS Translation Request to the SMMU; when the completion grants no access
// (R = W = 0, or not the access needed) and PRI is on, send a Page Request (Last = 1, its own PRG
// index) and wait for the PRG Response, then ask again (up to max_page_requests times). The DMA
// itself then goes out with IoAttrs.ats_translated and the physical address.
//
// Sockets: `ats` (initiator) reaches Smmu::ats (in a system through the device's
// PcieFunctionPort, link, switches and root complex: sim/system/topology.cc);
// `from_smmu` (target) is bound from Smmu::ats_inv_pri: Invalidate Requests invalidate the
// ATC and complete after invalidate_latency_ns; PRG Responses wake the waiting translate().
// translate() may wait(): call it from an SC_THREAD.
//
// Not modelled: PRI credit limits (outstanding requests), Stop Markers, multi-page PRGs,
// invalidation queueing inside the device.
//
// Facts: PCIe Base 6.0 ch. 10 (ATS Translation Requests and Completions, PRI Page Requests and
// PRG Responses, the 9-bit PRG index).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <systemc>

#include "sim/accel/ats/atc.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/pcie/ats.h"

namespace wdsim {

struct AtsEndpointParams {
  AtcParams atc;
  bool pri = true;
  uint32_t max_page_requests = 0;
  double invalidate_latency_ns = 0;
  void declare(ParamScope& s);
};

class AtsEndpoint : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<AtsEndpoint> ats;
  tlm_utils::simple_target_socket<AtsEndpoint> from_smmu;

  // Stats under "<stats_prefix>.": atc.* (Atc), translation_requests, translation_failures,
  // page_requests, prg_responses.<success|invalid|failure>, invalidate_requests.
  AtsEndpoint(sc_core::sc_module_name name, const AtsEndpointParams& p, uint32_t stream_id,
              SimEnv& env, const std::string& stats_prefix);

  struct Result {
    bool ok = false;
    uint64_t pa = 0;
    AtsStatus status = AtsStatus::kSuccess;  // of the last completion
    uint8_t last_prg_code = 0;               // of the last PRG Response, if any
    unsigned page_requests = 0;
  };
  // Translates `va` for the access; `t` (annotated) advances by ATC lookup, round trips and
  // waits for PRG Responses. From an SC_THREAD only.
  Result translate(bool ssv, uint32_t ssid, uint64_t va, bool write, bool exec, bool privileged,
                   sc_core::sc_time& t);

  Atc& atc() { return *atc_; }
  uint32_t stream_id() const { return sid_; }

 private:
  void from_smmu_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  AtsCompletion request_translation(bool ssv, uint32_t ssid, uint64_t va, bool write, bool exec,
                                    bool privileged, sc_core::sc_time& t);
  // Sends one page request and waits for its PRG Response; returns the ResponseCode.
  uint8_t page_request(bool ssv, uint32_t ssid, uint64_t va, bool write, bool exec, bool privileged,
                       sc_core::sc_time& t);

  AtsEndpointParams p_;
  uint32_t sid_;
  SimEnv& env_;
  std::string prefix_;
  // Registered when the endpoint is built; the hot paths only increment.
  Counter& translation_requests_;
  Counter& page_requests_;
  Counter& prg_success_;
  Counter& prg_invalid_;
  Counter& prg_failure_;
  Counter& translation_failures_;
  Counter& invalidate_requests_;
  std::unique_ptr<Atc> atc_;
  uint16_t next_prg_ = 0;
  struct PendingPrg {
    bool answered = false;
    uint8_t code = 0;
    sc_core::sc_time at;
    std::unique_ptr<sc_core::sc_event> ev;
  };
  std::map<uint16_t, PendingPrg> prgs_;
};

}  // namespace wdsim
