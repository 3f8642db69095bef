// A simulated user thread: the OsInterface the WarpDrive runtime runs on. Every call runs in
// the calling SC_THREAD and charges its CPU cost (syscall entry/exit around kernel calls,
// cache-line costs for loads and stores, posted-write cost for MMIO doorbells, busy time
// for polling). Busy-polling is not simulated one iteration at a time: the thread spins
// (CpuContext::spin_wait) until memory is written, then runs on to the next poll boundary,
// charged as busy throughout. Given a CpuScheduler, the thread runs on the scheduler's cores
// (it queues for one, is preempted at slice end, a poller holds its core while it spins, a
// blocking wait_interrupt gives it up); without one it has a core to itself.
// A bad access does not end the simulator: load/store/MMIO/poll of an address the process has
// not mapped throw SimulatedSignal (SIGSEGV, the address). Once the thread's process is exiting
// or dead, its loads, stores, MMIO, polls and fork throw SimulatedSignal (SIGKILL) and its
// system calls return -ESRCH without entering the kernel (not a Linux errno for this: a dead
// thread makes no calls; returning keeps destructors that close queues from throwing while the
// stack unwinds). The system catches the signal per thread. A system call is uninterruptible
// for CpuContext::terminate (the kill takes effect when it returns).
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/os_interface.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/kernel/process.h"
#include "sim/cpu_host/kernel/simulated_signal.h"

namespace wdsim {

class Kernel;

class HostThread : public rt::OsInterface {
 public:
  // With `scheduler`, the thread's CpuContext is attached to it under `name`.
  HostThread(Kernel& kernel, Process& process, std::string name, CpuScheduler* scheduler = nullptr);

  int open(const std::string& path) override;
  int close(int fd) override;
  long ioctl(int fd, unsigned long cmd, void* arg) override;
  long read_text(const std::string& path, std::string* out) override;
  long list_dir(const std::string& path, std::vector<std::string>* names) override;
  rt::VirtAddr mmap(int fd, size_t len, int prot, uint64_t offset, int* err) override;
  int munmap(rt::VirtAddr va, size_t len) override;
  void load(rt::VirtAddr va, void* dst, size_t len) override;
  void store(rt::VirtAddr va, const void* src, size_t len) override;
  // memcpy(dst, src, len) in the process: the bytes a load and a store would move, charged at
  // the core's copy bandwidth (host.copy_gbps, the one copy_from_user uses) rather than per
  // cache line, and counted in host.user_copied_bytes. Overlapping ranges copy as memmove.
  void copy(rt::VirtAddr dst, rt::VirtAddr src, size_t len);
  void mmio_write64(rt::VirtAddr va, uint64_t value) override;
  uint32_t mmio_read32(rt::VirtAddr va) override;
  void barrier() override;
  void compute(rt::Picoseconds cost) override;
  rt::Picoseconds now() override;
  void sync_time() override { cpu_.sync_for_read(); }
  bool poll_memory(rt::VirtAddr va, size_t len, const std::function<bool(const uint8_t*)>& ready,
                   rt::Picoseconds poll_interval, rt::Picoseconds timeout) override;
  int wait_interrupt(int fd, rt::Picoseconds timeout) override;
  // Lock words of the runtime (SimSpinLock): a waiter spins holding its core until the holder's
  // release notifies the word's event (or the process is signalled), not one poll at a time.
  std::unique_ptr<WaitPoint> new_wait_point() override;
  bool spin_until(WaitPoint* point, const std::function<bool()>& ready,
                  rt::Picoseconds poll_interval, rt::Picoseconds timeout, uint64_t* polls) override;

  // Beyond OsInterface (what a simulated application, not the runtime, calls):
  // mmap(MAP_ANONYMOUS) with or without MAP_POPULATE, and mprotect.
  uint64_t mmap_anonymous(uint64_t len, bool populate, int* err);
  int mprotect(uint64_t va, uint64_t len, bool writable);
  int pin(uint64_t va, uint64_t len);
  // nanosleep(): sleeps `duration` (the request plus whatever timer slack the caller adds),
  // charging the switch away (sleep_ns) and the wake-up (wakeup_ns); the core is free
  // meanwhile. A signal to the process ends it early. Returns false if the process is not
  // running.
  bool nanosleep(rt::Picoseconds duration);
  // fork(): the child process (Kernel::fork_process), syscall entry/exit charged here.
  Process& fork();

  CpuContext& cpu() { return cpu_; }
  Process& process() { return process_; }
  const std::string& name() const { return name_; }

 private:
  // load/store without their CPU charge (faults in, checks, moves the bytes).
  void read_user(rt::VirtAddr va, void* dst, size_t len);
  void write_user(rt::VirtAddr va, const void* src, size_t len);
  bool enter_syscall();              // false: the process is not running (no cost charged)
  std::vector<uint8_t> copy_bytes_;  // copy()'s staging, kept between calls
  void exit_syscall();
  // Runs a system call's kernel body: a driver error (std::runtime_error, not a signal) makes
  // the call return -EIO, as a syscall never throws, and is noted for the run's report
  // (Kernel::note_error); so closes from runtime destructors never throw.
  template <class R, class F>
  R in_kernel(F body) {
    try {
      return body();
    } catch (const SimulatedSignal&) {
      throw;
    } catch (const std::runtime_error& e) {
      kernel_error(e);
      return static_cast<R>(-EIO);
    }
  }
  void kernel_error(const std::runtime_error& e);
  // Throws SimulatedSignal(SIGKILL) when the thread's process is no longer running.
  void check_alive() const;
  uint64_t mmio_pa(rt::VirtAddr va, size_t len);

  Kernel& kernel_;
  Process& process_;
  std::string name_;
  CpuContext cpu_;
};

}  // namespace wdsim
