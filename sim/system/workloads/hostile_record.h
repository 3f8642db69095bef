// What the `hostile` program kind (hostile.cc) records per attack, and its report: each outcome
// it saw (a device status, a runtime error, an effect of a crafted doorbell...) with a count and
// a verdict, and how system-wide counters changed while the attack ran. The report writes the
// table "hostile" (process, attack, outcome, count, verdict), the table "hostile_effects" (the
// counter changes per attack) and the stats workload.hostile.<instance>.<attack>.<outcome>,
// .<attack>.effects.<counter>, .refused_or_contained and .not_refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/system/program.h"

namespace wdsim::hostile {

// refused: the system stopped the attack; contained: it only reached the attacker's own
// memory or queue; NOT refused: it reached something else, or the attacker cannot tell that it
// did not; info: no verdict (e.g. requests the ring accepted).
enum class Verdict { kRefused, kContained, kNotRefused, kInfo };
const char* verdict_name(Verdict v);

// System-wide counters watched around each attack (the attacker's own only while nothing else
// faults, errs or is disabled meanwhile).
struct Effects {
  uint64_t smmu_faults = 0;        // smmu.faults.*: fault records the SMMU wrote
  uint64_t smmu_events = 0;        // host.smmu_drv.events.*: event records the driver read
  uint64_t qm_errors = 0;          // <qm>.errors: bad doorbells, mailbox commands, faults
  uint64_t device_errors = 0;      // <qm>.device_errors: what the isolation threshold counts
  uint64_t aeqes = 0;              // host.qm_drv.aeqes
  uint64_t queues_disabled = 0;    // host.qm_drv.disabled_qps
  uint64_t opens_refused = 0;      // host.uacce.open_refused_isolated
  uint64_t oracle_violations = 0;  // host.dma_oracle.violations
};
Effects operator-(const Effects& after, const Effects& before);

struct AttackRecord {
  std::string attack;
  std::vector<std::string> order;  // outcomes in first-seen order
  std::map<std::string, std::pair<uint64_t, Verdict>> outcomes;
  Effects effects;
  void add(const std::string& outcome, Verdict v, uint64_t n = 1) {
    auto [it, fresh] = outcomes.emplace(outcome, std::make_pair(uint64_t{0}, v));
    if (fresh) order.push_back(outcome);
    it->second.first += n;
  }
  uint64_t count(Verdict v) const {
    uint64_t n = 0;
    for (const auto& [name, c] : outcomes) n += c.second == v ? c.first : 0;
    return n;
  }
};

// One hostile program of the run, for the report.
struct ProgramSummary {
  std::string instance;
  const std::vector<AttackRecord>* records = nullptr;
  uint64_t refused_or_contained = 0;
  uint64_t not_refused = 0;
};

void write_report(const std::vector<ProgramSummary>& programs, RunReport& r);

}  // namespace wdsim::hostile
