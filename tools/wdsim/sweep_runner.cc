#include "tools/wdsim/sweep_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>

#include "tools/wdsim/sweep_results.h"

extern char** environ;

namespace wdsim {

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitSimulationError = 1;

// Starts one point; returns its pid (or -1).
pid_t spawn_point(const SweepRequest& req, const std::vector<std::string>& point,
                  const std::filesystem::path& dir) {
  std::vector<std::string> args =
      point_command(req, "/proc/self/exe", req.scenario_path, point, dir.string());
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

}  // namespace

std::vector<std::string> point_command(const SweepRequest& req, const std::string& wdsim,
                                       const std::string& scenario_path,
                                       const std::vector<std::string>& point,
                                       const std::string& dir) {
  std::vector<std::string> args = {wdsim, "run", scenario_path, "--no-sweep", "--out", dir};
  if (req.seed) {
    args.push_back("--seed");
    args.push_back(std::to_string(req.seed));
  }
  for (const auto& s : req.sets) args.insert(args.end(), {"--set", s});
  for (const auto& s : point) args.insert(args.end(), {"--set", s});
  return args;
}

int validate_sweep(const Scenario& scenario, const SweepRequest& req) {
  const auto points = sweep_points(scenario.sweep);
  // Every point must load (every parameter and constraint checked) before anything runs.
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
  return 0;
}

// Progress on stderr as each point ends (the table waits for the end): points done of the
// total, failures, wall time so far and an estimate of what is left (the mean per point so far
// times the points left, over the same parallelism).
void print_progress(size_t done, size_t failed, size_t total,
                    std::chrono::steady_clock::time_point wall0) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double left =
      done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total - done) : 0.0;
  const std::string failures = failed ? ", " + std::to_string(failed) + " failed" : "";
  char line[160];
  std::snprintf(line, sizeof line,
                "sweep: %zu/%zu points done%s, %.1f s elapsed, about %.0f s left\n", done, total,
                failures.c_str(), elapsed, left);
  std::cerr << line << std::flush;
}

int run_sweep(const Scenario& scenario, const SweepRequest& req) {
  const auto points = sweep_points(scenario.sweep);
  const auto wall0 = std::chrono::steady_clock::now();
  std::vector<int> exit_codes(points.size(), -1);
  std::map<pid_t, size_t> running;
  size_t next = 0;
  size_t finished = 0, failed = 0;
  while (next < points.size() || !running.empty()) {
    while (next < points.size() && running.size() < std::max(1u, req.jobs)) {
      const auto dir = req.out_dir / point_name(next);
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      const pid_t pid = ec ? -1 : spawn_point(req, points[next], dir);
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
    // A point killed by a signal is a simulation error (its stderr.txt says what it printed).
    const size_t point = it->second;
    exit_codes[point] = WIFEXITED(status) ? WEXITSTATUS(status) : kExitSimulationError;
    running.erase(it);
    ++finished;
    if (exit_codes[point] != 0) ++failed;
    print_progress(finished, failed, points.size(), wall0);
  }

  std::vector<PointResult> results(points.size());
  int worst = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    results[i].finished = true;
    results[i].exit_code = exit_codes[i];
    // A point that found bad input (a check made only when its system was built) makes the
    // sweep's exit 2; any other failure 1.
    if (exit_codes[i] != 0) {
      worst =
          std::max(worst, exit_codes[i] == kExitBadInput ? kExitBadInput : kExitSimulationError);
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  write_sweep_results(sweep_plan(scenario, req.jobs), results, req.out_dir, wall);
  return worst;
}

}  // namespace wdsim
