#include "sim/system/scenario.h"

#include <filesystem>
#include <set>

namespace wdsim {

void SystemParams::declare(ParamScope& s) {
  auto sub = [&](const char* name, auto& p) {
    ParamScope scope = s.sub(name);
    p.declare(scope);
  };
  sub("dram", dram);
  sub("host_bus", host_bus);
  sub("host", host);
  sub("smmu", smmu);
  sub("pcie", pcie);
  sub("root_complex", root_complex);
  sub("qm", qm);
  sub("zip", zip);
  sub("runtime", runtime);
}

void WorkloadParams::declare(ParamScope& s) {
  s.add_list("paths", paths, {"doorbell", "syscall"}, {"doorbell", "syscall"},
             "Submission paths to compare: user-space doorbell (UACCE/SVA) or syscall "
             "(kernel driver with DMA mapping)",
             "the question wdsim exists to answer");
  s.add_list("sizes", sizes, {64, 1024, 4096, 65536}, "B", "Request sizes", "issue 2",
             Range::between(1, 8 * 1024 * 1024));
  s.add("requests", requests, 20u, "requests", "Measured requests per (path, size) point",
        "guess: enough for p99 at these sizes", Range::between(1, 1000000));
  s.add("warmup_requests", warmup_requests, 1u, "requests",
        "Requests per point run first and not measured (cold IOTLB, first interrupt)",
        "guess", Range::between(0, 1000000));
  s.add_choice("op", op, "compress", {"compress"},
               "Operation (decompression workloads come with issue 4)", "issue 2");
  s.add_choice("format", format, "zlib", {"deflate", "zlib", "gzip"}, "Compressed format",
               "UADK wd_comp formats");
  s.add_choice("data", data, "text", {"text", "random", "zeros"},
               "Input data: generated text (compresses ~3x), random bytes (incompressible) "
               "or zeros", "guess");
  s.add("footprint_bytes", footprint_bytes, 0u, "B",
        "Streaming: the buffers span this many bytes and each request takes the next slot of "
        "its size (wrapping), so the device keeps touching new pages; 0 = one slot (the same "
        "buffers every request)",
        "issue 3 (streaming workload for IOTLB/page-size sweeps)",
        Range::between(0, 1ull << 34));
  s.add_choice("buffers", buffers, "populate", {"populate", "demand", "pretouch", "pin"},
               "Destination buffers: populate = one buffer per size, mapped with MAP_POPULATE; "
               "the others use a fresh, untouched buffer for every request: demand = the "
               "device's first touch faults (I/O page faults), pretouch = the CPU writes each "
               "page first (CPU faults, timed), pin = pinned first (fault-in + pin cost, timed)",
               "issue 3 (iopf vs pretouch vs pinning)");
  s.add("poll_timeout_us", poll_timeout_us, 100000.0, "us",
        "How long a request may take before the run fails as hung", "guess",
        Range::min(0.001));
}

void OutputParams::declare(ParamScope& s) {
  s.add("trace", trace, true, "", "Write trace.txt (the canonical protocol trace)", "issue 2");
  s.add("chrome_trace", chrome_trace, true, "",
        "Write trace.json (Chrome trace-event format, opens in Perfetto UI)", "DESIGN.md");
}

void Scenario::declare(ParamScope& s) {
  s.add("seed", seed, 1u, "", "Seed of every random stream in the run", "DESIGN.md",
        Range::min(0));
  ParamScope sys = s.sub("system");
  system.declare(sys);
  ParamScope wl = s.sub("workload");
  workload.declare(wl);
  ParamScope out = s.sub("output");
  output.declare(out);
}

namespace {

// The sweep section: `sweep: {key.path: [v1, v2], ...}`. Each key must be a parameter;
// each point is checked later by loading the scenario with its --set values.
std::vector<SweepAxis> load_sweep(const ConfigTree& tree) {
  std::vector<SweepAxis> axes;
  if (!tree.has("sweep")) return axes;
  tree.mark_used("sweep");
  auto keys = tree.keys("sweep");
  if (keys.empty()) config_error(tree.location("sweep"), "sweep", "expected a map of key: [values]");
  std::set<std::string> declared;
  for (const auto& spec : describe_scenario()) declared.insert(spec.key_path);
  for (const auto& key : keys) {
    const std::string path = "sweep." + key;
    const SourceLocation where = tree.literal_key_location("sweep", key);
    if (!declared.count(key)) config_error(where, path, "not a parameter");
    auto values = tree.literal_key_list("sweep", key);
    if (!values || values->empty()) {
      config_error(where, path, "expected a non-empty list of values");
    }
    axes.push_back({key, *values});
  }
  return axes;
}

Scenario load_tree(const ConfigTree& tree, const std::string& name) {
  Scenario sc = load_params<Scenario>(tree, "");
  sc.sweep = load_sweep(tree);
  tree.check_all_used("");
  sc.name = name;
  sc.file = tree.file();
  return sc;
}

}  // namespace

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets,
                       uint64_t seed_override) {
  ConfigTree tree = ConfigTree::from_file(path);
  for (const auto& s : sets) tree.apply_override(s);
  Scenario sc = load_tree(tree, std::filesystem::path(path).stem().string());
  if (seed_override) sc.seed = seed_override;
  return sc;
}

Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::vector<std::string>& sets) {
  ConfigTree tree = ConfigTree::from_string(text, name);
  for (const auto& s : sets) tree.apply_override(s);
  return load_tree(tree, name);
}

std::vector<ParamSpec> describe_scenario() { return describe_params<Scenario>(""); }

std::vector<std::vector<std::string>> sweep_points(const std::vector<SweepAxis>& axes) {
  std::vector<std::vector<std::string>> points{{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& p : points) {
      for (const auto& v : axis.values) {
        auto q = p;
        q.push_back(axis.key + "=" + v);
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

}  // namespace wdsim
