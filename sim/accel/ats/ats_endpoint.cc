#include "sim/accel/ats/ats_endpoint.h"

#include "sim/base/timing.h"

namespace wdsim {

using sc_core::sc_time;

namespace {
constexpr uint64_t kPageMask = ~uint64_t{0xfff};
constexpr uint16_t kPrgIndexMask = 0x1ff;  // 9-bit Page Request Group Index

const char* prg_code_key(uint8_t code) {
  switch (code) {
    case kPrgSuccess:
      return "success";
    case kPrgInvalidRequest:
      return "invalid";
    default:
      return "failure";
  }
}

bool grants(const AtcEntry& e, bool write, bool exec, bool privileged) {
  if (write ? !e.write : !e.read) return false;
  if (exec && !e.exec) return false;
  return !privileged || e.privileged;
}
}  // namespace

void AtsEndpointParams::declare(ParamScope& s) {
  ParamScope atc_scope = s.sub("atc");
  atc.declare(atc_scope);
  s.add("pri", pri, true, "", "Send a PRI Page Request when a translation grants no access",
        "model choice");
  s.add("max_page_requests", max_page_requests, 2, "requests",
        "Page requests per translation before the DMA fails", "guess", Range::between(0, 1000));
  s.add("invalidate_latency_ns", invalidate_latency_ns, 100.0, "ns",
        "From an ATS Invalidate Request reaching the device to its completion leaving it", "guess",
        Range::min(0));
}

AtsEndpoint::AtsEndpoint(sc_core::sc_module_name name, const AtsEndpointParams& p,
                         uint32_t stream_id, SimEnv& env, const std::string& stats_prefix)
    : sc_module(name),
      ats("ats"),
      from_smmu("from_smmu"),
      p_(p),
      sid_(stream_id),
      env_(env),
      prefix_(stats_prefix),
      translation_requests_(
          env.stats().counter(prefix_ + ".translation_requests", "ATS Translation Requests")),
      page_requests_(env.stats().counter(prefix_ + ".page_requests", "PRI Page Requests sent")),
      prg_success_(env.stats().counter(prefix_ + ".prg_responses." + prg_code_key(kPrgSuccess),
                                       "PRG Responses by code")),
      prg_invalid_(env.stats().counter(
          prefix_ + ".prg_responses." + prg_code_key(kPrgInvalidRequest), "PRG Responses by code")),
      prg_failure_(env.stats().counter(prefix_ + ".prg_responses." + prg_code_key(kPrgFailure),
                                       "PRG Responses by code")),
      translation_failures_(
          env.stats().counter(prefix_ + ".translation_failures", "Translations that failed")),
      invalidate_requests_(
          env.stats().counter(prefix_ + ".invalidate_requests", "ATS Invalidate Requests")) {
  from_smmu.register_b_transport(this, &AtsEndpoint::from_smmu_b_transport);
  atc_ = std::make_unique<Atc>(p_.atc, env_.stats(), prefix_ + ".atc",
                               env_.rng(std::string(this->name()) + ".atc"));
}

AtsCompletion AtsEndpoint::request_translation(bool ssv, uint32_t ssid, uint64_t va, bool write,
                                               bool exec, bool privileged, sc_time& t) {
  translation_requests_.inc();
  AtsMessage m;
  m.kind = AtsMsgKind::kTranslationRequest;
  m.sid = sid_;
  m.ssv = ssv;
  m.ssid = ssid;
  m.addr = va & kPageMask;
  m.no_write = !write;
  m.exec = exec;
  m.privileged = privileged;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  gp.set_address(m.addr);
  gp.set_data_length(0);
  gp.set_extension(&m);
  ats->b_transport(gp, t);
  gp.clear_extension(&m);
  if (!gp.is_response_ok()) m.completion.status = AtsStatus::kCompleterAbort;
  return m.completion;
}

uint8_t AtsEndpoint::page_request(bool ssv, uint32_t ssid, uint64_t va, bool write, bool exec,
                                  bool privileged, sc_time& t) {
  page_requests_.inc();
  uint16_t index = next_prg_;
  while (prgs_.count(index)) index = (index + 1) & kPrgIndexMask;
  next_prg_ = (index + 1) & kPrgIndexMask;
  PendingPrg& pending = prgs_[index];
  pending.ev = std::make_unique<sc_core::sc_event>();
  AtsMessage m;
  m.kind = AtsMsgKind::kPageRequest;
  m.sid = sid_;
  m.ssv = ssv;
  m.ssid = ssid;
  m.addr = va & kPageMask;
  m.read = !write;
  m.write = write;
  m.exec = exec;
  m.privileged = privileged;
  m.last = true;
  m.prg_index = index;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  gp.set_address(m.addr);
  gp.set_data_length(0);
  gp.set_extension(&m);
  ats->b_transport(gp, t);
  gp.clear_extension(&m);
  uint8_t code = kPrgFailure;
  if (gp.is_response_ok()) {
    // Wait for the PRG Response (it may already have arrived, e.g. an automatic one).
    sc_core::wait(t);
    t = sc_core::SC_ZERO_TIME;
    if (!pending.answered) sc_core::wait(*pending.ev);
    const sc_time now = sc_core::sc_time_stamp();
    if (pending.at > now) sc_core::wait(pending.at - now);
    code = pending.code;
  }
  pending.ev->cancel();
  prgs_.erase(index);
  (code == kPrgSuccess          ? prg_success_
   : code == kPrgInvalidRequest ? prg_invalid_
                                : prg_failure_)
      .inc();
  return code;
}

AtsEndpoint::Result AtsEndpoint::translate(bool ssv, uint32_t ssid, uint64_t va, bool write,
                                           bool exec, bool privileged, sc_time& t) {
  Result r;
  if (auto e = atc_->lookup(ssv, ssid, va, t); e && grants(*e, write, exec, privileged)) {
    r.ok = true;
    r.pa = e->pa_page | (va & 0xfff);
    return r;
  }
  for (;;) {
    const AtsCompletion c = request_translation(ssv, ssid, va, write, exec, privileged, t);
    r.status = c.status;
    if (c.status != AtsStatus::kSuccess) break;
    AtcEntry e{ssv,     ssid,   va & kPageMask, c.pa & kPageMask, c.read,
               c.write, c.exec, c.privileged,   c.global};
    if (c.read || c.write) atc_->insert(e);
    if (grants(e, write, exec, privileged)) {
      r.ok = true;
      r.pa = e.pa_page | (va & 0xfff);
      return r;
    }
    if (!p_.pri || r.page_requests >= p_.max_page_requests) break;
    ++r.page_requests;
    r.last_prg_code = page_request(ssv, ssid, va, write, exec, privileged, t);
    if (r.last_prg_code != kPrgSuccess) break;
  }
  translation_failures_.inc();
  return r;
}

void AtsEndpoint::from_smmu_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  AtsMessage* m = gp.get_extension<AtsMessage>();
  if (!m || m->sid != sid_) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (m->kind == AtsMsgKind::kInvalidation) {
    invalidate_requests_.inc();
    atc_->invalidate(m->ssv, m->ssid, m->addr, m->size, m->global);
    delay += ns(p_.invalidate_latency_ns);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (m->kind == AtsMsgKind::kPrgResponse) {
    auto it = prgs_.find(m->prg_index);
    if (it != prgs_.end() && !it->second.answered) {
      PendingPrg& pending = it->second;
      pending.answered = true;
      pending.code = m->response_code;
      pending.at = sc_core::sc_time_stamp() + delay;
      pending.ev->notify(delay);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
}

}  // namespace wdsim
