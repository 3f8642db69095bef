#include "sim/pcie/pcie_link.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "sim/base/tlm_access.h"
#include "sim/pcie/pcie_test_util.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

PcieLinkParams gen3_x4() {
  PcieLinkParams p = default_params<PcieLinkParams>();
  p.generation = 3;
  p.lanes = 4;
  p.max_payload_bytes = 256;
  p.max_read_request_bytes = 512;
  p.tlp_overhead_bytes = 24;
  p.completion_overhead_bytes = 20;
  p.hop_latency_ns = 150;
  return p;
}

// Gen3 x4 by hand: 8 GT/s x 4 lanes x 128/130 / 8 bits = 3.938... B/ns, so one byte takes
// 130 / (4 x 128) ns = 1040000 / 4096 ps.
double gen3_x4_ps(double wire_bytes) { return wire_bytes * 1040000.0 / 4096.0; }

// Within 1 ps (the model rounds up to whole ps after floating-point division).
void expect_ps(const sc_time& t, double expected_ps) {
  EXPECT_NEAR(static_cast<double>(to_ps(t)), std::ceil(expected_ps), 1.0);
}

struct LinkFixture {
  SimEnv env;
  std::unique_ptr<testing::Initiator> device;
  std::unique_ptr<testing::Initiator> cpu;
  std::unique_ptr<PcieLink> link;
  std::unique_ptr<testing::RecordingTarget> host;
  std::unique_ptr<testing::RecordingTarget> regs;
  explicit LinkFixture(const PcieLinkParams& p = gen3_x4()) {
    wdsim::testing::fresh_sc_context();
    device = std::make_unique<testing::Initiator>("device");
    cpu = std::make_unique<testing::Initiator>("cpu");
    link = std::make_unique<PcieLink>("link0", p, env);
    host = std::make_unique<testing::RecordingTarget>("host");
    regs = std::make_unique<testing::RecordingTarget>("regs");
    device->socket.bind(link->device_dma);
    link->host_dma.bind(host->socket);
    cpu->socket.bind(link->host_mmio);
    link->device_mmio.bind(regs->socket);
    host->service = ns(100);
    sc_core::sc_start(SC_ZERO_TIME);
  }
  uint64_t stat(const std::string& key) {
    const Counter* c = env.stats().find_counter("pcie.link0." + key);
    return c ? c->value() : ~0ull;
  }
};

TEST(PcieLinkParams, RatesFromTheSpec) {
  PcieLinkParams p = gen3_x4();
  EXPECT_DOUBLE_EQ(p.bytes_per_ns(), 8.0 * 4 * 128 / 130 / 8);
  p.generation = 1;
  p.lanes = 1;
  EXPECT_DOUBLE_EQ(p.bytes_per_ns(), 0.25);  // 2.5 GT/s x 8/10 / 8
  p.generation = 2;
  EXPECT_DOUBLE_EQ(p.bytes_per_ns(), 0.5);
  p.generation = 5;
  p.lanes = 16;
  EXPECT_DOUBLE_EQ(p.bytes_per_ns(), 32.0 * 16 * 128 / 130 / 8);
  p.lanes = 3;
  EXPECT_THROW(p.validate(), ConfigError);
  p.lanes = 16;
  p.max_payload_bytes = 384;
  EXPECT_THROW(p.validate(), ConfigError);
  p.max_payload_bytes = 4096;
  EXPECT_NO_THROW(p.validate());
}

TEST(PcieLinkParams, WireTimeFormula) {
  const PcieLinkParams p = gen3_x4();
  EXPECT_EQ(PcieLink::tlp_count(0, 256), 1u);
  EXPECT_EQ(PcieLink::tlp_count(256, 256), 1u);
  EXPECT_EQ(PcieLink::tlp_count(257, 256), 2u);
  expect_ps(PcieLink::tlp_wire_time(64, p), gen3_x4_ps(64 + 24));           // 22.344 ns
  expect_ps(PcieLink::tlp_wire_time(4096, p), gen3_x4_ps(4096 + 16 * 24));  // 1137.5 ns
  expect_ps(PcieLink::tlp_wire_time(300, p), gen3_x4_ps(300 + 2 * 24));
  expect_ps(PcieLink::read_request_wire_time(4096, p), gen3_x4_ps(8 * 24));  // 8 x MRRS 512
  expect_ps(PcieLink::completion_wire_time(4096, p), gen3_x4_ps(4096 + 16 * 20));
  expect_ps(PcieLink::completion_wire_time(0, p), gen3_x4_ps(20));
}

// Generation 6 (FLIT mode): 64 GT/s x 16 lanes, PAM4 1b/1b: 128 GB/s raw per direction, of
// which 236/256 carry TLP bytes (118 GB/s); a request TLP costs its 16 B header base only.
TEST(PcieLinkParams, Gen6FlitModeRateAndOverhead) {
  PcieLinkParams p = default_params<PcieLinkParams>();
  p.generation = 6;
  p.lanes = 16;
  p.max_payload_bytes = 256;
  EXPECT_NO_THROW(p.validate());
  EXPECT_TRUE(p.flit_mode());
  EXPECT_DOUBLE_EQ(p.raw_bytes_per_ns(), 64.0 * 16 / 8);  // 128 GB/s
  EXPECT_DOUBLE_EQ(p.bytes_per_ns(), 128.0 * 236 / 256);  // 118 GB/s
  EXPECT_EQ(p.request_tlp_overhead(), 16u);
  EXPECT_EQ(p.completion_tlp_overhead(), 12u);
  // A 64 KiB posted write at MPS 256: 256 TLPs of 256 + 16 B = 69632 TLP bytes, which fill
  // 69632 / 236 = 295.05 flits of 256 B at 128 B/ns: 69632 x 256 / 236 / 128 = 590.10 ns.
  const double expected_ps = 65536.0 / 256 * (256 + 16) * 256 / 236 / 128 * 1000;
  expect_ps(PcieLink::tlp_wire_time(65536, p), expected_ps);
  // A 4 KiB read's completions: 16 x (256 + 12 B); its requests: 8 x 16 B at MRRS 512.
  expect_ps(PcieLink::completion_wire_time(4096, p), (4096 + 16 * 12) / p.bytes_per_ns() * 1000);
  expect_ps(PcieLink::read_request_wire_time(4096, p), 8 * 16 / p.bytes_per_ns() * 1000);
  // Generation 5 is not FLIT mode: 32 GT/s x 16 x 128/130, 24 B per request TLP.
  p.generation = 5;
  EXPECT_FALSE(p.flit_mode());
  EXPECT_EQ(p.request_tlp_overhead(), 24u);
  EXPECT_EQ(p.completion_tlp_overhead(), 20u);
  EXPECT_DOUBLE_EQ(p.bytes_per_ns(), p.raw_bytes_per_ns());
  p.generation = 7;
  EXPECT_THROW(p.validate(), ConfigError);
}

TEST(PcieLink, Gen6PostedWriteOnTheLink) {
  PcieLinkParams p = default_params<PcieLinkParams>();
  p.generation = 6;
  p.lanes = 16;
  p.max_payload_bytes = 256;
  p.hop_latency_ns = 150;
  LinkFixture f(p);
  std::vector<uint8_t> buf(65536, 1);
  sc_time d = SC_ZERO_TIME;
  tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x10000, buf.data(), 65536, d);
  const double wire_ps = 65536.0 / 256 * (256 + 16) * 256 / 236 / 128 * 1000;  // 590.10 ns
  expect_ps(d, wire_ps);
  expect_ps(f.host->arrival_delay, wire_ps + 150000);
  EXPECT_EQ(f.stat("up.tlps"), 256u);
  EXPECT_EQ(f.stat("up.bytes"), 256u * (256 + 16));
}

// Saturating both directions with 256 B posted writes, issued in turn (up, down, up, ...), all
// at time 0 with no hop and no far-side time: each direction carries its own TLPs (280 B) and,
// from the other direction, one 8 B ACK DLLP per ack_coalesce_tlps of its TLPs. The k-th ACK
// lands right after the (k N)-th TLP, so the last of K TLPs leaves at K T + (K / N - 1) d, and
// the payload throughput is 256 / (280 + 8 / N) of the TLP-byte rate instead of 256 / 280.
struct DuplexResult {
  sc_time last_up_sent;
  sc_time last_down_sent;
};
DuplexResult duplex_writes(LinkFixture& f, int writes) {
  f.host->service = SC_ZERO_TIME;
  std::vector<uint8_t> buf(256, 1);
  DuplexResult r;
  for (int i = 0; i < writes; ++i) {
    sc_time up = SC_ZERO_TIME, down = SC_ZERO_TIME;
    tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 256, up);
    tlm_access(f.cpu->socket, tlm::TLM_WRITE_COMMAND, 0x2000, buf.data(), 256, down);
    r.last_up_sent = up;
    r.last_down_sent = down;
  }
  return r;
}

TEST(PcieLinkDllp, AckDllpsTakeTheOtherDirectionsWireTime) {
  constexpr int kWrites = 64;
  constexpr int kEvery = 4;
  PcieLinkParams p = gen3_x4();
  p.hop_latency_ns = 0;
  p.ack_coalesce_tlps = kEvery;
  LinkFixture f(p);
  const DuplexResult r = duplex_writes(f, kWrites);
  const double tlp_ps = std::ceil(gen3_x4_ps(256 + 24));  // 71.094 ns, booked in whole ps
  const double dllp_ps = std::ceil(gen3_x4_ps(8));        // 2.032 ns
  // Each ACK goes out within the next TLP job of its direction: downstream TLPs 4, 8, ..., 64
  // carry the 16 ACKs of the upstream ones; upstream TLPs 5, 9, ..., 61 carry 15 (the last is
  // still owed).
  const double expected = kWrites * tlp_ps + (kWrites / kEvery - 1) * dllp_ps;
  EXPECT_NEAR(static_cast<double>(to_ps(r.last_up_sent)), expected, 16.0);
  EXPECT_NEAR(static_cast<double>(to_ps(r.last_down_sent)), expected + dllp_ps, 16.0);
  EXPECT_EQ(f.stat("up.dllps"), 16u);  // the ACKs of the 64 downstream TLPs
  EXPECT_EQ(f.stat("down.dllps"), 16u);
  EXPECT_EQ(f.stat("down.dllp_bytes"), 16u * 8);
  EXPECT_EQ(f.stat("up.tlps"), 64u);  // DLLPs are not TLPs
  // The throughput reduction: 256 / (280 + 8 / 4) against 256 / 280, i.e. 0.71 %.
  const double payload_gbps = kWrites * 256 / (static_cast<double>(to_ps(r.last_up_sent)) / 1000);
  const double ideal_gbps = 256.0 / 280 * p.bytes_per_ns();
  EXPECT_NEAR(payload_gbps / ideal_gbps, 280.0 / (280 + 8.0 / kEvery), 0.001);
}

TEST(PcieLinkDllp, NoAckDllpsWhenOffOrInFlitMode) {
  PcieLinkParams p = gen3_x4();
  p.hop_latency_ns = 0;
  p.ack_coalesce_tlps = 0;
  {
    LinkFixture f(p);
    const DuplexResult r = duplex_writes(f, 64);
    EXPECT_EQ(static_cast<double>(to_ps(r.last_up_sent)), 64 * std::ceil(gen3_x4_ps(280)));
    EXPECT_EQ(f.stat("down.dllps"), 0u);
  }
  p.ack_coalesce_tlps = 1;
  p.generation = 6;  // ACKs ride in the flits' DLP bytes
  p.lanes = 16;
  LinkFixture f(p);
  const DuplexResult r = duplex_writes(f, 64);
  const double tlp_ps = std::ceil((256 + 16) / p.bytes_per_ns() * 1000);
  EXPECT_NEAR(static_cast<double>(to_ps(r.last_up_sent)), 64 * tlp_ps, 64.0);
  EXPECT_EQ(f.stat("down.dllps"), 0u);
  EXPECT_EQ(f.stat("up.dllps"), 0u);
}

// With finite posted credits the receiver returns them with an UpdateFC DLLP on the other
// direction when it has completed the write: a downstream write arriving just then waits for it.
TEST(PcieLinkDllp, UpdateFcDllpPerCreditReturnOfALimitedType) {
  PcieLinkParams p = gen3_x4();
  p.hop_latency_ns = 0;
  p.ack_coalesce_tlps = 0;
  p.flow_control.posted_header = 64;  // plenty: no credit stall, only the DLLPs
  p.flow_control.posted_data = 4096;
  {
    LinkFixture f(p);
    f.host->service = SC_ZERO_TIME;
    f.regs->service = SC_ZERO_TIME;
    std::vector<uint8_t> buf(256, 1);
    const double tlp_ps = std::ceil(gen3_x4_ps(280));
    const double dllp_ps = std::ceil(gen3_x4_ps(8));
    sc_time up = SC_ZERO_TIME;
    tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 256, up);
    EXPECT_EQ(static_cast<double>(to_ps(up)), tlp_ps);
    EXPECT_EQ(f.stat("down.dllps"), 1u);  // UpdateFC-P for the upstream write
    // A downstream write arriving when that DLLP starts waits for it; the same limits apply
    // downstream, so its credits come back up in an UpdateFC too.
    sc_time down = up;
    tlm_access(f.cpu->socket, tlm::TLM_WRITE_COMMAND, 0x2000, buf.data(), 256, down);
    EXPECT_NEAR(static_cast<double>(to_ps(down)), tlp_ps + dllp_ps + tlp_ps, 1.0);
    EXPECT_EQ(f.stat("up.dllps"), 1u);
    EXPECT_EQ(f.stat("up.credit_stalls"), 0u);
  }
  // Infinite credits (the default): no UpdateFC at all.
  LinkFixture g(gen3_x4());
  std::vector<uint8_t> buf(256, 1);
  sc_time d = SC_ZERO_TIME;
  tlm_access(g.device->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 256, d);
  EXPECT_EQ(g.stat("down.dllps"), 0u);
}

// The PASID TLP prefix (PCIe Base Spec 6.0 6.20, 1 DW) on each request TLP of a DMA with a
// valid PASID; completions carry none. ACK DLLPs are off to compare TLP bytes alone.
tlm::tlm_response_status tagged_access(LinkFixture& f, tlm::tlm_command cmd, uint64_t addr,
                                       uint8_t* data, uint32_t len, bool pasid_valid, sc_time& d) {
  tlm::tlm_generic_payload gp;
  gp.set_command(cmd);
  gp.set_address(addr);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  IoAttrs attrs;
  attrs.pasid = 5;
  attrs.pasid_valid = pasid_valid;
  gp.set_extension(&attrs);
  f.device->socket->b_transport(gp, d);
  gp.clear_extension(&attrs);
  return gp.get_response_status();
}

TEST(PcieLink, PasidPrefixOnEachRequestTlpOfATaggedDma) {
  PcieLinkParams p = gen3_x4();
  p.ack_coalesce_tlps = 0;
  std::vector<uint8_t> buf(4096, 1);
  for (const bool tagged : {false, true}) {
    LinkFixture f(p);
    const uint32_t prefix = tagged ? 4 : 0;
    // A 4 KiB write: 16 TLPs (MPS 256) of 24 (+ 4) B + data.
    sc_time w = SC_ZERO_TIME;
    ASSERT_EQ(tagged_access(f, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 4096, tagged, w),
              tlm::TLM_OK_RESPONSE);
    expect_ps(w, gen3_x4_ps(4096 + 16 * (24 + prefix)));  // 1137.5 ns, tagged 1153.75 ns
    EXPECT_EQ(f.stat("up.bytes"), 4096u + 16 * (24 + prefix));
    // A 4 KiB read, after the write has left: 8 requests (MRRS 512) of 24 (+ 4) B up, the host's
    // 100 ns, 16 completions of 20 B + data down (no prefix), two hops.
    sc_time r = w;
    ASSERT_EQ(tagged_access(f, tlm::TLM_READ_COMMAND, 0x3000, buf.data(), 4096, tagged, r),
              tlm::TLM_OK_RESPONSE);
    expect_ps(r - w, gen3_x4_ps(8 * (24 + prefix)) + 150000 + 100000 + gen3_x4_ps(4096 + 16 * 20) +
                         150000);
    EXPECT_EQ(f.stat("up.bytes"), 4096u + 16 * (24 + prefix) + 8 * (24 + prefix));
    EXPECT_EQ(f.stat("down.bytes"), 4096u + 16 * 20);
  }
  // A payload without IoAttrs (e.g. a bare test initiator) carries no prefix either.
  LinkFixture f(p);
  sc_time d = SC_ZERO_TIME;
  tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 256, d);
  EXPECT_EQ(f.stat("up.bytes"), 256u + 24);
}

TEST(PcieLink, PostedWriteCompletesWhenSent) {
  LinkFixture f;
  std::vector<uint8_t> buf(4096, 1);
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 64, d),
            tlm::TLM_OK_RESPONSE);
  expect_ps(d, gen3_x4_ps(88));
  // The host saw it one hop after the last byte was sent.
  expect_ps(f.host->arrival_delay, gen3_x4_ps(88) + 150000);
  EXPECT_EQ(f.stat("up.tlps"), 1u);
  EXPECT_EQ(f.stat("up.bytes"), 88u);
  EXPECT_EQ(f.stat("up.payload_bytes"), 64u);
  EXPECT_EQ(f.stat("down.tlps"), 0u);
}

TEST(PcieLink, NonPostedWriteIncludesHostTime) {
  PcieLinkParams p = gen3_x4();
  p.posted_writes = false;
  LinkFixture f(p);
  std::vector<uint8_t> buf(4096, 1);
  sc_time d = ns(1000);  // the device's local time offset is the arrival time
  tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 4096, d);
  expect_ps(d, 1000000 + gen3_x4_ps(4096 + 16 * 24) + 150000 + 100000);
  EXPECT_EQ(f.stat("up.tlps"), 16u);
}

TEST(PcieLink, BackToBackWritesQueueOnTheLink) {
  LinkFixture f;
  std::vector<uint8_t> buf(4096, 1);
  sc_time d1 = SC_ZERO_TIME, d2 = SC_ZERO_TIME;
  tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x1000, buf.data(), 4096, d1);
  tlm_access(f.device->socket, tlm::TLM_WRITE_COMMAND, 0x2000, buf.data(), 4096, d2);
  const double one = gen3_x4_ps(4096 + 16 * 24);  // 1137.5 ns
  expect_ps(d1, one);
  expect_ps(d2, 2 * one);
  expect_ps(f.link->upstream().wait_time(), one);
}

TEST(PcieLink, ReadIsRequestsThenHostThenCompletions) {
  LinkFixture f;
  std::vector<uint8_t> buf(4096, 0);
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.device->socket, tlm::TLM_READ_COMMAND, 0x3000, buf.data(), 4096, d),
            tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(buf[4095], 0xa5);
  // 8 requests (MRRS 512) x 24 B up, hop, host 100 ns, 16 completions (MPS 256) x 20 B + data
  // down, hop: 48.75 + 150 + 100 + 1121.25 + 150 = 1570 ns.
  expect_ps(d, gen3_x4_ps(8 * 24) + 150000 + 100000 + gen3_x4_ps(4096 + 16 * 20) + 150000);
  expect_ps(d, 1570000);
  EXPECT_EQ(f.stat("up.tlps"), 8u);
  EXPECT_EQ(f.stat("up.bytes"), 192u);
  EXPECT_EQ(f.stat("down.tlps"), 16u);
  EXPECT_EQ(f.stat("down.bytes"), 4096u + 320u);
  EXPECT_EQ(f.stat("down.payload_bytes"), 4096u);

  sc_time d64 = SC_ZERO_TIME;
  tlm_access(f.device->socket, tlm::TLM_READ_COMMAND, 0x3000, buf.data(), 64, d64);
  // The 64 B read's request queues behind the first read's requests on the upstream direction
  // (free at 48.75 ns); its data is ready long before the first read's completions leave the
  // downstream direction at 1420 ns, so its completion waits for them.
  const double ready = gen3_x4_ps(8 * 24) + gen3_x4_ps(24) + 150000 + 100000;
  const double cpl_start = std::max(ready, 1420000.0);
  EXPECT_EQ(cpl_start, 1420000.0);
  expect_ps(d64, cpl_start + gen3_x4_ps(64 + 20) + 150000);
}

TEST(PcieLink, FailedReadReturnsOneEmptyCompletion) {
  LinkFixture f;
  f.host->status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
  std::vector<uint8_t> buf(1024, 0);
  sc_time d = SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(f.device->socket, tlm::TLM_READ_COMMAND, 0x3000, buf.data(), 1024, d),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
  expect_ps(d, gen3_x4_ps(2 * 24) + 150000 + 100000 + gen3_x4_ps(20) + 150000);
  EXPECT_EQ(f.stat("down.tlps"), 1u);
  EXPECT_EQ(f.stat("down.payload_bytes"), 0u);
}

TEST(PcieLink, PayloadAndIoAttrsPassThroughUntouched) {
  LinkFixture f;
  uint8_t data[16] = {};
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(0xdead000);
  gp.set_data_ptr(data);
  gp.set_data_length(16);
  gp.set_streaming_width(16);
  IoAttrs attrs;
  attrs.stream_id = 0x42;
  attrs.pasid = 7;
  attrs.pasid_valid = true;
  attrs.requester_tag = 99;
  gp.set_extension(&attrs);
  sc_time d = SC_ZERO_TIME;
  f.device->socket->b_transport(gp, d);
  EXPECT_EQ(f.host->last_gp, &gp);  // the same payload object, not a copy
  EXPECT_EQ(f.host->last_addr, 0xdead000u);
  ASSERT_TRUE(f.host->last_attrs);
  EXPECT_EQ(f.host->last_attrs->stream_id, 0x42u);
  EXPECT_EQ(f.host->last_attrs->pasid, 7u);
  EXPECT_TRUE(f.host->last_attrs->pasid_valid);
  EXPECT_EQ(f.host->last_attrs->requester_tag, 99u);
  gp.clear_extension(&attrs);
}

TEST(PcieLink, MmioGoesDownstream) {
  LinkFixture f;
  f.regs->service = ns(20);
  uint64_t v = 0x1234;
  sc_time d = SC_ZERO_TIME;
  tlm_access(f.cpu->socket, tlm::TLM_WRITE_COMMAND, 0x1040, &v, 8, d);
  EXPECT_EQ(f.regs->last_addr, 0x1040u);
  EXPECT_TRUE(f.regs->last_write);
  expect_ps(d, gen3_x4_ps(8 + 24));
  EXPECT_EQ(f.stat("down.tlps"), 1u);
  EXPECT_EQ(f.stat("down.bytes"), 32u);

  sc_time r = SC_ZERO_TIME;
  uint32_t w = 0;
  tlm_access(f.cpu->socket, tlm::TLM_READ_COMMAND, 0x1100, &w, 4, r);
  EXPECT_EQ(w, 0xa5a5a5a5u);
  // The request queues behind the write on the downstream direction; the completion goes up.
  expect_ps(r, gen3_x4_ps(32) + gen3_x4_ps(24) + 150000 + 20000 + gen3_x4_ps(4 + 20) + 150000);
  EXPECT_EQ(f.stat("up.tlps"), 1u);
  EXPECT_EQ(f.stat("up.payload_bytes"), 4u);
  EXPECT_EQ(f.host->calls, 0);
}

}  // namespace
}  // namespace wdsim
