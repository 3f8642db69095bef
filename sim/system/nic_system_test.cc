// The NIC as a system device end to end: a `kind: nic` entry of system.devices (virtio-net with
// SVA, attached to the PCIe fabric, StreamID nic.stream_id), its kernel driver (the process's
// PASID bound on that StreamID, the receive ring in the process's memory) and a `nic_rx`
// process that checks every packet byte against the traffic source.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/cpu_host/host_costs.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

uint64_t counter(SimEnv& env, const std::string& key) {
  const Counter* c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

double cell(const RunOutcome& o, const std::string& column) {
  for (const auto& t : o.report.tables) {
    if (t.name != "nic_rx") continue;
    EXPECT_EQ(t.rows.size(), 1u);
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c] == column) return std::stod(t.rows.at(0).at(c));
    }
  }
  ADD_FAILURE() << "no nic_rx." << column;
  return NAN;
}

// One NIC delivering `packets` packets at `mpps` into one nic_rx process.
std::string scenario(uint64_t packets, double mpps, uint32_t queue_size, double per_packet_ns,
                     const std::string& mode) {
  return "system:\n"
         "  devices:\n"
         "    - kind: nic\n"
         "      nic: {rx_packets: " +
         std::to_string(packets) + ", rx_rate_mpps: " + std::to_string(mpps) +
         ", rx_sizes: [64, 512, 1500]}\n"
         "processes:\n"
         "  - name: rx\n"
         "    threads:\n"
         "      - program: nic_rx\n"
         "        nic_rx: {packets: " +
         std::to_string(packets) + ", queue_size: " + std::to_string(queue_size) +
         ", per_packet_ns: " + std::to_string(per_packet_ns) + ", mode: " + mode +
         ", idle_timeout_us: 100}\n"
         "output: {trace: true, chrome_trace: false}\n";
}

RunOutcome run(const std::string& yaml, SimEnv& env) {
  return run_system(load_scenario_text(yaml, "inline", {}), env);
}

constexpr uint32_t kNicSid = 0x300;  // nic.stream_id's default

TEST(NicSystem, EveryPacketArrivesVerifiedThroughTheProcessesPasid) {
  SimEnv env(1);
  const RunOutcome o = run(scenario(400, 0.25, 256, 100, "poll"), env);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(cell(o, "received"), 400);
  EXPECT_EQ(cell(o, "drops"), 0);
  EXPECT_EQ(cell(o, "missing"), 0);
  EXPECT_EQ(cell(o, "verified"), 400);
  EXPECT_EQ(counter(env, "nic.rx.packets"), 400u);
  EXPECT_EQ(counter(env, "nic.rx.drops_no_buffer"), 0u);
  EXPECT_EQ(counter(env, "outputs.verified"), 400u);
  // Offered 0.25 Mpps, all received: the rate seen is the offered one (first arrival to last
  // packet seen spans 399 gaps plus one latency).
  EXPECT_NEAR(cell(o, "mpps"), 0.25, 0.01);
  // The driver bound the process (pid 100) on the NIC's StreamID; the NIC's DMA carried that
  // PASID: the SMMU looked up and walked that address space's context, and no other.
  const std::string trace = env.trace().to_text();
  EXPECT_NE(trace.find("sva_bind sid=" + std::to_string(kNicSid) + " pid=100 pasid=1"),
            std::string::npos);
  EXPECT_NE(trace.find("walk sid=" + std::to_string(kNicSid) + " pasid=1 "), std::string::npos);
  EXPECT_EQ(trace.find("walk sid=" + std::to_string(kNicSid) + " pasid=0 "), std::string::npos);
  const std::string space = "smmu.iotlb.by_pasid.s" + std::to_string(kNicSid) + ".p1.";
  EXPECT_GT(counter(env, space + "misses"), 0u);
  // Ring reads and writes: 4 reads (avail idx, avail entry, descriptor, avail flags) and 3
  // writes (packet, used element, used index) per packet, each translated for that PASID (the
  // micro-TLB sees every translation first).
  const std::string utlb = "smmu.utlb.by_pasid.s" + std::to_string(kNicSid) + ".p1.";
  EXPECT_EQ(counter(env, utlb + "hits") + counter(env, utlb + "misses"), 7u * 400);
  EXPECT_EQ(counter(env, "pcie.root_complex.dma_reads"), 4u * 400);
  EXPECT_EQ(counter(env, "pcie.root_complex.dma_writes"), 3u * 400);
  EXPECT_EQ(counter(env, "host.virtio_net-0.rx_irqs"), 0u);  // polled: no receive interrupts
}

TEST(NicSystem, InterruptModeCostsTheInterruptPathOverPolling) {
  SimEnv poll_env(1), irq_env(1);
  const RunOutcome poll = run(scenario(200, 0.25, 256, 100, "poll"), poll_env);
  const RunOutcome irq = run(scenario(200, 0.25, 256, 100, "interrupt"), irq_env);
  ASSERT_TRUE(poll.ok) << poll.error;
  ASSERT_TRUE(irq.ok) << irq.error;
  EXPECT_EQ(cell(irq, "verified"), 200);
  EXPECT_EQ(counter(irq_env, "host.virtio_net-0.rx_irqs"), 200u);  // one MSI per packet
  // A sleeping receiver pays at least the interrupt's entry, its handler and the wake-up
  // (system.host defaults) on top of what the polling one waits.
  const HostCostParams& h = load_scenario_text("", "d", {}).system.host;
  const double extra_us = (h.irq_entry_ns + h.irq_handler_ns + h.wakeup_ns) / 1e3;
  EXPECT_GE(cell(irq, "p50_us"), cell(poll, "p50_us") + extra_us);
}

// Drops: a program that re-posts one buffer every s = per_packet_ns (plus its reads) against
// packets arriving at rate r, with Q buffers. While r * s < 1 every packet finds a buffer. With
// r * s > 1 the Q buffers fill and from then on a packet is received only when a buffer was
// re-posted: over the T = N / r the packets span, about Q + T / s are received, the rest dropped.
TEST(NicSystem, DropsStartWhenTheRateExceedsWhatThePostedBuffersAllow) {
  constexpr uint64_t kPackets = 1000;
  constexpr double kMpps = 0.25;
  constexpr uint32_t kQueue = 64;
  {
    SimEnv env(1);
    // r * s = 0.25e6 * 2e-6 = 0.5: no drops.
    const RunOutcome o = run(scenario(kPackets, kMpps, kQueue, 2000, "poll"), env);
    ASSERT_TRUE(o.ok) << o.error;
    EXPECT_EQ(cell(o, "received"), kPackets);
    EXPECT_EQ(counter(env, "nic.rx.drops_no_buffer"), 0u);
  }
  {
    SimEnv env(1);
    constexpr double kPerPacketNs = 20000;  // r * s = 5
    const RunOutcome o = run(scenario(kPackets, kMpps, kQueue, kPerPacketNs, "poll"), env);
    ASSERT_TRUE(o.ok) << o.error;
    const double received = cell(o, "received");
    const double span_ns = kPackets / kMpps * 1e3;
    // s is per_packet_ns plus the program's reads and re-post (under 5% of it here).
    EXPECT_LE(received, kQueue + span_ns / kPerPacketNs + 1);
    EXPECT_GE(received, kQueue + span_ns / (kPerPacketNs * 1.05));
    // The device and the program agree on what was lost.
    EXPECT_EQ(counter(env, "nic.rx.drops_no_buffer"), kPackets - static_cast<uint64_t>(received));
    EXPECT_EQ(cell(o, "drops") + cell(o, "missing"), kPackets - received);
    EXPECT_EQ(cell(o, "verified"), received);
  }
}

TEST(NicSystem, TwoRunsAreByteIdentical) {
  auto once = [] {
    SimEnv env(7);
    const RunOutcome o = run(scenario(300, 0.4, 64, 6000, "interrupt"), env);
    EXPECT_TRUE(o.ok) << o.error;
    return env.trace().to_text() + env.stats().to_json();
  };
  const std::string a = once();
  EXPECT_EQ(a, once());
  EXPECT_NE(a.find("rx_drop"), std::string::npos);  // the run exercises drops too
}

TEST(NicSystem, AKilledReceiverFreesTheDeviceForTheNextProcess) {
  SimEnv env(1);
  const RunOutcome o = run(R"(
system:
  devices:
    - kind: nic
      nic: {rx_packets: 2000, rx_rate_mpps: 0.25}
processes:
  - name: rx
    threads:
      - program: nic_rx
        nic_rx: {packets: 2000}
  - name: late
    threads:
      - program: nic_rx
        start_us: 2000
        nic_rx: {packets: 100, idle_timeout_us: 100}
events:
  - {at_us: 1000, action: kill, process: rx}
output: {trace: true, chrome_trace: false}
)",
                           env);
  ASSERT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.processes.size(), 2u);
  EXPECT_EQ(o.processes[0].signal, 9);  // SIGKILL
  EXPECT_GT(o.processes[0].requests_ok, 0u);
  EXPECT_EQ(o.processes[1].requests_ok, 100u);
  // The kill's release reset the device and unbound the first PASID; the second process got
  // the device and its own binding, and every packet it took was the source's.
  EXPECT_EQ(counter(env, "host.virtio_net-0.opens"), 2u);
  EXPECT_EQ(counter(env, "host.virtio_net-0.opens_busy"), 0u);
  EXPECT_EQ(counter(env, "nic.errors"), 0u);
  const std::string trace = env.trace().to_text();
  EXPECT_NE(trace.find("sva_bind sid=" + std::to_string(kNicSid) + " pid=101"), std::string::npos);
  // What neither took was dropped while no queue was set up: the packets offered until the
  // late process's last one (its sequence number + 1: its received + drops) all are counted.
  const SummaryTable* table = nullptr;
  for (const auto& t : o.report.tables) table = t.name == "nic_rx" ? &t : table;
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->rows.size(), 2u);
  const auto col = [&](const char* name) {
    for (size_t c = 0; c < table->columns.size(); ++c) {
      if (table->columns[c] == name) return std::stoull(table->rows[1].at(c));
    }
    ADD_FAILURE() << name;
    return 0ull;
  };
  EXPECT_EQ(counter(env, "nic.rx.packets") + counter(env, "nic.rx.drops_no_buffer"),
            col("received") + col("drops"));
}

TEST(NicSystem, BadInputIsALocatedError) {
  auto error_of = [](const std::string& yaml) -> std::string {
    try {
      load_scenario_text(yaml, "bad.yaml", {});
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  // A NIC has no QM.
  EXPECT_NE(error_of("system: {devices: [{kind: nic, qm: {num_qps: 2}}]}\n"
                     "processes: [{name: a, threads: [{program: nic_rx}]}]\n")
                .find("system.devices.0.qm.num_qps: unknown key"),
            std::string::npos);
  // Packets carry the 16-byte test header.
  EXPECT_NE(error_of("system: {devices: [{kind: nic, nic: {rx_sizes: [8]}}]}\n")
                .find("system.devices.0.nic.rx_sizes"),
            std::string::npos);
  // nic_rx needs a NIC.
  EXPECT_NE(error_of("processes: [{name: a, threads: [{program: nic_rx}]}]\n")
                .find("needs a device of kind nic"),
            std::string::npos);
  // Two NICs with one StreamID.
  EXPECT_NE(error_of("system: {devices: [{kind: nic}, {kind: nic}]}\n")
                .find("system.devices.1.nic.stream_id"),
            std::string::npos);
  EXPECT_EQ(error_of("system: {devices: [{kind: zip}, {kind: nic}]}\n"), "");
}

TEST(NicSystem, DescribeShowsTheKindsParameters) {
  bool device = false, program = false;
  for (const ParamSpec& p : describe_scenario()) {
    device |= p.key_path == "system.devices[].nic.rx_rate_mpps";
    program |= p.key_path == "processes[].threads[].nic_rx.packets";
  }
  EXPECT_TRUE(device);
  EXPECT_TRUE(program);
}

}  // namespace
}  // namespace wdsim
