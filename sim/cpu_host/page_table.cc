#include "sim/cpu_host/page_table.h"

#include <stdexcept>
#include <string>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"

namespace wdsim {

namespace pte = aarch64;

namespace {

constexpr uint64_t kVaLimit = 1ull << PageTable::kVaBits;
constexpr uint64_t kDescBytes = 8;
constexpr unsigned kLeafLevel = pte::kLevels4K - 1;

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

PageTable::PageTable(PhysicalMemory& mem, FrameAllocator& frames)
    : mem_(mem), frames_(frames), root_pa_(0) {
  root_pa_ = new_table();
}

PageTable::~PageTable() {
  for (uint64_t pa : tables_) frames_.free(pa);
}

uint64_t PageTable::new_table() {
  const uint64_t pa = frames_.alloc();
  static const PhysicalMemory::Page kZeroPage{};
  mem_.write(pa, kZeroPage.data(), kZeroPage.size());
  tables_.push_back(pa);
  return pa;
}

void PageTable::check_range(const char* what, uint64_t va, uint64_t size) const {
  if (va % kPageSize != 0 || size % kPageSize != 0 || size == 0) {
    throw std::invalid_argument(std::string("PageTable::") + what +
                                ": va and size must be 4 KiB aligned and size > 0 (va=" + hex(va) +
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

std::optional<uint64_t> PageTable::find_leaf_slot(uint64_t va) const {
  uint64_t table = root_pa_;
  for (unsigned level = 0; level < kLeafLevel; ++level) {
    const uint64_t desc = mem_.read64(table + pte::table_index_4k(va, level) * kDescBytes);
    if (!is_table(desc)) return std::nullopt;
    table = desc & pte::kOutputAddrMask;
  }
  return table + pte::table_index_4k(va, kLeafLevel) * kDescBytes;
}

std::optional<uint64_t> PageTable::leaf_slot(uint64_t va, bool create) {
  if (!create) return find_leaf_slot(va);
  uint64_t table = root_pa_;
  for (unsigned level = 0; level < kLeafLevel; ++level) {
    const uint64_t slot = table + pte::table_index_4k(va, level) * kDescBytes;
    uint64_t desc = mem_.read64(slot);
    if (!is_table(desc)) {
      const uint64_t next = new_table();
      desc = next | pte::kDescTable | pte::kDescValid;
      mem_.write64(slot, desc);
    }
    table = desc & pte::kOutputAddrMask;
  }
  return table + pte::table_index_4k(va, kLeafLevel) * kDescBytes;
}

void PageTable::map(uint64_t va, uint64_t pa, uint64_t size, PtePerms perms) {
  check_range("map", va, size);
  if (pa % kPageSize != 0 || pa >= kVaLimit || size > kVaLimit - pa) {
    throw std::invalid_argument(
        "PageTable::map: pa must be 4 KiB aligned and below 2^48 (pa=" + hex(pa) + ")");
  }
  for (uint64_t off = 0; off < size; off += kPageSize) {
    auto slot = find_leaf_slot(va + off);
    if (slot && mem_.read64(*slot) != 0) {
      throw std::invalid_argument("PageTable::map: va " + hex(va + off) + " is already mapped");
    }
  }
  for (uint64_t off = 0; off < size; off += kPageSize) {
    mem_.write64(*leaf_slot(va + off, true), page_descriptor(pa + off, perms));
  }
}

size_t PageTable::unmap(uint64_t va, uint64_t size) {
  check_range("unmap", va, size);
  size_t pages = 0;
  for (uint64_t off = 0; off < size; off += kPageSize) {
    auto slot = find_leaf_slot(va + off);
    if (!slot || mem_.read64(*slot) == 0) continue;
    mem_.write64(*slot, 0);
    ++pages;
  }
  return pages;
}

size_t PageTable::protect(uint64_t va, uint64_t size, PtePerms perms) {
  check_range("protect", va, size);
  size_t pages = 0;
  for (uint64_t off = 0; off < size; off += kPageSize) {
    auto slot = find_leaf_slot(va + off);
    if (!slot) continue;
    const uint64_t desc = mem_.read64(*slot);
    if (desc == 0) continue;
    mem_.write64(*slot, page_descriptor(desc & pte::kOutputAddrMask, perms));
    ++pages;
  }
  return pages;
}

std::optional<Translation> PageTable::translate(uint64_t va) const {
  if (va >= kVaLimit) return std::nullopt;
  auto slot = find_leaf_slot(va);
  if (!slot) return std::nullopt;
  const uint64_t desc = mem_.read64(*slot);
  if ((desc & (pte::kDescValid | pte::kDescPage)) != (pte::kDescValid | pte::kDescPage)) {
    return std::nullopt;
  }
  Translation t;
  t.pa = (desc & pte::kOutputAddrMask) | (va & (kPageSize - 1));
  t.perms = decode_perms(desc);
  t.descriptor = desc;
  return t;
}

}  // namespace wdsim
