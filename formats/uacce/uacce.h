// The UACCE user ABI: ioctl numbers, device flags, queue file region types and sysfs attribute
// names, as Linux's include/uapi/misc/uacce/uacce.h and drivers/misc/uacce/uacce.c define them.
// Both sides use this header: the runtime (user side) and the kernel model (driver side).
//
// Models: the numeric ABI only. Does not model: the kernel's uacce_ops table or queue states
// (the kernel model owns those). Facts: Linux uacce.h / uacce.c, asm-generic/ioctl.h
// (generic _IOC layout used by arm64 and x86), UADK wd.c (sysfs attribute names).
//
// Dependency-free on purpose (no <linux/...>): the ioctl encoders below reproduce
// asm-generic/ioctl.h, and the static_asserts pin the results to hand-computed numbers.
#pragma once

#include <cstdint>

namespace wdsim::rt {

// asm-generic/ioctl.h: nr[7:0], type[15:8], size[29:16], dir[31:30].
constexpr uint32_t kIocNrShift = 0;
constexpr uint32_t kIocTypeShift = 8;
constexpr uint32_t kIocSizeShift = 16;
constexpr uint32_t kIocDirShift = 30;
constexpr uint32_t kIocSizeMask = (1u << 14) - 1;
constexpr uint32_t kIocNone = 0;
constexpr uint32_t kIocWrite = 1;
constexpr uint32_t kIocRead = 2;

constexpr unsigned long ioc(uint32_t dir, uint32_t type, uint32_t nr, uint32_t size) {
  return static_cast<unsigned long>(
      (dir << kIocDirShift) | ((size & kIocSizeMask) << kIocSizeShift) |
      ((type & 0xffu) << kIocTypeShift) | ((nr & 0xffu) << kIocNrShift));
}
constexpr unsigned long ioc_io(uint32_t type, uint32_t nr) { return ioc(kIocNone, type, nr, 0); }
constexpr unsigned long ioc_ior(uint32_t type, uint32_t nr, uint32_t size) {
  return ioc(kIocRead, type, nr, size);
}
constexpr unsigned long ioc_iow(uint32_t type, uint32_t nr, uint32_t size) {
  return ioc(kIocWrite, type, nr, size);
}
constexpr unsigned long ioc_iowr(uint32_t type, uint32_t nr, uint32_t size) {
  return ioc(kIocRead | kIocWrite, type, nr, size);
}
// Decoders, for the driver side and for traces.
constexpr uint32_t ioc_dir(unsigned long cmd) {
  return static_cast<uint32_t>(cmd >> kIocDirShift) & 3u;
}
constexpr uint32_t ioc_type(unsigned long cmd) {
  return static_cast<uint32_t>(cmd >> kIocTypeShift) & 0xffu;
}
constexpr uint32_t ioc_nr(unsigned long cmd) {
  return static_cast<uint32_t>(cmd >> kIocNrShift) & 0xffu;
}
constexpr uint32_t ioc_size(unsigned long cmd) {
  return static_cast<uint32_t>(cmd >> kIocSizeShift) & kIocSizeMask;
}

// UACCE_CMD_START_Q = _IO('W', 0): start the queue (the driver programs SQC/CQC).
constexpr unsigned long kUacceCmdStartQ = ioc_io('W', 0);
// UACCE_CMD_PUT_Q = _IO('W', 1): stop the queue and free its hardware resources now.
constexpr unsigned long kUacceCmdPutQ = ioc_io('W', 1);
static_assert(kUacceCmdStartQ == 0x5700ul, "UACCE_CMD_START_Q must equal Linux's _IO('W', 0)");
static_assert(kUacceCmdPutQ == 0x5701ul, "UACCE_CMD_PUT_Q must equal Linux's _IO('W', 1)");

// Device flags (sysfs "flags"). UACCE_DEV_SVA = BIT(0): shared virtual addressing (PASID and
// device page faults through PRI or SMMU stall). A device without it (hisi_qm's uacce_mode=2,
// openEuler's and KAE's uacce) exports a static share region instead; UACCE_DEV_IOMMU = BIT(7)
// then says the device sits behind an IOMMU (the region's DMA address is one IOVA range),
// UACCE_DEV_NOIOMMU = BIT(1) that it does not (physical slices). Sources: openEuler's
// include/uapi/misc/uacce/uacce.h; UADK wd_bmm.c tests BIT(7).
constexpr uint32_t kUacceDevSva = 1u << 0;
constexpr uint32_t kUacceDevNoIommu = 1u << 1;
constexpr uint32_t kUacceDevIommu = 1u << 7;

// UACCE_CMD_GET_SS_DMA = _IOR('W', 3, unsigned long): in, a slice index of the queue's static
// share region; out, that slice's DMA address ORed with its size in UACCE_GRAN_SIZE granules
// (the low 12 bits: UACCE_GRAN_NUM_MASK); returns how many slices follow it. -EINVAL on a
// device with SVA, before the region is mapped, or for an index past the last slice.
constexpr unsigned long kUacceCmdGetSsDma = ioc_ior('W', 3, sizeof(unsigned long));
static_assert(kUacceCmdGetSsDma == 0x80085703ul,
              "UACCE_CMD_GET_SS_DMA must equal _IOR('W', 3, unsigned long) on a 64-bit kernel");
constexpr uint64_t kUacceGranSize = 0x10000;   // UACCE_GRAN_SIZE: 64 KiB
constexpr uint32_t kUacceGranShift = 16;       // UACCE_GRAN_SHIFT
constexpr uint64_t kUacceGranNumMask = 0xfff;  // UACCE_GRAN_NUM_MASK

// wdsim's own queue ioctl, not a Linux ABI (uacce has no dma-buf importer): attaches the dma-buf
// behind `fd` (a DMA_HEAP_IOCTL_ALLOC buffer of the caller) to the queue's device without SVA,
// mapping it into the device's kernel DMA domain (dma_buf_attach + dma_buf_map_attachment), and
// returns its IOVA and size; the attachment lasts until the queue file is released. -EBADF when
// fd is not open, -EINVAL when it is no dma-buf or the device has SVA, -EFAULT without arg.
struct WdsimDmaBufAttach {
  int32_t fd = -1;        // in: the dma-buf
  uint32_t reserved = 0;  // must be 0
  uint64_t iova = 0;      // out: the device's address of the buffer's first byte
  uint64_t size = 0;      // out: bytes mapped (the whole buffer)
};
static_assert(sizeof(WdsimDmaBufAttach) == 24, "WdsimDmaBufAttach is 24 bytes");
constexpr unsigned long kWdsimUacceCmdAttachDmaBuf = ioc_iowr('W', 0x40, sizeof(WdsimDmaBufAttach));

// enum uacce_qfrt: queue file region types. mmap offset = type * page size (vm_pgoff = type).
enum UacceQfrt : uint32_t {
  kUacceQfrtMmio = 0,  // device MMIO (doorbells)
  kUacceQfrtDus = 1,   // device user share: SQ, CQ and the status page
  kUacceQfrtSs = 2,    // static share: DMA memory of a device without SVA (UACCE_QFRT_SS)
};
constexpr uint32_t kUacceMaxRegion = 3;

// sysfs: /sys/class/uacce/<name>/<attribute>; the device node is /dev/<name>.
inline constexpr const char* kUacceSysfsClassDir = "/sys/class/uacce";
inline constexpr const char* kUacceDevDir = "/dev";
inline constexpr const char* kUacceAttrApi = "api";                // e.g. "hisi_qm_v2"
inline constexpr const char* kUacceAttrFlags = "flags";            // decimal, kUacceDev*
inline constexpr const char* kUacceAttrAlgorithms = "algorithms";  // one name per line
inline constexpr const char* kUacceAttrAvailableInstances = "available_instances";  // decimal
inline constexpr const char* kUacceAttrRegionMmioSize = "region_mmio_size";  // bytes, decimal
inline constexpr const char* kUacceAttrRegionDusSize = "region_dus_size";    // bytes, decimal
inline constexpr const char* kUacceAttrIsolate = "isolate";  // 1 when isolated after errors
inline constexpr const char* kUacceAttrIsolateStrategy = "isolate_strategy";

}  // namespace wdsim::rt
