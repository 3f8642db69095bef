// OsInterface: everything the WarpDrive runtime needs from the operating system. The runtime
// calls only this, so the same runtime code could sit on a real /dev/uacce; sim/cpu_host/kernel
// implements it for simulated threads, and runtime tests use a fake. No SystemC here.
//
// Memory model: the runtime's own bookkeeping lives in ordinary C++ memory; everything a
// device or the kernel must see (data buffers, the SQ/CQ ring, doorbell pages) lives in the
// calling process's simulated virtual address space and is reached through load/store and
// mmio_* with virtual addresses. ioctl arguments are passed as host pointers, the way a
// syscall passes a user pointer; the kernel model charges copy_from_user/copy_to_user.
//
// Errors follow the kernel convention: a negative errno (-ENOENT, -EBUSY, -ENXIO...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wdsim::rt {

using VirtAddr = uint64_t;
using Picoseconds = uint64_t;

// mmap protection bits (as PROT_READ/PROT_WRITE).
constexpr int kProtRead = 1;
constexpr int kProtWrite = 2;

class OsInterface {
 public:
  virtual ~OsInterface() = default;

  // Files. open() returns an fd >= 0 or -errno.
  virtual int open(const std::string& path) = 0;
  virtual int close(int fd) = 0;
  // Returns >= 0 on success or -errno. `arg` points at the ioctl's argument struct.
  virtual long ioctl(int fd, unsigned long cmd, void* arg) = 0;
  // Reads a sysfs attribute ("/sys/class/uacce/hisi_zip-0/api"); -errno if absent.
  virtual long read_text(const std::string& path, std::string* out) = 0;
  // Lists a directory ("/sys/class/uacce"); -errno if absent.
  virtual long list_dir(const std::string& path, std::vector<std::string>* names) = 0;

  // mmap of a device region (offset = region index * page size, as UADK passes it), or of
  // anonymous memory when fd < 0. Returns the VA, or 0 with *err = -errno.
  virtual VirtAddr mmap(int fd, size_t len, int prot, uint64_t offset, int* err) = 0;
  virtual int munmap(VirtAddr va, size_t len) = 0;

  // Cached memory of the calling process (charged as CPU loads/stores).
  virtual void load(VirtAddr va, void* dst, size_t len) = 0;
  virtual void store(VirtAddr va, const void* src, size_t len) = 0;
  // Uncached device memory through an mmap'ed MMIO region (a posted write; a read that waits).
  virtual void mmio_write64(VirtAddr va, uint64_t value) = 0;
  virtual uint32_t mmio_read32(VirtAddr va) = 0;
  // Memory barriers the queue protocol needs (charged; order is implied in the model).
  virtual void barrier() = 0;

  // CPU work of the calling thread, in picoseconds.
  virtual void compute(Picoseconds cost) = 0;
  virtual Picoseconds now() = 0;
  // Before touching memory other threads use without a system call (a lock word): a
  // simulator that lets a thread's CPU work run ahead of simulated time brings it back here,
  // so the access happens at the thread's own time. A real OS has nothing to do.
  virtual void sync_time() {}

  // Busy-polls [va, va+len) until ready(bytes) is true, checking every poll_interval; the
  // thread is charged as busy the whole time but the model does not simulate each
  // iteration. Returns false on timeout.
  virtual bool poll_memory(VirtAddr va, size_t len,
                           const std::function<bool(const uint8_t*)>& ready,
                           Picoseconds poll_interval, Picoseconds timeout) = 0;
  // Sleeps until the device behind fd raises an interrupt (poll()/epoll on a uacce fd).
  // Returns > 0 when woken by an event, 0 on timeout, -errno on error.
  virtual int wait_interrupt(int fd, Picoseconds timeout) = 0;

  // Spin-waiting on a word other threads of the process change (a lock): the waiter busy-
  // waits holding its core until ready() is true, re-checking when the word's WaitPoint is
  // notified (the releasing thread's store). An OS that offers no wait points (nullptr) is
  // polled every poll_interval by the default spin_until, each poll charged as compute.
  class WaitPoint {
   public:
    virtual ~WaitPoint() = default;
    virtual void notify() = 0;  // the watched word changed
  };
  virtual std::unique_ptr<WaitPoint> new_wait_point() { return nullptr; }
  // Returns false on timeout. *polls counts the checks that found the word not ready.
  virtual bool spin_until(WaitPoint* point, const std::function<bool()>& ready,
                          Picoseconds poll_interval, Picoseconds timeout, uint64_t* polls) {
    (void)point;
    const Picoseconds slice = poll_interval > 0 ? poll_interval : 1;
    Picoseconds spent = 0;
    while (!ready()) {
      if (spent >= timeout) return false;
      compute(slice);
      spent += slice;
      ++*polls;
    }
    return true;
  }
};

}  // namespace wdsim::rt
