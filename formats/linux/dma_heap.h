// The dma-buf heap user ABI (Linux include/uapi/linux/dma-heap.h): the allocation ioctl, its
// argument struct and the flag masks it checks, bit for bit; and the device node path
// (drivers/dma-buf/dma-heap.c names a heap's node /dev/dma_heap/<name>; the system heap,
// drivers/dma-buf/heaps/system_heap.c, is "system").
//
// Models: the numeric ABI only. Does not model: the dma-buf ioctls of the buffer's own fd
// (DMA_BUF_IOCTL_SYNC, DMA_BUF_SET_NAME; include/uapi/linux/dma-buf.h). Facts: Linux
// dma-heap.h, asm-generic/ioctl.h (through formats/uacce/uacce.h's encoders) and
// asm-generic/fcntl.h (O_ACCMODE, O_RDWR, O_CLOEXEC, which arm64 and x86 share).
//
// Dependency-free on purpose (no <linux/...>, no <fcntl.h>): the static_asserts pin the
// results to hand-computed numbers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/uacce/uacce.h"

namespace wdsim::rt {

// struct dma_heap_allocation_data: len (in, bytes), fd (out; must be 0 on input), fd_flags (in:
// the new file's open flags), heap_flags (in: none defined).
struct DmaHeapAllocationData {
  uint64_t len = 0;
  uint32_t fd = 0;
  uint32_t fd_flags = 0;
  uint64_t heap_flags = 0;
};
static_assert(sizeof(DmaHeapAllocationData) == 24, "struct dma_heap_allocation_data is 24 bytes");
static_assert(offsetof(DmaHeapAllocationData, fd) == 8);
static_assert(offsetof(DmaHeapAllocationData, fd_flags) == 12);
static_assert(offsetof(DmaHeapAllocationData, heap_flags) == 16);

// DMA_HEAP_IOC_MAGIC 'H'; DMA_HEAP_IOCTL_ALLOC = _IOWR('H', 0x0, struct dma_heap_allocation_data).
constexpr uint32_t kDmaHeapIocMagic = 'H';
constexpr uint32_t kDmaHeapIocAllocNr = 0;
constexpr unsigned long kDmaHeapIoctlAlloc =
    ioc_iowr(kDmaHeapIocMagic, kDmaHeapIocAllocNr, sizeof(DmaHeapAllocationData));
static_assert(kDmaHeapIoctlAlloc == 0xc0184800ul,
              "DMA_HEAP_IOCTL_ALLOC must equal Linux's _IOWR('H', 0, 24 bytes)");

// asm-generic/fcntl.h open flags (octal there): O_RDONLY 0, O_WRONLY 01, O_RDWR 02, O_ACCMODE
// 03, O_CLOEXEC 02000000.
constexpr uint32_t kORdonly = 0;
constexpr uint32_t kOWronly = 01;
constexpr uint32_t kORdwr = 02;
constexpr uint32_t kOAccmode = 03;
constexpr uint32_t kOCloexec = 02000000;
static_assert(kOCloexec == 0x80000u);

// DMA_HEAP_VALID_FD_FLAGS = O_CLOEXEC | O_ACCMODE; DMA_HEAP_VALID_HEAP_FLAGS = 0.
constexpr uint32_t kDmaHeapValidFdFlags = kOCloexec | kOAccmode;
constexpr uint64_t kDmaHeapValidHeapFlags = 0;

// The heap device nodes: /dev/dma_heap/<heap name>.
inline constexpr const char* kDmaHeapDevDir = "/dev/dma_heap";
inline constexpr const char* kDmaHeapSystemName = "system";
inline constexpr const char* kDmaHeapSystemPath = "/dev/dma_heap/system";

}  // namespace wdsim::rt
