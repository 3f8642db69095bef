// Host-mirrored processes (Process::enable_host_mirror): the test process's own malloc'd, stack,
// static and mmap'd buffers become the simulated process's memory at the same VA, backed by the
// same host bytes, through the page table's physical addresses; read-only host memory gets
// read-only PTEs; what the host has not mapped (munmap'd, PROT_NONE, the simulated-only window)
// faults; VMAs are clipped to the 2 MiB chunk and their neighbours; unmapping unaliases and frees.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/cpu_host/kernel/host_mirror.h"
#include "sim/cpu_host/kernel/process.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

constexpr uint64_t k4K = 4096;
constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t kFramesBase = 0x10'0000;
constexpr int kPid = 100;

uint64_t addr(const void* p) { return reinterpret_cast<uint64_t>(p); }

DramParams dram() {
  DramParams p = default_params<DramParams>();
  p.size_bytes = 64ull << 20;
  return p;
}

struct Mirrored {
  SimEnv env;
  std::unique_ptr<PhysicalMemory> mem;
  std::unique_ptr<FrameAllocator> frames;
  std::unique_ptr<Process> p;
  explicit Mirrored(HostAddressSpace& host) {
    testing::fresh_sc_context();
    mem = std::make_unique<PhysicalMemory>("mem", dram(), env);
    frames = std::make_unique<FrameAllocator>(kFramesBase, dram().size_bytes - kFramesBase);
    p = std::make_unique<Process>(kPid, *mem, *frames);
    p->enable_host_mirror(host);
  }
  ~Mirrored() {
    p.reset();
    frames.reset();
    mem.reset();
    testing::fresh_sc_context();
  }
  // Faults in every page of [va, va + len): true if each was mapped (or already present).
  bool fault_range(uint64_t va, uint64_t len) {
    for (uint64_t page = va & ~(k4K - 1); page < va + len; page += k4K) {
      if (!p->translate(page) && !p->fault_in(page)) return false;
    }
    return true;
  }
};

// Checks, for a host buffer of len bytes: the simulated process reads the host's bytes (through
// Process::read and through PhysicalMemory at the page table's PA), and the host sees what the
// simulated process writes (Process::write and a PhysicalMemory write at the PA).
void expect_mirrored(Mirrored& m, uint8_t* buf, size_t len, const std::string& what) {
  SCOPED_TRACE(what);
  for (size_t i = 0; i < len; ++i) buf[i] = static_cast<uint8_t>(i * 7 + 3);
  ASSERT_TRUE(m.fault_range(addr(buf), len));
  std::vector<uint8_t> back(len);
  ASSERT_TRUE(m.p->read(addr(buf), back.data(), len));
  EXPECT_EQ(std::memcmp(back.data(), buf, len), 0);
  for (size_t off = 0; off < len; off += 1000) {
    const auto pa = m.p->translate(addr(buf) + off);
    ASSERT_TRUE(pa.has_value());
    uint8_t b = 0;
    m.mem->read(*pa, &b, 1);
    EXPECT_EQ(b, buf[off]) << off;
    EXPECT_EQ(m.frames->owner(*pa), kPid);  // the DMA ownership oracle's rule holds
    EXPECT_TRUE(m.mem->is_host_aliased(*pa));
    const Vma* vma = m.p->find_vma(addr(buf) + off);
    ASSERT_NE(vma, nullptr);
    EXPECT_EQ(vma->kind, VmaKind::kHostMirror);
    EXPECT_TRUE(vma->writable);
    EXPECT_LE(vma->length, Process::kHostMirrorChunkBytes);
  }
  std::vector<uint8_t> fill(len, 0x5c);
  ASSERT_TRUE(m.p->write(addr(buf), fill.data(), len));
  EXPECT_EQ(std::memcmp(buf, fill.data(), len), 0);
  const auto pa = m.p->translate(addr(buf) + len - 1);
  const uint8_t last = 0xa7;
  m.mem->write(*pa, &last, 1);  // as a device's DMA write lands
  EXPECT_EQ(buf[len - 1], 0xa7);
  // No simulated storage for the data: only the page-table pages are the memory's own.
  EXPECT_EQ(m.mem->resident_pages(), m.p->page_table().table_pages());
}

uint8_t static_buffer[3 * 4096 + 100];

TEST(HostMirror, MallocStackStaticAndMmapBuffersAreTheProcesssMemory) {
  HostAddressSpace host;
  Mirrored m(host);
  std::vector<uint8_t> heap(20000);
  expect_mirrored(m, heap.data(), heap.size(), "malloc'd");
  uint8_t stack[3000];
  expect_mirrored(m, stack, sizeof stack, "stack");
  expect_mirrored(m, static_buffer, sizeof static_buffer, "static");
  void* map = mmap(nullptr, 5 * k4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  expect_mirrored(m, static_cast<uint8_t*>(map) + 10, 5 * k4K - 10, "mmap'd");
  EXPECT_GT(m.mem->aliased_pages(), 0u);
  m.p.reset();  // the process goes: every alias ends, every frame is free again
  EXPECT_EQ(m.mem->aliased_pages(), 0u);
  EXPECT_EQ(m.frames->free_count(), m.frames->total_count());
  munmap(map, 5 * k4K);
}

TEST(HostMirror, ReadOnlyHostMemoryGetsAReadOnlyPte) {
  HostAddressSpace host;
  Mirrored m(host);
  uint8_t* map = static_cast<uint8_t*>(
      mmap(nullptr, 2 * k4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(map, MAP_FAILED);
  std::memset(map, 0x42, 2 * k4K);
  ASSERT_EQ(mprotect(map, 2 * k4K, PROT_READ), 0);
  ASSERT_TRUE(m.p->fault_in(addr(map)));
  const auto t = m.p->page_table().translate(addr(map));
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->perms.write);
  EXPECT_TRUE(t->perms.read);
  EXPECT_FALSE(m.p->find_vma(addr(map))->writable);
  uint8_t b = 0;
  ASSERT_TRUE(m.p->read(addr(map) + 5, &b, 1));
  EXPECT_EQ(b, 0x42);
  // A store through the model fails (the host page is read-only) and mprotect cannot grant it.
  EXPECT_FALSE(m.p->write(addr(map), &b, 1));
  EXPECT_TRUE(m.p->protect(addr(map), k4K, true));
  EXPECT_FALSE(m.p->page_table().translate(addr(map))->perms.write);
  EXPECT_FALSE(m.p->write(addr(map), &b, 1));
  // Read-only data of the binary too.
  static const char kText[] = "read-only data";
  ASSERT_TRUE(m.p->fault_in(addr(kText)));
  EXPECT_FALSE(m.p->page_table().translate(addr(kText))->perms.write);
  munmap(map, 2 * k4K);
}

TEST(HostMirror, WhatTheHostHasNotMappedFaults) {
  HostAddressSpace host;
  Mirrored m(host);
  uint8_t* map = static_cast<uint8_t*>(
      mmap(nullptr, 3 * k4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(map, MAP_FAILED);
  ASSERT_EQ(mprotect(map + k4K, k4K, PROT_NONE), 0);  // a guard page
  ASSERT_EQ(munmap(map + 2 * k4K, k4K), 0);
  EXPECT_TRUE(m.p->fault_in(addr(map)));
  EXPECT_FALSE(m.p->fault_in(addr(map + k4K)));      // PROT_NONE
  EXPECT_FALSE(m.p->fault_in(addr(map + 2 * k4K)));  // unmapped
  EXPECT_FALSE(m.p->fault_in(0));                    // the null page
  EXPECT_FALSE(m.p->fault_in(1ull << 48));           // beyond the 48-bit VA space
  EXPECT_FALSE(m.p->fault_in(addr(map)));            // present: nothing to do
  // The simulated-only window: never mirrored; the process's own mappings live there.
  EXPECT_FALSE(m.p->fault_in(Process::kMmapBase + (1ull << 30)));
  const uint64_t anon = m.p->mmap_anonymous(k4K, /*populate=*/false);
  EXPECT_EQ(anon, Process::kMmapBase);
  EXPECT_TRUE(m.p->fault_in(anon));  // ordinary demand paging: a zeroed owned frame
  EXPECT_FALSE(m.mem->is_host_aliased(*m.p->translate(anon)));
  EXPECT_EQ(m.p->find_vma(anon)->kind, VmaKind::kAnonymous);
  munmap(map, 2 * k4K);
}

TEST(HostMirror, VmasAreClippedToTheChunkAndTheirNeighbours) {
  // A synthetic host view over real memory: first only 2 pages of an aligned 2 MiB chunk are
  // "mapped", then all of it. The second fault's VMA starts where the first one ends.
  uint8_t* raw = static_cast<uint8_t*>(
      mmap(nullptr, 2 * k2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(raw, MAP_FAILED);
  const uint64_t chunk = (addr(raw) + k2M - 1) & ~(k2M - 1);
  auto hex = [](uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
    return std::string(b);
  };
  std::string text = hex(chunk) + "-" + hex(chunk + 2 * k4K) + " rw-p 0 0:0 0\n";
  HostAddressSpace host([&] { return text; });
  Mirrored m(host);
  ASSERT_TRUE(m.p->fault_in(chunk + k4K));
  const Vma* first = m.p->find_vma(chunk);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->start, chunk);
  EXPECT_EQ(first->length, 2 * k4K);
  EXPECT_EQ(first->frames[0], 0u);  // demand-paged: only the faulted page has a frame
  EXPECT_NE(first->frames[1], 0u);
  // The host region grows to the whole 2 MiB and beyond (one region of 4 MiB - what is before).
  text = hex(chunk - k4K) + "-" + hex(chunk + 2 * k2M - k4K) + " rw-p 0 0:0 0\n";
  host.invalidate();
  ASSERT_TRUE(m.p->fault_in(chunk + 100 * k4K));
  const Vma* second = m.p->find_vma(chunk + 100 * k4K);
  EXPECT_EQ(second->start, chunk + 2 * k4K);               // after the first VMA
  EXPECT_EQ(second->start + second->length, chunk + k2M);  // the 2 MiB chunk's end
  ASSERT_TRUE(m.p->fault_in(chunk - k4K));  // the page before the chunk: a VMA of its own
  EXPECT_EQ(m.p->find_vma(chunk - k4K)->start, chunk - k4K);
  EXPECT_EQ(m.p->find_vma(chunk - k4K)->length, k4K);
  // Untouched pages of an existing VMA fault in later; the first page of the first VMA too.
  EXPECT_TRUE(m.p->fault_in(chunk));
  EXPECT_EQ(m.p->host_mirror_vmas_in(chunk - k4K, k2M + k4K).size(), 3u);
  // munmap of a mirrored VMA: aliases end, frames are freed, the host bytes stay.
  raw[chunk - addr(raw) + 5] = 9;
  const size_t free_before = m.frames->free_count();
  ASSERT_TRUE(m.p->munmap(first->start, 2 * k4K));
  EXPECT_EQ(m.frames->free_count(), free_before + 2);
  EXPECT_EQ(raw[chunk - addr(raw) + 5], 9);
  munmap(raw, 2 * k2M);
}

TEST(HostMirror, UnmapHostRangeDropsThePagesInRangeAndSplitsTheMapping) {
  HostAddressSpace host;
  Mirrored m(host);
  uint8_t* map = static_cast<uint8_t*>(
      mmap(nullptr, 4 * k4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(map, MAP_FAILED);
  ASSERT_TRUE(m.fault_range(addr(map), 4 * k4K));
  const uint64_t pa1 = *m.p->translate(addr(map + k4K));
  std::vector<std::pair<uint64_t, uint64_t>> told;
  // The program unmaps pages 1 and 2 (given unaligned: rounded out to whole pages).
  ASSERT_EQ(munmap(map + k4K, 2 * k4K), 0);
  host.invalidate();
  EXPECT_EQ(m.p->unmap_host_range(addr(map + k4K + 10), 2 * k4K - 20,
                                  [&](uint64_t s, uint64_t l) { told.emplace_back(s, l); }),
            2u);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0], std::make_pair(addr(map + k4K), 2 * k4K));
  EXPECT_TRUE(m.frames->is_free(pa1));
  EXPECT_FALSE(m.mem->is_host_aliased(pa1));
  // Pages 0 and 3 stay mapped, each in what is left of the mapping.
  EXPECT_TRUE(m.p->translate(addr(map)).has_value());
  EXPECT_TRUE(m.p->translate(addr(map + 3 * k4K)).has_value());
  EXPECT_EQ(m.p->find_vma(addr(map + k4K)), nullptr);
  EXPECT_EQ(m.p->find_vma(addr(map))->start + m.p->find_vma(addr(map))->length, addr(map + k4K));
  EXPECT_EQ(m.p->find_vma(addr(map + 3 * k4K))->start, addr(map + 3 * k4K));
  EXPECT_EQ(m.p->host_mirror_vmas_in(addr(map), 4 * k4K).size(), 2u);
  // The unmapped pages fault as on real hardware; when the host maps them again they mirror again.
  EXPECT_FALSE(m.p->fault_in(addr(map + k4K)));
  ASSERT_EQ(
      mmap(map + k4K, 2 * k4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
      static_cast<void*>(map + k4K));
  EXPECT_TRUE(m.p->fault_in(addr(map + 2 * k4K)));
  EXPECT_FALSE(m.p->page_table().translate(addr(map + 2 * k4K))->perms.write);  // now read-only
  // A range with nothing mirrored drops nothing and calls nobody.
  told.clear();
  EXPECT_EQ(m.p->unmap_host_range(Process::kMmapBase, k4K,
                                  [&](uint64_t s, uint64_t l) { told.emplace_back(s, l); }),
            0u);
  EXPECT_TRUE(told.empty());
  munmap(map, 4 * k4K);
}

TEST(HostMirror, PhysicalAddressesDependOnFaultOrderOnly) {
  // Three pages faulted in order get the frames an ordinary process's first three demand faults
  // get (data frame, then the page-table pages the first one needs), wherever the host buffer
  // is: traces and stats that show physical addresses do not depend on host addresses.
  uint8_t* raw = static_cast<uint8_t*>(
      mmap(nullptr, 2 * k2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(raw, MAP_FAILED);
  // Inside one 2 MiB chunk, as the anonymous mapping at kMmapBase: the same tables are needed.
  const uint64_t buf = (addr(raw) + k2M - 1) & ~(k2M - 1);
  std::vector<uint64_t> mirrored_pas;
  {
    HostAddressSpace host;
    Mirrored m(host);
    for (uint64_t off = 0; off < 3 * k4K; off += k4K) {
      ASSERT_TRUE(m.p->fault_in(buf + off));
      mirrored_pas.push_back(*m.p->translate(buf + off));
    }
  }
  testing::fresh_sc_context();
  {
    SimEnv env;
    PhysicalMemory mem("mem", dram(), env);
    FrameAllocator frames(kFramesBase, dram().size_bytes - kFramesBase);
    Process p(kPid, mem, frames);
    const uint64_t va = p.mmap_anonymous(3 * k4K, /*populate=*/false);
    std::vector<uint64_t> anon_pas;
    for (uint64_t off = 0; off < 3 * k4K; off += k4K) {
      ASSERT_TRUE(p.fault_in(va + off));
      anon_pas.push_back(*p.translate(va + off));
    }
    EXPECT_EQ(mirrored_pas, anon_pas);
  }
  testing::fresh_sc_context();
  munmap(raw, 2 * k2M);
}

TEST(HostMirror, OnlyWithThe4KGranuleAndNoFork) {
  HostAddressSpace host;
  testing::fresh_sc_context();
  SimEnv env;
  PhysicalMemory mem("mem", dram(), env);
  FrameAllocator frames(kFramesBase, dram().size_bytes - kFramesBase);
  Process p64(kPid, mem, frames, PageGranule::k64K);
  EXPECT_THROW(p64.enable_host_mirror(host), std::invalid_argument);
  Process with_vma(kPid + 1, mem, frames);
  with_vma.mmap_anonymous(k4K);
  EXPECT_THROW(with_vma.enable_host_mirror(host), std::invalid_argument);
  Process p(kPid + 2, mem, frames);
  p.enable_host_mirror(host);
  EXPECT_EQ(p.host_mirror(), &host);
  try {
    p.fork(kPid + 3, nullptr);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "fork of a host-mirrored process is not modelled");
  }
}

}  // namespace
}  // namespace wdsim
