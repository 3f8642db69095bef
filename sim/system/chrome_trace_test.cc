// trace.json against the trace-event format Perfetto reads: only known phases; every async
// begin has its end (same category, id and name, properly nested, not before its begin);
// zero-length slices in time order per track; each flow starts with "s", ends with "f", in time
// order; counters carry a number. Then what a run must show: a slice per measured request with
// its stages nested, flows that tie a request's doorbell, SQE fetch, engine, translations,
// memory accesses and CQE together, and the counter tracks (queue occupancy, IOTLB hits and misses,
// link bytes).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

using nlohmann::json;

// Checks the format; returns the problems found (empty when valid).
std::vector<std::string> format_problems(const json& root) {
  std::vector<std::string> bad;
  if (!root.contains("traceEvents") || !root["traceEvents"].is_array()) return {"no traceEvents"};
  const std::set<std::string> phases = {"M", "X", "b", "e", "s", "t", "f", "C"};
  std::map<std::string, std::vector<std::string>> open;        // async (cat, id) -> stack of names
  std::map<std::string, double> last_begin;                    // (cat, id, name) -> ts
  std::map<int, double> last_x;                                // tid -> last slice ts
  std::map<std::string, std::pair<double, std::string>> flow;  // id -> (last ts, last phase)
  for (const json& e : root["traceEvents"]) {
    const std::string ph = e.value("ph", "");
    if (!phases.count(ph)) bad.push_back("unknown phase " + ph);
    if (ph == "M") continue;
    if (!e.contains("ts") || !e["ts"].is_number()) {
      bad.push_back("no ts: " + e.dump());
      continue;
    }
    const double ts = e["ts"].get<double>();
    if (ph == "X") {
      const int tid = e.value("tid", -1);
      if (last_x.count(tid) && ts < last_x[tid]) bad.push_back("X out of order: " + e.dump());
      last_x[tid] = ts;
      if (!e.contains("dur")) bad.push_back("X without dur");
    } else if (ph == "b" || ph == "e") {
      const std::string key = e.value("cat", "") + "|" + e.value("id", "");
      const std::string name = e.value("name", "");
      if (ph == "b") {
        open[key].push_back(name);
        last_begin[key + "|" + name] = ts;
      } else if (open[key].empty() || open[key].back() != name) {
        bad.push_back("end without its begin (or not nested): " + e.dump());
      } else {
        open[key].pop_back();
        if (ts < last_begin[key + "|" + name]) bad.push_back("end before begin: " + e.dump());
      }
    } else if (ph == "s" || ph == "t" || ph == "f") {
      const std::string id = e["id"].dump();
      auto it = flow.find(id);
      if (ph == "s") {
        if (it != flow.end() && it->second.second != "f") bad.push_back("flow restarted " + id);
      } else if (it == flow.end() || it->second.second == "f") {
        bad.push_back("flow step without start " + id);
      } else if (ts < it->second.first) {
        bad.push_back("flow goes back in time " + id);
      }
      flow[id] = {ts, ph};
    } else if (ph == "C") {
      if (!e.contains("args") || !e["args"].contains("value") || !e["args"]["value"].is_number())
        bad.push_back("counter without a number: " + e.dump());
    }
  }
  for (const auto& [key, stack] : open) {
    if (!stack.empty()) bad.push_back("never ended: " + key + " " + stack.back());
  }
  for (const auto& [id, last] : flow) {
    if (last.second != "f") bad.push_back("flow never finished " + id);
  }
  return bad;
}

TEST(ChromeTrace, FormatCheckerCatchesBrokenTraces) {
  EXPECT_FALSE(format_problems(json::parse(R"({"traceEvents":[{"ph":"b","cat":"r","id":"1",
      "name":"a","ts":2},{"ph":"e","cat":"r","id":"1","name":"a","ts":1}]})"))
                   .empty());
  EXPECT_FALSE(
      format_problems(json::parse(R"({"traceEvents":[{"ph":"t","id":5,"ts":1}]})")).empty());
  EXPECT_FALSE(format_problems(json::parse(R"({"traceEvents":[{"ph":"i","ts":1}]})")).empty());
  EXPECT_FALSE(
      format_problems(json::parse(R"({"traceEvents":[{"ph":"s","id":5,"ts":1}]})")).empty());
}

TEST(ChromeTrace, ARunIsValidAndShowsRequestsFlowsAndCounters) {
  const Scenario sc = load_scenario("scenarios/golden/two_requests.yaml", {}, 0);
  SimEnv env(sc.seed, /*trace_enabled=*/true);
  const RunOutcome o = run_system(sc, env);
  ASSERT_TRUE(o.ok) << o.error;
  const json root = json::parse(env.trace().to_chrome_json());
  const std::vector<std::string> bad = format_problems(root);
  EXPECT_TRUE(bad.empty()) << bad.front();

  std::map<int, std::string> track;   // tid -> component
  std::map<std::string, int> begins;  // async slice name -> count
  std::set<std::string> counters;
  std::map<std::string, std::set<std::string>> flow_components;
  for (const json& e : root["traceEvents"]) {
    const std::string ph = e["ph"];
    if (ph == "M" && e.contains("tid")) track[e["tid"]] = e["args"]["name"];
    if (ph == "b") ++begins[e["name"].get<std::string>()];
    if (ph == "C") counters.insert(e["name"].get<std::string>());
    if (ph == "s" || ph == "t" || ph == "f")
      flow_components[e["id"].dump()].insert(track[e["tid"]]);
  }
  // One slice per measured request (one per path), each of its stages nested in it.
  EXPECT_EQ(begins["doorbell 4 KiB"], 1);
  EXPECT_EQ(begins["syscall 4 KiB"], 1);
  // Stages of both paths (submit, fetch, translation, engine) and of one (the others).
  for (const auto& [stage, n] : std::map<std::string, int>{{"submit", 2},
                                                           {"fetch", 2},
                                                           {"translation", 2},
                                                           {"engine", 2},
                                                           {"completion", 1},
                                                           {"copy_in", 1},
                                                           {"dma_map", 1},
                                                           {"irq_wakeup", 1}}) {
    EXPECT_EQ(begins[stage], n) << stage;
  }
  // A flow per device request, from its doorbell through the QM, the engine and the SMMU to
  // the memory accesses, starting at the doorbell that rang the SQE in.
  ASSERT_EQ(flow_components.size(), 2u);
  for (const auto& [id, components] : flow_components) {
    EXPECT_EQ(components, (std::set<std::string>{"qm", "zip", "smmu", "memory"})) << id;
  }
  std::set<double> doorbells;  // times of the QM's doorbell events
  for (const json& e : root["traceEvents"]) {
    if (e["ph"] == "X" && e["name"] == "doorbell" && track[e["tid"]] == "qm") {
      doorbells.insert(e["ts"].get<double>());
    }
  }
  int starts = 0;
  for (const json& e : root["traceEvents"]) {
    if (e["ph"] != "s") continue;
    ++starts;
    EXPECT_TRUE(doorbells.count(e["ts"].get<double>())) << e.dump();
  }
  EXPECT_EQ(starts, 2);
  for (const char* c : {"qm qp0 in flight", "smmu iotlb hits", "smmu iotlb misses",
                        "pcie.pcie_link.up bytes", "pcie.pcie_link.down bytes"}) {
    EXPECT_TRUE(counters.count(c)) << c;
  }
}

// The async and UADK kinds: each measured request a slice on its thread's track (batch
// requests in flight together overlap), the warm-up ones none, and the trace still valid.
TEST(ChromeTrace, BatchCryptoAndUadkRequestsAreSlices) {
  const Scenario sc = load_scenario_text(
      "system:\n  devices: [{kind: zip}, {kind: sec}]\n"
      "processes:\n  - name: app\n    threads:\n"
      "      - {name: b, program: batch, batch: {sizes: [4096], depths: [4], queues: [1], "
      "requests: 12, warmup_requests: 3}}\n"
      "      - {name: c, program: crypto, crypto: {algs: [cbc(aes)], modes: [sync, async], "
      "sizes: [1024], requests: 5, warmup_requests: 2}}\n"
      "  - name: other\n    threads:\n"
      "      - {name: u, program: uadk_sync, uadk_sync: {alg: zlib, size: 4096, requests: 4, "
      "warmup_requests: 1}}\n",
      "kinds.yaml", {});
  SimEnv env(sc.seed, /*trace_enabled=*/true);
  const RunOutcome o = run_system(sc, env);
  ASSERT_TRUE(o.ok) << o.error;
  const json root = json::parse(env.trace().to_chrome_json());
  const std::vector<std::string> bad = format_problems(root);
  EXPECT_TRUE(bad.empty()) << bad.front();
  std::map<std::pair<std::string, std::string>, int> begins;  // (track, name) -> count
  for (const json& e : root["traceEvents"]) {
    if (e["ph"] == "b") ++begins[{e["cat"].get<std::string>(), e["name"].get<std::string>()}];
  }
  EXPECT_EQ((begins[{"requests app/b", "batch 4 KiB q1.d4"}]), 12);
  EXPECT_EQ((begins[{"requests app/c", "cbc(aes) sync 1 KiB"}]), 5);
  EXPECT_EQ((begins[{"requests app/c", "cbc(aes) async 1 KiB"}]), 5);
  EXPECT_EQ((begins[{"requests other/u", "zlib 4 KiB"}]), 4);
}

}  // namespace
}  // namespace wdsim
