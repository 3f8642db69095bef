// The Smmu's fault side: event records (post_event, with the event queue's interrupt), the stall
// model (hold, Stall=1 event with STAG, wait for CMD_RESUME / CMD_STALL_TERM, retry/abort/
// terminate), STALL_MODEL legality checks, and stage-1 faults of ATS Translation Requests
// (answered R=W=0, for the endpoint's PRI). Elsewhere: the commands that answer faults
// (CMD_RESUME, CMD_STALL_TERM, CMD_PRI_RESP) in command_queue.cc, PRI Page Requests in
// smmu_ats.cc, the interrupt MSIs in smmu_msi.cc, the IDR bits in smmu_regs.cc.
#include <string>

#include "sim/iommu/smmu.h"

namespace wdsim {

using sc_core::sc_time;
using smmu::EventId;

namespace {

// The stage-1 faults that can stall (Arm IHI 0070 3.12.2) and that ATS reports as R=W=0.
constexpr EventId kStallableFaults[] = {EventId::kFTranslation, EventId::kFPermission,
                                        EventId::kFAccess, EventId::kFAddrSize};

bool stallable(EventId id) {
  for (EventId s : kStallableFaults) {
    if (id == s) return true;
  }
  return false;
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

}  // namespace

Smmu::FaultStats::FaultStats(StatsRegistry& stats, const std::string& c)
    : stalled(stats.counter(c + ".stall.stalled", "Transactions stalled")),
      unreported(stats.counter(c + ".stall.unreported",
                               "Stalls terminated because the event record could not be written")),
      over_limit(
          stats.counter(c + ".stall.over_limit", "Stallable faults terminated: STALL_MAX held")),
      service_time_ns(
          stats.histogram(c + ".stall.service_time_ns", "ns",
                          "Stall to software's answer taking effect (fault service time)")) {
  for (smmu::StallAction a :
       {smmu::StallAction::kTerminate, smmu::StallAction::kRetry, smmu::StallAction::kAbort}) {
    answers[static_cast<uint8_t>(a)] = &stats.counter(c + ".stall.answers." + stall_action_name(a),
                                                      "Stalled transactions by software's answer");
  }
  for (EventId id : kStallableFaults) {
    const std::string key = smmu::event_id_key(static_cast<uint8_t>(id));
    fault_service_ns[static_cast<uint8_t>(id)] =
        &stats.histogram(c + ".fault_service_ns." + key, "ns", "Stalled faults by type: time held");
    ats_no_access[static_cast<uint8_t>(id)] =
        &stats.counter(c + ".ats.no_access." + key,
                       "ATS translations answered R=W=0, by the fault a DMA would have taken");
  }
}

bool Smmu::post_event(const smmu::EventRecord& e, const sc_time& t) {
  const bool was_empty = smmu::queue_empty(evtq_->prod(), evtq_->cons(), evtq_->log2size());
  if (evtq_->post(e, evtq_enabled(), t) != smmu::EventQueue::PostResult::kWritten) return false;
  event_posted_.notify(t);
  // The event queue interrupt fires when the queue goes from empty to non-empty.
  if (was_empty && (irq_ctrl_ & smmu::kIrqCtrlEvtqIrqEn)) send_msi(evtq_msi_, t);
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
    fault_stats_.ats_no_access[static_cast<uint8_t>(id)]->inc();
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
        fault_stats_.stalled.inc();
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
      fault_stats_.unreported.inc();
      Outcome o = fault(req, id, t, /*record=*/false, fetch_addr);
      return o;
    }
    // Past IDR5.STALL_MAX: terminate, and say so with an event without Stall.
    fault_stats_.over_limit.inc();
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
    fault_stats_.service_time_ns.add(held_ns);
    fault_stats_.fault_service_ns[o.event_id]->add(held_ns);
    fault_stats_.answers[static_cast<uint8_t>(answer.action)]->inc();
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

}  // namespace wdsim
