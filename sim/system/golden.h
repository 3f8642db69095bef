// The golden suite: protocol traces kept as files and compared in CI. A golden is a scenario
// `DIR/NAME.yaml` with its canonical trace `DIR/NAME.trace.txt` beside it (DIR is
// scenarios/golden); adding a golden is adding the two files. The suite test
// (golden_suite_test.cc), `wdsim check` and `wdsim golden check|update` all run a golden
// through here, so they see the same trace.
// Does not: run sweeps (a golden is one point).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace wdsim {

struct GoldenCase {
  std::string name;      // NAME
  std::string scenario;  // DIR/NAME.yaml
  std::string trace;     // DIR/NAME.trace.txt (may not exist yet)
};

// Every DIR/*.yaml, sorted by name; `only` keeps those named (ConfigError for a name with no
// scenario, or a DIR that is not a directory).
std::vector<GoldenCase> golden_cases(const std::string& dir, const std::vector<std::string>& only);

// A run that did not complete (the simulated system failed).
class SimulationFailed : public std::runtime_error {
 public:
  explicit SimulationFailed(const std::string& what) : std::runtime_error(what) {}
};

// Loads the scenario (with --set assignments and a seed override, 0 = the scenario's), runs it
// with the protocol trace on and returns the canonical trace text. Throws ConfigError for bad
// input (including a scenario with a sweep) and SimulationFailed when the run fails.
std::string scenario_trace(const std::string& scenario_path, const std::vector<std::string>& sets,
                           uint64_t seed);

// The whole file, or ConfigError naming it when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace wdsim
