#include "sim/accel/qm/qm_arbiter.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace wdsim {
namespace {

// Serves `turns` turns of always-busy queues; returns the queue of each turn.
std::vector<uint16_t> serve(QmArbiter& a, int turns) {
  std::vector<uint16_t> order;
  for (int i = 0; i < turns; ++i) {
    auto q = a.take();
    if (!q) break;
    order.push_back(*q);
    a.release(*q, true);
  }
  return order;
}

TEST(QmArbiter, RoundRobinInReadyOrder) {
  QmArbiter a(QmArbiter::Policy::kRoundRobin, 8);
  a.mark_ready(5);
  a.mark_ready(2);
  a.mark_ready(7);
  a.mark_ready(2);  // already waiting
  EXPECT_EQ(serve(a, 7), (std::vector<uint16_t>{5, 2, 7, 5, 2, 7, 5}));
}

TEST(QmArbiter, BusyQueueIsNotHandedOutTwice) {
  QmArbiter a(QmArbiter::Policy::kRoundRobin, 4);
  a.mark_ready(1);
  auto q = a.take();
  ASSERT_TRUE(q);
  a.mark_ready(1);  // a doorbell while it is being served
  EXPECT_TRUE(a.empty());
  a.release(1, true);
  EXPECT_EQ(a.take(), std::optional<uint16_t>(1));
  a.release(1, false);
  EXPECT_TRUE(a.empty());
  a.mark_ready(9);  // out of range: ignored
  EXPECT_TRUE(a.empty());
}

TEST(QmArbiter, WeightedGivesConsecutiveTurnsByWeight) {
  QmArbiter a(QmArbiter::Policy::kWeighted, 4);
  a.set_weight(0, 1);
  a.set_weight(1, 3);
  a.set_weight(2, 0);  // treated as 1
  EXPECT_EQ(a.weight(2), 1u);
  for (uint16_t q : {0, 1, 2}) a.mark_ready(q);
  EXPECT_EQ(serve(a, 10), (std::vector<uint16_t>{0, 1, 1, 1, 2, 0, 1, 1, 1, 2}));
}

TEST(QmArbiter, WeightedSharesFollowWeights) {
  QmArbiter a(QmArbiter::Policy::kWeighted, 4);
  for (uint16_t q = 0; q < 4; ++q) {
    a.set_weight(q, q + 1u);
    a.mark_ready(q);
  }
  std::map<uint16_t, int> share;
  for (uint16_t q : serve(a, 1000)) ++share[q];
  for (uint16_t q = 0; q < 4; ++q) EXPECT_EQ(share[q], 100 * (q + 1)) << q;
}

}  // namespace
}  // namespace wdsim
