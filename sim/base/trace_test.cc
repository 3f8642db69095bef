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

}  // namespace
}  // namespace wdsim
