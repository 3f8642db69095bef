#include "sim/cpu_host/kernel/kernel.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <stdexcept>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/base/tlm_access.h"
#include "sim/cpu_host/kernel/dma_buf.h"

namespace wdsim {

namespace {
constexpr uint64_t kCacheLine = 64;

sc_core::sc_time lines_cost(size_t len, double per_line_ns) {
  return ns(per_line_ns * static_cast<double>(align_up(len, kCacheLine) / kCacheLine));
}
}  // namespace

Kernel::Kernel(sc_core::sc_module_name name, const HostCostParams& costs, PhysicalMemory& memory,
               FrameAllocator& frames, SimEnv& env)
    : sc_module(name),
      mmio("mmio"),
      costs_(costs),
      memory_(memory),
      frames_(frames),
      env_(env),
      forks_(env.stats().counter("host.kernel.forks", "fork_process calls")),
      fork_pages_copied_(env.stats().counter("host.kernel.fork_pages_copied", "Pages fork copied")),
      cpu_page_faults_(env.stats().counter("host.page_faults.cpu",
                                           "CPU page faults the kernel served (pages faulted in)")),
      pinned_pages_(env.stats().counter("host.pinned_pages", "Pages pinned by sys_pin")),
      copied_bytes_(env.stats().counter("host.kernel.copied_bytes",
                                        "Bytes copy_from_user and copy_to_user moved")),
      user_copied_bytes_(env.stats().counter(
          "host.user_copied_bytes", "Bytes user threads copied with memcpy (HostThread::copy)")) {
  if (costs_.dma_oracle) {
    dma_oracle_ = std::make_unique<DmaOracle>(frames_, env_.stats());
    memory_.set_device_access_observer(dma_oracle_.get());
  }
  dma_heap_ = std::make_unique<DmaHeapDevice>(*this);
}

Kernel::~Kernel() {
  if (dma_oracle_) memory_.set_device_access_observer(nullptr);
}

class Kernel::InKernel {
 public:
  InKernel(Kernel& k, Process& p) : k_(k), pid_(p.pid()) { ++k_.in_kernel_[pid_]; }
  ~InKernel() {
    if (--k_.in_kernel_[pid_] == 0 && k_.exit_waiters_ > 0) {
      k_.left_kernel_.notify(sc_core::SC_ZERO_TIME);
    }
  }
  InKernel(const InKernel&) = delete;
  InKernel& operator=(const InKernel&) = delete;

 private:
  Kernel& k_;
  int pid_;
};

class Kernel::FileCall {
 public:
  FileCall(Kernel& k, std::shared_ptr<OpenFile> f, SyscallContext& ctx)
      : k_(k), f_(std::move(f)), ctx_(ctx) {
    ++f_->active_calls;
  }
  ~FileCall() {
    --f_->active_calls;
    k_.release_if_unused(*f_, ctx_);
  }
  FileCall(const FileCall&) = delete;
  FileCall& operator=(const FileCall&) = delete;
  KernelFile& file() { return *f_->file; }

 private:
  Kernel& k_;
  std::shared_ptr<OpenFile> f_;
  SyscallContext& ctx_;
};

void Kernel::release_if_unused(OpenFile& f, SyscallContext& ctx) {
  if (f.released || f.fd_refs > 0 || f.active_calls > 0) return;
  f.released = true;
  // The last close cannot fail (it also runs from a destructor: FileCall): a driver error
  // during the release is noted and the release goes on.
  try {
    f.file->release(ctx);
  } catch (const std::exception& e) {
    note_error(std::string("release of a file: ") + e.what());
  }
}

void Kernel::note_error(const std::string& what) {
  env_.trace_event("host.kernel", "error");
  if (first_error_.empty()) first_error_ = what;
}

Process& Kernel::create_process(PageGranule granule, HostAddressSpace* mirror) {
  const int pid = next_pid();
  auto process = std::make_unique<Process>(pid, memory_, frames_, granule);
  if (mirror) process->enable_host_mirror(*mirror);
  processes_.push_back(std::move(process));
  ProcessRecord& r = records_[pid];
  r.pid = pid;
  r.created = sc_core::sc_time_stamp();
  env_.trace_event("host.kernel", "process_create", {tf("pid", pid)});
  return *processes_.back();
}

void Kernel::register_device(const std::string& dev_path, CharDevice* device) {
  devices_[dev_path] = device;
}

void Kernel::add_sysfs(const std::string& path, std::function<std::string()> value) {
  sysfs_[path] = std::move(value);
}

std::shared_ptr<Kernel::OpenFile> Kernel::file_of(Process& p, int fd) {
  auto& table = fd_tables_[p.pid()];
  auto it = table.files.find(fd);
  return it == table.files.end() ? nullptr : it->second;
}

int Kernel::file_refs(Process& p, int fd) {
  auto f = file_of(p, fd);
  return f ? f->fd_refs : 0;
}

int Kernel::install_file(Process& p, std::unique_ptr<KernelFile> file) {
  auto& table = fd_tables_[p.pid()];
  const int fd = table.next_fd++;
  auto of = std::make_shared<OpenFile>();
  of->file = std::move(file);
  of->fd_refs = 1;
  table.files[fd] = std::move(of);
  return fd;
}

KernelFile* Kernel::file_at(Process& p, int fd) {
  auto f = file_of(p, fd);
  return f && !f->released ? f->file.get() : nullptr;
}

int Kernel::sys_open(Process& p, CpuContext& cpu, const std::string& path) {
  InKernel in(*this, p);
  auto it = devices_.find(path);
  if (it == devices_.end()) return -ENOENT;
  auto& table = fd_tables_[p.pid()];
  const int fd = table.next_fd;
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  int err = 0;
  auto file = it->second->open(ctx, &err);
  if (!file) return err ? err : -ENODEV;
  table.next_fd++;
  auto of = std::make_shared<OpenFile>();
  of->file = std::move(file);
  of->fd_refs = 1;
  table.files[fd] = std::move(of);
  return fd;
}

int Kernel::sys_close(Process& p, CpuContext& cpu, int fd) {
  InKernel in(*this, p);
  auto& table = fd_tables_[p.pid()];
  auto it = table.files.find(fd);
  if (it == table.files.end()) return -EBADF;
  // Mappings of the file go first (the file stays referenced by its VMAs in Linux; the
  // model releases at close after tearing them down).
  for (uint64_t va : p.vmas_of_fd(fd)) p.munmap(va, p.find_vma(va)->length);
  std::shared_ptr<OpenFile> f = it->second;
  table.files.erase(it);
  --f->fd_refs;
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  release_if_unused(*f, ctx);
  return 0;
}

long Kernel::sys_ioctl(Process& p, CpuContext& cpu, int fd, unsigned long cmd, void* arg) {
  InKernel in(*this, p);
  auto f = file_of(p, fd);
  if (!f) return -EBADF;
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  FileCall call(*this, std::move(f), ctx);
  return call.file().ioctl(ctx, cmd, arg);
}

uint64_t Kernel::sys_mmap(Process& p, CpuContext& cpu, int fd, uint64_t len, int prot,
                          uint64_t offset, int* err) {
  InKernel in(*this, p);
  *err = 0;
  if (len == 0) {
    *err = -EINVAL;
    return 0;
  }
  if (fd < 0) return sys_mmap_anonymous(p, cpu, len, /*populate=*/true, err);
  auto f = file_of(p, fd);
  if (!f) {
    *err = -EBADF;
    return 0;
  }
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  FileCall call(*this, std::move(f), ctx);
  return call.file().mmap(ctx, len, prot, offset, err);
}

uint64_t Kernel::sys_mmap_anonymous(Process& p, CpuContext& cpu, uint64_t len, bool populate,
                                    int* err, uint64_t page_size) {
  InKernel in(*this, p);
  *err = 0;
  if (page_size == 0) page_size = p.granule_size();
  if (len == 0 || !p.supports_page_size(page_size)) {
    *err = -EINVAL;
    return 0;
  }
  const uint64_t pages = align_up(len, page_size) / page_size;
  if (populate && pages * (page_size / FrameAllocator::kFrameSize) > frames_.free_count()) {
    *err = -ENOMEM;
    return 0;
  }
  // MAP_POPULATE does the page faults' work up front.
  if (populate) cpu.busy(page_fault_cost(page_size) * static_cast<double>(pages));
  try {
    return p.mmap_anonymous(len, populate, page_size);
  } catch (const std::runtime_error&) {  // no aligned frame run left (fragmentation)
    *err = -ENOMEM;
    return 0;
  }
}

sc_core::sc_time Kernel::page_fault_cost(uint64_t page_size) const {
  const uint64_t beyond = page_size > aarch64::kPageSize4K ? page_size - aarch64::kPageSize4K : 0;
  sc_core::sc_time t = ns(costs_.page_fault_ns);
  if (beyond) t += transfer_time(beyond, costs_.copy_gbps);
  return t;
}

void Kernel::notify_invalidate(Process& p, CpuContext& cpu, uint64_t va, uint64_t len) {
  auto it = notifiers_.find(p.pid());
  if (it == notifiers_.end()) return;
  for (MmNotifier* n : std::vector<MmNotifier*>(it->second)) n->invalidate_range(cpu, va, len);
}

int Kernel::sys_munmap(Process& p, CpuContext& cpu, uint64_t va, uint64_t len) {
  InKernel in(*this, p);
  cpu.busy(ns(costs_.mprotect_ns));
  const Vma* vma = p.find_vma(va);
  if (!vma || align_down(va, vma->page_size) != vma->start) return -EINVAL;
  const uint64_t start = vma->start;
  const uint64_t length = vma->length;
  return p.munmap(va, len, [&] { notify_invalidate(p, cpu, start, length); }) ? 0 : -EINVAL;
}

uint64_t Kernel::host_range_changed(Process& p, CpuContext& cpu, uint64_t va, uint64_t len) {
  HostAddressSpace* host = p.host_mirror();
  if (!host) return 0;
  host->invalidate();
  const size_t vmas = p.host_mirror_vmas_in(va, len).size();
  const uint64_t dropped = p.unmap_host_range(
      va, len, [&](uint64_t start, uint64_t length) { notify_invalidate(p, cpu, start, length); });
  env_.trace_event("host.kernel", "host_range_changed",
                   {tf("pid", p.pid()), tf_hex("va", va), tf_hex("len", len), tf("vmas", vmas),
                    tf("pages", dropped)});
  return dropped;
}

int Kernel::sys_mprotect(Process& p, CpuContext& cpu, uint64_t va, uint64_t len, bool writable) {
  InKernel in(*this, p);
  cpu.busy(ns(costs_.mprotect_ns));
  const Vma* vma = p.find_vma(va);
  if (!vma || !p.protect(va, len, writable)) return -ENOMEM;
  // Taking rights away must reach every TLB that caches them; adding them need not. The
  // range covers whole pages of the mapping's page size (a huge page changes as a whole).
  if (!writable) {
    const uint64_t first = align_down(va, vma->page_size);
    notify_invalidate(p, cpu, first, align_up(va + len, vma->page_size) - first);
  }
  return 0;
}

void Kernel::exit_process(Process& p, CpuContext& cpu, int exit_code) {
  end_process(p, cpu, ProcessState::kExited, exit_code, 0);
}

void Kernel::kill_process(Process& p, CpuContext& cpu, int signo) {
  end_process(p, cpu, ProcessState::kKilled, 0, signo);
}

void Kernel::end_process(Process& p, CpuContext& cpu, ProcessState how, int exit_code, int signo) {
  if (!p.alive()) return;
  const int pid = p.pid();
  p.begin_exit();
  records_[pid].state = ProcessState::kExiting;
  records_[pid].exit_started = sc_core::sc_time_stamp();
  if (how == ProcessState::kKilled) {
    env_.trace_event("host.kernel", "process_kill", {tf("pid", pid), tf("signo", signo)});
  }
  // The signal reaches the process's threads: sleepers wake, a system call under way ends
  // before the teardown touches what it uses.
  signal_event_.notify(sc_core::SC_ZERO_TIME);
  ++exit_waiters_;
  while (in_kernel_[pid] > 0) sc_core::wait(left_kernel_);
  --exit_waiters_;
  // exit_mm -> exit_mmap -> mmu_notifier_release: secondary MMUs stop using the mm.
  auto it = notifiers_.find(pid);
  if (it != notifiers_.end()) {
    const std::vector<MmNotifier*> released = it->second;
    notifiers_.erase(it);
    for (MmNotifier* n : released) n->release(cpu);
  }
  // exit_files: every fd, lowest first.
  std::vector<int> fds;
  for (const auto& [fd, f] : fd_tables_[pid].files) fds.push_back(fd);
  for (int fd : fds) sys_close(p, cpu, fd);
  fd_tables_.erase(pid);
  // What is left of the address space (see the header comment for why after the files).
  for (uint64_t va : p.mapping_starts()) p.munmap(va, p.find_vma(va)->length);
  p.end_exit(how, exit_code, signo);
  ProcessRecord& r = records_[pid];
  r.state = how;
  r.exit_code = exit_code;
  r.signal = signo;
  r.wait_status = p.wait_status();
  r.ended = sc_core::sc_time_stamp();
  for (const auto& hook : mm_drop_hooks_) hook(p);
  if (how == ProcessState::kKilled) {
    env_.trace_event("host.kernel", "process_exit",
                     {tf("pid", pid), tf("status", "killed"), tf("signo", signo)});
  } else {
    env_.trace_event("host.kernel", "process_exit",
                     {tf("pid", pid), tf("status", "exited"), tf("code", exit_code)});
  }
}

Process& Kernel::fork_process(Process& parent, CpuContext& cpu) {
  if (!parent.alive()) throw std::logic_error("fork of a process that is not running");
  InKernel in(*this, parent);
  const int pid = next_pid();
  ForkCopyStats copied;
  std::unique_ptr<Process> child = parent.fork(pid, &copied);
  // copy_process + dup_mmap as Linux charges them: the page-table copy per present page;
  // the data copy itself is free here because copy-on-write is not modelled (see HostCostParams).
  cpu.busy(ns(costs_.fork_ns + costs_.fork_page_ns * static_cast<double>(copied.pages)));
  // dup_fd: the child's table refers to the same open files.
  const FdTable& from = fd_tables_[parent.pid()];
  FdTable& to = fd_tables_[pid];
  to.next_fd = from.next_fd;
  for (const auto& [fd, f] : from.files) {
    to.files[fd] = f;
    ++f->fd_refs;
  }
  processes_.push_back(std::move(child));
  ProcessRecord& r = records_[pid];
  r.pid = pid;
  r.parent_pid = parent.pid();
  r.created = sc_core::sc_time_stamp();
  forks_.inc();
  fork_pages_copied_.inc(copied.pages);
  env_.trace_event("host.kernel", "process_fork",
                   {tf("parent", parent.pid()), tf("pid", pid), tf("pages", copied.pages),
                    tf("dropped_device_vmas", copied.dropped_device_vmas)});
  return *processes_.back();
}

const ProcessRecord* Kernel::process_record(int pid) const {
  auto it = records_.find(pid);
  return it == records_.end() ? nullptr : &it->second;
}

std::vector<ProcessRecord> Kernel::process_records() const {
  std::vector<ProcessRecord> out;
  for (const auto& [pid, r] : records_) out.push_back(r);
  return out;
}

void Kernel::add_mm_drop_hook(std::function<void(Process&)> hook) {
  mm_drop_hooks_.push_back(std::move(hook));
}

bool Kernel::handle_cpu_fault(Process& p, CpuContext& cpu, uint64_t va, size_t len) {
  const uint64_t end = va + std::max<size_t>(len, 1);
  uint64_t at = va;
  while (at < end) {
    const Vma* vma = p.find_vma(at);
    const uint64_t page_size = vma ? vma->page_size : p.granule_size();
    const uint64_t page = align_down(at, page_size);
    at = page + page_size;
    if (p.translate(page)) continue;
    if (!p.fault_in(page)) return false;
    cpu.busy(page_fault_cost(page_size));
    cpu_page_faults_.inc();
  }
  return true;
}

int Kernel::sys_pin(Process& p, CpuContext& cpu, uint64_t va, uint64_t len) {
  InKernel in(*this, p);
  if (!handle_cpu_fault(p, cpu, va, len)) return -EFAULT;
  const uint64_t granule = p.granule_size();
  const uint64_t first = align_down(va, granule);
  const uint64_t pages = (align_up(va + len, granule) - first) / granule;
  cpu.busy(ns(costs_.pin_page_ns * static_cast<double>(pages)));
  pinned_pages_.inc(pages);
  return 0;
}

void Kernel::register_mm_notifier(Process& p, MmNotifier* n) { notifiers_[p.pid()].push_back(n); }

void Kernel::unregister_mm_notifier(Process& p, MmNotifier* n) {
  auto& v = notifiers_[p.pid()];
  v.erase(std::remove(v.begin(), v.end(), n), v.end());
}

Process* Kernel::find_process(int pid) {
  for (auto& p : processes_) {
    if (p->pid() == pid) return p.get();
  }
  return nullptr;
}

int Kernel::sys_wait_event(Process& p, CpuContext& cpu, int fd, const sc_core::sc_time& timeout) {
  InKernel in(*this, p);
  auto f = file_of(p, fd);
  if (!f) return -EBADF;
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  FileCall call(*this, std::move(f), ctx);
  return call.file().wait_event(ctx, timeout);
}

long Kernel::read_sysfs(const std::string& path, std::string* out) const {
  auto it = sysfs_.find(path);
  if (it == sysfs_.end()) return -ENOENT;
  *out = it->second();
  return static_cast<long>(out->size());
}

long Kernel::list_sysfs(const std::string& dir, std::vector<std::string>* names) const {
  std::set<std::string> seen;
  const std::string prefix = dir.back() == '/' ? dir : dir + "/";
  for (const auto& [path, fn] : sysfs_) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = path.substr(prefix.size());
    seen.insert(rest.substr(0, rest.find('/')));
  }
  if (seen.empty()) return -ENOENT;
  names->assign(seen.begin(), seen.end());
  return static_cast<long>(names->size());
}

uint64_t Kernel::add_mmio_trap(MmioTrap on_write) {
  // Windows are not reused: a run evicts queues a bounded number of times.
  const uint64_t base = next_mmio_trap_;
  next_mmio_trap_ += kMmioTrapStride;
  mmio_traps_[base] = std::move(on_write);
  return base;
}

void Kernel::remove_mmio_trap(uint64_t base) { mmio_traps_.erase(base); }

Kernel::MmioTrap* Kernel::find_mmio_trap(uint64_t pa, uint64_t* offset) {
  if (pa < kMmioTrapBase || mmio_traps_.empty()) return nullptr;
  auto it = mmio_traps_.find(align_down(pa, kMmioTrapStride));
  if (it == mmio_traps_.end()) return nullptr;
  *offset = pa - it->first;
  return &it->second;
}

void Kernel::mmio_write(CpuContext& cpu, uint64_t pa, const void* src, size_t len) {
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  // The store leaves the core after mmio_write_ns; the bus carries it on from there.
  const sc_core::sc_time issue = ns(costs_.mmio_write_ns);
  uint64_t trap_offset = 0;
  if (MmioTrap* trap = find_mmio_trap(pa, &trap_offset)) {
    (*trap)(trap_offset, src, len);
    cpu.busy(issue);
    return;
  }
  delay = issue;
  tlm_access(mmio, tlm::TLM_WRITE_COMMAND, pa, const_cast<void*>(src), len, delay);
  cpu.busy(issue);
}

void Kernel::mmio_read(CpuContext& cpu, uint64_t pa, void* dst, size_t len) {
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  uint64_t trap_offset = 0;
  if (find_mmio_trap(pa, &trap_offset)) {
    std::memset(dst, 0, len);  // a page nothing decodes
    cpu.busy(ns(costs_.cacheline_access_ns));
    return;
  }
  auto status = tlm_access(mmio, tlm::TLM_READ_COMMAND, pa, dst, len, delay);
  if (status != tlm::TLM_OK_RESPONSE) std::memset(dst, 0xff, len);  // as a bus error reads
  cpu.busy(delay);
}

uint32_t Kernel::mmio_read32(CpuContext& cpu, uint64_t pa) {
  uint32_t v = 0;
  mmio_read(cpu, pa, &v, 4);
  return v;
}

uint32_t Kernel::mmio_read32_uncharged(uint64_t pa) {
  uint32_t v = 0;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  if (tlm_access(mmio, tlm::TLM_READ_COMMAND, pa, &v, 4, delay) != tlm::TLM_OK_RESPONSE) {
    v = ~uint32_t{0};  // as a bus error reads
  }
  return v;
}

uint64_t Kernel::mmio_read64(CpuContext& cpu, uint64_t pa) {
  uint64_t v = 0;
  mmio_read(cpu, pa, &v, 8);
  return v;
}

void Kernel::kernel_write(CpuContext& cpu, uint64_t pa, const void* src, size_t len) {
  memory_.write(pa, src, len);
  cpu.busy(lines_cost(len, costs_.cacheline_access_ns));
}

void Kernel::kernel_read(CpuContext& cpu, uint64_t pa, void* dst, size_t len) {
  memory_.read(pa, dst, len);
  cpu.busy(lines_cost(len, costs_.cacheline_access_ns));
}

bool Kernel::copy_from_user(CpuContext& cpu, Process& p, uint64_t va, uint64_t pa, size_t len) {
  std::vector<uint8_t> buf(len);
  // A user page not yet touched faults in during the copy, as in Linux.
  if (!handle_cpu_fault(p, cpu, va, len) || !p.read(va, buf.data(), len)) return false;
  memory_.write(pa, buf.data(), len);
  cpu.busy(transfer_time(len, costs_.copy_gbps));
  copied_bytes_.inc(len);
  return true;
}

bool Kernel::copy_to_user(CpuContext& cpu, Process& p, uint64_t pa, uint64_t va, size_t len) {
  std::vector<uint8_t> buf(len);
  memory_.read(pa, buf.data(), len);
  if (!handle_cpu_fault(p, cpu, va, len) || !p.write(va, buf.data(), len)) return false;
  cpu.busy(transfer_time(len, costs_.copy_gbps));
  copied_bytes_.inc(len);
  return true;
}

}  // namespace wdsim
