#include "sim/pcie/pcie_fan_in.h"

#include <gtest/gtest.h>

#include <memory>

#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"
#include "sim/pcie/pcie_test_util.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

TEST(PcieFanIn, EveryPortReachesTheOneUpstreamUnchanged) {
  wdsim::testing::fresh_sc_context();
  SimEnv env;
  auto a = std::make_unique<testing::Initiator>("a");
  auto b = std::make_unique<testing::Initiator>("b");
  auto fan = std::make_unique<PcieFanIn>("fan", 2, env);
  auto rc = std::make_unique<testing::RecordingTarget>("rc");
  rc->service = ns(5);
  a->socket.bind(fan->port(0));
  b->socket.bind(fan->port(1));
  fan->upstream.bind(rc->socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);

  uint32_t data = 7;
  IoAttrs attrs;
  attrs.stream_id = 1;
  attrs.pasid = 9;
  attrs.pasid_valid = true;
  sc_core::sc_time d = ns(10);
  EXPECT_EQ(tlm_access(a->socket, tlm::TLM_WRITE_COMMAND, 0x1000, &data, 4, d, &attrs),
            tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(rc->last_addr, 0x1000u);
  EXPECT_EQ(rc->arrival_delay, ns(10));  // no latency of its own
  EXPECT_EQ(d, ns(15));
  ASSERT_TRUE(rc->last_attrs);
  EXPECT_EQ(rc->last_attrs->stream_id, 1u);
  EXPECT_EQ(rc->last_attrs->pasid, 9u);

  rc->status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
  attrs.stream_id = 2;
  d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(b->socket, tlm::TLM_READ_COMMAND, 0x2000, &data, 4, d, &attrs),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(rc->last_attrs->stream_id, 2u);
  EXPECT_EQ(rc->calls, 2);
  EXPECT_EQ(env.stats().find_counter("pcie.fan.port0.requests")->value(), 1u);
  EXPECT_EQ(env.stats().find_counter("pcie.fan.port1.requests")->value(), 1u);
}

}  // namespace
}  // namespace wdsim
