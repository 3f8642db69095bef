#include "sim/accel/nic/virtio_net.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "sim/base/io_attrs.h"
#include "sim/base/tlm_access.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
namespace vio = virtio;

namespace {

// Ethernet bytes on the wire besides the frame virtio carries (its MAC header and payload): the
// 4-byte FCS, 8 bytes of preamble and start delimiter, 12 bytes of inter-packet gap (IEEE 802.3).
constexpr uint32_t kEthernetWireOverheadBytes = 4 + 8 + 12;
constexpr uint32_t kNetHdrBytes = sizeof(vio::NetHdr);
constexpr uint32_t kMaxPacketBytes = 65535;  // a frame's largest payload this model accepts

constexpr uint64_t bit(unsigned n) { return uint64_t{1} << n; }

uint64_t load(const uint8_t* p, unsigned len) {
  uint64_t v = 0;
  std::memcpy(&v, p, std::min<unsigned>(len, 8));
  return v;
}

}  // namespace

VirtioNet::VirtioNet(sc_core::sc_module_name name, const VirtioNetParams& params, SimEnv& env)
    : sc_module(name),
      dma("dma"),
      mmio("mmio"),
      params_(params),
      env_(env),
      component_(basename()),
      rng_(env.rng("nic." + std::string(basename()) + ".payload")),
      rx_packets_(env.stats().counter(component_ + ".rx.packets", "Packets received")),
      rx_bytes_(env.stats().counter(component_ + ".rx.bytes", "Payload bytes received")),
      rx_drops_no_buffer_(env.stats().counter(component_ + ".rx.drops_no_buffer",
                                              "Packets dropped: no available receive chain")),
      rx_drops_too_small_(env.stats().counter(component_ + ".rx.drops_too_small",
                                              "Packets dropped: the chain's buffers too short")),
      tx_packets_(env.stats().counter(component_ + ".tx.packets", "Packets transmitted")),
      tx_bytes_(env.stats().counter(component_ + ".tx.bytes", "Payload bytes transmitted")),
      interrupts_(env.stats().counter(component_ + ".interrupts", "MSI-X messages sent")),
      errors_(
          env.stats().counter(component_ + ".errors", "Driver errors that set DEVICE_NEEDS_RESET")),
      bad_mmio_(env.stats().counter(component_ + ".bad_mmio",
                                    "Register accesses ignored (width, offset or state)")) {
  mmio.register_b_transport(this, &VirtioNet::mmio_b_transport);
  for (auto& q : queues_) q.size = static_cast<uint16_t>(params_.queue_size_max);
  for (auto& e : msix_) e.vector_control = vio::kMsixVectorMasked;  // masked until programmed
  SC_HAS_PROCESS(VirtioNet);
  SC_THREAD(rx_thread);
  SC_THREAD(tx_thread);
  SC_THREAD(irq_timer_thread);
}

uint64_t VirtioNet::offered_features() const {
  return bit(vio::kFVersion1) | bit(vio::kFAccessPlatform) | bit(vio::kFRingEventIdx) |
         bit(vio::kFNetMac) | bit(vio::kFNetMtu) | bit(vio::kFNetStatus);
}

bool VirtioNet::running() const {
  return (status_ & vio::kStatusDriverOk) && !(status_ & vio::kStatusDeviceNeedsReset) &&
         !(status_ & vio::kStatusFailed);
}

void VirtioNet::reset() {
  ++resets_;
  status_ = 0;
  driver_features_ = 0;
  device_feature_select_ = driver_feature_select_ = 0;
  msix_config_ = vio::kNoVector;
  queue_select_ = 0;
  for (auto& q : queues_) {
    q = Queue{};
    q.size = static_cast<uint16_t>(params_.queue_size_max);
  }
  isr_ = 0;
}

// ---- Registers -------------------------------------------------------------------------------

void VirtioNet::mmio_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t offset = gp.get_address();
  const unsigned len = gp.get_data_length();
  uint8_t* data = gp.get_data_ptr();
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  if (len == 0 || len > 8 || offset >= kBarSize || gp.get_byte_enable_ptr()) {
    if (len != 0) bad_mmio_.inc();
    if (gp.is_read() && len > 0 && len <= 8) std::memset(data, 0, len);
    return;
  }
  if (gp.is_read()) {
    const uint64_t v = read_register(offset, len);
    std::memcpy(data, &v, len);
  } else if (gp.is_write()) {
    write_register(offset, len, load(data, len), delay);
  }
}

uint64_t VirtioNet::read_register(uint64_t offset, unsigned len) const {
  const Queue* q = queue_select_ < kNumQueues ? &queues_[queue_select_] : nullptr;
  if (offset < sizeof(vio::PciCommonCfg)) {
    auto field = [&](uint64_t at, unsigned width) { return offset == at && len == width; };
    auto half = [&](uint64_t at, uint64_t v) -> std::optional<uint64_t> {
      if (field(at, 8)) return v;
      if (field(at, 4)) return v & 0xffffffffu;
      if (field(at + 4, 4)) return v >> 32;
      return std::nullopt;
    };
    const uint64_t offered = offered_features();
    if (field(0, 4)) return device_feature_select_;
    if (field(4, 4))
      return device_feature_select_ < 2 ? offered >> (32 * device_feature_select_) & 0xffffffffu
                                        : 0;
    if (field(8, 4)) return driver_feature_select_;
    if (field(12, 4))
      return driver_feature_select_ < 2
                 ? driver_features_ >> (32 * driver_feature_select_) & 0xffffffffu
                 : 0;
    if (field(16, 2)) return msix_config_;
    if (field(18, 2)) return kNumQueues;
    if (field(20, 1)) return status_;
    if (field(21, 1)) return config_generation_;
    if (field(22, 2)) return queue_select_;
    if (field(24, 2)) return q ? q->size : 0;
    if (field(26, 2)) return q ? q->msix_vector : vio::kNoVector;
    if (field(28, 2)) return q ? q->enabled : 0;
    if (field(30, 2)) return queue_select_;  // queue_notify_off: the queue's own index
    if (auto v = half(32, q ? q->desc : 0)) return *v;
    if (auto v = half(40, q ? q->driver : 0)) return *v;
    if (auto v = half(48, q ? q->device : 0)) return *v;
    bad_mmio_.inc();
    return 0;
  }
  if (offset == kIsrOffset && len == 1) {
    const uint8_t v = isr_;
    isr_ = 0;  // reading the ISR status clears it (virtio 1.1, 4.1.4.5)
    return v;
  }
  if (offset >= kDeviceCfgOffset && offset + len <= kDeviceCfgOffset + sizeof(vio::NetConfig)) {
    vio::NetConfig cfg{};
    // A locally administered MAC made of the StreamID.
    const uint8_t mac[6] = {0x02,
                            0x00,
                            0x00,
                            0x00,
                            static_cast<uint8_t>(params_.stream_id >> 8),
                            static_cast<uint8_t>(params_.stream_id)};
    std::memcpy(cfg.mac, mac, sizeof mac);
    cfg.status = vio::kNetSLinkUp;
    cfg.max_virtqueue_pairs = 1;
    cfg.mtu = static_cast<uint16_t>(params_.mtu_bytes);
    uint8_t bytes[sizeof cfg];
    std::memcpy(bytes, &cfg, sizeof cfg);
    return load(bytes + (offset - kDeviceCfgOffset), len);
  }
  if (offset >= kMsixTableOffset && offset < kMsixTableOffset + sizeof(msix_) && len == 4 &&
      offset % 4 == 0) {
    uint32_t words[sizeof(msix_) / 4];
    std::memcpy(words, msix_.data(), sizeof words);
    return words[(offset - kMsixTableOffset) / 4];
  }
  if (offset >= kPasidOffset && offset < kPasidOffset + 4 * kNumQueues && len == 4 &&
      offset % 4 == 0) {
    return queues_[(offset - kPasidOffset) / 4].pasid_reg;
  }
  bad_mmio_.inc();
  return 0;
}

void VirtioNet::write_register(uint64_t offset, unsigned len, uint64_t value, const sc_time& t) {
  Queue* q = queue_select_ < kNumQueues ? &queues_[queue_select_] : nullptr;
  const bool queue_writable = q && !q->enabled;  // ring set-up only before queue_enable
  auto field = [&](uint64_t at, unsigned width) { return offset == at && len == width; };
  // A 64-bit ring address, written whole or as two 32-bit halves.
  auto address = [&](uint64_t at, uint64_t& reg) {
    if (!queue_writable) return false;
    if (field(at, 8)) {
      reg = value;
    } else if (field(at, 4)) {
      reg = (reg & ~0xffffffffull) | (value & 0xffffffffu);
    } else if (field(at + 4, 4)) {
      reg = (reg & 0xffffffffull) | (value << 32);
    } else {
      return false;
    }
    return true;
  };
  if (offset < sizeof(vio::PciCommonCfg)) {
    if (field(0, 4)) {
      device_feature_select_ = static_cast<uint32_t>(value);
    } else if (field(8, 4)) {
      driver_feature_select_ = static_cast<uint32_t>(value);
    } else if (field(12, 4) && driver_feature_select_ < 2 && !(status_ & vio::kStatusFeaturesOk)) {
      const unsigned shift = 32 * driver_feature_select_;
      driver_features_ = (driver_features_ & ~(0xffffffffull << shift)) | (value << shift);
    } else if (field(16, 2)) {
      msix_config_ = value < kMsixVectors ? static_cast<uint16_t>(value) : vio::kNoVector;
    } else if (field(20, 1)) {
      const uint8_t v = static_cast<uint8_t>(value);
      if (v == 0) {
        reset();
        return;
      }
      uint8_t next = static_cast<uint8_t>(v | (status_ & vio::kStatusDeviceNeedsReset));
      // FEATURES_OK stays set only for a subset of the offered features with VERSION_1
      // (virtio 1.1, 3.1.1: the driver reads it back to see whether the device accepted).
      if ((v & vio::kStatusFeaturesOk) && !(status_ & vio::kStatusFeaturesOk)) {
        const bool ok = (driver_features_ & ~offered_features()) == 0 &&
                        (driver_features_ & bit(vio::kFVersion1));
        if (!ok) next = static_cast<uint8_t>(next & ~vio::kStatusFeaturesOk);
      }
      const bool driver_ok = (next & vio::kStatusDriverOk) && !(status_ & vio::kStatusDriverOk);
      status_ = next;
      if (driver_ok) driver_ok_event_.notify(t);
    } else if (field(22, 2)) {
      queue_select_ = static_cast<uint16_t>(value);
    } else if (field(24, 2) && queue_writable) {
      if (value == 0 || value > params_.queue_size_max || (value & (value - 1))) {
        bad_mmio_.inc();  // a queue size is a power of two up to the offered maximum
        return;
      }
      q->size = static_cast<uint16_t>(value);
    } else if (field(26, 2) && q) {
      // A vector the device does not have reads back as VIRTIO_MSI_NO_VECTOR.
      q->msix_vector = value < kMsixVectors ? static_cast<uint16_t>(value) : vio::kNoVector;
    } else if (field(28, 2) && q) {
      if (value == 1) q->enabled = true;  // only a reset disables a queue
    } else if (!(q && (address(32, q->desc) || address(40, q->driver) || address(48, q->device)))) {
      bad_mmio_.inc();
    }
    return;
  }
  if (offset >= kNotifyOffset && offset < kNotifyOffset + kNotifyOffMultiplier * kNumQueues &&
      (offset - kNotifyOffset) % kNotifyOffMultiplier == 0 && len == 2) {
    // The driver writes the queue's index at its notify address.
    if (value == vio::kNetTxQueue) tx_notify_event_.notify(t);
    return;
  }
  if (offset >= kMsixTableOffset && offset < kMsixTableOffset + sizeof(msix_) && len == 4 &&
      offset % 4 == 0) {
    uint32_t words[sizeof(msix_) / 4];
    std::memcpy(words, msix_.data(), sizeof words);
    words[(offset - kMsixTableOffset) / 4] = static_cast<uint32_t>(value);
    std::memcpy(msix_.data(), words, sizeof words);
    return;
  }
  if (offset >= kPasidOffset && offset < kPasidOffset + 4 * kNumQueues && len == 4 &&
      offset % 4 == 0) {
    Queue& pq = queues_[(offset - kPasidOffset) / 4];
    if (!pq.enabled) pq.pasid_reg = static_cast<uint32_t>(value) & (kPasidValid | kPasidMask);
    return;
  }
  bad_mmio_.inc();
}

// ---- DMA -----------------------------------------------------------------------------------

bool VirtioNet::dma_read(const Queue& q, uint64_t addr, void* dst, size_t len, sc_time& t) {
  IoAttrs attrs;
  attrs.stream_id = params_.stream_id;
  attrs.pasid_valid = (q.pasid_reg & kPasidValid) != 0;
  attrs.pasid = q.pasid_reg & kPasidMask;
  attrs.write = false;
  return tlm_access(dma, tlm::TLM_READ_COMMAND, addr, dst, len, t, &attrs) == tlm::TLM_OK_RESPONSE;
}

bool VirtioNet::dma_write(const Queue& q, uint64_t addr, const void* src, size_t len, sc_time& t) {
  IoAttrs attrs;
  attrs.stream_id = params_.stream_id;
  attrs.pasid_valid = (q.pasid_reg & kPasidValid) != 0;
  attrs.pasid = q.pasid_reg & kPasidMask;
  attrs.write = true;
  return tlm_access(dma, tlm::TLM_WRITE_COMMAND, addr, const_cast<void*>(src), len, t, &attrs) ==
         tlm::TLM_OK_RESPONSE;
}

void VirtioNet::fail(const char* reason, const sc_time& t) {
  errors_.inc();
  status_ |= vio::kStatusDeviceNeedsReset;
  env_.trace_event(component_, "needs_reset", {tf("reason", reason)}, t);
  isr_ |= 2;  // a configuration change
  sc_time at = t;
  send_msi(msix_config_, at);
}

// ---- Rings -----------------------------------------------------------------------------------

bool VirtioNet::next_chain(Queue& q, Chain* chain, bool* empty, sc_time& t) {
  *empty = false;
  uint16_t avail_idx = 0;
  if (!dma_read(q, q.driver + vio::kAvailIdxOffset, &avail_idx, 2, t)) {
    fail("dma_fault", t);
    return false;
  }
  const uint16_t pending = static_cast<uint16_t>(avail_idx - q.last_avail);
  if (pending == 0) {
    *empty = true;
    return true;
  }
  if (pending > q.size) {
    fail("avail_idx_jump", t);  // more entries than the ring has
    return false;
  }
  uint16_t head = 0;
  const uint64_t slot = vio::kAvailRingOffset + 2ull * (q.last_avail % q.size);
  if (!dma_read(q, q.driver + slot, &head, 2, t)) {
    fail("dma_fault", t);
    return false;
  }
  if (head >= q.size) {
    fail("bad_descriptor_index", t);
    return false;
  }
  chain->head = head;
  chain->descs.clear();
  uint16_t i = head;
  for (uint32_t n = 0;; ++n) {
    if (n == q.size) {
      fail("chain_too_long", t);  // longer than the queue: a loop
      return false;
    }
    vio::VirtqDesc d{};
    if (!dma_read(q, q.desc + 16ull * i, &d, sizeof d, t)) {
      fail("dma_fault", t);
      return false;
    }
    if (d.flags & vio::kDescFIndirect) {
      fail("indirect_descriptor", t);  // VIRTIO_F_INDIRECT_DESC is not offered
      return false;
    }
    chain->descs.push_back(d);
    if (!(d.flags & vio::kDescFNext)) break;
    if (d.next >= q.size) {
      fail("bad_descriptor_index", t);
      return false;
    }
    i = d.next;
  }
  return true;
}

bool VirtioNet::put_used(Queue& q, uint16_t head, uint32_t len, sc_time& t, bool sync) {
  const vio::VirtqUsedElem e{head, len};
  const uint64_t slot = vio::kUsedRingOffset + 8ull * (q.used_idx % q.size);
  // The element first, then the index that publishes it.
  if (!dma_write(q, q.device + slot, &e, sizeof e, t)) {
    fail("dma_fault", t);
    return false;
  }
  if (sync && t > SC_ZERO_TIME) {
    // A loosely-timed write lands in memory when it is issued: publishing the index only once
    // the writes before it are done keeps a driver that reads the index (not only one that
    // polls it) from seeing the packet before its data has arrived.
    const uint64_t resets = resets_;
    wait(t);
    t = SC_ZERO_TIME;
    // A reset meanwhile (the driver's release) took the queue away: the packet is lost.
    if (resets != resets_ || !running()) return false;
  }
  const uint16_t idx = static_cast<uint16_t>(q.used_idx + 1);
  if (!dma_write(q, q.device + vio::kUsedIdxOffset, &idx, 2, t)) {
    fail("dma_fault", t);
    return false;
  }
  q.used_idx = idx;
  return true;
}

// ---- Interrupts ------------------------------------------------------------------------------

void VirtioNet::send_msi(uint16_t vector, sc_time& t) {
  if (vector >= kMsixVectors) return;  // VIRTIO_MSI_NO_VECTOR: no interrupt wanted
  const vio::MsixEntry& e = msix_[vector];
  if (e.vector_control & vio::kMsixVectorMasked) return;  // pending bits not modelled
  const uint64_t addr = (uint64_t{e.msg_addr_hi} << 32) | e.msg_addr_lo;
  uint32_t data = e.msg_data;
  IoAttrs attrs;
  attrs.stream_id = params_.stream_id;
  attrs.write = true;
  tlm_access(dma, tlm::TLM_WRITE_COMMAND, addr, &data, 4, t, &attrs);
  interrupts_.inc();
  if (env_.tracing()) env_.trace_event(component_, "msi", {tf("vector", vector)}, t);
}

void VirtioNet::maybe_interrupt(Queue& q, sc_time& t, bool timer_fired) {
  const uint16_t unsignalled = static_cast<uint16_t>(q.used_idx - q.signalled);
  if (unsignalled == 0) return;
  bool wanted = false;
  if (driver_features_ & bit(vio::kFRingEventIdx)) {
    uint16_t used_event = 0;
    if (!dma_read(q, q.driver + vio::avail_used_event_offset(q.size), &used_event, 2, t)) {
      fail("dma_fault", t);
      return;
    }
    wanted = vio::need_event(used_event, q.used_idx, q.signalled);
  } else {
    uint16_t flags = 0;
    if (!dma_read(q, q.driver + vio::kAvailFlagsOffset, &flags, 2, t)) {
      fail("dma_fault", t);
      return;
    }
    wanted = !(flags & vio::kAvailFNoInterrupt);
  }
  if (!wanted) {
    q.signalled = q.used_idx;  // the driver polls these
    return;
  }
  if (!timer_fired && unsignalled < params_.irq_coalesce_packets) {
    if (params_.irq_coalesce_us > 0 && unsignalled == 1) {
      const sc_time wait_for = ns(params_.irq_coalesce_us * 1e3);
      q.first_unsignalled = sc_core::sc_time_stamp() + t;
      irq_timer_event_.notify(t + wait_for);
    }
    return;
  }
  isr_ |= 1;
  send_msi(q.msix_vector, t);
  q.signalled = q.used_idx;
}

void VirtioNet::irq_timer_thread() {
  const sc_time due_after = ns(params_.irq_coalesce_us * 1e3);
  while (true) {
    wait(irq_timer_event_);
    // Fire every queue whose oldest unsignalled completion has waited long enough; wake again
    // for the next one due.
    std::optional<sc_time> next;
    for (auto& q : queues_) {
      if (!running() || q.used_idx == q.signalled) continue;
      const sc_time due = q.first_unsignalled + due_after;
      const sc_time now = sc_core::sc_time_stamp();
      if (now < due) {
        next = next ? std::min(*next, due - now) : due - now;
        continue;
      }
      sc_time t = SC_ZERO_TIME;
      maybe_interrupt(q, t, true);
      if (t > SC_ZERO_TIME) wait(t);
    }
    if (next) irq_timer_event_.notify(*next);
  }
}

// ---- Receive ---------------------------------------------------------------------------------

bool VirtioNet::receive(uint64_t seq, const std::vector<uint8_t>& payload, sc_time& t) {
  Queue& q = queues_[vio::kNetRxQueue];
  Chain chain;
  bool empty = false;
  if (!next_chain(q, &chain, &empty, t)) return false;
  if (empty) {
    rx_drops_no_buffer_.inc();
    env_.trace_event(component_, "rx_drop", {tf("seq", seq), tf("reason", "no_buffer")}, t);
    return false;
  }
  uint64_t capacity = 0;
  for (const auto& d : chain.descs) {
    if (!(d.flags & vio::kDescFWrite)) {
      fail("readable_rx_buffer", t);
      return false;
    }
    capacity += d.len;
  }
  const uint64_t need = kNetHdrBytes + payload.size();
  if (capacity < need) {
    rx_drops_too_small_.inc();
    env_.trace_event(component_, "rx_drop", {tf("seq", seq), tf("reason", "too_small")}, t);
    return false;
  }
  vio::NetHdr hdr{};
  hdr.gso_type = vio::kNetHdrGsoNone;
  hdr.num_buffers = 1;
  std::vector<uint8_t> frame(need);
  std::memcpy(frame.data(), &hdr, kNetHdrBytes);
  if (!payload.empty()) std::memcpy(frame.data() + kNetHdrBytes, payload.data(), payload.size());
  uint64_t off = 0;
  for (const auto& d : chain.descs) {
    if (off == need) break;
    const uint64_t n = std::min<uint64_t>(d.len, need - off);
    if (!dma_write(q, d.addr, frame.data() + off, n, t)) {
      fail("dma_fault", t);
      return false;
    }
    off += n;
  }
  ++q.last_avail;
  if (!put_used(q, chain.head, static_cast<uint32_t>(need), t, /*sync=*/true)) return false;
  rx_packets_.inc();
  rx_bytes_.inc(payload.size());
  if (env_.tracing()) {
    env_.trace_event(component_, "rx_packet",
                     {tf("seq", seq), tf("head", chain.head), tf("bytes", payload.size())}, t);
  }
  maybe_interrupt(q, t, false);
  return true;
}

void VirtioNet::rx_thread() {
  if (params_.rx_packets == 0 || params_.rx_sizes.empty()) return;
  while (!running() || !queues_[vio::kNetRxQueue].enabled) wait(driver_ok_event_);
  const sc_time start = sc_core::sc_time_stamp() + ns(params_.rx_start_us * 1e3);
  // Bursts of rx_burst_packets back to back on the line, spaced so the mean rate holds.
  const sc_time burst_period = ns(1e3 * params_.rx_burst_packets / params_.rx_rate_mpps);
  sc_time in_burst = SC_ZERO_TIME;
  for (uint64_t seq = 0; seq < params_.rx_packets; ++seq) {
    uint32_t size = static_cast<uint32_t>(params_.rx_sizes[rng_() % params_.rx_sizes.size()]);
    if (sizer_) size = sizer_(seq, size);
    size = static_cast<uint32_t>(std::min<uint64_t>(size, kMaxPacketBytes));
    const uint64_t burst = seq / params_.rx_burst_packets;
    if (seq % params_.rx_burst_packets == 0) in_burst = SC_ZERO_TIME;
    in_burst += ns((size + kEthernetWireOverheadBytes) * 8.0 / params_.line_rate_gbps);
    const sc_time arrival = start + burst_period * static_cast<double>(burst) + in_burst;
    if (arrival > sc_core::sc_time_stamp()) wait(arrival - sc_core::sc_time_stamp());
    scheduled_arrival_ = arrival;
    std::vector<uint8_t> payload;
    if (payload_) {
      payload = payload_(seq, size);
      payload.resize(size);
    } else {
      payload.resize(size);
      for (auto& b : payload) b = static_cast<uint8_t>(rng_());
    }
    if (!running()) {
      rx_drops_no_buffer_.inc();  // a stopped device receives nothing
      continue;
    }
    sc_time t = ns(params_.per_packet_ns);
    receive(seq, payload, t);
    wait(t);
  }
}

// ---- Transmit --------------------------------------------------------------------------------

void VirtioNet::transmit(sc_time& t, sc_time& done) {
  Queue& q = queues_[vio::kNetTxQueue];
  // Two clocks: `t` for fetching chains and their data, `tc` for what follows a packet's last
  // bit on the line (its used element, the interrupt). The device fetches the next packet
  // while the line sends this one (a packet of transmit buffering).
  while (running() && q.enabled) {
    Chain chain;
    bool empty = false;
    if (!next_chain(q, &chain, &empty, t) || empty) return;
    uint64_t total = 0;
    for (const auto& d : chain.descs) {
      if (d.flags & vio::kDescFWrite) {
        fail("writable_tx_buffer", t);
        return;
      }
      total += d.len;
    }
    if (total < kNetHdrBytes || total > kNetHdrBytes + kMaxPacketBytes) {
      fail("bad_tx_length", t);
      return;
    }
    std::vector<uint8_t> frame(total);
    uint64_t off = 0;
    for (const auto& d : chain.descs) {
      if (d.len > 0 && !dma_read(q, d.addr, frame.data() + off, d.len, t)) {
        fail("dma_fault", t);
        return;
      }
      off += d.len;
    }
    t += ns(params_.per_packet_ns);
    const std::vector<uint8_t> packet(frame.begin() + kNetHdrBytes, frame.end());
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time sent = line_.serve(
        now + t, ns((packet.size() + kEthernetWireOverheadBytes) * 8.0 / params_.line_rate_gbps));
    sc_time tc = sent - now;
    ++q.last_avail;
    if (env_.tracing()) {
      env_.trace_event(component_, "tx_packet",
                       {tf("head", chain.head), tf("bytes", packet.size())}, tc);
    }
    if (!put_used(q, chain.head, 0, tc)) return;
    tx_packets_.inc();
    tx_bytes_.inc(packet.size());
    if (tx_sink_) tx_sink_(packet);
    maybe_interrupt(q, tc, false);
    done = std::max(done, tc);
  }
}

void VirtioNet::tx_thread() {
  while (true) {
    wait(tx_notify_event_);
    sc_time t = SC_ZERO_TIME, done = SC_ZERO_TIME;
    transmit(t, done);
    const sc_time until = std::max(t, done);
    if (until > SC_ZERO_TIME) wait(until);
  }
}

}  // namespace wdsim
