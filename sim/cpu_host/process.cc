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
      for (uint64_t f : vma.frames) frames_.free(f);
    }
  }
}

uint64_t Process::reserve(uint64_t length) {
  const uint64_t va = next_va_;
  next_va_ += align_up(length, kPage) + kGuard;
  return va;
}

uint64_t Process::mmap_anonymous(uint64_t length) {
  if (length == 0) throw std::invalid_argument("mmap_anonymous: zero length");
  Vma vma;
  vma.start = reserve(length);
  vma.length = align_up(length, kPage);
  vma.kind = VmaKind::kAnonymous;
  PtePerms perms;
  for (uint64_t off = 0; off < vma.length; off += kPage) {
    const uint64_t frame = frames_.alloc();
    vma.frames.push_back(frame);
    page_table_.map(vma.start + off, frame, kPage, perms);
  }
  vmas_[vma.start] = vma;
  return vma.start;
}

uint64_t Process::mmap_physical(const std::vector<uint64_t>& pages, VmaKind kind, int owner_fd,
                                bool writable) {
  Vma vma;
  vma.start = reserve(pages.size() * kPage);
  vma.length = pages.size() * kPage;
  vma.kind = kind;
  vma.frames = pages;
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

bool Process::munmap(uint64_t va, uint64_t length) {
  auto it = vmas_.find(va);
  if (it == vmas_.end() || align_up(length, kPage) != it->second.length) return false;
  page_table_.unmap(va, it->second.length);
  if (it->second.kind == VmaKind::kAnonymous) {
    for (uint64_t f : it->second.frames) frames_.free(f);
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
