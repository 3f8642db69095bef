// HostAddressSpace: /proc/<pid>/maps parsing (real and synthetic lines, located errors), the
// cache (re-read on a miss and after invalidate), and the test process's own memory: malloc'd,
// stack, static and mmap'd buffers are found with their rights; PROT_NONE and munmap'd memory is
// not mapped; the simulated-only window is reserved and released.
#include "sim/cpu_host/kernel/host_mirror.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

namespace wdsim {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

constexpr uint64_t k4K = 4096;
constexpr uint64_t kWindowBase = 0x10'0000'0000ull;  // Process::kMmapBase

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

TEST(ParseProcMaps, RealLinesFromLinux) {
  // Lines as Linux 6.1 prints them (x86-64): a binary, heap, an anonymous mapping, a deleted
  // shared file, a path with spaces, a guard page, the stack, vvar/vdso and vsyscall.
  const std::string text =
      "55d4c7a00000-55d4c7a02000 r--p 00000000 08:01 1234                       /usr/bin/cat\n"
      "55d4c7a02000-55d4c7a07000 r-xp 00002000 08:01 1234                       /usr/bin/cat\n"
      "55d4c8b1c000-55d4c8b3d000 rw-p 00000000 00:00 0                          [heap]\n"
      "7f0c2a000000-7f0c2a021000 rw-p 00000000 00:00 0 \n"
      "7f0c2a021000-7f0c2e000000 ---p 00000000 00:00 0 \n"
      "7f0c2e000000-7f0c2e001000 rw-s 00000000 00:05 5                          /dev/zero "
      "(deleted)\n"
      "7f0c2e001000-7f0c2e002000 r--p 00000000 08:01 99                         /tmp/my lib.so\n"
      "7ffd1c3a0000-7ffd1c3c1000 rw-p 00000000 00:00 0                          [stack]\n"
      "7ffd1c3d6000-7ffd1c3da000 r--p 00000000 00:00 0                          [vvar]\n"
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";
  const auto r = parse_proc_maps(text);
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0], (HostRegion{0x55d4c7a00000, 0x55d4c7a02000, true, false}));
  EXPECT_EQ(r[1], (HostRegion{0x55d4c7a02000, 0x55d4c7a07000, true, false}));
  EXPECT_EQ(r[2], (HostRegion{0x55d4c8b1c000, 0x55d4c8b3d000, true, true}));
  EXPECT_EQ(r[3], (HostRegion{0x7f0c2a000000, 0x7f0c2a021000, true, true}));
  EXPECT_EQ(r[4], (HostRegion{0x7f0c2a021000, 0x7f0c2e000000, false, false}));
  EXPECT_EQ(r[5], (HostRegion{0x7f0c2e000000, 0x7f0c2e001000, true, true}));
  EXPECT_EQ(r[6], (HostRegion{0x7f0c2e001000, 0x7f0c2e002000, true, false}));
  EXPECT_EQ(r[7], (HostRegion{0x7ffd1c3a0000, 0x7ffd1c3c1000, true, true}));
  EXPECT_EQ(r[9], (HostRegion{0xffffffffff600000, 0xffffffffff601000, false, false}));
}

TEST(ParseProcMaps, SyntheticLinesUnsortedBareAndEmpty) {
  // No trailing newline, an empty line, no fields after the permissions, upper-case hex, out of
  // order (sorted on output), a write-only shared mapping.
  const auto r =
      parse_proc_maps("2A000-3B000 rw-p\n\n1000-2000 r--p 0 0:0 0\n4000-5000 -w-s", "synthetic");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], (HostRegion{0x1000, 0x2000, true, false}));
  EXPECT_EQ(r[1], (HostRegion{0x4000, 0x5000, false, true}));
  EXPECT_EQ(r[2], (HostRegion{0x2a000, 0x3b000, true, true}));
  EXPECT_TRUE(parse_proc_maps("").empty());
  EXPECT_TRUE(parse_proc_maps("\n\n").empty());
}

TEST(ParseProcMaps, MalformedLinesGiveLocatedErrors) {
  auto error_of = [](const std::string& text) {
    try {
      parse_proc_maps(text, "maps.txt");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("1000-2000 rw-p 0 0:0 0\n\n1000-2000 rw-p").substr(0, 11), "no error");
  EXPECT_NE(error_of("1000-2000 rw-p\nzz-3000 rw-p").find("maps.txt:2: expected a hex start"),
            std::string::npos);
  EXPECT_NE(error_of("3000-2000 rw-p").find("maps.txt:1: start is not below end"),
            std::string::npos);
  EXPECT_NE(error_of("1001-2000 rw-p").find("maps.txt:1: addresses are not 4 KiB aligned"),
            std::string::npos);
  EXPECT_NE(error_of("1000-2000 rw").find("maps.txt:1: expected four permission"),
            std::string::npos);
  EXPECT_NE(error_of("1000-2000 rwqp 0").find("maps.txt:1: bad permissions"), std::string::npos);
  EXPECT_NE(error_of("1000-2000 rw-pX").find("a space after the permissions"), std::string::npos);
  EXPECT_NE(error_of("1000 rw-p").find("maps.txt:1: expected a hex start"), std::string::npos);
  EXPECT_NE(error_of("11112222333344445-ffff0000 rw-p").find("expected a hex start"),
            std::string::npos);  // 17 digits: not a 64-bit address
}

TEST(HostAddressSpace, CachesAndReReadsOnAMissAndAfterInvalidate) {
  std::string text = "10000-20000 rw-p 0 0:0 0\n30000-40000 r--p 0 0:0 0\n50000-60000 ---p\n";
  HostAddressSpace host([&] { return text; });
  EXPECT_EQ(host.reads(), 0u);  // read lazily
  EXPECT_EQ(host.region_of(0x10008), (HostRegion{0x10000, 0x20000, true, true}));
  EXPECT_EQ(host.region_of(0x3ffff), (HostRegion{0x30000, 0x40000, true, false}));
  EXPECT_EQ(host.reads(), 1u);  // hits come from the cache
  // A miss re-reads once: the host mapped 0x70000 meanwhile.
  text += "70000-71000 rw-p\n";
  EXPECT_EQ(host.region_of(0x70000), (HostRegion{0x70000, 0x71000, true, true}));
  EXPECT_EQ(host.reads(), 2u);
  // PROT_NONE is not mapped (and is re-read, since a malloc arena grows by mprotect in place).
  EXPECT_FALSE(host.region_of(0x50000).has_value());
  EXPECT_EQ(host.reads(), 3u);
  EXPECT_FALSE(host.region_of(0x20000).has_value());  // the end is exclusive
  EXPECT_FALSE(host.region_of(0x0).has_value());
  // A hit is believed until invalidate(): then the new state shows.
  text = "10000-20000 r--p\n";
  EXPECT_TRUE(host.region_of(0x10000)->writable);
  host.invalidate();
  EXPECT_FALSE(host.region_of(0x10000)->writable);
  EXPECT_FALSE(host.region_of(0x30000).has_value());
}

TEST(HostAddressSpace, BadMapsTextIsALocatedError) {
  HostAddressSpace host([] { return std::string("1000-2000 rw-p\nnot a line\n"); });
  try {
    host.region_of(0x1000);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/self/maps:2:"), std::string::npos) << e.what();
  }
}

int static_array[2048] = {1};  // .data
const char kReadOnlyString[] = "in .rodata";

TEST(HostAddressSpace, FindsTheTestProcesssOwnBuffers) {
  HostAddressSpace host;
  // malloc'd (heap or an mmapped chunk), stack, static, mmap'd, read-only data.
  std::unique_ptr<char[]> heap(new char[100]);
  char stack[64] = {};
  void* map = mmap(nullptr, 4 * k4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  for (const void* p : {static_cast<const void*>(heap.get()), static_cast<const void*>(stack),
                        static_cast<const void*>(static_array), static_cast<const void*>(map)}) {
    const auto r = host.region_of(addr(p));
    ASSERT_TRUE(r.has_value()) << p;
    EXPECT_TRUE(r->readable && r->writable) << p;
    EXPECT_LE(r->start, addr(p));
    EXPECT_GT(r->end, addr(p));
  }
  const auto ro = host.region_of(addr(kReadOnlyString));
  ASSERT_TRUE(ro.has_value());
  EXPECT_FALSE(ro->writable);

  // mprotect and munmap, seen after invalidate().
  char* m = static_cast<char*>(map);
  ASSERT_EQ(mprotect(m + k4K, k4K, PROT_READ), 0);
  ASSERT_EQ(mprotect(m + 2 * k4K, k4K, PROT_NONE), 0);
  host.invalidate();
  EXPECT_TRUE(host.region_of(addr(m))->writable);
  EXPECT_EQ(host.region_of(addr(m + k4K)),
            (HostRegion{addr(m + k4K), addr(m + 2 * k4K), true, false}));
  EXPECT_FALSE(host.region_of(addr(m + 2 * k4K)).has_value());
  ASSERT_EQ(munmap(map, 4 * k4K), 0);
  host.invalidate();
  EXPECT_FALSE(host.region_of(addr(m)).has_value());
  EXPECT_FALSE(host.region_of(addr(m + 3 * k4K)).has_value());
}

TEST(HostAddressSpace, ReservesTheSimulatedOnlyWindow) {
  const uint64_t length = 1ull << 40;
  {
    HostAddressSpace host;
    host.reserve_window(kWindowBase, length);
    EXPECT_FALSE(host.region_of(kWindowBase).has_value());
    EXPECT_FALSE(host.region_of(kWindowBase + length - 1).has_value());
    // The host allocator cannot have it: a placement there fails.
    void* p = mmap(reinterpret_cast<void*>(kWindowBase + (1ull << 30)), k4K, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EXPECT_EQ(p, MAP_FAILED);
    // The maps list it PROT_NONE from end to end.
    std::ifstream in("/proc/self/maps");
    std::ostringstream text;
    text << in.rdbuf();
    uint64_t covered = kWindowBase;
    for (const HostRegion& r : parse_proc_maps(text.str())) {
      if (r.start <= covered && covered < r.end && !r.readable && !r.writable) covered = r.end;
    }
    EXPECT_GE(covered, kWindowBase + length);
  }
  if (!kAsan) {
    // Released with the HostAddressSpace: the window can be mapped again.
    void* p = mmap(reinterpret_cast<void*>(kWindowBase), k4K, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EXPECT_EQ(p, reinterpret_cast<void*>(kWindowBase));
    if (p != MAP_FAILED) munmap(p, k4K);
  }
}

TEST(HostAddressSpace, ReservingMemoryInUseFailsWithTheReason) {
  HostAddressSpace host;
  void* map = mmap(nullptr, 2 * k4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  try {
    host.reserve_window(addr(map), 2 * k4K);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reserve the simulated-only window"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("already uses"), std::string::npos) << e.what();
  }
  // Still mapped and writable: the failed reservation changed nothing.
  static_cast<char*>(map)[k4K] = 1;
  EXPECT_TRUE(host.region_of(addr(map) + k4K)->writable);
  munmap(map, 2 * k4K);
  EXPECT_THROW(host.reserve_window(0x1000, 0), std::invalid_argument);
  EXPECT_THROW(host.reserve_window(0x1001, k4K), std::invalid_argument);
}

}  // namespace
}  // namespace wdsim
