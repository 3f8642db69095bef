// The QM's SQE fetch units (qm.h): arbitration between ready queues, batched SQE fetch reads,
// and the hand-off of each SQE to the engine of its queue.
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn for the extra fetch units and dispatch threads
#include <algorithm>
#include <string>

#include "sim/accel/qm/qm.h"
#include "sim/accel/qm/qm_dma_port.h"
#include "sim/accel/qm/qm_inflight.h"
#include "sim/base/timing.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

bool Qm::has_work(uint16_t qp) const {
  const QmSqState& sq = sqs_[qp];
  return queue_started(qp) && !sq.stopping && sq.head != sq.tail;
}

uint32_t Qm::fetch_room() const {
  if (params_.max_in_flight == 0) return params_.fetch_batch_max;
  return total_in_flight_ >= params_.max_in_flight ? 0 : params_.max_in_flight - total_in_flight_;
}

void Qm::mark_ready(uint16_t qp) {
  if (has_work(qp)) arbiter_.mark_ready(qp);
}

void Qm::spawn_extra_threads() {
  for (uint32_t unit = 1; unit < params_.fetch_units; ++unit) {
    std::string name = "fetch_unit_" + std::to_string(unit);
    sc_core::sc_spawn([this] { fetch_loop(); }, name.c_str());
  }
  if (params_.dispatch_threads > 0) retire_order_.resize(params_.num_qps);
  for (uint32_t i = 0; i < params_.dispatch_threads; ++i) {
    std::string name = "dispatch_" + std::to_string(i);
    sc_core::sc_spawn([this] { dispatch_worker(); }, name.c_str());
  }
}

void Qm::dispatch_thread() { fetch_loop(); }

void Qm::fetch_loop() {
  for (;;) {
    while (arbiter_.empty() || fetch_paused_ || fetch_room() == 0) {
      if (fetch_room() == 0) {
        wait(drained_event_);  // a fetched SQE completed: room again
      } else {
        wait(doorbell_event_);
      }
    }
    uint16_t qp = *arbiter_.take();
    if (!has_work(qp)) {
      arbiter_.release(qp, false);
      continue;
    }
    // The tail may have been updated by a doorbell whose (annotated) time is still ahead.
    QmSqState& sq = sqs_[qp];
    sc_time seen = sq.doorbell_time[sq.head];
    if (seen > sc_core::sc_time_stamp()) {
      wait(seen - sc_core::sc_time_stamp());
      if (!has_work(qp) || fetch_paused_) {
        arbiter_.release(qp, has_work(qp));  // a paused queue waits for the flush to end
        continue;
      }
    }
    sc_time fetch_done = fetch_batch(qp);
    // The unit is serial: its next fetch starts after this one's read finished. The queue
    // stays with this unit until then, so its slots are fetched in order.
    wait(fetch_done);
    arbiter_.release(qp, has_work(qp));
    if (params_.fetch_units > 1 && !arbiter_.empty()) {
      doorbell_event_.notify(SC_ZERO_TIME);  // wake the idle units
    }
  }
}

sc_time Qm::fetch_batch(uint16_t qp) {
  QmSqState& sq = sqs_[qp];
  const sc_time now = sc_core::sc_time_stamp();
  // Contiguous slots already rung, not past the ring's end: one read.
  uint32_t count = 1;
  const uint32_t most = std::min(params_.fetch_batch_max, std::max(fetch_room(), 1u));
  while (count < most) {
    uint32_t slot = uint32_t{sq.head} + count;
    if (slot >= sq.depth || slot == sq.tail || sq.doorbell_time[slot] > now) break;
    ++count;
  }
  const uint16_t first = sq.head;
  sc_time t = ns(params_.sqe_fetch_latency_ns);
  // The fetch events' sequence numbers (flows), only with tracing on.
  std::vector<uint64_t> fetch_events(env_.tracing() ? count : 0);
  if (env_.tracing()) {
    for (uint32_t i = 0; i < count; ++i)
      fetch_events[i] = trace("sqe_fetch", {tf("qp", qp), tf("index", first + i)}, t);
    if (count > 1)
      trace("sqe_fetch_batch", {tf("qp", qp), tf("index", first), tf("count", count)}, t);
  }

  std::vector<uint8_t> bytes(size_t{count} * sq.sqe_size, 0);
  QmDmaPort ring(dma, ring_attrs(next_seq_));
  const bool fetch_ok =
      ring.read(sq.base + uint64_t{first} * sq.sqe_size, bytes.data(), bytes.size(), t);
  const sc_time fetch_done = t;
  // A DMA may have waited (an SMMU stall syncs the caller), so read the clock again rather
  // than trusting a time taken before it.
  const sc_time fetched_at = sc_core::sc_time_stamp() + fetch_done;
  fetch_reads_.inc();
  if (!fetch_ok) {
    error("sqe_fetch_fault",
          {tf("qp", qp), tf("index", first), tf("fault", io_fault_name(ring.last_fault()))}, t);
  }

  for (uint32_t i = 0; i < count; ++i) {
    auto req = std::make_unique<InFlight>();
    req->seq = next_seq_++;
    if (env_.tracing()) {
      env_.trace().flow_event(sq.doorbell_event[sq.head], trace_flow_id(req->seq));
      env_.trace().flow_event(fetch_events[i], trace_flow_id(req->seq));
    }
    req->qp = qp;
    req->slot = sq.head;
    req->epoch = sq.epoch;
    req->fetch_ok = fetch_ok;
    req->sqe.assign(bytes.begin() + static_cast<std::ptrdiff_t>(size_t{i} * sq.sqe_size),
                    bytes.begin() + static_cast<std::ptrdiff_t>(size_t{i + 1} * sq.sqe_size));
    req->record.qp = qp;
    req->record.sqe_index = sq.head;
    req->record.doorbell_seen = sq.doorbell_time[sq.head];
    req->record.fetched = fetched_at;
    sq.head = ring_next(sq.head, sq.depth);
    ++sq.in_flight;
    ++total_in_flight_;
    trace_in_flight(qp, fetch_done);
    sqes_.inc();

    if (params_.dispatch_threads > 0) {
      // A dispatch thread runs the engine work from fetched_at; the request retires in queue
      // order once that is done (a failed fetch is done at once).
      req->fetched_at = fetched_at;
      InFlight* r = req.get();
      retire_order_[qp].push_back(std::move(req));
      if (r->fetch_ok) {
        dispatch_fifo_.push_back(r);
        dispatch_event_.notify(SC_ZERO_TIME);
      } else {
        r->error = true;
        r->record.engine_done = fetched_at;
        r->record.error = true;
        r->engine_finished = true;
        retire_in_order(qp);
      }
      continue;
    }
    // Every SQE of the batch reaches its engine when the read finished.
    const sc_time clock = sc_core::sc_time_stamp();
    sc_time te = fetched_at > clock ? fetched_at - clock : sc_core::SC_ZERO_TIME;
    if (!fetch_ok) {
      req->error = true;
    } else {
      run_engine(*req, sq, te);
    }
    const sc_time after = sc_core::sc_time_stamp();
    req->record.engine_done = after + te;
    req->record.error = req->error;

    // Completions retire in order within a queue.
    sc_time ready = std::max(req->record.engine_done, sq.last_ready);
    sq.last_ready = ready;
    completion_event_.notify(ready - after);
    completions_.emplace(std::make_pair(ready, req->seq), std::move(req));
  }
  return fetch_done;
}

void Qm::dispatch_worker() {
  for (;;) {
    while (dispatch_fifo_.empty()) wait(dispatch_event_);
    InFlight* r = dispatch_fifo_.front();
    dispatch_fifo_.pop_front();
    const sc_time clock = sc_core::sc_time_stamp();
    sc_time te = r->fetched_at > clock ? r->fetched_at - clock : SC_ZERO_TIME;
    run_engine(*r, sqs_[r->qp], te);
    r->record.engine_done = sc_core::sc_time_stamp() + te;
    r->record.error = r->error;
    r->engine_finished = true;
    retire_in_order(r->qp);
  }
}

void Qm::retire_in_order(uint16_t qp) {
  auto& order = retire_order_[qp];
  QmSqState& sq = sqs_[qp];
  while (!order.empty() && order.front()->engine_finished) {
    std::unique_ptr<InFlight> req = std::move(order.front());
    order.pop_front();
    const sc_time ready = std::max(req->record.engine_done, sq.last_ready);
    sq.last_ready = ready;
    const sc_time now = sc_core::sc_time_stamp();
    completion_event_.notify(ready > now ? ready - now : SC_ZERO_TIME);
    completions_.emplace(std::make_pair(ready, req->seq), std::move(req));
  }
}

void Qm::run_engine(InFlight& req, QmSqState& sq, sc_time& t) {
  auto engine = engines_.find(sq.alg_type);
  if (engine == engines_.end()) {
    req.error = true;
    error("no_engine", {tf("qp", req.qp), tf("alg_type", sq.alg_type)}, t);
    return;
  }
  IoAttrs data_attrs = ring_attrs(req.seq);
  data_attrs.pasid_valid = sq.pasid_enable;
  data_attrs.pasid = sq.pasid_enable ? sq.pasid : 0;
  QmDmaPort data(dma, data_attrs, ats_.get());
  EngineRequest er;
  er.sqe = req.sqe.data();
  er.sqe_size = req.sqe.size();
  er.qp = req.qp;
  er.sqe_index = req.slot;
  er.dma = &data;
  er.trace_flow = trace_flow_id(req.seq);
  req.record.engine = engine->second->process(er, t);
  req.translation = data.translation_time();
  // The QM's port saw every data DMA, so it knows the translation share even when the
  // engine does not itemise it.
  req.record.engine.translation = req.translation;
  // The engine reports a data DMA fault in its own SQE status; the QM counts it as a device
  // error (isolation).
  if (data.last_fault() != IoFault::kNone) note_device_error("data_dma_fault", t);
}

}  // namespace wdsim
