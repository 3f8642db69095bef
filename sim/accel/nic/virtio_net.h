// VirtioNet: a network device with SVA: one receive and one transmit queue in the virtio 1.x
// split-virtqueue format (formats/virtio/virtio_net.h), whose rings and buffers live in a
// process's memory and are addressed by its own virtual addresses; every DMA carries the
// device's StreamID and the queue's PASID, so the SMMU walks that process's page tables. A
// traffic source inside the model delivers packets into the receive queue; the transmit queue
// sends what the driver posts at line rate.
//
// Registers (its BAR, `mmio`): the virtio-pci modern common configuration at 0x0000 (features,
// device status, per-queue size, MSI-X vector, enable and ring addresses behind queue_select),
// queue notifications at 0x1000 + 4 * queue (notify_off_multiplier 4, queue_notify_off = queue
// index), the ISR status byte at 0x2000 (read clears), the virtio-net device configuration at
// 0x3000 (MAC, link status, one queue pair, MTU), the MSI-X table at 0x4000 (16 B entries), and
// one model register per queue at 0x5000 + 4 * queue: bit 31 PASID valid, bits 19:0 the PASID
// its DMA carries. Virtio itself has no PASID; that register is this model's, standing for the
// PASID binding a real SVA NIC gets from its driver (as uacce queues get theirs).
//
// Receive: each packet takes the next available descriptor chain (device-writable buffers; the
// 12-byte virtio_net_hdr first, then the payload, across the chain), then the used element and
// used index are written in that order, then an MSI if the driver wants one (no
// VIRTQ_AVAIL_F_NO_INTERRUPT, or with VIRTIO_F_RING_EVENT_IDX the used_event rule) and the
// moderation allows it (after `irq_coalesce_packets` completions, or `irq_coalesce_us` after the
// first unsignalled one). No available chain, or one too short for the packet: the packet is
// dropped and counted (the chain stays available). Transmit: a notify makes the device take every
// available chain, read its buffers (the header, then the packet), send it on the line (a timing
// server at `line_rate_gbps`) and return it in the used ring.
// Bad input from the driver (a descriptor index past the queue, a chain longer than the queue, a
// readable buffer in a receive chain, a DMA fault) sets DEVICE_NEEDS_RESET, stops the device and
// raises the configuration vector, as the specification says a device reports an error; writing
// 0 to device_status resets it. The model never trusts ring contents.
//
// Timing: every ring and buffer access is a DMA through `dma` (its annotated delay is the path's:
// PCIe, SMMU, memory), plus `per_packet_ns` of device work per packet; a thread waits once per
// packet, and on receive once more before it writes the used index (so the index is not in
// memory before the buffer writes are done; the index write itself is visible at its issue, one
// DMA write's latency early for a reader that loads it rather than polls it). Not modelled: packed
// rings, indirect descriptors (rejected), mergeable receive buffers, multiple queue pairs, the
// control queue, offloads, the physical layer beyond a line rate, legacy and INTx interrupts (the
// ISR byte is kept, no wire).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "formats/virtio/virtio_net.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"

namespace wdsim {

struct VirtioNetParams {
  uint32_t queue_size_max;
  uint32_t stream_id;
  double line_rate_gbps;
  double per_packet_ns;
  uint32_t mtu_bytes;
  uint32_t irq_coalesce_packets;
  double irq_coalesce_us;
  // The traffic source.
  uint64_t rx_packets;
  double rx_rate_mpps;
  uint32_t rx_burst_packets;
  std::vector<uint64_t> rx_sizes;
  double rx_start_us;

  void declare(ParamScope& s) {
    s.add("queue_size_max", queue_size_max, 256u, "descriptors",
          "Largest queue size the device offers (queue_size reads it; the driver may write a "
          "smaller power of two)",
          "QEMU virtio-net default rx/tx_queue_size 256", Range::between(1, 32768));
    s.require("queue_size_max", (queue_size_max & (queue_size_max - 1)) == 0,
              "must be a power of two (virtio 1.1, 2.6)");
    s.add("stream_id", stream_id, 0x300u, "", "The device's StreamID at the SMMU", "guess",
          Range::between(0, 65535));
    s.add("line_rate_gbps", line_rate_gbps, 25.0, "Gbit/s", "Line rate of the port",
          "guess: a 25GE port", Range::between(0.001, 1600));
    s.add("per_packet_ns", per_packet_ns, 100.0, "ns",
          "Device processing per packet besides its DMA (parsing, descriptor handling)", "guess",
          Range::between(0, 1e6));
    s.add("mtu_bytes", mtu_bytes, 1500u, "B", "MTU the device reports (virtio_net_config.mtu)",
          "Ethernet", Range::between(68, 65535));
    s.add("irq_coalesce_packets", irq_coalesce_packets, 1u, "packets",
          "Interrupt after this many completions not yet signalled (1: each)",
          "guess: moderation off", Range::between(1, 65536));
    s.add("irq_coalesce_us", irq_coalesce_us, 0.0, "us",
          "Or this long after the first completion not yet signalled (0: no timer)", "guess",
          Range::between(0, 1e6));
    s.add("rx_packets", rx_packets, 0u, "packets", "Packets the traffic source delivers", "guess",
          Range::between(0, 1ull << 32));
    s.add("rx_rate_mpps", rx_rate_mpps, 1.0, "Mpps",
          "Mean packet rate of the traffic source (bursts spaced to keep it)", "guess",
          Range::between(1e-6, 1000));
    s.add("rx_burst_packets", rx_burst_packets, 1u, "packets",
          "Packets per burst, back to back at line rate", "guess", Range::between(1, 65536));
    s.add_list("rx_sizes", rx_sizes, {1500}, "B",
               "Packet payload sizes, one drawn per packet from the list (repeat a size to "
               "weight it)",
               "guess", Range::between(1, 65535));
    s.add("rx_start_us", rx_start_us, 0.0, "us",
          "When the first packet arrives (after the driver sets DRIVER_OK)", "guess",
          Range::between(0, 1e9));
  }
};

class VirtioNet : public sc_core::sc_module {
 public:
  // BAR layout.
  static constexpr uint64_t kCommonCfgOffset = 0x0000;
  static constexpr uint64_t kNotifyOffset = 0x1000;
  static constexpr uint32_t kNotifyOffMultiplier = 4;
  static constexpr uint64_t kIsrOffset = 0x2000;
  static constexpr uint64_t kDeviceCfgOffset = 0x3000;
  static constexpr uint64_t kMsixTableOffset = 0x4000;
  static constexpr uint32_t kMsixVectors = 4;
  static constexpr uint64_t kPasidOffset = 0x5000;
  static constexpr uint64_t kBarSize = 0x6000;
  static constexpr uint32_t kPasidValid = 1u << 31;
  static constexpr uint32_t kPasidMask = (1u << 20) - 1;
  static constexpr uint16_t kNumQueues = 2;  // receiveq1, transmitq1

  tlm_utils::simple_initiator_socket<VirtioNet> dma;  // rings, buffers, MSI writes
  tlm_utils::simple_target_socket<VirtioNet> mmio;    // the BAR

  // The bytes of received packet `seq` (`size` of them); default: seeded random bytes.
  using PayloadSource = std::function<std::vector<uint8_t>(uint64_t seq, uint32_t size)>;
  // The size of packet `seq` when the payload decides it (records whose length is their
  // compressed plaintext's): called before the packet's arrival time is set, with the size drawn
  // from rx_sizes, which it may ignore; at most 65535 B (the largest frame payload) is used.
  using PacketSizer = std::function<uint32_t(uint64_t seq, uint32_t drawn_size)>;
  // Each transmitted packet (without its virtio_net_hdr).
  using TxSink = std::function<void(const std::vector<uint8_t>& packet)>;

  // Stats: <component>.{rx,tx}.{packets,bytes}, rx.drops_no_buffer, rx.drops_too_small,
  // interrupts, errors.
  VirtioNet(sc_core::sc_module_name name, const VirtioNetParams& params, SimEnv& env);

  void set_payload_source(PayloadSource source) { payload_ = std::move(source); }
  void set_packet_sizer(PacketSizer sizer) { sizer_ = std::move(sizer); }
  // While the payload source runs: when that packet arrived at the device by the traffic
  // source's schedule (the device may take it later, when it is still busy with earlier ones).
  const sc_core::sc_time& scheduled_arrival() const { return scheduled_arrival_; }
  void set_tx_sink(TxSink sink) { tx_sink_ = std::move(sink); }
  uint8_t device_status() const { return status_; }
  uint64_t offered_features() const;

 private:
  struct Queue {
    uint16_t size = 0;
    uint16_t msix_vector = virtio::kNoVector;
    bool enabled = false;
    uint64_t desc = 0, driver = 0, device = 0;
    uint32_t pasid_reg = 0;
    uint16_t last_avail = 0;  // next available entry the device takes
    uint16_t used_idx = 0;    // next used entry it writes
    uint16_t signalled = 0;   // used index at the last interrupt
    sc_core::sc_time first_unsignalled = sc_core::SC_ZERO_TIME;
  };
  struct Chain {
    uint16_t head = 0;
    std::vector<virtio::VirtqDesc> descs;
  };

  void mmio_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  uint64_t read_register(uint64_t offset, unsigned len) const;
  void write_register(uint64_t offset, unsigned len, uint64_t value, const sc_core::sc_time& t);
  void reset();

  void rx_thread();
  void tx_thread();
  void irq_timer_thread();
  bool running() const;
  // One packet into the receive queue at the current time; false when it was dropped.
  bool receive(uint64_t seq, const std::vector<uint8_t>& payload, sc_core::sc_time& t);
  // Every available transmit chain: fetches on local time `t`; `done` ends up at the last
  // completion written (after its packet left the line).
  void transmit(sc_core::sc_time& t, sc_core::sc_time& done);

  bool dma_read(const Queue& q, uint64_t addr, void* dst, size_t len, sc_core::sc_time& t);
  bool dma_write(const Queue& q, uint64_t addr, const void* src, size_t len, sc_core::sc_time& t);
  // The available chain at q.last_avail, if any (nullopt-like: returns false); sets `empty`.
  bool next_chain(Queue& q, Chain* chain, bool* empty, sc_core::sc_time& t);
  // `sync` (receive, on the rx thread): waits out `t` between the element and the index.
  bool put_used(Queue& q, uint16_t head, uint32_t len, sc_core::sc_time& t, bool sync = false);
  // Sends the queue's interrupt if the driver wants one and moderation allows it now.
  void maybe_interrupt(Queue& q, sc_core::sc_time& t, bool timer_fired);
  void send_msi(uint16_t vector, sc_core::sc_time& t);
  void fail(const char* reason, const sc_core::sc_time& t);

  VirtioNetParams params_;
  SimEnv& env_;
  std::string component_;
  PayloadSource payload_;
  PacketSizer sizer_;
  sc_core::sc_time scheduled_arrival_ = sc_core::SC_ZERO_TIME;
  uint64_t resets_ = 0;  // device resets so far (a receive that waited checks for one)
  TxSink tx_sink_;
  std::mt19937_64 rng_;

  // Common configuration.
  uint32_t device_feature_select_ = 0;
  uint32_t driver_feature_select_ = 0;
  uint64_t driver_features_ = 0;
  uint16_t msix_config_ = virtio::kNoVector;
  uint8_t status_ = 0;
  uint8_t config_generation_ = 0;
  uint16_t queue_select_ = 0;
  std::array<Queue, kNumQueues> queues_{};
  std::array<virtio::MsixEntry, kMsixVectors> msix_{};
  mutable uint8_t isr_ = 0;

  TimingServer line_;
  sc_core::sc_event driver_ok_event_;
  sc_core::sc_event tx_notify_event_;
  sc_core::sc_event irq_timer_event_;

  Counter& rx_packets_;
  Counter& rx_bytes_;
  Counter& rx_drops_no_buffer_;
  Counter& rx_drops_too_small_;
  Counter& tx_packets_;
  Counter& tx_bytes_;
  Counter& interrupts_;
  Counter& errors_;
  Counter& bad_mmio_;
};

}  // namespace wdsim
