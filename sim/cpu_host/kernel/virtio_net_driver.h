// The kernel's driver for the virtio-net device with SVA (sim/accel/nic/virtio_net.h): a
// character device /dev/<name> through which one process at a time gets the device's receive
// queue in its own address space, as a uacce queue is handed to a process.
//
// probe (Linux virtio_pci_modern + virtio_dev_probe order, virtio 1.1 3.1.1): reset, ACKNOWLEDGE,
// DRIVER, read the device features, accept VERSION_1 and ACCESS_PLATFORM (DMA through the IOMMU),
// FEATURES_OK and read it back (a device that clears it fails the probe), read the MAC and MTU,
// program the MSI-X table (entry 0 configuration changes and entry 2 transmit at msi_data + 1,
// entry 1 receive at msi_data) and the configuration vector, and register the handlers.
// open: iommu_sva_bind_device(device, current->mm): the process's PASID on the device's StreamID
// (SmmuDriver::sva_bind, as uacce_fops_open); a second open while one is held is -EBUSY.
// ioctl kRxSetup (VirtioNetRxSetup): the receive queue in the caller's memory, by its virtual
// addresses: the ring (descriptor table, available ring, used ring at RxRingLayout's offsets) at
// ring_va and `buffers` receive buffers of buffer_bytes from buffers_va. The driver writes the
// descriptors (one device-writable buffer each, descriptor i -> buffer i), the available ring
// (heads 0..buffers-1, idx = buffers, VIRTQ_AVAIL_F_NO_INTERRUPT when the caller polls) and a
// zero used ring into the process's memory (charged per cache line), then programs the queue
// (size, MSI-X vector 1, the three ring addresses, the model's PASID register: valid | PASID),
// enables it and sets DRIVER_OK. From then on the process owns the ring: it reads the used ring
// and re-posts buffers (avail ring entries, then avail idx) from user space; the device looks at
// the available ring for each packet, so a re-post needs no notify.
// wait_event (poll/epoll): sleeps until the receive interrupt (woken at once if one came since
// the last wait), as uacce's poll. The receive interrupt's handler costs irq_handler_ns.
// release: device reset (status 0: the device stops, receives nothing), then the SVA unbind.
// Errors: bad arguments -EINVAL, ring or buffers not mapped -EFAULT, a second kRxSetup -EBUSY,
// a device that reports DEVICE_NEEDS_RESET makes wait_event return -EIO.
// Not modelled: the transmit queue (left disabled), the control queue, multiple queue pairs,
// the Linux netdev stack (the queue goes to one process whole, as a user-space NIC queue does),
// notifications of receive re-posts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>

#include "formats/virtio/virtio_net.h"
#include "sim/base/sim_env.h"
#include "sim/cpu_host/kernel/kernel_file.h"

namespace wdsim {

class InterruptController;
class SmmuDriver;

// ioctl commands of the device node (the model's own ABI, _IOW('V', nr, size) encoding).
constexpr unsigned long kVirtioNetIocMagic = 'V';
struct VirtioNetRxSetup {
  uint64_t ring_va = 0;     // RxRingLayout::bytes(queue_size) of the caller's memory
  uint64_t buffers_va = 0;  // buffers * buffer_bytes of the caller's memory
  uint32_t buffer_bytes = 0;
  uint16_t queue_size = 0;  // a power of two up to the device's queue_size_max
  uint16_t buffers = 0;     // posted at set-up: 1..queue_size
  uint32_t flags = 0;       // kRxSetupPoll: no receive interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT)
  uint32_t reserved = 0;
};
static_assert(sizeof(VirtioNetRxSetup) == 32);
constexpr uint32_t kRxSetupPoll = 1;
// _IOW(type, nr, size) = (1 << 30) | (size << 16) | (type << 8) | nr.
constexpr unsigned long kVirtioNetRxSetup =
    (1ul << 30) | (sizeof(VirtioNetRxSetup) << 16) | (kVirtioNetIocMagic << 8) | 1;

// Where the receive queue's parts sit in its ring memory (virtio 1.1 2.6 alignments: descriptor
// table 16, available ring 2, used ring 4; the used ring is put on its own cache line).
struct RxRingLayout {
  static constexpr uint64_t kUsedAlign = 64;
  static constexpr uint64_t desc(uint16_t) { return 0; }
  static constexpr uint64_t avail(uint16_t n) { return virtio::desc_table_bytes(n); }
  static constexpr uint64_t used(uint16_t n) {
    return (avail(n) + virtio::avail_ring_bytes(n) + kUsedAlign - 1) / kUsedAlign * kUsedAlign;
  }
  static constexpr uint64_t bytes(uint16_t n) { return used(n) + virtio::used_ring_bytes(n); }
};

struct VirtioNetDriverInfo {
  std::string name;  // "virtio_net-0": /dev/<name>
  uint64_t bar_pa = 0;
  uint32_t stream_id = 0;
  uint64_t msi_address = 0;
  uint32_t msi_data = 0;
};

class VirtioNetDriver : public CharDevice {
 public:
  // Stats: host.<name>.{rx_irqs, config_irqs, opens, opens_busy}.
  VirtioNetDriver(Kernel& kernel, InterruptController& gic, SmmuDriver& smmu,
                  VirtioNetDriverInfo info);
  ~VirtioNetDriver() override;

  void probe(CpuContext& cpu);
  std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) override;
  const std::string& dev_path() const { return dev_path_; }
  uint16_t queue_size_max() const { return queue_size_max_; }
  uint16_t mtu() const { return mtu_; }

 private:
  friend class VirtioNetFile;
  void write8(CpuContext& cpu, uint64_t off, uint8_t v);
  void write16(CpuContext& cpu, uint64_t off, uint16_t v);
  void write32(CpuContext& cpu, uint64_t off, uint32_t v);
  void write64(CpuContext& cpu, uint64_t off, uint64_t v);
  uint32_t read32(CpuContext& cpu, uint64_t off);
  uint8_t read8(CpuContext& cpu, uint64_t off);
  void rx_irq(CpuContext& cpu);
  void config_irq(CpuContext& cpu);

  Kernel& kernel_;
  InterruptController& gic_;
  SmmuDriver& smmu_;
  VirtioNetDriverInfo info_;
  std::string dev_path_;
  std::string component_;
  bool probed_ = false;
  uint16_t queue_size_max_ = 0;
  uint16_t mtu_ = 0;
  class VirtioNetFile* open_ = nullptr;  // the one open file
  Counter& rx_irqs_;
  Counter& config_irqs_;
  Counter& opens_;
  Counter& opens_busy_;
};

}  // namespace wdsim
