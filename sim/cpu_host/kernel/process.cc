#include "sim/cpu_host/kernel/process.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <stdexcept>

#include "sim/base/bits.h"

namespace wdsim {

namespace {
constexpr uint64_t kFrame = FrameAllocator::kFrameSize;
constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k32M = 32ull << 20;
constexpr uint64_t k512M = 512ull << 20;
constexpr uint64_t k1G = 1ull << 30;
}  // namespace

std::optional<ProcessPageSize> process_page_size(uint64_t page_size) {
  switch (page_size) {
    case 4096:
      return ProcessPageSize{PageGranule::k4K, 0};
    case 16384:
      return ProcessPageSize{PageGranule::k16K, 0};
    case 65536:
      return ProcessPageSize{PageGranule::k64K, 0};
    case k2M:
    case k1G:
      return ProcessPageSize{PageGranule::k4K, page_size};
    case k32M:
      return ProcessPageSize{PageGranule::k16K, page_size};
    case k512M:
      return ProcessPageSize{PageGranule::k64K, page_size};
    default:
      return std::nullopt;
  }
}

const char *process_state_name(ProcessState state) {
  switch (state) {
    case ProcessState::kRunning:
      return "running";
    case ProcessState::kExiting:
      return "exiting";
    case ProcessState::kExited:
      return "exited";
    case ProcessState::kKilled:
      return "killed";
  }
  return "unknown";
}

Process::Process(int pid, PhysicalMemory &memory, FrameAllocator &frames, PageGranule granule)
    : pid_(pid), memory_(memory), frames_(frames), page_table_(memory, frames, granule) {}

Process::~Process() {
  for (auto &[va, vma] : vmas_) free_frames(vma);
}

int Process::wait_status() const {
  // Linux: WIFEXITED when the low 7 bits are 0, WEXITSTATUS = bits 15..8; WIFSIGNALED otherwise.
  constexpr int kExitCodeMask = 0xff;
  constexpr int kExitCodeShift = 8;
  constexpr int kSignalMask = 0x7f;
  if (state_ == ProcessState::kExited) return (exit_code_ & kExitCodeMask) << kExitCodeShift;
  if (state_ == ProcessState::kKilled) return term_signal_ & kSignalMask;
  return -1;
}

void Process::begin_exit() {
  if (state_ != ProcessState::kRunning) throw std::logic_error("process is not running");
  state_ = ProcessState::kExiting;
}

void Process::end_exit(ProcessState final_state, int exit_code, int signo) {
  if (final_state != ProcessState::kExited && final_state != ProcessState::kKilled) {
    throw std::invalid_argument("end_exit: the final state is exited or killed");
  }
  state_ = final_state;
  exit_code_ = exit_code;
  term_signal_ = signo;
}

void Process::free_frames(const Vma &vma) {
  for (uint64_t page : vma.lent_pages) frames_.unlend(page, pid_);
  if (vma.kind == VmaKind::kHostMirror) {
    for (uint64_t f : vma.frames) {
      if (!f) continue;
      memory_.unalias_host_page(f);
      frames_.free(f);
    }
    return;
  }
  if (vma.kind != VmaKind::kAnonymous) return;
  for (uint64_t f : vma.frames) {
    if (f) frames_.free_contiguous(f, static_cast<size_t>(vma.page_size / kFrame));
  }
}

uint64_t Process::reserve(uint64_t length, uint64_t align) {
  const uint64_t va = align_up(next_va_, align);
  // A guard granule between mappings, so an overrun faults instead of landing in a neighbour.
  const uint64_t next = va + align_up(length, align) + granule_size();
  if (host_ && next > kMmapBase + kSimulatedWindowBytes) {
    throw std::runtime_error("the simulated-only VA window of a host-mirrored process is full");
  }
  next_va_ = next;
  return va;
}

bool Process::supports_page_size(uint64_t page_size) const {
  return page_size == 0 || page_table_.supports_page_size(page_size);
}

uint64_t Process::mmap_anonymous(uint64_t length, bool populate, uint64_t page_size) {
  if (length == 0) throw std::invalid_argument("mmap_anonymous: zero length");
  if (page_size == 0) page_size = granule_size();
  if (!page_table_.supports_page_size(page_size)) {
    throw std::invalid_argument("mmap_anonymous: page size " + std::to_string(page_size) +
                                " is not the granule or a block size of it");
  }
  Vma vma;
  vma.start = reserve(length, page_size);
  vma.length = align_up(length, page_size);
  vma.page_size = page_size;
  vma.kind = VmaKind::kAnonymous;
  vma.frames.assign(vma.length / page_size, 0);
  vmas_[vma.start] = vma;
  if (populate) {
    for (uint64_t off = 0; off < vma.length; off += page_size) fault_in(vma.start + off);
  }
  return vma.start;
}

bool Process::is_untouched_anonymous(uint64_t va) const {
  const Vma *vma = find_vma(va);
  return vma && (vma->kind == VmaKind::kAnonymous || vma->kind == VmaKind::kHostMirror) &&
         vma->frames[(va - vma->start) / vma->page_size] == 0;
}

void Process::enable_host_mirror(HostAddressSpace &host) {
  if (granule() != PageGranule::k4K) {
    throw std::invalid_argument("enable_host_mirror: host mirroring needs the 4K granule");
  }
  if (!vmas_.empty()) throw std::invalid_argument("enable_host_mirror: the process has mappings");
  host_ = &host;
}

std::vector<uint64_t> Process::host_mirror_vmas_in(uint64_t va, uint64_t length) const {
  std::vector<uint64_t> out;
  for (auto it = vmas_.begin(); it != vmas_.end() && it->first < va + length; ++it) {
    const Vma &v = it->second;
    if (v.kind == VmaKind::kHostMirror && va < v.start + v.length) out.push_back(v.start);
  }
  return out;
}

uint64_t Process::unmap_host_range(uint64_t va, uint64_t length,
                                   const std::function<void(uint64_t, uint64_t)> &before_free) {
  const uint64_t lo = align_down(va, kFrame);
  const uint64_t hi = align_up(va + length, kFrame);
  uint64_t dropped = 0;
  for (uint64_t start : host_mirror_vmas_in(lo, hi - lo)) {
    auto node = vmas_.extract(start);
    const Vma whole = std::move(node.mapped());
    const uint64_t end = whole.start + whole.length;
    const uint64_t cut_lo = std::max(lo, whole.start);
    const uint64_t cut_hi = std::min(hi, end);
    auto part = [&](uint64_t from, uint64_t to) {
      Vma v = whole;
      v.start = from;
      v.length = to - from;
      v.frames.assign(whole.frames.begin() + static_cast<ptrdiff_t>((from - whole.start) / kFrame),
                      whole.frames.begin() + static_cast<ptrdiff_t>((to - whole.start) / kFrame));
      return v;
    };
    const Vma cut = part(cut_lo, cut_hi);
    page_table_.unmap(cut.start, cut.length);
    if (before_free) before_free(cut.start, cut.length);
    for (uint64_t f : cut.frames) dropped += f ? 1 : 0;
    free_frames(cut);
    if (whole.start < cut_lo) vmas_[whole.start] = part(whole.start, cut_lo);
    if (cut_hi < end) vmas_[cut_hi] = part(cut_hi, end);
  }
  return dropped;
}

bool Process::map_host_page(Vma &vma, uint64_t index) {
  const uint64_t page = vma.start + index * kFrame;
  // The host's word on the page now (the cached table unless invalidated since).
  if (!host_->region_of(page)) return false;
  const uint64_t frame = frames_.alloc(pid_);
  memory_.alias_host_page(frame, reinterpret_cast<uint8_t *>(page));  // not zeroed: host data
  vma.frames[index] = frame;
  PtePerms perms;
  perms.write = vma.writable;
  page_table_.map(page, frame, kFrame, perms);
  return true;
}

bool Process::fault_in_host(uint64_t va) {
  const uint64_t page = align_down(va, kFrame);
  const uint64_t window_end = kMmapBase + kSimulatedWindowBytes;
  if (page >= (uint64_t{1} << PageTable::kVaBits)) return false;
  if (page >= kMmapBase && page < window_end) return false;  // simulated-only
  const std::optional<HostRegion> region = host_->region_of(page);
  if (!region) return false;
  uint64_t lo = std::max(region->start, align_down(page, kHostMirrorChunkBytes));
  uint64_t hi =
      std::min(region->end, align_down(page, kHostMirrorChunkBytes) + kHostMirrorChunkBytes);
  hi = std::min(hi, uint64_t{1} << PageTable::kVaBits);
  // Not into the simulated-only window, nor over a neighbouring VMA.
  if (page < kMmapBase) hi = std::min(hi, kMmapBase);
  if (page >= window_end) lo = std::max(lo, window_end);
  auto next = vmas_.upper_bound(page);
  if (next != vmas_.end()) hi = std::min(hi, next->first);
  if (next != vmas_.begin()) {
    const Vma &prev = std::prev(next)->second;
    lo = std::max(lo, prev.start + prev.length);
  }
  Vma vma;
  vma.start = lo;
  vma.length = hi - lo;
  vma.page_size = kFrame;
  vma.kind = VmaKind::kHostMirror;
  vma.frames.assign(vma.length / kFrame, 0);
  vma.writable = region->writable;
  vma.host_writable = region->writable;
  Vma &mine = vmas_[vma.start] = std::move(vma);
  return map_host_page(mine, (page - lo) / kFrame);
}

bool Process::fault_in(uint64_t va) {
  if (!is_untouched_anonymous(va)) {
    return host_ && !find_vma(va) && fault_in_host(va);
  }
  Vma &vma = vmas_.at(find_vma(va)->start);
  const uint64_t index = (va - vma.start) / vma.page_size;
  if (vma.kind == VmaKind::kHostMirror) return map_host_page(vma, index);
  const uint64_t frame =
      frames_.alloc_aligned(static_cast<size_t>(vma.page_size / kFrame), vma.page_size, pid_);
  static const PhysicalMemory::Page kZeroPage{};
  for (uint64_t off = 0; off < vma.page_size; off += kZeroPage.size()) {
    memory_.write(frame + off, kZeroPage.data(), kZeroPage.size());
  }
  vma.frames[index] = frame;
  PtePerms perms;
  perms.write = vma.writable;
  page_table_.map(vma.start + index * vma.page_size, frame, vma.page_size, perms, vma.page_size);
  return true;
}

bool Process::protect(uint64_t va, uint64_t length, bool writable) {
  const Vma *found = find_vma(va);
  if (!found || va + length > found->start + found->length) return false;
  Vma &vma = vmas_.at(found->start);
  // A mirrored page is no more writable than the host page behind it.
  if (vma.kind == VmaKind::kHostMirror) writable = writable && vma.host_writable;
  vma.writable = writable;
  PtePerms perms;
  perms.write = writable;
  perms.device = (vma.kind == VmaKind::kDeviceMmio);
  for (uint64_t p = align_down(va, vma.page_size); p < va + length; p += vma.page_size) {
    if (page_table_.translate(p)) page_table_.protect(p, vma.page_size, perms);
  }
  return true;
}

std::vector<uint64_t> Process::mapping_starts() const {
  std::vector<uint64_t> out;
  for (const auto &[va, vma] : vmas_) out.push_back(va);
  return out;
}

uint64_t Process::mmap_physical(const std::vector<uint64_t> &pages, VmaKind kind, int owner_fd,
                                bool writable) {
  if (pages.empty()) throw std::invalid_argument("mmap_physical: no pages");
  const uint64_t g = granule_size();
  const uint64_t offset = pages[0] & (g - 1);  // where the first byte sits in its window
  // Granule windows: window w covers user bytes [w*g - offset, (w+1)*g - offset).
  const uint64_t windows = align_up(offset + pages.size() * kFrame, g) / g;
  std::vector<uint64_t> window_pa(windows, 0);
  std::vector<bool> seen(windows, false);
  for (size_t i = 0; i < pages.size(); ++i) {
    const uint64_t at = offset + i * kFrame;  // byte offset from the VMA start
    const uint64_t w = at / g;
    const uint64_t pa_window = align_down(pages[i], g);
    if (pages[i] % kFrame != 0 || (pages[i] & (g - 1)) != (at & (g - 1)) ||
        (seen[w] && window_pa[w] != pa_window)) {
      throw std::invalid_argument("mmap_physical: pages do not fit the granule's windows");
    }
    seen[w] = true;
    window_pa[w] = pa_window;
  }
  Vma vma;
  vma.start = reserve(windows * g, g);
  vma.length = windows * g;
  vma.page_size = g;
  vma.kind = kind;
  vma.frames = window_pa;
  vma.writable = writable;
  vma.owner_fd = owner_fd;
  if (kind == VmaKind::kDeviceDus) {
    vma.lent_pages = pages;
    for (uint64_t page : pages) frames_.lend(page, pid_);
  }
  PtePerms perms;
  perms.write = writable;
  perms.device = (kind == VmaKind::kDeviceMmio);
  for (uint64_t w = 0; w < windows; ++w) page_table_.map(vma.start + w * g, window_pa[w], g, perms);
  vmas_[vma.start] = vma;
  return vma.start + offset;
}

std::vector<uint64_t> Process::remap_device(uint64_t va, const std::vector<uint64_t> &windows) {
  auto it = vmas_.upper_bound(va);
  if (it == vmas_.begin()) return {};
  --it;
  Vma &vma = it->second;
  if (va >= vma.start + vma.length || vma.kind != VmaKind::kDeviceMmio ||
      windows.size() != vma.frames.size()) {
    return {};
  }
  PtePerms perms;
  perms.write = vma.writable;
  perms.device = true;
  std::vector<uint64_t> old = vma.frames;
  page_table_.unmap(vma.start, vma.length);
  for (size_t w = 0; w < windows.size(); ++w) {
    page_table_.map(vma.start + w * vma.page_size, windows[w], vma.page_size, perms);
  }
  vma.frames = windows;
  return old;
}

bool Process::munmap(uint64_t va, uint64_t length, const std::function<void()> &before_free) {
  const Vma *found = find_vma(va);
  if (!found || align_down(va, found->page_size) != found->start ||
      align_up(va - found->start + length, found->page_size) != found->length) {
    return false;
  }
  auto it = vmas_.find(found->start);
  page_table_.unmap(it->second.start, it->second.length);
  if (before_free) before_free();
  free_frames(it->second);
  vmas_.erase(it);
  return true;
}

const Vma *Process::find_vma(uint64_t va) const {
  auto it = vmas_.upper_bound(va);
  if (it == vmas_.begin()) return nullptr;
  --it;
  return (va < it->second.start + it->second.length) ? &it->second : nullptr;
}

std::vector<uint64_t> Process::vmas_of_fd(int fd) const {
  std::vector<uint64_t> out;
  for (const auto &[va, vma] : vmas_) {
    if (vma.owner_fd == fd) out.push_back(va);
  }
  return out;
}

std::vector<Vma> Process::device_mappings() const {
  std::vector<Vma> out;
  for (const auto &[va, vma] : vmas_) {
    if (vma.kind == VmaKind::kDeviceMmio || vma.kind == VmaKind::kDeviceDus) out.push_back(vma);
  }
  return out;
}

std::unique_ptr<Process> Process::fork(int child_pid, ForkCopyStats *stats) const {
  if (host_) throw std::runtime_error("fork of a host-mirrored process is not modelled");
  auto child = std::make_unique<Process>(child_pid, memory_, frames_, granule());
  child->parent_pid_ = pid_;
  child->next_va_ = next_va_;  // the child's later mmaps land where the parent's would
  ForkCopyStats counted;
  PhysicalMemory::Page buf;
  for (const auto &[va, vma] : vmas_) {
    if (vma.kind != VmaKind::kAnonymous) {  // VM_DONTCOPY (uacce_fops_mmap)
      ++counted.dropped_device_vmas;
      continue;
    }
    Vma copy = vma;
    copy.frames.assign(vma.frames.size(), 0);  // filled as frames are taken (frees on throw)
    Vma &mine = child->vmas_[va] = copy;
    ++counted.vmas;
    PtePerms perms;
    perms.write = vma.writable;
    for (size_t i = 0; i < vma.frames.size(); ++i) {
      if (vma.frames[i] == 0) continue;  // untouched: the child faults it in itself
      const uint64_t frame =
          frames_.alloc_aligned(static_cast<size_t>(vma.page_size / kFrame), vma.page_size);
      mine.frames[i] = frame;
      for (uint64_t off = 0; off < vma.page_size; off += buf.size()) {
        memory_.read(vma.frames[i] + off, buf.data(), buf.size());
        memory_.write(frame + off, buf.data(), buf.size());
      }
      child->page_table_.map(va + i * vma.page_size, frame, vma.page_size, perms, vma.page_size);
      ++counted.pages;
      counted.bytes += vma.page_size;
    }
  }
  if (stats) *stats = counted;
  return child;
}

std::optional<uint64_t> Process::translate(uint64_t va) const {
  auto t = page_table_.translate(va);
  if (!t) return std::nullopt;
  return t->pa;
}

bool Process::read(uint64_t va, void *dst, size_t len) const {
  auto *out = static_cast<uint8_t *>(dst);
  while (len > 0) {
    auto t = page_table_.translate(va);
    if (!t) return false;
    const size_t chunk = std::min<uint64_t>(len, t->page_size - (va & (t->page_size - 1)));
    memory_.read(t->pa, out, chunk);
    va += chunk;
    out += chunk;
    len -= chunk;
  }
  return true;
}

bool Process::write(uint64_t va, const void *src, size_t len) {
  auto *in = static_cast<const uint8_t *>(src);
  while (len > 0) {
    auto t = page_table_.translate(va);
    if (!t) return false;
    // A read-only host page: writing it would fault in the simulator itself.
    if (!t->perms.write && host_ && memory_.is_host_aliased(t->pa)) return false;
    const size_t chunk = std::min<uint64_t>(len, t->page_size - (va & (t->page_size - 1)));
    memory_.write(t->pa, in, chunk);
    va += chunk;
    in += chunk;
    len -= chunk;
  }
  return true;
}

}  // namespace wdsim
