#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "sim/system/system.h"

namespace wdsim {

namespace {

struct Point {
  std::string path;
  uint64_t size;
  bool operator<(const Point& o) const {
    return path != o.path ? path < o.path : size < o.size;
  }
};

std::map<Point, std::vector<const RequestSample*>> by_point(const RunOutcome& outcome) {
  std::map<Point, std::vector<const RequestSample*>> points;
  for (const auto& s : outcome.samples) points[{s.path, s.size}].push_back(&s);
  return points;
}

std::string size_text(uint64_t b) {
  if (b >= 1024 * 1024 && b % (1024 * 1024) == 0) return std::to_string(b >> 20) + " MiB";
  if (b >= 1024 && b % 1024 == 0) return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}

}  // namespace

void record_workload_stats(const RunOutcome& outcome, StatsRegistry& stats) {
  record_uadk_stats(outcome.uadk, stats);
  for (const auto& [pt, samples] : by_point(outcome)) {
    const std::string base = "workload." + pt.path + "." + std::to_string(pt.size) + ".";
    auto& lat = stats.histogram(base + "latency_ns", "ns", "request latency as the caller sees it");
    auto& cpu = stats.histogram(base + "cpu_ns", "ns", "CPU time of the calling thread");
    auto& out = stats.histogram(base + "output_bytes", "B", "compressed size");
    for (const auto* s : samples) {
      lat.add(static_cast<double>(s->latency_ps) / 1000.0);
      cpu.add(static_cast<double>(s->cpu_ps) / 1000.0);
      out.add(static_cast<double>(s->output_size));
      for (const auto& [stage, v] : s->stages) {
        stats.histogram(base + "stage." + stage + "_ns", "ns").add(static_cast<double>(v) / 1000.0);
      }
    }
  }
}

std::string format_summary(const Scenario& scenario, const RunOutcome& outcome) {
  std::ostringstream os;
  char line[256];
  os << "wdsim: " << scenario.name << " (seed " << scenario.seed << ")\n\n";
  if (scenario.workload.kind != "compare") {
    os << format_uadk_summary(outcome.uadk);
    return os.str();
  }
  std::snprintf(line, sizeof line, "%-9s %9s %5s %10s %10s %10s %12s\n", "path", "size", "reqs",
                "mean_us", "p50_us", "p99_us", "cpu_us/req");
  os << line;
  auto points = by_point(outcome);
  std::map<uint64_t, std::map<std::string, double>> means;
  for (const auto& [pt, samples] : points) {
    Histogram lat, cpu;
    for (const auto* s : samples) {
      lat.add(static_cast<double>(s->latency_ps) / 1e6);
      cpu.add(static_cast<double>(s->cpu_ps) / 1e6);
    }
    means[pt.size][pt.path] = lat.mean();
    std::snprintf(line, sizeof line, "%-9s %9s %5zu %10.3f %10.3f %10.3f %12.3f\n",
                  pt.path.c_str(), size_text(pt.size).c_str(), samples.size(), lat.mean(),
                  lat.percentile(50), lat.percentile(99), cpu.mean());
    os << line;
  }
  bool header = false;
  for (const auto& [size, m] : means) {
    auto d = m.find("doorbell");
    auto s = m.find("syscall");
    if (d == m.end() || s == m.end() || d->second <= 0) continue;
    if (!header) {
      os << "\nsyscall / doorbell mean latency:";
      header = true;
    }
    std::snprintf(line, sizeof line, "  %s %.2fx", size_text(size).c_str(), s->second / d->second);
    os << line;
  }
  if (header) os << "\n";
  os << "\nshare of mean latency per stage (%):\n";
  for (const auto& [pt, samples] : points) {
    std::vector<std::string> order;
    std::map<std::string, double> sum;
    double total = 0;
    for (const auto* s : samples) {
      for (const auto& [stage, v] : s->stages) {
        if (!sum.count(stage)) order.push_back(stage);
        sum[stage] += static_cast<double>(v);
        total += static_cast<double>(v);
      }
    }
    std::snprintf(line, sizeof line, "%-9s %9s ", pt.path.c_str(), size_text(pt.size).c_str());
    os << line;
    for (const auto& stage : order) {
      std::snprintf(line, sizeof line, " %s %.1f", stage.c_str(),
                    total > 0 ? 100.0 * sum[stage] / total : 0.0);
      os << line;
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace wdsim
