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
#include "sim/system/nic_records.h"

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
    s.add_choice("payload", payload, "pattern", {"pattern", "records"},
                 "What the traffic source's packets carry after the test header: seeded bytes "
                 "(nic_traffic.h), or records: deflate-compressed, AES-128-GCM-encrypted plaintext "
                 "of record_sizes bytes (sim/system/nic_records.h; a record's packet is as long as "
                 "its record, rx_sizes is not used)",
                 "scenario choice");
    s.add_list("record_sizes", record_sizes, {4096}, "B",
               "Plaintext bytes of each record, one drawn per packet (repeat a size to weight it)",
               "guess: a page of application data", Range::between(1, nic_records::kMaxPlainBytes));
    s.add_choice("record_data", record_data, "text", {"text", "random", "zeros"},
                 "The records' plaintext: generated text (about 3x with deflate), random bytes or "
                 "zeros",
                 "guess");
    if (payload == "records") {
      for (uint64_t size : record_sizes) {
        s.require("record_sizes", nic_records::max_record_bytes(size) <= params.mtu_bytes,
                  "a record of " + std::to_string(size) + " plaintext bytes can take up to " +
                      std::to_string(nic_records::max_record_bytes(size)) +
                      " B (deflate's stored blocks and the record's header and tag): more than "
                      "the MTU (mtu_bytes; jumbo frames: 9000)");
      }
    }
  }
  bool timing_only() const override { return false; }
  std::optional<uint32_t> stream_id() const override { return params.stream_id; }
  VirtioNetParams params;
  std::string payload;
  std::vector<uint64_t> record_sizes;
  std::string record_data;
};

class NicDevice : public DeviceInstance {
 public:
  NicDevice(const std::string& component, const std::string& device, const NicParams& kind,
            VirtioNetParams p, SimEnv& env)
      : net(component.c_str(), p, env) {
    const uint64_t seed = nic_traffic::stream_seed(env.seed(), device);
    if (kind.payload == "records") {
      // The record is made when its size is asked for (before its arrival is known), then
      // stamped with the arrival when the device takes its bytes.
      net.set_packet_sizer([this, seed, sizes = kind.record_sizes, data = kind.record_data](
                               uint64_t seq, uint32_t) {
        const uint64_t plain = sizes[nic_records::record_size_index(seed, seq, sizes.size())];
        record_ = nic_records::make_record(
            seed, seq, data, nic_records::plaintext(seed, seq, data, static_cast<uint32_t>(plain)));
        if (record_.empty()) throw std::runtime_error("nic: OpenSSL refused AES-128-GCM");
        return static_cast<uint32_t>(record_.size());
      });
      net.set_payload_source([this](uint64_t, uint32_t) {
        nic_records::stamp_arrival(record_, to_ps(net.scheduled_arrival()));
        return record_;
      });
      return;
    }
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
  std::vector<uint8_t> record_;  // the record whose size was last asked for
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
    const auto& kind = static_cast<const NicParams&>(params);
    VirtioNetParams p = kind.params;
    p.stream_id = stream_id;
    return std::make_unique<NicDevice>(component, device, kind, p, env);
  }
  std::unique_ptr<DeviceDriver> build_driver(const DeviceDriverContext& ctx,
                                             const EngineParams&) const override {
    return std::make_unique<NicDriver>(ctx);
  }
};

const bool kNicRegistered = register_accelerator_kind(std::make_unique<NicKind>());

}  // namespace

}  // namespace wdsim
