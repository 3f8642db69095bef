#include "sim/system/golden.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {

namespace {
constexpr const char* kScenarioExtension = ".yaml";
constexpr const char* kTraceSuffix = ".trace.txt";
}  // namespace

std::vector<GoldenCase> golden_cases(const std::string& dir, const std::vector<std::string>& only) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw ConfigError(dir + ": not a directory of golden scenarios");
  }
  std::vector<GoldenCase> all;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != kScenarioExtension) continue;
    const std::string name = e.path().stem().string();
    all.push_back(
        {name, e.path().string(), (std::filesystem::path(dir) / (name + kTraceSuffix)).string()});
  }
  std::sort(all.begin(), all.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.name < b.name; });
  if (only.empty()) return all;
  std::vector<GoldenCase> out;
  for (const std::string& n : only) {
    auto it =
        std::find_if(all.begin(), all.end(), [&](const GoldenCase& g) { return g.name == n; });
    if (it == all.end()) throw ConfigError(dir + ": no golden scenario " + n + kScenarioExtension);
    out.push_back(*it);
  }
  return out;
}

std::string scenario_trace(const std::string& scenario_path, const std::vector<std::string>& sets,
                           uint64_t seed) {
  const Scenario sc = load_scenario(scenario_path, sets, seed);
  if (!sc.sweep.empty()) {
    throw ConfigError(scenario_path + ": a golden scenario runs one point; it has a sweep");
  }
  SimEnv env(sc.seed, /*trace_enabled=*/true);
  const RunOutcome o = run_system(sc, env);
  if (!o.ok) throw SimulationFailed(scenario_path + ": " + o.error);
  return env.trace().to_text();
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw ConfigError(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) throw ConfigError(path + ": cannot be read");
  return ss.str();
}

}  // namespace wdsim
