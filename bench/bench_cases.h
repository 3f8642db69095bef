// The host-speed benchmark's cases (bench/host_speed.cc): one scenario of scenarios/bench/
// each, run as `wdsim run` runs it, and how a case's request count is changed (the
// benchmark's --scale, the scenario test's tiny runs). A case's requests are the `requests` of
// every thread entry's program; the measured requests they give are requests x the entry's
// threads x its process count x the length of every list the program's parameters hold (the
// program's points: compare's paths and sizes, batch's sizes, depths and queues, crypto's
// algs, modes and sizes), so every list a bench scenario relies on is written in its file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wdsim::bench {

struct BenchCase {
  std::string name;  // the scenario's basename
  std::string file;  // relative to the workspace root
  std::string what;  // one line for the table's legend
};

// Every case, in the order the benchmark runs and prints them.
const std::vector<BenchCase>& bench_cases();

// A case with its request counts changed: the --set overrides and the measured requests
// they give.
struct CaseRequests {
  std::vector<std::string> sets;
  uint64_t measured_requests = 0;
};

// Sets every thread entry's `requests` to requests_of(the value in the file). Throws
// std::runtime_error when the file cannot be read or an entry writes no `requests`.
CaseRequests case_requests(const std::string& file,
                           const std::function<uint64_t(uint64_t)>& requests_of);

// The file's request counts times `scale`, rounded, at least 1.
CaseRequests scaled_requests(const std::string& file, double scale);

}  // namespace wdsim::bench
