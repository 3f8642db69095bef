#include "sim/cpu_host/kernel/host_mirror.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wdsim {

namespace {

constexpr uint64_t kHostPageBytes = 4096;  // region bounds and windows are 4 KiB multiples
constexpr size_t kMaxHexDigits = 16;       // a 64-bit address
constexpr size_t kPermChars = 4;           // "rwxp": read, write, execute, private/shared

// MAP_FIXED_NOREPLACE (Linux 4.17, <linux/mman.h>); older C libraries do not define it.
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

std::string hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

// Parses hex digits at line[*pos] up to (not including) `stop`; advances *pos past `stop`.
bool parse_hex(std::string_view line, size_t* pos, char stop, uint64_t* out) {
  uint64_t v = 0;
  size_t digits = 0;
  while (*pos < line.size() && line[*pos] != stop) {
    const char c = line[*pos];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (++digits > kMaxHexDigits) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
    ++*pos;
  }
  if (digits == 0 || *pos >= line.size()) return false;
  ++*pos;  // the stop character
  *out = v;
  return true;
}

std::string read_proc_self_maps() {
  std::ifstream in("/proc/self/maps");
  if (!in)
    throw std::runtime_error("/proc/self/maps: cannot open: " + std::string(strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<HostRegion> parse_proc_maps(std::string_view text, std::string_view source) {
  std::vector<HostRegion> out;
  size_t line_no = 0;
  size_t at = 0;
  while (at < text.size()) {
    const size_t nl = text.find('\n', at);
    const std::string_view line =
        text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    at = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.empty()) continue;
    auto fail = [&](const std::string& why) {
      throw std::runtime_error(std::string(source) + ":" + std::to_string(line_no) + ": " + why +
                               ": '" + std::string(line.substr(0, 120)) + "'");
    };
    HostRegion r;
    size_t pos = 0;
    if (!parse_hex(line, &pos, '-', &r.start)) fail("expected a hex start address and '-'");
    if (!parse_hex(line, &pos, ' ', &r.end)) fail("expected a hex end address and a space");
    if (r.start >= r.end) fail("start is not below end");
    if (r.start % kHostPageBytes != 0 || r.end % kHostPageBytes != 0) {
      fail("addresses are not 4 KiB aligned");
    }
    if (line.size() - pos < kPermChars) fail("expected four permission characters");
    const std::string_view perms = line.substr(pos, kPermChars);
    if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
        (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 'p' && perms[3] != 's')) {
      fail("bad permissions (expected [r-][w-][x-][ps])");
    }
    if (line.size() > pos + kPermChars && line[pos + kPermChars] != ' ') {
      fail("expected a space after the permissions");
    }
    r.readable = perms[0] == 'r';
    r.writable = perms[1] == 'w';
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(),
            [](const HostRegion& a, const HostRegion& b) { return a.start < b.start; });
  return out;
}

HostAddressSpace::HostAddressSpace() : HostAddressSpace(read_proc_self_maps) {}

HostAddressSpace::HostAddressSpace(std::function<std::string()> read_maps)
    : read_maps_(std::move(read_maps)) {}

HostAddressSpace::~HostAddressSpace() {
  for (const auto& [base, length] : reserved_) {
    munmap(reinterpret_cast<void*>(base), length);
  }
}

void HostAddressSpace::load() {
  regions_ = parse_proc_maps(read_maps_());
  loaded_ = true;
  ++reads_;
}

std::optional<HostRegion> HostAddressSpace::lookup(uint64_t va) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), va,
                             [](uint64_t v, const HostRegion& r) { return v < r.start; });
  if (it == regions_.begin()) return std::nullopt;
  --it;
  if (va >= it->end) return std::nullopt;
  return *it;
}

std::optional<HostRegion> HostAddressSpace::region_of(uint64_t va) {
  const bool fresh = !loaded_;
  if (fresh) load();
  auto r = lookup(va);
  if (r && r->readable) return r;
  if (!fresh) {  // a miss in a table read earlier: the host may have mapped it since
    load();
    r = lookup(va);
    if (r && r->readable) return r;
  }
  return std::nullopt;
}

void HostAddressSpace::reserve_window(uint64_t base, uint64_t length) {
  if (length == 0 || base % kHostPageBytes != 0 || length % kHostPageBytes != 0 ||
      base + length < base) {
    throw std::invalid_argument("reserve_window: base and length must be non-zero 4 KiB multiples");
  }
  const std::string what =
      "cannot reserve the simulated-only window [" + hex(base) + ", " + hex(base + length) + ")";
  void* want = reinterpret_cast<void*>(base);
  void* got = mmap(want, length, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (got == MAP_FAILED) {
    const int err = errno;
    if (err == EEXIST) {
      // Already mapped: fine if all of it is PROT_NONE already (AddressSanitizer's shadow gap).
      load();
      uint64_t at = base;
      while (at < base + length) {
        const auto r = lookup(at);
        if (!r || r->readable || r->writable) break;
        at = r->end;
      }
      if (at >= base + length) return;
      throw std::runtime_error(what + ": the host already uses it (" + hex(at) +
                               " is mapped and not PROT_NONE, or free next to what is mapped)");
    }
    throw std::runtime_error(what + ": mmap: " + strerror(err));
  }
  if (got != want) {  // a kernel before 4.17 took MAP_FIXED_NOREPLACE as a hint
    munmap(got, length);
    throw std::runtime_error(what + ": the kernel placed it elsewhere (no MAP_FIXED_NOREPLACE)");
  }
  reserved_.emplace_back(base, length);
  invalidate();
}

}  // namespace wdsim
