// Fuzzes the virtio-net NIC's rings and registers: a driver that sets the device up with
// fuzzed queue sizes, features and ring addresses, a ring region whose descriptor tables and
// available rings start as input bytes, then random register writes and reads (any offset and
// width of the BAR), ring pokes, transmit notifies, waits and resets, while the traffic source
// delivers packets into whatever the rings say.
//
// Input: a header (queue sizes, features, traffic), the ring region's first bytes, then
// operations until the input ends (at most kMaxOps), each an opcode byte and its operands.
//
// Invariants: nothing throws or aborts; the simulation stops within kSimLimit; every generated
// packet is received, dropped or arrives while the device is stopped (no packet counted twice);
// a device that reports an error has DEVICE_NEEDS_RESET set until a reset.
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "formats/virtio/virtio_net.h"
#include "fuzz/fuzz_target.h"
#include "sim/accel/nic/virtio_net.h"
#include "sim/accel/qm/testing/flat_memory.h"
#include "sim/base/sim_context.h"
#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"

namespace wdsim::fuzz {
namespace {

namespace vio = virtio;

constexpr size_t kMaxOps = 64;
constexpr uint64_t kRingBase = 0x100000;  // descriptor tables, available and used rings
constexpr uint64_t kRingBytes = 0x8000;
constexpr uint64_t kMsiAddress = 0xfee00000;
constexpr uint64_t kFaultLo = 0x8000000000000000ull;  // DMA above here aborts (an IOMMU fault)
constexpr double kMemoryLatencyNs = 50;
constexpr uint32_t kMaxPackets = 255;
const sc_core::sc_time kSimLimit(10, sc_core::SC_MS);

class Driver : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Driver> socket;
  SC_HAS_PROCESS(Driver);
  Driver(sc_core::sc_module_name name, FuzzInput& in, testing::FlatMemory& mem)
      : sc_module(name), socket("socket"), in_(in), mem_(mem) {
    SC_THREAD(run);
  }

 private:
  void write(uint64_t offset, uint64_t value, unsigned len) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    tlm_access(socket, tlm::TLM_WRITE_COMMAND, offset, &value, len, delay);
    wait(delay);
  }
  uint64_t read(uint64_t offset, unsigned len) {
    uint64_t v = 0;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    tlm_access(socket, tlm::TLM_READ_COMMAND, offset, &v, len, delay);
    wait(delay);
    return v;
  }
  void setup() {
    write(20, 0, 1);
    write(20, vio::kStatusAcknowledge | vio::kStatusDriver, 1);
    write(8, 0, 4);
    write(12, in_.u32(), 4);
    write(8, 1, 4);
    write(12, in_.u32(), 4);
    write(20, vio::kStatusAcknowledge | vio::kStatusDriver | vio::kStatusFeaturesOk, 1);
    for (uint16_t q = 0; q < VirtioNet::kNumQueues; ++q) {
      const uint64_t base = kRingBase + q * (kRingBytes / 2);
      write(22, q, 2);
      write(24, uint64_t{1} << in_.below(6), 2);  // 1..32
      write(32, base, 8);
      write(40, base + 0x1000 + in_.below(16) * 2, 8);  // sometimes misaligned
      write(48, base + 0x2000, 8);
      write(26, in_.below(6), 2);  // past the table sometimes
      write(VirtioNet::kPasidOffset + 4u * q, in_.u32(), 4);
      write(28, 1, 2);
      write(VirtioNet::kMsixTableOffset + 16u * q, kMsiAddress, 4);
      write(VirtioNet::kMsixTableOffset + 16u * q + 8, q, 4);
      write(VirtioNet::kMsixTableOffset + 16u * q + 12, in_.u8() & 1, 4);
    }
    write(20,
          vio::kStatusAcknowledge | vio::kStatusDriver | vio::kStatusFeaturesOk |
              vio::kStatusDriverOk,
          1);
  }
  void run() {
    setup();
    for (size_t op = 0; op < kMaxOps && !in_.done(); ++op) {
      switch (in_.u8() % 6) {
        case 0: {  // any register write
          const uint64_t offset = in_.below(VirtioNet::kBarSize + 0x100);
          const unsigned len = 1u << in_.below(4);
          write(offset, in_.u64(), len);
          break;
        }
        case 1: {
          const uint64_t offset = in_.below(VirtioNet::kBarSize + 0x100);
          read(offset, 1u << in_.below(4));
          break;
        }
        case 2: {  // poke the rings: descriptors, indices, flags
          const uint64_t addr = kRingBase + in_.below(kRingBytes - 8);
          const uint64_t v = in_.u64();
          mem_.poke(addr, &v, sizeof v);
          break;
        }
        case 3:
          write(VirtioNet::kNotifyOffset + VirtioNet::kNotifyOffMultiplier * vio::kNetTxQueue,
                vio::kNetTxQueue, 2);
          break;
        case 4:
          wait(ns(100.0 * in_.u16()));
          break;
        case 5:
          setup();  // a reset and a fresh set-up
          break;
      }
    }
  }
  FuzzInput& in_;
  testing::FlatMemory& mem_;
};

void run_one(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  VirtioNetParams p = default_params<VirtioNetParams>();
  p.rx_packets = in.u8() % (kMaxPackets + 1);
  p.rx_rate_mpps = 0.1 + in.below(50);
  p.rx_burst_packets = 1 + in.below(8);
  p.rx_sizes = {1 + in.below(2000), 1 + in.below(9000)};
  p.irq_coalesce_packets = 1 + in.below(4);
  p.irq_coalesce_us = in.below(3);
  fresh_sc_context();
  {
    SimEnv env(1, false);
    testing::FlatMemory mem("mem", ns(kMemoryLatencyNs));
    mem.set_fault_range(kFaultLo, ~0ull);
    std::vector<uint8_t> image = in.bytes(kRingBytes / 4);
    mem.poke(kRingBase, image.data(), image.size());
    VirtioNet nic("nic", p, env);
    Driver driver("driver", in, mem);
    driver.socket.bind(nic.mmio);
    nic.dma.bind(mem.socket);
    uint64_t sent = 0;
    nic.set_tx_sink([&](const std::vector<uint8_t>&) { ++sent; });
    sc_core::sc_start(kSimLimit);
    auto count = [&](const char* k) {
      const Counter* c = env.stats().find_counter(std::string("nic.") + k);
      return c ? c->value() : 0;
    };
    WDSIM_FUZZ_CHECK(count("rx.packets") + count("rx.drops_no_buffer") +
                         count("rx.drops_too_small") <=
                     p.rx_packets);
    WDSIM_FUZZ_CHECK(count("tx.packets") == sent);
    if (verbose()) {
      std::fprintf(stderr, "rx=%llu drops=%llu tx=%llu errors=%llu status=%u\n",
                   static_cast<unsigned long long>(count("rx.packets")),
                   static_cast<unsigned long long>(count("rx.drops_no_buffer")),
                   static_cast<unsigned long long>(count("tx.packets")),
                   static_cast<unsigned long long>(count("errors")), nic.device_status());
    }
  }
}

}  // namespace

std::vector<std::vector<uint8_t>> seeds() {
  // A well-formed run: 8 packets into 8 posted receive buffers, then one transmit.
  std::vector<std::vector<uint8_t>> out;
  for (uint8_t events : {uint8_t{0}, uint8_t{1}}) {
    SeedWriter w;
    w.u8(8).u32(10).u32(0).u32(99).u32(1499).u32(0).u32(0);  // traffic, moderation
    // The ring region (RX at kRingBase, TX at + kRingBytes / 2), first quarter.
    std::vector<uint8_t> image(kRingBytes / 4, 0);
    for (uint16_t i = 0; i < 8; ++i) {
      const vio::VirtqDesc d{0x200000 + 0x1000u * i, 2048, vio::kDescFWrite, 0};
      std::memcpy(&image[16u * i], &d, sizeof d);
      const uint16_t e = i;
      std::memcpy(&image[0x1000 + 4 + 2u * i], &e, 2);
    }
    const uint16_t avail = 8;
    std::memcpy(&image[0x1000 + 2], &avail, 2);
    w.raw(image.data(), image.size());
    // setup(): features lo/hi (VERSION_1 | ACCESS_PLATFORM, RING_EVENT_IDX optional), then per
    // queue: size log2 (3: 8), avail offset 0, vector, PASID, MSI-X mask.
    w.u32(events ? (1u << vio::kFRingEventIdx) : 0).u32(0x3);
    for (uint16_t q = 0; q < 2; ++q) w.u32(3).u32(0).u32(q).u32(0x80000005).u8(0);
    // Ops: wait 20 us, notify TX, wait again.
    w.u8(4).u16(200).u8(3).u8(4).u16(200);
    out.push_back(w.bytes());
  }
  return out;
}

}  // namespace wdsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wdsim::fuzz::run_one(data, size);
  return 0;
}
