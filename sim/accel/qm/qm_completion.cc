// The QM's completion side (qm.h): SQE write-back, CQE, EQE/AEQE, MSI, interrupt coalescing,
// and the device error count that can isolate the function.
#include <algorithm>
#include <cstring>

#include "sim/accel/qm/qm.h"
#include "sim/accel/qm/qm_dma_port.h"
#include "sim/accel/qm/qm_inflight.h"
#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

// ---- Completion ---------------------------------------------------------------------------

void Qm::completion_thread() {
  for (;;) {
    const sc_time now = sc_core::sc_time_stamp();
    sc_time t = SC_ZERO_TIME;
    if (!rearmed_.empty() && rearmed_.begin()->first <= now) {
      uint16_t cqn = rearmed_.begin()->second;
      rearmed_.erase(rearmed_.begin());
      QmCqState& cq = cqs_[cqn];
      if (cq.valid && cq.irq_armed && cq.head != cq.tail) {
        signal_cq(cqn, 0, t);
        wait(t);
      }
      continue;
    }
    if (!coalesce_timers_.empty() && coalesce_timers_.begin()->first <= now) {
      auto [deadline, cqn] = *coalesce_timers_.begin();
      coalesce_timers_.erase(coalesce_timers_.begin());
      QmCqState& cq = cqs_[cqn];
      if (cq.valid && cq.irq_armed && cq.coalesce_pending > 0 && cq.coalesce_deadline == deadline) {
        trace("irq_coalesce_timeout", {tf("cqn", cqn), tf("pending", cq.coalesce_pending)}, t);
        signal_cq(cqn, 0, t);
        wait(t);
      }
      continue;
    }
    if (!completions_.empty() && completions_.begin()->first.first <= now) {
      std::unique_ptr<InFlight> req = std::move(completions_.begin()->second);
      completions_.erase(completions_.begin());
      complete(*req, t);
      wait(t);  // one write-back engine: the next completion starts after this one
      retire(*req);
      continue;
    }
    sc_time next = sc_core::SC_ZERO_TIME;
    bool have_next = false;
    if (!completions_.empty()) {
      next = completions_.begin()->first.first;
      have_next = true;
    }
    if (!rearmed_.empty() && (!have_next || rearmed_.begin()->first < next)) {
      next = rearmed_.begin()->first;
      have_next = true;
    }
    if (!coalesce_timers_.empty() && (!have_next || coalesce_timers_.begin()->first < next)) {
      next = coalesce_timers_.begin()->first;
      have_next = true;
    }
    if (have_next) {
      wait(next - now, completion_event_);
    } else {
      wait(completion_event_);
    }
  }
}

void Qm::retire(const InFlight& req) {
  QmSqState& sq = sqs_[req.qp];
  if (sq.in_flight > 0) --sq.in_flight;
  if (total_in_flight_ > 0) --total_in_flight_;
  drained_event_.notify(sc_core::SC_ZERO_TIME);
}

void Qm::complete(InFlight& req, sc_time& t) {
  QmSqState& sq = sqs_[req.qp];
  if (req.epoch != sq.epoch || !queue_started(req.qp)) {
    trace("cqe_dropped", {tf("qp", req.qp), tf("sq_head", req.slot)}, t);
    return;
  }
  t += ns(params_.cqe_write_latency_ns);
  QmDmaPort ring(dma, ring_attrs(req.seq));
  if (req.fetch_ok &&
      !ring.write(sq.base + uint64_t{req.slot} * sq.sqe_size, req.sqe.data(), req.sqe.size(), t))
    error("sqe_writeback_fault", {tf("qp", req.qp), tf("index", req.slot)}, t);

  const uint16_t cqn = sq.cq_num;
  QmCqState& cq = cqs_[cqn];
  if (ring_next(cq.tail, cq.depth) == cq.head) {
    // Writing this CQE would leave the ring indistinguishably full: report and stop the queue.
    error("cq_overflow", {tf("qp", req.qp), tf("cqn", cqn)}, t);
    post_aeqe(req.qp, qm::kAeqCqOverflow, req.seq, t);
    stop_queue(req.qp);
    return;
  }
  qm::Cqe cqe = qm::make_cqe(req.slot, req.qp, cq.phase);
  if (!ring.write(cq.base + uint64_t{cq.tail} * qm::kCqeSize, &cqe, sizeof cqe, t))
    error("cqe_write_fault", {tf("qp", req.qp), tf("index", cq.tail)}, t);
  if (env_.tracing())
    trace("cqe", {tf("qp", req.qp), tf("sq_head", req.slot), tf("phase", cq.phase ? 1 : 0)}, t);
  env_.trace().flow(trace_flow_id(req.seq));
  cqes_.inc();
  cq.tail = ring_next(cq.tail, cq.depth);
  if (cq.tail == 0) cq.phase = !cq.phase;

  const sc_time now = sc_core::sc_time_stamp();
  SqeRecord& r = req.record;
  r.cqe_written = now + t;
  fetch_ns_.add(to_ns(r.fetched - r.doorbell_seen));
  translation_ns_.add(to_ns(req.translation));
  engine_ns_.add(to_ns(r.engine_done - r.fetched));
  writeback_ns_.add(to_ns(r.cqe_written - r.engine_done));

  if (req.error) post_aeqe(req.qp, qm::kAeqCqeError, req.seq, t);
  if (cq.irq_armed) {
    if (!params_.coalescing()) {
      signal_cq(cqn, req.seq, t);
    } else {
      ++cq.coalesce_pending;
      if (params_.irq_coalesce_count > 0 && cq.coalesce_pending >= params_.irq_coalesce_count) {
        signal_cq(cqn, req.seq, t);
      } else if (cq.coalesce_pending == 1 && params_.irq_coalesce_time_ns > 0) {
        cq.coalesce_deadline = now + t + ns(params_.irq_coalesce_time_ns);
        coalesce_timers_.emplace(cq.coalesce_deadline, cqn);
        completion_event_.notify(cq.coalesce_deadline - now);
      }
    }
  }
  if (observer_) observer_(r);
}

void Qm::signal_cq(uint16_t cqn, uint64_t tag, sc_time& t) {
  QmCqState& cq = cqs_[cqn];
  cq.irq_armed = false;
  cq.coalesce_pending = 0;
  post_eqe(cqn, tag, t);
}

bool Qm::write_event(QmEventQueueState& q, uint32_t dw0, uint64_t tag, sc_time& t) {
  QmDmaPort ring(dma, ring_attrs(tag));
  const uint32_t entry_size = qm::kEqeSize;
  static_assert(qm::kEqeSize == qm::kAeqeSize);
  if (!ring.write(q.base + uint64_t{q.tail} * entry_size, &dw0, sizeof dw0, t)) {
    error("event_write_fault", {tf_hex("addr", q.base + uint64_t{q.tail} * entry_size)}, t);
    return false;
  }
  q.tail = ring_next(q.tail, q.depth);
  if (q.tail == 0) q.phase = !q.phase;
  return true;
}

void Qm::post_eqe(uint16_t cqn, uint64_t tag, sc_time& t) {
  if (!eq_.valid) {
    trace("eqe_dropped", {tf("cqn", cqn), tf("reason", "no_eqc")}, t);
    return;
  }
  if (ring_next(eq_.tail, eq_.depth) == eq_.head) {
    error("eq_overflow", {tf("cqn", cqn)}, t);
    post_aeqe(0, qm::kAeqEqOverflow, tag, t);
    return;
  }
  const bool phase = eq_.phase;
  if (!write_event(eq_, qm::encode_eqe(cqn, phase), tag, t)) return;
  if (env_.tracing()) trace("eqe", {tf("cqn", cqn), tf("phase", phase ? 1 : 0)}, t);
  eq_.int_source = true;
  if (!eq_.int_masked) send_msi(Vector::kEq, tag, t);
}

void Qm::post_aeqe(uint16_t qid, uint32_t type, uint64_t tag, sc_time& t) {
  note_device_error("aeq_event", t);
  if (!aeq_.valid) {
    trace("aeqe_dropped", {tf("qid", qid), tf("type", type), tf("reason", "no_aeqc")}, t);
    return;
  }
  if (ring_next(aeq_.tail, aeq_.depth) == aeq_.head) {
    error("aeq_overflow", {tf("qid", qid), tf("type", type)}, t);
    return;
  }
  const bool phase = aeq_.phase;
  if (!write_event(aeq_, qm::encode_aeqe(qid, type, phase), tag, t)) return;
  trace("aeqe", {tf("qid", qid), tf("type", type), tf("phase", phase ? 1 : 0)}, t);
  aeq_.int_source = true;
  if (!aeq_.int_masked) send_msi(Vector::kAeq, tag, t);
}

void Qm::send_msi(Vector vector, uint64_t tag, sc_time& t) {
  if (params_.msi_address == 0) return;  // MSI not enabled
  uint32_t data = params_.msi_data + static_cast<uint32_t>(vector);
  IoAttrs attrs = ring_attrs(tag);
  tlm::tlm_response_status status =
      tlm_access(dma, tlm::TLM_WRITE_COMMAND, params_.msi_address, &data, sizeof data, t, &attrs);
  if (status != tlm::TLM_OK_RESPONSE) {
    error("msi_fault", {tf_hex("addr", params_.msi_address)}, t);
    return;
  }
  msis_.inc();
  if (env_.tracing()) {
    trace("msi",
          {tf("vector", static_cast<uint32_t>(vector)), tf_hex("addr", params_.msi_address),
           tf_hex("data", data)},
          t);
  }
}

// ---- Device errors and isolation ------------------------------------------------------------

uint32_t Qm::errors_in_window(const sc_time& now) {
  const sc_time window = ns(params_.isolate_window_ms * 1e6);
  while (!recent_errors_.empty() && recent_errors_.front() + window <= now)
    recent_errors_.pop_front();
  return static_cast<uint32_t>(recent_errors_.size());
}

void Qm::note_device_error(const char* kind, const sc_time& t) {
  const sc_time now = sc_core::sc_time_stamp() + t;
  ++device_errors_total_;
  device_errors_.inc();
  recent_errors_.push_back(now);
  uint32_t in_window = errors_in_window(now);
  if (!isolated_ && params_.isolate_threshold > 0 && in_window >= params_.isolate_threshold) {
    isolated_ = true;
    trace("isolated", {tf("errors", in_window), tf("last", kind)}, t);
  }
}

}  // namespace wdsim
