// report.html: one self-contained page per run (inline CSS and SVG, nothing fetched from a
// network) that an engineer opens in a browser: the run's header (scenario, seed, simulated
// time, requests, outputs verified), every summary table, a stacked bar of each measured
// point's mean latency by stage, and line charts of the tables that vary a parameter
// (throughput against depth, thread count or size; latency against size). Also the sweep page:
// the swept parameter on x, a metric on y, one line per value of the other swept dimensions.
// Does not: embed the trace, or draw tables of one row (their numbers are in the table).
#pragma once

#include <string>
#include <vector>

#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {

std::string report_html(const Scenario& scenario, const RunOutcome& outcome);

// A column-oriented table of the sweep's points: `x` names the column on the x axis, `series`
// the columns whose values name a line, `metrics` the columns charted (one chart each).
struct SweepChartSpec {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string x;
  std::vector<std::string> series;
  std::vector<std::string> metrics;
};
std::string sweep_report_html(const std::string& scenario_name,
                              const std::vector<SweepChartSpec>& charts);

// "&lt;" for "<" and so on: text safe inside HTML elements and attributes.
std::string html_escape(const std::string& s);

}  // namespace wdsim
