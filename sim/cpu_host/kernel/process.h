// A simulated process: its address space (an AArch64 page table in simulated memory, which the SMMU
// walks for SVA) and its mappings. The process's translation granule (4, 16 or 64 KiB, what Linux's
// CONFIG_ARM64_*K_PAGES fixes for the whole kernel) is chosen when it is created; it is the page
// size of every mapping unless an anonymous mapping asks for huge pages (a block size of the
// granule: 2 MiB or 1 GiB on 4K, 32 MiB on 16K, 512 MiB on 64K, as MAP_HUGETLB).
//
// Anonymous memory is either populated at mmap (MAP_POPULATE) or demand-paged: a page gets its
// frame run on first touch, by the CPU (fault_in from the kernel's CPU fault path) or by a device
// (the kernel's I/O page-fault path after the SMMU reports the fault). A page of the mapping's page
// size is one run of page_size / 4 KiB contiguous frames aligned to the page size
// (FrameAllocator::alloc_aligned), mapped by one leaf descriptor (a page or a block).
//
// Frame ownership (FrameAllocator): a process's anonymous frames are allocated owned by its pid
// and freed at munmap/exit; the kernel pages of a DUS mapping are lent to the pid while mapped.
//
// Device mappings (a queue's MMIO doorbell page, its DUS ring memory) are VMAs whose granule pages
// point at device or kernel-owned physical memory. The drivers hand over 4 KiB pages; with a larger
// granule each VA page maps the whole granule-aligned physical window around them, as Linux's
// remap_pfn_range does with PAGE_SIZE pages: a 4 KiB doorbell page in a 64K process maps the
// surrounding 64 KiB of the BAR, and a ring that is 4 KiB-aligned only maps the kernel memory
// sharing its 64 KiB window too. Isolation caveat: those neighbouring bytes (other queues'
// doorbells, other kernel pages) become reachable by the process and, through SVA, by its device;
// Linux avoids it only by giving such regions whole PAGE_SIZE pages (64K-aligned allocations, the
// QM's doorbell isolation), which the model's 4 KiB drivers do not. The address mmap_physical
// returns points at the first given byte, so it can sit inside the VMA's first page.
//
// Lifecycle: a process is running, exiting (the kernel's teardown is under way) or ended (exited
// with a code, or killed by a signal); the Kernel drives the changes (exit_process, kill_process)
// and keeps the Process object afterwards so its record stays readable. fork() makes the child's
// address space: every anonymous mapping at the same VA with the same page size and rights, each
// touched page copied into fresh frames now (eagerly: copy-on-write is not modelled, so parent and
// child never share a frame and the child's frames are taken at fork time), untouched pages left
// untouched; device mappings are not copied (uacce maps its regions VM_DONTCOPY), so the child's
// doorbell and ring VAs are unmapped there.
//
// Not modelled: transparent huge pages (khugepaged, splitting), partial unmaps, mremap,
// page-cache-backed mappings, copy-on-write, VM_WIPEONFORK (uacce sets it too; VM_DONTCOPY
// already drops the mapping).
//
// Host mirroring (`wdsim exec`, enable_host_mirror): the process is the simulator's own host
// process seen through a simulated page table, so a device given the program's pointers DMAs
// into the very buffers the program allocated. fault_in on an address no VMA covers asks the
// HostAddressSpace (host_mirror.h): if the host has it readable, a kHostMirror VMA is made there
// (the host region clipped to the kHostMirrorChunkBytes-aligned chunk around the address and to
// the neighbouring VMAs) and the page is mapped: a frame owned by the pid (so the DMA ownership
// oracle holds) whose storage is the host page at the same VA (PhysicalMemory::alias_host_page),
// never zeroed, writable iff the host region is. Later pages of that VMA are demand-faulted the
// same way; an address the host has not mapped (or has PROT_NONE, as the simulated-only window
// from kMmapBase) faults as on real hardware (fault_in returns false). Physical addresses are
// the frame allocator's, so they depend on the order of faults only, never on host addresses.
// Unmapping a mirrored page unaliases its frame and frees it. A CPU write through the model to
// a read-only mirrored page fails (write() returns false) instead of touching the host page.
// Not modelled there: copy-on-write and fork (fork() throws), 16K/64K granules, huge pages, the
// program's own writes reaching write watches (PhysicalMemory::WriteWatch sees the model's
// writes only), and host changes behind the kernel's back: a host munmap, mprotect or mremap is
// known only when the kernel is told (Kernel::host_range_changed).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/cpu_host/kernel/frame_allocator.h"
#include "sim/cpu_host/kernel/host_mirror.h"
#include "sim/cpu_host/kernel/page_table.h"
#include "sim/cpu_host/physical_memory.h"

namespace wdsim {

// kHostMirror: host memory of a host-mirrored process (see the header comment), demand-paged
// like anonymous memory, 4 KiB pages.
enum class VmaKind { kAnonymous, kDeviceMmio, kDeviceDus, kHostMirror };

struct Vma {
  uint64_t start = 0;      // aligned to page_size
  uint64_t length = 0;     // a multiple of page_size
  uint64_t page_size = 0;  // bytes of each page: the process's granule or a huge page size
  VmaKind kind = VmaKind::kAnonymous;
  // Physical address of each page (anonymous: the first frame of an owned, page-aligned run of
  // page_size / 4 KiB frames, 0 = not yet touched; host mirror: the owned frame aliased to the
  // host page, 0 = not yet touched; device: the granule-aligned window mapped).
  std::vector<uint64_t> frames;
  int owner_fd = -1;  // device mappings: the fd they came from
  bool writable = true;
  // kHostMirror: whether the host region is writable (protect() grants no more than that).
  bool host_writable = true;
  // kDeviceDus: the kernel's 4 KiB pages given to mmap_physical, lent to the process while
  // mapped (FrameAllocator::lend), so a device may write them for its PASID.
  std::vector<uint64_t> lent_pages;
};

// Running, exiting (teardown under way: its threads get SIGKILL at their next call), or ended.
enum class ProcessState { kRunning, kExiting, kExited, kKilled };
const char *process_state_name(ProcessState state);  // "running", "exiting", "exited", "killed"

// What fork() copied: anonymous mappings and their touched pages (of the mapping's page size),
// the bytes in them, and the device mappings left out (VM_DONTCOPY).
struct ForkCopyStats {
  uint64_t vmas = 0;
  uint64_t pages = 0;
  uint64_t bytes = 0;
  uint64_t dropped_device_vmas = 0;
};

// How a workload's page size maps onto a process: the translation granule, and the huge page size
// of its buffers (0 = ordinary granule pages).
struct ProcessPageSize {
  PageGranule granule = PageGranule::k4K;
  uint64_t huge_page = 0;
};
// 4 KiB, 16 KiB, 64 KiB: that granule. 2 MiB and 1 GiB: 4K granule with huge pages of that size; 32
// MiB: 16K granule + 32 MiB; 512 MiB: 64K granule + 512 MiB. nullopt otherwise.
std::optional<ProcessPageSize> process_page_size(uint64_t page_size);

class Process {
 public:
  // The user mmap area starts here (well inside a 48-bit VA space, aligned to 1 GiB).
  static constexpr uint64_t kMmapBase = 0x10'0000'0000ull;
  // A host-mirrored process's mappings stay in [kMmapBase, kMmapBase + this), which the host
  // keeps PROT_NONE (HostAddressSpace::reserve_window).
  static constexpr uint64_t kSimulatedWindowBytes = HostAddressSpace::kSimulatedWindowBytes;
  // A kHostMirror VMA covers at most this aligned chunk of a host region (2 MiB, guess: one
  // last-level table's span, so a buffer of a few pages is one VMA and a large heap several).
  static constexpr uint64_t kHostMirrorChunkBytes = 2ull << 20;

  Process(int pid, PhysicalMemory &memory, FrameAllocator &frames,
          PageGranule granule = PageGranule::k4K);
  ~Process();

  int pid() const { return pid_; }
  // The process this one was forked from; -1 for a process the kernel created.
  int parent_pid() const { return parent_pid_; }
  ProcessState state() const { return state_; }
  bool alive() const { return state_ == ProcessState::kRunning; }
  bool ended() const { return state_ == ProcessState::kExited || state_ == ProcessState::kKilled; }
  int exit_code() const { return exit_code_; }      // when kExited
  int term_signal() const { return term_signal_; }  // when kKilled
  // The status wait(2) reports, Linux encoding: (code & 0xff) << 8 when exited, the signal
  // number when killed (WIFEXITED / WIFSIGNALED); -1 while not ended.
  int wait_status() const;
  // The kernel's teardown: begin_exit() when it starts, end_exit() when it is done.
  void begin_exit();
  void end_exit(ProcessState final_state, int exit_code, int signo);
  PageTable &page_table() { return page_table_; }
  const PageTable &page_table() const { return page_table_; }
  PageGranule granule() const { return page_table_.granule(); }
  uint64_t granule_size() const { return page_table_.granule_size(); }
  // The priority its device queues get (SQC w13 priority[3:0], 0..15; a model attribute set by
  // the system from the scenario, as a scheduling class would be).
  uint8_t queue_priority() const { return queue_priority_; }
  void set_queue_priority(uint8_t p) { queue_priority_ = p; }
  // Whether mmap_anonymous accepts page_size (0, the granule, or a block size of the granule).
  bool supports_page_size(uint64_t page_size) const;

  // Anonymous read-write memory of `page_size` pages (0 = the granule; otherwise a block size of
  // the granule, std::invalid_argument if not), populated now or on first touch. The VA is aligned
  // to the page size and the length rounded up to it. Returns the VA. Throws std::runtime_error
  // when populating runs out of frames.
  uint64_t mmap_anonymous(uint64_t length, bool populate = true, uint64_t page_size = 0);
  // Gives the page holding va a zeroed frame run if it is an untouched anonymous page; in a
  // host-mirrored process also maps an untouched host page (see the header comment). Returns true
  // if it did (a page fault was handled), false if the page was present or va is not in an
  // anonymous mapping (nor, mirrored, readable on the host).
  bool fault_in(uint64_t va);
  // Whether va is in an anonymous (or host-mirror) mapping whose page has no frame yet.
  bool is_untouched_anonymous(uint64_t va) const;

  // Makes this process mirror `host` (see the header comment); `host` must outlive it. Only
  // with the 4K granule and before any mapping exists: std::invalid_argument otherwise.
  void enable_host_mirror(HostAddressSpace &host);
  // The mirrored host address space; nullptr for an ordinary process.
  HostAddressSpace *host_mirror() const { return host_; }
  // The starts of the kHostMirror mappings overlapping [va, va + length), in VA order.
  std::vector<uint64_t> host_mirror_vmas_in(uint64_t va, uint64_t length) const;
  // Drops the mirrored pages of [va, va + length) (rounded out to 4 KiB) as munmap does: for
  // each kHostMirror mapping overlapping it, the overlapping part's page-table entries are
  // cleared, before_free(start, length) is called with that part (the mm notifiers), then its
  // frames are unaliased and freed; what lies outside the range stays mapped (the mapping is
  // split). Other kinds of mapping in the range are left alone. Returns the pages dropped.
  uint64_t unmap_host_range(uint64_t va, uint64_t length,
                            const std::function<void(uint64_t, uint64_t)> &before_free = {});
  // mprotect on whole pages (of the mapping's page size) of one mapping: a range that covers part
  // of a huge page changes the whole huge page (Linux would split it). false if no mapping covers
  // the range.
  bool protect(uint64_t va, uint64_t length, bool writable);
  // Maps the given 4 KiB physical pages (device or kernel memory) at a fresh VA with granule pages
  // (see the header comment); kDeviceDus pages are lent to the process until the unmap. pages[i]
  // must sit at the same offset in its granule window as the i-th 4 KiB of the returned VA, and
  // pages sharing a VA granule must share a physical one (std::invalid_argument otherwise; always
  // true for one contiguous run).
  uint64_t mmap_physical(const std::vector<uint64_t> &pages, VmaKind kind, int owner_fd,
                         bool writable);
  // Removes a mapping whose first page holds va (va is its start, or the address mmap_physical
  // returned) and that [va, va + length) reaches the end of (rounded up to its page size): clears
  // its page-table entries, calls before_free (where secondary TLBs are invalidated, as
  // mmu_notifiers do), then frees its anonymous frames. false if none.
  bool munmap(uint64_t va, uint64_t length, const std::function<void()> &before_free = {});
  // Points the granule windows of the device MMIO mapping that holds `va` at other physical
  // addresses (`windows`, one per window, granule-aligned), as a driver does with
  // unmap_mapping_range and a fault handler that maps another page (the caller charges the
  // TLB shootdown). Returns the windows it had; empty (nothing changed) when va is in no
  // kDeviceMmio mapping or the count differs.
  std::vector<uint64_t> remap_device(uint64_t va, const std::vector<uint64_t> &windows);
  // Every mapping's start address.
  std::vector<uint64_t> mapping_starts() const;
  const Vma *find_vma(uint64_t va) const;
  std::vector<uint64_t> vmas_of_fd(int fd) const;
  // The device mappings (doorbell pages, DUS rings), in VA order: what a fork child lacks.
  std::vector<Vma> device_mappings() const;

  // The child's address space (see the header comment): a new Process `child_pid` whose parent
  // is this one. Throws std::runtime_error when frames run out (the partial child frees what it
  // took when destroyed), and for a host-mirrored process ("fork of a host-mirrored process is
  // not modelled").
  std::unique_ptr<Process> fork(int child_pid, ForkCopyStats *stats) const;

  // Functional access to the process's memory (the CPU's view), leaf by leaf through the page
  // table. Returns false if any page is unmapped (write: or is a read-only host-mirrored page).
  bool read(uint64_t va, void *dst, size_t len) const;
  bool write(uint64_t va, const void *src, size_t len);
  std::optional<uint64_t> translate(uint64_t va) const;

 private:
  // A fresh VA range of `length` bytes aligned to `align`, followed by a guard granule.
  uint64_t reserve(uint64_t length, uint64_t align);
  // Frees an unmapped VMA's anonymous frames (host mirror: unaliased first) and ends the lending
  // of its DUS pages.
  void free_frames(const Vma &vma);
  // fault_in of a host-mirrored process at a VA no VMA covers: a kHostMirror VMA there.
  bool fault_in_host(uint64_t va);
  // Maps page `index` of a kHostMirror VMA onto its host page, if the host still has it.
  bool map_host_page(Vma &vma, uint64_t index);
  HostAddressSpace *host_ = nullptr;
  int pid_;
  int parent_pid_ = -1;
  ProcessState state_ = ProcessState::kRunning;
  int exit_code_ = 0;
  int term_signal_ = 0;
  PhysicalMemory &memory_;
  FrameAllocator &frames_;
  PageTable page_table_;
  uint8_t queue_priority_ = 0;
  std::map<uint64_t, Vma> vmas_;
  uint64_t next_va_ = kMmapBase;
};

}  // namespace wdsim
