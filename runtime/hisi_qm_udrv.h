// HisiQmQueue: the HiSilicon QM user-space driver on one started UACCE queue, as Linaro UADK's
// drv/hisi_qm_udrv.c does it: the SQ at the start of the DUS region, the CQ right after
// sqe_size * sq_depth, and the queue status words in the DUS region's last page (tx "stop"
// word = last u32, rx = the u32 before it; the kernel writes 1 there when it disables a
// faulty queue). send() copies a batch of SQEs into the ring (wrap-aware) and rings one SQ
// doorbell (V2 layout at MMIO + 0x1000); recv() takes CQEs whose phase matches, reads each
// response from the SQ slot the CQE names (the hardware writes results into the SQE), advances
// the head (flipping the phase on wrap) and rings the CQ doorbell with priority = interrupt
// re-arm flag (UADK epoll_en). wait_and_recv() busy-polls the next CQE through
// OsInterface::poll_memory (not one iteration at a time) or sleeps on the queue's interrupt.
//
// Several simulated threads may share one queue (UADK async mode: one thread sends, another
// polls): send() and recv() each hold a lock (UADK's sd_lock / rv_lock, see SimSpinLock), and
// every data-path call has an overload taking the calling thread's OsInterface, so CPU time
// and waits land on the thread that makes the call (the one given at construction is the
// default). Does not: use SGL pools, support the V1 doorbell (api hisi_qm_v1 is refused with
// -ENODEV), or doorbell isolation (db at a per-queue page: the kernel model maps the queue's own
// page at MMIO offset 0, so 0x1000 is right). Facts: UADK drv/hisi_qm_udrv.c (hisi_qm_setup_info,
// hisi_qm_send, hisi_qm_recv_single, hacc_db_v2), Linux qm.c (qm_db_v2, DUS layout), FORMATS.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/os_interface.h"
#include "runtime/uacce_queue.h"

namespace wdsim::rt {

// CPU time the user-space driver spends outside memory accesses (those are charged by the OS
// through load/store/barrier/mmio). A plain struct: whoever runs the library fills it (the
// simulator declares it as the `system.runtime.*` parameters, sim/system/runtime_cost_params.h).
// Every default is a guess: no published per-step numbers exist for UADK; they are of the
// order of tens of instructions on a ~2.6 GHz Arm core.
struct UserDriverCosts {
  // ns per send(): argument checks, lock, free-slot arithmetic. Guess (tens of instructions).
  double send_call_ns = 20.0;
  // ns per SQE sent: ring slot arithmetic and copy setup (the copy is charged as stores). Guess.
  double sqe_ring_ns = 3.0;
  // ns per doorbell: composing the 64-bit V2 value (the MMIO write is charged by the OS). Guess.
  double doorbell_compose_ns = 1.0;
  // ns per recv(): lock and queue status word check bookkeeping. Guess.
  double recv_call_ns = 15.0;
  // ns per CQE taken: phase compare, head advance, response copy setup. Guess.
  double cqe_process_ns = 5.0;
  // ns per request in wd_comp: clearing and filling the 128 B ZIP SQE (hisi_comp
  // fill_zip_comp_sqe). Guess.
  double sqe_build_ns = 40.0;
  // ns per response in wd_comp: status, tag and size parsing (hisi_comp parse_zip_sqe). Guess.
  double sqe_parse_ns = 20.0;
  // ns, the busy-poll period while waiting for a CQE (one phase check per period). Guess: one
  // uncontended cache-line re-read plus loop overhead.
  double poll_interval_ns = 50.0;
  // us a synchronous request waits for its completion before -ETIMEDOUT. Guess: UADK polls up
  // to 200M times (~seconds); 1 s of simulated time.
  double sync_timeout_us = 1000000.0;
  // ns, one spin of a contended queue lock (sd_lock/rv_lock/ctx lock) before looking again.
  // Guess: a cache-line round trip between cores plus the pause loop.
  double lock_spin_ns = 50.0;
  // ns, a contended lock changing hands (its cache line moving to the spinning core, charged
  // to the new holder). Guess: one cross-core cache-line transfer on a server SoC, ~50-150 ns.
  double lock_handoff_ns = 100.0;
};

struct HisiQmQueueConfig {
  // Interrupt mode: wait_and_recv() sleeps on the fd and CQ doorbells re-arm the interrupt
  // (priority 1), as UADK with WD_<ALG>_EPOLL_EN. Otherwise it busy-polls, priority 0.
  bool interrupt_mode = false;
};

// A lock for simulated threads. Simulated threads of one simulator run on one OS thread and
// switch only inside OsInterface calls, so testing and setting the flag between two such calls
// is atomic; a contender spins by charging CPU time in slices of `spin` (as pthread_spin_lock
// burns its core) until the holder lets go. lock() gives up with false after `give_up` of
// spinning (a holder that never returns, e.g. a re-entrant call from a callback).
class SimSpinLock {
 public:
  // Takes the lock, spinning (busy, on the caller's core) while another thread holds it, for
  // at most give_up; a contended acquisition then pays `handoff` (the lock's cache line moving
  // to this core). false when it gave up.
  bool lock(OsInterface& os, Picoseconds spin, Picoseconds give_up, Picoseconds handoff = 0);
  void unlock() {
    held_ = false;
    if (wait_point_) wait_point_->notify();
  }
  bool held() const { return held_; }
  uint64_t contended_spins() const { return spins_; }
  uint64_t contended_acquisitions() const { return contended_; }
  // Simulated time callers spent waiting for the lock (spinning plus hand-offs).
  Picoseconds wait_ps() const { return wait_ps_; }

 private:
  bool held_ = false;
  uint64_t spins_ = 0;
  uint64_t contended_ = 0;
  Picoseconds wait_ps_ = 0;
  std::unique_ptr<OsInterface::WaitPoint> wait_point_;
};

class HisiQmQueue {
 public:
  HisiQmQueue(OsInterface& os, const UserDriverCosts& costs);

  // Lays the rings over a started queue (the UacceQueue must outlive this object).
  // -EINVAL when the DUS region cannot hold the rings and the status words, -ENODEV for an
  // api without a V2 doorbell.
  int attach(const UacceQueue& queue, const HisiQmQueueConfig& config);
  bool attached() const { return queue_ != nullptr; }

  // Copies up to `count` SQEs (sqe_size bytes each, back to back) into the SQ and rings one
  // doorbell for them. *sent = how many went in (fewer when the ring has less room).
  // -EBUSY when the ring is full (free = depth - 1 - in flight), -EIO when the queue's tx
  // status word says the kernel stopped it.
  int send(const void* sqes, uint16_t count, uint16_t* sent) {
    return send(*os_, sqes, count, sent);
  }
  int send(OsInterface& os, const void* sqes, uint16_t count, uint16_t* sent);
  // Takes up to `max` completions; their SQEs (read back from the SQ slots named by the CQEs)
  // go to sqe_out back to back. 0 with *received >= 1, -EAGAIN when nothing is ready, -EIO on
  // a stopped queue or a CQE naming a slot outside the SQ.
  int recv(void* sqe_out, uint16_t max, uint16_t* received) {
    return recv(*os_, sqe_out, max, received);
  }
  int recv(OsInterface& os, void* sqe_out, uint16_t max, uint16_t* received);
  // recv(), waiting up to `timeout` for the first completion. -ETIMEDOUT when none came.
  int wait_and_recv(void* sqe_out, uint16_t max, uint16_t* received, Picoseconds timeout) {
    return wait_and_recv(*os_, sqe_out, max, received, timeout);
  }
  int wait_and_recv(OsInterface& os, void* sqe_out, uint16_t max, uint16_t* received,
                    Picoseconds timeout);
  // Whether wait_and_recv sleeps on the interrupt (WD_<ALG>_EPOLL_EN).
  bool interrupt_mode() const { return config_.interrupt_mode; }
  int fd() const;
  const UacceQueue* uacce_queue() const { return queue_; }
  const UserDriverCosts& costs() const { return costs_; }

  // Geometry and state.
  uint32_t sqe_size() const { return sqe_size_; }
  uint16_t sq_depth() const { return sq_depth_; }
  uint16_t cq_depth() const { return cq_depth_; }
  uint16_t qp_id() const { return qp_id_; }
  uint16_t sq_tail() const { return sq_tail_; }
  uint16_t cq_head() const { return cq_head_; }
  bool cq_phase() const { return cq_phase_; }
  uint32_t in_flight() const { return used_; }
  uint32_t free_slots() const { return sq_depth_ - 1u - used_; }
  VirtAddr sq_base() const { return sq_base_; }
  VirtAddr cq_base() const { return cq_base_; }
  VirtAddr doorbell_va() const { return db_va_; }
  VirtAddr tx_status_va() const { return tx_status_va_; }
  VirtAddr rx_status_va() const { return rx_status_va_; }
  // Simulated time of the last SQ doorbell write (for the per-request stage breakdown).
  Picoseconds last_sq_doorbell_ps() const { return last_sq_doorbell_ps_; }
  uint64_t sq_doorbells() const { return sq_doorbells_; }
  uint64_t cq_doorbells() const { return cq_doorbells_; }

  const std::string& last_error() const { return last_error_; }

 private:
  int fail(int err, const std::string& what);
  bool queue_stopped(OsInterface& os, VirtAddr status_va);
  void ring(OsInterface& os, uint8_t cmd, uint16_t index, uint8_t priority);
  void charge_ns(OsInterface& os, double ns);
  bool take_lock(OsInterface& os, SimSpinLock& lock, const char* which);
  int send_locked(OsInterface& os, const void* sqes, uint16_t count, uint16_t* sent);
  int recv_locked(OsInterface& os, void* sqe_out, uint16_t max, uint16_t* received);

  OsInterface* os_;
  UserDriverCosts costs_;
  const UacceQueue* queue_ = nullptr;
  HisiQmQueueConfig config_;
  uint32_t sqe_size_ = 0;
  uint16_t sq_depth_ = 0;
  uint16_t cq_depth_ = 0;
  uint16_t qp_id_ = 0;
  VirtAddr sq_base_ = 0;
  VirtAddr cq_base_ = 0;
  VirtAddr db_va_ = 0;
  VirtAddr tx_status_va_ = 0;
  VirtAddr rx_status_va_ = 0;
  uint16_t sq_tail_ = 0;
  uint16_t cq_head_ = 0;
  bool cq_phase_ = true;
  uint32_t used_ = 0;
  Picoseconds last_sq_doorbell_ps_ = 0;
  uint64_t sq_doorbells_ = 0;
  uint64_t cq_doorbells_ = 0;
  SimSpinLock send_lock_;  // sd_lock
  SimSpinLock recv_lock_;  // rv_lock
  std::string last_error_;
};

// ns -> ps, rounded to nearest.
Picoseconds ns_to_ps(double ns);

}  // namespace wdsim::rt
