// The receive side of a NIC's virtqueue in a process's own memory, as a user-space packet loop
// drives it (program kinds nic_rx and nic_pipeline): the ring and the buffers mapped in the
// process, handed to the driver (VirtioNetRxSetup: it writes the descriptors and enables the
// queue); then waiting for the used index to move (busy-polling it at host.poll_interval_ns,
// or sleeping until the receive MSI), reading each used element after a read barrier
// (virtio_rmb), putting buffers back on the available ring and publishing the available index
// behind a write barrier (virtio_wmb). Every access is the program's own timed load or store.
#pragma once

#include <cstring>
#include <string>

#include "formats/virtio/virtio_net.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/virtio_net_driver.h"
#include "sim/system/program.h"

namespace wdsim {

class UserRxRing {
 public:
  // Maps the ring and `buffers` buffers of `buffer_bytes` (or takes the buffers at `buffers_va`,
  // memory the caller mapped) and sets the queue up on `fd` (the NIC's open device node). Errors
  // are ProgramErrors starting with `who`.
  UserRxRing(ProgramThread& t, int fd, uint16_t queue_size, uint16_t buffers, uint32_t buffer_bytes,
             bool poll, std::string who, uint64_t buffers_va = 0)
      : os_(t.os),
        fd_(fd),
        n_(queue_size),
        nbuf_(buffers),
        buffer_bytes_(buffer_bytes),
        poll_(poll),
        who_(std::move(who)) {
    ring_ = t.map_buffer(RxRingLayout::bytes(n_), true);
    bufs_ = buffers_va ? buffers_va : t.map_buffer(uint64_t{nbuf_} * buffer_bytes_, true);
    VirtioNetRxSetup setup;
    setup.ring_va = ring_;
    setup.buffers_va = bufs_;
    setup.buffer_bytes = buffer_bytes_;
    setup.queue_size = n_;
    setup.buffers = nbuf_;
    setup.flags = poll_ ? kRxSetupPoll : 0;
    if (long r = os_.ioctl(fd_, kVirtioNetRxSetup, &setup); r < 0) {
      throw ProgramError(who_ + ": rx setup: " + std::to_string(r));
    }
    avail_idx_ = nbuf_;
  }

  // The used index as the device last published it.
  uint16_t used_index() {
    uint16_t idx = 0;
    os_.load(used_idx_va(), &idx, 2);
    return idx;
  }
  // Waits for the used index to move past what was consumed; false when none came for idle_ps.
  bool wait(uint64_t poll_ps, uint64_t idle_ps) {
    if (poll_) {
      const uint16_t seen = last_used_;
      auto moved = [seen](const uint8_t* b) {
        uint16_t v;
        std::memcpy(&v, b, 2);
        return v != seen;
      };
      return os_.poll_memory(used_idx_va(), 2, moved, poll_ps, idle_ps);
    }
    const int r = os_.wait_interrupt(fd_, idle_ps);
    if (r < 0) throw ProgramError(who_ + ": wait: " + std::to_string(r));
    return r != 0;
  }
  // Before reading the used elements up to an index just loaded (virtio_rmb).
  void read_barrier() { os_.barrier(); }
  uint16_t consumed() const { return last_used_; }
  // The next used element (the one after the last consumed); consume() moves past it.
  virtio::VirtqUsedElem next_used() {
    virtio::VirtqUsedElem e{};
    os_.load(ring_ + RxRingLayout::used(n_) + virtio::kUsedRingOffset + 8ull * (last_used_ % n_),
             &e, sizeof e);
    return e;
  }
  void consume() { ++last_used_; }
  // The buffer of descriptor `id` (< buffers()).
  uint64_t buffer_va(uint32_t id) const { return bufs_ + uint64_t{id} * buffer_bytes_; }
  uint16_t buffers() const { return nbuf_; }
  // Puts buffer `id` back on the available ring (not yet visible to the device).
  void repost(uint16_t id) {
    os_.store(ring_ + RxRingLayout::avail(n_) + virtio::kAvailRingOffset + 2ull * (avail_idx_ % n_),
              &id, 2);
    ++avail_idx_;
  }
  // Publishes the available index: the ring entries before it (virtio_wmb).
  void publish() {
    os_.barrier();
    os_.store(ring_ + RxRingLayout::avail(n_) + virtio::kAvailIdxOffset, &avail_idx_, 2);
  }

 private:
  uint64_t used_idx_va() const { return ring_ + RxRingLayout::used(n_) + virtio::kUsedIdxOffset; }

  HostThread& os_;
  int fd_;
  uint16_t n_;
  uint16_t nbuf_;
  uint32_t buffer_bytes_;
  bool poll_;
  std::string who_;
  uint64_t ring_ = 0;
  uint64_t bufs_ = 0;
  uint16_t last_used_ = 0;
  uint16_t avail_idx_ = 0;
};

}  // namespace wdsim
