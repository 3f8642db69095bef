// HostThread's busy-poll accounting: a poller wakes at the next poll boundary after the write
// and is charged the whole wait on a core of its own; on a scheduler's shared core it is
// preempted at slice end and charged only its on-core time.
#include "sim/cpu_host/kernel/host_thread.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>

#include "sim/base/sim_env.h"
#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

constexpr uint64_t kPage = 4096;

DramParams small_dram() {
  DramParams p = default_params<DramParams>();
  p.size_bytes = 64ull << 20;
  return p;
}

// The kernel's MMIO target (nothing in these tests touches MMIO).
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

// An initiator for memory's device port, which must be bound (nothing DMAs in these tests).
struct Caller : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Caller> out{"out"};
  explicit Caller(sc_core::sc_module_name n) : sc_module(n) {}
};

// A thread that busy-polls a word another thread writes at a known time.
struct PollHarness : sc_core::sc_module {
  SC_HAS_PROCESS(PollHarness);
  PollHarness(sc_core::sc_module_name n, Kernel& k, Process& p, uint64_t va)
      : sc_module(n), kernel(k), process(p), va(va) {
    SC_THREAD(poller);
    SC_THREAD(writer);
  }
  void poller() {
    HostThread t(kernel, process, "poller");
    ok = t.poll_memory(
        va, 4, [](const uint8_t* b) { return b[0] == 0x5a; }, 50'000, 10'000'000);
    // The thread's own time: the poll leaves its last step deferred (temporal decoupling).
    seen_at = t.cpu().local_now();
    cpu = t.cpu().busy_time();
    timed_out = !t.poll_memory(
        va + 4, 4, [](const uint8_t* b) { return b[0] == 1; }, 50'000, 1'000'000);
  }
  void writer() {
    sc_core::wait(ns(1234));
    const uint8_t v = 0x5a;
    process.write(va, &v, 1);
  }
  Kernel& kernel;
  Process& process;
  uint64_t va;
  bool ok = false;
  bool timed_out = false;
  sc_core::sc_time seen_at;
  sc_core::sc_time cpu;
};

TEST(HostThread, BusyPollWakesAtTheNextPollBoundaryAndChargesTheWholeWait) {
  testing::fresh_sc_context();
  SimEnv env;
  auto mem = std::make_unique<PhysicalMemory>("mem", small_dram(), env);
  FrameAllocator frames(kPage * 16, (64ull << 20) - kPage * 16);
  HostCostParams costs = default_params<HostCostParams>();
  auto kernel = std::make_unique<Kernel>("kernel", costs, *mem, frames, env);
  auto devices = std::make_unique<Recorder>("devices");
  kernel->mmio.bind(devices->in);
  auto dma = std::make_unique<Caller>("dma");  // nothing DMAs in this test
  dma->out.bind(mem->socket);
  Process& p = kernel->create_process();
  const uint64_t va = p.mmap_anonymous(kPage);
  auto h = std::make_unique<PollHarness>("h", *kernel, p, va);
  sc_core::sc_start();
  EXPECT_TRUE(h->ok);
  // Written at 1234 ns (seen one delta later); the next 50 ns boundary is 1250 ns, and
  // the iteration that sees it costs one more poll: 1300 ns, all of it busy.
  EXPECT_EQ(h->seen_at, ns(1300));
  EXPECT_EQ(h->cpu, ns(1300));
  EXPECT_TRUE(h->timed_out);
  h.reset();
  dma.reset();
  devices.reset();
  kernel.reset();
  mem.reset();
}

// On one core with a short slice: the poller holds the core while it spins, is preempted at
// slice end by a compute thread, and sees the write that came while it was off-core when it
// runs again; only its on-core time is charged.
struct ScheduledPollHarness : sc_core::sc_module {
  SC_HAS_PROCESS(ScheduledPollHarness);
  ScheduledPollHarness(sc_core::sc_module_name n, Kernel& k, Process& p, uint64_t va,
                       CpuScheduler& s)
      : sc_module(n), kernel(k), process(p), va(va), sched(s) {
    SC_THREAD(poller);
    SC_THREAD(compute);
    SC_THREAD(writer);
  }
  void poller() {
    HostThread t(kernel, process, "poller", &sched);
    ok = t.poll_memory(
        va, 4, [](const uint8_t* b) { return b[0] == 0x5a; }, 50'000, 10'000'000);
    // The thread's own time: the poll leaves its last step deferred (temporal decoupling).
    seen_at = t.cpu().local_now();
    cpu = t.cpu().busy_time();
    t.cpu().sync();  // the thread ends at its own time, as a scenario's threads do
  }
  void compute() {
    HostThread t(kernel, process, "compute", &sched);
    t.compute(2'000'000);  // 2 us
    compute_done = sc_core::sc_time_stamp();
  }
  void writer() {
    sc_core::wait(ns(1234));
    const uint8_t v = 0x5a;
    process.write(va, &v, 1);
  }
  Kernel& kernel;
  Process& process;
  uint64_t va;
  CpuScheduler& sched;
  bool ok = false;
  sc_core::sc_time seen_at, cpu, compute_done;
};

TEST(HostThread, ScheduledBusyPollIsPreemptedAndChargedOnlyOnCore) {
  testing::fresh_sc_context();
  SimEnv env;
  auto mem = std::make_unique<PhysicalMemory>("mem", small_dram(), env);
  FrameAllocator frames(kPage * 16, (64ull << 20) - kPage * 16);
  HostCostParams costs = default_params<HostCostParams>();
  auto kernel = std::make_unique<Kernel>("kernel", costs, *mem, frames, env);
  auto devices = std::make_unique<Recorder>("devices");
  kernel->mmio.bind(devices->in);
  auto dma = std::make_unique<Caller>("dma");
  dma->out.bind(mem->socket);
  CpuScheduler::Config cfg;
  cfg.cores = 1;
  cfg.time_slice = ns(500);
  cfg.context_switch = ns(100);
  CpuScheduler sched(cfg, env.stats());
  Process& p = kernel->create_process();
  const uint64_t va = p.mmap_anonymous(kPage);
  auto h = std::make_unique<ScheduledPollHarness>("h", *kernel, p, va, sched);
  sc_core::sc_start();
  EXPECT_TRUE(h->ok);
  // Poller spins 0-500, compute switches in and runs 600-1100, poller switches back in at
  // 1100-1200 and sees the 1234 ns write; next boundary 1250, one more poll: 1300.
  EXPECT_EQ(h->seen_at, ns(1300));
  // On core: 500 spinning, 100 switch, 1200-1250 spinning to the boundary, 50 last poll.
  EXPECT_EQ(h->cpu, ns(700));
  // Compute: 500 done by 1100, the rest after the poller ends and one more switch.
  EXPECT_EQ(h->compute_done, ns(1300 + 100 + 1500));
  EXPECT_EQ(sched.preemptions(), 2u);
  h.reset();
  dma.reset();
  devices.reset();
  kernel.reset();
  mem.reset();
}

}  // namespace
}  // namespace wdsim
