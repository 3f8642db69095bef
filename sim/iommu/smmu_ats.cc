// The Smmu's `ats` socket: ATS Translation Requests (translated like a DMA but without data,
// no stall, stage-1 faults answered R=W=0) and PRI Page Requests (into the PRI queue, with its
// interrupt and the automatic PRG responses of Arm IHI 0070 8.1/8.2), plus sending messages to
// endpoints on `ats_inv_pri` (PRG Responses here and from CMD_PRI_RESP, ATS Invalidate Requests
// from CMD_ATC_INV: command_queue.cc). Messages: sim/pcie/ats.h.
#include <string>

#include "sim/iommu/smmu.h"

namespace wdsim {

using sc_core::sc_time;

namespace {
constexpr uint64_t kPageBytes = 4096;
constexpr uint16_t kPrgIndexMask = 0x1ff;  // 9-bit Page Request Group Index
}  // namespace

Smmu::AtsStats::AtsStats(StatsRegistry& stats, const std::string& c)
    : translation_requests(
          stats.counter(c + ".ats.translation_requests", "ATS Translation Requests")),
      unsupported(stats.counter(c + ".ats.unsupported", "Translation Requests answered UR")),
      page_requests(stats.counter(c + ".pri.page_requests", "PRI Page Requests received")),
      auto_responses(
          stats.counter(c + ".pri.auto_responses", "PRG Responses the SMMU generated itself")) {}

bool Smmu::send_to_endpoint(AtsMessage& m, sc_time& t) {
  if (ats_inv_pri.size() == 0) return false;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  gp.set_address(m.addr);
  gp.set_data_length(0);
  gp.set_streaming_width(0);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&m);
  ats_inv_pri->b_transport(gp, t);
  gp.clear_extension(&m);
  return gp.is_response_ok();
}

void Smmu::ats_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  AtsMessage* m = gp.get_extension<AtsMessage>();
  if (!m) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  switch (m->kind) {
    case AtsMsgKind::kTranslationRequest:
      ats_translation_request(*m, delay);
      return;
    case AtsMsgKind::kPageRequest:
      ats_page_request(*m, delay);
      return;
    default:
      gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
  }
}

void Smmu::ats_translation_request(AtsMessage& m, sc_time& t) {
  ats_stats_.translation_requests.inc();
  t += ns(p_.ats.translate_cost_ns);
  AtsCompletion& c = m.completion;
  c = AtsCompletion{};
  if (!p_.ats.enabled || !smmu_enabled()) {
    c.status = AtsStatus::kUnsupportedRequest;
    ats_stats_.unsupported.inc();
    return;
  }
  Request req;
  req.sid = m.sid;
  req.ssid = m.ssid;
  req.ssv = m.ssv;
  req.va = m.addr;
  req.write = !m.no_write;
  req.exec = m.exec;
  req.privileged = m.privileged;
  req.ats_request = true;
  req.space = spaces_->id(req.sid, req.ssv, req.ssid);
  const Outcome o = translate(req, t);
  if (o.ok) {
    c.status = AtsStatus::kSuccess;
    c.pa = o.pa & ~(kPageBytes - 1);
    c.size = kPageBytes;
    const bool priv = m.privileged;
    if (o.perms) {
      c.read = smmu::access_permitted(*o.perms, false, false, priv);
      c.write = !m.no_write && smmu::access_permitted(*o.perms, true, false, priv);
      c.exec = m.exec && smmu::access_permitted(*o.perms, false, true, priv);
    } else {  // no stage-1 translation (bypass): everything the request asked for
      c.read = true;
      c.write = !m.no_write;
      c.exec = m.exec;
    }
    c.privileged = priv;
  } else if (o.event_id == static_cast<uint8_t>(smmu::EventId::kFTranslation) ||
             o.event_id == static_cast<uint8_t>(smmu::EventId::kFPermission) ||
             o.event_id == static_cast<uint8_t>(smmu::EventId::kFAccess) ||
             o.event_id == static_cast<uint8_t>(smmu::EventId::kFAddrSize)) {
    c.status = AtsStatus::kSuccess;  // R = W = 0
  } else if (o.event_id == static_cast<uint8_t>(smmu::EventId::kFBadAtsTreq)) {
    c.status = AtsStatus::kUnsupportedRequest;
  } else {
    c.status = AtsStatus::kCompleterAbort;
  }
  env_.trace_event(component_, "ats_translate",
                   {tf("sid", m.sid), m.ssv ? tf("pasid", m.ssid) : tf("pasid", "none"),
                    tf_hex("iova", m.addr), tf_hex("pa", c.pa), tf("r", c.read), tf("w", c.write)},
                   t);
}

void Smmu::auto_prg_response(const AtsMessage& req, bool keep_pasid, uint8_t code,
                             const sc_time& t) {
  ats_stats_.auto_responses.inc();
  AtsMessage m;
  m.kind = AtsMsgKind::kPrgResponse;
  m.sid = req.sid;
  m.ssv = keep_pasid && req.ssv;
  m.ssid = m.ssv ? req.ssid : 0;
  m.prg_index = req.prg_index;
  m.response_code = code;
  sc_time rt = t;
  send_to_endpoint(m, rt);
}

void Smmu::ats_page_request(AtsMessage& m, sc_time& t) {
  ats_stats_.page_requests.inc();
  t += ns(p_.pri.page_request_cost_ns);
  // PRIQEN = 0 (or SMMUEN = 0, or no PRI): discarded with an automatic Response Failure.
  if (!p_.pri.enabled || !smmu_enabled() || (cr0_ & smmu::kCr0PriqEn) == 0) {
    auto_prg_response(m, false, kPrgFailure, t);
    return;
  }
  smmu::PageRequest r;
  r.sid = m.sid;
  r.ssv = m.ssv;
  r.ssid = m.ssv ? m.ssid : 0;
  r.priv = m.privileged;
  r.exec = m.exec;
  r.read = m.read;
  r.write = m.write;
  r.last = m.last;
  r.prg_index = m.prg_index & kPrgIndexMask;
  r.addr = m.addr;
  const bool was_empty = priq_->empty();
  switch (priq_->post(r, t)) {
    case smmu::PriQueue::PostResult::kWritten:
      if (r.last) prg_arrivals_[{r.sid, r.prg_index}] = sc_core::sc_time_stamp() + t;
      priq_posted_.notify(t);
      env_.trace_event(component_, "page_request",
                       {tf("sid", r.sid), r.ssv ? tf("pasid", r.ssid) : tf("pasid", "none"),
                        tf_hex("addr", r.addr), tf("prgi", r.prg_index), tf("last", r.last)},
                       t);
      if (was_empty && (irq_ctrl_ & smmu::kIrqCtrlPriqIrqEn)) {
        send_msi(priq_msi_, t);
      }
      return;
    case smmu::PriQueue::PostResult::kOverflow:
      // Last = 1: automatic Success (IDR3.PPS = 1: the PASID is kept); Last = 0: ignored.
      if (r.last) auto_prg_response(m, true, kPrgSuccess, t);
      return;
    case smmu::PriQueue::PostResult::kWriteError:
      auto_prg_response(m, false, kPrgFailure, t);
      return;
  }
}

}  // namespace wdsim
