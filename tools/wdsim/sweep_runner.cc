#include "tools/wdsim/sweep_runner.h"

#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

extern char** environ;

namespace wdsim {

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitSimulationError = 1;

std::string point_name(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "point-%03zu", i);
  return buf;
}

// Starts one point; returns its pid (or -1).
pid_t spawn_point(const SweepRequest& req, const std::vector<std::string>& point,
                  const std::filesystem::path& dir) {
  std::vector<std::string> args = {"/proc/self/exe", "run", req.scenario_path, "--no-sweep",
                                   "--out", dir.string()};
  if (req.seed) {
    args.push_back("--seed");
    args.push_back(std::to_string(req.seed));
  }
  for (const auto& s : req.sets) args.insert(args.end(), {"--set", s});
  for (const auto& s : point) args.insert(args.end(), {"--set", s});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = (dir / "stdout.txt").string();
  const std::string err = (dir / "stderr.txt").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

struct PointFigures {
  int exit_code = 0;
  // "path size" -> figures
  std::map<std::pair<std::string, uint64_t>, std::map<std::string, double>> by_point;
  double iotlb_hit_rate = -1;
};

PointFigures read_figures(const std::filesystem::path& dir, int exit_code) {
  PointFigures f;
  f.exit_code = exit_code;
  std::ifstream in(dir / "stats.json");
  if (!in) return f;
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception&) {
    return f;
  }
  if (j.contains("workload")) {
    for (auto& [path, sizes] : j["workload"].items()) {
      for (auto& [size, st] : sizes.items()) {
        auto& m = f.by_point[{path, std::stoull(size)}];
        m["mean_us"] = st["latency_ns"]["mean"].get<double>() / 1000.0;
        m["p99_us"] = st["latency_ns"]["p99"].get<double>() / 1000.0;
        m["cpu_us"] = st["cpu_ns"]["mean"].get<double>() / 1000.0;
        const double lat = st["latency_ns"]["mean"].get<double>();
        double xl = 0;
        if (st.contains("stage") && st["stage"].contains("translation_ns")) {
          xl = st["stage"]["translation_ns"]["mean"].get<double>();
        }
        m["translation_pct"] = lat > 0 ? 100.0 * xl / lat : 0.0;
      }
    }
  }
  // The SMMU's TLBs as a whole: a lookup hits in the micro-TLB or, behind it, the main
  // IOTLB; a main-IOTLB miss is a miss of both.
  if (j.contains("smmu") && j["smmu"].contains("iotlb")) {
    double hits = j["smmu"]["iotlb"].value("hits", 0.0);
    if (j["smmu"].contains("utlb")) hits += j["smmu"]["utlb"].value("hits", 0.0);
    const double misses = j["smmu"]["iotlb"].value("misses", 0.0);
    if (hits + misses > 0) f.iotlb_hit_rate = 100.0 * hits / (hits + misses);
  }
  return f;
}

}  // namespace

int run_sweep(const Scenario& scenario, const SweepRequest& req) {
  const auto points = sweep_points(scenario.sweep);
  // Every point must load before anything runs.
  for (size_t i = 0; i < points.size(); ++i) {
    std::vector<std::string> sets = req.sets;
    sets.insert(sets.end(), points[i].begin(), points[i].end());
    try {
      load_scenario(req.scenario_path, sets, req.seed);
    } catch (const ConfigError& e) {
      std::cerr << "wdsim: sweep " << point_name(i) << ": " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  std::vector<int> exit_codes(points.size(), -1);
  std::map<pid_t, size_t> running;
  size_t next = 0;
  while (next < points.size() || !running.empty()) {
    while (next < points.size() && running.size() < std::max(1u, req.jobs)) {
      const auto dir = req.out_dir / point_name(next);
      std::filesystem::create_directories(dir);
      const pid_t pid = spawn_point(req, points[next], dir);
      if (pid < 0) {
        exit_codes[next] = kExitSimulationError;
      } else {
        running[pid] = next;
      }
      ++next;
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    exit_codes[it->second] = WIFEXITED(status) ? WEXITSTATUS(status) : kExitSimulationError;
    running.erase(it);
  }

  // One row per (point, path, size).
  std::ostringstream csv;
  csv << "point";
  for (const auto& a : scenario.sweep) csv << "," << a.key;
  csv << ",path,size,mean_us,p99_us,cpu_us,translation_pct,tlb_hit_pct,exit\n";
  std::cout << "wdsim sweep: " << scenario.name << " (" << points.size() << " points)\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-10s %-40s %-9s %8s %10s %10s %8s %8s\n", "point",
                "values", "path", "size", "mean_us", "p99_us", "xlat_%", "tlb_hit%");
  std::cout << line;
  int worst = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const auto f = read_figures(req.out_dir / point_name(i), exit_codes[i]);
    std::string values;
    for (const auto& s : points[i]) values += (values.empty() ? "" : " ") + s.substr(s.rfind('.') + 1);
    if (exit_codes[i] != 0) {
      worst = kExitSimulationError;
      std::snprintf(line, sizeof line, "%-10s %-40s failed (exit %d): see %s\n",
                    point_name(i).c_str(), values.c_str(), exit_codes[i],
                    (req.out_dir / point_name(i) / "stderr.txt").c_str());
      std::cout << line;
    }
    for (const auto& [key, m] : f.by_point) {
      std::snprintf(line, sizeof line, "%-10s %-40s %-9s %8llu %10.3f %10.3f %8.1f %8.1f\n",
                    point_name(i).c_str(), values.c_str(), key.first.c_str(),
                    static_cast<unsigned long long>(key.second), m.at("mean_us"), m.at("p99_us"),
                    m.at("translation_pct"), f.iotlb_hit_rate);
      std::cout << line;
      csv << point_name(i);
      for (const auto& s : points[i]) csv << "," << '"' << s.substr(s.find('=') + 1) << '"';
      csv << "," << key.first << "," << key.second << "," << m.at("mean_us") << ","
          << m.at("p99_us") << "," << m.at("cpu_us") << "," << m.at("translation_pct") << ","
          << f.iotlb_hit_rate << "," << exit_codes[i] << "\n";
    }
  }
  std::ofstream(req.out_dir / "sweep.csv") << csv.str();
  std::cout << "\nper-point outputs and sweep.csv in " << req.out_dir.string() << "\n";
  return worst;
}

}  // namespace wdsim
