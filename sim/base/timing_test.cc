#include "sim/base/timing.h"

#include <gtest/gtest.h>

namespace wdsim {
namespace {

TEST(TimingServer, QueuesFirstComeFirstServed) {
  TimingServer s;
  EXPECT_EQ(s.serve(ns(0), ns(10)), ns(10));
  EXPECT_EQ(s.serve(ns(5), ns(10)), ns(20));   // waits 5 ns
  EXPECT_EQ(s.serve(ns(100), ns(1)), ns(101));  // idle gap
  EXPECT_EQ(s.wait_time(), ns(5));
  EXPECT_EQ(s.busy_time(), ns(21));
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
