#include "sim/cpu_host/process.h"

#include <stdexcept>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;
// A guard page between mappings, so an overrun faults instead of landing in a neighbour.
constexpr uint64_t kGuard = kPage;
}  // namespace

Process::Process(int pid, PhysicalMemory& memory, FrameAllocator& frames)
    : pid_(pid), memory_(memory), frames_(frames), page_table_(memory, frames) {}

Process::~Process() {
  for (auto& [va, vma] : vmas_) {
    if (vma.kind == VmaKind::kAnonymous) {
      for (uint64_t f : vma.frames) {
        if (f) frames_.free(f);
      }
    }
  }
}

uint64_t Process::reserve(uint64_t length) {
  const uint64_t va = next_va_;
  next_va_ += align_up(length, kPage) + kGuard;
  return va;
}

uint64_t Process::mmap_anonymous(uint64_t length, bool populate) {
  if (length == 0) throw std::invalid_argument("mmap_anonymous: zero length");
  Vma vma;
  vma.start = reserve(length);
  vma.length = align_up(length, kPage);
  vma.kind = VmaKind::kAnonymous;
  vma.frames.assign(vma.length / kPage, 0);
  vmas_[vma.start] = vma;
  if (populate) {
    for (uint64_t off = 0; off < vma.length; off += kPage) fault_in(vma.start + off);
  }
  return vma.start;
}

bool Process::is_untouched_anonymous(uint64_t va) const {
  const Vma* vma = find_vma(va);
  return vma && vma->kind == VmaKind::kAnonymous && vma->frames[(va - vma->start) / kPage] == 0;
}

bool Process::fault_in(uint64_t va) {
  if (!is_untouched_anonymous(va)) return false;
  Vma& vma = vmas_.at(find_vma(va)->start);
  const uint64_t index = (va - vma.start) / kPage;
  const uint64_t frame = frames_.alloc();
  static const std::vector<uint8_t> kZeroPage(kPage, 0);
  memory_.write(frame, kZeroPage.data(), kPage);
  vma.frames[index] = frame;
  PtePerms perms;
  perms.write = vma.writable;
  page_table_.map(vma.start + index * kPage, frame, kPage, perms);
  return true;
}

bool Process::protect(uint64_t va, uint64_t length, bool writable) {
  const Vma* found = find_vma(va);
  if (!found || va + length > found->start + found->length) return false;
  Vma& vma = vmas_.at(found->start);
  vma.writable = writable;
  PtePerms perms;
  perms.write = writable;
  perms.device = (vma.kind == VmaKind::kDeviceMmio);
  for (uint64_t p = align_down(va, kPage); p < va + length; p += kPage) {
    if (page_table_.translate(p)) page_table_.protect(p, kPage, perms);
  }
  return true;
}

std::vector<uint64_t> Process::mapping_starts() const {
  std::vector<uint64_t> out;
  for (const auto& [va, vma] : vmas_) out.push_back(va);
  return out;
}

uint64_t Process::mmap_physical(const std::vector<uint64_t>& pages, VmaKind kind, int owner_fd,
                                bool writable) {
  Vma vma;
  vma.start = reserve(pages.size() * kPage);
  vma.length = pages.size() * kPage;
  vma.kind = kind;
  vma.frames = pages;
  vma.writable = writable;
  vma.owner_fd = owner_fd;
  PtePerms perms;
  perms.write = writable;
  perms.device = (kind == VmaKind::kDeviceMmio);
  for (size_t i = 0; i < pages.size(); ++i) {
    page_table_.map(vma.start + i * kPage, pages[i], kPage, perms);
  }
  vmas_[vma.start] = vma;
  return vma.start;
}

bool Process::munmap(uint64_t va, uint64_t length, const std::function<void()>& before_free) {
  auto it = vmas_.find(va);
  if (it == vmas_.end() || align_up(length, kPage) != it->second.length) return false;
  page_table_.unmap(va, it->second.length);
  if (before_free) before_free();
  if (it->second.kind == VmaKind::kAnonymous) {
    for (uint64_t f : it->second.frames) {
      if (f) frames_.free(f);
    }
  }
  vmas_.erase(it);
  return true;
}

const Vma* Process::find_vma(uint64_t va) const {
  auto it = vmas_.upper_bound(va);
  if (it == vmas_.begin()) return nullptr;
  --it;
  return (va < it->second.start + it->second.length) ? &it->second : nullptr;
}

std::vector<uint64_t> Process::vmas_of_fd(int fd) const {
  std::vector<uint64_t> out;
  for (const auto& [va, vma] : vmas_) {
    if (vma.owner_fd == fd) out.push_back(va);
  }
  return out;
}

std::optional<uint64_t> Process::translate(uint64_t va) const {
  auto t = page_table_.translate(va);
  if (!t) return std::nullopt;
  return t->pa;
}

bool Process::read(uint64_t va, void* dst, size_t len) const {
  auto* out = static_cast<uint8_t*>(dst);
  while (len > 0) {
    auto pa = translate(va);
    if (!pa) return false;
    const size_t chunk = std::min<uint64_t>(len, kPage - (va & (kPage - 1)));
    memory_.read(*pa, out, chunk);
    va += chunk;
    out += chunk;
    len -= chunk;
  }
  return true;
}

bool Process::write(uint64_t va, const void* src, size_t len) {
  auto* in = static_cast<const uint8_t*>(src);
  while (len > 0) {
    auto pa = translate(va);
    if (!pa) return false;
    const size_t chunk = std::min<uint64_t>(len, kPage - (va & (kPage - 1)));
    memory_.write(*pa, in, chunk);
    va += chunk;
    in += chunk;
    len -= chunk;
  }
  return true;
}

}  // namespace wdsim
