#include "sim/accel/qm/qm.h"

#include <algorithm>
#include <cstring>

#include "sim/accel/qm/qm_dma_port.h"
#include "sim/base/bits.h"
#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

void QmParams::declare(ParamScope& s) {
  s.add("num_qps", num_qps, 64, "queues",
        "Queue pairs this function owns (ZIP PF 64, SEC PF 256; at most QM_QNUM_V2)",
        "Linux hisi_zip pf_q_num default; QM_QNUM_V2", Range::between(1, qm::kQnumV2));
  s.add("sqe_size_bytes", sqe_size_bytes, 128, "B",
        "Descriptor size the engines parse; an SQC with another size is rejected",
        "Linux zip/sec2 sqe_size", Range::between(16, 4096));
  s.add("use_db_isolation", use_db_isolation, false, "",
        "Doorbell isolation: one 64 KiB doorbell page per queue (QM_QP_DB_INTERVAL)",
        "Linux qm.c QM_SUPPORT_DB_ISOLATION (Kunpeng 930)");
  s.add("db_isolation_base", db_isolation_base, 0x400000, "B",
        "Offset in the mmio space where the isolated doorbell pages start (BAR4 in hardware)",
        "model choice: past the QM and engine registers", Range::min(0x4000));
  s.add("stream_id", stream_id, 0, "", "StreamID of every DMA this function issues",
        "set by the system builder");
  s.add("msi_address", msi_address, 0, "",
        "MSI address for the EQ interrupt; 0 disables MSIs (PCI MSI capability)",
        "set by the system builder");
  s.add("msi_data", msi_data, 0, "", "MSI data for the EQ interrupt (vector 0); AEQ uses +1",
        "set by the system builder");
  s.add("reg_access_latency_ns", reg_access_latency_ns, 30.0, "ns",
        "Register/doorbell access inside the device", "guess", Range::min(0));
  s.add("mailbox_latency_ns", mailbox_latency_ns, 200.0, "ns",
        "Mailbox command processing besides its context DMA", "guess", Range::min(0));
  s.add("sqe_fetch_latency_ns", sqe_fetch_latency_ns, 20.0, "ns",
        "QM pipeline overhead per SQE before its fetch DMA", "guess", Range::min(0));
  s.add("cqe_write_latency_ns", cqe_write_latency_ns, 20.0, "ns",
        "QM pipeline overhead per completion before the SQE/CQE writes", "guess", Range::min(0));
}

struct Qm::InFlight {
  uint64_t seq = 0;
  uint16_t qp = 0;
  uint16_t slot = 0;
  uint32_t epoch = 0;
  bool fetch_ok = false;
  bool error = false;
  std::vector<uint8_t> sqe;
  sc_time translation = SC_ZERO_TIME;
  SqeRecord record;
};

Qm::Qm(sc_core::sc_module_name name, const QmParams& params, SimEnv& env)
    : sc_module(name),
      mmio("mmio"),
      dma("dma"),
      params_(params),
      env_(env),
      sqs_(params.num_qps),
      cqs_(params.num_qps),
      sqes_(env.stats().counter(stat("sqes"), "SQEs fetched")),
      cqes_(env.stats().counter(stat("cqes"), "CQEs written")),
      msis_(env.stats().counter(stat("msis"), "MSIs sent")),
      errors_(env.stats().counter(stat("errors"), "Bad doorbells, mailbox commands, faults")),
      fetch_ns_(
          env.stats().histogram(stat("stage.fetch_ns"), "ns", "Doorbell seen to SQE fetched")),
      translation_ns_(env.stats().histogram(stat("stage.translation_ns"), "ns",
                                            "Engine data DMA time spent translating")),
      engine_ns_(
          env.stats().histogram(stat("stage.engine_ns"), "ns", "SQE fetched to engine done")),
      writeback_ns_(env.stats().histogram(stat("stage.writeback_ns"), "ns",
                                          "Engine done to CQE written (SQE + CQE write-back)")) {
  if (params_.num_qps == 0 || params_.num_qps > qm::kQnumV2)
    throw ConfigError(std::string(name) + ": num_qps must be in 1.." + std::to_string(qm::kQnumV2));
  if ((params_.sqe_size_bytes & (params_.sqe_size_bytes - 1)) != 0)
    throw ConfigError(std::string(name) + ": sqe_size_bytes must be a power of two");
  mmio.register_b_transport(this, &Qm::mmio_b_transport);
  SC_HAS_PROCESS(Qm);
  SC_THREAD(mailbox_thread);
  SC_THREAD(dispatch_thread);
  SC_THREAD(completion_thread);
}

Qm::~Qm() = default;

void Qm::attach_engine(uint8_t alg_type, QmEngine* engine) { engines_[alg_type] = engine; }

void Qm::set_completion_observer(std::function<void(const SqeRecord&)> observer) {
  observer_ = std::move(observer);
}

bool Qm::queue_started(uint16_t qp) const {
  if (qp >= sqs_.size() || !sqs_[qp].valid) return false;
  uint16_t cqn = sqs_[qp].cq_num;
  return cqn < cqs_.size() && cqs_[cqn].valid;
}

IoAttrs Qm::ring_attrs(uint64_t tag) const {
  IoAttrs a;
  a.stream_id = params_.stream_id;
  a.requester_tag = tag;
  return a;
}

void Qm::trace(const char* event, std::vector<TraceField> fields, const sc_time& offset) {
  env_.trace_event(basename(), event, std::move(fields), offset);
}

void Qm::error(const char* what, std::vector<TraceField> fields, const sc_time& offset) {
  errors_.inc();
  trace(what, std::move(fields), offset);
}

// ---- MMIO --------------------------------------------------------------------------------

void Qm::mmio_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  delay += ns(params_.reg_access_latency_ns);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  unsigned len = gp.get_data_length();
  if (gp.get_byte_enable_ptr() != nullptr || gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (gp.is_read()) {
    mmio_read(gp.get_address(), gp.get_data_ptr(), len);
  } else if (gp.is_write()) {
    mmio_write(gp.get_address(), gp.get_data_ptr(), len, delay);
  }
}

void Qm::mmio_read(uint64_t offset, unsigned char* data, unsigned len) {
  std::memset(data, 0, len);
  // Mailbox: the latched bytes, with the busy bit live.
  if (offset >= qm::kMailboxOffset && offset < qm::kMailboxOffset + qm::kMailboxSize) {
    qm::Mailbox view = mailbox_;
    view.w0 = static_cast<uint16_t>(view.w0 & ~(1u << qm::kMbBusyShift));
    if (mailbox_busy_) view.w0 = static_cast<uint16_t>(view.w0 | (1u << qm::kMbBusyShift));
    uint64_t start = offset - qm::kMailboxOffset;
    size_t n = std::min<uint64_t>(len, qm::kMailboxSize - start);
    std::memcpy(data, reinterpret_cast<const unsigned char*>(&view) + start, n);
    return;
  }
  if (len < 4) return;
  uint32_t v = 0;
  switch (offset) {
    case qm::kAeqIntSourceOffset:
      v = aeq_.int_source;
      break;
    case qm::kAeqIntMaskOffset:
      v = aeq_.int_masked;
      break;
    case qm::kEqIntSourceOffset:
      v = eq_.int_source;
      break;
    case qm::kEqIntMaskOffset:
      v = eq_.int_masked;
      break;
    default:
      return;  // unknown registers read as 0
  }
  store_le32(data, v);
}

void Qm::mmio_write(uint64_t offset, const unsigned char* data, unsigned len,
                    const sc_time& delay) {
  if (offset >= qm::kMailboxOffset && offset < qm::kMailboxOffset + qm::kMailboxSize) {
    mailbox_write(offset - qm::kMailboxOffset, data, len, delay);
    return;
  }
  if (len == 8) {
    uint64_t value = load_le64(data);
    if (offset == qm::kDoorbellOffsetV1) {
      doorbell(qm::decode_doorbell_v1(value), delay);
      return;
    }
    if (offset == qm::kDoorbellEqAeqOffsetV2 ||
        (!params_.use_db_isolation && offset == qm::kDoorbellSqCqOffsetV2)) {
      doorbell(qm::decode_doorbell_v2(value), delay);
      return;
    }
    if (params_.use_db_isolation && offset >= params_.db_isolation_base) {
      uint64_t rel = offset - params_.db_isolation_base;
      if (rel % qm::kDoorbellIntervalIsolated == qm::kDoorbellSqCqOffsetV2) {
        // The page says which queue; the qn in the value is not trusted.
        qm::Doorbell db = qm::decode_doorbell_v2(value);
        uint64_t page = rel / qm::kDoorbellIntervalIsolated;
        if (page >= params_.num_qps) {
          error("doorbell_bad_page", {tf_hex("offset", offset)}, delay);
          return;
        }
        db.qn = static_cast<uint16_t>(page);
        if (db.cmd == qm::kDbCmdSq || db.cmd == qm::kDbCmdCq) doorbell(db, delay);
        return;
      }
    }
  }
  if (len >= 4 && offset == qm::kAeqIntMaskOffset) aeq_.int_masked = (load_le32(data) & 1) != 0;
  if (len >= 4 && offset == qm::kEqIntMaskOffset) eq_.int_masked = (load_le32(data) & 1) != 0;
  // Anything else: ignored.
}

// ---- Doorbells ----------------------------------------------------------------------------

void Qm::doorbell(const qm::Doorbell& db, const sc_time& delay) {
  trace("doorbell",
        {tf("qp", db.qn), tf("cmd", db.cmd), tf("index", db.index), tf("prio", db.priority)},
        delay);
  switch (db.cmd) {
    case qm::kDbCmdSq:
      sq_doorbell(db, delay);
      return;
    case qm::kDbCmdCq:
      cq_doorbell(db, delay);
      return;
    case qm::kDbCmdEq:
      event_queue_doorbell(eq_, db);
      return;
    case qm::kDbCmdAeq:
      event_queue_doorbell(aeq_, db);
      return;
    default:
      error("doorbell_bad_cmd", {tf("qp", db.qn), tf("cmd", db.cmd)}, delay);
      return;
  }
}

void Qm::ignore_doorbell(const qm::Doorbell& db, const char* reason, const sc_time& delay) {
  trace("doorbell_ignored", {tf("qp", db.qn), tf("cmd", db.cmd), tf("reason", reason)}, delay);
}

void Qm::sq_doorbell(const qm::Doorbell& db, const sc_time& delay) {
  if (db.qn >= params_.num_qps) {
    error("doorbell_bad_queue", {tf("qp", db.qn)}, delay);
    return;
  }
  if (!queue_started(db.qn)) {
    ignore_doorbell(db, "not_started", delay);
    return;
  }
  QmSqState& sq = sqs_[db.qn];
  if (db.index >= sq.depth) {
    error("doorbell_bad_index", {tf("qp", db.qn), tf("index", db.index)}, delay);
    return;
  }
  sc_time seen = sc_core::sc_time_stamp() + delay;
  for (uint16_t slot = sq.tail; slot != db.index; slot = ring_next(slot, sq.depth))
    sq.doorbell_time[slot] = seen;
  sq.tail = db.index;
  mark_ready(db.qn);
  doorbell_event_.notify(delay);
}

void Qm::cq_doorbell(const qm::Doorbell& db, const sc_time& delay) {
  if (db.qn >= params_.num_qps) {
    error("doorbell_bad_queue", {tf("qp", db.qn)}, delay);
    return;
  }
  QmCqState& cq = cqs_[db.qn];
  if (!cq.valid) {
    ignore_doorbell(db, "not_started", delay);
    return;
  }
  if (db.index >= cq.depth) {
    error("doorbell_bad_index", {tf("qp", db.qn), tf("index", db.index)}, delay);
    return;
  }
  cq.head = db.index;
  if (db.priority == 1) {
    cq.irq_armed = true;
    if (cq.head != cq.tail) {
      // CQEs the host has not read yet: interrupt now rather than lose the wakeup.
      rearmed_.emplace(sc_core::sc_time_stamp() + delay, db.qn);
      completion_event_.notify(delay);
    }
  }
}

void Qm::event_queue_doorbell(QmEventQueueState& q, const qm::Doorbell& db) {
  if (!q.valid || db.index >= q.depth) return;
  q.head = db.index;
  q.int_source = false;  // the doorbell clears the interrupt source
}

// ---- Dispatch -----------------------------------------------------------------------------

void Qm::mark_ready(uint16_t qp) {
  QmSqState& sq = sqs_[qp];
  if (sq.in_ready_list || sq.head == sq.tail) return;
  sq.in_ready_list = true;
  ready_.push_back(qp);
}

void Qm::dispatch_thread() {
  for (;;) {
    while (ready_.empty()) wait(doorbell_event_);
    uint16_t qp = ready_.front();
    ready_.pop_front();
    QmSqState& sq = sqs_[qp];
    sq.in_ready_list = false;
    if (!queue_started(qp) || sq.head == sq.tail) continue;
    // The tail may have been updated by a doorbell whose (annotated) time is still ahead.
    sc_time seen = sq.doorbell_time[sq.head];
    if (seen > sc_core::sc_time_stamp()) {
      wait(seen - sc_core::sc_time_stamp());
      if (!queue_started(qp) || sq.head == sq.tail) continue;
    }
    dispatch_one(qp);
    if (queue_started(qp)) mark_ready(qp);
  }
}

void Qm::dispatch_one(uint16_t qp) {
  QmSqState& sq = sqs_[qp];
  auto req = std::make_unique<InFlight>();
  req->seq = next_seq_++;
  req->qp = qp;
  req->slot = sq.head;
  req->epoch = sq.epoch;
  req->sqe.assign(sq.sqe_size, 0);
  req->record.qp = qp;
  req->record.sqe_index = sq.head;
  req->record.doorbell_seen = sq.doorbell_time[sq.head];
  sq.head = ring_next(sq.head, sq.depth);
  sqes_.inc();

  const sc_time now = sc_core::sc_time_stamp();
  sc_time t = ns(params_.sqe_fetch_latency_ns);
  trace("sqe_fetch", {tf("qp", qp), tf("index", req->slot)}, t);
  QmDmaPort ring(dma, ring_attrs(req->seq));
  req->fetch_ok =
      ring.read(sq.base + uint64_t{req->slot} * sq.sqe_size, req->sqe.data(), req->sqe.size(), t);
  const sc_time fetch_done = t;
  req->record.fetched = now + t;

  auto engine = engines_.find(sq.alg_type);
  if (!req->fetch_ok) {
    req->error = true;
    error("sqe_fetch_fault",
          {tf("qp", qp), tf("index", req->slot), tf("fault", io_fault_name(ring.last_fault()))}, t);
  } else if (engine == engines_.end()) {
    req->error = true;
    error("no_engine", {tf("qp", qp), tf("alg_type", sq.alg_type)}, t);
  } else {
    IoAttrs data_attrs = ring_attrs(req->seq);
    data_attrs.pasid_valid = sq.pasid_enable;
    data_attrs.pasid = sq.pasid_enable ? sq.pasid : 0;
    QmDmaPort data(dma, data_attrs);
    EngineRequest er;
    er.sqe = req->sqe.data();
    er.sqe_size = req->sqe.size();
    er.qp = qp;
    er.sqe_index = req->slot;
    er.dma = &data;
    req->record.engine = engine->second->process(er, t);
    req->translation = data.translation_time();
    // The QM's port saw every data DMA, so it knows the translation share even when the
    // engine does not itemise it.
    req->record.engine.translation = req->translation;
  }
  req->record.engine_done = now + t;
  req->record.error = req->error;

  // Completions retire in order within a queue.
  sc_time ready = std::max(req->record.engine_done, sq.last_ready);
  sq.last_ready = ready;
  completion_event_.notify(ready - now);
  completions_.emplace(std::make_pair(ready, req->seq), std::move(req));

  // The fetch pipeline is serial: the next SQE is fetched after this one.
  wait(fetch_done);
}

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
        cq.irq_armed = false;
        post_eqe(cqn, 0, t);
        wait(t);
      }
      continue;
    }
    if (!completions_.empty() && completions_.begin()->first.first <= now) {
      std::unique_ptr<InFlight> req = std::move(completions_.begin()->second);
      completions_.erase(completions_.begin());
      complete(*req, t);
      wait(t);  // one write-back engine: the next completion starts after this one
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
    if (have_next) {
      wait(next - now, completion_event_);
    } else {
      wait(completion_event_);
    }
  }
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
  trace("cqe", {tf("qp", req.qp), tf("sq_head", req.slot), tf("phase", cq.phase ? 1 : 0)}, t);
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
    cq.irq_armed = false;
    post_eqe(cqn, req.seq, t);
  }
  if (observer_) observer_(r);
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
  trace("eqe", {tf("cqn", cqn), tf("phase", phase ? 1 : 0)}, t);
  eq_.int_source = true;
  if (!eq_.int_masked) send_msi(Vector::kEq, tag, t);
}

void Qm::post_aeqe(uint16_t qid, uint32_t type, uint64_t tag, sc_time& t) {
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
  trace("msi",
        {tf("vector", static_cast<uint32_t>(vector)), tf_hex("addr", params_.msi_address),
         tf_hex("data", data)},
        t);
}

}  // namespace wdsim
