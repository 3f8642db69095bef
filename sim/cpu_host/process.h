// A simulated process: its address space (an AArch64 page table in simulated memory, which
// the SMMU walks for SVA) and its mappings. Anonymous memory is either populated at mmap
// (MAP_POPULATE) or demand-paged: a page gets its frame on first touch, by the CPU
// (fault_in from the kernel's CPU fault path) or by a device (the kernel's I/O page-fault
// path after the SMMU reports the fault). Device mappings (a queue's MMIO doorbell page, its DUS ring memory) are VMAs whose pages
// point at device or kernel-owned physical memory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/cpu_host/frame_allocator.h"
#include "sim/cpu_host/page_table.h"
#include "sim/cpu_host/physical_memory.h"

namespace wdsim {

enum class VmaKind { kAnonymous, kDeviceMmio, kDeviceDus };

struct Vma {
  uint64_t start = 0;
  uint64_t length = 0;
  VmaKind kind = VmaKind::kAnonymous;
  std::vector<uint64_t> frames;  // physical page of each 4 KiB page (anonymous: owned; 0 =
                                 // not yet touched)
  int owner_fd = -1;             // device mappings: the fd they came from
  bool writable = true;
};

class Process {
 public:
  // The user mmap area starts here (well inside a 48-bit VA space).
  static constexpr uint64_t kMmapBase = 0x10'0000'0000ull;

  Process(int pid, PhysicalMemory& memory, FrameAllocator& frames);
  ~Process();

  int pid() const { return pid_; }
  PageTable& page_table() { return page_table_; }
  const PageTable& page_table() const { return page_table_; }

  // Anonymous read-write memory; populated now, or on first touch. Returns the VA.
  uint64_t mmap_anonymous(uint64_t length, bool populate = true);
  // Gives the page holding va a zeroed frame if it is an untouched anonymous page. Returns
  // true if it did (a page fault was handled), false if the page was present or va is not in
  // an anonymous mapping.
  bool fault_in(uint64_t va);
  // Whether va is in an anonymous mapping whose page has no frame yet.
  bool is_untouched_anonymous(uint64_t va) const;
  // mprotect on whole pages of one mapping. false if no mapping covers the range.
  bool protect(uint64_t va, uint64_t length, bool writable);
  // Maps the given physical pages (device or kernel memory) at a fresh VA.
  uint64_t mmap_physical(const std::vector<uint64_t>& pages, VmaKind kind, int owner_fd,
                         bool writable);
  // Removes a mapping that starts at va: clears its page-table entries, calls
  // before_free (where secondary TLBs are invalidated, as mmu_notifiers do), then frees
  // its anonymous frames. false if none.
  bool munmap(uint64_t va, uint64_t length, const std::function<void()>& before_free = {});
  // Every mapping's start address.
  std::vector<uint64_t> mapping_starts() const;
  const Vma* find_vma(uint64_t va) const;
  std::vector<uint64_t> vmas_of_fd(int fd) const;

  // Functional access to the process's memory (the CPU's view), page by page through the
  // page table. Returns false if any page is unmapped.
  bool read(uint64_t va, void* dst, size_t len) const;
  bool write(uint64_t va, const void* src, size_t len);
  std::optional<uint64_t> translate(uint64_t va) const;

 private:
  uint64_t reserve(uint64_t length);
  int pid_;
  PhysicalMemory& memory_;
  FrameAllocator& frames_;
  PageTable page_table_;
  std::map<uint64_t, Vma> vmas_;
  uint64_t next_va_ = kMmapBase;
};

}  // namespace wdsim
