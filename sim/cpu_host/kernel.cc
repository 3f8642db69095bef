#include "sim/cpu_host/kernel.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/base/tlm_access.h"

namespace wdsim {

namespace {
constexpr uint64_t kCacheLine = 64;

sc_core::sc_time lines_cost(size_t len, double per_line_ns) {
  return ns(per_line_ns * static_cast<double>(align_up(len, kCacheLine) / kCacheLine));
}
}  // namespace

Kernel::Kernel(sc_core::sc_module_name name, const HostCostParams& costs, PhysicalMemory& memory,
               FrameAllocator& frames, SimEnv& env)
    : sc_module(name), mmio("mmio"), costs_(costs), memory_(memory), frames_(frames), env_(env) {
  if (costs_.dma_oracle) {
    dma_oracle_ = std::make_unique<DmaOracle>(frames_, env_.stats());
    memory_.set_device_access_observer(dma_oracle_.get());
  }
}

Kernel::~Kernel() {
  if (dma_oracle_) memory_.set_device_access_observer(nullptr);
}

Process& Kernel::create_process(PageGranule granule) {
  const int pid = static_cast<int>(processes_.size()) + 100;
  processes_.push_back(std::make_unique<Process>(pid, memory_, frames_, granule));
  env_.trace_event("host.kernel", "process_create", {tf("pid", pid)});
  return *processes_.back();
}

void Kernel::register_device(const std::string& dev_path, CharDevice* device) {
  devices_[dev_path] = device;
}

void Kernel::add_sysfs(const std::string& path, std::function<std::string()> value) {
  sysfs_[path] = std::move(value);
}

KernelFile* Kernel::file_of(Process& p, int fd) {
  auto& table = fd_tables_[p.pid()];
  auto it = table.files.find(fd);
  return it == table.files.end() ? nullptr : it->second.file.get();
}

int Kernel::sys_open(Process& p, CpuContext& cpu, const std::string& path) {
  auto it = devices_.find(path);
  if (it == devices_.end()) return -ENOENT;
  auto& table = fd_tables_[p.pid()];
  const int fd = table.next_fd;
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  int err = 0;
  auto file = it->second->open(ctx, &err);
  if (!file) return err ? err : -ENODEV;
  table.next_fd++;
  table.files[fd].file = std::move(file);
  return fd;
}

int Kernel::sys_close(Process& p, CpuContext& cpu, int fd) {
  auto& table = fd_tables_[p.pid()];
  auto it = table.files.find(fd);
  if (it == table.files.end()) return -EBADF;
  // Mappings of the file go first (the file stays referenced by its VMAs in Linux; the
  // model releases at close after tearing them down).
  for (uint64_t va : p.vmas_of_fd(fd)) p.munmap(va, p.find_vma(va)->length);
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  it->second.file->release(ctx);
  table.files.erase(it);
  return 0;
}

long Kernel::sys_ioctl(Process& p, CpuContext& cpu, int fd, unsigned long cmd, void* arg) {
  KernelFile* f = file_of(p, fd);
  if (!f) return -EBADF;
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  return f->ioctl(ctx, cmd, arg);
}

uint64_t Kernel::sys_mmap(Process& p, CpuContext& cpu, int fd, uint64_t len, int prot,
                          uint64_t offset, int* err) {
  *err = 0;
  if (len == 0) {
    *err = -EINVAL;
    return 0;
  }
  if (fd < 0) return sys_mmap_anonymous(p, cpu, len, /*populate=*/true, err);
  KernelFile* f = file_of(p, fd);
  if (!f) {
    *err = -EBADF;
    return 0;
  }
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  return f->mmap(ctx, len, prot, offset, err);
}

uint64_t Kernel::sys_mmap_anonymous(Process& p, CpuContext& cpu, uint64_t len, bool populate,
                                    int* err, uint64_t page_size) {
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
  cpu.busy(ns(costs_.mprotect_ns));
  const Vma* vma = p.find_vma(va);
  if (!vma || align_down(va, vma->page_size) != vma->start) return -EINVAL;
  const uint64_t start = vma->start;
  const uint64_t length = vma->length;
  return p.munmap(va, len, [&] { notify_invalidate(p, cpu, start, length); }) ? 0 : -EINVAL;
}

int Kernel::sys_mprotect(Process& p, CpuContext& cpu, uint64_t va, uint64_t len, bool writable) {
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

void Kernel::exit_process(Process& p, CpuContext& cpu) {
  auto& table = fd_tables_[p.pid()];
  std::vector<int> fds;
  for (const auto& [fd, f] : table.files) fds.push_back(fd);
  for (int fd : fds) sys_close(p, cpu, fd);
  auto it = notifiers_.find(p.pid());
  if (it != notifiers_.end()) {
    for (MmNotifier* n : std::vector<MmNotifier*>(it->second)) n->release(cpu);
  }
  for (uint64_t va : p.mapping_starts()) p.munmap(va, p.find_vma(va)->length);
  env_.trace_event("host.kernel", "process_exit", {tf("pid", p.pid())});
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
    env_.stats().counter("host.page_faults.cpu").inc();
  }
  return true;
}

int Kernel::sys_pin(Process& p, CpuContext& cpu, uint64_t va, uint64_t len) {
  if (!handle_cpu_fault(p, cpu, va, len)) return -EFAULT;
  const uint64_t granule = p.granule_size();
  const uint64_t first = align_down(va, granule);
  const uint64_t pages = (align_up(va + len, granule) - first) / granule;
  cpu.busy(ns(costs_.pin_page_ns * static_cast<double>(pages)));
  env_.stats().counter("host.pinned_pages").inc(pages);
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
  KernelFile* f = file_of(p, fd);
  if (!f) return -EBADF;
  SyscallContext ctx{*this, p, cpu, costs_, fd};
  return f->wait_event(ctx, timeout);
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

void Kernel::mmio_write(CpuContext& cpu, uint64_t pa, const void* src, size_t len) {
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  // The store leaves the core after mmio_write_ns; the bus carries it on from there.
  const sc_core::sc_time issue = ns(costs_.mmio_write_ns);
  delay = issue;
  tlm_access(mmio, tlm::TLM_WRITE_COMMAND, pa, const_cast<void*>(src), len, delay);
  cpu.busy(issue);
}

void Kernel::mmio_read(CpuContext& cpu, uint64_t pa, void* dst, size_t len) {
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  auto status = tlm_access(mmio, tlm::TLM_READ_COMMAND, pa, dst, len, delay);
  if (status != tlm::TLM_OK_RESPONSE) std::memset(dst, 0xff, len);  // as a bus error reads
  cpu.busy(delay);
}

uint32_t Kernel::mmio_read32(CpuContext& cpu, uint64_t pa) {
  uint32_t v = 0;
  mmio_read(cpu, pa, &v, 4);
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
  return true;
}

bool Kernel::copy_to_user(CpuContext& cpu, Process& p, uint64_t pa, uint64_t va, size_t len) {
  std::vector<uint8_t> buf(len);
  memory_.read(pa, buf.data(), len);
  if (!handle_cpu_fault(p, cpu, va, len) || !p.write(va, buf.data(), len)) return false;
  cpu.busy(transfer_time(len, costs_.copy_gbps));
  return true;
}

}  // namespace wdsim
