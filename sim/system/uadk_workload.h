// Workloads written against the UADK C API (runtime/include/uadk), run by one
// simulated thread of one simulated process that binds itself with
// wd_runtime_bind:
//
// - batch: 8 KiB-class compression through wd_comp_init2_ / wd_comp_alloc_sess
// /
//   wd_do_comp_async / wd_comp_poll, keeping `depth` requests outstanding over
//   `queues` async ctxs (one session per ctx, requests round robin over the
//   sessions), for every (size, queues, depth). Throughput (requests/s, input
//   GB/s) over the measured requests, latency per request from submit to
//   completion seen by the poll loop. Every output is inflated with system zlib
//   and compared with its input.
// - crypto: for each algorithm (wd_cipher_* / wd_digest_*, on the SEC function)
// and size, sync
//   requests one at a time and async requests `async_depth` outstanding. Every
//   output (cipher text, digest, HMAC) is compared with OpenSSL's
//   (crypto_reference.h).
//
// A poll that finds nothing charges the runtime's poll_interval_ns (the
// busy-poll period) to the thread before the next one. A mismatch, a failed
// call or a request that does not complete within workload.poll_timeout_us
// throws std::runtime_error (a simulation error). Not modelled: several
// application threads (submit and poll run on one thread), decompression
// workloads, sessions with per-request keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/system/scenario.h"

namespace wdsim {

class HostThread;

// One (size, queues, depth) point of the batch workload.
struct BatchPoint {
  uint64_t size = 0;
  uint64_t queues = 0;
  uint64_t depth = 0;
  uint64_t elapsed_ps = 0; // first measured submit to last measured completion
  uint64_t cpu_ps = 0;     // CPU time of the thread over that window
  uint64_t output_bytes = 0;
  std::vector<uint64_t> latency_ps; // per measured request, in completion order
  double requests_per_s() const;
  double input_gbps() const;
};

// One (algorithm, mode, size) point of the crypto workload.
struct CryptoPoint {
  std::string alg;
  std::string mode; // "sync" | "async"
  uint64_t size = 0;
  uint64_t depth = 0; // 1 for sync
  uint64_t elapsed_ps = 0;
  uint64_t cpu_ps = 0;
  uint64_t verified = 0; // outputs compared with OpenSSL (warm-up included)
  std::vector<uint64_t> latency_ps;
  double requests_per_s() const;
  double gbps() const; // input bytes
};

struct UadkResults {
  std::vector<BatchPoint> batch;
  std::vector<CryptoPoint> crypto;
  uint64_t measured_requests() const;
};

// The tables (uadk_report.cc): batch throughput and latency vs depth; crypto
// latency and throughput per algorithm and size, sync vs async.
std::string format_uadk_summary(const UadkResults &results);
// Stats:
// workload.batch.<size>.q<queues>.d<depth>.{latency_ns,requests_per_s,input_gbps,...},
// workload.crypto.<alg>.<mode>.<size>.{latency_ns,requests_per_s,gbps,verified}.
void record_uadk_stats(const UadkResults &results, StatsRegistry &stats);

// Runs workload.kind "batch" or "crypto" on `thread` (an SC_THREAD context).
void run_uadk_workload(const Scenario &scenario, SimEnv &env,
                       HostThread &thread, UadkResults *out);

} // namespace wdsim
