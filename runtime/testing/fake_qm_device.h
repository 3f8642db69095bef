// FakeQmDevice: a functional stand-in for a HiSilicon QM behind FakeOs, for runtime tests. It
// decodes V2 doorbells written into a queue's MMIO region (SQ tail at offset 0x1000), and when
// asked (or immediately, in auto-complete mode) consumes SQEs in ring order: a test-supplied
// handler writes the results into the SQE bytes, the SQE is written back to its slot, and a
// CQE naming that slot is written at the CQ tail with the current phase (flipping on wrap).
// It raises the queue's interrupt after a batch of completions when the interrupt is armed
// (armed at start and by a CQ doorbell with priority 1), and can stop a queue the way the
// kernel does after a hardware error (writes 1 to the DUS tx/rx status words).
//
// Geometry comes from the device's SET_QP_INFO answer (FakeUacceDevice::qp_info), as the real
// QM gets it from the SQC/CQC the kernel programs. No timing: completion is instantaneous.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "formats/qm/qm_formats.h"
#include "runtime/testing/fake_os.h"

namespace wdsim::rt::testing {

class FakeQmDevice {
 public:
  // Turns an SQE into its completed form (results written into the bytes).
  using SqeHandler = std::function<void(int fd, uint16_t slot, uint8_t* sqe, uint32_t size)>;

  struct DoorbellEvent {
    int fd;
    uint64_t offset;
    uint64_t raw;
    qm::Doorbell db;
  };

  // Installs itself as os's MMIO handler.
  explicit FakeQmDevice(FakeOs& os);

  void set_sqe_handler(SqeHandler h) { handler_ = std::move(h); }
  // true (default): complete everything on each SQ doorbell. false: wait for complete*().
  void set_auto_complete(bool on) { auto_complete_ = on; }

  // Completes up to `max` pending SQEs of queue `fd` in ring order; returns how many.
  size_t complete(int fd, size_t max = SIZE_MAX);
  // Completes the given SQ slots, in this order (out-of-order completion). Each must be
  // pending; returns how many were completed.
  size_t complete_slots(int fd, const std::vector<uint16_t>& slots);
  // Pending (doorbelled, not completed) SQEs of queue fd.
  uint32_t pending(int fd) const;
  // Writes 1 to the queue's tx and/or rx status word (qm_disable_qp after an AEQ error).
  void stop_queue(int fd, bool tx, bool rx);

  const std::vector<DoorbellEvent>& doorbells() const { return doorbells_; }
  // Doorbells that were malformed: wrong offset, wrong qn, unknown cmd, tail beyond depth.
  uint64_t bad_doorbells() const { return bad_doorbells_; }
  uint64_t completions() const { return completions_; }
  uint64_t interrupts() const { return interrupts_; }

 private:
  struct QueueState {
    bool known = false;
    uint32_t sqe_size = 0;
    uint16_t sq_depth = 0;
    uint16_t cq_depth = 0;
    uint16_t sq_head = 0;  // next SQE the device consumes in order
    uint16_t sq_tail = 0;  // from the last SQ doorbell
    uint16_t cq_tail = 0;
    bool cq_phase = true;
    uint16_t cq_head = 0;  // from the last CQ doorbell
    bool irq_armed = true;
    std::vector<bool> done;  // slots completed out of order, not yet passed by sq_head
  };

  void on_mmio(int fd, uint64_t offset, uint64_t value);
  QueueState* state(int fd);
  void complete_slot(int fd, QueueState& s, uint16_t slot);
  void finish_batch(int fd, QueueState& s, size_t n);

  FakeOs& os_;
  SqeHandler handler_;
  bool auto_complete_ = true;
  std::map<int, QueueState> queues_;
  std::vector<DoorbellEvent> doorbells_;
  uint64_t bad_doorbells_ = 0;
  uint64_t completions_ = 0;
  uint64_t interrupts_ = 0;
};

}  // namespace wdsim::rt::testing
