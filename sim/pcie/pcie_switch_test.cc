#include "sim/pcie/pcie_switch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"
#include "sim/pcie/ats.h"
#include "sim/pcie/pcie_test_util.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

// 100 ns per traversal, 8 GB/s = 8 B/ns: 4096 B take 512 ns on the fabric.
PcieSwitchParams small_switch(bool p2p = false) {
  PcieSwitchParams p = default_params<PcieSwitchParams>();
  p.downstream_ports = 3;
  p.hop_latency_ns = 100;
  p.bandwidth_gbytes_per_s = 8;
  p.peer_to_peer = p2p;
  return p;
}

struct SwitchFixture {
  SimEnv env;
  std::unique_ptr<testing::Initiator> cpu;
  std::vector<std::unique_ptr<testing::Initiator>> devs;
  std::unique_ptr<PcieSwitch> sw;
  std::unique_ptr<testing::RecordingTarget> host;
  std::vector<std::unique_ptr<testing::RecordingTarget>> bars;
  explicit SwitchFixture(const PcieSwitchParams& p) {
    wdsim::testing::fresh_sc_context();
    cpu = std::make_unique<testing::Initiator>("cpu");
    sw = std::make_unique<PcieSwitch>("sw", p, env);
    host = std::make_unique<testing::RecordingTarget>("host");
    host->service = ns(10);
    cpu->socket.bind(sw->up_in);
    sw->up_out.bind(host->socket);
    // Ports 0 and 1 have devices; port 2 stays unbound.
    for (uint32_t i = 0; i < 2; ++i) {
      devs.push_back(std::make_unique<testing::Initiator>(("dev" + std::to_string(i)).c_str()));
      bars.push_back(
          std::make_unique<testing::RecordingTarget>(("bar" + std::to_string(i)).c_str()));
      bars.back()->service = ns(20);
      devs.back()->socket.bind(sw->down_in(i));
      sw->down_out(i).bind(bars.back()->socket);
      sw->add_window(i, 0x10000 * (i + 1), 0x10000);
      sw->add_requester(i, 7 + i);
    }
    sc_core::sc_start(SC_ZERO_TIME);
  }
  uint64_t stat(const std::string& key) {
    const Counter* c = env.stats().find_counter("pcie.sw." + key);
    return c ? c->value() : ~0ull;
  }
};

TEST(PcieSwitch, UpstreamWriteCrossesTheFabricOnceAndKeepsItsAttributes) {
  SwitchFixture f(small_switch());
  std::vector<uint8_t> data(4096, 1);
  IoAttrs attrs;
  attrs.stream_id = 8;
  attrs.pasid = 3;
  attrs.pasid_valid = true;
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(
      tlm_access(f.devs[1]->socket, tlm::TLM_WRITE_COMMAND, 0x900000, data.data(), 4096, d, &attrs),
      tlm::TLM_OK_RESPONSE);
  // The host sees it after 4096 B / 8 B/ns = 512 ns on the fabric + 100 ns hop.
  EXPECT_EQ(f.host->arrival_delay, ns(612));
  EXPECT_EQ(d, ns(622));  // + the host's own 10 ns (a posted write's end is the link's business)
  ASSERT_TRUE(f.host->last_attrs);
  EXPECT_EQ(f.host->last_attrs->pasid, 3u);
  EXPECT_EQ(f.stat("port1.requests"), 1u);
  EXPECT_EQ(f.stat("up.bytes"), 4096u);
}

TEST(PcieSwitch, ReadPaysTwoHopsAndItsDataOnTheWayBack) {
  SwitchFixture f(small_switch());
  std::vector<uint8_t> data(1024);
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.devs[0]->socket, tlm::TLM_READ_COMMAND, 0x900000, data.data(), 1024, d),
            tlm::TLM_OK_RESPONSE);
  // Request: 0 data + 100 ns; host 10 ns; completion: 1024 B / 8 = 128 ns + 100 ns.
  EXPECT_EQ(f.host->arrival_delay, ns(100));
  EXPECT_EQ(d, ns(338));
  EXPECT_EQ(f.stat("down.bytes"), 1024u);
}

TEST(PcieSwitch, FabricBandwidthIsShared) {
  SwitchFixture f(small_switch());
  std::vector<uint8_t> data(4096, 1);
  sc_time d0 = SC_ZERO_TIME, d1 = SC_ZERO_TIME;
  tlm_access(f.devs[0]->socket, tlm::TLM_WRITE_COMMAND, 0x900000, data.data(), 4096, d0);
  tlm_access(f.devs[1]->socket, tlm::TLM_WRITE_COMMAND, 0x900000, data.data(), 4096, d1);
  // Both arrive at 0: the second waits for the first's 512 ns on the fabric.
  EXPECT_EQ(f.host->arrival_delay, ns(1124));
  EXPECT_EQ(f.sw->upstream_fabric().wait_time(), ns(512));
}

TEST(PcieSwitch, DownstreamRoutesMemoryByWindowAndMessagesByRequester) {
  SwitchFixture f(small_switch());
  uint32_t v = 5;
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.cpu->socket, tlm::TLM_WRITE_COMMAND, 0x20010, &v, 4, d),
            tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(f.bars[1]->calls, 1);
  EXPECT_EQ(f.bars[1]->last_addr, 0x10u);  // the offset into port 1's window
  EXPECT_EQ(f.bars[0]->calls, 0);
  // No port's window: Unsupported Request, counted.
  d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.cpu->socket, tlm::TLM_WRITE_COMMAND, 0x40000, &v, 4, d),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(f.stat("unrouted"), 1u);
  // A window straddled: not routed either.
  d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.cpu->socket, tlm::TLM_WRITE_COMMAND, 0x1fffe, &v, 4, d),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);

  // An Invalidate Request for StreamID 7 goes to port 0 and is non-posted: it crosses back.
  AtsMessage m;
  m.kind = AtsMsgKind::kInvalidation;
  m.sid = 7;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  gp.set_address(0x30000);  // an address in port 1's window: ID routing ignores it
  gp.set_data_length(0);
  gp.set_extension(&m);
  d = SC_ZERO_TIME;
  f.cpu->socket->b_transport(gp, d);
  gp.clear_extension(&m);
  EXPECT_EQ(f.bars[0]->calls, 1);
  EXPECT_EQ(f.bars[1]->calls, 1);
  // 8 B of data: 1 ns (after the first write's 0.5 ns on the fabric, all at time 0) + 100 ns
  // down, 20 ns at the device, 0 B + 100 ns back.
  EXPECT_EQ(d, ns(221.5));
  // An unknown requester.
  m.sid = 99;
  gp.set_extension(&m);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  d = SC_ZERO_TIME;
  f.cpu->socket->b_transport(gp, d);
  gp.clear_extension(&m);
  EXPECT_EQ(gp.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST(PcieSwitch, PeerToPeerOnlyWhenEnabled) {
  for (bool p2p : {false, true}) {
    SwitchFixture f(small_switch(p2p));
    uint32_t v = 1;
    sc_time d = SC_ZERO_TIME;
    // Device 0 writes into device 1's BAR window.
    tlm_access(f.devs[0]->socket, tlm::TLM_WRITE_COMMAND, 0x20000, &v, 4, d);
    EXPECT_EQ(f.bars[1]->calls, p2p ? 1 : 0) << p2p;
    EXPECT_EQ(f.host->calls, p2p ? 0 : 1) << p2p;
    // Its own window is never peer-to-peer.
    tlm_access(f.devs[0]->socket, tlm::TLM_WRITE_COMMAND, 0x10000, &v, 4, d);
    EXPECT_EQ(f.bars[0]->calls, 0) << p2p;
  }
}

}  // namespace
}  // namespace wdsim
