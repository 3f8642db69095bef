#include "sim/base/timing.h"

#include <gtest/gtest.h>

namespace wdsim {
namespace {

TEST(TimingServer, QueuesFirstComeFirstServed) {
  TimingServer s;
  EXPECT_EQ(s.serve(ns(0), ns(10)), ns(10));
  EXPECT_EQ(s.serve(ns(5), ns(10)), ns(20));    // waits 5 ns
  EXPECT_EQ(s.serve(ns(100), ns(1)), ns(101));  // idle gap
  EXPECT_EQ(s.wait_time(), ns(5));
  EXPECT_EQ(s.busy_time(), ns(21));
}

TEST(TimingServer, AnEarlierArrivalUsesTheIdleGapBeforeABookingAhead) {
  TimingServer s;
  EXPECT_EQ(s.serve(ns(100), ns(10)), ns(110));  // booked ahead of simulated time
  EXPECT_EQ(s.serve(ns(0), ns(30)), ns(30));     // fits before it
  EXPECT_EQ(s.serve(ns(50), ns(60)), ns(170));   // 50..110 is too short: after the booking
  EXPECT_EQ(s.serve(ns(35), ns(10)), ns(45));    // the gap 30..50 is still free
  EXPECT_EQ(s.serve(ns(105), ns(1)), ns(171));   // inside booked time: waits for the end
  EXPECT_EQ(s.free_at(), ns(171));
  EXPECT_EQ(s.busy_time(), ns(111));
  EXPECT_EQ(s.wait_time(), ns(60 + 65));
}

TEST(TimingServer, ForgetsIntervalsPastTheHorizon) {
  TimingServer s;
  s.serve(ns(0), ns(10));
  s.serve(ns(3e6), ns(10));                 // 3 ms later: the first interval is forgotten
  EXPECT_EQ(s.serve(ns(5), ns(1)), ns(6));  // (an arrival that late is outside the model)
  EXPECT_EQ(s.serve(ns(3e6 + 5), ns(1)), ns(3e6 + 11));
}

TEST(ServerPool, PicksEarliestFree) {
  ServerPool p(2);
  EXPECT_EQ(p.serve(ns(0), ns(10)).server, 0u);
  EXPECT_EQ(p.serve(ns(0), ns(10)).server, 1u);
  auto g = p.serve(ns(0), ns(10));
  EXPECT_EQ(g.server, 0u);
  EXPECT_EQ(g.start, ns(10));
  EXPECT_EQ(g.end, ns(20));
}

TEST(TransferTime, BytesOverBandwidth) {
  EXPECT_EQ(transfer_time(4096, 4.0), ps(1024000));  // 4096 B at 4 GB/s = 1024 ns
  EXPECT_EQ(to_ps(ns(1.5)), 1500u);
}

}  // namespace
}  // namespace wdsim
