#include "tools/wdsim/sweep_results.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "sim/system/report_html.h"

namespace wdsim {

namespace {

// What one point's run left: its summary tables (summary.json) and the SMMU's TLB and the
// device ATC hit rates (stats.json).
struct PointFigures {
  nlohmann::json tables = nlohmann::json::array();
  double tlb_hit_pct = -1;
  double atc_hit_pct = -1;
};

std::optional<nlohmann::json> read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    nlohmann::json j;
    in >> j;
    return j;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

double hit_pct(double hits, double misses) {
  return hits + misses > 0 ? 100.0 * hits / (hits + misses) : -1;
}

// A number at j[key] (0 when absent or not a number: a point's files are read, not trusted).
double number_at(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

const nlohmann::json* object_at(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

// A summary table as the sweep reads it: a name, string columns and rows of cells. A table
// of another shape is left out of the sweep's table (the point's own summary.json keeps it).
bool well_formed_table(const nlohmann::json& t) {
  if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) return false;
  if (!t.contains("columns") || !t["columns"].is_array()) return false;
  for (const auto& c : t["columns"]) {
    if (!c.is_string()) return false;
  }
  if (!t.contains("rows") || !t["rows"].is_array()) return false;
  for (const auto& r : t["rows"]) {
    if (!r.is_array()) return false;
  }
  return true;
}

PointFigures read_figures(const std::filesystem::path& dir) {
  PointFigures f;
  if (auto j = read_json(dir / "summary.json");
      j && j->is_object() && j->contains("tables") && (*j)["tables"].is_array()) {
    for (const auto& t : (*j)["tables"]) {
      if (well_formed_table(t)) f.tables.push_back(t);
    }
  }
  auto j = read_json(dir / "stats.json");
  if (!j || !j->is_object()) return f;
  // The SMMU's TLBs as a whole: a lookup hits in the micro-TLB or, behind it, the main
  // IOTLB; a main-IOTLB miss is a miss of both.
  if (const auto* smmu = object_at(*j, "smmu")) {
    if (const auto* iotlb = object_at(*smmu, "iotlb")) {
      double hits = number_at(*iotlb, "hits");
      if (const auto* utlb = object_at(*smmu, "utlb")) hits += number_at(*utlb, "hits");
      f.tlb_hit_pct = hit_pct(hits, number_at(*iotlb, "misses"));
    }
  }
  // The device ATCs (qm.ats.atc.* of each ATS endpoint).
  double atc_hits = 0, atc_misses = 0;
  for (auto& [name, block] : j->items()) {
    const auto* ats = object_at(block, "ats");
    const auto* atc = ats ? object_at(*ats, "atc") : nullptr;
    if (!atc) continue;
    atc_hits += number_at(*atc, "hits");
    atc_misses += number_at(*atc, "misses");
  }
  f.atc_hit_pct = hit_pct(atc_hits, atc_misses);
  return f;
}

std::string cell(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string pct_text(double v) {
  if (v < 0) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

}  // namespace

SweepPlan sweep_plan(const Scenario& scenario, unsigned jobs) {
  SweepPlan plan{scenario.name, {}, sweep_points(scenario.sweep), jobs};
  for (const auto& a : scenario.sweep) plan.axis_keys.push_back(a.keys);
  return plan;
}

std::string point_name(size_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "point-%03zu", index);
  return buf;
}

void write_sweep_results(const SweepPlan& plan, const std::vector<PointResult>& results,
                         const std::filesystem::path& out_dir, double wall_seconds) {
  const auto& points = plan.points;
  // One block per summary table kind: a row per (point, table row), the swept values first,
  // the SMMU TLB and device ATC hit rates last.
  std::vector<PointFigures> figures;
  for (size_t i = 0; i < points.size(); ++i)
    figures.push_back(read_figures(out_dir / point_name(i)));
  std::vector<std::string> kinds;
  std::map<std::string, std::vector<std::string>> columns;
  for (const auto& f : figures) {
    for (const auto& t : f.tables) {
      const std::string name = t["name"].get<std::string>();
      if (columns.count(name)) continue;
      kinds.push_back(name);
      for (const auto& c : t["columns"]) columns[name].push_back(c.get<std::string>());
    }
  }
  std::cout << "wdsim sweep: " << plan.name << " (" << points.size() << " points)\n";
  for (size_t i = 0; i < points.size(); ++i) {
    const PointResult& r = results[i];
    if (r.ok()) continue;
    const std::string log = (out_dir / point_name(i) / "stderr.txt").string();
    if (r.finished) {
      std::cout << point_name(i) << " failed (exit " << r.exit_code << "): see " << log << "\n";
    } else {
      std::cout << point_name(i) << " missing (" << r.missing_why << "): see " << log << "\n";
    }
  }
  std::ostringstream csv;
  auto short_key = [](const std::string& k) { return k.substr(k.rfind('.') + 1); };
  // report.html: per kind, its metrics against the first swept key, a line per value of the
  // other swept keys and of the kind's own varying columns.
  const std::map<std::string, std::vector<std::string>> metrics = {
      {"compare", {"mean_us", "tlb_hit_pct"}},
      {"batch", {"kreq_per_s", "mean_us"}},
      {"crypto", {"gbps", "mean_us"}},
      {"uadk_sync", {"mb_per_s"}}};
  const std::vector<std::string> own_series = {"process", "path",  "size",   "alg",
                                               "mode",    "depth", "queues", "threads"};
  std::vector<SweepChartSpec> charts;
  for (const auto& kind : kinds) {
    std::vector<std::string> head{"point"};
    for (const auto& keys : plan.axis_keys) {
      for (const auto& k : keys) head.push_back(short_key(k));
    }
    for (const auto& c : columns[kind]) head.push_back(c);
    head.push_back("tlb_hit_pct");
    head.push_back("atc_hit_pct");
    std::vector<std::vector<std::string>> rows;
    for (size_t i = 0; i < points.size(); ++i) {
      for (const auto& t : figures[i].tables) {
        if (t["name"].get<std::string>() != kind) continue;
        for (const auto& r : t["rows"]) {
          std::vector<std::string> row{point_name(i)};
          for (const auto& s : points[i]) row.push_back(s.substr(s.find('=') + 1));
          for (const auto& v : r) row.push_back(cell(v));
          row.push_back(pct_text(figures[i].tlb_hit_pct));
          row.push_back(pct_text(figures[i].atc_hit_pct));
          rows.push_back(std::move(row));
        }
      }
    }
    std::vector<size_t> width(head.size());
    for (size_t c = 0; c < head.size(); ++c) width[c] = head[c].size();
    for (const auto& r : rows) {
      for (size_t c = 0; c < r.size() && c < width.size(); ++c)
        width[c] = std::max(width[c], r[c].size());
    }
    auto print = [&](const std::vector<std::string>& r) {
      for (size_t c = 0; c < r.size(); ++c) {
        std::cout << (c ? "  " : "") << std::string(width[c] - std::min(width[c], r[c].size()), ' ')
                  << r[c];
      }
      std::cout << "\n";
    };
    std::cout << "\n" << kind << ":\n";
    print(head);
    for (const auto& r : rows) print(r);
    if (metrics.count(kind) && !plan.axis_keys.empty() && !plan.axis_keys[0].empty()) {
      SweepChartSpec c{kind, head, rows, short_key(plan.axis_keys[0][0]), {}, metrics.at(kind)};
      for (const auto& keys : plan.axis_keys) {
        for (const auto& k : keys) {
          if (short_key(k) != c.x) c.series.push_back(short_key(k));
        }
      }
      for (const auto& o : own_series) {
        if (o != c.x) c.series.push_back(o);
      }
      charts.push_back(std::move(c));
    }
    // sweep.csv: every kind's rows, its header line first ("table" names the kind).
    csv << "table";
    for (const auto& h : head) csv << "," << h;
    csv << "\n";
    for (const auto& r : rows) {
      csv << kind;
      for (const auto& v : r) csv << ",\"" << v << "\"";
      csv << "\n";
    }
  }
  std::ofstream(out_dir / "sweep.csv") << csv.str();
  std::ofstream(out_dir / "report.html") << sweep_report_html(plan.name, charts);
  // The sweep's own host speed: its wall time beside the points' summed CPU time and requests
  // (each point's host_speed.json has its own figures).
  double cpu_seconds = 0;
  uint64_t requests = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    auto j = read_json(out_dir / point_name(i) / "host_speed.json");
    if (!j) continue;
    cpu_seconds += number_at(*j, "host_cpu_seconds");
    if (j->contains("simulated_requests") && (*j)["simulated_requests"].is_number_unsigned()) {
      requests += (*j)["simulated_requests"].get<uint64_t>();
    }
  }
  nlohmann::ordered_json host = {{"points", points.size()},
                                 {"jobs", plan.jobs},
                                 {"wall_seconds", wall_seconds},
                                 {"points_host_cpu_seconds", cpu_seconds},
                                 {"simulated_requests", requests}};
  std::ofstream(out_dir / "host_speed.json") << host.dump(2) << "\n";
  std::cout << "\nper-point outputs and sweep.csv in " << out_dir.string() << "\n";
}

}  // namespace wdsim
