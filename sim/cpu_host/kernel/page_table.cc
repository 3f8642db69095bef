#include "sim/cpu_host/kernel/page_table.h"

#include <stdexcept>
#include <string>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"

namespace wdsim {

namespace pte = aarch64;

namespace {

constexpr uint64_t kVaLimit = 1ull << PageTable::kVaBits;
constexpr uint64_t kDescBytes = 8;
constexpr unsigned kLeafLevel = pte::kLastLevel;
constexpr uint64_t kFrame = FrameAllocator::kFrameSize;

bool is_table(uint64_t desc) {
  return (desc & (pte::kDescValid | pte::kDescTable)) == (pte::kDescValid | pte::kDescTable);
}

std::string hex(uint64_t v) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

}  // namespace

uint64_t alloc_aligned_frames(FrameAllocator& frames, size_t n, uint64_t align) {
  if (align < kFrame || (align & (align - 1)) != 0) {
    throw std::invalid_argument("alloc_aligned_frames: align must be a power of two >= 4 KiB");
  }
  const uint64_t first = frames.alloc_contiguous(n);
  if (first % align == 0) return first;
  frames.free_contiguous(first, n);
  const size_t slack = static_cast<size_t>(align / kFrame) - 1;
  const uint64_t run = frames.alloc_contiguous(n + slack);
  const uint64_t start = align_up(run, align);
  const size_t head = static_cast<size_t>((start - run) / kFrame);
  if (head > 0) frames.free_contiguous(run, head);
  if (slack > head) frames.free_contiguous(start + n * kFrame, slack - head);
  return start;
}

PageTable::PageTable(PhysicalMemory& mem, FrameAllocator& frames, PageGranule granule)
    : mem_(mem), frames_(frames), granule_(granule), root_pa_(0) {
  root_pa_ = new_table();
}

PageTable::~PageTable() {
  const size_t n = static_cast<size_t>(granule_size() / kFrame);
  for (uint64_t pa : tables_) frames_.free_contiguous(pa, n);
}

unsigned PageTable::levels() const { return pte::levels_48bit(granule_shift()); }
unsigned PageTable::start_level() const { return pte::start_level_48bit(granule_shift()); }
uint64_t PageTable::level_size(unsigned level) const {
  return 1ull << pte::level_shift(granule_shift(), level);
}

bool PageTable::supports_page_size(uint64_t page_size) const {
  if (page_size == granule_size()) return true;
  for (unsigned level = start_level(); level < kLeafLevel; ++level) {
    if (pte::block_allowed(granule_shift(), level) && page_size == level_size(level)) return true;
  }
  return false;
}

uint64_t PageTable::new_table() {
  const uint64_t bytes = granule_size();
  const uint64_t pa = alloc_aligned_frames(frames_, static_cast<size_t>(bytes / kFrame), bytes);
  static const PhysicalMemory::Page kZeroPage{};
  for (uint64_t off = 0; off < bytes; off += kZeroPage.size()) {
    mem_.write(pa + off, kZeroPage.data(), kZeroPage.size());
  }
  tables_.insert(pa);
  return pa;
}

void PageTable::check_range(const char* what, uint64_t va, uint64_t size, uint64_t align) const {
  if (va % align != 0 || size % align != 0 || size == 0) {
    throw std::invalid_argument(std::string("PageTable::") + what + ": va and size must be " +
                                hex(align) + " aligned and size > 0 (va=" + hex(va) +
                                " size=" + hex(size) + ")");
  }
  if (va >= kVaLimit || size > kVaLimit - va) {
    throw std::invalid_argument(std::string("PageTable::") + what +
                                ": range beyond 48-bit VA (va=" + hex(va) + " size=" + hex(size) +
                                ")");
  }
}

uint64_t PageTable::page_descriptor(uint64_t pa, const PtePerms& perms) {
  const bool prot_none = !perms.read && !perms.write && !perms.exec;
  const unsigned attr_index = perms.device ? kAttrIndxDevice : kAttrIndxNormal;
  uint64_t d = (pa & pte::kOutputAddrMask) | pte::kDescPage | pte::kShInner | pte::kAccessFlag;
  d |= static_cast<uint64_t>(attr_index) << pte::kAttrIndxLo;
  if (perms.user) d |= pte::kApUser | pte::kNotGlobal;
  if (!perms.write) d |= pte::kApReadOnly;
  if (!perms.exec) {
    d |= pte::kUxn | pte::kPxn;
  } else {
    d |= perms.user ? pte::kPxn : pte::kUxn;
  }
  if (prot_none) return d | kProtNoneBit;  // invalid to hardware
  return d | pte::kDescValid;
}

uint64_t PageTable::block_descriptor(uint64_t pa, const PtePerms& perms) {
  return page_descriptor(pa, perms) & ~pte::kDescPage;
}

PtePerms PageTable::decode_perms(uint64_t d) {
  PtePerms p;
  p.user = (d & pte::kApUser) != 0;
  p.device = get_bits(d, pte::kAttrIndxLo + 2, pte::kAttrIndxLo) == kAttrIndxDevice;
  if ((d & pte::kDescValid) == 0) {
    p.read = p.write = p.exec = false;
    return p;
  }
  p.read = true;
  p.write = (d & pte::kApReadOnly) == 0;
  p.exec = (d & (p.user ? pte::kUxn : pte::kPxn)) == 0;
  return p;
}

uint64_t PageTable::slot_of(uint64_t table, uint64_t va, unsigned level) const {
  return table + pte::table_index(va, granule_shift(), level) * kDescBytes;
}

uint64_t PageTable::next_table_pa(uint64_t table_desc) const {
  return table_desc & pte::output_addr_mask(granule_shift());
}

PageTable::Walk PageTable::walk(uint64_t va, unsigned last_level) const {
  Walk w;
  uint64_t table = root_pa_;
  for (w.level = start_level();; ++w.level) {
    w.slot = slot_of(table, va, w.level);
    w.desc = mem_.read64(w.slot);
    if (w.level >= last_level || !is_table(w.desc)) return w;
    table = next_table_pa(w.desc);
  }
}

uint64_t PageTable::create_slot(uint64_t va, unsigned level) {
  uint64_t table = root_pa_;
  for (unsigned l = start_level(); l < level; ++l) {
    const uint64_t slot = slot_of(table, va, l);
    uint64_t desc = mem_.read64(slot);
    if (!is_table(desc)) {
      desc = new_table() | pte::kDescTable | pte::kDescValid;
      mem_.write64(slot, desc);
    }
    table = next_table_pa(desc);
  }
  return slot_of(table, va, level);
}

bool PageTable::subtree_empty(uint64_t table, unsigned level) const {
  const uint64_t entries = granule_size() / kDescBytes;
  for (uint64_t i = 0; i < entries; ++i) {
    const uint64_t desc = mem_.read64(table + i * kDescBytes);
    if (desc == 0) continue;
    if (level == kLeafLevel || !is_table(desc)) return false;
    if (!subtree_empty(next_table_pa(desc), level + 1)) return false;
  }
  return true;
}

void PageTable::forget_walks() const {
  if (!walk_cache_used_) return;
  for (CachedWalk& c : walk_cache_) c.page = ~uint64_t{0};
  walk_cache_used_ = false;
}

void PageTable::free_subtree(uint64_t table, unsigned level) {
  forget_walks();
  const uint64_t entries = granule_size() / kDescBytes;
  if (level < kLeafLevel) {
    for (uint64_t i = 0; i < entries; ++i) {
      const uint64_t desc = mem_.read64(table + i * kDescBytes);
      if (is_table(desc)) free_subtree(next_table_pa(desc), level + 1);
    }
  }
  tables_.erase(table);
  frames_.free_contiguous(table, static_cast<size_t>(granule_size() / kFrame));
}

void PageTable::map(uint64_t va, uint64_t pa, uint64_t size, PtePerms perms) {
  map(va, pa, size, perms, granule_size());
}

void PageTable::map(uint64_t va, uint64_t pa, uint64_t size, PtePerms perms, uint64_t page_size) {
  forget_walks();
  if (!supports_page_size(page_size)) {
    throw std::invalid_argument("PageTable::map: page size " + hex(page_size) +
                                " is neither the granule nor a block size of it");
  }
  check_range("map", va, size, page_size);
  if (pa % page_size != 0 || pa >= kVaLimit || size > kVaLimit - pa) {
    throw std::invalid_argument("PageTable::map: pa must be " + hex(page_size) +
                                " aligned and below 2^48 (pa=" + hex(pa) + ")");
  }
  unsigned leaf_level = kLeafLevel;
  while (level_size(leaf_level) != page_size) --leaf_level;

  for (uint64_t off = 0; off < size; off += page_size) {
    const Walk w = walk(va + off, leaf_level);
    if (w.desc == 0) continue;  // a hole at or above the leaf level
    if (w.level == leaf_level && is_table(w.desc) &&
        subtree_empty(next_table_pa(w.desc), leaf_level + 1)) {
      continue;  // an empty table where the block goes: freed below
    }
    throw std::invalid_argument("PageTable::map: va " + hex(va + off) + " is already mapped");
  }
  const uint64_t leaf =
      leaf_level == kLeafLevel ? page_descriptor(0, perms) : block_descriptor(0, perms);
  for (uint64_t off = 0; off < size; off += page_size) {
    const uint64_t slot = create_slot(va + off, leaf_level);
    const uint64_t old = mem_.read64(slot);
    if (is_table(old)) free_subtree(next_table_pa(old), leaf_level + 1);
    mem_.write64(slot, leaf | ((pa + off) & pte::output_addr_mask(granule_shift())));
  }
}

template <typename Fn>
size_t PageTable::for_each_leaf(const char* what, uint64_t va, uint64_t size, Fn fn) {
  check_range(what, va, size, granule_size());
  const uint64_t end = va + size;
  for (int pass = 0; pass < 2; ++pass) {  // pass 0 checks, pass 1 changes
    size_t pages = 0;
    for (uint64_t cur = va; cur < end;) {
      const Walk w = walk(cur, kLeafLevel);
      const uint64_t span = level_size(w.level);
      const uint64_t leaf_va = align_down(cur, span);
      cur = leaf_va + span;
      if (w.desc == 0) continue;  // a hole of `span` bytes
      if (pass == 0) {
        if (leaf_va < va || leaf_va + span > end) {
          throw std::invalid_argument(std::string("PageTable::") + what + ": the range " + hex(va) +
                                      "+" + hex(size) + " covers part of the block at " +
                                      hex(leaf_va) + " (size " + hex(span) + ")");
        }
      } else {
        fn(w);
      }
      pages += static_cast<size_t>(span / granule_size());
    }
    if (pass == 1) return pages;
  }
  return 0;
}

size_t PageTable::unmap(uint64_t va, uint64_t size) {
  forget_walks();
  return for_each_leaf("unmap", va, size, [&](const Walk& w) { mem_.write64(w.slot, 0); });
}

size_t PageTable::protect(uint64_t va, uint64_t size, PtePerms perms) {
  forget_walks();
  return for_each_leaf("protect", va, size, [&](const Walk& w) {
    const uint64_t out = w.desc & pte::output_addr_mask(pte::level_shift(granule_shift(), w.level));
    mem_.write64(
        w.slot, w.level == kLeafLevel ? page_descriptor(out, perms) : block_descriptor(out, perms));
  });
}

std::optional<Translation> PageTable::translate(uint64_t va) const {
  if (va >= kVaLimit) return std::nullopt;
  const uint64_t page = va >> granule_shift();
  CachedWalk& cached = walk_cache_[page % kWalkCacheSize];
  if (cached.page == page) {
    Translation t = cached.leaf;
    t.pa |= va & (t.page_size - 1);
    return t;
  }
  const Walk w = walk(va, kLeafLevel);
  if ((w.desc & pte::kDescValid) == 0) return std::nullopt;
  if (w.level == kLeafLevel) {
    if ((w.desc & pte::kDescPage) == 0) return std::nullopt;  // reserved at level 3
  } else if (!pte::block_allowed(granule_shift(), w.level)) {
    return std::nullopt;  // our tables never hold one; hardware would fault
  }
  const unsigned shift = pte::level_shift(granule_shift(), w.level);
  Translation t;
  t.pa = (w.desc & pte::output_addr_mask(shift)) | (va & bit_mask(shift - 1, 0));
  t.perms = decode_perms(w.desc);
  t.descriptor = w.desc;
  t.level = w.level;
  t.page_size = 1ull << shift;
  cached.page = page;
  cached.leaf = t;
  cached.leaf.pa &= ~(t.page_size - 1);
  walk_cache_used_ = true;
  return t;
}

}  // namespace wdsim
