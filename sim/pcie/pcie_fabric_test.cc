// ATS/PRI messages over links and switches, the integrated port, the function port and the ID
// router, against hand-computed formulas.
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

// Sends one message with `kind` (PASID `ssv`) through `socket`; returns the delay.
template <class Socket>
sc_time send(Socket& socket, AtsMsgKind kind, bool ssv, uint32_t sid = 0,
             tlm::tlm_response_status* status = nullptr) {
  AtsMessage m;
  m.kind = kind;
  m.sid = sid;
  m.ssv = ssv;
  m.ssid = ssv ? 1 : 0;
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_IGNORE_COMMAND);
  gp.set_address(0x1000);
  gp.set_data_length(0);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&m);
  sc_time d = SC_ZERO_TIME;
  socket->b_transport(gp, d);
  gp.clear_extension(&m);
  if (status) *status = gp.get_response_status();
  return d;
}

struct LinkFixture {
  SimEnv env;
  std::unique_ptr<testing::Initiator> device;
  std::unique_ptr<testing::Initiator> host_side;
  std::unique_ptr<PcieLink> link;
  std::unique_ptr<testing::RecordingTarget> iommu;
  std::unique_ptr<testing::RecordingTarget> endpoint;
  explicit LinkFixture(const PcieLinkParams& params = gen3_x4()) {
    wdsim::testing::fresh_sc_context();
    device = std::make_unique<testing::Initiator>("device");
    host_side = std::make_unique<testing::Initiator>("host_side");
    link = std::make_unique<PcieLink>("link0", params, env);
    iommu = std::make_unique<testing::RecordingTarget>("iommu");
    endpoint = std::make_unique<testing::RecordingTarget>("endpoint");
    iommu->service = ns(300);
    endpoint->service = ns(100);
    device->socket.bind(link->device_dma);
    link->host_dma.bind(iommu->socket);
    host_side->socket.bind(link->host_mmio);
    link->device_mmio.bind(endpoint->socket);
    sc_core::sc_start(SC_ZERO_TIME);
  }
  uint64_t stat(const std::string& key) {
    const Counter* c = env.stats().find_counter("pcie.link0." + key);
    return c ? c->value() : ~0ull;
  }
};

// Payload efficiency of a long posted write: MPS / (MPS + 24 B per TLP): 84.2 % at 128 B,
// 91.4 % at 256 B, 95.5 % at 512 B (PCIe Base Spec TLP format; the ACK DLLPs go the other way).
TEST(PcieLinkEfficiency, PayloadEfficiencyOfMaxPayloadSize) {
  const uint64_t bytes = 65536;
  for (uint32_t mps : {128u, 256u, 512u}) {
    PcieLinkParams p = gen3_x4();
    p.max_payload_bytes = mps;
    const double efficiency = static_cast<double>(mps) / (mps + p.tlp_overhead_bytes);
    const double expected_ps = bytes / (p.bytes_per_ns() * efficiency) * 1e3;
    expect_ps(PcieLink::tlp_wire_time(bytes, p), expected_ps);
  }
  PcieLinkParams p = gen3_x4();
  p.max_payload_bytes = 128;
  const double e128 = 65536.0 / to_ps(PcieLink::tlp_wire_time(bytes, p));
  p.max_payload_bytes = 512;
  const double e512 = 65536.0 / to_ps(PcieLink::tlp_wire_time(bytes, p));
  EXPECT_NEAR(e512 / e128, (512.0 / 536.0) / (128.0 / 152.0), 1e-4);
}

// A receiver with few posted credits throttles its sender: with C data credits (16 B each) and
// writes of MPS bytes, at most C x 16 B are outstanding per round trip (serialization + hop +
// the far side's time + update_fc_latency), so throughput is C x 16 B / round trip when that is
// below the link's rate.
TEST(PcieFlowControl, CreditStarvedWritesRunAtCreditsPerRoundTrip) {
  PcieLinkParams p = gen3_x4();
  p.max_payload_bytes = 256;
  p.flow_control.posted_data = 32;  // 512 B: two 256 B writes outstanding
  p.flow_control.update_fc_latency_ns = 100;
  wdsim::testing::fresh_sc_context();
  SimEnv env;
  auto dev = std::make_unique<testing::Initiator>("dev");
  auto link = std::make_unique<PcieLink>("link0", p, env);
  auto host = std::make_unique<testing::RecordingTarget>("host");
  auto cpu = std::make_unique<testing::Initiator>("cpu");
  auto regs = std::make_unique<testing::RecordingTarget>("regs");
  host->service = ns(300);
  dev->socket.bind(link->device_dma);
  link->host_dma.bind(host->socket);
  cpu->socket.bind(link->host_mmio);
  link->device_mmio.bind(regs->socket);
  sc_core::sc_start(SC_ZERO_TIME);
  std::vector<uint8_t> data(256, 1);
  const int n = 20;
  sc_time last_sent;
  for (int i = 0; i < n; ++i) {
    sc_time d = SC_ZERO_TIME;  // every write offered at time 0
    tlm_access(dev->socket, tlm::TLM_WRITE_COMMAND, 0x1000, data.data(), 256, d);
    last_sent = d;
  }
  // One write holds its 16 credits from its start to wire + hop + 300 ns + 100 ns; two fit.
  const double wire = ceil_ps(wire_ps(256 + 24));
  const double round_trip = wire + 150e3 + 300e3 + 100e3;
  // Writes go in pairs: pair k starts at k x round_trip (the second of a pair after the
  // first's wire time); the last (n = 20: pair 9, second) is sent at 9 x rt + 2 x wire.
  expect_ps(last_sent, 9 * round_trip + 2 * wire);
  const Counter* stalls = env.stats().find_counter("pcie.link0.up.credit_stalls");
  ASSERT_NE(stalls, nullptr);
  EXPECT_EQ(stalls->value(), static_cast<uint64_t>(n - 2));
  // Throughput: 512 B per round trip, far below the 3.94 GB/s link.
  const double gbytes_per_s = n * 256.0 / (to_ps(last_sent) / 1e3);
  EXPECT_NEAR(gbytes_per_s, 512.0 / (round_trip / 1e3), 0.1);
  EXPECT_LT(gbytes_per_s, p.bytes_per_ns() / 3);
}

TEST(PcieFlowControl, InfiniteCreditsChangeNothing) {
  PcieLinkParams p = gen3_x4();
  EXPECT_FALSE(p.flow_control.any());
  CreditGate g(0, 0);
  EXPECT_EQ(g.earliest(ns(5), 100, 1000), ns(5));
  CreditGate limited(2, 0);
  limited.hold(ns(0), ns(100), 2, 0);
  EXPECT_EQ(limited.earliest(ns(10), 1, 0), ns(100));
  // More than the limit: waits until nothing else holds credits, then goes alone.
  EXPECT_EQ(limited.earliest(ns(10), 5, 0), ns(100));
}

// Read latency with splitting: requests split at MRRS, completions at MPS and, with a read
// completion boundary, at RCB multiples (an unaligned read needs one more completion).
TEST(PcieLinkReads, CompletionsSplitAtMpsAndTheReadCompletionBoundary) {
  PcieLinkParams p = gen3_x4();
  p.max_payload_bytes = 256;
  EXPECT_EQ(PcieLink::completion_count(0x1010, 1024, p), 4u);  // RCB off: ceil(1024 / 256)
  p.read_completion_boundary_bytes = 64;
  EXPECT_EQ(PcieLink::completion_count(0x1000, 1024, p), 4u);  // aligned: no change
  // 0x1010: the first completion ends at 0x1100 (240 B), then 256, 256, 256, 16.
  EXPECT_EQ(PcieLink::completion_count(0x1010, 1024, p), 5u);
  EXPECT_EQ(PcieLink::completion_count(0x1010, 16, p), 1u);
  EXPECT_EQ(PcieLink::completion_count(0x1030, 100, p), 1u);  // fits before 0x1100
  EXPECT_EQ(PcieLink::completion_count(0x10f0, 64, p), 1u);   // ends before 0x11c0
  // 0x10f0 + 512 B: 208 B to 0x11c0 (the last 64 B multiple within 256 B), 256, 48.
  EXPECT_EQ(PcieLink::completion_count(0x10f0, 512, p), 3u);
  p.read_completion_boundary_bytes = 128;
  EXPECT_EQ(PcieLink::completion_count(0x1010, 1024, p), 5u);
  EXPECT_EQ(PcieLink::completion_count(0x1000, 0, p), 1u);

  // The latency of a 1 KiB read at 0x1010 on an idle link with RCB 64: 2 requests (MRRS 512)
  // up, hop, 300 ns, 5 completions (20 B each) + 1024 B down, hop.
  std::vector<uint8_t> buf(1024);
  PcieLinkParams q = gen3_x4();
  q.read_completion_boundary_bytes = 64;
  wdsim::testing::fresh_sc_context();
  SimEnv env;
  auto dev = std::make_unique<testing::Initiator>("dev2");
  auto link = std::make_unique<PcieLink>("link2", q, env);
  auto host = std::make_unique<testing::RecordingTarget>("host2");
  auto cpu = std::make_unique<testing::Initiator>("cpu2");
  auto regs = std::make_unique<testing::RecordingTarget>("regs2");
  host->service = ns(300);
  dev->socket.bind(link->device_dma);
  link->host_dma.bind(host->socket);
  cpu->socket.bind(link->host_mmio);
  link->device_mmio.bind(regs->socket);
  sc_core::sc_start(SC_ZERO_TIME);
  sc_time d = SC_ZERO_TIME;
  tlm_access(dev->socket, tlm::TLM_READ_COMMAND, 0x1010, buf.data(), 1024, d);
  expect_ps(d, ceil_ps(wire_ps(2 * 24)) + 150e3 + 300e3 + ceil_ps(wire_ps(1024 + 5 * 20)) + 150e3);
  EXPECT_EQ(env.stats().find_counter("pcie.link2.down.tlps")->value(), 5u);
  // Per type: the 2 read requests are non-posted, the 5 answers completions; the wire's busy
  // time per direction is their wire time (the one ACK the completions earn has no TLP going up
  // after it to ride with, so it costs nothing).
  auto counter = [&](const std::string& k) {
    return env.stats().find_counter("pcie.link2." + k)->value();
  };
  EXPECT_EQ(counter("up.nonposted_tlps"), 2u);
  EXPECT_EQ(counter("up.posted_tlps"), 0u);
  EXPECT_EQ(counter("down.completion_tlps"), 5u);
  EXPECT_EQ(counter("down.posted_tlps"), 0u);
  EXPECT_EQ(static_cast<double>(counter("up.busy_ps")), ceil_ps(wire_ps(2 * 24)));
  EXPECT_EQ(static_cast<double>(counter("down.busy_ps")), ceil_ps(wire_ps(1024 + 5 * 20)));
}

TEST(PcieLinkMessages, TranslationRequestRoundTripWithPasid) {
  LinkFixture f;
  // Request: 24 B + 4 B prefix; completion: 20 B + 8 B entry.
  const double with_pasid = ceil_ps(wire_ps(28)) + 150e3 + 300e3 + ceil_ps(wire_ps(28)) + 150e3;
  expect_ps(send(f.device->socket, AtsMsgKind::kTranslationRequest, true), with_pasid);
  EXPECT_EQ(f.stat("up.messages"), 1u);
  EXPECT_EQ(f.stat("down.answers"), 1u);
  EXPECT_EQ(f.stat("up.bytes"), 28u);
  EXPECT_EQ(f.stat("down.bytes"), 28u);
}

TEST(PcieLinkMessages, TranslationRequestWithoutPasidHasNoPrefix) {
  LinkFixture g;
  const double without = ceil_ps(wire_ps(24)) + 150e3 + 300e3 + ceil_ps(wire_ps(28)) + 150e3;
  expect_ps(send(g.device->socket, AtsMsgKind::kTranslationRequest, false), without);
  EXPECT_EQ(g.stat("up.bytes"), 24u);
}

TEST(PcieLinkMessages, PostedPageRequestEndsWhenSentAndTheFarSideSeesItAfterTheHop) {
  LinkFixture f;
  expect_ps(send(f.device->socket, AtsMsgKind::kPageRequest, true), ceil_ps(wire_ps(28)));
  expect_ps(f.iommu->arrival_delay, ceil_ps(wire_ps(28)) + 150e3);
  EXPECT_EQ(f.stat("down.answers"), 0u);
}

// A PRI storm on a receiver with one posted header credit: each Page Request holds it from its
// start until the far side is done with it (wire + hop + the IOMMU's 300 ns) plus the UpdateFC
// latency, so the requests, all offered at time 0, go one per round trip.
TEST(PcieLinkMessages, PageRequestsWaitForPostedCredits) {
  PcieLinkParams p = gen3_x4();
  p.flow_control.posted_header = 1;
  p.flow_control.update_fc_latency_ns = 100;
  LinkFixture f(p);
  const double wire = ceil_ps(wire_ps(28));
  const double round_trip = wire + 150e3 + 300e3 + 100e3;
  for (int i = 0; i < 3; ++i) {
    expect_ps(send(f.device->socket, AtsMsgKind::kPageRequest, true), i * round_trip + wire);
  }
  EXPECT_EQ(f.stat("up.credit_stalls"), 2u);
}

// A Translation Request takes a non-posted header credit, given back once the receiver has it
// (wire + hop) plus the UpdateFC latency: a second request offered at time 0 starts then.
TEST(PcieLinkMessages, TranslationRequestsWaitForNonPostedCredits) {
  PcieLinkParams p = gen3_x4();
  p.flow_control.nonposted_header = 1;
  p.flow_control.update_fc_latency_ns = 100;
  LinkFixture f(p);
  const double request = ceil_ps(wire_ps(28));
  const double round_trip = request + 150e3 + 300e3 + ceil_ps(wire_ps(28)) + 150e3;
  expect_ps(send(f.device->socket, AtsMsgKind::kTranslationRequest, true), round_trip);
  expect_ps(send(f.device->socket, AtsMsgKind::kTranslationRequest, true),
            request + 150e3 + 100e3 + round_trip);
  EXPECT_EQ(f.stat("up.credit_stalls"), 1u);
}

TEST(PcieLinkMessages, InvalidationGoesDownAndItsCompletionComesBackUp) {
  LinkFixture f;
  // Invalidate Request: 24 B + 8 B data + 4 B prefix; Invalidate Completion: 24 B.
  const double expected = ceil_ps(wire_ps(36)) + 150e3 + 100e3 + ceil_ps(wire_ps(24)) + 150e3;
  expect_ps(send(f.host_side->socket, AtsMsgKind::kInvalidation, true), expected);
  EXPECT_EQ(f.stat("down.messages"), 1u);
  EXPECT_EQ(f.stat("up.answers"), 1u);
  EXPECT_EQ(f.stat("down.payload_bytes"), kInvalidateRequestDataBytes);
  // A PRG Response is posted.
  const sc_time prg = send(f.host_side->socket, AtsMsgKind::kPrgResponse, true);
  EXPECT_LT(prg, ns(150));
}

// endpoint -> link -> [switch -> link] x n -> root (the IOMMU): an ATS round trip through n
// switches costs, per link, both serializations and two hops; per switch two traversals.
sc_time ats_round_trip_through(uint32_t n_switches) {
  wdsim::testing::fresh_sc_context();
  SimEnv env;
  PcieSwitchParams sp = default_params<PcieSwitchParams>();
  sp.downstream_ports = 1;
  sp.hop_latency_ns = 120;
  sp.bandwidth_gbytes_per_s = 8;
  auto device = std::make_unique<testing::Initiator>("device");
  std::vector<std::unique_ptr<PcieLink>> links;
  std::vector<std::unique_ptr<PcieSwitch>> switches;
  std::vector<std::unique_ptr<testing::RecordingTarget>> unused;
  auto iommu = std::make_unique<testing::RecordingTarget>("iommu");
  iommu->service = ns(300);
  links.push_back(std::make_unique<PcieLink>("l0", gen3_x4(), env));
  device->socket.bind(links[0]->device_dma);
  for (uint32_t i = 0; i < n_switches; ++i) {
    switches.push_back(std::make_unique<PcieSwitch>(("s" + std::to_string(i)).c_str(), sp, env));
    links.back()->host_dma.bind(switches.back()->down_in(0));
    switches.back()->down_out(0).bind(links.back()->host_mmio);
    links.push_back(
        std::make_unique<PcieLink>(("l" + std::to_string(i + 1)).c_str(), gen3_x4(), env));
    switches.back()->up_out.bind(links.back()->device_dma);
    links.back()->device_mmio.bind(switches.back()->up_in);
  }
  links.back()->host_dma.bind(iommu->socket);
  // The device side of l0 and the host side of the last link stay unbound for MMIO: bind
  // stand-ins.
  auto cpu = std::make_unique<testing::Initiator>("cpu");
  auto regs = std::make_unique<testing::RecordingTarget>("regs");
  cpu->socket.bind(links.back()->host_mmio);
  links[0]->device_mmio.bind(regs->socket);
  sc_core::sc_start(SC_ZERO_TIME);
  return send(device->socket, AtsMsgKind::kTranslationRequest, true);
}

TEST(PcieFabric, AtsRoundTripThroughNSwitchesFollowsTheFormula) {
  const double per_link = ceil_ps(wire_ps(28)) + 150e3 + ceil_ps(wire_ps(28)) + 150e3;
  // Per switch: request (0 data) and completion (8 B at 8 B/ns = 1 ns) traversals.
  const double per_switch = 120e3 + 1e3 + 120e3;
  for (uint32_t n : {0u, 1u, 2u}) {
    expect_ps(ats_round_trip_through(n), 300e3 + (n + 1) * per_link + n * per_switch);
  }
}

TEST(IntegratedPort, FixedLatencyEachWayAndPostedWritesEndAtOnce) {
  wdsim::testing::fresh_sc_context();
  SimEnv env;
  IntegratedPortParams p = default_params<IntegratedPortParams>();
  p.latency_ns = 40;
  auto dev = std::make_unique<testing::Initiator>("dev");
  auto cpu = std::make_unique<testing::Initiator>("cpu");
  auto port = std::make_unique<IntegratedPort>("rcie", p, env);
  auto host = std::make_unique<testing::RecordingTarget>("host");
  auto regs = std::make_unique<testing::RecordingTarget>("regs");
  host->service = ns(100);
  regs->service = ns(10);
  dev->socket.bind(port->device_dma);
  port->host_dma.bind(host->socket);
  cpu->socket.bind(port->host_mmio);
  port->device_mmio.bind(regs->socket);
  sc_core::sc_start(SC_ZERO_TIME);
  std::vector<uint8_t> data(4096);
  sc_time d = SC_ZERO_TIME;
  tlm_access(dev->socket, tlm::TLM_READ_COMMAND, 0x1000, data.data(), 4096, d);
  EXPECT_EQ(host->arrival_delay, ns(40));
  EXPECT_EQ(d, ns(180));  // 40 + 100 + 40: no serialization, whatever the size
  d = SC_ZERO_TIME;
  tlm_access(dev->socket, tlm::TLM_WRITE_COMMAND, 0x1000, data.data(), 4096, d);
  EXPECT_EQ(host->arrival_delay, ns(40));
  EXPECT_EQ(d, SC_ZERO_TIME);  // posted
  // A Translation Request crosses twice; an MMIO read down and back.
  EXPECT_EQ(send(dev->socket, AtsMsgKind::kTranslationRequest, true), ns(180));
  uint32_t v = 0;
  d = SC_ZERO_TIME;
  tlm_access(cpu->socket, tlm::TLM_READ_COMMAND, 0x10, &v, 4, d);
  EXPECT_EQ(d, ns(90));
  EXPECT_EQ(env.stats().find_counter("pcie.rcie.up.requests")->value(), 3u);
  EXPECT_EQ(env.stats().find_counter("pcie.rcie.down.requests")->value(), 1u);
}

TEST(PcieFunctionPort, MergesDmaAndMessagesUpAndSplitsMessagesFromMmioDown) {
  wdsim::testing::fresh_sc_context();
  auto qm = std::make_unique<testing::Initiator>("qm");
  auto ats = std::make_unique<testing::Initiator>("ats");
  auto link = std::make_unique<testing::Initiator>("link_down");
  auto port = std::make_unique<PcieFunctionPort>("fn");
  auto up = std::make_unique<testing::RecordingTarget>("up");
  auto mmio = std::make_unique<testing::RecordingTarget>("mmio");
  auto msgs = std::make_unique<testing::RecordingTarget>("msgs");
  qm->socket.bind(port->dma_in);
  ats->socket.bind(port->msg_in);
  port->to_link.bind(up->socket);
  link->socket.bind(port->from_link);
  port->mmio_out.bind(mmio->socket);
  port->msg_out.bind(msgs->socket);
  sc_core::sc_start(SC_ZERO_TIME);
  uint32_t v = 0;
  sc_time d = SC_ZERO_TIME;
  tlm_access(qm->socket, tlm::TLM_WRITE_COMMAND, 0x1000, &v, 4, d);
  send(ats->socket, AtsMsgKind::kPageRequest, true);
  EXPECT_EQ(up->calls, 2);
  tlm_access(link->socket, tlm::TLM_READ_COMMAND, 0x10, &v, 4, d);
  send(link->socket, AtsMsgKind::kInvalidation, true);
  EXPECT_EQ(mmio->calls, 1);
  EXPECT_EQ(msgs->calls, 1);
}

TEST(PcieIdRouter, SendsEachMessageDownThePortOfItsRequester) {
  wdsim::testing::fresh_sc_context();
  SimEnv env;
  auto smmu = std::make_unique<testing::Initiator>("smmu");
  auto router = std::make_unique<PcieIdRouter>("router", 2, env);
  auto a = std::make_unique<testing::RecordingTarget>("a");
  auto b = std::make_unique<testing::RecordingTarget>("b");
  smmu->socket.bind(router->from_iommu);
  router->port(0).bind(a->socket);
  router->port(1).bind(b->socket);
  router->add_requester(0, 4);
  router->add_requester(1, 5);
  sc_core::sc_start(SC_ZERO_TIME);
  send(smmu->socket, AtsMsgKind::kPrgResponse, true, 5);
  EXPECT_EQ(a->calls, 0);
  EXPECT_EQ(b->calls, 1);
  tlm::tlm_response_status status{};
  send(smmu->socket, AtsMsgKind::kInvalidation, true, 6, &status);
  EXPECT_EQ(status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(env.stats().find_counter("pcie.router.unrouted")->value(), 1u);
  EXPECT_EQ(env.stats().find_counter("pcie.router.port1.messages")->value(), 1u);
}

}  // namespace
}  // namespace wdsim
