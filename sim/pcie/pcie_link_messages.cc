// PcieLink's ATS/PRI message TLPs (see the costs in pcie_link.h and the shapes in ats_tlp.h).
#include <algorithm>

#include "sim/pcie/ats.h"
#include "sim/pcie/ats_tlp.h"
#include "sim/pcie/pcie_link.h"

namespace wdsim {

using sc_core::sc_time;

void PcieLink::carry_message(Direction& request_dir, Direction& answer_dir, Counter& messages,
                             Counter& answers, tlm::tlm_fw_transport_if<>& out,
                             tlm::tlm_generic_payload& gp, sc_time& delay) {
  const AtsMessage& m = *gp.get_extension<AtsMessage>();
  const AtsTlpShape shape = ats_tlp_shape(m.kind);
  const sc_time hop = ns(params_.hop_latency_ns);
  const sc_time entry_now = sc_core::sc_time_stamp();
  const uint64_t prefix = m.ssv ? params_.pasid_prefix_bytes : 0;
  messages.inc();
  // Credits as for any TLP (PCIe Base Spec 6.0 2.6.1): a Translation Request is a non-posted
  // request (a header credit, given back once the receiver has taken it); Page Requests, PRG
  // Responses, Invalidate Requests and their completions are posted messages (a header credit,
  // and data credits for an Invalidate Request's 2 DW, given back once the far side is done);
  // a Translation Completion is a completion with data.
  const bool request_posted = m.kind != AtsMsgKind::kTranslationRequest;
  const FcType request_type = request_posted ? FcType::kPosted : FcType::kNonPosted;
  LinkCredits& request_fc = credits_of(request_dir);
  const sc_time start =
      request_fc.acquire(request_type, entry_now + delay, 1, shape.request_data_bytes);
  const sc_time sent = send(request_dir, start, 1,
                            params_.request_tlp_overhead() + shape.request_data_bytes + prefix,
                            shape.request_data_bytes, request_type);
  if (!request_posted) {
    request_fc.release(request_type, start, sent + hop, 1, shape.request_data_bytes);
    send_update_fc(request_dir, request_type, sent + hop);
  }
  sc_time far_delay = sent + hop - entry_now;
  out.b_transport(gp, far_delay);
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time far_done = now + far_delay;
  if (request_posted) {
    request_fc.release(request_type, start, far_done, 1, shape.request_data_bytes);
    send_update_fc(request_dir, request_type, far_done);
  }
  if (!shape.answered) {
    // Posted: done for the sender once sent; the far side's time is its own (a PRG Response
    // arrives at the endpoint at far_done, which the endpoint records itself).
    delay = std::max(sent, now) - now;
    return;
  }
  answers.inc();
  const uint64_t overhead = shape.answer_is_completion ? params_.completion_tlp_overhead()
                                                       : params_.request_tlp_overhead();
  const FcType answer_type = shape.answer_is_completion ? FcType::kCompletion : FcType::kPosted;
  LinkCredits& answer_fc = credits_of(answer_dir);
  const sc_time answer_start = answer_fc.acquire(answer_type, far_done, 1, shape.answer_data_bytes);
  const sc_time answered = send(answer_dir, answer_start, 1, overhead + shape.answer_data_bytes,
                                shape.answer_data_bytes, answer_type);
  // The answer's receiver (the endpoint or the IOMMU's side of the link) takes it at once.
  answer_fc.release(answer_type, answer_start, answered + hop, 1, shape.answer_data_bytes);
  send_update_fc(answer_dir, answer_type, answered + hop);
  delay = answered + hop - now;
}

}  // namespace wdsim
