// The host model's own blocks: a process's address space, the interrupt controller's
// delivery order and cost, the host bus's routing, and HostThread's busy-poll accounting (on a
// core of its own and on a scheduler's shared core).
#include <gtest/gtest.h>

#include <memory>

#include "sim/base/sim_env.h"
#include "sim/base/tlm_access.h"
#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/host_thread.h"
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

TEST(Process, AnonymousMemoryIsMappedReadableAndFreedOnMunmap) {
  testing::fresh_sc_context();
  SimEnv env;
  PhysicalMemory mem("mem", small_dram(), env);
  FrameAllocator frames(kPage * 16, (64ull << 20) - kPage * 16);
  {
    Process p(100, mem, frames);
    const size_t before = frames.free_count();
    const uint64_t va = p.mmap_anonymous(3 * kPage + 1);  // rounds up to 4 pages
    EXPECT_EQ(va, Process::kMmapBase);
    const char msg[] = "crosses a page boundary";
    ASSERT_TRUE(p.write(va + kPage - 5, msg, sizeof msg));
    char back[sizeof msg] = {};
    ASSERT_TRUE(p.read(va + kPage - 5, back, sizeof back));
    EXPECT_STREQ(back, msg);
    // The physical bytes are where the page table says.
    auto pa = p.translate(va + kPage);
    ASSERT_TRUE(pa.has_value());
    char raw[5] = {};
    mem.read(*pa, raw, 4);
    EXPECT_STREQ(raw, "es a");
    const Vma* vma = p.find_vma(va + 2 * kPage);
    ASSERT_NE(vma, nullptr);
    EXPECT_EQ(vma->length, 4 * kPage);
    // A second mapping leaves a guard page.
    const uint64_t va2 = p.mmap_anonymous(kPage);
    EXPECT_EQ(va2, va + 5 * kPage);
    EXPECT_FALSE(p.read(va + 4 * kPage, back, 1));
    EXPECT_TRUE(p.munmap(va, 4 * kPage));
    EXPECT_FALSE(p.read(va, back, 1));
    EXPECT_FALSE(p.munmap(va, 4 * kPage));
    EXPECT_TRUE(p.munmap(va2, kPage));
    // Data frames come back; page-table frames stay until the process goes (as Linux).
    EXPECT_GE(frames.free_count() + p.page_table().table_pages(), before);
  }
}

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
    seen_at = sc_core::sc_time_stamp();
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
    seen_at = sc_core::sc_time_stamp();
    cpu = t.cpu().busy_time();
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
