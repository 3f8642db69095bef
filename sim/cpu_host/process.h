// A simulated process: its address space (an AArch64 page table in simulated memory, which
// the SMMU walks for SVA) and its mappings. Anonymous memory is populated at mmap time
// (the walking skeleton does not model demand paging; device page faults are issue 3's).
// Device mappings (a queue's MMIO doorbell page, its DUS ring memory) are VMAs whose pages
// point at device or kernel-owned physical memory.
#pragma once

#include <cstdint>
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
  std::vector<uint64_t> frames;  // physical page of each 4 KiB page (anonymous: owned)
  int owner_fd = -1;             // device mappings: the fd they came from
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

  // Anonymous, populated, read-write memory. Returns the VA.
  uint64_t mmap_anonymous(uint64_t length);
  // Maps the given physical pages (device or kernel memory) at a fresh VA.
  uint64_t mmap_physical(const std::vector<uint64_t>& pages, VmaKind kind, int owner_fd,
                         bool writable);
  // Removes a mapping that starts at va; anonymous frames are freed. false if none.
  bool munmap(uint64_t va, uint64_t length);
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
