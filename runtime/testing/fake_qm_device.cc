#include "runtime/testing/fake_qm_device.h"

#include <cstring>

namespace wdsim::rt::testing {

FakeQmDevice::FakeQmDevice(FakeOs& os) : os_(os) {
  os_.set_mmio_handler(
      [this](int fd, uint64_t offset, uint64_t value) { on_mmio(fd, offset, value); });
}

FakeQmDevice::QueueState* FakeQmDevice::state(int fd) {
  QueueState& s = queues_[fd];
  if (!s.known) {
    const FakeUacceDevice* dev = os_.device_of(fd);
    if (!dev) return nullptr;
    s.known = true;
    s.sqe_size = dev->qp_info.sqe_size;
    s.sq_depth = dev->qp_info.sq_depth;
    s.cq_depth = dev->qp_info.cq_depth;
    s.done.assign(s.sq_depth, false);
  }
  return &s;
}

void FakeQmDevice::on_mmio(int fd, uint64_t offset, uint64_t value) {
  qm::Doorbell db = qm::decode_doorbell_v2(value);
  doorbells_.push_back(DoorbellEvent{fd, offset, value, db});
  QueueState* s = state(fd);
  FakeQueue* q = os_.queue(fd);
  if (!s || !q || offset != qm::kDoorbellSqCqOffsetV2 || db.qn != (q->qp_id & 0x3ff) ||
      q->state != FakeQueueState::kStarted) {
    ++bad_doorbells_;
    return;
  }
  if (db.cmd == qm::kDbCmdSq) {
    if (db.index >= s->sq_depth) {
      ++bad_doorbells_;
      return;
    }
    s->sq_tail = db.index;
    if (auto_complete_) complete(fd);
  } else if (db.cmd == qm::kDbCmdCq) {
    if (db.index >= s->cq_depth) {
      ++bad_doorbells_;
      return;
    }
    s->cq_head = db.index;
    if (db.priority == 1) s->irq_armed = true;
  } else {
    ++bad_doorbells_;
  }
}

uint32_t FakeQmDevice::pending(int fd) const {
  auto it = queues_.find(fd);
  if (it == queues_.end() || !it->second.known) return 0;
  const QueueState& s = it->second;
  uint32_t n = 0;
  for (uint16_t i = s.sq_head; i != s.sq_tail; i = static_cast<uint16_t>((i + 1) % s.sq_depth)) {
    if (!s.done[i]) ++n;
  }
  return n;
}

void FakeQmDevice::complete_slot(int fd, QueueState& s, uint16_t slot) {
  FakeQueue* q = os_.queue(fd);
  const VirtAddr dus = q->region_va[kUacceQfrtDus];
  const VirtAddr sqe_va = dus + uint64_t{slot} * s.sqe_size;
  std::vector<uint8_t> sqe(s.sqe_size);
  os_.dev_read(sqe_va, sqe.data(), sqe.size());
  if (handler_) handler_(fd, slot, sqe.data(), s.sqe_size);
  os_.dev_write(sqe_va, sqe.data(), sqe.size());
  const VirtAddr cq_base = dus + uint64_t{s.sqe_size} * s.sq_depth;
  qm::Cqe cqe = qm::make_cqe(slot, q->qp_id, s.cq_phase);
  os_.dev_write(cq_base + uint64_t{s.cq_tail} * qm::kCqeSize, &cqe, sizeof(cqe));
  if (++s.cq_tail == s.cq_depth) {
    s.cq_tail = 0;
    s.cq_phase = !s.cq_phase;
  }
  s.done[slot] = true;
  while (s.sq_head != s.sq_tail && s.done[s.sq_head]) {
    s.done[s.sq_head] = false;
    s.sq_head = static_cast<uint16_t>((s.sq_head + 1) % s.sq_depth);
  }
  ++completions_;
}

void FakeQmDevice::finish_batch(int fd, QueueState& s, size_t n) {
  if (n > 0 && s.irq_armed) {
    s.irq_armed = false;
    ++interrupts_;
    os_.raise_interrupt(fd);
  }
}

size_t FakeQmDevice::complete(int fd, size_t max) {
  QueueState* s = state(fd);
  if (!s || !os_.queue(fd)) return 0;
  size_t n = 0;
  uint16_t i = s->sq_head;
  while (n < max && i != s->sq_tail) {
    const uint16_t slot = i;
    i = static_cast<uint16_t>((i + 1) % s->sq_depth);
    if (s->done[slot]) continue;
    complete_slot(fd, *s, slot);
    ++n;
  }
  finish_batch(fd, *s, n);
  return n;
}

size_t FakeQmDevice::complete_slots(int fd, const std::vector<uint16_t>& slots) {
  QueueState* s = state(fd);
  if (!s || !os_.queue(fd)) return 0;
  size_t n = 0;
  for (uint16_t slot : slots) {
    bool is_pending = false;
    for (uint16_t i = s->sq_head; i != s->sq_tail;
         i = static_cast<uint16_t>((i + 1) % s->sq_depth)) {
      if (i == slot) is_pending = !s->done[i];
    }
    if (!is_pending) continue;
    complete_slot(fd, *s, slot);
    ++n;
  }
  finish_batch(fd, *s, n);
  return n;
}

void FakeQmDevice::stop_queue(int fd, bool tx, bool rx) {
  FakeQueue* q = os_.queue(fd);
  if (!q || q->region_va[kUacceQfrtDus] == 0) return;
  const VirtAddr end = q->region_va[kUacceQfrtDus] + q->region_size[kUacceQfrtDus];
  const uint32_t one = 1;
  if (tx) os_.dev_write(end - 4, &one, sizeof(one));
  if (rx) os_.dev_write(end - 8, &one, sizeof(one));
}

}  // namespace wdsim::rt::testing
