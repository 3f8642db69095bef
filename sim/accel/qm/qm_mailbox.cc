// The QM mailbox (qm.h): the 128-bit command register at 0x300, the command thread, and the
// queue contexts it installs.
#include <algorithm>
#include <cstring>

#include "sim/accel/qm/qm.h"
#include "sim/accel/qm/qm_dma_port.h"
#include "sim/base/timing.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

// ---- Mailbox ------------------------------------------------------------------------------

void Qm::mailbox_write(uint64_t offset, const unsigned char* data, unsigned len,
                       const sc_time& delay) {
  size_t n = std::min<uint64_t>(len, qm::kMailboxSize - offset);
  if (mailbox_busy_) {
    error("mailbox_busy", {}, delay);
    return;
  }
  std::memcpy(reinterpret_cast<unsigned char*>(&mailbox_) + offset, data, n);
  for (size_t i = offset; i < offset + n; ++i) mailbox_bytes_written_ |= uint16_t(1u << i);
  // The command runs once all 16 bytes arrived (one 128-bit store, or two 64-bit ones in any
  // order) with the busy bit set.
  if (mailbox_bytes_written_ != 0xffff) return;
  mailbox_bytes_written_ = 0;
  if (!qm::mailbox_busy(mailbox_.w0)) return;
  mailbox_busy_ = true;
  mailbox_pending_ = mailbox_;
  mailbox_event_.notify(delay);
}

void Qm::mailbox_thread() {
  for (;;) {
    wait(mailbox_event_);
    sc_time t = ns(params_.mailbox_latency_ns);
    execute_mailbox(mailbox_pending_, t);
    wait(t);
    drain_after(mailbox_pending_);
    mailbox_busy_ = false;
  }
}

void Qm::execute_mailbox(const qm::Mailbox& mb, sc_time& t) {
  uint8_t cmd = qm::mailbox_cmd(mb.w0);
  uint16_t qp = mb.queue_num;
  bool read_back = qm::mailbox_op_read(mb.w0);
  uint64_t base = qm::mailbox_base(mb);
  trace("mailbox", {tf("cmd", cmd), tf("qp", qp), tf("op", read_back ? 1 : 0)}, SC_ZERO_TIME);

  bool per_queue = cmd == qm::kMbCmdSqc || cmd == qm::kMbCmdCqc || cmd == qm::kMbCmdStopQp;
  if (per_queue && qp >= params_.num_qps) {
    error("mailbox_bad_queue", {tf("cmd", cmd), tf("qp", qp)}, SC_ZERO_TIME);
    return;
  }
  QmDmaPort port(dma, ring_attrs(0));
  uint8_t ctx[sizeof(qm::Sqc)] = {};
  static_assert(sizeof(qm::Cqc) == sizeof(qm::Sqc) && sizeof(qm::Eqc) <= sizeof(qm::Sqc));
  // The context is as large as the kernel's struct for this command (EQC/AEQC: 28 B).
  const size_t ctx_size =
      (cmd == qm::kMbCmdEqc || cmd == qm::kMbCmdAeqc) ? sizeof(qm::Eqc) : sizeof(qm::Sqc);
  switch (cmd) {
    case qm::kMbCmdSqc:
    case qm::kMbCmdCqc:
    case qm::kMbCmdEqc:
    case qm::kMbCmdAeqc: {
      if (read_back) {
        // op = 1: the device writes its copy of the context to `base`.
        if (cmd == qm::kMbCmdSqc) {
          qm::Sqc s = sqs_[qp].sqc;
          s.head = sqs_[qp].head;
          s.tail = sqs_[qp].tail;
          std::memcpy(ctx, &s, sizeof s);
        } else if (cmd == qm::kMbCmdCqc) {
          qm::Cqc c = cqs_[qp].cqc;
          c.head = cqs_[qp].head;
          c.tail = cqs_[qp].tail;
          // The live phase and interrupt flag, so that a context saved here and installed
          // again resumes the ring where it was.
          c.dw6 = qm::encode_cqc_dw6(cqs_[qp].phase, cqs_[qp].irq_armed);
          std::memcpy(ctx, &c, sizeof c);
        } else {
          const QmEventQueueState& q = cmd == qm::kMbCmdEqc ? eq_ : aeq_;
          qm::Eqc e = q.eqc;
          e.head = q.head;
          e.tail = q.tail;
          std::memcpy(ctx, &e, sizeof e);
        }
        if (!port.write(base, ctx, ctx_size, t))
          error("mailbox_dma_fault", {tf("cmd", cmd), tf_hex("addr", base)}, t);
        return;
      }
      if (!port.read(base, ctx, ctx_size, t)) {
        error("mailbox_dma_fault", {tf("cmd", cmd), tf_hex("addr", base)}, t);
        return;
      }
      if (cmd == qm::kMbCmdSqc) {
        qm::Sqc s;
        std::memcpy(&s, ctx, sizeof s);
        install_sqc(qp, s);
      } else if (cmd == qm::kMbCmdCqc) {
        qm::Cqc c;
        std::memcpy(&c, ctx, sizeof c);
        install_cqc(qp, c);
      } else {
        qm::Eqc e;
        std::memcpy(&e, ctx, sizeof e);
        install_eqc(cmd == qm::kMbCmdEqc ? eq_ : aeq_, e);
      }
      return;
    }
    case qm::kMbCmdStopQp:
      if (sqs_[qp].in_flight == 0) {
        stop_queue(qp);
      } else {
        // No more fetches; the command completes once the fetched SQEs have their CQEs.
        sqs_[qp].stopping = true;
        trace("queue_stopping", {tf("qp", qp), tf("in_flight", sqs_[qp].in_flight)}, t);
      }
      return;
    case qm::kMbCmdFlushQm:
      // Drain the function: no fetches while the command runs; it completes once every
      // fetched SQE has its CQE (Linux qm_drain_qm before stopping queues on V3).
      fetch_paused_ = true;
      trace("flush", {tf("in_flight", total_in_flight_)}, t);
      return;
    case qm::kMbCmdSqcBt:
    case qm::kMbCmdCqcBt:
    case qm::kMbCmdSqcVftV2:
      return;  // accepted; nothing the model keeps
    default:
      error("mailbox_bad_cmd", {tf("cmd", cmd)}, SC_ZERO_TIME);
      return;
  }
}

void Qm::install_sqc(uint16_t qp, const qm::Sqc& sqc) {
  QmSqState& sq = sqs_[qp];
  uint32_t sqe_size = qm::sqc_sqe_size_v2(sqc.dw3);
  if (sqe_size != params_.sqe_size_bytes) {
    error("sqc_bad_sqe_size", {tf("qp", qp), tf("sqe_size", sqe_size)}, SC_ZERO_TIME);
    sq.valid = false;
    ++sq.epoch;
    return;
  }
  sq.valid = true;
  ++sq.epoch;
  sq.sqc = sqc;
  sq.base = qm::qc_base(sqc.base_l, sqc.base_h);
  sq.depth = qm::qc_depth_v2(sqc.dw3);
  sq.sqe_size = sqe_size;
  sq.alg_type = qm::sqc_alg_type(sqc.w13);
  sq.cq_num = sqc.cq_num;
  sq.pasid_enable = qm::sqc_pasid_enabled(sqc.w11);
  sq.pasid = sqc.pasid;
  sq.priority = qm::sqc_priority(sqc.w13);
  sq.stopping = false;
  arbiter_.set_weight(qp, uint32_t{sq.priority} + 1);
  sq.head = static_cast<uint16_t>(sqc.head % sq.depth);
  sq.tail = sq.head;
  sq.last_ready = SC_ZERO_TIME;
  sq.doorbell_time.assign(sq.depth, SC_ZERO_TIME);
  sq.doorbell_event.assign(sq.depth, 0);
}

void Qm::install_cqc(uint16_t qp, const qm::Cqc& cqc) {
  QmCqState& cq = cqs_[qp];
  cq.valid = true;
  cq.cqc = cqc;
  cq.base = qm::qc_base(cqc.base_l, cqc.base_h);
  cq.depth = qm::qc_depth_v2(cqc.dw3);
  cq.head = static_cast<uint16_t>(cqc.head % cq.depth);
  cq.tail = static_cast<uint16_t>(cqc.tail % cq.depth);
  cq.phase = qm::cqc_phase(cqc.dw6);
  cq.irq_armed = qm::cqc_flag(cqc.dw6);
}

void Qm::install_eqc(QmEventQueueState& q, const qm::Eqc& eqc) {
  q.valid = true;
  q.eqc = eqc;
  q.base = qm::qc_base(eqc.base_l, eqc.base_h);
  q.depth = qm::eqc_depth(eqc.dw6);
  q.head = static_cast<uint16_t>(eqc.head % q.depth);
  q.tail = static_cast<uint16_t>(eqc.tail % q.depth);
  q.phase = qm::eqc_phase(eqc.dw6);
  q.int_source = false;
}

void Qm::drain_after(const qm::Mailbox& mb) {
  const uint8_t cmd = qm::mailbox_cmd(mb.w0);
  const uint16_t qp = mb.queue_num;
  if (cmd == qm::kMbCmdStopQp && qp < sqs_.size() && sqs_[qp].stopping) {
    while (sqs_[qp].in_flight > 0) wait(drained_event_);
    if (sqs_[qp].stopping) stop_queue(qp);
  } else if (cmd == qm::kMbCmdFlushQm && fetch_paused_) {
    while (total_in_flight_ > 0) wait(drained_event_);
    fetch_paused_ = false;
    trace("flushed", {}, SC_ZERO_TIME);
    doorbell_event_.notify(SC_ZERO_TIME);  // fetching resumes
  }
}

void Qm::stop_queue(uint16_t qp) {
  sqs_[qp].stopping = false;
  sqs_[qp].valid = false;
  ++sqs_[qp].epoch;
  cqs_[qp].valid = false;
  trace("queue_stopped", {tf("qp", qp)}, SC_ZERO_TIME);
}

}  // namespace wdsim
