#include "runtime/hisi_qm_udrv.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#include "formats/qm/qm_formats.h"

namespace wdsim::rt {

namespace {

// UADK masks the qp number to 10 bits in hacc_db_v2 (QM_DBELL_SQN_MASK).
constexpr uint16_t kUadkDoorbellSqnMask = 0x3ff;
// The kernel writes this to a DUS status word when it stops a faulty queue (qm_disable_qp).
constexpr uint32_t kQueueStoppedValue = 1;
constexpr size_t kStatusWordSize = sizeof(uint32_t);

}  // namespace

Picoseconds ns_to_ps(double ns) {
  if (!(ns > 0)) return 0;
  return static_cast<Picoseconds>(std::llround(ns * 1000.0));
}

bool SimSpinLock::lock(OsInterface& os, Picoseconds spin, Picoseconds give_up,
                       Picoseconds handoff) {
  os.sync_time();  // the test-and-set happens at the caller's own time
  if (!held_) {
    held_ = true;
    return true;
  }
  if (!wait_point_) wait_point_ = os.new_wait_point();
  const Picoseconds start = os.now();
  ++contended_;
  const bool got = os.spin_until(
      wait_point_.get(), [this] { return !held_; }, spin, give_up, &spins_);
  if (got) {
    held_ = true;
    if (handoff > 0) os.compute(handoff);
  }
  wait_ps_ += os.now() - start;
  return got;
}

HisiQmQueue::HisiQmQueue(OsInterface& os, const UserDriverCosts& costs) : os_(&os), costs_(costs) {}

int HisiQmQueue::fd() const { return queue_ ? queue_->fd() : -1; }

bool HisiQmQueue::take_lock(OsInterface& os, SimSpinLock& lock, const char* which) {
  const Picoseconds give_up = ns_to_ps(costs_.sync_timeout_us * 1000.0 * 2);
  if (lock.lock(os, ns_to_ps(costs_.lock_spin_ns), give_up, ns_to_ps(costs_.lock_handoff_ns))) {
    return true;
  }
  fail(-EDEADLK, std::string(which) + " lock held for too long (re-entrant call?)");
  return false;
}

int HisiQmQueue::fail(int err, const std::string& what) {
  last_error_ = what + " (" + std::to_string(err) + ")";
  return err;
}

void HisiQmQueue::charge_ns(OsInterface& os, double ns) {
  Picoseconds ps = ns_to_ps(ns);
  if (ps > 0) os.compute(ps);
}

int HisiQmQueue::attach(const UacceQueue& queue, const HisiQmQueueConfig& config) {
  if (!queue.is_open()) return fail(-EINVAL, "queue is not open");
  const std::string& api = queue.device().api;
  if (api.rfind(kHisiQmApiPrefix, 0) != 0 || api == kHisiQmApiV1) {
    return fail(-ENODEV, queue.device().name + ": api '" + api + "' has no V2 doorbell");
  }
  const HisiQpInfo& info = queue.qp_info();
  if (info.sqe_size == 0 || info.sq_depth < 2 || info.cq_depth < info.sq_depth) {
    return fail(-EINVAL, "bad queue geometry: sqe_size " + std::to_string(info.sqe_size) +
                             " sq_depth " + std::to_string(info.sq_depth) + " cq_depth " +
                             std::to_string(info.cq_depth));
  }
  const uint64_t sq_bytes = uint64_t{info.sqe_size} * info.sq_depth;
  const uint64_t cq_bytes = uint64_t{qm::kCqeSize} * info.cq_depth;
  if (queue.dus_size() < sq_bytes + cq_bytes + 2 * kStatusWordSize) {
    return fail(-EINVAL, "DUS region of " + std::to_string(queue.dus_size()) +
                             " B cannot hold the rings and the status words");
  }
  if (queue.mmio_size() < qm::kDoorbellSqCqOffsetV2 + sizeof(uint64_t)) {
    return fail(-EINVAL, "MMIO region of " + std::to_string(queue.mmio_size()) +
                             " B has no doorbell at 0x1000");
  }
  queue_ = &queue;
  config_ = config;
  sqe_size_ = info.sqe_size;
  sq_depth_ = info.sq_depth;
  cq_depth_ = info.cq_depth;
  qp_id_ = queue.qp_id();
  sq_base_ = queue.dus_base();
  cq_base_ = sq_base_ + sq_bytes;
  // "The last 32 bits of DUS show device or qp statuses" (UADK hisi_qm_setup_info).
  tx_status_va_ = queue.dus_base() + queue.dus_size() - kStatusWordSize;
  rx_status_va_ = tx_status_va_ - kStatusWordSize;
  db_va_ = queue.mmio_base() + qm::kDoorbellSqCqOffsetV2;
  sq_tail_ = 0;
  cq_head_ = 0;
  cq_phase_ = true;
  used_ = 0;
  last_error_.clear();
  return 0;
}

bool HisiQmQueue::queue_stopped(OsInterface& os, VirtAddr status_va) {
  uint32_t word = 0;
  os.load(status_va, &word, sizeof(word));
  return word == kQueueStoppedValue;
}

void HisiQmQueue::ring(OsInterface& os, uint8_t cmd, uint16_t index, uint8_t priority) {
  charge_ns(os, costs_.doorbell_compose_ns);
  qm::Doorbell db;
  db.qn = qp_id_ & kUadkDoorbellSqnMask;
  db.cmd = cmd;
  db.index = index;
  db.priority = priority;
  os.mmio_write64(db_va_, qm::encode_doorbell_v2(db));
  if (cmd == qm::kDbCmdSq) {
    last_sq_doorbell_ps_ = os.now();
    ++sq_doorbells_;
  } else {
    ++cq_doorbells_;
  }
}

int HisiQmQueue::send(OsInterface& os, const void* sqes, uint16_t count, uint16_t* sent) {
  if (!queue_) return fail(-EINVAL, "send on a detached queue");
  if (!sent || (!sqes && count > 0)) return fail(-EINVAL, "send: null argument");
  *sent = 0;
  if (!take_lock(os, send_lock_, "send")) return -EDEADLK;
  int ret = send_locked(os, sqes, count, sent);
  send_lock_.unlock();
  return ret;
}

int HisiQmQueue::send_locked(OsInterface& os, const void* sqes, uint16_t count, uint16_t* sent) {
  charge_ns(os, costs_.send_call_ns);
  if (queue_stopped(os, tx_status_va_)) {
    return fail(-EIO, queue_->device().name + " qp " + std::to_string(qp_id_) +
                          ": hardware error, queue stopped before send (tx status word)");
  }
  if (count == 0) return 0;
  const uint32_t free = free_slots();
  if (free == 0) return fail(-EBUSY, "send: SQ full");
  const uint16_t n = static_cast<uint16_t>(std::min<uint32_t>(count, free));
  const auto* src = static_cast<const uint8_t*>(sqes);
  // Wrap-aware copy (hisi_qm_fill_sqe): up to the ring end, then from slot 0.
  const uint16_t tail = sq_tail_;
  const uint16_t first = static_cast<uint16_t>(std::min<uint32_t>(n, sq_depth_ - tail));
  // The slots are claimed before the copies (which may let other simulated threads run).
  used_ += n;
  sq_tail_ = static_cast<uint16_t>((tail + n) % sq_depth_);
  os.store(sq_base_ + uint64_t{tail} * sqe_size_, src, size_t{first} * sqe_size_);
  if (n > first) {
    os.store(sq_base_, src + size_t{first} * sqe_size_, static_cast<size_t>(n - first) * sqe_size_);
  }
  charge_ns(os, costs_.sqe_ring_ns * n);
  // The SQEs must be visible to the device before the doorbell (wd_iowrite64's wmb).
  os.barrier();
  ring(os, qm::kDbCmdSq, sq_tail_, 0);
  *sent = n;
  return 0;
}

int HisiQmQueue::recv(OsInterface& os, void* sqe_out, uint16_t max, uint16_t* received) {
  if (!queue_) return fail(-EINVAL, "recv on a detached queue");
  if (!received || (!sqe_out && max > 0)) return fail(-EINVAL, "recv: null argument");
  *received = 0;
  if (max == 0) return 0;
  if (!take_lock(os, recv_lock_, "recv")) return -EDEADLK;
  int ret = recv_locked(os, sqe_out, max, received);
  recv_lock_.unlock();
  return ret;
}

int HisiQmQueue::recv_locked(OsInterface& os, void* sqe_out, uint16_t max, uint16_t* received) {
  charge_ns(os, costs_.recv_call_ns);
  if (queue_stopped(os, rx_status_va_)) {
    return fail(-EIO, queue_->device().name + " qp " + std::to_string(qp_id_) +
                          ": hardware error, queue stopped before receive (rx status word)");
  }
  auto* out = static_cast<uint8_t*>(sqe_out);
  uint16_t got = 0;
  int ret = 0;
  while (got < max) {
    qm::Cqe cqe;
    os.load(cq_base_ + uint64_t{cq_head_} * qm::kCqeSize, &cqe, sizeof(cqe));
    if (qm::cqe_phase(cqe) != cq_phase_) break;
    // Read the rest of the completion only after seeing its phase (rmb).
    os.barrier();
    charge_ns(os, costs_.cqe_process_ns);
    if (cqe.sq_head >= sq_depth_) {
      ret = fail(-EIO, "CQE at " + std::to_string(cq_head_) + " names SQ slot " +
                           std::to_string(cqe.sq_head) + " outside depth " +
                           std::to_string(sq_depth_));
      break;
    }
    os.load(sq_base_ + uint64_t{cqe.sq_head} * sqe_size_, out + size_t{got} * sqe_size_, sqe_size_);
    if (cq_head_ == cq_depth_ - 1) {
      cq_phase_ = !cq_phase_;
      cq_head_ = 0;
    } else {
      ++cq_head_;
    }
    ring(os, qm::kDbCmdCq, cq_head_, config_.interrupt_mode ? 1 : 0);
    if (used_ > 0) --used_;
    ++got;
  }
  *received = got;
  if (ret < 0) return ret;
  if (queue_stopped(os, rx_status_va_)) {
    return fail(-EIO, queue_->device().name + " qp " + std::to_string(qp_id_) +
                          ": hardware error, queue stopped during receive (rx status word)");
  }
  if (got == 0) return -EAGAIN;
  return 0;
}

int HisiQmQueue::wait_and_recv(OsInterface& os, void* sqe_out, uint16_t max, uint16_t* received,
                               Picoseconds timeout) {
  if (!queue_) return fail(-EINVAL, "wait on a detached queue");
  const Picoseconds deadline = os.now() + timeout;
  for (;;) {
    int ret = recv(os, sqe_out, max, received);
    if (ret != -EAGAIN) return ret;
    const Picoseconds now = os.now();
    if (now >= deadline) break;
    const Picoseconds remaining = deadline - now;
    if (config_.interrupt_mode) {
      int w = os.wait_interrupt(queue_->fd(), remaining);
      if (w < 0) return fail(w, "waiting for the queue interrupt");
      if (w == 0) break;  // timed out
    } else {
      const bool want_phase = cq_phase_;
      const VirtAddr cqe_va = cq_base_ + uint64_t{cq_head_} * qm::kCqeSize;
      auto ready = [want_phase](const uint8_t* bytes) {
        qm::Cqe cqe;
        std::memcpy(&cqe, bytes, sizeof(cqe));
        return qm::cqe_phase(cqe) == want_phase;
      };
      if (!os.poll_memory(cqe_va, sizeof(qm::Cqe), ready, ns_to_ps(costs_.poll_interval_ns),
                          remaining)) {
        break;
      }
    }
  }
  // A queue the kernel stopped never completes: say so rather than "timed out".
  if (queue_stopped(os, rx_status_va_)) {
    return fail(-EIO, queue_->device().name + " qp " + std::to_string(qp_id_) +
                          ": hardware error, queue stopped while waiting (rx status word)");
  }
  return fail(-ETIMEDOUT, queue_->device().name + " qp " + std::to_string(qp_id_) +
                              ": no completion within " + std::to_string(timeout / 1000000) +
                              " us");
}

}  // namespace wdsim::rt
