#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/system/system.h"

namespace wdsim {

namespace {

bool show_processes(const Scenario& scenario, const RunOutcome& outcome) {
  if (!scenario.events.empty() || outcome.processes.size() > 1) return true;
  for (const auto& p : outcome.processes) {
    if (p.requests_failed || !p.first_error.empty()) return true;
  }
  return false;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// One line on what was verified, when not every output was.
std::string outputs_line(const OutputsChecked& o) {
  if (o.skipped_timing_only == 0 && o.skipped_by_policy == 0) return "";
  std::string line = "\noutputs: " + std::to_string(o.verified) + " verified";
  if (o.skipped_timing_only) {
    line += ", " + std::to_string(o.skipped_timing_only) +
            " not verified (timing-only data mode on " + join(o.timing_only_devices) +
            ": output sizes come from the ratio model, the bytes are not the data)";
  }
  if (o.skipped_by_policy) {
    line += ", " + std::to_string(o.skipped_by_policy) + " not verified (output.verify: " + o.mode +
            ")";
  }
  return line + "\n";
}

}  // namespace

std::string format_summary(const Scenario& scenario, const RunOutcome& outcome) {
  std::ostringstream os;
  os << "wdsim: " << scenario.name << " (seed " << scenario.seed << ")\n\n";
  os << outcome.report.text;
  os << outputs_line(outcome.outputs);
  if (show_processes(scenario, outcome)) {
    char line[512];
    os << "\nprocesses:\n";
    std::snprintf(line, sizeof line, "%-16s %6s %-10s %8s %8s  %s\n", "process", "pid", "parent",
                  "ok", "failed", "end");
    os << line;
    for (const auto& p : outcome.processes) {
      std::snprintf(line, sizeof line, "%-16s %6d %-10s %8llu %8llu  %s\n", p.name.c_str(), p.pid,
                    p.parent.empty() ? "-" : p.parent.c_str(),
                    static_cast<unsigned long long>(p.requests_ok),
                    static_cast<unsigned long long>(p.requests_failed), p.end.c_str());
      os << line;
      if (!p.first_error.empty()) os << "    first error: " << p.first_error << "\n";
    }
  }
  return os.str();
}

std::string summary_json(const RunOutcome& outcome) {
  nlohmann::ordered_json j;
  j["tables"] = nlohmann::ordered_json::array();
  for (const auto& t : outcome.report.tables) {
    nlohmann::ordered_json tj;
    tj["name"] = t.name;
    tj["columns"] = t.columns;
    tj["rows"] = t.rows;
    j["tables"].push_back(tj);
  }
  j["stages"] = nlohmann::ordered_json::array();
  for (const auto& b : outcome.report.stages) {
    nlohmann::ordered_json stages = nlohmann::ordered_json::array();
    for (const auto& [name, us] : b.mean_us) stages.push_back({{"stage", name}, {"mean_us", us}});
    j["stages"].push_back({{"point", b.label}, {"stages", stages}});
  }
  j["processes"] = nlohmann::ordered_json::array();
  for (const auto& p : outcome.processes) {
    j["processes"].push_back({{"name", p.name},
                              {"pid", p.pid},
                              {"parent", p.parent},
                              {"end", p.end},
                              {"requests_ok", p.requests_ok},
                              {"requests_failed", p.requests_failed},
                              {"first_error", p.first_error}});
  }
  const OutputsChecked& o = outcome.outputs;
  j["outputs"] = {{"verify", o.mode},
                  {"verified", o.verified},
                  {"skipped_timing_only", o.skipped_timing_only},
                  {"skipped_by_policy", o.skipped_by_policy},
                  {"timing_only_devices", o.timing_only_devices}};
  return j.dump(2) + "\n";
}

std::string host_speed_json(const RunOutcome& outcome) {
  uint64_t completed = 0;
  for (const auto& p : outcome.processes) completed += p.requests_ok;
  const uint64_t requests = outcome.report.measured_requests;
  auto per = [](double n, double seconds) { return seconds > 0 ? n / seconds : 0.0; };
  nlohmann::ordered_json j = {
      {"host_cpu_seconds", outcome.host_cpu_seconds},
      {"wall_seconds", outcome.wall_seconds},
      {"simulated_requests", requests},
      {"requests_completed", completed},
      {"simulated_seconds", outcome.simulated_seconds},
      {"requests_per_host_cpu_second", per(requests, outcome.host_cpu_seconds)},
      {"requests_per_wall_second", per(requests, outcome.wall_seconds)},
      {"host_ns_per_request", requests ? outcome.host_cpu_seconds * 1e9 / requests : 0.0},
      {"peak_rss_bytes", outcome.peak_rss_bytes}};
  return j.dump(2) + "\n";
}

}  // namespace wdsim
