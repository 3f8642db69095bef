// The UADK workloads end to end in the full system: batch (async compression at
// several depths) runs, every output inflates back to its input (the run fails
// otherwise), and depth 8 gives more throughput than depth 1; crypto (SEC
// function, wd_cipher / wd_digest, sync and async) runs with every output equal
// to OpenSSL's, and a wrong output is a simulation error; the crypto program
// needs a SEC device; a batch run is deterministic.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>

#include "sim/base/config_tree.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

struct SystemRun {
  Scenario scenario;
  std::unique_ptr<SimEnv> env;
  RunOutcome outcome;
  StatsRegistry& stats() { return env->stats(); }
};

SystemRun run(const std::string& file, const std::vector<std::string>& sets) {
  SystemRun r;
  r.scenario = load_scenario(file, sets, 0);
  r.env = std::make_unique<SimEnv>(r.scenario.seed);
  r.outcome = run_system(r.scenario, *r.env);
  return r;
}

const SummaryTable* table_named(const RunOutcome& o, const std::string& name) {
  for (const auto& t : o.report.tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// A row's cell by column name.
std::string cell(const SummaryTable& t, const std::vector<std::string>& row,
                 const std::string& column) {
  for (size_t i = 0; i < t.columns.size() && i < row.size(); ++i) {
    if (t.columns[i] == column) return row[i];
  }
  ADD_FAILURE() << "no column " << column << " in table " << t.name;
  return "";
}

std::string batch(const std::string& key_value) {
  return "processes.0.threads.0.batch." + key_value;
}
std::string crypto(const std::string& key_value) {
  return "processes.0.threads.0.crypto." + key_value;
}

const std::vector<std::string> kSmallBatch = {batch("depths=[1, 8]"), batch("queues=[1, 2]"),
                                              batch("requests=24"), batch("warmup_requests=4")};

// workload.batch.8192.q<queues>.d<depth>.
std::string batch_key(uint64_t queues, uint64_t depth) {
  return "workload.batch.8192.q" + std::to_string(queues) + ".d" + std::to_string(depth) + ".";
}

TEST(UadkWorkload, BatchRunsAndDepthEightBeatsDepthOne) {
  SystemRun r = run("scenarios/batch_depth.yaml", kSmallBatch);
  const RunOutcome& o = r.outcome;
  ASSERT_TRUE(o.ok) << o.error;
  // queues {1, 2} x depths {1, 8}, 24 measured requests each.
  EXPECT_EQ(o.report.measured_requests, 4u * 24);
  const SummaryTable* t = table_named(o, "batch");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows.size(), 4u);
  for (const auto& row : t->rows) {
    EXPECT_EQ(cell(*t, row, "size"), "8192");
    EXPECT_EQ(cell(*t, row, "requests"), "24");
  }
  for (uint64_t q : {1u, 2u}) {
    for (uint64_t d : {1u, 8u}) {
      const std::string base = batch_key(q, d);
      const Histogram* h = r.stats().find_histogram(base + "latency_ns");
      ASSERT_NE(h, nullptr) << base;
      EXPECT_EQ(h->count(), 24u) << base;
      const auto out = r.stats().scalar(base + "output_bytes");
      ASSERT_TRUE(out) << base;
      EXPECT_GT(*out, 0) << base;
      EXPECT_LT(*out, 24.0 * 8192) << base;  // text compresses
      ASSERT_TRUE(r.stats().scalar(base + "requests_per_s")) << base;
      EXPECT_GT(*r.stats().scalar(base + "requests_per_s"), 0) << base;
    }
    const double rps1 = *r.stats().scalar(batch_key(q, 1) + "requests_per_s");
    const double rps8 = *r.stats().scalar(batch_key(q, 8) + "requests_per_s");
    EXPECT_GT(rps8, rps1) << "queues " << q;
    // With 8 in flight a request waits behind the others.
    EXPECT_GT(r.stats().find_histogram(batch_key(q, 8) + "latency_ns")->mean(),
              r.stats().find_histogram(batch_key(q, 1) + "latency_ns")->mean())
        << "queues " << q;
  }
  const std::string text = format_summary(r.scenario, o);
  EXPECT_NE(text.find("throughput vs depth"), std::string::npos) << text;
  EXPECT_GT(*r.stats().scalar(batch_key(1, 1) + "input_gbps"), 0);
}

// Destination buffers in batch: demand faults every request's output on the device (one
// I/O page fault per page the output spans, served through the stall model) and costs
// throughput; pretouch faults them on the CPU before the submit instead; populate faults
// nothing. Every output is still checked.
TEST(UadkWorkload, BatchBuffersDemandAndPretouchFaultWhereTheyShould) {
  // Random data: each output is a little over its 8 KiB input, so it spans 3 pages of its
  // 8192 * 2 + 1024 byte (5-page) buffer, the first of which the runtime touched when it
  // wrote the zlib header from the CPU (as UADK's hisi_comp does): 2 device faults per request;
  // pretouch writes all 5 pages from the CPU.
  const std::vector<std::string> base = {batch("depths=[1, 8]"), batch("queues=[1]"),
                                         batch("requests=24"), batch("warmup_requests=4"),
                                         batch("data=random")};
  auto with = [&](const std::string& buffers) {
    std::vector<std::string> sets = base;
    sets.push_back(batch("buffers=" + buffers));
    return run("scenarios/batch_depth.yaml", sets);
  };
  const uint64_t requests = 2 * (24 + 4);  // both depths, warm-ups included
  auto faults = [](SystemRun& r, const char* kind) -> uint64_t {
    const Counter* c = r.stats().find_counter(std::string("host.page_faults.") + kind);
    EXPECT_NE(c, nullptr) << kind;
    return c ? c->value() : ~uint64_t{0};
  };
  SystemRun populate = with("populate");
  ASSERT_TRUE(populate.outcome.ok) << populate.outcome.error;
  EXPECT_EQ(faults(populate, "io"), 0u);
  EXPECT_EQ(faults(populate, "cpu"), 0u);
  SystemRun demand = with("demand");
  ASSERT_TRUE(demand.outcome.ok) << demand.outcome.error;
  EXPECT_EQ(faults(demand, "io"), 2 * requests);
  SystemRun pretouch = with("pretouch");
  ASSERT_TRUE(pretouch.outcome.ok) << pretouch.outcome.error;
  EXPECT_EQ(faults(pretouch, "io"), 0u);
  EXPECT_EQ(faults(pretouch, "cpu"), 5 * requests);
  // Faulting on the device stalls the engine's writes: less throughput at every depth.
  for (uint64_t d : {1u, 8u}) {
    const std::string rps = batch_key(1, d) + "requests_per_s";
    EXPECT_LT(*demand.stats().scalar(rps), *populate.stats().scalar(rps)) << d;
    EXPECT_LT(*pretouch.stats().scalar(rps), *populate.stats().scalar(rps)) << d;
  }
}

// scenarios/batch_depth.yaml with `base`, run once with `extra` added and once without; both
// must succeed.
struct RunPair {
  SystemRun with, without;
};
RunPair batch_with_and_without(const std::vector<std::string>& base, const std::string& extra) {
  std::vector<std::string> sets = base;
  sets.push_back(extra);
  RunPair p{run("scenarios/batch_depth.yaml", sets), run("scenarios/batch_depth.yaml", base)};
  EXPECT_TRUE(p.with.outcome.ok) << p.with.outcome.error;
  EXPECT_TRUE(p.without.outcome.ok) << p.without.outcome.error;
  return p;
}

// wait: sleep (UADK v1 test_bind_api's loop): a poll that finds nothing usleeps sleep_us plus
// the timer slack, so below the engine's ceiling a point takes one sleep per round and every
// request waits at least one sleep: latency >= sleep_us + slack, and throughput grows in
// proportion to the depth (depth / round). wait: poll at the same depths saturates the engine
// at once and its latency is far below one sleep. Every output is still checked.
TEST(UadkWorkload, BatchSleepWaitGivesOneRoundPerSleep) {
  const std::vector<std::string> base = {batch("depths=[2, 4]"), batch("queues=[1]"),
                                         batch("requests=32"), batch("warmup_requests=4")};
  RunPair runs = batch_with_and_without(base, batch("wait=sleep"));
  ASSERT_TRUE(runs.with.outcome.ok && runs.without.outcome.ok);
  SystemRun& sleeping = runs.with;
  SystemRun& polling = runs.without;
  const double nap_ns = 1000.0 + 50000.0;  // sleep_us 1 + timer_slack_ns 50000 (defaults)
  for (uint64_t d : {2u, 4u}) {
    const Histogram* lat = sleeping.stats().find_histogram(batch_key(1, d) + "latency_ns");
    ASSERT_NE(lat, nullptr);
    EXPECT_GE(lat->percentile(50), nap_ns) << d;
    // A round is the nap plus the sleep/wake-up path and one request's own time: < 1.2 naps.
    EXPECT_LT(lat->percentile(50), 1.2 * nap_ns) << d;
    const Histogram* fast = polling.stats().find_histogram(batch_key(1, d) + "latency_ns");
    ASSERT_NE(fast, nullptr);
    EXPECT_LT(fast->percentile(50), nap_ns / 2) << d;
  }
  const double rps2 = *sleeping.stats().scalar(batch_key(1, 2) + "requests_per_s");
  const double rps4 = *sleeping.stats().scalar(batch_key(1, 4) + "requests_per_s");
  EXPECT_NEAR(rps4 / rps2, 2.0, 0.1);
  // A sleeping thread spends little CPU per request; a busy-polling one is busy all the time.
  EXPECT_LT(*sleeping.stats().scalar(batch_key(1, 4) + "cpu_ns_per_request"),
            *polling.stats().scalar(batch_key(1, 4) + "cpu_ns_per_request") / 2);
}

// wait: interrupt sleeps in wd_ctx_wait on the queue's fd: each empty poll is a sleep ended by
// the device's interrupt, so at depth 1 every request takes an interrupt (host.irqs grows by
// at least one per request) and costs the sleep and wake-up on top of the polled latency;
// more than one queue is refused with the key named.
TEST(UadkWorkload, BatchInterruptWaitSleepsUntilTheInterrupt) {
  const std::vector<std::string> base = {batch("depths=[1]"), batch("queues=[1]"),
                                         batch("requests=16"), batch("warmup_requests=2")};
  RunPair runs = batch_with_and_without(base, batch("wait=interrupt"));
  ASSERT_TRUE(runs.with.outcome.ok && runs.without.outcome.ok);
  SystemRun& irq = runs.with;
  SystemRun& polling = runs.without;
  const Counter* irqs = irq.stats().find_counter("host.irqs");
  ASSERT_NE(irqs, nullptr);
  EXPECT_GE(irqs->value(), 16u + 2u);
  const double slow = irq.stats().find_histogram(batch_key(1, 1) + "latency_ns")->percentile(50);
  const double fast =
      polling.stats().find_histogram(batch_key(1, 1) + "latency_ns")->percentile(50);
  EXPECT_GT(slow, fast);
  std::vector<std::string> bad = base;
  bad.push_back(batch("wait=interrupt"));
  bad.push_back(batch("queues=[2]"));
  try {
    load_scenario("scenarios/batch_depth.yaml", bad, 0);
    ADD_FAILURE() << "wait: interrupt with 2 queues loaded";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("wait"), std::string::npos) << e.what();
  }
}

// layout: stream gives every request new pages (test_bind_api's advancing buffers): the IOTLB
// misses at least once per request for its source, where layout: slots reuses each slot's
// pages and misses only on the first use of each.
TEST(UadkWorkload, BatchStreamLayoutMeetsNewPagesEveryRequest) {
  const std::vector<std::string> base = {batch("depths=[4]"), batch("queues=[1]"),
                                         batch("requests=40"), batch("warmup_requests=4")};
  RunPair runs = batch_with_and_without(base, batch("layout=stream"));
  ASSERT_TRUE(runs.with.outcome.ok && runs.without.outcome.ok);
  SystemRun& stream = runs.with;
  SystemRun& slots = runs.without;
  const uint64_t requests = 40 + 4;
  const Counter* s_miss = stream.stats().find_counter("smmu.iotlb.misses");
  const Counter* p_miss = slots.stats().find_counter("smmu.iotlb.misses");
  ASSERT_NE(s_miss, nullptr);
  ASSERT_NE(p_miss, nullptr);
  EXPECT_GE(s_miss->value(), 2 * requests);  // 8 KiB of new source: 2 pages a request
  EXPECT_LT(p_miss->value(), requests);
}

// Device page faults served in parallel: with qm.dispatch_threads the fetch unit hands each
// SQE to a dispatch thread, so a request whose output write stalls holds only its own thread,
// and with host.iopf_workers the kernel serves the stalls at once. The same faults (2 a
// request) are taken, throughput at depth 8 more than doubles against the serial defaults,
// and the queue's CQEs are still written in ring order (in-order retire within a queue).
TEST(UadkWorkload, BatchDemandFaultsOverlapWithDispatchThreadsAndIopfWorkers) {
  const std::vector<std::string> base = {batch("depths=[8]"),    batch("queues=[1]"),
                                         batch("requests=48"),   batch("warmup_requests=4"),
                                         batch("data=random"),   batch("buffers=demand"),
                                         batch("layout=stream"), "output.trace=true"};
  std::vector<std::string> parallel = base;
  parallel.push_back("system.devices.0.qm.dispatch_threads=8");
  parallel.push_back("system.host.iopf_workers=8");
  SystemRun serial = run("scenarios/batch_depth.yaml", base);
  ASSERT_TRUE(serial.outcome.ok) << serial.outcome.error;
  SystemRun overlapped = run("scenarios/batch_depth.yaml", parallel);
  ASSERT_TRUE(overlapped.outcome.ok) << overlapped.outcome.error;
  const uint64_t requests = 48 + 4;
  for (SystemRun* r : {&serial, &overlapped}) {
    const Counter* io = r->stats().find_counter("host.page_faults.io");
    ASSERT_NE(io, nullptr);
    EXPECT_EQ(io->value(), 2 * requests);
  }
  const std::string rps = batch_key(1, 8) + "requests_per_s";
  EXPECT_GT(*overlapped.stats().scalar(rps), 2 * *serial.stats().scalar(rps));
  // Every CQE of the ZIP queue, in trace order, names the next SQ slot.
  std::istringstream lines(overlapped.env->trace().to_text());
  std::string line;
  int64_t last = -1;
  uint64_t cqes = 0;
  while (std::getline(lines, line)) {
    if (line.find(" qm cqe ") == std::string::npos) continue;
    const size_t at = line.find("sq_head=");
    ASSERT_NE(at, std::string::npos) << line;
    const int64_t head = std::stoll(line.substr(at + 8));
    if (last >= 0 && head != 0) EXPECT_EQ(head, last + 1) << line;
    last = head;
    ++cqes;
  }
  EXPECT_EQ(cqes, requests);
}

TEST(UadkWorkload, CryptoRunsSyncAndAsyncAndMatchesOpenSsl) {
  SystemRun r =
      run("scenarios/crypto_mix.yaml", {crypto("sizes=[1024, 4096]"), crypto("requests=4"),
                                        crypto("warmup_requests=1"), crypto("async_depth=4")});
  const RunOutcome& o = r.outcome;
  ASSERT_TRUE(o.ok) << o.error;
  // 6 algorithms x {sync, async} x 2 sizes, 4 measured requests each.
  EXPECT_EQ(o.report.measured_requests, 24u * 4);
  const SummaryTable* t = table_named(o, "crypto");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows.size(), 24u);
  for (const auto& row : t->rows) {
    const std::string alg = cell(*t, row, "alg");
    const std::string mode = cell(*t, row, "mode");
    const std::string size = cell(*t, row, "size");
    const std::string base = "workload.crypto." + alg + "." + mode + "." + size + ".";
    const Counter* verified = r.stats().find_counter(base + "verified");
    ASSERT_NE(verified, nullptr) << base;
    EXPECT_EQ(verified->value(), 5u) << base;  // 1 warm-up + 4 measured, each vs OpenSSL
    const Histogram* h = r.stats().find_histogram(base + "latency_ns");
    ASSERT_NE(h, nullptr) << base;
    EXPECT_EQ(h->count(), 4u) << base;
    EXPECT_EQ(cell(*t, row, "depth"), mode == "async" ? "4" : "1") << base;
    ASSERT_TRUE(r.stats().scalar(base + "gbps")) << base;
    EXPECT_GT(*r.stats().scalar(base + "gbps"), 0) << base;
  }
  const std::string text = format_summary(r.scenario, o);
  EXPECT_NE(text.find("xts(aes)"), std::string::npos) << text;
  EXPECT_NE(text.find("async / sync throughput"), std::string::npos) << text;
}

TEST(UadkWorkload, KillingABatchProcessMidPointEndsItAndTheRunGoesOn) {
  // depth 1 runs from ~58 us to ~328 us after boot, depth 8 from there to ~453 us: a SIGKILL
  // at 380 us stops the process with 8 requests in flight and its UADK ctxs still open. The
  // depth-1 point was measured; the depth-8 point never completes.
  SystemRun r = run("scenarios/batch_depth.yaml",
                    {batch("depths=[1, 8]"), batch("queues=[1]"), batch("requests=24"),
                     batch("warmup_requests=4"), "events.0.at_us=380", "events.0.action=kill",
                     "events.0.process=app"});
  ASSERT_TRUE(r.outcome.ok) << r.outcome.error;
  ASSERT_EQ(r.outcome.processes.size(), 1u);
  EXPECT_EQ(r.outcome.processes[0].end.rfind("SIGKILL", 0), 0u) << r.outcome.processes[0].end;
  EXPECT_EQ(r.outcome.report.measured_requests, 24u);
  ASSERT_NE(r.stats().find_histogram(batch_key(1, 1) + "latency_ns"), nullptr);
  EXPECT_EQ(r.stats().find_histogram(batch_key(1, 1) + "latency_ns")->count(), 24u);
  EXPECT_EQ(r.stats().find_histogram(batch_key(1, 8) + "latency_ns"), nullptr);
}

TEST(UadkWorkload, CryptoNeedsTheSecFunction) {
  auto error_of = [](const std::vector<std::string>& sets) -> std::string {
    try {
      load_scenario("scenarios/crypto_mix.yaml", sets, 0);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  // No SEC device: the crypto thread's program is named.
  EXPECT_NE(error_of({"system.devices.1.kind=zip"})
                .find("processes.0.threads.0.program: crypto needs a device of kind sec"),
            std::string::npos);
  // A SEC device with the ZIP function's StreamID or MSI vectors: refused too.
  EXPECT_NE(error_of({"system.devices.1.qm.stream_id=0"})
                .find("system.devices.1.qm.stream_id: StreamID 0 is also system.devices.0's"),
            std::string::npos);
  EXPECT_NE(error_of({"system.devices.1.qm.msi_data=1"}).find("system.devices.1.qm.msi_data"),
            std::string::npos);
  EXPECT_EQ(error_of({}), "");
}

TEST(UadkWorkload, BatchRunIsDeterministic) {
  SystemRun a = run("scenarios/batch_depth.yaml", kSmallBatch);
  SystemRun b = run("scenarios/batch_depth.yaml", kSmallBatch);
  ASSERT_TRUE(a.outcome.ok) << a.outcome.error;
  ASSERT_TRUE(b.outcome.ok) << b.outcome.error;
  for (uint64_t q : {1u, 2u}) {
    for (uint64_t d : {1u, 8u}) {
      const std::string k = batch_key(q, d) + "latency_ns";
      ASSERT_NE(a.stats().find_histogram(k), nullptr) << k;
      const Histogram& ha = *a.stats().find_histogram(k);
      const Histogram& hb = *b.stats().find_histogram(k);
      EXPECT_EQ(ha.count(), hb.count()) << k;
      EXPECT_EQ(ha.sum(), hb.sum()) << k;
      for (double p : {0.0, 50.0, 90.0, 99.0, 100.0}) {
        EXPECT_EQ(ha.percentile(p), hb.percentile(p)) << k << " p" << p;
      }
    }
  }
  EXPECT_EQ(a.stats().to_json(), b.stats().to_json());
  EXPECT_EQ(summary_json(a.outcome), summary_json(b.outcome));
}

}  // namespace
}  // namespace wdsim
