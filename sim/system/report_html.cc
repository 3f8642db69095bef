#include "sim/system/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

namespace wdsim {

namespace {

// Page and chart geometry, in CSS pixels.
constexpr int kChartWidth = 720;
constexpr int kChartHeight = 320;
constexpr int kMarginLeft = 70;
constexpr int kMarginRight = 200;  // room for the legend
constexpr int kMarginTop = 30;
constexpr int kMarginBottom = 45;
constexpr int kBarHeight = 22;
constexpr int kBarGap = 8;
constexpr int kBarLabelWidth = 150;
constexpr int kLegendRow = 16;
constexpr int kTargetTicks = 5;
// A categorical palette (ColorBrewer "Set1", "Dark2" and "Set3" hues), cycled: 16 colours,
// more than a request has stages.
constexpr const char* kPalette[] = {
    "#377eb8", "#e41a1c", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
    "#666666", "#e6ab02", "#80b1d3", "#fb8072", "#bebada", "#b3de69", "#8dd3c7", "#fdb462"};
constexpr size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::optional<double> to_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Tick values covering [lo, hi]: multiples of 1, 2 or 5 times a power of ten.
std::vector<double> ticks(double lo, double hi) {
  if (hi <= lo) hi = lo + 1;
  const double raw = (hi - lo) / kTargetTicks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(t);
  return out;
}

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), sorted by x
};

// An SVG line chart; x on a log2 scale when log_x (sizes).
std::string line_chart(const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<Series>& series, bool log_x) {
  double x_lo = INFINITY, x_hi = -INFINITY, y_hi = 0;
  for (const Series& s : series) {
    for (const auto& [x, y] : s.points) {
      const double xv = log_x ? std::log2(x) : x;
      x_lo = std::min(x_lo, xv);
      x_hi = std::max(x_hi, xv);
      y_hi = std::max(y_hi, y);
    }
  }
  if (!(x_hi > x_lo)) x_hi = x_lo + 1;
  if (y_hi <= 0) y_hi = 1;
  const std::vector<double> y_ticks = ticks(0, y_hi);
  y_hi = std::max(y_hi, y_ticks.back());
  const double plot_w = kChartWidth - kMarginLeft - kMarginRight;
  const double plot_h = kChartHeight - kMarginTop - kMarginBottom;
  auto sx = [&](double x) {
    const double xv = log_x ? std::log2(x) : x;
    return kMarginLeft + (xv - x_lo) / (x_hi - x_lo) * plot_w;
  };
  auto sy = [&](double y) { return kMarginTop + plot_h - y / y_hi * plot_h; };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" +
                    std::to_string(kChartWidth) + "\" height=\"" + std::to_string(kChartHeight) +
                    "\" role=\"img\" aria-label=\"" + html_escape(title) + "\">\n";
  svg += "<text class=\"title\" x=\"" + std::to_string(kMarginLeft) + "\" y=\"18\">" +
         html_escape(title) + "</text>\n";
  // Axes, grid and ticks.
  const std::string x0 = px(kMarginLeft), x1 = px(kMarginLeft + plot_w);
  const std::string y0 = px(kMarginTop), y1 = px(kMarginTop + plot_h);
  for (double t : y_ticks) {
    svg += "<line class=\"grid\" x1=\"" + x0 + "\" x2=\"" + x1 + "\" y1=\"" + px(sy(t)) +
           "\" y2=\"" + px(sy(t)) + "\"/><text class=\"tick\" text-anchor=\"end\" x=\"" +
           px(kMarginLeft - 6) + "\" y=\"" + px(sy(t) + 4) + "\">" + num(t) + "</text>\n";
  }
  std::set<double> xs;
  for (const Series& s : series) {
    for (const auto& p : s.points) xs.insert(p.first);
  }
  for (double x : xs) {
    svg += "<text class=\"tick\" text-anchor=\"middle\" x=\"" + px(sx(x)) + "\" y=\"" +
           px(kMarginTop + plot_h + 16) + "\">" + num(x) + "</text>\n";
  }
  svg += "<line class=\"axis\" x1=\"" + x0 + "\" x2=\"" + x1 + "\" y1=\"" + y1 + "\" y2=\"" + y1 +
         "\"/><line class=\"axis\" x1=\"" + x0 + "\" x2=\"" + x0 + "\" y1=\"" + y0 + "\" y2=\"" +
         y1 + "\"/>\n";
  svg += "<text class=\"label\" text-anchor=\"middle\" x=\"" + px(kMarginLeft + plot_w / 2) +
         "\" y=\"" + px(kChartHeight - 8) + "\">" + html_escape(x_label) +
         (log_x ? " (log scale)" : "") + "</text>\n";
  svg += "<text class=\"label\" text-anchor=\"middle\" transform=\"translate(14," +
         px(kMarginTop + plot_h / 2) + ") rotate(-90)\">" + html_escape(y_label) + "</text>\n";
  // The lines, their points (with a tooltip each) and the legend.
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const std::string color = kPalette[i % kPaletteSize];
    std::string path;
    for (const auto& [x, y] : s.points)
      path += (path.empty() ? "" : " ") + px(sx(x)) + "," + px(sy(y));
    svg += "<polyline class=\"series\" fill=\"none\" stroke=\"" + color + "\" points=\"" + path +
           "\"><title>" + html_escape(s.name) + "</title></polyline>\n";
    for (const auto& [x, y] : s.points) {
      svg += "<circle cx=\"" + px(sx(x)) + "\" cy=\"" + px(sy(y)) + "\" r=\"3\" fill=\"" + color +
             "\"><title>" + html_escape(s.name) + ": " + html_escape(x_label) + " " + num(x) +
             ", " + html_escape(y_label) + " " + num(y) + "</title></circle>\n";
    }
    const double ly = kMarginTop + static_cast<double>(i) * kLegendRow;
    svg += "<rect x=\"" + px(kChartWidth - kMarginRight + 12) + "\" y=\"" + px(ly) +
           "\" width=\"10\" height=\"10\" fill=\"" + color + "\"/><text class=\"legend\" x=\"" +
           px(kChartWidth - kMarginRight + 26) + "\" y=\"" + px(ly + 9) + "\">" +
           html_escape(s.name) + "</text>\n";
  }
  return svg + "</svg>\n";
}

// One horizontal bar per point, split into its stages; one colour per stage name.
std::string stage_bars(const std::vector<StageBreakdown>& points) {
  std::vector<std::string> names;  // stage names in first-seen order
  double widest = 0;
  for (const StageBreakdown& b : points) {
    double total = 0;
    for (const auto& [name, us] : b.mean_us) {
      total += us;
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    widest = std::max(widest, total);
  }
  if (widest <= 0) widest = 1;
  const double plot_w = kChartWidth - kBarLabelWidth - kMarginRight;
  const int height = kMarginTop + static_cast<int>(points.size()) * (kBarHeight + kBarGap) +
                     std::max(0, static_cast<int>(names.size()) * kLegendRow -
                                     static_cast<int>(points.size()) * (kBarHeight + kBarGap)) +
                     kMarginBottom;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" +
                    std::to_string(kChartWidth) + "\" height=\"" + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"mean latency by stage\">\n";
  svg += "<text class=\"title\" x=\"4\" y=\"18\">Mean latency by stage (us)</text>\n";
  auto color_of = [&](const std::string& stage) {
    const size_t i =
        static_cast<size_t>(std::find(names.begin(), names.end(), stage) - names.begin());
    return std::string(kPalette[i % kPaletteSize]);
  };
  for (size_t r = 0; r < points.size(); ++r) {
    const StageBreakdown& b = points[r];
    const double y = kMarginTop + static_cast<double>(r) * (kBarHeight + kBarGap);
    svg += "<text class=\"tick\" x=\"4\" y=\"" + px(y + kBarHeight * 0.7) + "\">" +
           html_escape(b.label) + "</text>\n";
    double x = kBarLabelWidth, total = 0;
    for (const auto& [name, us] : b.mean_us) {
      const double w = us / widest * plot_w;
      svg += "<rect class=\"stage\" x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(w) +
             "\" height=\"" + std::to_string(kBarHeight) + "\" fill=\"" + color_of(name) +
             "\"><title>" + html_escape(b.label + ": " + name + " " + num(us) + " us") +
             "</title></rect>\n";
      x += w;
      total += us;
    }
    svg += "<text class=\"tick\" x=\"" + px(x + 4) + "\" y=\"" + px(y + kBarHeight * 0.7) + "\">" +
           num(total) + "</text>\n";
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const double ly = kMarginTop + static_cast<double>(i) * kLegendRow;
    svg += "<rect x=\"" + px(kChartWidth - kMarginRight + 40) + "\" y=\"" + px(ly) +
           "\" width=\"10\" height=\"10\" fill=\"" + color_of(names[i]) +
           "\"/><text class=\"legend\" x=\"" + px(kChartWidth - kMarginRight + 54) + "\" y=\"" +
           px(ly + 9) + "\">" + html_escape(names[i]) + "</text>\n";
  }
  return svg + "</svg>\n";
}

std::string table_html(const std::string& name, const std::vector<std::string>& columns,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string h = "<h3>" + html_escape(name) + "</h3>\n<table>\n<tr>";
  for (const auto& c : columns) h += "<th>" + html_escape(c) + "</th>";
  h += "</tr>\n";
  for (const auto& r : rows) {
    h += "<tr>";
    for (const auto& v : r)
      h += (to_number(v) ? "<td class=\"n\">" : "<td>") + html_escape(v) + "</td>";
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

// Lines of `y` against `x`, one per distinct value of the `series` columns; nothing when a
// column is missing or x takes fewer than two values.
std::string chart_of(const std::string& title, const std::vector<std::string>& columns,
                     const std::vector<std::vector<std::string>>& rows, const std::string& x,
                     const std::vector<std::string>& series_cols, const std::string& y) {
  auto index = [&](const std::string& c) -> std::optional<size_t> {
    auto it = std::find(columns.begin(), columns.end(), c);
    if (it == columns.end()) return std::nullopt;
    return static_cast<size_t>(it - columns.begin());
  };
  const auto xi = index(x), yi = index(y);
  if (!xi || !yi) return "";
  // Series columns that take one value only say nothing: left out of the names.
  std::vector<size_t> si;
  for (const auto& c : series_cols) {
    const auto i = index(c);
    if (!i) continue;
    std::set<std::string> values;
    for (const auto& r : rows) {
      if (*i < r.size()) values.insert(r[*i]);
    }
    if (values.size() > 1) si.push_back(*i);
  }
  std::map<std::string, Series> by_name;
  std::vector<std::string> order;
  std::set<double> xs;
  for (const auto& r : rows) {
    if (*xi >= r.size() || *yi >= r.size()) continue;
    const auto xv = to_number(r[*xi]);
    const auto yv = to_number(r[*yi]);
    if (!xv || !yv) continue;
    std::string name;
    for (size_t i : si) {
      if (i < r.size()) name += (name.empty() ? "" : " ") + columns[i] + "=" + r[i];
    }
    if (name.empty()) name = y;
    auto [it, fresh] = by_name.emplace(name, Series{name, {}});
    if (fresh) order.push_back(name);
    it->second.points.emplace_back(*xv, *yv);
    xs.insert(*xv);
  }
  if (xs.size() < 2) return "";
  std::vector<Series> series;
  for (const auto& n : order) {
    Series s = by_name[n];
    std::sort(s.points.begin(), s.points.end());
    series.push_back(std::move(s));
  }
  const bool log_x = *xs.begin() > 0 && *xs.rbegin() / *xs.begin() >= 16;
  return line_chart(title, x, y, series, log_x);
}

// The charts a kind's table gets: (title, x, series columns, y).
struct ChartRule {
  const char* table;
  const char* title;
  const char* x;
  std::vector<std::string> series;
  const char* y;
};
const std::vector<ChartRule>& chart_rules() {
  static const std::vector<ChartRule> rules = {
      {"compare", "Mean latency against request size", "size", {"path"}, "mean_us"},
      {"batch", "Throughput against depth", "depth", {"process", "size", "queues"}, "kreq_per_s"},
      {"batch", "Mean latency against depth", "depth", {"process", "size", "queues"}, "mean_us"},
      {"crypto", "Throughput against request size", "size", {"alg", "mode", "depth"}, "gbps"},
      {"uadk_sync",
       "Throughput against thread count",
       "threads",
       {"alg", "size", "ctxs"},
       "mb_per_s"},
  };
  return rules;
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px}h3{font-size:15px}"
    "table{border-collapse:collapse;margin:8px 0 16px}"
    "th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}th{background:#f2f2f2}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".meta td{border:none;padding:1px 12px 1px 0}"
    "svg.chart{display:block;margin:8px 0 20px}"
    ".title{font-size:14px;font-weight:bold}.tick,.legend{font-size:11px}.label{font-size:12px}"
    ".grid{stroke:#e5e5e5}.axis{stroke:#444}.series{stroke-width:2}"
    ".error{color:#b00020;font-weight:bold}";

std::string page_head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string report_html(const Scenario& scenario, const RunOutcome& outcome) {
  std::string h = page_head("wdsim: " + scenario.name);
  h += "<h1>wdsim: " + html_escape(scenario.name) + "</h1>\n<table class=\"meta\">\n";
  auto meta = [&](const std::string& k, const std::string& v) {
    h += "<tr><td>" + html_escape(k) + "</td><td>" + html_escape(v) + "</td></tr>\n";
  };
  meta("scenario", scenario.file);
  meta("seed", std::to_string(scenario.seed));
  char sim_time[48];
  std::snprintf(sim_time, sizeof sim_time, "%.3f us", outcome.simulated_seconds * 1e6);
  meta("simulated time", sim_time);
  meta("measured requests", std::to_string(outcome.report.measured_requests));
  const OutputsChecked& o = outcome.outputs;
  meta("outputs", std::to_string(o.verified) + " verified, " +
                      std::to_string(o.skipped_timing_only) + " timing-only, " +
                      std::to_string(o.skipped_by_policy) + " skipped (verify: " + o.mode + ")");
  h += "</table>\n";
  if (!outcome.ok) {
    h += "<p class=\"error\">simulation error: " + html_escape(outcome.error) + "</p>\n";
  }
  if (!outcome.report.stages.empty()) {
    h += "<h2>Where the time goes</h2>\n" + stage_bars(outcome.report.stages);
  }
  std::string charts;
  for (const SummaryTable& t : outcome.report.tables) {
    for (const ChartRule& rule : chart_rules()) {
      if (t.name == rule.table) {
        charts += chart_of(rule.title + std::string(" (") + t.name + ")", t.columns, t.rows, rule.x,
                           rule.series, rule.y);
      }
    }
  }
  if (!charts.empty()) h += "<h2>Charts</h2>\n" + charts;
  h += "<h2>Tables</h2>\n";
  for (const SummaryTable& t : outcome.report.tables) h += table_html(t.name, t.columns, t.rows);
  if (!outcome.processes.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const ProcessOutcome& p : outcome.processes) {
      rows.push_back({p.name, std::to_string(p.pid), p.parent, std::to_string(p.requests_ok),
                      std::to_string(p.requests_failed), p.end, p.first_error});
    }
    h += table_html("processes", {"process", "pid", "parent", "ok", "failed", "end", "first error"},
                    rows);
  }
  return h + "</body>\n</html>\n";
}

std::string sweep_report_html(const std::string& scenario_name,
                              const std::vector<SweepChartSpec>& charts) {
  std::string h = page_head("wdsim sweep: " + scenario_name);
  h += "<h1>wdsim sweep: " + html_escape(scenario_name) + "</h1>\n";
  for (const SweepChartSpec& c : charts) {
    h += "<h2>" + html_escape(c.title) + "</h2>\n";
    for (const std::string& m : c.metrics) {
      h += chart_of(m + " against " + c.x, c.columns, c.rows, c.x, c.series, m);
    }
    h += table_html(c.title, c.columns, c.rows);
  }
  return h + "</body>\n</html>\n";
}

}  // namespace wdsim
