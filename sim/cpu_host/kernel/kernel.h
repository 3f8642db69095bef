// The kernel model: processes, the file table and VFS dispatch to character devices, a
// sysfs of text attributes, and the services drivers use (MMIO through the host bus, kernel
// memory, the software-cost parameters). Drivers (SMMU, DMA API, QM, uacce, the syscall
// compression device) are separate classes that register here; sim/system wires them.
// With host.dma_oracle (the default) the kernel builds the DMA ownership oracle (dma_oracle.h)
// over its frame allocator and attaches it to the physical memory; the SMMU driver tells it
// about SVA binds and unbinds. Every kernel builds the dma-buf system heap (/dev/dma_heap/system,
// dma_buf.h), whose allocations are files install_file puts in the caller's fd table.
// System calls run in the calling thread's CpuContext: on the cores of a CpuScheduler when the
// thread is attached to one (blocking waits give the core up, spinlocks and polls hold it),
// on a core of its own otherwise (cpu_scheduler.h). A kill is CpuContext::terminate().
// Process lifecycle (Linux kernel/exit.c do_exit, kernel/fork.c): exit_process and kill_process
// run the same teardown in the caller's context. The process is marked exiting (its threads get
// SIGKILL at their next call, a thread asleep in poll/wait_event is woken, one inside another
// system call finishes it first), then, in do_exit's order: exit_mm's mmu_notifier_release (the
// SVA notifier makes the PASID's context descriptor fault everything, so the device's further
// DMA of this process aborts), exit_files (every fd closed; a file's last close releases it: for
// a uacce queue STOP_QP drains the device, the queue is freed and the SVA bond unbound), then
// the remaining mappings are unmapped and their frames freed. Linux frees the anonymous frames
// in exit_mmap, before exit_files; the model frees them after the files, so that DMA a device
// issued before the kill with an annotated (loosely-timed) completion after it still lands in
// frames the dying process owns. The end (exit code or signal, times) is kept as a
// ProcessRecord, and the mm-drop hooks run (Linux __mmdrop: the SMMU driver frees the PASID).
// fork_process copies the address space (Process::fork: eager copy, no copy-on-write, no device
// mappings) and shares every open file with the child (the fd table is duplicated, as
// copy_files/dup_fd do); the child has no SVA bond until it opens a device itself. A file's
// release runs when its last fd is closed and no system call is still using it (fput).
// Host-mirrored processes (`wdsim exec`, process.h): create_process with a HostAddressSpace; the
// I/O and CPU page-fault paths map the host's pages on demand through Process::fault_in, and
// host_range_changed is how the kernel learns that the program changed its host mappings.
// Not modelled: signal handlers and masks, zombies and wait(2) (the record
// stands in for the status), vfork/clone flags, exec.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/kernel/dma_oracle.h"
#include "sim/cpu_host/kernel/frame_allocator.h"
#include "sim/cpu_host/kernel/kernel_file.h"
#include "sim/cpu_host/kernel/process.h"
#include "sim/cpu_host/physical_memory.h"

namespace wdsim {

class DmaHeapDevice;

// A secondary MMU that mirrors a process's page table (an SVA-bound SMMU context) and must
// drop its cached translations when the CPU's change (Linux mmu_notifier).
class MmNotifier {
 public:
  virtual ~MmNotifier() = default;
  // Called after the page-table entries of [start, start+length) changed and before their
  // pages are reused.
  virtual void invalidate_range(CpuContext& cpu, uint64_t start, uint64_t length) = 0;
  // The address space is going away (exit); stop using it.
  virtual void release(CpuContext& cpu) = 0;
};

// What the kernel keeps of a process; it outlives the process (the system reads it).
struct ProcessRecord {
  int pid = 0;
  int parent_pid = -1;  // -1: created by the kernel, not forked
  ProcessState state = ProcessState::kRunning;
  int exit_code = 0;     // when exited
  int signal = 0;        // when killed
  int wait_status = -1;  // Linux wait(2) encoding (Process::wait_status)
  sc_core::sc_time created = sc_core::SC_ZERO_TIME;
  sc_core::sc_time exit_started = sc_core::SC_ZERO_TIME;  // teardown began
  sc_core::sc_time ended = sc_core::SC_ZERO_TIME;         // teardown complete
};

class Kernel : public sc_core::sc_module {
 public:
  // CPU loads/stores to device memory (BARs, SMMU registers) go out here to the HostBus.
  tlm_utils::simple_initiator_socket<Kernel> mmio;

  Kernel(sc_core::sc_module_name name, const HostCostParams& costs, PhysicalMemory& memory,
         FrameAllocator& frames, SimEnv& env);
  ~Kernel() override;

  // A process whose address space uses `granule` pages (Linux fixes one PAGE_SIZE for the
  // whole kernel; the model lets each process choose, the kernel's own tables stay 4K). With
  // `mirror` (which must outlive the process) it mirrors that host address space
  // (Process::enable_host_mirror: 4K granule only, std::invalid_argument otherwise).
  Process& create_process(PageGranule granule = PageGranule::k4K,
                          HostAddressSpace* mirror = nullptr);
  // A host-mirrored process's program unmapped, remapped or re-protected [va, va + len) on the
  // host (munmap, mprotect, free of an mmapped chunk, a thread's stack release). The mirrored
  // pages in the range are dropped as munmap drops pages (Process::unmap_host_range: PTEs
  // cleared, the mm notifiers told, so IOTLB/ATC entries go, then the frames unaliased and
  // freed), and the HostAddressSpace's cached table is forgotten: a later access faults in from
  // the host's new state (an address now unmapped faults as on real hardware). Costs nothing of
  // its own (the caller charges the system call; the notifiers charge their invalidations).
  // Returns the pages that were mapped and are now dropped; 0 for a process without a mirror.
  uint64_t host_range_changed(Process& p, CpuContext& cpu, uint64_t va, uint64_t len);

  void register_device(const std::string& dev_path, CharDevice* device);
  void add_sysfs(const std::string& path, std::function<std::string()> value);

  // System calls, run in the calling thread's context (entry/exit costs are the caller's).
  int sys_open(Process& p, CpuContext& cpu, const std::string& path);
  int sys_close(Process& p, CpuContext& cpu, int fd);
  long sys_ioctl(Process& p, CpuContext& cpu, int fd, unsigned long cmd, void* arg);
  uint64_t sys_mmap(Process& p, CpuContext& cpu, int fd, uint64_t len, int prot, uint64_t offset,
                    int* err);
  int sys_munmap(Process& p, CpuContext& cpu, uint64_t va, uint64_t len);
  int sys_mprotect(Process& p, CpuContext& cpu, uint64_t va, uint64_t len, bool writable);
  // Anonymous memory without MAP_POPULATE pages are faulted in on first touch. page_size 0
  // is the process's granule; a block size of the granule gives huge pages (MAP_HUGETLB with
  // MAP_HUGE_2MB etc.); anything else is -EINVAL. A fault (or populating one page) costs
  // page_fault_ns plus zeroing the bytes beyond 4 KiB at copy_gbps.
  uint64_t sys_mmap_anonymous(Process& p, CpuContext& cpu, uint64_t len, bool populate, int* err,
                              uint64_t page_size = 0);
  // Process exit with `exit_code` (exit(2)), or death by signal `signo` (SIGKILL, SIGSEGV...):
  // the teardown of the header comment, run in the caller's context (cpu is charged). Nothing
  // for a process that is not running (already exiting or ended).
  void exit_process(Process& p, CpuContext& cpu, int exit_code = 0);
  void kill_process(Process& p, CpuContext& cpu, int signo);
  // fork(2): the child, running. Charges fork_ns + fork_page_ns per page copied. Throws
  // std::logic_error for a parent that is not running, std::runtime_error when frames run out.
  Process& fork_process(Process& parent, CpuContext& cpu);
  // The record of a process (nullptr: no such pid), and of every process in pid order.
  const ProcessRecord* process_record(int pid) const;
  std::vector<ProcessRecord> process_records() const;
  // Run with the process at the end of its teardown (its mm goes away: Linux __mmdrop).
  void add_mm_drop_hook(std::function<void(Process&)> hook);
  // Notified when a process starts exiting: sleeping system calls wake and check for it.
  const sc_core::sc_event& signal_event() const { return signal_event_; }
  // How many fd table entries (of any process) refer to the file behind p's fd; 0: no such fd.
  int file_refs(Process& p, int fd);
  // For drivers, from inside a system call of process p. install_file (Linux get_unused_fd +
  // fd_install, as dma_buf_fd does): `file` becomes a new open file of p at the next fd number,
  // which is returned; its release runs at its last close as for sys_open's files.
  // file_at (Linux fget, without taking a reference): the open file behind p's fd, nullptr when
  // fd is not open; valid until that fd is closed (a driver that keeps using it across a wait
  // takes its own reference on what the file stands for).
  int install_file(Process& p, std::unique_ptr<KernelFile> file);
  KernelFile* file_at(Process& p, int fd);
  // The dma-buf system heap, /dev/dma_heap/system (dma_buf.h); every kernel has one.
  DmaHeapDevice& dma_heap() { return *dma_heap_; }

  // Pins [va, va+len) (pin_user_pages / mlock for DMA): faults pages in, pin_page_ns per
  // granule page (pin_user_pages returns PAGE_SIZE pages, huge pages included).
  int sys_pin(Process& p, CpuContext& cpu, uint64_t va, uint64_t len);

  // The CPU touched [va, va+len): faults in untouched anonymous pages, each of its mapping's
  // page size (page_fault_cost each).
  // false if some page is not mapped at all (SIGSEGV).
  bool handle_cpu_fault(Process& p, CpuContext& cpu, uint64_t va, size_t len);

  void register_mm_notifier(Process& p, MmNotifier* n);
  void unregister_mm_notifier(Process& p, MmNotifier* n);
  Process* find_process(int pid);
  int sys_wait_event(Process& p, CpuContext& cpu, int fd, const sc_core::sc_time& timeout);
  long read_sysfs(const std::string& path, std::string* out) const;
  long list_sysfs(const std::string& dir, std::vector<std::string>* names) const;

  // MMIO from a CPU. A write is posted: the CPU pays mmio_write_ns and goes on while the
  // write travels. A read stalls the CPU for the whole round trip.
  void mmio_write(CpuContext& cpu, uint64_t pa, const void* src, size_t len);
  void mmio_read(CpuContext& cpu, uint64_t pa, void* dst, size_t len);
  void mmio_write32(CpuContext& cpu, uint64_t pa, uint32_t v) { mmio_write(cpu, pa, &v, 4); }
  void mmio_write64(CpuContext& cpu, uint64_t pa, uint64_t v) { mmio_write(cpu, pa, &v, 8); }
  uint32_t mmio_read32(CpuContext& cpu, uint64_t pa);
  // A register read whose cost is not charged to any CPU (a driver's one-time ID register
  // reads at probe, made before the timed boot sequence).
  uint32_t mmio_read32_uncharged(uint64_t pa);
  uint64_t mmio_read64(CpuContext& cpu, uint64_t pa);

  // Dummy doorbell pages (kernel-managed queues, docs/kernel_queues.md): a window of `size`
  // bytes of physical addresses that no device decodes, at kMmioTrapBase and up. A CPU store a
  // process makes there through its (remapped) device mapping costs what the doorbell store
  // costs (same page attributes) and goes to `on_write` (offset in the window, bytes) instead
  // of the bus; loads read 0. Returns the window's base (aligned to kMmioTrapStride).
  using MmioTrap = std::function<void(uint64_t offset, const void* src, size_t len)>;
  uint64_t add_mmio_trap(MmioTrap on_write);
  void remove_mmio_trap(uint64_t base);
  // Beyond every BAR and the MSI doorbell of the system's address map (sim/system/topology.h).
  static constexpr uint64_t kMmioTrapBase = 0x70'0000'0000ull;
  // One window per trap: room for a queue's doorbell region in the largest granule (64 KiB
  // pages) twice over.
  static constexpr uint64_t kMmioTrapStride = 0x10'0000ull;

  // Cached CPU stores/loads of kernel memory (physical), charged per cache line.
  void kernel_write(CpuContext& cpu, uint64_t pa, const void* src, size_t len);
  void kernel_read(CpuContext& cpu, uint64_t pa, void* dst, size_t len);
  // Copies between user and kernel memory at copy_gbps (copy_from_user / copy_to_user).
  bool copy_from_user(CpuContext& cpu, Process& p, uint64_t va, uint64_t pa, size_t len);
  bool copy_to_user(CpuContext& cpu, Process& p, uint64_t pa, uint64_t va, size_t len);
  // A user-space memcpy of `len` bytes (HostThread::copy): counted in host.user_copied_bytes.
  void count_user_copy(uint64_t len) { user_copied_bytes_.inc(len); }

  PhysicalMemory& memory() { return memory_; }
  FrameAllocator& frames() { return frames_; }
  // The DMA ownership oracle; nullptr when host.dma_oracle is off.
  DmaOracle* dma_oracle() { return dma_oracle_.get(); }
  const DmaOracle* dma_oracle() const { return dma_oracle_.get(); }
  SimEnv& env() { return env_; }

  // A driver error on a path that cannot fail (a file's release, a queue's stop at close):
  // Linux logs it and goes on; the model keeps the first one so that the run reports it.
  void note_error(const std::string& what);
  const std::string& first_error() const { return first_error_; }
  const HostCostParams& costs() const { return costs_; }

 private:
  std::string first_error_;
  // Linux struct file: shared by every fd entry that refers to it (fork), released when the
  // last of them is closed and no system call is using it any more.
  struct OpenFile {
    std::unique_ptr<KernelFile> file;
    int fd_refs = 0;
    int active_calls = 0;
    bool released = false;
  };
  struct FdTable {
    std::map<int, std::shared_ptr<OpenFile>> files;
    int next_fd = 3;
  };
  // A system call's use of an open file (fdget/fdput): the last one out of a closed file
  // releases it.
  class FileCall;
  // A system call of process p under way: teardown waits until none is (see the header).
  class InKernel;
  std::shared_ptr<OpenFile> file_of(Process& p, int fd);
  void release_if_unused(OpenFile& f, SyscallContext& ctx);
  void end_process(Process& p, CpuContext& cpu, ProcessState how, int exit_code, int signo);
  int next_pid() const { return static_cast<int>(processes_.size()) + kFirstPid; }
  static constexpr int kFirstPid = 100;

  HostCostParams costs_;
  PhysicalMemory& memory_;
  FrameAllocator& frames_;
  SimEnv& env_;
  Counter& forks_;
  Counter& fork_pages_copied_;
  Counter& cpu_page_faults_;
  Counter& pinned_pages_;
  Counter& copied_bytes_;
  Counter& user_copied_bytes_;
  std::unique_ptr<DmaOracle> dma_oracle_;
  std::map<uint64_t, MmioTrap> mmio_traps_;  // by window base
  uint64_t next_mmio_trap_ = kMmioTrapBase;
  MmioTrap* find_mmio_trap(uint64_t pa, uint64_t* offset);
  std::map<std::string, CharDevice*> devices_;
  // Built by the constructor and registered in devices_; destroyed after the fd tables below,
  // whose dma-buf files refer to it.
  std::unique_ptr<DmaHeapDevice> dma_heap_;
  std::map<std::string, std::function<std::string()>> sysfs_;
  std::vector<std::unique_ptr<Process>> processes_;
  std::map<int, FdTable> fd_tables_;
  std::map<int, std::vector<MmNotifier*>> notifiers_;
  std::map<int, ProcessRecord> records_;
  std::vector<std::function<void(Process&)>> mm_drop_hooks_;
  std::map<int, int> in_kernel_;  // pid -> system calls under way
  int exit_waiters_ = 0;          // teardowns waiting for in_kernel_ to drop to 0
  sc_core::sc_event left_kernel_;
  sc_core::sc_event signal_event_;
  void notify_invalidate(Process& p, CpuContext& cpu, uint64_t va, uint64_t len);
  // One anonymous page fault of `page_size` bytes: page_fault_ns (which includes zeroing
  // 4 KiB) plus zeroing the rest at copy_gbps.
  sc_core::sc_time page_fault_cost(uint64_t page_size) const;
};

}  // namespace wdsim
