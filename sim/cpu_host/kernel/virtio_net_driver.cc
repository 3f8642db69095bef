#include "sim/cpu_host/kernel/virtio_net_driver.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "sim/accel/nic/virtio_net.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"

namespace wdsim {

namespace vio = virtio;

namespace {

// virtio_pci_common_cfg field offsets (virtio 1.1 4.1.4.3).
constexpr uint64_t kDeviceFeatureSelect = 0;
constexpr uint64_t kDeviceFeature = 4;
constexpr uint64_t kDriverFeatureSelect = 8;
constexpr uint64_t kDriverFeature = 12;
constexpr uint64_t kMsixConfig = 16;
constexpr uint64_t kDeviceStatus = 20;
constexpr uint64_t kQueueSelect = 22;
constexpr uint64_t kQueueSize = 24;
constexpr uint64_t kQueueMsixVector = 26;
constexpr uint64_t kQueueEnable = 28;
constexpr uint64_t kQueueDesc = 32;
constexpr uint64_t kQueueDriver = 40;
constexpr uint64_t kQueueDevice = 48;
// virtio_net_config (5.1.4): mac[6] at 0, status at 6, max_virtqueue_pairs at 8, mtu at 10.
constexpr uint64_t kNetConfigMtu = 10;

// The MSI-X entries the driver uses (vp_find_vqs_msix order: configuration first, then one per
// queue).
constexpr uint16_t kConfigEntry = 0;
constexpr uint16_t kRxEntry = 1;
constexpr uint16_t kTxEntry = 2;
constexpr uint64_t kMsixEntryBytes = sizeof(vio::MsixEntry);
constexpr uint64_t kCacheLine = 64;

constexpr uint64_t bit(unsigned n) { return uint64_t{1} << n; }

}  // namespace

class VirtioNetFile : public KernelFile {
 public:
  VirtioNetFile(VirtioNetDriver& drv, uint32_t pasid, int pid)
      : drv_(drv), pasid_(pasid), pid_(pid) {}

  long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) override {
    if (cmd != kVirtioNetRxSetup) return -EINVAL;
    if (!arg) return -EFAULT;
    if (set_up_) return -EBUSY;
    VirtioNetRxSetup s;
    std::memcpy(&s, arg, sizeof s);  // copy_from_user
    const uint16_t n = s.queue_size;
    if (n == 0 || (n & (n - 1)) || n > drv_.queue_size_max_ || s.buffers == 0 || s.buffers > n ||
        s.buffer_bytes == 0) {
      return -EINVAL;
    }
    Process& p = ctx.process;
    // The ring, in the process's memory.
    std::vector<uint8_t> ring(RxRingLayout::bytes(n), 0);
    for (uint16_t i = 0; i < s.buffers; ++i) {
      const vio::VirtqDesc d{s.buffers_va + uint64_t{i} * s.buffer_bytes, s.buffer_bytes,
                             vio::kDescFWrite, 0};
      std::memcpy(ring.data() + RxRingLayout::desc(n) + 16ull * i, &d, sizeof d);
      std::memcpy(ring.data() + RxRingLayout::avail(n) + vio::kAvailRingOffset + 2ull * i, &i, 2);
    }
    const uint16_t flags = (s.flags & kRxSetupPoll) ? vio::kAvailFNoInterrupt : 0;
    std::memcpy(ring.data() + RxRingLayout::avail(n) + vio::kAvailFlagsOffset, &flags, 2);
    std::memcpy(ring.data() + RxRingLayout::avail(n) + vio::kAvailIdxOffset, &s.buffers, 2);
    // The buffers must be there too (the device writes them for this PASID).
    for (uint64_t off = 0; off < uint64_t{s.buffers} * s.buffer_bytes; off += p.granule_size()) {
      if (!p.translate(s.buffers_va + off)) return -EFAULT;
    }
    if (!p.translate(s.buffers_va + uint64_t{s.buffers} * s.buffer_bytes - 1)) return -EFAULT;
    if (!p.write(s.ring_va, ring.data(), ring.size())) return -EFAULT;
    ctx.cpu.busy(ns(ctx.costs.cacheline_access_ns *
                    static_cast<double>((ring.size() + kCacheLine - 1) / kCacheLine)));
    // The queue: selected, sized, its vector, its ring addresses (the process's VAs), its PASID.
    CpuContext& cpu = ctx.cpu;
    drv_.write16(cpu, kQueueSelect, vio::kNetRxQueue);
    drv_.write16(cpu, kQueueSize, n);
    drv_.write16(cpu, kQueueMsixVector, kRxEntry);
    drv_.write64(cpu, kQueueDesc, s.ring_va + RxRingLayout::desc(n));
    drv_.write64(cpu, kQueueDriver, s.ring_va + RxRingLayout::avail(n));
    drv_.write64(cpu, kQueueDevice, s.ring_va + RxRingLayout::used(n));
    drv_.write32(cpu, VirtioNet::kPasidOffset + 4ull * vio::kNetRxQueue,
                 VirtioNet::kPasidValid | (pasid_ & VirtioNet::kPasidMask));
    drv_.write16(cpu, kQueueEnable, 1);
    const uint8_t status = drv_.read8(cpu, kDeviceStatus);
    drv_.write8(cpu, kDeviceStatus, static_cast<uint8_t>(status | vio::kStatusDriverOk));
    set_up_ = true;
    drv_.kernel_.env().trace_event(
        drv_.component_, "rx_setup",
        {tf("pid", pid_), tf("pasid", pasid_), tf("queue_size", n), tf("buffers", s.buffers),
         tf("buffer_bytes", s.buffer_bytes), tf("poll", (s.flags & kRxSetupPoll) ? 1 : 0)});
    return 0;
  }

  uint64_t mmap(SyscallContext&, uint64_t, int, uint64_t, int* err) override {
    *err = -EINVAL;  // the rings are the process's own memory
    return 0;
  }

  int wait_event(SyscallContext& ctx, const sc_core::sc_time& timeout) override {
    if (!set_up_) return -EINVAL;
    if (!updated_) {
      ctx.cpu.busy(ns(ctx.costs.sleep_ns));
      const sc_core::sc_time deadline = sc_core::sc_time_stamp() + timeout;
      while (!updated_ && ctx.process.alive()) {
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        if (now >= deadline) break;
        ctx.cpu.sleep(wake_, ctx.kernel.signal_event(), deadline - now);
      }
      if (!ctx.process.alive()) return -EINTR;
      if (!updated_) return 0;
      ctx.cpu.busy(ns(ctx.costs.wakeup_ns));
    }
    updated_ = false;
    if (drv_.read8(ctx.cpu, kDeviceStatus) & vio::kStatusDeviceNeedsReset) return -EIO;
    return 1;
  }

  void release(SyscallContext& ctx) override {
    // Reset first: the device stops before the address space it uses is unbound.
    drv_.write8(ctx.cpu, kDeviceStatus, 0);
    drv_.read8(ctx.cpu, kDeviceStatus);  // the reset has reached the device (a read flushes it)
    drv_.smmu_.sva_unbind(ctx.cpu, drv_.info_.stream_id, pasid_);
    drv_.open_ = nullptr;
    drv_.kernel_.env().trace_event(drv_.component_, "release", {tf("pid", pid_)});
    // The probe sequence again, so that the next open finds the device at FEATURES_OK.
    drv_.probe(ctx.cpu);
  }

  void interrupt() {
    updated_ = true;
    wake_.notify(sc_core::SC_ZERO_TIME);
  }

 private:
  VirtioNetDriver& drv_;
  uint32_t pasid_;
  int pid_;
  bool set_up_ = false;
  bool updated_ = false;
  sc_core::sc_event wake_;
};

VirtioNetDriver::VirtioNetDriver(Kernel& kernel, InterruptController& gic, SmmuDriver& smmu,
                                 VirtioNetDriverInfo info)
    : kernel_(kernel),
      gic_(gic),
      smmu_(smmu),
      info_(std::move(info)),
      dev_path_("/dev/" + info_.name),
      component_("host." + info_.name),
      rx_irqs_(kernel.env().stats().counter(component_ + ".rx_irqs", "Receive interrupts handled")),
      config_irqs_(kernel.env().stats().counter(component_ + ".config_irqs",
                                                "Configuration and transmit interrupts handled")),
      opens_(kernel.env().stats().counter(component_ + ".opens", "Opens of the device node")),
      opens_busy_(kernel.env().stats().counter(component_ + ".opens_busy",
                                               "Opens refused: the queue is held (-EBUSY)")) {
  kernel_.register_device(dev_path_, this);
}

VirtioNetDriver::~VirtioNetDriver() = default;

void VirtioNetDriver::write8(CpuContext& cpu, uint64_t off, uint8_t v) {
  kernel_.mmio_write(cpu, info_.bar_pa + off, &v, 1);
}
void VirtioNetDriver::write16(CpuContext& cpu, uint64_t off, uint16_t v) {
  kernel_.mmio_write(cpu, info_.bar_pa + off, &v, 2);
}
void VirtioNetDriver::write32(CpuContext& cpu, uint64_t off, uint32_t v) {
  kernel_.mmio_write(cpu, info_.bar_pa + off, &v, 4);
}
void VirtioNetDriver::write64(CpuContext& cpu, uint64_t off, uint64_t v) {
  kernel_.mmio_write(cpu, info_.bar_pa + off, &v, 8);
}
uint32_t VirtioNetDriver::read32(CpuContext& cpu, uint64_t off) {
  return kernel_.mmio_read32(cpu, info_.bar_pa + off);
}
uint8_t VirtioNetDriver::read8(CpuContext& cpu, uint64_t off) {
  uint8_t v = 0;
  kernel_.mmio_read(cpu, info_.bar_pa + off, &v, 1);
  return v;
}

void VirtioNetDriver::probe(CpuContext& cpu) {
  write8(cpu, kDeviceStatus, 0);  // reset
  write8(cpu, kDeviceStatus, vio::kStatusAcknowledge);
  write8(cpu, kDeviceStatus, vio::kStatusAcknowledge | vio::kStatusDriver);
  uint64_t offered = 0;
  for (uint32_t sel = 0; sel < 2; ++sel) {
    write32(cpu, kDeviceFeatureSelect, sel);
    offered |= uint64_t{read32(cpu, kDeviceFeature)} << (32 * sel);
  }
  const uint64_t wanted = bit(vio::kFVersion1) | bit(vio::kFAccessPlatform);
  if ((offered & wanted) != wanted) {
    write8(cpu, kDeviceStatus, vio::kStatusFailed);
    throw std::runtime_error(info_.name + ": the device offers no VERSION_1 | ACCESS_PLATFORM");
  }
  const uint64_t accepted = wanted | (offered & bit(vio::kFNetMtu));
  for (uint32_t sel = 0; sel < 2; ++sel) {
    write32(cpu, kDriverFeatureSelect, sel);
    write32(cpu, kDriverFeature, static_cast<uint32_t>(accepted >> (32 * sel)));
  }
  const uint8_t features_ok = vio::kStatusAcknowledge | vio::kStatusDriver | vio::kStatusFeaturesOk;
  write8(cpu, kDeviceStatus, features_ok);
  if (!(read8(cpu, kDeviceStatus) & vio::kStatusFeaturesOk)) {
    write8(cpu, kDeviceStatus, vio::kStatusFailed);
    throw std::runtime_error(info_.name + ": the device refused the features (FEATURES_OK)");
  }
  if (accepted & bit(vio::kFNetMtu)) {
    kernel_.mmio_read(cpu, info_.bar_pa + VirtioNet::kDeviceCfgOffset + kNetConfigMtu, &mtu_, 2);
  }
  write16(cpu, kQueueSelect, vio::kNetRxQueue);
  uint16_t size = 0;
  kernel_.mmio_read(cpu, info_.bar_pa + kQueueSize, &size, 2);
  queue_size_max_ = size;
  // MSI-X: receive on msi_data, configuration changes and transmit on msi_data + 1.
  auto entry = [&](uint16_t e, uint32_t data) {
    const uint64_t at = VirtioNet::kMsixTableOffset + kMsixEntryBytes * e;
    write32(cpu, at + 0, static_cast<uint32_t>(info_.msi_address));
    write32(cpu, at + 4, static_cast<uint32_t>(info_.msi_address >> 32));
    write32(cpu, at + 8, data);
    write32(cpu, at + 12, 0);  // unmasked
  };
  entry(kConfigEntry, info_.msi_data + 1);
  entry(kRxEntry, info_.msi_data);
  entry(kTxEntry, info_.msi_data + 1);
  write16(cpu, kMsixConfig, kConfigEntry);
  if (!probed_) {
    gic_.set_handler(info_.msi_data, [this](CpuContext& c) { rx_irq(c); });
    gic_.set_handler(info_.msi_data + 1, [this](CpuContext& c) { config_irq(c); });
    kernel_.env().trace_event(
        component_, "probe",
        {tf("sid", info_.stream_id), tf("queue_size_max", queue_size_max_), tf("mtu", mtu_)});
  }
  probed_ = true;
}

std::unique_ptr<KernelFile> VirtioNetDriver::open(SyscallContext& ctx, int* err) {
  opens_.inc();
  if (open_) {
    opens_busy_.inc();
    *err = -EBUSY;
    return nullptr;
  }
  const uint32_t pasid = smmu_.sva_bind(ctx.cpu, info_.stream_id, ctx.process);
  kernel_.env().trace_event(component_, "open", {tf("pid", ctx.process.pid()), tf("pasid", pasid)});
  auto f = std::make_unique<VirtioNetFile>(*this, pasid, ctx.process.pid());
  open_ = f.get();
  return f;
}

void VirtioNetDriver::rx_irq(CpuContext& cpu) {
  cpu.busy(ns(kernel_.costs().irq_handler_ns));
  rx_irqs_.inc();
  if (open_) open_->interrupt();
}

void VirtioNetDriver::config_irq(CpuContext& cpu) {
  cpu.busy(ns(kernel_.costs().irq_handler_ns));
  config_irqs_.inc();
  if (open_) open_->interrupt();  // DEVICE_NEEDS_RESET: a waiter sees it (-EIO)
}

}  // namespace wdsim
