// The PCIe fabric in a whole system: where a device attaches (system.devices[].attach: a root
// port, a switch of system.pcie.switches, integrated), the scenario's checks of it, and ATS/PRI
// messages crossing the device's path (sim/pcie, sim/system/topology.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/base/params.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

uint64_t counter(SimEnv& env, const std::string& key) {
  const Counter* c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

double mean_latency_ns(SimEnv& env, uint32_t size) {
  const Histogram* h =
      env.stats().find_histogram("workload.doorbell." + std::to_string(size) + ".latency_ns");
  return h ? h->mean() : 0;
}

std::string compare(const std::string& key_value) {
  return "processes.0.threads.0.compare." + key_value;
}

// Two switches, sw1 below sw0's port 0; one ZIP device at port 1 of whichever switch it names.
const char* kFabric = R"(
system:
  pcie:
    switches:
      - {name: sw0, downstream_ports: 2}
      - {name: sw1, switch: sw0, port: 0, downstream_ports: 2}
  devices:
    - kind: zip
      attach: {port: 1}
)";

RunOutcome run(const std::vector<std::string>& extra, SimEnv& env) {
  std::vector<std::string> sets = {compare("paths=[doorbell]"), compare("sizes=[4096]"),
                                   compare("requests=4"), compare("warmup_requests=0"),
                                   compare("buffers=populate")};
  sets.insert(sets.end(), extra.begin(), extra.end());
  Scenario sc = load_scenario_text(kFabric, "fabric.yaml", sets);
  return run_system(sc, env);
}

std::string error_of(const std::string& yaml) {
  try {
    load_scenario_text(yaml, "bad.yaml", {});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(PcieFabricSystem, EachHopAddsLatencyAndTrafficCrossesEverySwitchOnThePath) {
  std::vector<double> latency;
  for (const char* where : {"integrated=true", "switch=", "switch=sw0", "switch=sw1"}) {
    SimEnv env(1);
    RunOutcome o = run({std::string("system.devices.0.attach.") + where}, env);
    ASSERT_TRUE(o.ok) << where << ": " << o.error;
    latency.push_back(mean_latency_ns(env, 4096));
    const std::string w = where;
    EXPECT_EQ(counter(env, "pcie.sw0.port1.requests") > 0, w == "switch=sw0") << w;
    EXPECT_EQ(counter(env, "pcie.sw0.port0.requests") > 0, w == "switch=sw1") << w;
    EXPECT_EQ(counter(env, "pcie.sw1.port1.requests") > 0, w == "switch=sw1") << w;
    if (w == "switch=sw1") {
      // Every upstream request of the device crosses both switches and both upstream links.
      EXPECT_EQ(counter(env, "pcie.sw1.port1.requests"), counter(env, "pcie.sw0.port0.requests"));
      EXPECT_EQ(counter(env, "pcie.sw1_link.up.tlps"), counter(env, "pcie.pcie_link.up.tlps"));
      EXPECT_EQ(counter(env, "pcie.sw0.unrouted") + counter(env, "pcie.sw1.unrouted"), 0u);
    }
  }
  ASSERT_EQ(latency.size(), 4u);
  EXPECT_GT(latency[0], 0.0);
  for (size_t i = 1; i < latency.size(); ++i) EXPECT_GT(latency[i], latency[i - 1]) << i;
}

TEST(PcieFabricSystem, AtsMessagesCrossTheDevicePath) {
  SimEnv env(1);
  RunOutcome o = run({"system.devices.0.attach.switch=sw1", "system.devices.0.qm.ats=true"}, env);
  ASSERT_TRUE(o.ok) << o.error;
  const uint64_t tr = counter(env, "qm.ats.translation_requests");
  ASSERT_GT(tr, 0u);
  // Each Translation Request is one upstream message on every link of the path, answered by
  // one completion on each; the root complex hands each to the SMMU.
  for (const char* link : {"pcie_link", "sw1_link", "sw0_link"}) {
    EXPECT_EQ(counter(env, std::string("pcie.") + link + ".up.messages"), tr) << link;
    EXPECT_EQ(counter(env, std::string("pcie.") + link + ".down.answers"), tr) << link;
  }
  EXPECT_EQ(counter(env, "pcie.root_complex.ats_messages"), tr);
  EXPECT_EQ(counter(env, "smmu.ats.translation_requests"), tr);
  // The munmap at exit sends ATC invalidations down the same path to the device.
  const uint64_t inv = counter(env, "qm.ats.invalidate_requests");
  EXPECT_GT(inv, 0u);
  EXPECT_EQ(counter(env, "pcie.sw0_link.down.messages"), inv);
  EXPECT_EQ(counter(env, "pcie.pcie_link.up.answers"), inv);
}

TEST(PcieFabricSystem, BadAttachmentsAreLocatedErrors) {
  EXPECT_NE(error_of("system: {devices: [{kind: zip, attach: {switch: nope}}]}\n")
                .find("system.devices.0.attach.switch: no switch named nope"),
            std::string::npos);
  EXPECT_NE(error_of("system: {pcie: {switches: [{name: s, downstream_ports: 2}]}, devices: "
                     "[{kind: zip, attach: {switch: s, port: 2}}]}\n")
                .find("switch s has 2 downstream ports"),
            std::string::npos);
  EXPECT_NE(error_of("system: {pcie: {switches: [{name: s}]}, devices: [{kind: zip, attach: "
                     "{switch: s, port: 1}}, {kind: sec, attach: {switch: s, port: 1}}]}\n")
                .find("port 1 of switch s is also system.devices.0's"),
            std::string::npos);
  EXPECT_NE(error_of("system: {devices: [{kind: zip, attach: {root_port: 3}}, {kind: sec, "
                     "attach: {root_port: 3}}]}\n")
                .find("root port 3 already ends system.devices.0's link"),
            std::string::npos);
  EXPECT_NE(error_of("system: {pcie: {switches: [{name: s}]}, devices: [{kind: zip, attach: "
                     "{switch: s, integrated: true}}]}\n")
                .find("an integrated endpoint"),
            std::string::npos);
  EXPECT_NE(error_of("system: {pcie: {switches: [{name: a, switch: b}, {name: b}]}}\n")
                .find("no switch named b listed before this one"),
            std::string::npos);
  EXPECT_NE(error_of("system: {pcie: {switches: [{name: a}, {name: a}]}}\n")
                .find("switch name a is also switches.0's"),
            std::string::npos);
  EXPECT_NE(error_of("system: {pcie: {switches: [{name: Bad-Name}]}}\n").find("lower-case"),
            std::string::npos);
  // Generation 6 is the last one modelled; 7 is refused at load, with its key.
  const std::string gen7 = error_of("system: {pcie: {generation: 7}}\n");
  EXPECT_NE(gen7.find("system.pcie.generation"), std::string::npos) << gen7;
  EXPECT_NE(gen7.find("out of range"), std::string::npos) << gen7;
  EXPECT_NE(error_of("system: {pcie: {switches: [{name: s, link: {generation: 7}}]}}\n")
                .find("system.pcie.switches.0.link.generation"),
            std::string::npos);
  EXPECT_EQ(
      load_scenario_text("system: {pcie: {generation: 6}}\n", "ok.yaml", {}).system.pcie.generation,
      6u);
  // A switch's upstream link takes system.pcie's values unless it gives its own.
  Scenario sc = load_scenario_text(
      "system: {pcie: {lanes: 4, switches: [{name: s, link: {generation: 3}}]}}\n", "ok.yaml", {});
  ASSERT_EQ(sc.system.switches.size(), 1u);
  EXPECT_EQ(sc.system.switches[0].link.lanes, 4u);
  EXPECT_EQ(sc.system.switches[0].link.generation, 3u);
  EXPECT_EQ(sc.system.pcie.generation, 4u);
  // ACS redirect and direct peer-to-peer contradict each other: refused at the switch's keys.
  const std::string both =
      error_of("system: {pcie: {switches: [{name: s, peer_to_peer: true, acs_redirect: true}]}}\n");
  EXPECT_NE(both.find("system.pcie.switches.0.acs_redirect"), std::string::npos) << both;
  EXPECT_NE(both.find("turn one of them off"), std::string::npos) << both;
}

// ACS redirect on both switches wires the root complex's peer route back down (through the ID
// router) but changes nothing for a workload without peer-to-peer traffic: the same latency
// as without it, no peer request, and the device's requests still reach the SMMU.
TEST(PcieFabricSystem, AcsRedirectChangesNothingWithoutPeerTraffic) {
  SimEnv off_env(1), on_env(1);
  RunOutcome off = run({"system.devices.0.attach.switch=sw1"}, off_env);
  RunOutcome on =
      run({"system.devices.0.attach.switch=sw1", "system.pcie.switches.0.acs_redirect=true",
           "system.pcie.switches.1.acs_redirect=true"},
          on_env);
  ASSERT_TRUE(off.ok && on.ok) << off.error << on.error;
  EXPECT_EQ(mean_latency_ns(on_env, 4096), mean_latency_ns(off_env, 4096));
  EXPECT_EQ(counter(on_env, "pcie.root_complex.peer_requests"), 0u);
  EXPECT_EQ(counter(on_env, "pcie.sw0.redirected") + counter(on_env, "pcie.sw1.redirected"), 0u);
  EXPECT_EQ(counter(on_env, "pcie.root_complex.dma_writes"),
            counter(off_env, "pcie.root_complex.dma_writes"));
  EXPECT_NE(on_env.stats().find_counter("pcie.pcie_id_router.port0.peer_requests"), nullptr);
}

}  // namespace
}  // namespace wdsim
