// The dma-buf system heap and its importer API (dma_buf.h) in a kernel with an SMMU and its
// driver (the ZIP SVA testbench; the ZIP device itself is not used): DMA_HEAP_IOCTL_ALLOC's
// errors against Linux's dma-heap.c checks, rounding and zeroing, mmap through a simulated
// process, attachments to two devices' DMA domains translating to the pages the process wrote,
// freeing only after the last close and the last detach, and the charged costs against the
// parameters.
#include "sim/cpu_host/kernel/dma_buf.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "formats/linux/dma_heap.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/testing/zip_sva_testbench.h"

namespace wdsim {
namespace {

using testing::run_testbench;
using testing::ZipSvaOptions;
using testing::ZipSvaTestbench;

constexpr uint64_t kPage = 4096;
constexpr int kProtRw = PROT_READ | PROT_WRITE;
// ASIDs of the two importers' DMA domains (the testbench's own domain is
// ZipSvaTestbench::kDmaAsid).
constexpr uint16_t kAsidA = 2;
constexpr uint16_t kAsidB = 3;

// The host's <fcntl.h> is Linux's: the format header's constants are the same numbers.
static_assert(rt::kORdwr == O_RDWR && rt::kOCloexec == O_CLOEXEC && rt::kOAccmode == O_ACCMODE);

// DMA_HEAP_IOCTL_ALLOC from thread t on the heap fd; returns the ioctl's result, *fd the new fd.
long alloc(HostThread& t, int heap_fd, uint64_t len, int* fd, uint32_t fd_flags = rt::kORdwr,
           uint64_t heap_flags = 0, uint32_t fd_in = 0) {
  rt::DmaHeapAllocationData data;
  data.len = len;
  data.fd = fd_in;
  data.fd_flags = fd_flags;
  data.heap_flags = heap_flags;
  const long r = t.ioctl(heap_fd, rt::kDmaHeapIoctlAlloc, &data);
  if (fd) *fd = r == 0 ? static_cast<int>(data.fd) : -1;
  return r;
}

bool run(const std::function<void(ZipSvaTestbench&)>& body) {
  SimEnv env;
  return run_testbench(ZipSvaOptions{}, env, body);
}

TEST(DmaHeap, AllocationErrorsAreLinuxs) {
  ASSERT_TRUE(run([](ZipSvaTestbench& tb) {
    Process& p = tb.kernel().create_process();
    HostThread t(tb.kernel(), p, "t");
    const int heap = t.open(rt::kDmaHeapSystemPath);
    ASSERT_GE(heap, 0);
    const size_t free_before = tb.frames().free_count();
    rt::DmaHeapAllocationData data;
    data.len = kPage;
    // Command numbers other than 0 are -EINVAL (dma_heap_ioctl: nr >= ARRAY_SIZE).
    EXPECT_EQ(t.ioctl(heap, rt::ioc_iowr('H', 1, sizeof data), &data), -EINVAL);
    int fd = -1;
    EXPECT_EQ(alloc(t, heap, kPage, &fd, rt::kORdwr, 0, /*fd_in=*/5), -EINVAL);  // fd must be 0
    EXPECT_EQ(alloc(t, heap, kPage, &fd, O_CREAT), -EINVAL);  // not O_CLOEXEC | O_ACCMODE
    EXPECT_EQ(alloc(t, heap, kPage, &fd, rt::kORdwr | O_NONBLOCK), -EINVAL);
    EXPECT_EQ(alloc(t, heap, kPage, &fd, rt::kORdwr, /*heap_flags=*/1), -EINVAL);
    EXPECT_EQ(alloc(t, heap, 0, &fd), -EINVAL);             // PAGE_ALIGN(0) == 0
    EXPECT_EQ(alloc(t, heap, ~uint64_t{0}, &fd), -EINVAL);  // PAGE_ALIGN wraps to 0
    EXPECT_EQ(alloc(t, heap, (tb.frames().free_count() + 1) * kPage, &fd), -ENOMEM);
    // The heap's own fd cannot be mapped (no f_op->mmap).
    int err = 0;
    EXPECT_EQ(t.mmap(heap, kPage, kProtRw, 0, &err), 0u);
    EXPECT_EQ(err, -ENODEV);
    EXPECT_EQ(tb.counter("host.dma_buf.allocations"), 0u);
    EXPECT_EQ(tb.frames().free_count(), free_before);
    EXPECT_EQ(tb.kernel().dma_heap().live_buffers(), 0u);
    // O_CLOEXEC and every access mode are accepted.
    EXPECT_EQ(alloc(t, heap, kPage, &fd, rt::kORdwr | rt::kOCloexec), 0);
    EXPECT_EQ(alloc(t, heap, kPage, &fd, rt::kORdonly), 0);
    EXPECT_EQ(alloc(t, heap, kPage, &fd, rt::kOWronly), 0);
    EXPECT_EQ(tb.counter("host.dma_buf.allocations"), 3u);
  }));
}

TEST(DmaHeap, AllocationRoundsToPagesZeroesThemAndInstallsAnFd) {
  ASSERT_TRUE(run([](ZipSvaTestbench& tb) {
    Process& p = tb.kernel().create_process();
    HostThread t(tb.kernel(), p, "t");
    const int heap = t.open(rt::kDmaHeapSystemPath);
    // Dirty some frames and give them back, so that the heap must zero what it reuses.
    const uint64_t dirty = tb.frames().alloc();
    const std::vector<uint8_t> ones(kPage, 0xff);
    tb.memory().write(dirty, ones.data(), ones.size());
    tb.frames().free(dirty);
    const size_t free_before = tb.frames().free_count();
    int fd = -1;
    ASSERT_EQ(alloc(t, heap, 2 * kPage + 1, &fd), 0);
    EXPECT_GT(fd, heap);
    EXPECT_EQ(tb.kernel().file_refs(p, fd), 1);
    DmaBuf* buf = DmaBuf::from_fd(tb.kernel(), p, fd);
    ASSERT_NE(buf, nullptr);
    EXPECT_EQ(buf->size(), 3 * kPage);
    ASSERT_EQ(buf->pages().size(), 3u);
    EXPECT_EQ(tb.frames().free_count(), free_before - 3);
    for (uint64_t pa : buf->pages()) {
      EXPECT_EQ(pa % kPage, 0u);
      EXPECT_EQ(tb.frames().owner(pa), kFrameKernel);
      std::vector<uint8_t> got(kPage, 0xaa);
      tb.memory().read(pa, got.data(), got.size());
      EXPECT_EQ(got, std::vector<uint8_t>(kPage, 0));
    }
    EXPECT_EQ(tb.counter("host.dma_buf.allocations"), 1u);
    EXPECT_EQ(tb.counter("host.dma_buf.allocated_bytes"), 3 * kPage);
    // A 64K-granule process gets 64 KiB pages, each a 64 KiB-aligned run.
    Process& big = tb.kernel().create_process(PageGranule::k64K);
    HostThread tbig(tb.kernel(), big, "big");
    const int heap64 = tbig.open(rt::kDmaHeapSystemPath);
    int fd64 = -1;
    ASSERT_EQ(alloc(tbig, heap64, 1, &fd64), 0);
    DmaBuf* buf64 = DmaBuf::from_fd(tb.kernel(), big, fd64);
    ASSERT_NE(buf64, nullptr);
    constexpr uint64_t k64K = 64 * 1024;
    EXPECT_EQ(buf64->size(), k64K);
    ASSERT_EQ(buf64->pages().size(), k64K / kPage);
    EXPECT_EQ(buf64->pages()[0] % k64K, 0u);
    for (size_t i = 1; i < buf64->pages().size(); ++i) {
      EXPECT_EQ(buf64->pages()[i], buf64->pages()[0] + i * kPage);
    }
    int err = 0;
    const uint64_t va64 = tbig.mmap(fd64, k64K, kProtRw, 0, &err);
    ASSERT_NE(va64, 0u) << err;
    EXPECT_EQ(big.translate(va64 + k64K - 1), buf64->pages().back() + kPage - 1);
  }));
}

TEST(DmaHeap, AllocationAndAttachChargeTheirParameters) {
  ASSERT_TRUE(run([](ZipSvaTestbench& tb) {
    Process& p = tb.kernel().create_process();
    HostThread t(tb.kernel(), p, "t");
    const int heap = t.open(rt::kDmaHeapSystemPath);
    const HostCostParams& c = tb.kernel().costs();
    int fd1 = -1;
    int fd3 = -1;
    rt::Picoseconds start = t.now();
    ASSERT_EQ(alloc(t, heap, kPage, &fd1), 0);
    const rt::Picoseconds one = t.now() - start;
    start = t.now();
    ASSERT_EQ(alloc(t, heap, 3 * kPage, &fd3), 0);
    const rt::Picoseconds three = t.now() - start;
    EXPECT_EQ(three - one, to_ps(ns(2 * c.dma_heap_page_ns)));
    // The system call's own costs besides the heap's: entry and exit.
    EXPECT_EQ(one, to_ps(ns(c.syscall_entry_ns + c.syscall_exit_ns + c.dma_heap_alloc_ns +
                            c.dma_heap_page_ns)));
    DmaApi dma(tb.kernel(), tb.smmu_driver(), kAsidA);
    DmaBuf* buf = DmaBuf::from_fd(tb.kernel(), p, fd3);
    ASSERT_NE(buf, nullptr);
    const sc_core::sc_time before = t.cpu().local_now();
    const DmaBuf::Attachment a = buf->attach(t.cpu(), dma);
    EXPECT_EQ(t.cpu().local_now() - before,
              ns(c.dma_buf_attach_ns + c.iova_alloc_ns + 3 * c.dma_map_page_ns));
    int err = 0;
    const sc_core::sc_time before_mmap = t.cpu().local_now();
    ASSERT_NE(t.mmap(fd3, 3 * kPage, kProtRw, 0, &err), 0u);
    EXPECT_EQ(t.cpu().local_now() - before_mmap,
              ns(c.syscall_entry_ns + c.syscall_exit_ns + 3 * c.dma_buf_mmap_page_ns));
    buf->detach(t.cpu(), dma, a);
  }));
}

TEST(DmaBuf, MmapWritesReachThePagesEveryAttachedDeviceTranslatesTo) {
  ASSERT_TRUE(run([](ZipSvaTestbench& tb) {
    Process& p = tb.kernel().create_process();
    HostThread t(tb.kernel(), p, "t");
    const int heap = t.open(rt::kDmaHeapSystemPath);
    int fd = -1;
    ASSERT_EQ(alloc(t, heap, 3 * kPage, &fd), 0);
    int err = 0;
    const uint64_t va = t.mmap(fd, 3 * kPage, kProtRw, 0, &err);
    ASSERT_NE(va, 0u) << err;
    EXPECT_EQ(tb.counter("host.dma_buf.mmaps"), 1u);
    // A pattern across every page, written by the process through its mapping.
    std::vector<uint8_t> pattern(3 * kPage);
    for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i * 31 + 7);
    t.store(va, pattern.data(), pattern.size());
    std::vector<uint8_t> back(pattern.size());
    t.load(va, back.data(), back.size());
    EXPECT_EQ(back, pattern);

    DmaBuf* buf = DmaBuf::from_fd(tb.kernel(), p, fd);
    ASSERT_NE(buf, nullptr);
    for (uint64_t page : buf->pages()) EXPECT_EQ(tb.frames().info(page).lent_to, p.pid());
    // Two devices, each with its own DMA domain.
    DmaApi dev_a(tb.kernel(), tb.smmu_driver(), kAsidA);
    DmaApi dev_b(tb.kernel(), tb.smmu_driver(), kAsidB);
    const DmaBuf::Attachment a = buf->attach(t.cpu(), dev_a);
    const DmaBuf::Attachment b = buf->attach(t.cpu(), dev_b);
    EXPECT_EQ(a.size, 3 * kPage);
    EXPECT_EQ(b.size, 3 * kPage);
    EXPECT_EQ(a.dma, &dev_a);
    EXPECT_EQ(b.dma, &dev_b);
    EXPECT_EQ(buf->attachments(), 2u);
    EXPECT_EQ(tb.counter("host.dma_buf.attachments"), 2u);
    for (const auto& [att, dma] : {std::pair{a, &dev_a}, std::pair{b, &dev_b}}) {
      for (uint64_t off = 0; off < att.size; off += kPage / 2) {
        const auto tr = dma->domain().translate(att.iova + off);
        ASSERT_TRUE(tr.has_value()) << "iova offset " << off;
        EXPECT_EQ(tr->pa, buf->pages()[off / kPage] + off % kPage);
        EXPECT_TRUE(tr->perms.write);
        // The device reads what the process wrote.
        uint8_t byte = 0;
        tb.memory().read(tr->pa, &byte, 1);
        EXPECT_EQ(byte, pattern[off]);
      }
      EXPECT_FALSE(dma->domain().translate(att.iova + att.size).has_value());
    }
    // A second attachment to one device is a second IOVA range on the same pages.
    const DmaBuf::Attachment a2 = buf->attach(t.cpu(), dev_a);
    EXPECT_NE(a2.iova, a.iova);
    EXPECT_EQ(dev_a.domain().translate(a2.iova + kPage)->pa, buf->pages()[1]);
    buf->detach(t.cpu(), dev_a, a2);
    EXPECT_FALSE(dev_a.domain().translate(a2.iova).has_value());
    EXPECT_TRUE(dev_a.domain().translate(a.iova).has_value());
    // Bad mmaps: an offset off the granule, a range beyond the buffer.
    EXPECT_EQ(t.mmap(fd, kPage, kProtRw, kPage / 2, &err), 0u);
    EXPECT_EQ(err, -EINVAL);
    EXPECT_EQ(t.mmap(fd, 2 * kPage, kProtRw, 2 * kPage, &err), 0u);
    EXPECT_EQ(err, -EINVAL);
    // An offset maps the buffer from that page on.
    const uint64_t va1 = t.mmap(fd, kPage, PROT_READ, kPage, &err);
    ASSERT_NE(va1, 0u) << err;
    EXPECT_EQ(p.translate(va1), buf->pages()[1]);
    // The buffer's ioctls are not modelled.
    EXPECT_EQ(t.ioctl(fd, rt::kDmaHeapIoctlAlloc, nullptr), -ENOTTY);
    buf->detach(t.cpu(), dev_a, a);
    buf->detach(t.cpu(), dev_b, b);
  }));
}

TEST(DmaBuf, PagesAreFreedOnlyAfterTheLastCloseAndTheLastDetach) {
  ASSERT_TRUE(run([](ZipSvaTestbench& tb) {
    Process& p = tb.kernel().create_process();
    HostThread t(tb.kernel(), p, "t");
    const int heap = t.open(rt::kDmaHeapSystemPath);
    DmaApi dev_a(tb.kernel(), tb.smmu_driver(), kAsidA);
    DmaApi dev_b(tb.kernel(), tb.smmu_driver(), kAsidB);
    auto all_free = [&](const std::vector<uint64_t>& pages) {
      for (uint64_t pa : pages) {
        if (!tb.frames().is_free(pa)) return false;
      }
      return true;
    };
    auto none_free = [&](const std::vector<uint64_t>& pages) {
      for (uint64_t pa : pages) {
        if (tb.frames().is_free(pa)) return false;
      }
      return true;
    };

    // Closed while attached to two devices: freed at the second detach.
    int fd = -1;
    ASSERT_EQ(alloc(t, heap, 2 * kPage, &fd), 0);
    int err = 0;
    const uint64_t va = t.mmap(fd, 2 * kPage, kProtRw, 0, &err);
    ASSERT_NE(va, 0u);
    DmaBuf* buf = DmaBuf::from_fd(tb.kernel(), p, fd);
    ASSERT_NE(buf, nullptr);
    const uint64_t id = buf->id();
    const std::vector<uint64_t> pages = buf->pages();
    const DmaBuf::Attachment a = buf->attach(t.cpu(), dev_a);
    const DmaBuf::Attachment b = buf->attach(t.cpu(), dev_b);
    EXPECT_EQ(t.close(fd), 0);
    EXPECT_EQ(p.find_vma(va), nullptr);  // close took the mapping down
    for (uint64_t pa : pages) EXPECT_EQ(tb.frames().info(pa).lends, 0u);
    EXPECT_EQ(DmaBuf::from_fd(tb.kernel(), p, fd), nullptr);
    ASSERT_EQ(tb.kernel().dma_heap().find(id), buf);
    EXPECT_FALSE(buf->file_open());
    EXPECT_TRUE(none_free(pages));
    // The devices still reach the pages.
    EXPECT_EQ(dev_b.domain().translate(b.iova)->pa, pages[0]);
    buf->detach(t.cpu(), dev_a, a);
    EXPECT_TRUE(none_free(pages));
    EXPECT_EQ(tb.counter("host.dma_buf.frees"), 0u);
    buf->detach(t.cpu(), dev_b, b);  // the last reference
    EXPECT_EQ(tb.kernel().dma_heap().find(id), nullptr);
    EXPECT_TRUE(all_free(pages));
    EXPECT_FALSE(dev_b.domain().translate(b.iova).has_value());
    EXPECT_EQ(tb.counter("host.dma_buf.frees"), 1u);
    EXPECT_EQ(tb.counter("host.dma_buf.freed_bytes"), 2 * kPage);
    EXPECT_EQ(tb.counter("host.dma_buf.detachments"), 2u);

    // Detached first, then munmapped, then closed: freed at the close.
    ASSERT_EQ(alloc(t, heap, kPage, &fd), 0);
    const uint64_t va2 = t.mmap(fd, kPage, kProtRw, 0, &err);
    ASSERT_NE(va2, 0u);
    buf = DmaBuf::from_fd(tb.kernel(), p, fd);
    ASSERT_NE(buf, nullptr);
    const std::vector<uint64_t> pages2 = buf->pages();
    const DmaBuf::Attachment c = buf->attach(t.cpu(), dev_a);
    buf->detach(t.cpu(), dev_a, c);
    EXPECT_TRUE(none_free(pages2));
    EXPECT_EQ(t.munmap(va2, kPage), 0);
    EXPECT_TRUE(none_free(pages2));
    EXPECT_EQ(t.close(fd), 0);
    EXPECT_TRUE(all_free(pages2));

    // A fork child shares the file: the parent's close alone frees nothing.
    ASSERT_EQ(alloc(t, heap, kPage, &fd), 0);
    buf = DmaBuf::from_fd(tb.kernel(), p, fd);
    ASSERT_NE(buf, nullptr);
    const std::vector<uint64_t> pages3 = buf->pages();
    Process& child = tb.kernel().fork_process(p, t.cpu());
    EXPECT_EQ(DmaBuf::from_fd(tb.kernel(), child, fd), buf);
    EXPECT_EQ(t.close(fd), 0);
    EXPECT_TRUE(none_free(pages3));
    tb.kernel().exit_process(child, t.cpu());
    EXPECT_TRUE(all_free(pages3));

    EXPECT_EQ(tb.kernel().dma_heap().live_buffers(), 0u);
    EXPECT_EQ(tb.counter("host.dma_buf.frees"), 3u);
    EXPECT_EQ(tb.kernel().first_error(), "");
  }));
}

TEST(DmaBuf, FromFdRefusesWhatIsNoDmaBuf) {
  ASSERT_TRUE(run([](ZipSvaTestbench& tb) {
    Process& p = tb.kernel().create_process();
    Process& other = tb.kernel().create_process();
    HostThread t(tb.kernel(), p, "t");
    const int heap = t.open(rt::kDmaHeapSystemPath);
    const int uacce = t.open(std::string("/dev/") + ZipSvaTestbench::kDevName);
    ASSERT_GE(uacce, 0);
    int fd = -1;
    ASSERT_EQ(alloc(t, heap, kPage, &fd), 0);
    EXPECT_NE(DmaBuf::from_fd(tb.kernel(), p, fd), nullptr);
    EXPECT_EQ(DmaBuf::from_fd(tb.kernel(), p, heap), nullptr);    // the heap itself
    EXPECT_EQ(DmaBuf::from_fd(tb.kernel(), p, uacce), nullptr);   // another device's file
    EXPECT_EQ(DmaBuf::from_fd(tb.kernel(), p, 1000), nullptr);    // no such fd
    EXPECT_EQ(DmaBuf::from_fd(tb.kernel(), other, fd), nullptr);  // another process's table
    EXPECT_EQ(tb.kernel().file_at(p, 1000), nullptr);
    EXPECT_NE(tb.kernel().file_at(p, uacce), nullptr);
    EXPECT_EQ(t.close(uacce), 0);
  }));
}

TEST(DmaBuf, AccessModeLimitsTheMapping) {
  ASSERT_TRUE(run([](ZipSvaTestbench& tb) {
    Process& p = tb.kernel().create_process();
    HostThread t(tb.kernel(), p, "t");
    const int heap = t.open(rt::kDmaHeapSystemPath);
    int ro = -1;
    int wo = -1;
    ASSERT_EQ(alloc(t, heap, kPage, &ro, rt::kORdonly), 0);
    ASSERT_EQ(alloc(t, heap, kPage, &wo, rt::kOWronly), 0);
    int err = 0;
    EXPECT_EQ(t.mmap(ro, kPage, kProtRw, 0, &err), 0u);
    EXPECT_EQ(err, -EACCES);
    const uint64_t va = t.mmap(ro, kPage, PROT_READ, 0, &err);
    ASSERT_NE(va, 0u);
    EXPECT_FALSE(p.find_vma(va)->writable);
    EXPECT_EQ(t.mmap(wo, kPage, PROT_WRITE, 0, &err), 0u);
    EXPECT_EQ(err, -EACCES);
  }));
}

}  // namespace
}  // namespace wdsim
