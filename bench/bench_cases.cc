#include "bench/bench_cases.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace wdsim::bench {

namespace {

constexpr const char* kDefaultProgram = "compare";  // a thread entry's default program kind

uint64_t count_of(const YAML::Node& entry) {
  return entry["count"] ? entry["count"].as<uint64_t>() : 1;
}

}  // namespace

const std::vector<BenchCase>& bench_cases() {
  static const std::vector<BenchCase> cases = {
      {"doorbell_4k_timing", "scenarios/bench/doorbell_4k_timing.yaml",
       "doorbell 4 KiB compress, ZIP timing-only mode"},
      {"doorbell_4k_real", "scenarios/bench/doorbell_4k_real.yaml",
       "doorbell 4 KiB compress, real data, checked"},
      {"syscall_4k", "scenarios/bench/syscall_4k.yaml", "syscall 4 KiB compress, real data"},
      {"batch_d16", "scenarios/bench/batch_d16.yaml", "batch (async) 4 KiB, depth 16, one queue"},
      {"crypto_cbc_1k", "scenarios/bench/crypto_cbc_1k.yaml", "SEC cbc(aes) 1 KiB sync"},
      {"processes_64", "scenarios/bench/processes_64.yaml",
       "64 processes, doorbell 4 KiB compress each"},
      {"queues_1024", "scenarios/bench/queues_1024.yaml",
       "1024 threads, one queue each (1024 queue pairs)"},
  };
  return cases;
}

CaseRequests case_requests(const std::string& file,
                           const std::function<uint64_t(uint64_t)>& requests_of) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(file + ": " + e.what());
  }
  CaseRequests out;
  const YAML::Node processes = root["processes"];
  if (!processes || !processes.IsSequence()) throw std::runtime_error(file + ": no processes");
  for (size_t p = 0; p < processes.size(); ++p) {
    const YAML::Node threads = processes[p]["threads"];
    if (!threads || !threads.IsSequence()) {
      throw std::runtime_error(file + ": processes." + std::to_string(p) + " has no threads");
    }
    for (size_t t = 0; t < threads.size(); ++t) {
      const YAML::Node entry = threads[t];
      const std::string program =
          entry["program"] ? entry["program"].as<std::string>() : kDefaultProgram;
      const std::string key = "processes." + std::to_string(p) + ".threads." + std::to_string(t) +
                              "." + program + ".requests";
      const YAML::Node params = entry[program];
      if (!params || !params["requests"]) throw std::runtime_error(file + ": no " + key);
      const uint64_t requests = requests_of(params["requests"].as<uint64_t>());
      uint64_t points = 1;
      for (const auto& kv : params) {
        if (kv.second.IsSequence()) points *= kv.second.size();
      }
      out.sets.push_back(key + "=" + std::to_string(requests));
      out.measured_requests += requests * points * count_of(entry) * count_of(processes[p]);
    }
  }
  return out;
}

CaseRequests scaled_requests(const std::string& file, double scale) {
  return case_requests(file, [scale](uint64_t base) {
    return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(base * scale)));
  });
}

}  // namespace wdsim::bench
