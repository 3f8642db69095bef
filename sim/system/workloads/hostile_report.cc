// The `hostile` kind's records and report (hostile_record.h): the outcome table with verdicts,
// the table of system-wide counter changes per attack, and the workload.hostile.* stats.
#include <cstdio>
#include <sstream>

#include "sim/base/stats.h"
#include "sim/system/workloads/hostile_record.h"

namespace wdsim::hostile {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kRefused:
      return "refused";
    case Verdict::kContained:
      return "contained";
    case Verdict::kNotRefused:
      return "NOT refused";
    case Verdict::kInfo:
      return "info";
  }
  return "?";
}

Effects operator-(const Effects& a, const Effects& b) {
  return {a.smmu_faults - b.smmu_faults,
          a.smmu_events - b.smmu_events,
          a.qm_errors - b.qm_errors,
          a.device_errors - b.device_errors,
          a.aeqes - b.aeqes,
          a.queues_disabled - b.queues_disabled,
          a.opens_refused - b.opens_refused,
          a.oracle_violations - b.oracle_violations};
}

void write_report(const std::vector<ProgramSummary>& programs, RunReport& r) {
  std::ostringstream os;
  char line[320];
  os << "hostile: attacks and what the attacker saw\n";
  std::snprintf(line, sizeof line, "%-10s %-16s %-58s %6s  %s\n", "process", "attack", "outcome",
                "count", "verdict");
  os << line;
  SummaryTable outcomes{"hostile", {"process", "attack", "outcome", "count", "verdict"}, {}};
  SummaryTable effects{
      "hostile_effects",
      {"process", "attack", "smmu_faults", "smmu_events", "qm_errors", "device_errors", "aeqes",
       "queues_disabled", "opens_refused", "oracle_violations"},
      {}};
  for (const ProgramSummary& h : programs) {
    const std::string base = "workload.hostile." + h.instance + ".";
    for (const AttackRecord& rec : *h.records) {
      for (const std::string& name : rec.order) {
        const auto& [n, v] = rec.outcomes.at(name);
        std::snprintf(line, sizeof line, "%-10s %-16s %-58s %6llu  %s\n", h.instance.c_str(),
                      rec.attack.c_str(), name.c_str(), static_cast<unsigned long long>(n),
                      verdict_name(v));
        os << line;
        outcomes.rows.push_back({h.instance, rec.attack, name, std::to_string(n), verdict_name(v)});
        r.stats->counter(base + rec.attack + "." + name, "what the hostile saw").inc(n);
      }
      const Effects& e = rec.effects;
      const std::vector<uint64_t> values = {
          e.smmu_faults, e.smmu_events,     e.qm_errors,     e.device_errors,
          e.aeqes,       e.queues_disabled, e.opens_refused, e.oracle_violations};
      std::vector<std::string> row = {h.instance, rec.attack};
      for (size_t i = 0; i < values.size(); ++i) {
        row.push_back(std::to_string(values[i]));
        r.stats
            ->counter(base + rec.attack + ".effects." + effects.columns[i + 2],
                      "system-wide counter change during the attack")
            .inc(values[i]);
      }
      effects.rows.push_back(std::move(row));
    }
    r.stats->counter(base + "refused_or_contained").inc(h.refused_or_contained);
    r.stats->counter(base + "not_refused").inc(h.not_refused);
  }
  os << "\nsystem-wide counter changes during each attack:\n";
  std::snprintf(line, sizeof line, "%-10s %-16s %7s %7s %7s %7s %6s %8s %7s %7s\n", "process",
                "attack", "smmu_f", "smmu_ev", "qm_err", "dev_err", "aeqes", "disabled", "refused",
                "oracle");
  os << line;
  for (const auto& row : effects.rows) {
    std::snprintf(line, sizeof line, "%-10s %-16s %7s %7s %7s %7s %6s %8s %7s %7s\n",
                  row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(),
                  row[5].c_str(), row[6].c_str(), row[7].c_str(), row[8].c_str(), row[9].c_str());
    os << line;
  }
  r.text += os.str();
  r.tables.push_back(std::move(outcomes));
  r.tables.push_back(std::move(effects));
}

}  // namespace wdsim::hostile
