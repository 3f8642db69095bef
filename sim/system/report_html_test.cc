// report.html: known answers on hand-made outcomes (stage bar widths proportional to the
// stages' means, a line per series with its points, tables escaped), a real run's page (its
// tables, both paths' stage bars), and the page is self-contained (no script, no link, no
// source fetched from anywhere).
#include "sim/system/report_html.h"

#include <gtest/gtest.h>

#include "sim/base/sim_env.h"

namespace wdsim {
namespace {

bool has(const std::string& page, const std::string& part) {
  return page.find(part) != std::string::npos;
}

void expect_self_contained(const std::string& page) {
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_FALSE(has(page, "<script"));
  EXPECT_FALSE(has(page, "<link"));
  EXPECT_FALSE(has(page, "src="));
  EXPECT_FALSE(has(page, "href="));
  EXPECT_FALSE(has(page, "url("));
  // Every element opened is closed: as many <svg as </svg>, <table as </table>.
  for (const char* tag : {"svg", "table", "tr", "h2"}) {
    size_t open = 0, close = 0;
    for (size_t at = 0; (at = page.find(std::string("<") + tag, at)) != std::string::npos; ++at) {
      const char next = page[at + 1 + std::string(tag).size()];
      open += next == ' ' || next == '>';
    }
    for (size_t at = 0; (at = page.find(std::string("</") + tag + ">", at)) != std::string::npos;
         ++at) {
      ++close;
    }
    EXPECT_EQ(open, close) << tag;
  }
}

TEST(ReportHtml, StageBarsAreProportionalToTheMeans) {
  Scenario sc;
  sc.name = "hand";
  RunOutcome o;
  o.ok = true;
  // Widest bar 4 us over the plot's 370 px (720 - 150 label - 200 legend).
  o.report.stages = {{"doorbell 4 KiB", {{"submit", 1.0}, {"engine", 3.0}}},
                     {"syscall 4 KiB", {{"submit", 0.5}, {"copy_in", 1.5}}}};
  const std::string page = report_html(sc, o);
  expect_self_contained(page);
  EXPECT_TRUE(has(page, "x=\"150.0\" y=\"30.0\" width=\"92.5\""));   // doorbell submit: 1/4
  EXPECT_TRUE(has(page, "x=\"242.5\" y=\"30.0\" width=\"277.5\""));  // doorbell engine: 3/4
  EXPECT_TRUE(has(page, "x=\"150.0\" y=\"60.0\" width=\"46.2\""));   // syscall submit: 0.5/4
  EXPECT_TRUE(has(page, "<title>doorbell 4 KiB: engine 3 us</title>"));
  // One colour per stage name, the same in both bars: submit is the first palette colour.
  EXPECT_TRUE(has(page, "width=\"46.2\" height=\"22\" fill=\"#377eb8\""));
  EXPECT_TRUE(has(page, "class=\"legend\" x=\"574.0\" y=\"71.0\">copy_in</text>"));
}

TEST(ReportHtml, ATableThatVariesDepthGetsAThroughputLine) {
  Scenario sc;
  sc.name = "batch";
  RunOutcome o;
  o.ok = true;
  o.report.tables = {{"batch",
                      {"process", "size", "queues", "depth", "requests", "kreq_per_s", "mean_us"},
                      {{"app", "8192", "1", "1", "256", "100", "9.5"},
                       {"app", "8192", "1", "2", "256", "200", "9.7"},
                       {"app", "8192", "1", "4", "256", "250", "15.6"}}}};
  const std::string page = report_html(sc, o);
  expect_self_contained(page);
  EXPECT_TRUE(has(page, "aria-label=\"Throughput against depth (batch)\""));
  EXPECT_TRUE(has(page, "aria-label=\"Mean latency against depth (batch)\""));
  // x from 1 to 4 over 450 px from 70; y ticks to 250 over 245 px from 30. The series columns
  // take one value each, so the line is named after the metric.
  EXPECT_TRUE(has(page, "points=\"70.0,177.0 220.0,79.0 520.0,30.0\""));
  EXPECT_TRUE(has(page, "<title>kreq_per_s: depth 4, kreq_per_s 250</title>"));
  EXPECT_TRUE(has(page, "<td class=\"n\">250</td>"));
  EXPECT_FALSE(has(page, "Where the time goes"));  // no stage breakdown in this outcome
}

TEST(ReportHtml, TextIsEscapedAndErrorsShown) {
  Scenario sc;
  sc.name = "a<b>";
  RunOutcome o;
  o.ok = false;
  o.error = "app/main: x & y";
  o.report.tables = {{"probe", {"loads_ok", "target"}, {{"0", "<ring>"}}}};
  const std::string page = report_html(sc, o);
  EXPECT_TRUE(has(page, "<h1>wdsim: a&lt;b&gt;</h1>"));
  EXPECT_TRUE(has(page, "simulation error: app/main: x &amp; y"));
  EXPECT_TRUE(has(page, "<td>&lt;ring&gt;</td>"));
  EXPECT_FALSE(has(page, "<ring>"));
}

TEST(ReportHtml, ARealRunShowsItsTablesAndBothPaths) {
  const Scenario sc = load_scenario("scenarios/golden/two_requests.yaml", {}, 0);
  SimEnv env(sc.seed, /*trace_enabled=*/false);
  const RunOutcome o = run_system(sc, env);
  ASSERT_TRUE(o.ok) << o.error;
  const std::string page = report_html(sc, o);
  expect_self_contained(page);
  EXPECT_TRUE(has(page, "<h3>compare</h3>"));
  EXPECT_TRUE(has(page, ">doorbell 4 KiB</text>"));
  EXPECT_TRUE(has(page, ">syscall 4 KiB</text>"));
  for (const char* stage : {"doorbell", "engine", "copy_in", "dma_map", "irq_wakeup"}) {
    EXPECT_TRUE(has(page, std::string("\">") + stage + "</text>")) << stage;  // legend
  }
  EXPECT_TRUE(has(page, "<td>measured requests</td><td>2</td>"));
}

}  // namespace
}  // namespace wdsim
