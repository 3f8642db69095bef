// QmArbiter: which queue the QM's SQE fetch units serve next. Pure C++ (no SystemC, no time).
//
// Models: the choice among queues that have SQEs to fetch. Two policies:
// - round robin: every ready queue gets one turn (one fetch: up to fetch_batch_max SQEs) in
//   the order it became ready; a served queue that still has work goes to the back.
// - weighted: like round robin, but a queue keeps the arbiter for `weight` consecutive turns
//   before it goes to the back (weighted round robin). The QM takes the weight from SQC w13
//   priority[3:0] as priority + 1, so Linux's priority 0 gives plain round robin.
// A queue being served by one fetch unit is "busy": it is not handed to a second unit at the
// same time (slots of one queue are fetched in order by one unit).
//
// Not modelled: the hardware's own arbitration (the Kunpeng QM's scheduler is not public), QoS
// shaping per function (QM_SHAPER_*), strict priority.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace wdsim {

class QmArbiter {
 public:
  enum class Policy { kRoundRobin, kWeighted };

  QmArbiter(Policy policy, uint32_t num_queues) : policy_(policy), state_(num_queues) {}

  Policy policy() const { return policy_; }
  // Turns in a row a queue gets under kWeighted (at least 1).
  void set_weight(uint16_t q, uint32_t weight) {
    if (q < state_.size()) state_[q].weight = weight == 0 ? 1 : weight;
  }
  uint32_t weight(uint16_t q) const { return q < state_.size() ? state_[q].weight : 1; }

  // The queue has SQEs to fetch. No-op if it is already waiting or being served.
  void mark_ready(uint16_t q) {
    if (q >= state_.size()) return;
    State& s = state_[q];
    if (s.queued || s.busy) return;
    s.queued = true;
    ready_.push_back(q);
  }
  bool empty() const { return ready_.empty(); }

  // The next queue to serve; it is busy until release().
  std::optional<uint16_t> take() {
    if (ready_.empty()) return std::nullopt;
    uint16_t q = ready_.front();
    ready_.pop_front();
    state_[q].queued = false;
    state_[q].busy = true;
    return q;
  }

  // One turn of `q` is over; `more_work`: it still has SQEs to fetch.
  void release(uint16_t q, bool more_work) {
    if (q >= state_.size()) return;
    State& s = state_[q];
    s.busy = false;
    if (!more_work) {
      s.turns = 0;
      return;
    }
    if (policy_ == Policy::kWeighted && ++s.turns < s.weight) {
      s.queued = true;
      ready_.push_front(q);  // keeps the arbiter for its next turn
      return;
    }
    s.turns = 0;
    mark_ready(q);
  }

 private:
  struct State {
    uint32_t weight = 1;
    uint32_t turns = 0;  // consecutive turns taken (kWeighted)
    bool queued = false;
    bool busy = false;
  };
  Policy policy_;
  std::vector<State> state_;
  std::deque<uint16_t> ready_;
};

}  // namespace wdsim
