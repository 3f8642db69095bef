#include "sim/cpu_host/kernel/hisi_qm_driver.h"

#include <cstring>
#include <stdexcept>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/base/params.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/kernel.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;
// hisi_qm_uacce_mmap without doorbell isolation: the pages from the BAR start up to and
// including the SQ/CQ doorbell page (QM_DOORBELL_PAGE_NR + QM_DOORBELL_SQ_CQ_BASE_V2 / PAGE).
constexpr uint64_t kSharedDoorbellMmioSize = qm::kDoorbellSqCqOffsetV2 + kPage;

const char* aeq_type_name(uint32_t type) {
  switch (type) {
    case qm::kAeqCqOverflow:
      return "cq_overflow";
    case qm::kAeqEqOverflow:
      return "eq_overflow";
    case qm::kAeqCqeError:
      return "cqe_error";
    default:
      return "unknown";
  }
}
}  // namespace

HisiQmDriver::HisiQmDriver(Kernel& kernel, DmaApi& dma, InterruptController& gic,
                           HisiQmDeviceInfo info)
    : kernel_(kernel),
      dma_(dma),
      gic_(gic),
      info_(std::move(info)),
      stray_eqes_(kernel.env().stats().counter("host.qm_drv.stray_eqes",
                                               "EQEs naming no queue with a completion handler")),
      aeqes_(
          kernel.env().stats().counter("host.qm_drv.aeqes", "AEQ events handled by the QM driver")),
      aeqes_cq_overflow_(kernel.env().stats().counter("host.qm_drv.aeqes.cq_overflow",
                                                      "AEQ events: QM_CQ_OVERFLOW")),
      aeqes_eq_overflow_(kernel.env().stats().counter("host.qm_drv.aeqes.eq_overflow",
                                                      "AEQ events: QM_EQ_OVERFLOW")),
      aeqes_cqe_error_(
          kernel.env().stats().counter("host.qm_drv.aeqes.cqe_error", "AEQ events: QM_CQE_ERROR")),
      aeqes_unknown_(kernel.env().stats().counter("host.qm_drv.aeqes.unknown",
                                                  "AEQ events of a type the driver does not know")),
      stray_aeqes_(kernel.env().stats().counter(
          "host.qm_drv.stray_aeqes", "Queue-error AEQ events naming no started queue of ours")),
      failed_requests_(kernel.env().stats().counter(
          "host.qm_drv.failed_requests", "Kernel-queue requests failed when their queue stopped")),
      disabled_qps_(kernel.env().stats().counter(
          "host.qm_drv.disabled_qps", "Queues disabled after a hardware error (qm_disable_qp)")),
      mailbox_timeouts_(kernel.env().stats().counter(
          "host.qm_drv.mailbox_timeouts",
          "Mailbox commands whose busy bit stayed set past host.mailbox_timeout_us")),
      stop_failures_(kernel.env().stats().counter(
          "host.qm_drv.stop_failures",
          "Queues whose STOP_QP timed out (left allocated, not reused)")) {
  for (uint32_t i = 0; i < info_.num_qps; ++i) {
    qps_.push_back(std::make_unique<Qp>());
    qps_.back()->id = static_cast<uint16_t>(i);
    send_locks_.push_back(std::make_unique<SpinLock>());
  }
  qp_used_.assign(info_.num_qps, false);
}

void HisiQmDriver::probe(CpuContext& cpu) {
  eq_ = dma_.alloc_coherent(cpu, uint64_t{info_.eq_depth} * qm::kEqeSize);
  aeq_ = dma_.alloc_coherent(cpu, uint64_t{info_.aeq_depth} * qm::kAeqeSize);
  ctx_buf_ = dma_.alloc_coherent(cpu, kPage);
  qm::Eqc eqc = qm::make_eqc(eq_.iova, info_.eq_depth);
  mailbox_ctx(cpu, qm::kMbCmdEqc, &eqc, sizeof eqc, 0);
  qm::Aeqc aeqc = qm::make_eqc(aeq_.iova, info_.aeq_depth);
  mailbox_ctx(cpu, qm::kMbCmdAeqc, &aeqc, sizeof aeqc, 0);
  gic_.set_handler(info_.eq_msi_vector, [this](CpuContext& c) { eq_irq(c); });
  gic_.set_handler(info_.eq_msi_vector + qm::kAeqIrqVector, [this](CpuContext& c) { aeq_irq(c); });
  kernel_.env().trace_event("host.qm_drv", "probe", {tf("dev", info_.name)});
}

void HisiQmDriver::lock_mailbox(CpuContext& cpu) {
  while (mailbox_locked_) cpu.sleep(mailbox_unlocked_);  // mutex_lock: sleeps
  mailbox_locked_ = true;
}

void HisiQmDriver::unlock_mailbox() {
  mailbox_locked_ = false;
  mailbox_unlocked_.notify(sc_core::SC_ZERO_TIME);
}

void HisiQmDriver::mailbox(CpuContext& cpu, uint8_t cmd, uint64_t base, uint16_t queue) {
  // A command, once started, runs to the end even if the thread is killed meanwhile: a
  // half-done handshake would leave the mailbox busy for the next user.
  CpuContext::Uninterruptible whole(cpu);
  MailboxLock lock(*this, cpu);  // released however the command ends (a dead device throws)
  mailbox_locked(cpu, cmd, base, queue);
}

void HisiQmDriver::mailbox_ctx(CpuContext& cpu, uint8_t cmd, const void* ctx, size_t len,
                               uint16_t queue) {
  CpuContext::Uninterruptible whole(cpu);
  MailboxLock lock(*this, cpu);
  kernel_.kernel_write(cpu, ctx_buf_.pa, ctx, len);
  mailbox_locked(cpu, cmd, ctx_buf_.iova, queue);
}

bool HisiQmDriver::wait_mailbox_ready(CpuContext& cpu) {
  // qm_wait_mb_ready: poll the busy bit every cmdq_poll_interval_ns up to mailbox_timeout_us.
  const sc_core::sc_time start = cpu.local_now();
  const sc_core::sc_time timeout = ns(kernel_.costs().mailbox_timeout_us * 1e3);
  while (true) {
    const uint32_t w0 = kernel_.mmio_read32(cpu, info_.bar_pa + qm::kMailboxOffset);
    if (!qm::mailbox_busy(static_cast<uint16_t>(w0))) return true;
    if (cpu.local_now() - start >= timeout) return false;
    cpu.busy(ns(kernel_.costs().cmdq_poll_interval_ns));
  }
}

void HisiQmDriver::mailbox_locked(CpuContext& cpu, uint8_t cmd, uint64_t base, uint16_t queue,
                                  bool op_read) {
  // qm_mb_nolock checks the mailbox is free before writing it; a device that always answered
  // in time is known to be free, so the check is only made after a command timed out.
  if (mailbox_timed_out_) {
    if (!wait_mailbox_ready(cpu)) {
      throw MailboxTimeout(info_.name + ": mailbox command " + std::to_string(cmd) + " for queue " +
                           std::to_string(queue) +
                           ": the mailbox is still busy with an earlier command (-EBUSY)");
    }
    mailbox_timed_out_ = false;
  }
  qm::Mailbox mb = qm::make_mailbox(cmd, base, queue, op_read);
  // A 128-bit store (qm_mb_write), then wait for the busy bit to clear (qm_wait_mb_ready).
  kernel_.mmio_write(cpu, info_.bar_pa + qm::kMailboxOffset, &mb, sizeof mb);
  if (wait_mailbox_ready(cpu)) return;
  mailbox_timed_out_ = true;
  mailbox_timeouts_.inc();
  kernel_.env().trace_event("host.qm_drv", "mailbox_timeout", {tf("cmd", cmd), tf("qp", queue)});
  throw MailboxTimeout(
      info_.name + ": mailbox command " + std::to_string(cmd) + " for queue " +
      std::to_string(queue) + " still busy after " +
      ParamScope::double_text(kernel_.costs().mailbox_timeout_us) +
      " us (host.mailbox_timeout_us)" +
      (cmd == qm::kMbCmdStopQp ? ": the queue's requests in the device did not finish" : ""));
}

uint32_t HisiQmDriver::available_qps() const {
  uint32_t n = 0;
  for (bool used : qp_used_) n += used ? 0 : 1;
  return n;
}

HisiQmDriver::Qp* HisiQmDriver::alloc_qp(uint8_t alg_type) {
  for (uint32_t i = 0; i < info_.num_qps; ++i) {
    if (!qp_used_[i]) {
      qp_used_[i] = true;
      Qp& qp = *qps_[i];
      qp = Qp{};
      qp.id = static_cast<uint16_t>(i);
      qp.alg_type = alg_type;
      return &qp;
    }
  }
  return nullptr;
}

HisiQmDriver::Qp* HisiQmDriver::alloc_qp_id(uint16_t id, uint8_t alg_type) {
  if (id >= info_.num_qps || qp_used_[id]) return nullptr;
  qp_used_[id] = true;
  Qp& qp = *qps_[id];
  qp = Qp{};
  qp.id = id;
  qp.alg_type = alg_type;
  return &qp;
}

void HisiQmDriver::read_qp_ctx(CpuContext& cpu, uint8_t cmd, uint16_t qn, void* out, size_t len) {
  CpuContext::Uninterruptible whole(cpu);
  MailboxLock lock(*this, cpu);
  mailbox_locked(cpu, cmd, ctx_buf_.iova, qn, /*op_read=*/true);
  kernel_.kernel_read(cpu, ctx_buf_.pa, out, len);
}

void HisiQmDriver::restore_qp(CpuContext& cpu, Qp& qp, const qm::Sqc& sqc, const qm::Cqc& cqc) {
  mailbox_ctx(cpu, qm::kMbCmdSqc, &sqc, sizeof sqc, qp.id);
  mailbox_ctx(cpu, qm::kMbCmdCqc, &cqc, sizeof cqc, qp.id);
  qp.started = true;
  qp.disabled = false;
  kernel_.env().trace_event(
      "host.qm_drv", "restore_qp",
      {tf("qp", qp.id), tf("sq_head", sqc.head), tf("cq_head", cqc.head), tf("cq_tail", cqc.tail)});
}

uint64_t HisiQmDriver::ring_size(bool with_status_page) const {
  // The uacce DUS size formula: (PAGE_SIZE - 1 + sqe_size*sq_depth + 16*cq_depth + PAGE_SIZE)
  // >> PAGE_SHIFT pages, the last page holding the status words.
  uint64_t bytes =
      uint64_t{info_.sqe_size} * info_.sq_depth + uint64_t{qm::kCqeSize} * info_.sq_depth;
  if (with_status_page) return ((kPage - 1 + bytes + kPage) / kPage) * kPage;
  return align_up(bytes, kPage);
}

void HisiQmDriver::alloc_ring(CpuContext& cpu, Qp& qp, bool with_status_page) {
  qp.ring = dma_.alloc_coherent(cpu, ring_size(with_status_page));
  qp.sq_offset = 0;
  qp.cq_offset = uint64_t{info_.sqe_size} * info_.sq_depth;
  qp.user_queue = with_status_page;
}

void HisiQmDriver::start_qp(CpuContext& cpu, Qp& qp, uint32_t pasid, bool pasid_enabled,
                            uint8_t priority) {
  qp.pasid = pasid;
  qp.pasid_enabled = pasid_enabled;
  qp.sq_tail = 0;
  qp.cq_head = 0;
  qp.cq_phase = true;
  qm::Sqc sqc =
      qm::make_sqc_v2(qp.ring.iova + qp.sq_offset, info_.sq_depth, info_.sqe_size,
                      static_cast<uint16_t>(pasid), pasid_enabled, qp.id, qp.alg_type, priority);
  mailbox_ctx(cpu, qm::kMbCmdSqc, &sqc, sizeof sqc, qp.id);
  qm::Cqc cqc = qm::make_cqc_v2(qp.ring.iova + qp.cq_offset, info_.sq_depth,
                                static_cast<uint16_t>(pasid), pasid_enabled);
  mailbox_ctx(cpu, qm::kMbCmdCqc, &cqc, sizeof cqc, qp.id);
  qp.started = true;
  qp.disabled = false;
  kernel_.env().trace_event("host.qm_drv", "start_qp",
                            {tf("qp", qp.id), tf("pasid", pasid), tf("alg", qp.alg_type)});
}

bool HisiQmDriver::stop_qp(CpuContext& cpu, Qp& qp) {
  if (!qp.started) return true;
  qp.started = false;
  // hisi_qm_stop_qp: the STOP_QP mailbox command; busy until the queue drained. A queue that
  // does not drain is logged and left (qm_stop_qp_nolock: "Failed to drain out data"), as the
  // release path that stops it cannot fail.
  try {
    mailbox(cpu, qm::kMbCmdStopQp, 0, qp.id);
    return true;
  } catch (const MailboxTimeout& e) {
    qp.stop_failed = true;
    stop_failures_.inc();
    kernel_.env().trace_event("host.qm_drv", "stop_qp_failed", {tf("qp", qp.id)});
    if (last_error_.empty()) last_error_ = e.what();
    kernel_.note_error(e.what());
    return false;
  }
}

void HisiQmDriver::free_ring(CpuContext& cpu, DmaApi::Coherent& ring) {
  if (ring.size) dma_.free_coherent(cpu, ring);
  ring = {};
}

void HisiQmDriver::release_qp(CpuContext& cpu, Qp* qp) {
  if (!qp) return;
  stop_qp(cpu, *qp);
  qp->on_event = nullptr;
  qp->on_fail = nullptr;
  qp->slot_busy = nullptr;
  // A queue the device did not stop may still write its ring: the ring stays allocated and
  // the queue is not handed out again (Linux keeps every queue's memory for the device's life).
  if (qp->stop_failed) return;
  if (qp->ring.size) dma_.free_coherent(cpu, qp->ring);
  qp->ring = {};
  qp_used_[qp->id] = false;
}

uint64_t HisiQmDriver::doorbell_pa(uint16_t qn, uint8_t cmd) const {
  // qm_db_v2: SQ/CQ at db_io_base + qn * db_interval + 0x1000, EQ/AEQ at io_base + 0x2000.
  const bool per_queue = cmd == qm::kDbCmdSq || cmd == qm::kDbCmdCq;
  if (!info_.use_db_isolation || !per_queue) {
    return info_.bar_pa + qm::doorbell_offset_v2(qn, cmd, qm::kDoorbellIntervalShared);
  }
  return info_.bar_pa + info_.db_isolation_base +
         qm::doorbell_offset_v2(qn, cmd, qm::kDoorbellIntervalIsolated);
}

uint64_t HisiQmDriver::qp_mmio_pa(uint16_t qn) const {
  if (!info_.use_db_isolation) return info_.bar_pa;
  return info_.bar_pa + info_.db_isolation_base + uint64_t{qn} * qm::kDoorbellIntervalIsolated;
}

uint64_t HisiQmDriver::qp_mmio_size() const {
  return info_.use_db_isolation ? qm::kDoorbellIntervalIsolated : kSharedDoorbellMmioSize;
}

bool HisiQmDriver::read_isolated(CpuContext& cpu) {
  if (info_.isolate_threshold == 0) return false;
  return (kernel_.mmio_read32(cpu, info_.bar_pa + qm::kModelIsolatedOffset) & 1) != 0;
}

void HisiQmDriver::ring_sq_doorbell(CpuContext& cpu, const Qp& qp, uint16_t tail) {
  qm::Doorbell db{qp.id, qm::kDbCmdSq, tail, 0, 0};
  kernel_.mmio_write64(cpu, doorbell_pa(qp.id, qm::kDbCmdSq), qm::encode_doorbell_v2(db));
}

void HisiQmDriver::ring_cq_doorbell(CpuContext& cpu, const Qp& qp, uint16_t head, bool rearm_irq) {
  qm::Doorbell db{qp.id, qm::kDbCmdCq, head, static_cast<uint8_t>(rearm_irq ? 1 : 0), 0};
  kernel_.mmio_write64(cpu, doorbell_pa(qp.id, qm::kDbCmdCq), qm::encode_doorbell_v2(db));
}

bool HisiQmDriver::kernel_send(CpuContext& cpu, Qp& qp, const void* sqe, uint16_t* slot) {
  SpinLockGuard lock(*send_locks_[qp.id], cpu);
  // The kernel tracks used entries by its own tail and the CQ head it has consumed.
  if (qp.disabled || !qp.started) return false;
  const uint32_t depth = info_.sq_depth;
  const uint32_t used = (qp.sq_tail + depth - qp.cq_head) % depth;
  if (used == depth - 1) return false;
  if (qp.slot_busy && qp.slot_busy(qp.sq_tail)) return false;
  const uint16_t at = qp.sq_tail;
  kernel_.kernel_write(cpu, qp.ring.pa + qp.sq_offset + uint64_t{at} * info_.sqe_size, sqe,
                       info_.sqe_size);
  qp.sq_tail = static_cast<uint16_t>((qp.sq_tail + 1) % depth);
  cpu.busy(ns(kernel_.costs().barrier_ns));  // dma_wmb before the doorbell
  ring_sq_doorbell(cpu, qp, qp.sq_tail);
  if (slot) *slot = at;
  return true;
}

std::vector<uint16_t> HisiQmDriver::kernel_poll_cq(CpuContext& cpu, Qp& qp) {
  std::vector<uint16_t> done;
  while (true) {
    qm::Cqe cqe;
    kernel_.kernel_read(cpu, qp.ring.pa + qp.cq_offset + uint64_t{qp.cq_head} * qm::kCqeSize, &cqe,
                        sizeof cqe);
    if (qm::cqe_phase(cqe) != qp.cq_phase) break;
    done.push_back(cqe.sq_head);
    qp.cq_head = static_cast<uint16_t>(qp.cq_head + 1);
    if (qp.cq_head == info_.sq_depth) {
      qp.cq_head = 0;
      qp.cq_phase = !qp.cq_phase;
    }
    ring_cq_doorbell(cpu, qp, qp.cq_head, false);
  }
  if (!done.empty()) ring_cq_doorbell(cpu, qp, qp.cq_head, true);
  return done;
}

void HisiQmDriver::read_sqe(CpuContext& cpu, const Qp& qp, uint16_t index, void* sqe_out) {
  kernel_.kernel_read(cpu, qp.ring.pa + qp.sq_offset + uint64_t{index} * info_.sqe_size, sqe_out,
                      info_.sqe_size);
}

void HisiQmDriver::eq_irq(CpuContext& cpu) {
  // qm_irq -> qm_work_process: consume EQEs while the phase matches.
  bool any = false;
  while (true) {
    uint32_t eqe = 0;
    kernel_.kernel_read(cpu, eq_.pa + uint64_t{eq_head_} * qm::kEqeSize, &eqe, sizeof eqe);
    if (qm::eqe_phase(eqe) != eq_phase_) break;
    any = true;
    const uint16_t cqn = qm::eqe_cqn(eqe);
    cpu.busy(ns(kernel_.costs().irq_handler_ns));
    if (kernel_.env().tracing()) kernel_.env().trace_event("host.qm_drv", "eqe", {tf("cqn", cqn)});
    if (cqn < qps_.size() && qp_used_[cqn] && qps_[cqn]->on_event) {
      qps_[cqn]->on_event(cpu);
    } else {
      stray_eqes_.inc();
    }
    eq_head_ = static_cast<uint16_t>(eq_head_ + 1);
    if (eq_head_ == info_.eq_depth) {
      eq_head_ = 0;
      eq_phase_ = !eq_phase_;
    }
  }
  if (any) {
    qm::Doorbell db{0, qm::kDbCmdEq, eq_head_, 0, 0};
    kernel_.mmio_write64(cpu, doorbell_pa(0, qm::kDbCmdEq), qm::encode_doorbell_v2(db));
  }
}

void HisiQmDriver::aeq_irq(CpuContext& cpu) {
  // qm_aeq_irq -> qm_aeq_thread: consume AEQEs while the phase matches, then one doorbell.
  bool any = false;
  while (true) {
    uint32_t aeqe = 0;
    kernel_.kernel_read(cpu, aeq_.pa + uint64_t{aeq_head_} * qm::kAeqeSize, &aeqe, sizeof aeqe);
    if (qm::aeqe_phase(aeqe) != aeq_phase_) break;
    any = true;
    ++hw_errors_;
    const uint16_t qid = qm::aeqe_qid(aeqe);
    const uint32_t type = qm::aeqe_type(aeqe);
    cpu.busy(ns(kernel_.costs().irq_handler_ns));
    kernel_.env().trace_event("host.qm_drv", "aeqe",
                              {tf("qid", qid), tf("type", aeq_type_name(type))});
    aeqes_.inc();
    aeqes_of_type(type).inc();
    aeq_head_ = static_cast<uint16_t>(aeq_head_ + 1);
    if (aeq_head_ == info_.aeq_depth) {
      aeq_head_ = 0;
      aeq_phase_ = !aeq_phase_;
    }
    if (type == qm::kAeqCqOverflow || type == qm::kAeqCqeError) {
      // qm_disable_qp for the queue the event names (if it is ours and running).
      if (qid < qps_.size() && qp_used_[qid] && qps_[qid]->started) {
        disable_qp(cpu, *qps_[qid]);
      } else {
        stray_aeqes_.inc();
      }
    }
    // QM_EQ_OVERFLOW: Linux only logs it (the function needs a reset, not modelled).
  }
  if (any) {
    qm::Doorbell db{0, qm::kDbCmdAeq, aeq_head_, 0, 0};
    kernel_.mmio_write64(cpu, doorbell_pa(0, qm::kDbCmdAeq), qm::encode_doorbell_v2(db));
  }
}

Counter& HisiQmDriver::aeqes_of_type(uint32_t type) {
  switch (type) {
    case qm::kAeqCqOverflow:
      return aeqes_cq_overflow_;
    case qm::kAeqEqOverflow:
      return aeqes_eq_overflow_;
    case qm::kAeqCqeError:
      return aeqes_cqe_error_;
    default:
      return aeqes_unknown_;
  }
}

void HisiQmDriver::set_qp_disable(CpuContext& cpu, const Qp& qp, uint32_t words_from_end) {
  // qm_set_qp_disable: only user queues have the status words; "*addr = 1; smp_wmb()".
  if (!qp.user_queue || qp.ring.size < uint64_t{words_from_end} * 4) return;
  const uint32_t one = qm::kDusStopValue;
  kernel_.kernel_write(cpu, qp.ring.pa + qm::dus_stop_word_offset(qp.ring.size, words_from_end),
                       &one, sizeof one);
  cpu.busy(ns(kernel_.costs().barrier_ns));
}

void HisiQmDriver::fail_outstanding(CpuContext& cpu, Qp& qp) {
  // Every request the owner has not reaped yet fails (qp_stop_fail_cb -> req_cb), including
  // one whose CQE the device wrote just before the AEQE: the AEQE names only the queue, and
  // the QM posts it before the completion's EQE, so the request that caused a QM_CQE_ERROR is
  // among them. The CQ head moves past them (phase flipping on wrap), so the owner's next
  // poll does not complete them a second time.
  while (qp.cq_head != qp.sq_tail) {
    const uint16_t slot = qp.cq_head;
    qp.cq_head = static_cast<uint16_t>(qp.cq_head + 1);
    if (qp.cq_head == info_.sq_depth) {
      qp.cq_head = 0;
      qp.cq_phase = !qp.cq_phase;
    }
    failed_requests_.inc();
    if (qp.on_fail) qp.on_fail(cpu, slot);
  }
}

void HisiQmDriver::disable_qp(CpuContext& cpu, Qp& qp) {
  if (qp.disabled) return;
  qp.disabled = true;
  kernel_.env().trace_event("host.qm_drv", "disable_qp",
                            {tf("qp", qp.id), tf("user", qp.user_queue ? 1 : 0)});
  disabled_qps_.inc();
  set_qp_disable(cpu, qp, qm::kDusStopTxWordFromEnd);
  stop_qp(cpu, qp);  // hisi_qm_stop_qp
  if (!qp.user_queue) fail_outstanding(cpu, qp);
  set_qp_disable(cpu, qp, qm::kDusStopRxWordFromEnd);
  // uacce_wake_up: a poller sleeping on the queue wakes and finds the stop words.
  if (qp.user_queue && qp.on_event) qp.on_event(cpu);
}

}  // namespace wdsim
