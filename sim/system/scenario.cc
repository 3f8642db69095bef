#include "sim/system/scenario.h"

#include <filesystem>
#include <set>

#include "sim/cpu_host/process.h"

namespace wdsim {

void SecFunctionParams::declare(ParamScope& s) {
  s.add("enabled", enabled, false, "",
        "Add the SEC function: its own QM (system.sec_qm), PCIe link and BAR, kernel QM driver "
        "and uacce device hisi_sec2-0 (needed by workload.kind crypto)",
        "issue 4");
  engine.declare(s);
}

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
  s.require("host.iopf", host.iopf != "pri" || qm.ats,
            "pri needs an ATS-capable device (system.qm.ats: true)");
  sub("zip", zip);
  sub("sec", sec);
  sub("sec_qm", sec_qm);
  sub("runtime", runtime);
  if (sec.enabled) {
    s.require("sec_qm.stream_id", sec_qm.stream_id != qm.stream_id,
              "must differ from system.qm.stream_id when system.sec.enabled (e.g. 1)");
    const bool msi_overlap =
        sec_qm.msi_data + 1 >= qm.msi_data && sec_qm.msi_data <= qm.msi_data + 1;
    s.require("sec_qm.msi_data", !msi_overlap,
              "the SEC vectors (msi_data, msi_data + 1) must differ from the ZIP QM's (e.g. 2)");
    s.require("sec_qm.ats", !sec_qm.ats, "ATS is modelled for the ZIP function only");
  }
}

void WorkloadParams::declare(ParamScope& s) {
  s.add_choice("kind", kind, "compare", {"compare", "batch", "crypto"},
               "compare: doorbell vs syscall, one request outstanding; batch: UADK async "
               "compression (wd_do_comp_async / wd_comp_poll) at each depth and queue count; "
               "crypto: UADK cipher and digest (wd_cipher_* / wd_digest_*) on the SEC function, "
               "sync and async",
               "issue 4");
  s.add_list("depths", depths, {1, 2, 4, 8, 16, 32, 64}, "requests",
             "batch: requests kept outstanding, one point per depth", "issue 4",
             Range::between(1, 1000));
  s.add_list("queues", queues, {1}, "ctxs",
             "batch: async ctxs (hardware queues) the requests are spread over round robin, one "
             "point per value",
             "issue 4", Range::between(1, 64));
  s.add_list("crypto_algs", crypto_algs,
             {"cbc(aes)", "xts(aes)", "cbc(sm4)", "sha256", "hmac(sha256)", "sm3"},
             {"ecb(aes)", "cbc(aes)", "ctr(aes)", "xts(aes)", "ecb(sm4)", "cbc(sm4)", "ctr(sm4)",
              "sha1", "sha256", "sha512", "sm3", "hmac(sha256)", "hmac(sm3)"},
             "crypto: UADK algorithm names (wd_cipher_init2 / wd_digest_init2)", "issue 4");
  s.add_list("crypto_modes", crypto_modes, {"sync", "async"}, {"sync", "async"},
             "crypto: wd_do_*_sync (one at a time) and/or wd_do_*_async (async_depth outstanding)",
             "issue 4");
  s.add("async_depth", async_depth, 8u, "requests",
        "crypto: requests kept outstanding in async mode", "guess", Range::between(1, 1000));
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
  s.add_choice("op", op, "compress", {"compress", "decompress"},
               "Operation of the compare workload: compress `size` bytes, or decompress a "
               "stream (made by system zlib) that inflates to `size` bytes",
               "issue 2");
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
  s.add("page_size", page_size, 4096u, "B",
        "Page size of the process: 4096, 16384 or 65536 make it the process's translation "
        "granule (CPU and SMMU walks, TLB entries, DUS/MMIO mappings); 2097152 or 1073741824 "
        "keep the 4K granule and give the workload buffers huge pages of that size (MAP_HUGETLB), "
        "as do 33554432 on the 16K and 536870912 on the 64K granule",
        "issue 3 (page-size sweep); Linux arm64 CONFIG_ARM64_{4K,16K,64K}_PAGES and hugetlb "
        "sizes");
  s.require("page_size", process_page_size(page_size).has_value(),
            "must be 4096, 16384, 65536 (granules) or 2097152, 1073741824 (4K + huge pages), "
            "33554432 (16K + huge), 536870912 (64K + huge)");
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
  s.require("workload.kind", workload.kind != "crypto" || system.sec.enabled,
            "crypto needs the SEC function: set system.sec.enabled: true");
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
