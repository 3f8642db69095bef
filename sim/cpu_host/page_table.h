// PageTable: one process's (or the kernel's) AArch64 stage-1 translation table, as the CPU MMU
// and the SMMU (SVA: CD.TTB0 = root_pa()) walk it. 4 KiB granule, 4 levels (0..3), 48-bit VA
// (TTBR0 range, T0SZ = 16). The tables live in PhysicalMemory as real descriptors, built with
// the facts in sim/base/aarch64_pte.h (Arm ARM D8.3 "Translation table descriptor formats").
//
// Descriptors written (Linux arch/arm64/include/asm/pgtable-prot.h is the model):
//   table (levels 0-2): valid | table | next-level table PA; APTable/XNTable/PXNTable = 0.
//   page (level 3):     valid | page | AttrIndx | SH = inner shareable | AF = 1 | output PA
//                       AP[1] (EL0 access) when user; AP[2] (read-only) when !write;
//                       nG when user (user mappings are ASID-tagged, as Linux's PTE_NG);
//                       !exec: UXN | PXN; exec && user: PXN (the kernel never executes user
//                       pages); exec && !user: UXN.
//   AttrIndx = kAttrIndxNormal (0, Linux MT_NORMAL) or, for PtePerms::device, kAttrIndxDevice
//   (3, Linux MT_DEVICE_nGnRnE, what pgprot_noncached gives an MMIO mmap).
//   PROT_NONE (read = write = exec = false): an invalid descriptor that keeps the output address
//   and the software bit kProtNoneBit (bit 58, Linux PTE_PROT_NONE), so hardware walks fault
//   and protect() can restore it. Write or exec without read map readable: AArch64 stage 1
//   cannot express write-only, and Linux arm64 maps PROT_WRITE/PROT_EXEC readable too.
//
// Does not model: block (1 GiB / 2 MiB) mappings, contiguous hint, 16K/64K granules, TTBR1
// (kernel upper half), hardware Access-flag/Dirty management (AF is set at map time; DBM is
// clear), freeing intermediate tables on unmap (Linux keeps them until free_pgtables), and the
// cost of building tables (the kernel model charges software cost; TLB maintenance is the
// caller's job).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sim/cpu_host/frame_allocator.h"
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
  uint64_t descriptor = 0;  // raw level-3 descriptor
};

class PageTable {
 public:
  static constexpr unsigned kVaBits = 48;
  static constexpr uint64_t kPageSize = 4096;
  static constexpr unsigned kAttrIndxNormal = 0;  // MAIR index of Normal WB memory (MT_NORMAL)
  static constexpr unsigned kAttrIndxDevice = 3;  // MAIR index of Device-nGnRnE
  static constexpr uint64_t kProtNoneBit = 1ull << 58;  // software bit, ignored by hardware

  // Allocates and zeroes the level-0 table.
  PageTable(PhysicalMemory& mem, FrameAllocator& frames);
  // Returns every table page to the allocator (which must outlive this object).
  ~PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  uint64_t root_pa() const { return root_pa_; }

  // Maps [va, va + size) to [pa, pa + size) with 4 KiB pages, allocating intermediate tables.
  // va, pa and size must be 4 KiB aligned, size > 0, va + size <= 2^48, pa + size <= 2^48, and no
  // page in the range may already be mapped: std::invalid_argument otherwise (caller bug; nothing
  // is changed). Throws std::runtime_error when the allocator runs out of frames for tables.
  void map(uint64_t va, uint64_t pa, uint64_t size, PtePerms perms);
  // Clears the level-3 descriptors of [va, va + size); holes are skipped. Returns the number of
  // pages that were mapped (including PROT_NONE ones). Alignment as for map().
  size_t unmap(uint64_t va, uint64_t size);
  // Rewrites the permissions of every mapped page in [va, va + size), keeping output addresses;
  // holes are skipped. Returns the number of pages changed.
  size_t protect(uint64_t va, uint64_t size, PtePerms perms);

  // Software walk: the translation of va, or nullopt when unmapped, PROT_NONE or va >= 2^48.
  std::optional<Translation> translate(uint64_t va) const;

  // Table pages in use, the root included.
  size_t table_pages() const { return tables_.size(); }

  // The page descriptor for (pa, perms); exposed for tests and for the SMMU tests' fixtures.
  static uint64_t page_descriptor(uint64_t pa, const PtePerms& perms);
  static PtePerms decode_perms(uint64_t page_descriptor);

 private:
  void check_range(const char* what, uint64_t va, uint64_t size) const;
  // Physical address of the level-3 descriptor for va; allocates missing tables when `create`,
  // otherwise returns nullopt at the first missing table.
  std::optional<uint64_t> leaf_slot(uint64_t va, bool create);
  std::optional<uint64_t> find_leaf_slot(uint64_t va) const;
  uint64_t new_table();

  PhysicalMemory& mem_;
  FrameAllocator& frames_;
  uint64_t root_pa_;
  std::vector<uint64_t> tables_;  // every table page, in allocation order
};

}  // namespace wdsim
