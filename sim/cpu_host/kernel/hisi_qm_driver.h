// The kernel's HiSilicon QM PF driver (Linux drivers/crypto/hisilicon/qm.c), reduced to what
// the simulator needs: at probe it allocates the EQ and AEQ in coherent memory and hands them
// to the device through the mailbox; it allocates queue pairs, starts them by writing SQC and
// CQC through the mailbox (hisi_qm_start_qp, with an optional SQC priority), rings doorbells
// with the V2 layout (with doorbell isolation: the queue's own 64 KiB page, qm_db_v2), and
// handles two interrupts:
//  - EQ (vector msi_data): for each EQE it calls the queue's event callback (uacce wake-up, or
//    the kernel user's completion), then rings the EQ doorbell;
//  - AEQ (vector msi_data + 1, qm_aeq_irq/qm_aeq_thread): it reads AEQEs by phase and, for
//    QM_CQ_OVERFLOW and QM_CQE_ERROR naming a started queue, disables the queue as
//    qm_disable_qp does: a CPU store of 1 into the DUS tx stop word (user queues only,
//    qm_set_qp_disable), STOP_QP through the mailbox (hisi_qm_stop_qp; for a kernel queue the
//    outstanding requests are failed, qp_stop_fail_cb), then the rx stop word; the queue's
//    pollers are woken (uacce_wake_up) so they see the words. Then it rings the AEQ doorbell.
// Stopping a queue (hisi_qm_stop_qp, from uacce PUT_Q/release and from release_qp) drains it,
// as Linux qm_stop_qp_nolock -> qm_drain_qp does: the STOP_QP mailbox command (Kunpeng 930,
// QM_SUPPORT_STOP_QP) stops fetching and completes only when the queue's fetched SQEs have
// their CQEs, so no DMA of the queue is left when it returns (SVA requires that before unbind:
// iommu_sva_unbind_device "the device should not be issuing any more transaction for this
// PASID"). Nothing is aborted: the QM has no abort command short of a function reset; requests
// whose DMA faults (a dead mm's quiet CD, an unmapped buffer) complete with the engine's
// error status. The mailbox context buffer is shared by the function's queues, so it is
// written and its command sent under the mailbox lock (Linux qm_set_and_get_xqc holds
// qm->mailbox_lock around both).
// Device isolation: the model's QM counts device errors itself (qm_formats.h model registers
// 0x3f00/0x3f04/0x3f08); the driver reads the isolation flag by MMIO instead of keeping the
// count as Linux qm_hw_err_isolate does. The threshold (Linux sysfs isolate_strategy) is the
// device's parameter, so it is read-only here.
// Not modelled: SQC/CQC base tables, VFs, EQ overflow recovery and controller reset, RAS
// error registers, the QoS and capability registers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <systemc>
#include <vector>

#include "formats/qm/qm_formats.h"
#include "sim/base/stats.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/kernel/dma_api.h"

namespace wdsim {

class Kernel;
class InterruptController;

// A mailbox command the device did not complete within host.mailbox_timeout_us (qm_mb:
// -EBUSY).
class MailboxTimeout : public std::runtime_error {
 public:
  explicit MailboxTimeout(const std::string& what) : std::runtime_error(what) {}
};

struct HisiQmDeviceInfo {
  std::string name;       // "hisi_zip"
  uint64_t bar_pa = 0;    // register BAR (mailbox, doorbells)
  uint32_t num_qps = 64;  // queue pairs of this function
  uint32_t sq_depth = qm::kSqDepthDefault;
  uint32_t sqe_size = 128;
  uint32_t eq_depth = qm::kEqDepth;
  uint32_t aeq_depth = qm::kAeqDepth;
  uint32_t eq_msi_vector = 0;  // the MSI data the device sends for its EQ; AEQ uses + 1
  // Doorbell isolation (Linux qm->use_db_isolation): each queue's SQ/CQ doorbell is at
  // db_isolation_base + qn * QM_QP_DB_INTERVAL + 0x1000 in the BAR; EQ/AEQ stay at 0x2000.
  bool use_db_isolation = false;
  uint64_t db_isolation_base = 0;
  // The device's isolation threshold (errors per window; 0 = never isolates). Shown as
  // sysfs isolate_strategy; while 0 the driver never reads the isolation register.
  uint32_t isolate_threshold = 0;
};

class HisiQmDriver {
 public:
  struct Qp {
    uint16_t id = 0;
    uint8_t alg_type = 0;
    bool started = false;
    bool stop_failed = false;  // STOP_QP timed out: the device may still use the queue
    uint32_t pasid = 0;
    bool pasid_enabled = false;
    // Ring memory: SQ then CQ; for uacce queues also the status page (the DUS region).
    DmaApi::Coherent ring;
    uint64_t sq_offset = 0;
    uint64_t cq_offset = 0;
    uint16_t sq_tail = 0;
    uint16_t cq_head = 0;
    bool cq_phase = true;
    bool user_queue = false;  // the ring has the status page (a uacce DUS region)
    bool disabled = false;    // stopped by the AEQ handler after a hardware error
    // Called from the interrupt handler (irq core context) for each EQE naming this queue.
    std::function<void(CpuContext&)> on_event;
    // Kernel queues: called for each outstanding SQ slot when the queue is disabled after a
    // hardware error (qp_stop_fail_cb -> req_cb): the request failed.
    std::function<void(CpuContext&, uint16_t slot)> on_fail;
    // Kernel queues: true while the owner still has to read slot's SQE back (the device
    // writes results there), so kernel_send does not reuse it; unset = never.
    std::function<bool(uint16_t slot)> slot_busy;
  };

  HisiQmDriver(Kernel& kernel, DmaApi& dma, InterruptController& gic, HisiQmDeviceInfo info);

  // Probe: EQ/AEQ allocation and mailbox, irq handler registration.
  void probe(CpuContext& cpu);

  const HisiQmDeviceInfo& info() const { return info_; }
  uint32_t available_qps() const;
  // Allocates a free queue pair (lowest id first); nullptr when none is free.
  Qp* alloc_qp(uint8_t alg_type);
  // Allocates queue pair `id` if it is free (a queue re-bound to the number its process rings
  // in its doorbells); nullptr otherwise.
  Qp* alloc_qp_id(uint16_t id, uint8_t alg_type);
  // Kernel-managed queues (docs/kernel_queues.md). read_qp_ctx: the device's copy of queue
  // qn's SQC or CQC (cmd kMbCmdSqc/kMbCmdCqc), read back through the mailbox (op = 1: the
  // device writes it into the context buffer), as Linux qm_set_and_get_xqc does for debugfs.
  // restore_qp: installs saved contexts on `qp` (its ring as it was), so the queue resumes at
  // the saved SQ head, CQ head/tail and phase; the queue counts as started.
  void read_qp_ctx(CpuContext& cpu, uint8_t cmd, uint16_t qn, void* out, size_t len);
  void restore_qp(CpuContext& cpu, Qp& qp, const qm::Sqc& sqc, const qm::Cqc& cqc);
  // Stops the queue if started (stop_qp), frees its ring if it still has one, frees the qp.
  // Never throws for a device that does not answer: a queue that did not stop keeps its ring
  // and is not handed out again.
  void release_qp(CpuContext& cpu, Qp* qp);
  // hisi_qm_stop_qp: STOP_QP through the mailbox, which returns once the device drained the
  // queue (see the header comment). Nothing for a queue not started. False when the mailbox
  // stayed busy past host.mailbox_timeout_us (traced, counted, last_error()); never throws.
  bool stop_qp(CpuContext& cpu, Qp& qp);
  // The first failure to stop a queue ("" if none), for the run's error report.
  const std::string& last_error() const { return last_error_; }
  // Frees ring memory taken from a queue (alloc_ring) that outlived it (a uacce file keeps its
  // DUS ring until its mapping is gone).
  void free_ring(CpuContext& cpu, DmaApi::Coherent& ring);
  // The function's kernel DMA API (its DMA domain: traffic without a PASID).
  DmaApi& dma() { return dma_; }

  // Allocates the queue's ring memory: SQ + CQ (+ a status page when with_status_page).
  void alloc_ring(CpuContext& cpu, Qp& qp, bool with_status_page);
  uint64_t ring_size(bool with_status_page) const;
  // hisi_qm_start_qp: SQC and CQC through the mailbox. `priority` goes to SQC w13[3:0]
  // (Linux writes 0; the model's weighted arbiter uses it).
  void start_qp(CpuContext& cpu, Qp& qp, uint32_t pasid, bool pasid_enabled, uint8_t priority = 0);
  // qm_disable_qp: tx stop word, STOP_QP (failing a kernel queue's outstanding requests), rx
  // stop word, wake the queue's pollers. Does nothing for a queue already disabled.
  void disable_qp(CpuContext& cpu, Qp& qp);

  // Where the CPU writes the SQ/CQ doorbell of queue qn, or the EQ/AEQ doorbell (qm_db_v2).
  uint64_t doorbell_pa(uint16_t qn, uint8_t cmd) const;
  // The uacce MMIO region of queue qn (hisi_qm_uacce_mmap): without doorbell isolation the
  // BAR's first pages up to the SQ/CQ doorbell page, with it the queue's own 64 KiB page.
  uint64_t qp_mmio_pa(uint16_t qn) const;
  uint64_t qp_mmio_size() const;
  // The device's isolation flag (model register 0x3f04), read by MMIO; false without a
  // threshold (a device that never isolates is not read).
  bool read_isolated(CpuContext& cpu);
  // AEQ events handled since probe.
  uint64_t hw_errors() const { return hw_errors_; }

  void ring_sq_doorbell(CpuContext& cpu, const Qp& qp, uint16_t tail);
  void ring_cq_doorbell(CpuContext& cpu, const Qp& qp, uint16_t head, bool rearm_irq);

  // Kernel users of a queue (the syscall path): copy an SQE into the ring and ring the
  // doorbell, under the queue's spinlock (qp->qp_lock), so threads may send on one queue
  // concurrently. Returns false when the ring is full (used == depth - 1) or the next slot is
  // still busy; otherwise the SQ slot used goes to *slot.
  bool kernel_send(CpuContext& cpu, Qp& qp, const void* sqe, uint16_t* slot = nullptr);
  // Reads completed CQEs (phase match) and returns their sq_head slots, advancing the head and
  // ringing the CQ doorbell once per CQE (priority 0) and once more to re-arm (priority 1).
  std::vector<uint16_t> kernel_poll_cq(CpuContext& cpu, Qp& qp);
  // Reads SQE slot `index` back from the ring (the device writes results there).
  void read_sqe(CpuContext& cpu, const Qp& qp, uint16_t index, void* sqe_out);

 private:
  void mailbox(CpuContext& cpu, uint8_t cmd, uint64_t base, uint16_t queue);
  // Writes a context into ctx_buf_ and sends its command, both under the mailbox lock.
  void mailbox_ctx(CpuContext& cpu, uint8_t cmd, const void* ctx, size_t len, uint16_t queue);
  void lock_mailbox(CpuContext& cpu);
  void unlock_mailbox();
  // Holds qm->mailbox_lock for a scope: released however the scope ends (a dead device throws).
  class MailboxLock {
   public:
    MailboxLock(HisiQmDriver& driver, CpuContext& cpu) : driver_(driver) {
      driver_.lock_mailbox(cpu);
    }
    ~MailboxLock() { driver_.unlock_mailbox(); }
    MailboxLock(const MailboxLock&) = delete;
    MailboxLock& operator=(const MailboxLock&) = delete;

   private:
    HisiQmDriver& driver_;
  };
  void mailbox_locked(CpuContext& cpu, uint8_t cmd, uint64_t base, uint16_t queue,
                      bool op_read = false);
  // Polls the mailbox's busy bit up to host.mailbox_timeout_us; false when it stayed set.
  bool wait_mailbox_ready(CpuContext& cpu);
  bool mailbox_timed_out_ = false;  // the last command timed out: check before the next
  void eq_irq(CpuContext& cpu);
  void aeq_irq(CpuContext& cpu);
  void set_qp_disable(CpuContext& cpu, const Qp& qp, uint32_t words_from_end);
  void fail_outstanding(CpuContext& cpu, Qp& qp);
  Counter& aeqes_of_type(uint32_t type);

  Kernel& kernel_;
  DmaApi& dma_;
  InterruptController& gic_;
  HisiQmDeviceInfo info_;
  std::vector<std::unique_ptr<Qp>> qps_;
  std::vector<std::unique_ptr<SpinLock>> send_locks_;  // per queue
  std::vector<bool> qp_used_;
  DmaApi::Coherent eq_;
  DmaApi::Coherent aeq_;
  DmaApi::Coherent ctx_buf_;  // one context's staging buffer for the mailbox
  // qm->mailbox_lock (a mutex: waiters sleep): the AEQ handler's STOP_QP (irq core) and the
  // threads' SQC/CQC commands must not interleave.
  bool mailbox_locked_ = false;
  sc_core::sc_event mailbox_unlocked_;
  uint16_t eq_head_ = 0;
  bool eq_phase_ = true;
  uint16_t aeq_head_ = 0;
  bool aeq_phase_ = true;
  uint64_t hw_errors_ = 0;
  Counter& stray_eqes_;
  Counter& aeqes_;
  Counter& aeqes_cq_overflow_;
  Counter& aeqes_eq_overflow_;
  Counter& aeqes_cqe_error_;
  Counter& aeqes_unknown_;
  Counter& stray_aeqes_;
  Counter& failed_requests_;
  Counter& disabled_qps_;
  Counter& mailbox_timeouts_;
  Counter& stop_failures_;
  std::string last_error_;  // the first queue-stop failure (last_error())
};

}  // namespace wdsim
