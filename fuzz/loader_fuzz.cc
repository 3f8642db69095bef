// Fuzzes the scenario loader: YAML text, --set arguments and the sweep, through the same calls
// `wdsim run` makes (load_scenario_text, sweep_points, then every point loaded with its
// settings as the sweep runner validates them).
//
// Input: sections separated by NUL bytes. The first is the scenario's YAML text; each further
// one (at most kMaxSets) is one --set argument (key.path=value).
//
// Invariant: loading ends in success or a ConfigError (anything else escapes and aborts).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "sim/base/params.h"
#include "sim/system/scenario.h"

namespace wdsim::fuzz {
namespace {

constexpr size_t kMaxSets = 16;
// Sweeps with more points than this are loaded once (the first point is not validated): the
// cost of a large sweep's validation is the sweep runner's, not the decoder's.
constexpr size_t kMaxSweepPoints = 8;

void run_one(const uint8_t* data, size_t size) {
  std::vector<std::string> sections(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      if (sections.size() > kMaxSets) break;
      sections.emplace_back();
    } else {
      sections.back().push_back(static_cast<char>(data[i]));
    }
  }
  const std::string yaml = sections[0];
  const std::vector<std::string> sets(sections.begin() + 1, sections.end());
  try {
    const Scenario sc = load_scenario_text(yaml, "fuzz", sets);
    size_t points = 1;
    for (const auto& axis : sc.sweep) {
      points *= std::max<size_t>(axis.values.size(), 1);
      if (points > kMaxSweepPoints) return;
    }
    if (sc.sweep.empty()) return;
    for (const auto& point : sweep_points(sc.sweep)) {
      std::vector<std::string> all = sets;
      all.insert(all.end(), point.begin(), point.end());
      try {
        load_scenario_text(yaml, "fuzz", all);
      } catch (const ConfigError&) {
      }
    }
  } catch (const ConfigError& e) {
    if (verbose()) std::fprintf(stderr, "ConfigError: %s\n", e.what());
  }
}

std::vector<uint8_t> seed(const std::string& yaml, const std::vector<std::string>& sets) {
  std::string s = yaml;
  for (const auto& set : sets) {
    s.push_back('\0');
    s += set;
  }
  return {s.begin(), s.end()};
}

}  // namespace

// The checked-in corpus also holds copies of scenarios/*.yaml.
std::vector<std::vector<uint8_t>> seeds() {
  const std::string compare =
      "seed: 3\n"
      "processes:\n"
      "  - name: app\n"
      "    threads:\n"
      "      - program: compare\n"
      "        compare:\n"
      "          paths: [doorbell, syscall]\n"
      "          sizes: [4096, 65536]\n"
      "          requests: 2\n"
      "          format: zlib\n";
  const std::string devices =
      "system:\n"
      "  smmu:\n"
      "    cmdq:\n"
      "      max_log2_entries: 8\n"
      "  devices:\n"
      "    - kind: zip\n"
      "    - kind: sec\n"
      "      qm:\n"
      "        use_db_isolation: true\n"
      "output:\n"
      "  trace: false\n";
  const std::string sweep = compare +
                            "sweep:\n"
                            "  system.smmu.walk_cache.enabled: [true, false]\n"
                            "  processes.0.threads.0.count, processes.0.threads.0.start_us: "
                            "[[1, 0], [2, 5]]\n";
  return {
      seed(compare, {}),
      seed(compare, {"system.dram.size_bytes=1073741824", "processes.0.threads.0.count=2"}),
      seed(devices, {"system.devices.1.qm.stream_id=9"}),
      seed(sweep, {"seed=5"}),
      seed("", {"output.trace=true", "system.host.cores=4"}),
  };
}

}  // namespace wdsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wdsim::fuzz::run_one(data, size);
  return 0;
}
