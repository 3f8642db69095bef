// The host bus: CPU accesses routed by address window (relative or absolute addresses), the
// bus latency added each way, and address errors outside every window or straddling one's end.
#include "sim/cpu_host/host_bus.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <vector>

#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

struct Recorder : sc_core::sc_module {
  tlm_utils::simple_target_socket<Recorder> in{"in"};
  uint64_t last_addr = ~0ull;
  explicit Recorder(sc_core::sc_module_name n) : sc_module(n) {
    in.register_b_transport(this, &Recorder::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    last_addr = gp.get_address();
    delay += ns(7);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Caller : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Caller> out{"out"};
  explicit Caller(sc_core::sc_module_name n) : sc_module(n) {}
};

TEST(HostBus, RoutesByWindowAndAddsLatencyEachWay) {
  testing::fresh_sc_context();
  HostBusParams p{40.0};
  auto caller = std::make_unique<Caller>("cpu");
  auto bus =
      std::make_unique<HostBus>("bus", p,
                                std::vector<HostBus::WindowSpec>{{"wa", 0x1000, 0x1000, true},
                                                                 {"wb", 0x8000, 0x1000, false}});
  auto a = std::make_unique<Recorder>("a");
  auto b = std::make_unique<Recorder>("b");
  caller->out.bind(bus->cpu);
  bus->window(0).bind(a->in);
  bus->window(1).bind(b->in);
  uint32_t v = 0;
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(tlm_access(caller->out, tlm::TLM_WRITE_COMMAND, 0x1010, &v, 4, d),
            tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(a->last_addr, 0x10u);  // relative window
  EXPECT_EQ(d, ns(87));            // 40 + 7 + 40
  d = sc_core::SC_ZERO_TIME;
  tlm_access(caller->out, tlm::TLM_READ_COMMAND, 0x8004, &v, 4, d);
  EXPECT_EQ(b->last_addr, 0x8004u);  // absolute window
  EXPECT_EQ(tlm_access(caller->out, tlm::TLM_READ_COMMAND, 0x5000, &v, 4, d),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(tlm_access(caller->out, tlm::TLM_READ_COMMAND, 0x1ffe, &v, 4, d),
            tlm::TLM_ADDRESS_ERROR_RESPONSE);  // straddles the window end
  b.reset();
  a.reset();
  bus.reset();
  caller.reset();
}

}  // namespace
}  // namespace wdsim
