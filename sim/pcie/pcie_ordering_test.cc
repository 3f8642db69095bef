// PCIe ordering (no TLP passes an earlier posted TLP) and ACS P2P Request Redirect through a
// switch, against hand-computed formulas.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"
#include "sim/pcie/ats.h"
#include "sim/pcie/ats_tlp.h"
#include "sim/pcie/flow_control.h"
#include "sim/pcie/integrated_port.h"
#include "sim/pcie/pcie_fabric_test_util.h"
#include "sim/pcie/pcie_function_port.h"
#include "sim/pcie/pcie_id_router.h"
#include "sim/pcie/pcie_link.h"
#include "sim/pcie/pcie_switch.h"
#include "sim/pcie/pcie_test_util.h"
#include "sim/pcie/root_complex.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using testing::ceil_ps;
using testing::expect_ps;
using testing::gen3_x4;
using testing::wire_ps;

// Memory that logs when each write becomes visible (its arrival plus a fixed service time).
struct LoggingMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<LoggingMemory> socket{"socket"};
  sc_time service = ns(80);
  struct Write {
    uint64_t addr;
    sc_time visible;
  };
  std::vector<Write> writes;
  explicit LoggingMemory(sc_core::sc_module_name n) : sc_module(n) {
    socket.register_b_transport(this, &LoggingMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
    delay += service;
    if (gp.is_write()) writes.push_back({gp.get_address(), sc_core::sc_time_stamp() + delay});
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  sc_time visible(uint64_t addr) const {
    for (const Write& w : writes) {
      if (w.addr == addr) return w.visible;
    }
    ADD_FAILURE() << "no write to 0x" << std::hex << addr;
    return SC_ZERO_TIME;
  }
};

// Two devices, each on its own link into a two-port switch (BAR i at (i + 1) x kBar), and the
// switch's upstream link; what is above that link is the derived fixture's.
struct SwitchWithTwoDevices {
  static constexpr uint64_t kBar = 0x100000;  // BAR i at (i + 1) x kBar, kBar bytes
  SwitchWithTwoDevices(const PcieLinkParams& p, const PcieSwitchParams& sp) {
    wdsim::testing::fresh_sc_context();
    env = std::make_unique<SimEnv>();
    sw = std::make_unique<PcieSwitch>("sw", sp, *env);
    uplink = std::make_unique<PcieLink>("uplink", p, *env);
    for (uint32_t i = 0; i < 2; ++i) {
      const std::string n = std::to_string(i);
      devs.push_back(std::make_unique<testing::Initiator>(("dev" + n).c_str()));
      links.push_back(std::make_unique<PcieLink>(("link" + n).c_str(), p, *env));
      bars.push_back(std::make_unique<testing::RecordingTarget>(("bar" + n).c_str()));
      devs[i]->socket.bind(links[i]->device_dma);
      links[i]->host_dma.bind(sw->down_in(i));
      sw->down_out(i).bind(links[i]->host_mmio);
      links[i]->device_mmio.bind(bars[i]->socket);
      sw->add_window(i, kBar * (i + 1), kBar);
    }
    sw->up_out.bind(uplink->device_dma);
    uplink->device_mmio.bind(sw->up_in);
  }
  std::unique_ptr<SimEnv> env;
  std::unique_ptr<PcieSwitch> sw;
  std::unique_ptr<PcieLink> uplink;
  std::vector<std::unique_ptr<testing::Initiator>> devs;
  std::vector<std::unique_ptr<PcieLink>> links;
  std::vector<std::unique_ptr<testing::RecordingTarget>> bars;
};

// The switch's upstream link into a LoggingMemory, and a CPU initiator above it.
struct TwoDevicesBehindASwitch : SwitchWithTwoDevices {
  TwoDevicesBehindASwitch(const PcieLinkParams& p, const PcieSwitchParams& sp)
      : SwitchWithTwoDevices(p, sp) {
    memory = std::make_unique<LoggingMemory>("memory");
    cpu = std::make_unique<testing::Initiator>("cpu");
    uplink->host_dma.bind(memory->socket);
    cpu->socket.bind(uplink->host_mmio);
    sc_core::sc_start(SC_ZERO_TIME);
  }
  std::unique_ptr<LoggingMemory> memory;
  std::unique_ptr<testing::Initiator> cpu;
};

// PCIe ordering (PCIe Base Spec 6.0 2.4.1, table 2-39: a posted request may not pass a posted
// request): a device writes its data, then the CQE announcing it, then its MSI, each as soon as
// the previous one has been sent (posted). Through its link, a switch shared with a second
// device that floods it with writes, and the switch's upstream link, the CQE becomes visible in
// memory after every data write and the MSI after the CQE: with infinite credits and with
// posted credits far below one data write (512 B for 4 KiB writes, which then go alone).
TEST(PcieOrdering, CqeNeverVisibleBeforeItsDataEvenUnderCreditStarvation) {
  for (const bool starved : {false, true}) {
    SCOPED_TRACE(starved ? "starved" : "infinite credits");
    PcieLinkParams p = gen3_x4();
    if (starved) {
      p.flow_control.posted_header = 2;
      p.flow_control.posted_data = 32;  // 512 B
    }
    PcieSwitchParams sp = default_params<PcieSwitchParams>();
    sp.downstream_ports = 2;
    TwoDevicesBehindASwitch f(p, sp);
    auto& devs = f.devs;
    auto& memory = f.memory;

    constexpr uint64_t kData = 0x10000000, kFlood = 0x20000000, kCqe = 0x30000000;
    constexpr uint64_t kMsi = 0x8000000;
    constexpr int kDataWrites = 4;
    std::vector<uint8_t> buf(4096, 1);
    sc_time dev0 = SC_ZERO_TIME, dev1 = SC_ZERO_TIME;
    auto write = [&](int dev, uint64_t addr, uint32_t len) {
      sc_time& t = dev == 0 ? dev0 : dev1;
      tlm_access(devs[dev]->socket, tlm::TLM_WRITE_COMMAND, addr, buf.data(), len, t);
    };
    for (int i = 0; i < kDataWrites; ++i) {
      write(1, kFlood + 0x1000 * (2 * i), 4096);  // the other device competes for the uplink
      write(0, kData + 0x1000 * i, 4096);
      write(1, kFlood + 0x1000 * (2 * i + 1), 4096);
    }
    write(0, kCqe, 16);
    write(1, kFlood + 0x100000, 4096);
    write(0, kMsi, 4);

    const sc_time cqe = memory->visible(kCqe);
    for (int i = 0; i < kDataWrites; ++i) {
      EXPECT_LT(memory->visible(kData + 0x1000 * i), cqe) << "data write " << i;
    }
    EXPECT_LT(cqe, memory->visible(kMsi));
    // The device's own writes reach memory in the order it issued them.
    std::vector<uint64_t> order;
    for (const LoggingMemory::Write& w : memory->writes) {
      if (w.addr < kFlood || w.addr >= kCqe) order.push_back(w.addr);
    }
    const std::vector<uint64_t> issued = {kData,          kData + 0x1000, kData + 0x2000,
                                          kData + 0x3000, kCqe,           kMsi};
    EXPECT_EQ(order, issued);
    const Counter* stalls = f.env->stats().find_counter("pcie.link0.up.credit_stalls");
    ASSERT_NE(stalls, nullptr);
    if (starved) {
      EXPECT_GT(stalls->value(), 0u);  // the credits did throttle the device
    } else {
      EXPECT_EQ(stalls->value(), 0u);
    }
  }
}

// The case first come first served alone gets wrong: on a shared link a long posted write that
// does not fit the gap before a job booked earlier (another device's write, offered later in
// simulated time) waits after that job; a short write arriving after it (its CQE) would fit
// the gap and pass it. PCIe ordering forbids that: the CQE goes after its data.
TEST(PcieOrdering, ShortPostedWriteDoesNotPassALongOneIntoAGapOnASharedLink) {
  const PcieLinkParams p = gen3_x4();
  PcieSwitchParams sp = default_params<PcieSwitchParams>();
  sp.downstream_ports = 2;
  TwoDevicesBehindASwitch f(p, sp);
  auto& devs = f.devs;
  auto& memory = f.memory;

  std::vector<uint8_t> buf(4096, 1);
  // dev1's 256 B write, offered at 1.3 us, is booked first: it holds the uplink from about
  // 1.75 us. dev0's 4 KiB data (1137.5 ns on the wire) reaches the uplink at about 1.5 us,
  // does not fit before it and goes after it; its 16 B CQE reaches the uplink just after the
  // data and would fit in the gap.
  sc_time t1 = ns(1300);
  tlm_access(devs[1]->socket, tlm::TLM_WRITE_COMMAND, 0x5000, buf.data(), 256, t1);
  sc_time t0 = SC_ZERO_TIME;
  tlm_access(devs[0]->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 4096, t0);
  tlm_access(devs[0]->socket, tlm::TLM_WRITE_COMMAND, 0x9000, buf.data(), 16, t0);
  const sc_time data = memory->visible(0x1000);
  const sc_time cqe = memory->visible(0x9000);
  const sc_time other = memory->visible(0x5000);
  EXPECT_LT(other, data);  // the setup: the data did go after dev1's write
  EXPECT_LT(data, cqe);    // and the CQE after its data
}

// Two devices on their own links into a two-port switch, its upstream link into a root complex
// (DMA to an IOMMU stand-in), and the root complex's ID router back down that link: the path of
// an ACS-redirected peer request (PCIe Base Spec 6.0 6.12.1.2).
struct PeerFabric : SwitchWithTwoDevices {
  PeerFabric(const PcieLinkParams& p, const PcieSwitchParams& sp) : SwitchWithTwoDevices(p, sp) {
    rc = std::make_unique<RootComplex>("rc", default_params<RootComplexParams>(), *env);
    router = std::make_unique<PcieIdRouter>("router", 1, *env);
    iommu = std::make_unique<testing::RecordingTarget>("iommu");
    msi = std::make_unique<testing::RecordingTarget>("msi");
    for (uint32_t i = 0; i < 2; ++i) {
      // As the system's topology does: peer windows only behind a redirecting switch.
      if (sp.acs_redirect) rc->add_peer_window(kBar * (i + 1), kBar);
      router->add_window(0, kBar * (i + 1), kBar);
    }
    uplink->host_dma.bind(rc->from_link);
    rc->to_iommu.bind(iommu->socket);
    rc->to_msi.bind(msi->socket);
    rc->to_peer.bind(router->from_root_complex);
    router->port(0).bind(uplink->host_mmio);
    sc_core::sc_start(SC_ZERO_TIME);
  }
  uint64_t stat(const std::string& key) {
    const Counter* c = env->stats().find_counter(key);
    return c ? c->value() : ~0ull;
  }
  std::unique_ptr<RootComplex> rc;
  std::unique_ptr<PcieIdRouter> router;
  std::unique_ptr<testing::RecordingTarget> iommu;
  std::unique_ptr<testing::RecordingTarget> msi;
};

// 100 ns per switch traversal, 8 GB/s = 8 B/ns.
PcieSwitchParams peer_switch(bool peer_to_peer, bool acs_redirect) {
  PcieSwitchParams sp = default_params<PcieSwitchParams>();
  sp.downstream_ports = 2;
  sp.hop_latency_ns = 100;
  sp.bandwidth_gbytes_per_s = 8;
  sp.peer_to_peer = peer_to_peer;
  sp.acs_redirect = acs_redirect;
  return sp;
}

// A 64 B posted write from device 0 into device 1's BAR: when device 1 sees it.
sc_time peer_write_arrival(PeerFabric& f) {
  std::vector<uint8_t> data(64, 7);
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.devs[0]->socket, tlm::TLM_WRITE_COMMAND, 2 * PeerFabric::kBar + 0x40,
                       data.data(), 64, d),
            tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(f.bars[1]->calls, 1);
  EXPECT_EQ(f.bars[1]->last_addr, 0x40u);  // the offset into its BAR
  return f.bars[1]->arrival_delay;
}

// ACS redirect versus direct peer-to-peer: the redirected write also crosses the uplink up
// (one 64 + 24 B TLP and the link's hop), the root complex (latency_ns), the uplink down, and
// the switch a second time (its hop and 64 B at 8 B/ns); the two device links are the same.
TEST(PcieAcsRedirect, RedirectedPeerWriteAddsTwoUplinkCrossingsTheRootComplexAndAHop) {
  // One fabric at a time (each gets a fresh SystemC context).
  sc_time direct_at;
  {
    PeerFabric direct(gen3_x4(), peer_switch(true, false));
    direct_at = peer_write_arrival(direct);
    EXPECT_EQ(direct.stat("pcie.sw.redirected"), 0u);
    EXPECT_EQ(direct.stat("pcie.uplink.up.tlps"), 0u);
  }
  PeerFabric redirected(gen3_x4(), peer_switch(false, true));
  const sc_time redirected_at = peer_write_arrival(redirected);
  const double uplink_one_way = ceil_ps(wire_ps(64 + 24)) + 150e3;
  const double rc = default_params<RootComplexParams>().latency_ns * 1e3;
  const double switch_traversal = 100e3 + 64 / 8.0 * 1e3;
  EXPECT_NEAR(static_cast<double>(to_ps(redirected_at)) - static_cast<double>(to_ps(direct_at)),
              2 * uplink_one_way + rc + switch_traversal, 2.0);
  EXPECT_EQ(redirected.stat("pcie.sw.redirected"), 1u);
  EXPECT_EQ(redirected.stat("pcie.uplink.up.tlps"), 1u);
  EXPECT_EQ(redirected.stat("pcie.uplink.down.tlps"), 1u);
  EXPECT_EQ(redirected.stat("pcie.rc.peer_requests"), 1u);
  EXPECT_EQ(redirected.stat("pcie.router.port0.peer_requests"), 1u);
  EXPECT_EQ(redirected.iommu->calls, 0);  // not translated (docs/pcie.md)
}

// A redirected read gets its data back from the peer's BAR along the same path; with neither
// peer_to_peer nor acs_redirect the same request is a DMA to the IOMMU (a memory access at the
// BAR's address), never the peer.
TEST(PcieAcsRedirect, RedirectedReadReturnsThePeersDataAndWithoutEitherItIsADma) {
  for (const bool acs : {true, false}) {
    SCOPED_TRACE(acs ? "acs_redirect" : "neither");
    PeerFabric f(gen3_x4(), peer_switch(false, acs));
    std::vector<uint8_t> data(64, 0);
    sc_time d = SC_ZERO_TIME;
    EXPECT_EQ(tlm_access(f.devs[0]->socket, tlm::TLM_READ_COMMAND, 2 * PeerFabric::kBar,
                         data.data(), 64, d),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(f.bars[1]->calls, acs ? 1 : 0);
    EXPECT_EQ(f.iommu->calls, acs ? 0 : 1);
    EXPECT_EQ(f.stat("pcie.rc.dma_reads"), acs ? 0u : 1u);
    // Redirected, the request and its completion each cross the uplink both ways (one 64 B
    // completion TLP); as a DMA, the request goes up and its completion down.
    EXPECT_EQ(f.stat("pcie.uplink.up.tlps"), acs ? 2u : 1u);
    EXPECT_EQ(f.stat("pcie.uplink.down.tlps"), acs ? 2u : 1u);
  }
}

}  // namespace
}  // namespace wdsim
