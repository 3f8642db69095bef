// CpuScheduler and CpuContext: queueing for cores, context-switch charges, time slices,
// sleeping (core released) against spinning (core held), termination, the resume hook and
// determinism, each checked against the formula it should follow.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "sim/cpu_host/cpu_scheduler.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/stats.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;

sc_time us(double v) { return ns(v * 1000.0); }
sc_time now() { return sc_core::sc_time_stamp(); }

CpuScheduler::Config config(uint32_t cores, sc_time slice, sc_time context_switch) {
  CpuScheduler::Config c;
  c.cores = cores;
  c.time_slice = slice;
  c.context_switch = context_switch;
  return c;
}

// Spawns one SC_THREAD per body, in order (the order they first run in), then runs.
void run_threads(std::vector<std::function<void()>> bodies) {
  for (size_t i = 0; i < bodies.size(); ++i) {
    sc_core::sc_spawn(bodies[i], ("t" + std::to_string(i)).c_str());
  }
  sc_core::sc_start();
}

// A thread that does `work` of CPU on `sched` and records when it finished.
std::function<void()> worker(CpuScheduler& sched, std::string name, sc_time work,
                             sc_time* finished) {
  return [&sched, name, work, finished] {
    CpuContext cpu;
    cpu.attach(&sched, name);
    cpu.busy(work);
    *finished = now();
  };
}

TEST(CpuScheduler, OneCoreTwoThreadsRunOneAfterTheOtherAndTheSecondPaysASwitch) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  const sc_time c = ns(1200);
  CpuScheduler sched(config(1, us(3000), c), stats);
  sc_time a, b;
  run_threads({worker(sched, "a", us(10), &a), worker(sched, "b", us(10), &b)});
  EXPECT_EQ(a, us(10));
  EXPECT_EQ(b, us(20) + c);  // 2 x work + one switch
  EXPECT_EQ(sched.context_switches(), 1u);
  EXPECT_EQ(sched.preemptions(), 0u);
  EXPECT_EQ(sched.idle_cores(), 1u);
  ASSERT_EQ(sched.threads().size(), 2u);
  EXPECT_EQ(sched.thread("a")->busy, us(10));
  EXPECT_EQ(sched.thread("a")->runqueue_wait, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(sched.thread("b")->busy, us(10) + c);  // work + switch
  EXPECT_EQ(sched.thread("b")->switching, c);
  EXPECT_EQ(sched.thread("b")->runqueue_wait, us(10));
  const Histogram* wait = stats.find_histogram("host.sched.runqueue_wait_ns");
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(wait->count(), 2u);
  EXPECT_DOUBLE_EQ(wait->max(), 10000.0);
  EXPECT_EQ(stats.find_counter("host.sched.context_switches")->value(), 1u);
}

TEST(CpuScheduler, TwoCoresTwoThreadsRunInParallel) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  CpuScheduler sched(config(2, us(3000), ns(1200)), stats);
  sc_time a, b;
  run_threads({worker(sched, "a", us(10), &a), worker(sched, "b", us(10), &b)});
  EXPECT_EQ(a, us(10));
  EXPECT_EQ(b, us(10));
  EXPECT_EQ(sched.context_switches(), 0u);
}

TEST(CpuScheduler, TimeSlicesInterleaveThreeThreadsOnOneCore) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  const sc_time slice = us(3), c = ns(500), work = us(10);
  CpuScheduler sched(config(1, slice, c), stats);
  sc_time done[3];
  std::vector<std::function<void()>> bodies;
  for (int i = 0; i < 3; ++i) {
    bodies.push_back([&, i] {
      CpuContext cpu;
      const std::string name(1, static_cast<char>('a' + i));
      cpu.attach(&sched, name);
      cpu.busy(work);
      done[i] = now();
    });
  }
  run_threads(bodies);
  // Round robin a, b, c, a, ...: each thread needs k = ceil(W / S) slices, the last r long.
  const uint64_t k = (to_ps(work) + to_ps(slice) - 1) / to_ps(slice);  // 4
  const sc_time r = work - slice * static_cast<double>(k - 1);         // 1 us
  ASSERT_EQ(k, 4u);
  const uint64_t slices = 3 * k;
  EXPECT_EQ(sched.context_switches(), slices - 1);  // every slice but the first switches in
  EXPECT_EQ(sched.preemptions(), 3 * (k - 1));      // every slice but each thread's last
  // The last round is a, b, c with r each; every switch before a thread's end precedes it.
  EXPECT_EQ(done[0], work * 3.0 - r * 2.0 + c * static_cast<double>(slices - 3));
  EXPECT_EQ(done[1], work * 3.0 - r + c * static_cast<double>(slices - 2));
  EXPECT_EQ(done[2], work * 3.0 + c * static_cast<double>(slices - 1));
  // CPU time = work + own switches (a: k - 1, b and c: k each).
  EXPECT_EQ(sched.thread("a")->busy, work + c * static_cast<double>(k - 1));
  EXPECT_EQ(sched.thread("b")->busy, work + c * static_cast<double>(k));
  EXPECT_EQ(sched.thread("c")->busy, work + c * static_cast<double>(k));
  EXPECT_EQ(sched.thread("a")->preemptions, k - 1);
  EXPECT_EQ(sched.thread("c")->switches, k);
  // The interleaving: each time a waits it waits for one slice of b and one of c (and their
  // switches); b waits S first, then S for c and S for a, and finally S for c and r for a.
  EXPECT_EQ(sched.thread("a")->runqueue_wait, (slice * 2.0 + c * 2.0) * static_cast<double>(k - 1));
  EXPECT_EQ(sched.thread("b")->runqueue_wait,
            slice + (slice * 2.0 + c * 2.0) * static_cast<double>(k - 2) + slice + r + c * 2.0);
  EXPECT_EQ(
      sched.thread("c")->runqueue_wait,
      slice * 2.0 + c + (slice * 2.0 + c * 2.0) * static_cast<double>(k - 2) + r * 2.0 + c * 2.0);
}

TEST(CpuScheduler, SleepReleasesTheCoreAndTakesItBackWithoutASwitch) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  const sc_time c = ns(1200);
  CpuScheduler sched(config(1, us(3000), c), stats);
  sc_core::sc_event never, later;
  sc_time busy_done, sleeper_done, woke_at;
  bool timed_out_result = true, woken_result = false;
  run_threads({
      [&] {
        CpuContext cpu;
        cpu.attach(&sched, "sleeper");
        cpu.busy(us(1));
        timed_out_result = cpu.sleep(never, us(100));  // the core is free meanwhile
        woke_at = now();
        cpu.busy(us(1));
        woken_result = cpu.sleep(later, us(1000));
        sleeper_done = now();
      },
      worker(sched, "busy", us(10), &busy_done),
      [&] {
        sc_core::wait(us(150));
        later.notify();
      },
  });
  // The busy thread queued behind the sleeper's first microsecond only.
  EXPECT_EQ(busy_done, us(1) + c + us(10));
  EXPECT_FALSE(timed_out_result);
  EXPECT_EQ(woke_at, us(101));  // the core was idle: no queueing, no switch
  EXPECT_TRUE(woken_result);
  EXPECT_EQ(sleeper_done, us(150));
  EXPECT_EQ(sched.thread("sleeper")->busy, us(2));
  EXPECT_EQ(sched.thread("sleeper")->sleeping, us(100) + us(48));
  EXPECT_EQ(sched.context_switches(), 1u);
}

TEST(CpuScheduler, SpinWaitHoldsTheCoreAndIsChargedBusy) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  const sc_time c = ns(1200);
  CpuScheduler sched(config(1, us(3000), c), stats);
  sc_core::sc_event e;
  sc_time busy_done, spin_done;
  bool seen = false;
  run_threads({
      [&] {
        CpuContext cpu;
        cpu.attach(&sched, "spinner");
        cpu.busy(us(1));
        seen = cpu.spin_wait(e, us(100));
        spin_done = now();
      },
      worker(sched, "busy", us(10), &busy_done),
      [&] {
        sc_core::wait(us(30));
        e.notify();
      },
  });
  EXPECT_TRUE(seen);
  EXPECT_EQ(spin_done, us(30));
  EXPECT_EQ(sched.thread("spinner")->busy, us(30));  // 1 us of work + 29 us spinning
  EXPECT_EQ(busy_done, us(30) + c + us(10));         // it waited for the spinner
  EXPECT_EQ(sched.thread("busy")->runqueue_wait, us(30));
}

TEST(CpuScheduler, APreemptedSpinnerSeesWhatHappenedWhileItWasOffCore) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  const sc_time slice = us(5), c = ns(500), work = us(10);
  CpuScheduler sched(config(1, slice, c), stats);
  sc_core::sc_event e;
  sc_time busy_done, spin_done;
  bool seen = false;
  run_threads({
      [&] {
        CpuContext cpu;
        cpu.attach(&sched, "spinner");
        cpu.busy(us(1));
        seen = cpu.spin_wait(e, us(100));
        spin_done = now();
      },
      worker(sched, "busy", work, &busy_done),
      [&] {
        sc_core::wait(us(8));  // the spinner is off its core from S to 2S + c
        e.notify();
      },
  });
  EXPECT_TRUE(seen);
  // Spinner preempted at S; busy runs S (after its switch); spinner back after its switch.
  EXPECT_EQ(spin_done, slice * 2.0 + c * 2.0);
  EXPECT_EQ(sched.thread("spinner")->busy, slice + c);  // on-core time only
  EXPECT_EQ(busy_done, slice + work + c * 3.0);
  EXPECT_EQ(sched.preemptions(), 2u);
  EXPECT_EQ(sched.context_switches(), 3u);
}

TEST(CpuScheduler, TerminateEndsASleepingABusyAndAQueuedThreadAndLaterCallsReturnAtOnce) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  const sc_time c = ns(1200);
  CpuScheduler sched(config(1, us(3000), c), stats);
  sc_core::sc_event never;
  CpuContext* victims[3] = {nullptr, nullptr, nullptr};
  sc_time ended[3];
  int throws[3] = {0, 0, 0};
  bool after_sleep = true, after_spin = true;
  sc_time after_calls[3];
  sc_time survivor_done;
  auto victim = [&](int i, std::function<void(CpuContext&)> body) {
    return [&, i, body] {
      CpuContext cpu;
      cpu.attach(&sched, "victim" + std::to_string(i));
      victims[i] = &cpu;
      try {
        body(cpu);
      } catch (const ThreadTerminated&) {
        ++throws[i];
        ended[i] = now();
      }
      // Unwound: everything returns at once, nothing throws again.
      cpu.busy(us(50));
      const bool s = cpu.sleep(never, us(50));
      const bool w = cpu.spin_wait(never, us(50));
      if (i == 0) {
        after_sleep = s;
        after_spin = w;
      }
      after_calls[i] = now();
      EXPECT_TRUE(cpu.terminated());
    };
  };
  run_threads({
      victim(0, [&](CpuContext& cpu) { cpu.busy(us(100)); }),  // holds the core
      victim(1, [&](CpuContext& cpu) { cpu.sleep(never, us(1000)); }),
      victim(2, [&](CpuContext& cpu) { cpu.busy(us(100)); }),  // queued behind victim 0
      worker(sched, "survivor", us(5), &survivor_done),        // queued behind victim 2
      [&] {
        sc_core::wait(us(10));
        for (CpuContext* v : victims) v->terminate();
      },
  });
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(throws[i], 1) << i;
    EXPECT_EQ(ended[i], us(10)) << i;
    EXPECT_EQ(after_calls[i], us(10)) << i;
  }
  EXPECT_FALSE(after_sleep);
  EXPECT_FALSE(after_spin);
  EXPECT_EQ(sched.thread("victim0")->busy, us(10));  // the work done before the kill
  // The core went to the next in line that was still alive.
  EXPECT_EQ(survivor_done, us(10) + c + us(5));
  EXPECT_EQ(sched.queued(), 0u);
}

TEST(CpuScheduler, TerminateWaitsForTheEndOfAnUninterruptibleSection) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  CpuScheduler sched(config(1, us(3000), ns(1200)), stats);
  CpuContext* victim = nullptr;
  sc_time section_done, thrown_at;
  run_threads({
      [&] {
        CpuContext cpu;
        cpu.attach(&sched, "victim");
        victim = &cpu;
        try {
          {
            CpuContext::Uninterruptible u(cpu);
            cpu.busy(us(20));  // killed at 10 us: runs on
            section_done = now();
          }
          cpu.busy(us(20));
        } catch (const ThreadTerminated&) {
          thrown_at = now();
        }
        // Unwinding: a section still really waits (a hardware handshake must finish).
        CpuContext::Uninterruptible u(cpu);
        cpu.busy(us(3));
      },
      [&] {
        sc_core::wait(us(10));
        victim->terminate();
      },
  });
  EXPECT_EQ(section_done, us(20));
  EXPECT_EQ(thrown_at, us(20));
  EXPECT_EQ(sched.thread("victim")->busy, us(23));
  EXPECT_EQ(sched.idle_cores(), 1u);
}

TEST(CpuScheduler, ResumeHookRunsAfterEveryCallThatWaited) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  CpuScheduler sched(config(1, us(2), ns(100)), stats);
  sc_core::sc_event never;
  int hooks = 0;
  std::vector<int> after;
  sc_time other_done;
  run_threads({
      [&] {
        CpuContext cpu;
        cpu.attach(&sched, "hooked");
        cpu.set_resume_hook([&] { ++hooks; });
        cpu.busy(us(1));
        after.push_back(hooks);
        cpu.busy(sc_core::SC_ZERO_TIME);  // no wait, no hook
        after.push_back(hooks);
        cpu.sleep(never, us(1));
        after.push_back(hooks);
        cpu.spin_wait(never, us(1));
        after.push_back(hooks);
        cpu.busy(us(10));  // preempted several times: one resume of the caller
        after.push_back(hooks);
      },
      worker(sched, "other", us(10), &other_done),
  });
  EXPECT_EQ(after, (std::vector<int>{1, 1, 2, 3, 4}));
  EXPECT_GT(sched.preemptions(), 2u);
}

// The resume log of a contended run: (thread, time) at each resume.
std::vector<std::pair<std::string, uint64_t>> contended_run() {
  testing::fresh_sc_context();
  StatsRegistry stats;
  CpuScheduler sched(config(2, us(2), ns(300)), stats);
  sc_core::sc_event tick;
  std::vector<std::pair<std::string, uint64_t>> log;
  std::vector<std::function<void()>> bodies;
  for (int i = 0; i < 5; ++i) {
    bodies.push_back([&, i] {
      CpuContext cpu;
      const std::string name = "t" + std::to_string(i);
      cpu.attach(&sched, name);
      cpu.set_resume_hook([&log, name] { log.push_back({name, to_ps(now())}); });
      for (int round = 0; round < 3; ++round) {
        cpu.busy(us(1 + i));
        if (i % 2) {
          cpu.sleep(tick, us(3));
        } else {
          cpu.spin_wait(tick, us(2));
        }
      }
    });
  }
  bodies.push_back([&] {
    for (int k = 0; k < 10; ++k) {
      sc_core::wait(us(1.5));
      tick.notify();
    }
  });
  run_threads(bodies);
  return log;
}

TEST(CpuScheduler, TwoRunsAreIdentical) {
  const auto first = contended_run();
  const auto second = contended_run();
  EXPECT_GT(first.size(), 20u);
  EXPECT_EQ(first, second);
}

// With a core for every thread, an attached thread costs what an unattached one does: one
// wait per busy() and not a delta cycle more.
uint64_t deltas_of_busy_loop(bool attached) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  CpuScheduler sched(config(2, us(1), ns(300)), stats);
  run_threads({[&] {
    CpuContext cpu;
    if (attached) cpu.attach(&sched, "alone");
    for (int i = 0; i < 1000; ++i) cpu.busy(ns(7));  // 7 us, past many slice ends
  }});
  EXPECT_EQ(now(), ns(7000));
  return sc_core::sc_delta_count();
}

TEST(CpuScheduler, AThreadWithACoreOfItsOwnCostsNoExtraDeltaCycles) {
  const uint64_t unattached = deltas_of_busy_loop(false);
  const uint64_t attached = deltas_of_busy_loop(true);
  EXPECT_EQ(attached, unattached);
}

TEST(CpuContext, UnattachedBusySleepSpinAndTerminate) {
  testing::fresh_sc_context();
  sc_core::sc_event e;
  CpuContext* victim = nullptr;
  bool slept = true, spun = false;
  sc_time killed_at;
  CpuContext cpu;
  run_threads({
      [&] {
        cpu.busy(us(2));
        slept = cpu.sleep(e, us(3));      // timeout at 5 us, not charged
        spun = cpu.spin_wait(e, us(10));  // e at 7 us, charged
      },
      [&] {
        CpuContext own;
        victim = &own;
        try {
          own.busy(us(100));
        } catch (const ThreadTerminated&) {
          killed_at = now();
        }
      },
      [&] {
        sc_core::wait(us(7));
        e.notify();
        victim->terminate();
      },
  });
  EXPECT_FALSE(slept);
  EXPECT_TRUE(spun);
  EXPECT_EQ(cpu.busy_time(), us(4));
  EXPECT_EQ(cpu.stats().sleeping, us(3));
  EXPECT_EQ(killed_at, us(7));
}

// Deadlines of sleeps and spins share one event per context that stays armed at the earliest
// deadline asked for (cpu_context.h): an earlier deadline than the armed one, a later one, and
// a wake-up at the stale armed time must each end exactly as a timed wait would, and a
// spinner's CPU time must not count the stale wake-up twice.
TEST(CpuContext, DeadlinesEndExactlyWhateverWasArmedBefore) {
  testing::fresh_sc_context();
  StatsRegistry stats;
  CpuScheduler sched(config(1, us(3000), ns(1200)), stats);
  sc_core::sc_event e, never;
  bool first = false, second = true, third = true, fourth = true;
  sc_time second_at, third_at, fourth_at;
  run_threads({
      [&] {
        CpuContext cpu;
        cpu.attach(&sched, "poller");
        first = cpu.spin_wait(e, us(1000));    // woken at 1 us; its deadline stays armed
        second = cpu.spin_wait(never, us(5));  // earlier than the armed deadline: re-armed
        second_at = now();
        third = cpu.sleep(never, us(2000));  // later: the armed 1001 us wake is spurious
        third_at = now();
        fourth = cpu.spin_wait(never, us(10));
        fourth_at = now();
        EXPECT_EQ(cpu.stats().busy, us(1) + us(5) + us(10));
        EXPECT_EQ(cpu.stats().sleeping, us(2000));
      },
      [&] {
        sc_core::wait(us(1));
        e.notify();
      },
  });
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_EQ(second_at, us(6));
  EXPECT_FALSE(third);
  EXPECT_EQ(third_at, us(2006));
  EXPECT_FALSE(fourth);
  EXPECT_EQ(fourth_at, us(2016));
}

// sync_for_read skips the wait while nothing else can run before the thread's own time, and
// waits (applying every deferred step) as soon as something could.
TEST(CpuContext, SyncForReadWaitsOnlyWhenSomethingElseCouldRunFirst) {
  testing::fresh_sc_context();
  sc_time skipped_at, pending_after_skip, synced_at, pending_after_sync, busy_after_sync;
  run_threads({
      [&] {
        CpuContext cpu;
        cpu.set_quantum(us(10));
        sc_core::wait(ns(1));  // the other thread has started its 5 us wait
        cpu.defer(us(2));
        cpu.sync_for_read();  // own time 2.001 us, nothing else before 5 us: no wait
        skipped_at = now();
        pending_after_skip = cpu.pending();
        cpu.defer(us(4));
        cpu.sync_for_read();  // own time 6.001 us, the other thread wakes at 5 us: waits
        synced_at = now();
        pending_after_sync = cpu.pending();
        busy_after_sync = cpu.busy_time();
      },
      [&] { sc_core::wait(us(5)); },
  });
  EXPECT_EQ(skipped_at, ns(1));
  EXPECT_EQ(pending_after_skip, us(2));
  EXPECT_EQ(synced_at, us(6) + ns(1));
  EXPECT_EQ(pending_after_sync, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(busy_after_sync, us(6));
}

}  // namespace
}  // namespace wdsim
