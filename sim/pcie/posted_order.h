// PostedOrder: the PCIe ordering rule that nothing passes an earlier posted request, for one
// direction of a link or a switch fabric, as transaction-level costs. The timing servers
// (sim/base/timing.h) fill gaps: a job offered later in simulation order may start in a gap
// before a long job that arrived earlier but did not fit there, so a CQE could pass the data it
// announces. PostedOrder keeps the latest posted job (by arrival time) and holds any job that
// arrives at or after it until that job has left: a posted write may not pass a posted write, a
// completion or a non-posted request may not pass a posted write (PCIe Base Spec 6.0 2.4.1,
// table 2-39, with Relaxed Ordering and ID-Based Ordering off). Posted requests may still pass
// non-posted requests and completions, as the table allows.
//
// A job held this way is booked at the posted job's end, so the server counts that hold as
// service, not as a wait. Posted jobs older than the servers' reorder horizon are forgotten.
//
// Does not model: Relaxed Ordering and ID-Based Ordering (every TLP is strongly ordered), and
// per-VC ordering.
#pragma once

#include <algorithm>
#include <cstddef>
#include <systemc>
#include <vector>

#include "sim/base/timing.h"

namespace wdsim {

class PostedOrder {
 public:
  // The arrival time to book a job of `service` arriving at `arrival` with on `server`: its own,
  // unless the server would start it before a posted job that arrived no later has left (a gap
  // ahead of a long job); then that job's end.
  sc_core::sc_time arrival_for(const TimingServer& server, const sc_core::sc_time& arrival,
                               const sc_core::sc_time& service) const {
    sc_core::sc_time floor = sc_core::SC_ZERO_TIME;
    if (arrival >= latest_) {
      // In arrival order (the usual case): every posted job qualifies. The latest end among
      // them (forgotten ones included: they ended before the horizon, so before `arrival`, and
      // cannot hold it) is kept as they come.
      floor = latest_end_;
    } else {
      for (size_t i = head_; i < jobs_.size(); ++i) {
        if (jobs_[i].arrival <= arrival) floor = std::max(floor, jobs_[i].end);
      }
    }
    if (floor <= arrival) return arrival;  // nothing posted is still on the wire
    return server.earliest_start(arrival, service) < floor ? floor : arrival;
  }
  // A posted job that arrived at `arrival` leaves at `end`.
  void posted(const sc_core::sc_time& arrival, const sc_core::sc_time& end) {
    ends_in_order_ = ends_in_order_ && (head_ == jobs_.size() || jobs_.back().end <= end);
    jobs_.push_back({arrival, end});
    latest_ = std::max(latest_, arrival);
    latest_end_ = std::max(latest_end_, end);
    const sc_core::sc_time& horizon = TimingServer::reorder_horizon();
    if (jobs_.size() - head_ > kPruneAt && latest_ > horizon) {
      const sc_core::sc_time cut = latest_ - horizon;
      if (ends_in_order_) {
        // The usual case (posted jobs leave in the order they came): the jobs to forget are a
        // prefix; skip it instead of scanning the list.
        while (head_ < jobs_.size() && jobs_[head_].end < cut) ++head_;
        if (head_ >= kPruneAt && head_ * 2 >= jobs_.size()) compact();
      } else {
        compact();
        std::erase_if(jobs_, [&](const Job& j) { return j.end < cut; });
        ends_in_order_ = std::is_sorted(jobs_.begin(), jobs_.end(),
                                        [](const Job& a, const Job& b) { return a.end < b.end; });
      }
    }
  }

 private:
  static constexpr size_t kPruneAt = 64;  // prune the list when it is longer than this
  struct Job {
    sc_core::sc_time arrival;
    sc_core::sc_time end;
  };
  // Drops the forgotten prefix jobs_[0, head_).
  void compact() {
    jobs_.erase(jobs_.begin(), jobs_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  // Posted jobs in the order they were posted, from jobs_[head_] on (the ones before head_ are
  // forgotten and compacted away now and then).
  std::vector<Job> jobs_;
  size_t head_ = 0;
  // Whether the live jobs' ends are non-decreasing (then the forgotten ones are a prefix).
  bool ends_in_order_ = true;
  sc_core::sc_time latest_ = sc_core::SC_ZERO_TIME;      // the latest arrival
  sc_core::sc_time latest_end_ = sc_core::SC_ZERO_TIME;  // the latest end of any posted job
};

}  // namespace wdsim
