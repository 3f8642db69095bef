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
  const sc_time sent = send(request_dir, entry_now + delay, 1,
                            params_.request_tlp_overhead() + shape.request_data_bytes + prefix,
                            shape.request_data_bytes, m.kind != AtsMsgKind::kTranslationRequest);
  sc_time far_delay = sent + hop - entry_now;
  out.b_transport(gp, far_delay);
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time far_done = now + far_delay;
  if (!shape.answered) {
    // Posted: done for the sender once sent; the far side's time is its own (a PRG Response
    // arrives at the endpoint at far_done, which the endpoint records itself).
    delay = std::max(sent, now) - now;
    return;
  }
  answers.inc();
  const uint64_t overhead = shape.answer_is_completion ? params_.completion_tlp_overhead()
                                                       : params_.request_tlp_overhead();
  const sc_time answered = send(answer_dir, far_done, 1, overhead + shape.answer_data_bytes,
                                shape.answer_data_bytes, !shape.answer_is_completion);
  delay = answered + hop - now;
}

}  // namespace wdsim
