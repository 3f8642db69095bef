// PageTable: one process's (or the kernel's) AArch64 stage-1 translation table, as the CPU MMU
// and the SMMU (SVA: CD.TTB0 = root_pa()) walk it. 48-bit VA (TTBR0 range) with a granule chosen
// at construction: 4 KiB (levels 0-3, the default), 16 KiB (levels 0-3, a 2-entry level-0
// table) or 64 KiB (levels 1-3, a 64-entry level-1 table). Whoever points a walker at root_pa()
// must program T0SZ = 16 and TG0 = granule_tg0() (0 = 4K, 1 = 64K, 2 = 16K; the same encoding
// in TCR_EL1.TG0 and SMMU CD.TG0), with the walk starting at start_level(). The tables live in
// PhysicalMemory as real descriptors, built with the facts in sim/base/aarch64_pte.h (Arm ARM
// D8.2 "Translation process", D8.3 "Translation table descriptor formats").
//
// Every table, the start-level one included, is one granule of memory aligned to the granule
// (granule/4K contiguous frames; see alloc_aligned_frames). The hardware would accept a smaller
// start-level table (16 B for 16K, 512 B for 64K); Linux too gives the pgd its own small
// allocation then, which is not modelled.
//
// Leaf descriptors are pages (level 3) or blocks: 4K 1 GiB (level 1) and 2 MiB (level 2), 16K
// 32 MiB (level 2), 64K 512 MiB (level 2) (no FEAT_LPA/LPA2, so no 4K level-0, 16K level-1 or
// 64K level-1 blocks). Descriptors written (Linux arch/arm64/include/asm/pgtable-prot.h is the
// model):
//   table:        valid | table | next-level table PA; APTable/XNTable/PXNTable = 0.
//   page (L3):    valid | page | AttrIndx | SH = inner shareable | AF = 1 | output PA
//                 AP[1] (EL0 access) when user; AP[2] (read-only) when !write;
//                 nG when user (user mappings are ASID-tagged, as Linux's PTE_NG);
//                 !exec: UXN | PXN; exec && user: PXN (the kernel never executes user
//                 pages); exec && !user: UXN.
//   block (L1/2): the page descriptor with bit 1 clear (bits[1:0] = 0b01), as Linux's
//                 PMD_SECT/PUD_SECT for huge pages.
//   AttrIndx = kAttrIndxNormal (0, Linux MT_NORMAL) or, for PtePerms::device, kAttrIndxDevice
//   (3, Linux MT_DEVICE_nGnRnE, what pgprot_noncached gives an MMIO mmap).
//   PROT_NONE (read = write = exec = false): an invalid descriptor that keeps the output address
//   and the software bit kProtNoneBit (bit 58, Linux PTE_PROT_NONE), so hardware walks fault
//   and protect() can restore it. Write or exec without read map readable: AArch64 stage 1
//   cannot express write-only, and Linux arm64 maps PROT_WRITE/PROT_EXEC readable too.
//
// Does not model: the contiguous hint, TTBR1 (kernel upper half), 52-bit VA/PA, hardware
// Access-flag/Dirty management (AF is set at map time; DBM is clear), freeing intermediate
// tables on unmap (Linux keeps them until free_pgtables; map() of a block over a table whose
// whole subtree is empty frees that subtree, as a huge-page collapse would), splitting a block
// on a partial unmap/protect (rejected instead), and the cost of building tables (the kernel
// model charges software cost; TLB maintenance, including after a table is replaced by a block,
// is the caller's job).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "sim/cpu_host/kernel/frame_allocator.h"
#include "sim/cpu_host/physical_memory.h"

namespace wdsim {

struct PtePerms {
  bool read = true;
  bool write = true;
  bool exec = false;
  bool user = true;
  bool device = false;  // MMIO: Device-nGnRnE memory type instead of Normal

  bool operator==(const PtePerms&) const = default;
};

struct Translation {
  uint64_t pa = 0;  // output address of the byte at va
  PtePerms perms;
  uint64_t descriptor = 0;  // raw leaf descriptor (page or block)
  unsigned level = 3;       // level of the leaf: 3 for a page, 1 or 2 for a block
  uint64_t page_size = 0;   // bytes the leaf maps: the granule, or the block size
};

// Translation granule of a PageTable.
enum class PageGranule : uint8_t { k4K, k16K, k64K };

constexpr unsigned granule_shift(PageGranule g) {
  return g == PageGranule::k4K ? 12 : g == PageGranule::k16K ? 14 : 16;
}
constexpr uint64_t granule_bytes(PageGranule g) { return 1ull << granule_shift(g); }
// TCR_EL1.TG0 / SMMU CD.TG0 encoding of the granule: 0 = 4K, 1 = 64K, 2 = 16K.
constexpr uint8_t granule_tg0(PageGranule g) {
  return g == PageGranule::k4K ? 0 : g == PageGranule::k64K ? 1 : 2;
}

// `n` contiguous frames whose first address is a multiple of `align` (a power of two and a
// multiple of the frame size), taken from `frames`. FrameAllocator::alloc_contiguous returns the
// lowest free run, aligned only to 4 KiB; this takes that run if it happens to be aligned,
// otherwise it takes the lowest run of n + align/4K - 1 frames and frees the frames before and
// after the aligned window. Deterministic, but it can miss an aligned window in a free extent
// shorter than n + align/4K - 1 frames. Throws std::runtime_error when out of memory.
uint64_t alloc_aligned_frames(FrameAllocator& frames, size_t n, uint64_t align);

class PageTable {
 public:
  static constexpr unsigned kVaBits = 48;
  static constexpr unsigned kT0sz = 64 - kVaBits;  // 16
  static constexpr uint64_t kPageSize = 4096;      // the 4K granule; see granule_size()
  static constexpr unsigned kAttrIndxNormal = 0;   // MAIR index of Normal WB memory (MT_NORMAL)
  static constexpr unsigned kAttrIndxDevice = 3;   // MAIR index of Device-nGnRnE
  static constexpr uint64_t kProtNoneBit = 1ull << 58;  // software bit, ignored by hardware

  // Allocates and zeroes the start-level table (one granule, granule-aligned).
  PageTable(PhysicalMemory& mem, FrameAllocator& frames, PageGranule granule = PageGranule::k4K);
  // Returns every table to the allocator (which must outlive this object).
  ~PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  uint64_t root_pa() const { return root_pa_; }
  PageGranule granule() const { return granule_; }
  unsigned granule_shift() const { return wdsim::granule_shift(granule_); }
  uint64_t granule_size() const { return granule_bytes(granule_); }
  uint8_t granule_tg0() const { return wdsim::granule_tg0(granule_); }
  // Levels of a walk (4 for 4K and 16K, 3 for 64K) and the level it starts at (0, 0, 1).
  unsigned levels() const;
  unsigned start_level() const;
  // Bytes one descriptor at `level` maps (level in start_level()..3).
  uint64_t level_size(unsigned level) const;
  // Whether map() accepts `page_size`: the granule or a block size of this granule.
  bool supports_page_size(uint64_t page_size) const;

  // Maps [va, va + size) to [pa, pa + size) with leaves of `page_size` bytes: the granule
  // (level-3 pages, the 4-argument form) or a block size (4K: 2 MiB or 1 GiB; 16K: 32 MiB; 64K:
  // 512 MiB), allocating intermediate tables. va, pa and size must be page_size aligned, size > 0,
  // va + size <= 2^48, pa + size <= 2^48, and nothing in the range may already be mapped (a
  // table under a new block's slot is fine if its whole subtree is empty: it is freed):
  // std::invalid_argument otherwise (caller bug; nothing is changed). Throws std::runtime_error
  // when the allocator runs out of frames for tables.
  void map(uint64_t va, uint64_t pa, uint64_t size, PtePerms perms);
  void map(uint64_t va, uint64_t pa, uint64_t size, PtePerms perms, uint64_t page_size);
  // Clears the leaf descriptors (pages and blocks) of [va, va + size); holes are skipped.
  // Returns the number of granule-sized pages that were mapped (including PROT_NONE ones; a
  // block counts as block size / granule). va and size must be granule aligned, and a block in
  // the range must lie wholly inside it: std::invalid_argument otherwise (nothing is changed).
  size_t unmap(uint64_t va, uint64_t size);
  // Rewrites the permissions of every page and block in [va, va + size), keeping output
  // addresses; holes are skipped. Returns the number of granule-sized pages changed. Alignment
  // and whole-block rule as for unmap().
  size_t protect(uint64_t va, uint64_t size, PtePerms perms);

  // Software walk: the translation of va, or nullopt when unmapped, PROT_NONE or va >= 2^48.
  // Successful walks are remembered per granule page (a host-speed cache, not a model of a TLB:
  // it costs no simulated time and changes no result) until the next map, unmap or protect; the
  // tables change only through those calls (the SMMU model has no hardware Access-flag or dirty
  // updates, and the tables sit in kernel frames no device mapping reaches).
  std::optional<Translation> translate(uint64_t va) const;

  // Tables in use (each one granule of memory), the root included.
  size_t table_pages() const { return tables_.size(); }

  // The page descriptor for (pa, perms); exposed for tests and for the SMMU tests' fixtures.
  static uint64_t page_descriptor(uint64_t pa, const PtePerms& perms);
  // The block descriptor for (pa, perms): the page descriptor with bit 1 clear.
  static uint64_t block_descriptor(uint64_t pa, const PtePerms& perms);
  // Permissions of a page or block descriptor.
  static PtePerms decode_perms(uint64_t page_descriptor);

 private:
  // Where a walk of va stopped: the descriptor slot at `level` and its value. The walk stops at
  // the first descriptor that is not a valid table, or at the level it was asked to stop at.
  struct Walk {
    unsigned level = 0;
    uint64_t slot = 0;
    uint64_t desc = 0;
  };
  Walk walk(uint64_t va, unsigned last_level) const;
  // Slot of va's descriptor at `level`, creating missing tables above it.
  uint64_t create_slot(uint64_t va, unsigned level);
  uint64_t slot_of(uint64_t table, uint64_t va, unsigned level) const;
  uint64_t next_table_pa(uint64_t table_desc) const;
  bool subtree_empty(uint64_t table, unsigned level) const;
  void free_subtree(uint64_t table, unsigned level);
  void check_range(const char* what, uint64_t va, uint64_t size, uint64_t align) const;
  // Calls fn(walk, leaf_va) for every leaf (page or block) overlapping [va, va + size), first
  // checking that every block lies wholly inside the range.
  template <typename Fn>
  size_t for_each_leaf(const char* what, uint64_t va, uint64_t size, Fn fn);
  uint64_t new_table();
  // Forgets every remembered walk (the tables are about to change).
  void forget_walks() const;

  // Host-speed cache of successful walks, direct-mapped by granule page number (kWalkCacheSize
  // entries: enough for the handful of pages a request touches: SQ, CQ, status word, buffers).
  static constexpr size_t kWalkCacheSize = 64;
  struct CachedWalk {
    uint64_t page = ~uint64_t{0};  // va >> granule_shift(); ~0: empty
    Translation leaf;              // pa: of the leaf's first byte
  };
  mutable std::array<CachedWalk, kWalkCacheSize> walk_cache_{};
  mutable bool walk_cache_used_ = false;

  PhysicalMemory& mem_;
  FrameAllocator& frames_;
  PageGranule granule_;
  uint64_t root_pa_;
  std::set<uint64_t> tables_;  // every table's PA
};

}  // namespace wdsim
