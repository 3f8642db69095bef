// VirtioNet against hand-built rings in a flat memory: the driver's set-up (features, queue
// registers, MSI-X), received packets laid out as virtio_net_hdr + payload across the posted
// chains with used elements and index written as the spec says, drops when no chain is
// available, the traffic source's timing (rate, bursts, line rate), PASID and StreamID on every
// ring and buffer DMA, interrupt suppression, event indices and moderation, transmit at line
// rate, and bad rings setting DEVICE_NEEDS_RESET (and a reset clearing it) without a crash.
#include "sim/accel/nic/virtio_net.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <memory>
#include <sstream>

#include "sim/base/io_attrs.h"
#include "sim/base/tlm_access.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

namespace vio = virtio;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

constexpr uint64_t kMemBase = 0x10000000;
constexpr uint64_t kMemBytes = 1 << 20;
constexpr uint64_t kDesc = kMemBase + 0x0000;
constexpr uint64_t kAvail = kMemBase + 0x1000;
constexpr uint64_t kUsed = kMemBase + 0x2000;
constexpr uint64_t kTxDesc = kMemBase + 0x3000;
constexpr uint64_t kTxAvail = kMemBase + 0x4000;
constexpr uint64_t kTxUsed = kMemBase + 0x5000;
constexpr uint64_t kBuffers = kMemBase + 0x10000;
constexpr uint64_t kMsiAddr = kMemBase + 0xf0000;
constexpr uint32_t kPasid = 5;
constexpr uint32_t kSid = 0x300;
constexpr double kMemoryNs = 50;  // every access to the flat memory

// Flat memory behind the device's DMA: records each access's attributes.
struct Memory : sc_core::sc_module {
  tlm_utils::simple_target_socket<Memory> socket{"socket"};
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kMemBytes);
  std::vector<IoAttrs> seen;
  std::vector<uint64_t> addrs;
  // Per write: its address, when its bytes are in memory (the simulated time of the call: a
  // loosely-timed write lands at once) and when it is done (+ its annotated delay + kMemoryNs).
  struct Write {
    uint64_t addr;
    sc_time visible, done;
  };
  std::vector<Write> writes;
  uint32_t msi_writes = 0;
  explicit Memory(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &Memory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
    const uint64_t a = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (a < kMemBase || a + len > kMemBase + kMemBytes) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (IoAttrs* x = gp.get_extension<IoAttrs>()) seen.push_back(*x);
    addrs.push_back(a);
    if (a == kMsiAddr) ++msi_writes;
    uint8_t* m = &bytes[a - kMemBase];
    if (gp.is_write()) {
      const sc_time now = sc_core::sc_time_stamp();
      writes.push_back({a, now, now + delay + ns(kMemoryNs)});
      std::memcpy(m, gp.get_data_ptr(), len);
    } else {
      std::memcpy(gp.get_data_ptr(), m, len);
    }
    delay += ns(kMemoryNs);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  template <class T>
  void put(uint64_t a, const T& v) {
    std::memcpy(&bytes[a - kMemBase], &v, sizeof v);
  }
  template <class T>
  T get(uint64_t a) const {
    T v;
    std::memcpy(&v, &bytes[a - kMemBase], sizeof v);
    return v;
  }
};

struct Cpu : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Cpu> socket{"socket"};
  explicit Cpu(sc_core::sc_module_name n) : sc_module(n) {}
};

VirtioNetParams params() {
  VirtioNetParams p = default_params<VirtioNetParams>();
  p.stream_id = kSid;
  p.queue_size_max = 256;
  p.line_rate_gbps = 10;
  p.per_packet_ns = 100;
  return p;
}

struct Bench {
  SimEnv env{1, true};
  std::unique_ptr<Cpu> cpu;
  std::unique_ptr<VirtioNet> nic;
  std::unique_ptr<Memory> mem;
  explicit Bench(const VirtioNetParams& p) {
    testing::fresh_sc_context();
    cpu = std::make_unique<Cpu>("cpu");
    nic = std::make_unique<VirtioNet>("nic", p, env);
    mem = std::make_unique<Memory>("mem");
    cpu->socket.bind(nic->mmio);
    nic->dma.bind(mem->socket);
    sc_core::sc_start(SC_ZERO_TIME);
  }
  template <class T>
  void w(uint64_t off, T v) {
    sc_time t = SC_ZERO_TIME;
    tlm_access(cpu->socket, tlm::TLM_WRITE_COMMAND, off, &v, sizeof v, t, nullptr);
  }
  template <class T>
  T r(uint64_t off) {
    T v{};
    sc_time t = SC_ZERO_TIME;
    tlm_access(cpu->socket, tlm::TLM_READ_COMMAND, off, &v, sizeof v, t, nullptr);
    return v;
  }
  // The driver's initialisation (virtio 1.1, 3.1.1) up to FEATURES_OK; returns whether the
  // device kept FEATURES_OK.
  bool negotiate(uint64_t features) {
    w<uint8_t>(20, 0);
    w<uint8_t>(20, vio::kStatusAcknowledge | vio::kStatusDriver);
    w<uint32_t>(8, 0);
    w<uint32_t>(12, static_cast<uint32_t>(features));
    w<uint32_t>(8, 1);
    w<uint32_t>(12, static_cast<uint32_t>(features >> 32));
    w<uint8_t>(20, vio::kStatusAcknowledge | vio::kStatusDriver | vio::kStatusFeaturesOk);
    return r<uint8_t>(20) & vio::kStatusFeaturesOk;
  }
  void setup_queue(uint16_t q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used,
                   uint16_t vector) {
    w<uint16_t>(22, q);
    w<uint16_t>(24, size);
    w<uint64_t>(32, desc);
    w<uint32_t>(40, static_cast<uint32_t>(avail));  // as two halves
    w<uint32_t>(44, static_cast<uint32_t>(avail >> 32));
    w<uint64_t>(48, used);
    w<uint16_t>(26, vector);
    w<uint32_t>(VirtioNet::kPasidOffset + 4u * q, VirtioNet::kPasidValid | kPasid);
    w<uint16_t>(28, 1);
  }
  void msix(uint16_t vector, uint64_t addr, uint32_t data) {
    const uint64_t e = VirtioNet::kMsixTableOffset + 16u * vector;
    w<uint32_t>(e, static_cast<uint32_t>(addr));
    w<uint32_t>(e + 4, static_cast<uint32_t>(addr >> 32));
    w<uint32_t>(e + 8, data);
    w<uint32_t>(e + 12, 0);  // unmasked
  }
  void driver_ok() {
    w<uint8_t>(20, vio::kStatusAcknowledge | vio::kStatusDriver | vio::kStatusFeaturesOk |
                       vio::kStatusDriverOk);
  }
  // Posts `n` receive buffers of `len` bytes, one descriptor each, in ring entries 0..n-1.
  void post_rx(uint16_t n, uint32_t len) {
    for (uint16_t i = 0; i < n; ++i) {
      mem->put(kDesc + 16u * i, vio::VirtqDesc{kBuffers + 0x1000u * i, len, vio::kDescFWrite, 0});
      mem->put<uint16_t>(kAvail + 4 + 2u * i, i);
    }
    mem->put<uint16_t>(kAvail + 2, n);
  }
  uint64_t stat(const std::string& k) {
    const Counter* c = env.stats().find_counter("nic." + k);
    return c ? c->value() : ~0ull;
  }
  // Times (ps) of the trace events named `event`.
  std::vector<uint64_t> times(const std::string& event) {
    std::vector<uint64_t> out;
    std::istringstream in(env.trace().to_text());
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      uint64_t t;
      std::string comp, ev;
      f >> t >> comp >> ev;
      if (comp == "nic" && ev == event) out.push_back(t);
    }
    return out;
  }
};

std::vector<uint8_t> pattern(uint64_t seq, uint32_t size) {
  std::vector<uint8_t> v(size);
  for (uint32_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>(seq * 31 + i);
  return v;
}

const uint64_t kFeatures = (1ull << vio::kFVersion1) | (1ull << vio::kFAccessPlatform);

TEST(VirtioNet, ReceivesIntoPostedChainsAndDropsWithoutBuffers) {
  VirtioNetParams p = params();
  p.rx_packets = 6;
  p.rx_rate_mpps = 1;
  p.rx_sizes = {100, 1500};
  Bench b(p);
  b.nic->set_payload_source(pattern);
  EXPECT_EQ(b.r<uint16_t>(18), 2);    // num_queues
  EXPECT_EQ(b.r<uint16_t>(24), 256);  // queue_size offers the maximum
  ASSERT_TRUE(b.negotiate(kFeatures));
  b.setup_queue(vio::kNetRxQueue, 8, kDesc, kAvail, kUsed, 0);
  b.msix(0, kMsiAddr, 0x41);
  b.post_rx(4, 2048);
  b.driver_ok();
  sc_core::sc_start(ns(20000));
  // Four packets fill the four chains, in order; the other two find none.
  EXPECT_EQ(b.stat("rx.packets"), 4u);
  EXPECT_EQ(b.stat("rx.drops_no_buffer"), 2u);
  EXPECT_EQ(b.mem->get<uint16_t>(kUsed + 2), 4);  // used.idx
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < 4; ++i) {
    const auto e = b.mem->get<vio::VirtqUsedElem>(kUsed + 4 + 8u * i);
    EXPECT_EQ(e.id, i);
    const uint32_t payload = e.len - 12;
    EXPECT_TRUE(payload == 100 || payload == 1500) << e.len;
    bytes += payload;
    const auto hdr = b.mem->get<vio::NetHdr>(kBuffers + 0x1000u * i);
    EXPECT_EQ(hdr.num_buffers, 1);
    EXPECT_EQ(hdr.gso_type, vio::kNetHdrGsoNone);
    const auto want = pattern(i, payload);
    EXPECT_EQ(
        0, std::memcmp(&b.mem->bytes[kBuffers + 0x1000u * i + 12 - kMemBase], want.data(), payload))
        << i;
  }
  EXPECT_EQ(b.stat("rx.bytes"), bytes);
  // Every ring and buffer access carried the device's StreamID and the queue's PASID; only the
  // MSI writes carry none.
  ASSERT_FALSE(b.mem->seen.empty());
  for (size_t i = 0; i < b.mem->seen.size(); ++i) {
    EXPECT_EQ(b.mem->seen[i].stream_id, kSid);
    const bool msi = b.mem->addrs[i] == kMsiAddr;
    EXPECT_EQ(b.mem->seen[i].pasid_valid, !msi) << i;
    if (!msi) {
      EXPECT_EQ(b.mem->seen[i].pasid, kPasid);
    }
  }
  EXPECT_EQ(b.mem->msi_writes, 4u);
  EXPECT_EQ(b.mem->get<uint32_t>(kMsiAddr), 0x41u);
  EXPECT_EQ(b.stat("interrupts"), 4u);
  EXPECT_EQ(b.r<uint8_t>(VirtioNet::kIsrOffset), 1);  // a queue interrupt, then cleared
  EXPECT_EQ(b.r<uint8_t>(VirtioNet::kIsrOffset), 0);
}

// A loosely-timed write is in memory from its issue: the used index, which publishes a packet,
// is written (in simulated time, not only in annotated time) once the packet's writes are done.
TEST(VirtioNet, UsedIndexIsWrittenAfterThePacketsWritesAreDone) {
  VirtioNetParams p = params();
  p.rx_packets = 3;
  p.rx_rate_mpps = 1;
  p.rx_sizes = {1500};
  Bench b(p);
  ASSERT_TRUE(b.negotiate(kFeatures));
  b.setup_queue(vio::kNetRxQueue, 8, kDesc, kAvail, kUsed, vio::kNoVector);
  b.post_rx(8, 2048);
  b.driver_ok();
  sc_core::sc_start(ns(10000));
  ASSERT_EQ(b.mem->get<uint16_t>(kUsed + vio::kUsedIdxOffset), 3u);
  int published = 0;
  sc_time last_done = SC_ZERO_TIME;
  for (const auto& wr : b.mem->writes) {
    if (wr.addr == kUsed + vio::kUsedIdxOffset) {
      EXPECT_GE(wr.visible, last_done);  // the buffer and the used element are done
      ++published;
    } else {
      last_done = std::max(last_done, wr.done);
    }
  }
  EXPECT_EQ(published, 3);
}

TEST(VirtioNet, TrafficSourceKeepsItsRateAndBursts) {
  VirtioNetParams p = params();
  p.rx_packets = 8;
  p.rx_rate_mpps = 0.5;  // one burst every 2 us x burst size
  p.rx_burst_packets = 4;
  p.rx_sizes = {1226};  // 1226 + 24 B on a 10 Gbit/s line: 1 us each
  p.rx_start_us = 3;
  Bench b(p);
  ASSERT_TRUE(b.negotiate(kFeatures));
  b.setup_queue(vio::kNetRxQueue, 16, kDesc, kAvail, kUsed, vio::kNoVector);
  b.post_rx(8, 2048);
  b.driver_ok();
  sc_core::sc_start(ns(40000));
  const auto t = b.times("rx_packet");
  ASSERT_EQ(t.size(), 8u);
  // A packet is delivered when its last bit has arrived, and written per_packet_ns + DMA later:
  // bursts of 4 start 8 us apart (4 / 0.5 Mpps), back to back within at 1 us per packet.
  for (size_t i = 1; i < t.size(); ++i) {
    const uint64_t gap = t[i] - t[i - 1];
    EXPECT_EQ(gap, i % 4 == 0 ? 5000000u : 1000000u) << i;
  }
  EXPECT_EQ(b.stat("interrupts"), 0u);  // no vector: polling
}

TEST(VirtioNet, NoInterruptFlagEventIndexAndModeration) {
  {  // VIRTQ_AVAIL_F_NO_INTERRUPT: the driver polls, no MSI.
    VirtioNetParams p = params();
    p.rx_packets = 3;
    Bench b(p);
    ASSERT_TRUE(b.negotiate(kFeatures));
    b.setup_queue(vio::kNetRxQueue, 8, kDesc, kAvail, kUsed, 0);
    b.msix(0, kMsiAddr, 1);
    b.post_rx(4, 2048);
    b.mem->put<uint16_t>(kAvail, vio::kAvailFNoInterrupt);
    b.driver_ok();
    sc_core::sc_start(ns(20000));
    EXPECT_EQ(b.stat("rx.packets"), 3u);
    EXPECT_EQ(b.mem->msi_writes, 0u);
  }
  {  // Event index: the driver wants to hear once used.idx passes 1 (the second packet).
    VirtioNetParams p = params();
    p.rx_packets = 4;
    Bench b(p);
    ASSERT_TRUE(b.negotiate(kFeatures | (1ull << vio::kFRingEventIdx)));
    b.setup_queue(vio::kNetRxQueue, 8, kDesc, kAvail, kUsed, 0);
    b.msix(0, kMsiAddr, 1);
    b.post_rx(4, 2048);
    b.mem->put<uint16_t>(kAvail + vio::avail_used_event_offset(8), 1);
    b.driver_ok();
    sc_core::sc_start(ns(20000));
    EXPECT_EQ(b.stat("rx.packets"), 4u);
    EXPECT_EQ(b.mem->msi_writes, 1u);
  }
  {  // Moderation: one interrupt per 3 completions, and a timer for the rest.
    VirtioNetParams p = params();
    p.rx_packets = 7;
    p.irq_coalesce_packets = 3;
    p.irq_coalesce_us = 50;
    Bench b(p);
    ASSERT_TRUE(b.negotiate(kFeatures));
    b.setup_queue(vio::kNetRxQueue, 8, kDesc, kAvail, kUsed, 0);
    b.msix(0, kMsiAddr, 1);
    b.post_rx(7, 2048);
    b.driver_ok();
    sc_core::sc_start(ns(200000));
    EXPECT_EQ(b.stat("rx.packets"), 7u);
    EXPECT_EQ(b.mem->msi_writes, 3u);  // after 3, after 6, and the timer for the 7th
    const auto msi = b.times("msi");
    const auto rx = b.times("rx_packet");
    ASSERT_EQ(msi.size(), 3u);
    EXPECT_GE(msi[2], rx[6] + 50000000u);
  }
}

TEST(VirtioNet, TransmitsPostedChainsAtLineRate) {
  VirtioNetParams p = params();
  Bench b(p);
  std::vector<std::vector<uint8_t>> sent;
  b.nic->set_tx_sink([&](const std::vector<uint8_t>& pkt) { sent.push_back(pkt); });
  ASSERT_TRUE(b.negotiate(kFeatures));
  b.setup_queue(vio::kNetTxQueue, 8, kTxDesc, kTxAvail, kTxUsed, vio::kNoVector);
  b.driver_ok();
  // Two packets, each a header descriptor chained to a payload descriptor.
  for (uint16_t k = 0; k < 2; ++k) {
    const uint64_t hdr = kBuffers + 0x2000u * k, data = hdr + 0x100;
    b.mem->put(kTxDesc + 16u * (2 * k),
               vio::VirtqDesc{hdr, 12, vio::kDescFNext, static_cast<uint16_t>(2 * k + 1)});
    b.mem->put(kTxDesc + 16u * (2 * k + 1), vio::VirtqDesc{data, 1226, 0, 0});
    const auto bytes = pattern(k, 1226);
    std::memcpy(&b.mem->bytes[data - kMemBase], bytes.data(), bytes.size());
    b.mem->put<uint16_t>(kTxAvail + 4 + 2u * k, static_cast<uint16_t>(2 * k));
  }
  b.mem->put<uint16_t>(kTxAvail + 2, 2);
  b.w<uint16_t>(VirtioNet::kNotifyOffset + VirtioNet::kNotifyOffMultiplier * vio::kNetTxQueue,
                vio::kNetTxQueue);
  sc_core::sc_start(ns(20000));
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], pattern(0, 1226));
  EXPECT_EQ(sent[1], pattern(1, 1226));
  EXPECT_EQ(b.mem->get<uint16_t>(kTxUsed + 2), 2);
  EXPECT_EQ(b.mem->get<vio::VirtqUsedElem>(kTxUsed + 4 + 8).id, 2u);
  // The second leaves the line 1 us (1250 B at 10 Gbit/s) after the first.
  const auto t = b.times("tx_packet");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1] - t[0], 1000000u);
  EXPECT_EQ(b.stat("tx.bytes"), 2u * 1226);
}

TEST(VirtioNet, BadRingsSetNeedsResetAndAResetClearsIt) {
  struct Case {
    const char* what;
    vio::VirtqDesc desc0;
    uint16_t head;
  };
  const Case cases[] = {
      {"chain_too_long", {kBuffers, 2048, vio::kDescFWrite | vio::kDescFNext, 0}, 0},
      {"bad_descriptor_index", {kBuffers, 2048, vio::kDescFWrite, 0}, 9},
      {"readable_rx_buffer", {kBuffers, 2048, 0, 0}, 0},
      {"indirect_descriptor", {kBuffers, 2048, vio::kDescFIndirect, 0}, 0},
      {"dma_fault", {0x1000, 2048, vio::kDescFWrite, 0}, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    VirtioNetParams p = params();
    p.rx_packets = 2;
    Bench b(p);
    ASSERT_TRUE(b.negotiate(kFeatures));
    b.setup_queue(vio::kNetRxQueue, 8, kDesc, kAvail, kUsed, 0);
    b.msix(1, kMsiAddr, 7);
    b.w<uint16_t>(16, 1);  // msix_config: vector 1
    b.mem->put(kDesc, c.desc0);
    b.mem->put<uint16_t>(kAvail + 4, c.head);
    b.mem->put<uint16_t>(kAvail + 2, 1);
    b.driver_ok();
    sc_core::sc_start(ns(20000));
    EXPECT_TRUE(b.r<uint8_t>(20) & vio::kStatusDeviceNeedsReset);
    EXPECT_EQ(b.stat("errors"), 1u);
    EXPECT_EQ(b.stat("rx.packets"), 0u);
    EXPECT_EQ(b.mem->msi_writes, 1u);  // the configuration-change vector
    EXPECT_NE(b.env.trace().to_text().find(std::string("needs_reset reason=") + c.what),
              std::string::npos);
    b.w<uint8_t>(20, 0);  // reset
    EXPECT_EQ(b.r<uint8_t>(20), 0);
    b.w<uint16_t>(22, 0);
    EXPECT_EQ(b.r<uint16_t>(28), 0);  // the queue is disabled again
  }
}

TEST(VirtioNet, FeaturesAndRegisterRulesAreEnforced) {
  Bench b(params());
  // A feature the device does not offer (VIRTIO_NET_F_MRG_RXBUF): FEATURES_OK is refused.
  EXPECT_FALSE(b.negotiate(kFeatures | (1ull << vio::kFNetMrgRxbuf)));
  // Without VERSION_1 too.
  EXPECT_FALSE(b.negotiate(1ull << vio::kFAccessPlatform));
  EXPECT_TRUE(b.negotiate(kFeatures));
  b.w<uint32_t>(0, 1);
  EXPECT_EQ(b.r<uint32_t>(4), b.nic->offered_features() >> 32);
  // A queue size that is not a power of two is ignored; a vector past the table reads back as
  // NO_VECTOR; a wrong-width access is counted and changes nothing.
  b.w<uint16_t>(22, 0);
  b.w<uint16_t>(24, 12);
  EXPECT_EQ(b.r<uint16_t>(24), 256);
  b.w<uint16_t>(26, 9);
  EXPECT_EQ(b.r<uint16_t>(26), vio::kNoVector);
  b.w<uint8_t>(24, 4);
  EXPECT_EQ(b.r<uint16_t>(24), 256);
  EXPECT_GE(b.stat("bad_mmio"), 2u);
  // Device configuration: link up, MTU.
  EXPECT_EQ(b.r<uint16_t>(VirtioNet::kDeviceCfgOffset + 6), vio::kNetSLinkUp);
  EXPECT_EQ(b.r<uint16_t>(VirtioNet::kDeviceCfgOffset + 10), 1500);
  // Once enabled, a queue's rings cannot move.
  b.setup_queue(vio::kNetRxQueue, 8, kDesc, kAvail, kUsed, 0);
  b.w<uint64_t>(32, 0x1234);
  EXPECT_EQ(b.r<uint64_t>(32), kDesc);
}

}  // namespace
}  // namespace wdsim
