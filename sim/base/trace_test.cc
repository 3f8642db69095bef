#include "sim/base/trace.h"

#include <gtest/gtest.h>

namespace wdsim {
namespace {

TEST(TraceSink, CanonicalTextSortedByTimeStable) {
  TraceSink t;
  t.emit(200, "qm", "cqe_write", {tf("qp", 0), tf_hex("addr", 0x1000)});
  t.emit(100, "smmu", "walk", {tf("pasid", 1)});
  t.emit(200, "qm", "msi");
  EXPECT_EQ(t.to_text(), "100 smmu walk pasid=1\n200 qm cqe_write qp=0 addr=0x1000\n200 qm msi\n");
}

TEST(TraceSink, DisabledRecordsNothing) {
  TraceSink t(false);
  t.emit(1, "a", "b");
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.to_text(), "");
}

// A view-only event is in trace.json (on its component's track, a step of its flow) and never in
// the canonical text.
TEST(TraceSink, ViewEventsStayOutOfTheCanonicalText) {
  TraceSink t;
  const uint64_t fetch = t.emit(100, "qm", "sqe_fetch");
  const uint64_t access = t.view_event(150, "memory", "dma_read", {tf("bytes", 64)});
  t.flow_event(fetch, 7);
  t.flow_event(access, 7);
  EXPECT_EQ(t.to_text(), "100 qm sqe_fetch\n");
  const std::string json = t.to_chrome_json();
  EXPECT_NE(json.find("\"name\":\"dma_read\",\"cat\":\"memory\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"ph\":\"f\""), std::string::npos) << json;
  TraceSink off(false);
  EXPECT_EQ(off.view_event(1, "memory", "dma_read"), 0u);
}

}  // namespace
}  // namespace wdsim
