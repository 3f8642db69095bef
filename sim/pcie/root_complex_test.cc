#include "sim/pcie/root_complex.h"

#include <gtest/gtest.h>

#include <memory>

#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"
#include "sim/pcie/pcie_test_util.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

struct RcFixture {
  SimEnv env;
  std::unique_ptr<testing::Initiator> link;
  std::unique_ptr<RootComplex> rc;
  std::unique_ptr<testing::RecordingTarget> iommu;
  std::unique_ptr<testing::RecordingTarget> intc;
  RcFixture() {
    wdsim::testing::fresh_sc_context();
    RootComplexParams p = default_params<RootComplexParams>();
    p.latency_ns = 50;
    p.msi_base = 0x8000000;
    p.msi_size = 0x100000;
    link = std::make_unique<testing::Initiator>("link");
    rc = std::make_unique<RootComplex>("rc", p, env);
    iommu = std::make_unique<testing::RecordingTarget>("iommu");
    intc = std::make_unique<testing::RecordingTarget>("intc");
    link->socket.bind(rc->from_link);
    rc->to_iommu.bind(iommu->socket);
    rc->to_msi.bind(intc->socket);
    sc_core::sc_start(SC_ZERO_TIME);
  }
  uint64_t stat(const std::string& key) {
    return env.stats().find_counter("pcie.rc." + key)->value();
  }
};

TEST(RootComplex, RoutesMsiWindowWritesToTheInterruptController) {
  RcFixture f;
  uint32_t data = 5;
  sc_time d = ns(10);
  IoAttrs no_pasid;
  no_pasid.stream_id = 3;
  EXPECT_EQ(tlm_access(f.link->socket, tlm::TLM_WRITE_COMMAND, 0x8000040, &data, 4, d, &no_pasid),
            tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(f.intc->calls, 1);
  EXPECT_EQ(f.iommu->calls, 0);
  EXPECT_EQ(f.intc->last_addr, 0x8000040u);  // unchanged
  EXPECT_EQ(f.intc->arrival_delay, ns(60));  // + root complex latency
  ASSERT_TRUE(f.intc->last_attrs);
  EXPECT_EQ(f.intc->last_attrs->stream_id, 3u);

  // Without any IoAttrs, too.
  tlm_access(f.link->socket, tlm::TLM_WRITE_COMMAND, 0x80ffffc, &data, 4, d);
  EXPECT_EQ(f.intc->calls, 2);
  EXPECT_EQ(f.stat("msi_writes"), 2u);
}

TEST(RootComplex, EverythingElseGoesToTheIommu) {
  RcFixture f;
  uint64_t data = 0;
  sc_time d = SC_ZERO_TIME;
  // Ordinary DMA write.
  tlm_access(f.link->socket, tlm::TLM_WRITE_COMMAND, 0x10000, &data, 8, d);
  EXPECT_EQ(f.iommu->calls, 1);
  EXPECT_EQ(d, ns(50));
  // A read in the window is not an MSI.
  tlm_access(f.link->socket, tlm::TLM_READ_COMMAND, 0x8000040, &data, 4, d);
  EXPECT_EQ(f.iommu->calls, 2);
  // Straddling the window's edges.
  tlm_access(f.link->socket, tlm::TLM_WRITE_COMMAND, 0x7fffffc, &data, 8, d);
  tlm_access(f.link->socket, tlm::TLM_WRITE_COMMAND, 0x80ffffc, &data, 8, d);
  tlm_access(f.link->socket, tlm::TLM_WRITE_COMMAND, 0x8100000, &data, 4, d);
  EXPECT_EQ(f.iommu->calls, 5);
  // A PASID-tagged (SVA) write to a user address inside the window is DMA.
  IoAttrs sva;
  sva.pasid = 1;
  sva.pasid_valid = true;
  tlm_access(f.link->socket, tlm::TLM_WRITE_COMMAND, 0x8000040, &data, 4, d, &sva);
  EXPECT_EQ(f.iommu->calls, 6);
  ASSERT_TRUE(f.iommu->last_attrs);
  EXPECT_EQ(f.iommu->last_attrs->pasid, 1u);
  EXPECT_EQ(f.intc->calls, 0);
  EXPECT_EQ(f.stat("dma_reads"), 1u);
  EXPECT_EQ(f.stat("dma_writes"), 5u);
  EXPECT_EQ(f.stat("msi_writes"), 0u);
}

}  // namespace
}  // namespace wdsim
