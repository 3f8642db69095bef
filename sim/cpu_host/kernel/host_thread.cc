#include "sim/cpu_host/kernel/host_thread.h"

#include <cerrno>
#include <memory>
#include <vector>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/simulated_signal.h"

namespace wdsim {

namespace {
constexpr uint64_t kCacheLine = 64;
}

HostThread::HostThread(Kernel& kernel, Process& process, std::string name, CpuScheduler* scheduler)
    : kernel_(kernel), process_(process), name_(std::move(name)) {
  cpu_.attach(scheduler, name_);
  cpu_.set_quantum(ns(kernel_.costs().cpu_quantum_ns));
}

bool HostThread::enter_syscall() {
  // A thread of a process that is exiting or dead does not reach the kernel: the call fails
  // (-ESRCH) rather than throwing, so runtime destructors that close queues stay safe.
  if (!process_.alive() || cpu_.terminated()) return false;
  cpu_.sync();  // the kernel runs at the thread's own time
  // A kill (CpuContext::terminate) takes effect when the call returns, as SIGKILL does on the
  // way back to user space; only the kernel's interruptible sleeps end early (they watch the
  // kernel's signal event).
  cpu_.uninterruptible_begin();
  cpu_.busy(ns(kernel_.costs().syscall_entry_ns));
  return true;
}
void HostThread::exit_syscall() {
  cpu_.busy(ns(kernel_.costs().syscall_exit_ns));
  cpu_.uninterruptible_end();
}

int HostThread::open(const std::string& path) {
  if (!enter_syscall()) return -ESRCH;
  int r = in_kernel<int>([&] { return kernel_.sys_open(process_, cpu_, path); });
  exit_syscall();
  return r;
}

int HostThread::close(int fd) {
  if (!enter_syscall()) return -ESRCH;
  int r = in_kernel<int>([&] { return kernel_.sys_close(process_, cpu_, fd); });
  exit_syscall();
  return r;
}

long HostThread::ioctl(int fd, unsigned long cmd, void* arg) {
  if (!enter_syscall()) return -ESRCH;
  long r = in_kernel<long>([&] { return kernel_.sys_ioctl(process_, cpu_, fd, cmd, arg); });
  exit_syscall();
  return r;
}

long HostThread::read_text(const std::string& path, std::string* out) {
  // open + read + close of a sysfs attribute.
  if (!enter_syscall()) return -ESRCH;
  long r = kernel_.read_sysfs(path, out);
  exit_syscall();
  return r;
}

long HostThread::list_dir(const std::string& path, std::vector<std::string>* names) {
  if (!enter_syscall()) return -ESRCH;
  long r = kernel_.list_sysfs(path, names);
  exit_syscall();
  return r;
}

rt::VirtAddr HostThread::mmap(int fd, size_t len, int prot, uint64_t offset, int* err) {
  if (!enter_syscall()) return (*err = -ESRCH), 0;
  uint64_t va = 0;
  const int r = in_kernel<int>([&] {
    va = kernel_.sys_mmap(process_, cpu_, fd, len, prot, offset, err);
    return 0;
  });
  if (r < 0) *err = r;
  exit_syscall();
  return va;
}

int HostThread::munmap(rt::VirtAddr va, size_t len) {
  if (!enter_syscall()) return -ESRCH;
  int r = in_kernel<int>([&] { return kernel_.sys_munmap(process_, cpu_, va, len); });
  exit_syscall();
  return r;
}

void HostThread::kernel_error(const std::runtime_error& e) {
  kernel_.note_error(name_ + ": system call failed in the kernel: " + e.what());
}

void HostThread::check_alive() const {
  if (process_.alive()) return;
  throw SimulatedSignal(name_ + ": process " + std::to_string(process_.pid()) +
                            " is exiting (SIGKILL in the simulated process)",
                        SIGKILL, 0, name_);
}

void HostThread::load(rt::VirtAddr va, void* dst, size_t len) {
  read_user(va, dst, len);
  cpu_.defer(ns(kernel_.costs().cacheline_access_ns *
                static_cast<double>(align_up(len, kCacheLine) / kCacheLine)));
}

void HostThread::store(rt::VirtAddr va, const void* src, size_t len) {
  write_user(va, src, len);
  cpu_.defer(ns(kernel_.costs().cacheline_access_ns *
                static_cast<double>(align_up(len, kCacheLine) / kCacheLine)));
}

void HostThread::copy(rt::VirtAddr dst, rt::VirtAddr src, size_t len) {
  copy_bytes_.resize(len);
  read_user(src, copy_bytes_.data(), len);
  write_user(dst, copy_bytes_.data(), len);
  cpu_.defer(transfer_time(len, kernel_.costs().copy_gbps));
  kernel_.count_user_copy(len);
}

void HostThread::read_user(rt::VirtAddr va, void* dst, size_t len) {
  check_alive();
  const Vma* vma = process_.find_vma(va);
  // The queue memory a device writes (CQEs, status words): read at the thread's own time.
  if (vma && vma->kind == VmaKind::kDeviceDus) cpu_.sync_for_read();
  if (vma || process_.host_mirror()) {
    kernel_.handle_cpu_fault(process_, cpu_, va, len);
    vma = process_.find_vma(va);  // a host-mirrored process may have one now
  }
  if (!vma || vma->kind == VmaKind::kDeviceMmio || !process_.read(va, dst, len)) {
    check_alive();  // a torn-down process: SIGKILL, not SIGSEGV
    throw SimulatedSignal(name_ + ": load from unmapped address (SIGSEGV in the simulated process)",
                          SIGSEGV, va, name_);
  }
}

void HostThread::write_user(rt::VirtAddr va, const void* src, size_t len) {
  check_alive();
  const Vma* vma = process_.find_vma(va);
  if (vma || process_.host_mirror()) {
    kernel_.handle_cpu_fault(process_, cpu_, va, len);
    vma = process_.find_vma(va);  // a host-mirrored process may have one now
  }
  if (!vma || vma->kind == VmaKind::kDeviceMmio || !process_.write(va, src, len)) {
    check_alive();  // a torn-down process: SIGKILL, not SIGSEGV
    throw SimulatedSignal(name_ + ": store to unmapped address (SIGSEGV in the simulated process)",
                          SIGSEGV, va, name_);
  }
}

uint64_t HostThread::mmio_pa(rt::VirtAddr va, size_t len) {
  check_alive();
  const Vma* vma = process_.find_vma(va);
  auto pa = process_.translate(va);
  if (!vma || vma->kind != VmaKind::kDeviceMmio || !pa ||
      (va & (aarch64::kPageSize4K - 1)) + len > aarch64::kPageSize4K) {
    check_alive();  // a torn-down process: SIGKILL, not SIGSEGV
    throw SimulatedSignal(name_ +
                              ": MMIO access outside a device mapping (SIGSEGV in the "
                              "simulated process)",
                          SIGSEGV, va, name_);
  }
  return *pa;
}

void HostThread::mmio_write64(rt::VirtAddr va, uint64_t value) {
  const uint64_t pa = mmio_pa(va, 8);
  cpu_.sync();  // the device sees the store at the thread's own time
  kernel_.mmio_write64(cpu_, pa, value);
}

uint32_t HostThread::mmio_read32(rt::VirtAddr va) {
  const uint64_t pa = mmio_pa(va, 4);
  cpu_.sync();
  return kernel_.mmio_read32(cpu_, pa);
}

void HostThread::barrier() { cpu_.defer(ns(kernel_.costs().barrier_ns)); }

void HostThread::compute(rt::Picoseconds cost) { cpu_.defer(ps(cost)); }

rt::Picoseconds HostThread::now() { return to_ps(cpu_.local_now()); }

uint64_t HostThread::mmap_anonymous(uint64_t len, bool populate, int* err) {
  if (!enter_syscall()) return (*err = -ESRCH), 0;
  uint64_t va = kernel_.sys_mmap_anonymous(process_, cpu_, len, populate, err);
  exit_syscall();
  return va;
}

int HostThread::mprotect(uint64_t va, uint64_t len, bool writable) {
  if (!enter_syscall()) return -ESRCH;
  int r = kernel_.sys_mprotect(process_, cpu_, va, len, writable);
  exit_syscall();
  return r;
}

int HostThread::pin(uint64_t va, uint64_t len) {
  if (!enter_syscall()) return -ESRCH;
  int r = kernel_.sys_pin(process_, cpu_, va, len);
  exit_syscall();
  return r;
}

Process& HostThread::fork() {
  if (!enter_syscall()) check_alive();  // throws: fork has no error return here
  Process& child = kernel_.fork_process(process_, cpu_);
  exit_syscall();
  return child;
}

bool HostThread::poll_memory(rt::VirtAddr va, size_t len,
                             const std::function<bool(const uint8_t*)>& ready,
                             rt::Picoseconds poll_interval, rt::Picoseconds timeout) {
  if (poll_interval == 0) poll_interval = 1;
  cpu_.sync();
  std::vector<uint8_t> buf(len);
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  const sc_core::sc_time deadline = start + ps(timeout);
  const sc_core::sc_time one_poll = ps(poll_interval);
  // Woken only by writes to the watched bytes when they sit in one page (a CQE, a status
  // word), by every memory write otherwise.
  sc_core::sc_event written;
  std::unique_ptr<PhysicalMemory::WriteWatch> watch;
  const auto pa = process_.translate(va);
  const uint64_t page = process_.granule_size();
  if (pa && len > 0 && (va % page) + len <= page) {
    watch = std::make_unique<PhysicalMemory::WriteWatch>(kernel_.memory(), *pa, len, written);
  }
  const sc_core::sc_event& wake = watch ? written : kernel_.memory().write_event();
  bool ok = false;
  while (true) {
    check_alive();         // killed while polling: SIGKILL
    cpu_.sync_for_read();  // the poll reads at the next poll boundary (deferred below)
    if (!process_.read(va, buf.data(), len)) {
      throw SimulatedSignal(name_ + ": poll of unmapped address", SIGSEGV, va, name_);
    }
    if (ready(buf.data())) {
      ok = true;
      break;
    }
    const sc_core::sc_time now = cpu_.local_now();
    if (now >= deadline) break;
    // Spin until memory is written, the process is signalled or the timeout, then on to the
    // next poll boundary.
    cpu_.spin_wait(wake, kernel_.signal_event(), deadline - now);
    const uint64_t elapsed = to_ps(cpu_.local_now() - start);
    const uint64_t boundary = (elapsed + poll_interval - 1) / poll_interval * poll_interval;
    if (boundary > elapsed) cpu_.defer(ps(boundary - elapsed));
  }
  // The iteration that saw the change costs one poll; the spinning before it was busy too.
  cpu_.defer(one_poll);
  return ok;
}

namespace {
class EventWaitPoint : public rt::OsInterface::WaitPoint {
 public:
  void notify() override { changed.notify(sc_core::SC_ZERO_TIME); }
  sc_core::sc_event changed;
};
}  // namespace

std::unique_ptr<rt::OsInterface::WaitPoint> HostThread::new_wait_point() {
  return std::make_unique<EventWaitPoint>();
}

bool HostThread::spin_until(WaitPoint* point, const std::function<bool()>& ready,
                            rt::Picoseconds poll_interval, rt::Picoseconds timeout,
                            uint64_t* polls) {
  auto* wp = dynamic_cast<EventWaitPoint*>(point);
  if (!wp) return OsInterface::spin_until(point, ready, poll_interval, timeout, polls);
  cpu_.sync();
  const sc_core::sc_time deadline = sc_core::sc_time_stamp() + ps(timeout);
  while (!ready()) {
    check_alive();  // killed while spinning: SIGKILL
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (now >= deadline) return false;
    ++*polls;
    cpu_.spin_wait(wp->changed, kernel_.signal_event(), deadline - now);
  }
  return true;
}

bool HostThread::nanosleep(rt::Picoseconds duration) {
  static sc_core::sc_event never;  // nothing notifies it: the sleep ends by its timeout
  if (!enter_syscall()) return false;
  cpu_.busy(ns(kernel_.costs().sleep_ns));
  cpu_.sleep(never, kernel_.signal_event(), ps(duration));
  cpu_.busy(ns(kernel_.costs().wakeup_ns));
  exit_syscall();
  return true;
}

int HostThread::wait_interrupt(int fd, rt::Picoseconds timeout) {
  if (!enter_syscall()) return -ESRCH;
  int r = kernel_.sys_wait_event(process_, cpu_, fd, ps(timeout));
  exit_syscall();
  return r;
}

}  // namespace wdsim
