// The UADK workloads end to end in the full system: batch (async compression at
// several depths) runs, every output inflates back to its input (the run fails
// otherwise), and depth 8 gives more throughput than depth 1; crypto (SEC
// function, wd_cipher / wd_digest, sync and async) runs with every output equal
// to OpenSSL's, and a wrong output is a simulation error; the crypto workload
// needs the SEC function; a batch run is deterministic.
#include <gtest/gtest.h>

#include "sim/base/config_tree.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

RunOutcome run(const std::string &file, const std::vector<std::string> &sets,
               StatsRegistry *stats, Scenario *scenario = nullptr) {
  Scenario sc = load_scenario(file, sets, 0);
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  if (stats)
    record_workload_stats(o, *stats);
  if (scenario)
    *scenario = sc;
  return o;
}

const std::vector<std::string> kSmallBatch = {
    "workload.depths=[1, 8]", "workload.queues=[1, 2]", "workload.requests=24",
    "workload.warmup_requests=4"};

TEST(UadkWorkload, BatchRunsAndDepthEightBeatsDepthOne) {
  StatsRegistry stats;
  Scenario sc;
  RunOutcome o = run("scenarios/batch_depth.yaml", kSmallBatch, &stats, &sc);
  ASSERT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.uadk.batch.size(), 4u); // queues {1, 2} x depths {1, 8}
  for (const BatchPoint &p : o.uadk.batch) {
    EXPECT_EQ(p.size, 8192u);
    EXPECT_EQ(p.latency_ps.size(), 24u);
    EXPECT_GT(p.output_bytes, 0u);
    EXPECT_LT(p.output_bytes, 24u * 8192u); // text compresses
    EXPECT_GT(p.requests_per_s(), 0);
  }
  for (size_t q = 0; q < 2; ++q) {
    const BatchPoint &d1 = o.uadk.batch[2 * q];
    const BatchPoint &d8 = o.uadk.batch[2 * q + 1];
    ASSERT_EQ(d1.depth, 1u);
    ASSERT_EQ(d8.depth, 8u);
    EXPECT_GT(d8.requests_per_s(), d1.requests_per_s())
        << "queues " << d1.queues;
    // With 8 in flight a request waits behind the others.
    Histogram l1, l8;
    for (uint64_t v : d1.latency_ps)
      l1.add(static_cast<double>(v));
    for (uint64_t v : d8.latency_ps)
      l8.add(static_cast<double>(v));
    EXPECT_GT(l8.mean(), l1.mean());
  }
  const std::string table = format_summary(sc, o);
  EXPECT_NE(table.find("throughput vs depth"), std::string::npos) << table;
  const Histogram *h =
      stats.find_histogram("workload.batch.8192.q2.d8.latency_ns");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->count(), 24u);
  ASSERT_TRUE(stats.scalar("workload.batch.8192.q1.d1.requests_per_s"));
  EXPECT_GT(*stats.scalar("workload.batch.8192.q1.d1.input_gbps"), 0);
}

TEST(UadkWorkload, CryptoRunsSyncAndAsyncAndMatchesOpenSsl) {
  StatsRegistry stats;
  Scenario sc;
  RunOutcome o = run("scenarios/crypto_mix.yaml",
                     {"workload.sizes=[1024, 4096]", "workload.requests=4",
                      "workload.warmup_requests=1", "workload.async_depth=4"},
                     &stats, &sc);
  ASSERT_TRUE(o.ok) << o.error;
  // 6 algorithms x {sync, async} x 2 sizes.
  ASSERT_EQ(o.uadk.crypto.size(), 24u);
  for (const CryptoPoint &p : o.uadk.crypto) {
    EXPECT_EQ(p.verified, 5u) << p.alg << " " << p.mode << " " << p.size;
    EXPECT_EQ(p.latency_ps.size(), 4u);
    EXPECT_EQ(p.depth, p.mode == "async" ? 4u : 1u);
    EXPECT_GT(p.gbps(), 0);
  }
  const std::string table = format_summary(sc, o);
  EXPECT_NE(table.find("xts(aes)"), std::string::npos) << table;
  EXPECT_NE(table.find("async / sync throughput"), std::string::npos) << table;
  const Counter *verified =
      stats.find_counter("workload.crypto.hmac(sha256).async.4096.verified");
  ASSERT_NE(verified, nullptr);
  EXPECT_EQ(verified->value(), 5u);
}

TEST(UadkWorkload, CryptoOutputThatDiffersFromOpenSslFailsTheRun) {
  // Timing-only SEC: the "cipher text" is the plain text, which OpenSSL does
  // not produce.
  RunOutcome o =
      run("scenarios/crypto_mix.yaml",
          {"workload.crypto_algs=[cbc(aes)]", "workload.sizes=[1024]",
           "workload.requests=2", "system.sec.compute_data=false"},
          nullptr);
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("differs from OpenSSL"), std::string::npos) << o.error;
}

TEST(UadkWorkload, CryptoNeedsTheSecFunction) {
  EXPECT_THROW(load_scenario("scenarios/crypto_mix.yaml",
                             {"system.sec.enabled=false"}, 0),
               ConfigError);
  // Enabled with the ZIP function's StreamID or MSI vectors: refused too.
  EXPECT_THROW(load_scenario("scenarios/crypto_mix.yaml",
                             {"system.sec_qm.stream_id=0"}, 0),
               ConfigError);
  EXPECT_THROW(load_scenario("scenarios/crypto_mix.yaml",
                             {"system.sec_qm.msi_data=1"}, 0),
               ConfigError);
}

TEST(UadkWorkload, BatchRunIsDeterministic) {
  StatsRegistry a_stats, b_stats;
  RunOutcome a = run("scenarios/batch_depth.yaml", kSmallBatch, &a_stats);
  RunOutcome b = run("scenarios/batch_depth.yaml", kSmallBatch, &b_stats);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_EQ(a.uadk.batch.size(), b.uadk.batch.size());
  for (size_t i = 0; i < a.uadk.batch.size(); ++i) {
    EXPECT_EQ(a.uadk.batch[i].latency_ps, b.uadk.batch[i].latency_ps);
    EXPECT_EQ(a.uadk.batch[i].elapsed_ps, b.uadk.batch[i].elapsed_ps);
    EXPECT_EQ(a.uadk.batch[i].output_bytes, b.uadk.batch[i].output_bytes);
  }
  EXPECT_EQ(a_stats.to_json(), b_stats.to_json());
}

} // namespace
} // namespace wdsim
