// The Smmu's fault side: the stall model (hold, Stall=1 event with STAG, wait for CMD_RESUME /
// CMD_STALL_TERM, retry/abort/terminate), STALL_MODEL legality checks, event/PRI queue MSIs,
// the IDR bits describing it, and the device-facing commands (ATC_INV, PRI_RESP, RESUME,
// STALL_TERM) with CMD_SYNC's wait for ATC invalidations. ATS and PRI messages: smmu_ats.cc.
#include <algorithm>

#include "sim/base/bits.h"
#include "sim/base/tlm_access.h"
#include "sim/iommu/smmu.h"

namespace wdsim {

using sc_core::sc_time;
using smmu::EventId;

namespace {

// The stage-1 faults that can stall (Arm IHI 0070 3.12.2) and that ATS reports as R=W=0.
bool stallable(EventId id) {
  return id == EventId::kFTranslation || id == EventId::kFPermission || id == EventId::kFAccess ||
         id == EventId::kFAddrSize;
}

IoFault io_fault_of_stallable(EventId id) {
  switch (id) {
    case EventId::kFTranslation:
      return IoFault::kTranslation;
    case EventId::kFPermission:
      return IoFault::kPermission;
    case EventId::kFAccess:
      return IoFault::kAccessFlag;
    default:
      return IoFault::kAddressSize;
  }
}

constexpr uint32_t kIdr3Pps = 1u << 1;  // PRG responses to PASID requests keep the PASID
constexpr unsigned kIdr5StallMaxLo = 16;
constexpr uint64_t kAtcInvSizeAll = 52;  // Linux ATC_INV_SIZE_ALL
constexpr unsigned kAtcInvGrainShift = 12;

const char* stall_action_name(smmu::StallAction a) {
  switch (a) {
    case smmu::StallAction::kRetry:
      return "retry";
    case smmu::StallAction::kTerminate:
      return "terminate";
    default:
      return "abort";
  }
}

const char* pri_resp_key(uint8_t resp) {
  switch (resp) {
    case smmu::kPriRespDeny:
      return "deny";
    case smmu::kPriRespSuccess:
      return "success";
    default:
      return "fail";
  }
}

uint32_t stall_model_bits(const std::string& model) {
  if (model == "terminate") return smmu::kIdr0StallModelTerminate;
  if (model == "force") return smmu::kIdr0StallModelForce;
  return smmu::kIdr0StallModelStall;
}

}  // namespace

uint32_t Smmu::fault_idr(unsigned n) const {
  switch (n) {
    case 0:
      return (stall_model_bits(p_.stall.model) << smmu::kIdr0StallModelLo) |
             (p_.pri.enabled ? smmu::kIdr0Pri : 0) | (p_.ats.enabled ? smmu::kIdr0Ats : 0);
      // TERM_MODEL[26] = 0: CMD_RESUME can terminate with RAZ/WI (Ab = 0).
    case 1:
      return p_.pri.enabled ? (p_.pri.max_log2_entries << smmu::kIdr1PriqsLo) : 0;
    case 3:
      return p_.pri.enabled ? kIdr3Pps : 0;
    case 5:
      return p_.stall.model == "terminate" ? 0 : (p_.stall.max_stalled << kIdr5StallMaxLo);
    default:
      return 0;
  }
}

uint32_t Smmu::plain_reg(uint32_t offset) const {
  auto it = plain_regs_.find(offset);
  return it == plain_regs_.end() ? 0 : it->second;
}

void Smmu::send_msi(uint32_t cfg0_reg, const char* which, const sc_time& t) {
  // *_IRQ_CFG0: ADDR[51:2] (64-bit); *_IRQ_CFG1 (+8): DATA; *_IRQ_CFG2 (+0xc): MEMATTR.
  const uint64_t cfg0 = plain_reg(cfg0_reg) | (uint64_t{plain_reg(cfg0_reg + 4)} << 32);
  const uint64_t addr = cfg0 & bit_mask(51, 2);
  uint32_t data = plain_reg(cfg0_reg + 8);
  const std::string key = component_ + ".irq." + which;
  if (addr == 0) {
    env_.stats().counter(key + ".no_address", "Interrupts not sent: IRQ_CFG0 is zero").inc();
    return;
  }
  sc_time wt = t;
  bool ok = false;
  if (msi.size() > 0) {
    ok = tlm_access(msi, tlm::TLM_WRITE_COMMAND, addr, &data, sizeof(data), wt) ==
         tlm::TLM_OK_RESPONSE;
  } else {
    ok = write(addr, &data, sizeof(data), wt);
  }
  env_.stats().counter(key + ".msis", "Interrupt MSIs sent").inc();
  if (!ok) env_.stats().counter(key + ".msi_errors", "Interrupt MSI writes that failed").inc();
  env_.trace_event(component_, "msi", {tf("irq", which), tf_hex("addr", addr), tf("data", data)},
                   t);
}

bool Smmu::post_event(const smmu::EventRecord& e, const sc_time& t) {
  const bool was_empty = smmu::queue_empty(evtq_->prod(), evtq_->cons(), evtq_->log2size());
  if (evtq_->post(e, evtq_enabled(), t) != smmu::EventQueue::PostResult::kWritten) return false;
  event_posted_.notify(t);
  // The event queue interrupt fires when the queue goes from empty to non-empty.
  if (was_empty && (irq_ctrl_ & smmu::kIrqCtrlEvtqIrqEn))
    send_msi(smmu::kRegEvtqIrqCfg0, "evtq", t);
  return true;
}

std::optional<EventId> Smmu::stall_config_error(const smmu::SteConfig& ste,
                                                const smmu::CdConfig& cd) const {
  // Arm IHI 0070 5.4 (CD.S) and 5.2 (STE.S1STALLD).
  if (p_.stall.model == "terminate") {
    if (cd.stall) return EventId::kCBadCd;
  } else if (p_.stall.model == "force") {
    if (ste.s1_stalld) return EventId::kCBadSte;
    if (!cd.stall) return EventId::kCBadCd;
  } else if (ste.s1_stalld && cd.stall) {
    return EventId::kCBadCd;
  }
  return std::nullopt;
}

Smmu::Outcome Smmu::stage1_fault(const Request& req, const smmu::CdConfig& cd, EventId id,
                                 uint64_t fetch_addr, sc_time& t) {
  const bool s1 = stallable(id);
  if (s1 && req.ats_request) {
    // ATS: no event, no stall; the completion grants nothing (R = W = 0) and the endpoint may
    // use PRI.
    env_.stats()
        .counter(component_ + ".ats.no_access." + smmu::event_id_key(static_cast<uint8_t>(id)),
                 "ATS translations answered R=W=0, by the fault a DMA would have taken")
        .inc();
    Outcome o;
    o.fault = io_fault_of_stallable(id);
    o.event_id = static_cast<uint8_t>(id);
    return o;
  }
  if (s1 && p_.stall.model != "terminate" && cd.stall) {
    const sc_time at = sc_core::sc_time_stamp() + t;
    if (std::optional<uint16_t> stag = stalls_->hold(req.sid, at)) {
      smmu::EventRecord e;
      e.id = static_cast<uint8_t>(id);
      e.sid = req.sid;
      e.ssv = req.ssv;
      e.ssid = req.ssv ? req.ssid : 0;
      e.input_addr = req.va;
      e.rnw = !req.write;
      e.pnu = req.privileged;
      e.ind = req.exec;
      e.clss = static_cast<uint8_t>(smmu::EventClass::kIn);
      e.stall = true;
      e.stag = *stag;
      if (post_event(e, t)) {
        faults_by_id_[e.id]->inc();
        env_.stats().counter(component_ + ".stall.stalled", "Transactions stalled").inc();
        env_.trace_event(component_, "stall",
                         {tf("type", smmu::event_id_name(e.id)), tf("sid", req.sid),
                          req.ssv ? tf("pasid", req.ssid) : tf("pasid", "none"),
                          tf_hex("iova", req.va), tf("stag", *stag)},
                         t);
        Outcome o;
        o.fault = io_fault_of_stallable(id);
        o.event_id = e.id;
        o.stalled = true;
        o.stag = *stag;
        return o;
      }
      // Software could never answer a stall it cannot see: terminate instead.
      stalls_->drop(*stag);
      env_.stats()
          .counter(component_ + ".stall.unreported",
                   "Stalls terminated because the event record could not be written")
          .inc();
      Outcome o = fault(req, id, t, /*record=*/false, fetch_addr);
      return o;
    }
    // Past IDR5.STALL_MAX: terminate, and say so with an event without Stall.
    env_.stats()
        .counter(component_ + ".stall.over_limit", "Stallable faults terminated: STALL_MAX held")
        .inc();
    Outcome o = fault(req, id, t, /*record=*/true, fetch_addr);
    o.raz_wi = !cd.abort;
    return o;
  }
  Outcome o = fault(req, id, t, !s1 || cd.record, fetch_addr);
  o.raz_wi = s1 && !cd.abort;
  return o;
}

Smmu::Outcome Smmu::translate_or_stall(const Request& req, sc_time& t) {
  Outcome o = translate(req, t);
  while (o.stalled) {
    // Held: the initiator's thread waits (the caller's annotated time first becomes real).
    sc_core::wait(t);
    t = sc_core::SC_ZERO_TIME;
    const smmu::StallTable::Outcome answer = stalls_->wait_for_answer(o.stag);
    const double held_ns = to_ns(answer.held);
    env_.stats()
        .histogram(component_ + ".stall.service_time_ns", "ns",
                   "Stall to software's answer taking effect (fault service time)")
        .add(held_ns);
    env_.stats()
        .histogram(component_ + ".fault_service_ns." + smmu::event_id_key(o.event_id), "ns",
                   "Stalled faults by type: time held")
        .add(held_ns);
    env_.stats()
        .counter(component_ + ".stall.answers." + stall_action_name(answer.action),
                 "Stalled transactions by software's answer")
        .inc();
    env_.trace_event(
        component_, "stall_end",
        {tf("sid", req.sid), tf("stag", o.stag), tf("action", stall_action_name(answer.action))},
        t);
    if (answer.action == smmu::StallAction::kRetry) {
      o = translate(req, t);  // as though it had just arrived (caches, tables as they are now)
      continue;
    }
    Outcome end;
    end.fault = o.fault;
    end.event_id = o.event_id;
    end.raz_wi = answer.action == smmu::StallAction::kTerminate;  // Ab = 0: RAZ/WI
    o = end;
  }
  return o;
}

bool Smmu::device_command_cost(uint8_t op, sc_time* cost) const {
  switch (static_cast<smmu::CmdOp>(op)) {
    case smmu::CmdOp::kAtcInv:
      *cost = ns(p_.ats.atc_inv_cost_ns);
      return p_.ats.enabled;
    case smmu::CmdOp::kPriResp:
      *cost = ns(p_.pri.resp_cost_ns);
      return p_.pri.enabled;
    case smmu::CmdOp::kResume:
    case smmu::CmdOp::kStallTerm:
      *cost = ns(p_.stall.resume_cost_ns);
      return p_.stall.model != "terminate";  // STALL_MODEL 0b01: CERROR_ILL
    default:
      return false;
  }
}

void Smmu::device_command(const smmu::Command& c, const sc_time& done) {
  const sc_time now = sc_core::sc_time_stamp();
  switch (static_cast<smmu::CmdOp>(c.op)) {
    case smmu::CmdOp::kAtcInv: {
      AtsMessage m;
      m.kind = AtsMsgKind::kInvalidation;
      m.sid = c.sid;
      m.ssv = c.ssv;
      m.ssid = c.ssid;
      m.global = c.global;
      if (c.size >= kAtcInvSizeAll) {
        m.addr = 0;
        m.size = 0;  // everything
      } else {
        m.size = uint64_t{1} << (c.size + kAtcInvGrainShift);
        m.addr = c.addr & ~(m.size - 1);
      }
      env_.stats().counter(component_ + ".ats.atc_invalidations", "ATS Invalidate Requests").inc();
      sc_time t = done - now;
      if (ats_inv_pri.size() == 0) {
        env_.stats()
            .counter(component_ + ".ats.atc_inv_unrouted", "CMD_ATC_INV with no endpoint bound")
            .inc();
        return;
      }
      const bool ok = send_to_endpoint(m, t);
      atc_invs_.push_back({done, now + t, !ok});
      return;
    }
    case smmu::CmdOp::kPriResp: {
      AtsMessage m;
      m.kind = AtsMsgKind::kPrgResponse;
      m.sid = c.sid;
      m.ssv = c.ssv;
      m.ssid = c.ssid;
      m.prg_index = c.grpid;
      m.response_code = smmu::prg_code_for_pri_resp(c.resp);
      env_.stats()
          .counter(component_ + ".pri.responses." + pri_resp_key(c.resp), "CMD_PRI_RESP by Resp")
          .inc();
      auto it = prg_arrivals_.find({c.sid, c.grpid});
      if (it != prg_arrivals_.end()) {
        env_.stats()
            .histogram(component_ + ".pri.service_time_ns", "ns",
                       "Page request arrival to its CMD_PRI_RESP completing")
            .add(to_ns(done > it->second ? done - it->second : sc_core::SC_ZERO_TIME));
        prg_arrivals_.erase(it);
      }
      sc_time t = done - now;
      send_to_endpoint(m, t);
      return;
    }
    case smmu::CmdOp::kResume:
      if (!stalls_->resume(c.sid, c.stag, c.resp, done)) {
        env_.stats()
            .counter(component_ + ".stall.resume_no_match", "CMD_RESUME matching nothing")
            .inc();
      }
      return;
    case smmu::CmdOp::kStallTerm:
      env_.stats()
          .counter(component_ + ".stall.terminated_by_stall_term",
                   "Stalled transactions terminated by CMD_STALL_TERM")
          .inc(stalls_->terminate_sid(c.sid, done));
      return;
    default:
      return;
  }
}

smmu::SyncWait Smmu::sync_wait(const sc_time& done) {
  smmu::SyncWait w{done, false};
  const sc_time timeout = ns(p_.ats.atc_inv_timeout_ns);
  for (const AtcInvSent& inv : atc_invs_) {
    if (inv.failed || inv.completed - inv.sent > timeout) {
      w.atc_timeout = true;
      w.until = std::max(w.until, inv.sent + timeout);
      env_.stats()
          .counter(component_ + ".ats.atc_inv_timeouts",
                   "ATC invalidations failed or timed out (CERROR_ATC_INV_SYNC)")
          .inc();
    } else {
      w.until = std::max(w.until, inv.completed);
    }
  }
  atc_invs_.clear();
  return w;
}

}  // namespace wdsim
