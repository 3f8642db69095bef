// The device kind `nic`: the virtio-net device with SVA (sim/accel/nic/virtio_net.h) as a whole
// device of system.devices (no QM), its parameters under the entry's `nic:` key, its kernel
// driver VirtioNetDriver (/dev/<name>, sim/cpu_host/kernel/virtio_net_driver.h). Its traffic
// source's packets are nic_traffic's (a sequence number and arrival time, then bytes seeded by
// the scenario seed and the device name), so a receiving program checks every byte.
#include "formats/virtio/virtio_net.h"
#include "sim/accel/nic/nic_traffic.h"
#include "sim/accel/nic/virtio_net.h"
#include "sim/cpu_host/kernel/virtio_net_driver.h"
#include "sim/system/accelerator_kind.h"

namespace wdsim {

namespace {

class NicParams : public EngineParams {
 public:
  void declare(ParamScope& s) override {
    params.declare(s);
    for (uint64_t size : params.rx_sizes) {
      s.require("rx_sizes", size >= nic_traffic::kHeaderBytes,
                "each packet carries the traffic source's " +
                    std::to_string(nic_traffic::kHeaderBytes) +
                    "-byte test header (sequence number, arrival time): sizes from " +
                    std::to_string(nic_traffic::kHeaderBytes) + " B");
      s.require("rx_sizes", size <= params.mtu_bytes,
                "a packet is at most the MTU (mtu_bytes) long");
    }
  }
  bool timing_only() const override { return false; }
  std::optional<uint32_t> stream_id() const override { return params.stream_id; }
  VirtioNetParams params;
};

class NicDevice : public DeviceInstance {
 public:
  NicDevice(const std::string& component, const std::string& device, VirtioNetParams p, SimEnv& env)
      : net(component.c_str(), p, env) {
    const uint64_t seed = nic_traffic::stream_seed(env.seed(), device);
    // The header's time is the packet's arrival by the source's schedule, so a receiver's
    // latency includes any wait for the device.
    net.set_payload_source([this, seed](uint64_t seq, uint32_t size) {
      return nic_traffic::make_packet(seed, seq, to_ps(net.scheduled_arrival()), size);
    });
  }
  tlm::tlm_initiator_socket<>& dma() override { return net.dma; }
  tlm::tlm_target_socket<>& mmio() override { return net.mmio; }
  uint64_t bar_size() const override { return VirtioNet::kBarSize; }
  VirtioNet net;
};

class NicDriver : public DeviceDriver {
 public:
  explicit NicDriver(const DeviceDriverContext& c)
      : drv(c.kernel, c.gic, c.smmu,
            VirtioNetDriverInfo{c.name, c.bar_pa, c.stream_id, c.msi_address, c.msi_data}) {}
  void probe(CpuContext& cpu) override { drv.probe(cpu); }
  std::string dev_path() const override { return drv.dev_path(); }
  VirtioNetDriver drv;
};

class NicKind : public AcceleratorKind {
 public:
  std::string name() const override { return "nic"; }
  std::string description() const override {
    return "virtio-net NIC with SVA: split virtqueues in a process's memory, PASID-tagged DMA, "
           "a traffic source, MSI-X (driver /dev/<name>)";
  }
  std::string uacce_prefix() const override { return "virtio_net"; }
  std::string driver_name() const override { return "virtio_net"; }
  std::string algorithms() const override { return ""; }
  std::string qm_component() const override { return "nic"; }
  std::string engine_component() const override { return "nic"; }
  std::string link_component() const override { return "nic_pcie_link"; }
  bool ats_capable() const override { return false; }
  bool has_syscall_device() const override { return false; }
  bool has_qm() const override { return false; }
  bool has_data_mode() const override { return false; }
  std::string stream_id_key() const override { return "nic.stream_id"; }
  std::unique_ptr<EngineParams> make_params() const override {
    return std::make_unique<NicParams>();
  }
  std::unique_ptr<EngineInstance> build(const std::string&, const EngineParams&, SimEnv&,
                                        Qm&) const override {
    return nullptr;  // no QM
  }
  std::unique_ptr<DeviceInstance> build_device(const std::string& component,
                                               const std::string& device,
                                               const EngineParams& params, uint32_t stream_id,
                                               SimEnv& env) const override {
    VirtioNetParams p = static_cast<const NicParams&>(params).params;
    p.stream_id = stream_id;
    return std::make_unique<NicDevice>(component, device, p, env);
  }
  std::unique_ptr<DeviceDriver> build_driver(const DeviceDriverContext& ctx,
                                             const EngineParams&) const override {
    return std::make_unique<NicDriver>(ctx);
  }
};

const bool kNicRegistered = register_accelerator_kind(std::make_unique<NicKind>());

}  // namespace

}  // namespace wdsim
