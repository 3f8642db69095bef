// Tables and stats of the UADK workloads (workload.kind batch and crypto).
#include <cstdio>
#include <map>
#include <sstream>
#include <utility>

#include "sim/system/uadk_workload.h"

namespace wdsim {

namespace {

std::string size_text(uint64_t b) {
  if (b >= 1024 * 1024 && b % (1024 * 1024) == 0)
    return std::to_string(b >> 20) + " MiB";
  if (b >= 1024 && b % 1024 == 0)
    return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}

// Latencies in us (mean, p50, p99) of a point.
Histogram latency_us(const std::vector<uint64_t> &ps) {
  Histogram h;
  for (uint64_t v : ps)
    h.add(static_cast<double>(v) / 1e6);
  return h;
}

double per_second(uint64_t n, uint64_t elapsed_ps) {
  return elapsed_ps > 0
             ? static_cast<double>(n) * 1e12 / static_cast<double>(elapsed_ps)
             : 0.0;
}

} // namespace

double BatchPoint::requests_per_s() const {
  return per_second(latency_ps.size(), elapsed_ps);
}
double BatchPoint::input_gbps() const {
  return requests_per_s() * static_cast<double>(size) / 1e9;
}
double CryptoPoint::requests_per_s() const {
  return per_second(latency_ps.size(), elapsed_ps);
}
double CryptoPoint::gbps() const {
  return requests_per_s() * static_cast<double>(size) / 1e9;
}

std::string format_uadk_summary(const UadkResults &r) {
  std::ostringstream os;
  char line[256];
  if (!r.batch.empty()) {
    os << "batch: async compression (wd_do_comp_async + wd_comp_poll), "
          "throughput vs depth\n";
    std::snprintf(line, sizeof line,
                  "%9s %6s %5s %5s %10s %9s %7s %10s %10s %10s %11s\n", "size",
                  "queues", "depth", "reqs", "kreq/s", "in_GB/s", "ratio",
                  "mean_us", "p50_us", "p99_us", "cpu_us/req");
    os << line;
    for (const BatchPoint &p : r.batch) {
      Histogram lat = latency_us(p.latency_ps);
      const double n = static_cast<double>(p.latency_ps.size());
      const double ratio = p.output_bytes > 0
                               ? n * static_cast<double>(p.size) /
                                     static_cast<double>(p.output_bytes)
                               : 0.0;
      std::snprintf(
          line, sizeof line,
          "%9s %6llu %5llu %5zu %10.1f %9.3f %7.2f %10.3f %10.3f %10.3f "
          "%11.3f\n",
          size_text(p.size).c_str(), static_cast<unsigned long long>(p.queues),
          static_cast<unsigned long long>(p.depth), p.latency_ps.size(),
          p.requests_per_s() / 1e3, p.input_gbps(), ratio, lat.mean(),
          lat.percentile(50), lat.percentile(99),
          n > 0 ? static_cast<double>(p.cpu_ps) / 1e6 / n : 0.0);
      os << line;
    }
  }
  if (!r.crypto.empty()) {
    if (!r.batch.empty())
      os << "\n";
    os << "crypto: SEC requests (wd_cipher / wd_digest), every output checked "
          "against OpenSSL\n";
    std::snprintf(line, sizeof line,
                  "%-13s %-5s %9s %5s %5s %10s %10s %10s %9s %11s\n", "alg",
                  "mode", "size", "depth", "reqs", "mean_us", "p99_us",
                  "kreq/s", "GB/s", "cpu_us/req");
    os << line;
    std::map<std::pair<std::string, uint64_t>, std::map<std::string, double>>
        rate;
    std::vector<std::pair<std::string, uint64_t>> order;
    for (const CryptoPoint &p : r.crypto) {
      Histogram lat = latency_us(p.latency_ps);
      const double n = static_cast<double>(p.latency_ps.size());
      std::snprintf(
          line, sizeof line,
          "%-13s %-5s %9s %5llu %5zu %10.3f %10.3f %10.1f %9.3f %11.3f\n",
          p.alg.c_str(), p.mode.c_str(), size_text(p.size).c_str(),
          static_cast<unsigned long long>(p.depth), p.latency_ps.size(),
          lat.mean(), lat.percentile(99), p.requests_per_s() / 1e3, p.gbps(),
          n > 0 ? static_cast<double>(p.cpu_ps) / 1e6 / n : 0.0);
      os << line;
      const auto key = std::make_pair(p.alg, p.size);
      if (!rate.count(key))
        order.push_back(key);
      rate[key][p.mode] = p.requests_per_s();
    }
    bool header = false;
    for (const auto &key : order) {
      const auto &m = rate[key];
      auto s = m.find("sync");
      auto a = m.find("async");
      if (s == m.end() || a == m.end() || s->second <= 0)
        continue;
      if (!header) {
        os << "\nasync / sync throughput:\n";
        header = true;
      }
      std::snprintf(line, sizeof line, "  %-13s %9s %.2fx\n", key.first.c_str(),
                    size_text(key.second).c_str(), a->second / s->second);
      os << line;
    }
  }
  return os.str();
}

void record_uadk_stats(const UadkResults &r, StatsRegistry &stats) {
  for (const BatchPoint &p : r.batch) {
    const std::string base = "workload.batch." + std::to_string(p.size) + ".q" +
                             std::to_string(p.queues) + ".d" +
                             std::to_string(p.depth) + ".";
    auto &lat = stats.histogram(base + "latency_ns", "ns",
                                "submit to completion seen by poll");
    for (uint64_t v : p.latency_ps)
      lat.add(static_cast<double>(v) / 1000.0);
    stats.set_scalar(base + "requests_per_s", p.requests_per_s(), "1/s",
                     "measured requests over the measured window");
    stats.set_scalar(base + "input_gbps", p.input_gbps(), "GB/s",
                     "input bytes per second");
    stats.set_scalar(base + "output_bytes", static_cast<double>(p.output_bytes),
                     "B", "compressed bytes of the measured requests");
    stats.set_scalar(
        base + "cpu_ns_per_request",
        p.latency_ps.empty() ? 0.0
                             : static_cast<double>(p.cpu_ps) / 1000.0 /
                                   static_cast<double>(p.latency_ps.size()),
        "ns", "CPU time of the submitting/polling thread per request");
  }
  for (const CryptoPoint &p : r.crypto) {
    const std::string base = "workload.crypto." + p.alg + "." + p.mode + "." +
                             std::to_string(p.size) + ".";
    auto &lat = stats.histogram(base + "latency_ns", "ns",
                                "request latency as the caller sees it");
    for (uint64_t v : p.latency_ps)
      lat.add(static_cast<double>(v) / 1000.0);
    stats.set_scalar(base + "requests_per_s", p.requests_per_s(), "1/s",
                     "measured requests over the measured window");
    stats.set_scalar(base + "gbps", p.gbps(), "GB/s", "input bytes per second");
    stats.counter(base + "verified", "outputs compared with OpenSSL")
        .inc(p.verified);
  }
}

} // namespace wdsim
