// HostAddressSpace: the simulator's own (real, host) address space as a host-mirrored simulated
// process sees it (`wdsim exec`: the user's program runs inside the simulator, so its pointers are
// host addresses). Process::enable_host_mirror makes a process demand-map host pages at their own
// VA (process.h); this class says which host addresses are mapped, and keeps the VA window the
// simulated kernel uses for its own mappings away from the host.
//
// Models: the host's mappings as Linux lists them in /proc/self/maps (start-end, the r/w
// permission bits); a region that is not readable (PROT_NONE, also execute-only) counts as not
// mapped, so a device access there faults as on real hardware. The parsed table is cached and
// re-read on a miss (an address in no readable region: a stack that grew, a new mmap, a malloc
// arena that grew inside its PROT_NONE reservation) and after invalidate().
//
// Does not model: host changes nobody reports. A cached region that the host unmapped or made
// read-only since is believed until invalidate() (Kernel::host_range_changed calls it; the exec
// layer calls that from its munmap/mprotect/free wrappers). Huge pages, memory-mapped files past
// their end (reading them raises SIGBUS on the host) and the host's page size are not looked at:
// region bounds are host-page aligned, hence 4 KiB aligned.
//
// The simulated-only window: reserve_window() maps [base, base + length) PROT_NONE with
// MAP_NORESERVE | MAP_FIXED_NOREPLACE, so neither the host's allocators nor the mirror ever use
// it. Process puts its own mappings (queue regions, doorbells, runtime buffers) from
// Process::kMmapBase on; kSimulatedWindowBytes (1 TiB) is that window's length. In a process where
// the window is already PROT_NONE (AddressSanitizer's shadow gap covers it) the existing
// reservation serves and is left in place.
//
// Sources: proc(5) for the /proc/<pid>/maps line format; mmap(2) for MAP_FIXED_NOREPLACE (Linux
// 4.17; an older kernel treats it as a hint, which is detected and refused).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wdsim {

// One host mapping: [start, end), 4 KiB aligned.
struct HostRegion {
  uint64_t start = 0;
  uint64_t end = 0;
  bool readable = false;
  bool writable = false;

  bool operator==(const HostRegion&) const = default;
};

// The regions of a /proc/<pid>/maps text, sorted by start. Lines are "start-end perms offset
// dev inode [path]" (the path may hold spaces or be absent); an empty line is skipped. A line
// that does not start with two hex addresses (start < end, 4 KiB aligned) and four permission
// characters throws std::runtime_error("<source>:<line>: <reason>").
std::vector<HostRegion> parse_proc_maps(std::string_view text,
                                        std::string_view source = "/proc/self/maps");

class HostAddressSpace {
 public:
  // Length of the simulated-only VA window from Process::kMmapBase: 1 TiB (guess: far more than
  // the queue regions and buffers of any scenario; x86-64 and AArch64 Linux place the host's
  // heap and mmaps far from [64 GiB, 1088 GiB)).
  static constexpr uint64_t kSimulatedWindowBytes = 1ull << 40;

  // The simulator's own address space (/proc/self/maps).
  HostAddressSpace();
  // A source of maps text (tests: a synthetic address space); read each time the table is.
  explicit HostAddressSpace(std::function<std::string()> read_maps);
  // Releases the windows this object reserved.
  ~HostAddressSpace();
  HostAddressSpace(const HostAddressSpace&) = delete;
  HostAddressSpace& operator=(const HostAddressSpace&) = delete;

  // The readable host region holding va, or nullopt when the host has nothing readable there
  // (after re-reading the maps once if the cached table said so). Throws std::runtime_error if
  // the maps cannot be read or parsed.
  std::optional<HostRegion> region_of(uint64_t va);
  // Forgets the cached table: the host's mappings changed.
  void invalidate() { loaded_ = false; }
  // How many times the maps were read (cache behaviour, for tests).
  uint64_t reads() const { return reads_; }

  // Keeps [base, base + length) from the host (see the header comment). base and length must be
  // 4 KiB multiples, length > 0 (std::invalid_argument otherwise). Throws std::runtime_error with
  // the reason when the window cannot be had (something is mapped there, or the kernel lacks
  // MAP_FIXED_NOREPLACE).
  void reserve_window(uint64_t base, uint64_t length);

 private:
  void load();
  std::optional<HostRegion> lookup(uint64_t va) const;  // in the cached table, readable or not
  std::function<std::string()> read_maps_;
  std::vector<HostRegion> regions_;
  bool loaded_ = false;
  uint64_t reads_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> reserved_;  // (base, length) this object mapped
};

}  // namespace wdsim
