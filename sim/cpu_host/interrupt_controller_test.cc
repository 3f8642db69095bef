// The interrupt controller: MSIs delivered in arrival order (by annotated time, not issue
// order), each charging the interrupt entry cost on the irq core before its handler runs.
#include "sim/cpu_host/interrupt_controller.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <utility>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/base/tlm_access.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

// Sends MSIs from a thread at given times.
struct MsiSource : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<MsiSource> out{"out"};
  std::vector<std::pair<double, uint32_t>> plan;  // (ns, vector)
  SC_HAS_PROCESS(MsiSource);
  explicit MsiSource(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    for (auto [at, vector] : plan) {
      sc_core::sc_time delay = ns(at) - sc_core::sc_time_stamp();
      tlm_access(out, tlm::TLM_WRITE_COMMAND, 0, &vector, 4, delay);
    }
  }
};

TEST(InterruptController, DeliversInArrivalOrderAndChargesEntry) {
  testing::fresh_sc_context();
  SimEnv env;
  auto src = std::make_unique<MsiSource>("src");
  auto gic = std::make_unique<InterruptController>("gic", ns(100), env);
  src->out.bind(gic->msi);
  // Annotated delays: vector 2 is issued first but arrives later.
  src->plan = {{500, 2}, {200, 1}};
  std::vector<std::pair<uint32_t, double>> seen;
  for (uint32_t v : {1u, 2u}) {
    gic->set_handler(v, [&seen, v](CpuContext& cpu) {
      seen.push_back({v, to_ns(sc_core::sc_time_stamp())});
      cpu.busy(ns(50));
    });
  }
  sc_core::sc_start();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, 1u);
  EXPECT_DOUBLE_EQ(seen[0].second, 300);  // arrival 200 + entry 100
  EXPECT_EQ(seen[1].first, 2u);
  EXPECT_DOUBLE_EQ(seen[1].second, 600);            // arrival 500 + entry 100
  EXPECT_EQ(gic->irq_core().busy_time(), ns(300));  // 2 x (100 + 50)
  gic.reset();
  src.reset();
}

}  // namespace
}  // namespace wdsim
