// Program kind `uadk_sync`: many threads of one process sharing UADK ctxs, UADK's threading
// model. The entry's first thread initialises the algorithm once for the process
// (wd_comp_init2_ / wd_cipher_init2_ with `ctxs` sync ctxs: one queue each, bound to the
// process's PASID); every thread then allocates its own session (the round-robin scheduler
// gives session i the ctx i mod ctxs) and issues `requests` synchronous requests
// (wd_do_comp_sync / wd_do_cipher_sync) one after another. Threads whose sessions share a ctx
// contend for its lock (UADK's ctx lock, held across a sync request): a waiter spins on its
// core in simulated time and the hand-off costs runtime.lock_handoff_ns. Threads contend for
// cores too (system.host.cores). Every output is checked: compression with system zlib,
// ciphers against OpenSSL.
// The table: throughput over the process (bytes of all measured requests over the span from
// the first measured submit to the last completion), latency percentiles, CPU per request and
// the share of the threads' time spent waiting for ctx locks.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <sstream>

#include "runtime/include/uadk/wd_cipher.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/system/crypto_reference.h"
#include "sim/system/workload_data.h"
#include "sim/system/workloads/stages.h"
#include "sim/system/workloads/uadk_async.h"

namespace wdsim {

namespace {

constexpr uint64_t kIvBytes = 16;  // AES/SM4 block

struct UadkSyncParams : ProgramParams {
  std::string alg;
  uint64_t size;
  uint64_t requests;
  uint64_t warmup_requests;
  uint64_t ctxs;
  std::string data;
  double start_timeout_us;

  void declare(ParamScope& s) override {
    s.add_choice("alg", alg, "zlib",
                 {"zlib", "gzip", "deflate", "ecb(aes)", "cbc(aes)", "ctr(aes)", "xts(aes)",
                  "ecb(sm4)", "cbc(sm4)", "ctr(sm4)"},
                 "The algorithm: a compression format (on a zip device, wd_comp) or a cipher "
                 "(on a sec device, wd_cipher, encryption)",
                 "UADK algorithm names");
    s.add("size", size, 8192u, "B", "Bytes per request", "guess",
          Range::between(16, 8 * 1024 * 1024));
    s.add("requests", requests, 64u, "requests", "Measured requests per thread", "guess",
          Range::between(1, 1000000));
    s.add("warmup_requests", warmup_requests, 4u, "requests",
          "Requests per thread run first and not measured", "guess", Range::between(0, 1000000));
    s.add("ctxs", ctxs, 0u, "ctxs",
          "Sync ctxs (hardware queues) the process's threads share; 0 = one per thread",
          "UADK wd_ctx_config (sync ctxs of a process); default guess", Range::between(0, 1024));
    s.add_choice("data", data, "text", {"text", "random", "zeros"},
                 "Input data: generated text, random bytes or zeros", "guess");
    s.add("start_timeout_us", start_timeout_us, 1e6, "us",
          "How long a thread waits for the first thread's init before the run fails", "guess",
          Range::min(1));
  }
};

bool is_compression(const std::string& alg) {
  return alg == "zlib" || alg == "gzip" || alg == "deflate";
}

wd_comp_alg_type comp_alg(const std::string& format) {
  if (format == "deflate") return WD_DEFLATE;
  if (format == "gzip") return WD_GZIP;
  return WD_ZLIB;
}

class UadkSync : public Program {
 public:
  UadkSync(const UadkSyncParams& p, ProgramSetup setup) : p_(p), setup_(std::move(setup)) {}

  void run(ProgramThread& t) override {
    const bool comp = is_compression(p_.alg);
    const uint32_t ctxs =
        static_cast<uint32_t>(p_.ctxs ? p_.ctxs : std::max<uint32_t>(setup_.threads, 1));
    process_ = t.process.uadk;
    const uint64_t start = t.os.now();
    if (t.index == 0) {
      init(t, comp, ctxs);
    } else {
      const sc_core::sc_time timeout = ns(p_.start_timeout_us * 1e3);
      while (!ready_ && !init_failed_) {
        if (!t.os.cpu().sleep(ready_event_, timeout)) fail(t, "the first thread never initialised");
      }
      if (init_failed_) fail(t, "the first thread's init failed");
    }
    try {
      run_requests(t, comp);
    } catch (const ProgramError&) {
      finish_thread(t, start);
      throw;
    }
    finish_thread(t, start);
  }

  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return failed_; }

  // Figures over the process's threads.
  std::string alg() const { return p_.alg; }
  uint64_t size() const { return p_.size; }
  uint32_t threads() const { return setup_.threads; }
  uint32_t ctxs() const { return static_cast<uint32_t>(p_.ctxs ? p_.ctxs : setup_.threads); }
  const LatencyStats& latency() const { return latency_; }
  uint64_t span_ps() const { return last_done_ > first_start_ ? last_done_ - first_start_ : 0; }
  uint64_t cpu_ps() const { return cpu_ps_; }
  uint64_t thread_time_ps() const { return thread_time_ps_; }
  uint64_t lock_wait_ps() const { return lock_wait_ps_; }
  const std::string& instance() const { return setup_.instance; }

 private:
  [[noreturn]] void fail(ProgramThread& t, const std::string& what) {
    ++failed_;
    throw ProgramError(with_uadk_error(t, "uadk_sync: " + what));
  }

  void init(ProgramThread& t, bool comp, uint32_t ctxs) {
    wd_ctx_nums nums{ctxs, 0};
    wd_ctx_params params{1, &nums, nullptr, nullptr};
    std::string alg = p_.alg;
    t.bind_runtime();
    const int ret = comp ? wd_comp_init2_(alg.data(), SCHED_POLICY_RR, TASK_HW, &params)
                         : wd_cipher_init2_(alg.data(), SCHED_POLICY_RR, TASK_HW, &params);
    if (ret < 0) {
      init_failed_ = true;
      ready_event_.notify(sc_core::SC_ZERO_TIME);
      fail(t, "init2 of " + p_.alg + " with " + std::to_string(ctxs) +
                  " ctxs failed: " + std::to_string(ret));
    }
    ready_ = true;
    ready_event_.notify(sc_core::SC_ZERO_TIME);
  }

  void run_requests(ProgramThread& t, bool comp) {
    WorkloadData data(p_.data, t.system.env().rng("workload.data/" + t.name));
    std::mt19937_64 key_rng = t.system.env().rng("workload.crypto_keys/" + t.name);
    auto random_bytes = [&](size_t n) {
      std::vector<uint8_t> b(n);
      for (auto& x : b) x = static_cast<uint8_t>(key_rng());
      return b;
    };
    const uint64_t capacity = comp ? p_.size * 2 + 1024 : p_.size;
    const uint64_t src = t.map_buffer(p_.size, true);
    const uint64_t dst = t.map_buffer(capacity, true);
    const uint64_t small = t.map_buffer(4096, true);  // key, then IV
    CryptoAlgInfo a;
    handle_t sess = 0;
    std::vector<uint8_t> key;
    t.bind_runtime();
    if (comp) {
      wd_comp_sess_setup setup{};
      setup.alg_type = comp_alg(p_.alg);
      setup.comp_lv = WD_COMP_L1;
      setup.win_sz = WD_COMP_WS_32K;
      setup.op_type = WD_DIR_COMPRESS;
      sess = wd_comp_alloc_sess(&setup);
    } else {
      if (!crypto_alg_info(p_.alg, &a)) fail(t, "unknown algorithm " + p_.alg);
      if (p_.size % a.block_bytes != 0 || p_.size < a.min_bytes) {
        fail(t, p_.alg + " cannot take " + std::to_string(p_.size) + " B requests");
      }
      wd_cipher_sess_setup setup{};
      setup.alg = p_.alg.find("sm4") != std::string::npos ? WD_CIPHER_SM4 : WD_CIPHER_AES;
      const std::string mode = p_.alg.substr(0, 3);
      setup.mode = mode == "ecb"   ? WD_CIPHER_ECB
                   : mode == "cbc" ? WD_CIPHER_CBC
                   : mode == "ctr" ? WD_CIPHER_CTR
                                   : WD_CIPHER_XTS;
      sess = wd_cipher_alloc_sess(&setup);
      if (sess) {
        key = random_bytes(a.key_bytes);
        if (!t.os.process().write(small, key.data(), key.size())) fail(t, "key buffer unmapped");
        if (wd_cipher_set_key(sess, reinterpret_cast<const __u8*>(small), a.key_bytes) < 0) {
          fail(t, "set_key failed");
        }
      }
    }
    if (!sess) fail(t, "alloc_sess failed");
    const uint64_t iv_va = small + 2048;
    RequestLog* log = t.system.request_log();
    for (uint64_t i = 0; i < p_.warmup_requests + p_.requests; ++i) {
      const std::vector<uint8_t> input = data.next(p_.size);
      if (!t.os.process().write(src, input.data(), input.size())) fail(t, "source unmapped");
      std::vector<uint8_t> iv;
      wd_comp_req creq{};
      wd_cipher_req xreq{};
      if (comp) {
        creq.src = reinterpret_cast<void*>(src);
        creq.src_len = static_cast<__u32>(p_.size);
        creq.dst = reinterpret_cast<void*>(dst);
        creq.dst_len = static_cast<__u32>(capacity);
        creq.op_type = WD_DIR_COMPRESS;
        creq.data_fmt = WD_FLAT_BUF;
      } else {
        if (p_.alg.rfind("ecb", 0) != 0) {
          iv = random_bytes(kIvBytes);
          if (!t.os.process().write(iv_va, iv.data(), iv.size())) fail(t, "iv unmapped");
        }
        xreq.op_type = WD_CIPHER_ENCRYPTION;
        xreq.src = reinterpret_cast<void*>(src);
        xreq.dst = reinterpret_cast<void*>(dst);
        xreq.iv = iv.empty() ? nullptr : reinterpret_cast<void*>(iv_va);
        xreq.iv_bytes = iv.empty() ? 0 : static_cast<__u32>(kIvBytes);
        xreq.in_bytes = static_cast<__u32>(p_.size);
        xreq.out_buf_bytes = static_cast<__u32>(p_.size);
        xreq.data_fmt = WD_FLAT_BUF;
      }
      const bool measured = i >= p_.warmup_requests;
      const uint64_t t0 = t.os.now();
      const sc_core::sc_time cpu0 = t.os.cpu().busy_time();
      if (measured && i == p_.warmup_requests) first_start_ = std::min(first_start_, t0);
      t.bind_runtime();
      const int r = comp ? wd_do_comp_sync(sess, &creq) : wd_do_cipher_sync(sess, &xreq);
      const uint64_t t1 = t.os.now();
      if (r < 0) fail(t, "request failed: " + std::to_string(r));
      if (measured) {
        const uint64_t cpu_ps = to_ps(t.os.cpu().busy_time() - cpu0);
        latency_.add(t1 - t0);
        cpu_ps_ += cpu_ps;
        last_done_ = std::max(last_done_, t1);
        if (log) {
          log->write({t.process.name, t.name, "uadk_sync", p_.alg, p_.size, i - p_.warmup_requests,
                      t0, t1 - t0, cpu_ps, comp ? uint64_t{creq.dst_len} : p_.size, ""});
        }
        trace_request(t.system.env().trace(), "requests " + t.name,
                      p_.alg + " " + size_text(p_.size), ++traced_requests_, t0, t1);
      }
      verify(t, comp, a, key, iv, input, dst, comp ? creq.dst_len : p_.size,
             comp ? creq.status : xreq.state);
      ++ok_;
    }
    t.bind_runtime();
    if (comp) {
      wd_comp_free_sess(sess);
    } else {
      wd_cipher_free_sess(sess);
    }
    t.os.munmap(src, p_.size);
    t.os.munmap(dst, capacity);
    t.os.munmap(small, 4096);
  }

  void verify(ProgramThread& t, bool comp, const CryptoAlgInfo& a, const std::vector<uint8_t>& key,
              const std::vector<uint8_t>& iv, const std::vector<uint8_t>& input, uint64_t dst,
              uint64_t out_len, uint32_t status) {
    if (status != 0) fail(t, "request status " + std::to_string(status));
    if (!t.system.verify_output("", comp ? "zip" : "sec", checked_++)) return;
    std::vector<uint8_t> out(out_len);
    if (!t.os.process().read(dst, out.data(), out.size())) fail(t, "output unmapped");
    std::string why;
    if (comp) {
      if (!inflate_equals(out, input, p_.alg, &why)) {
        fail(t, "output does not inflate to the input with system zlib: " + why);
      }
      return;
    }
    std::vector<uint8_t> expected;
    if (!crypto_reference(a, key, iv, input, &expected, &why)) fail(t, why);
    if (out != expected) fail(t, p_.alg + ": output differs from OpenSSL's");
  }

  // A thread is done: its time counts towards the lock-wait share; the first thread uninits
  // the algorithm once every thread has finished.
  void finish_thread(ProgramThread& t, uint64_t start) {
    thread_time_ps_ += t.os.now() - start;
    ++finished_;
    finished_event_.notify(sc_core::SC_ZERO_TIME);
    if (t.index != 0 || !ready_) return;
    while (finished_ < setup_.threads)
      t.os.cpu().sleep(finished_event_, ns(p_.start_timeout_us * 1e3));
    lock_wait_ps_ = process_ ? process_->ctx_lock_wait_ps() : 0;
    t.bind_runtime();
    if (is_compression(p_.alg)) {
      wd_comp_uninit2();
    } else {
      wd_cipher_uninit2();
    }
  }

  const UadkSyncParams& p_;
  ProgramSetup setup_;
  rt::UadkProcess* process_ = nullptr;
  bool ready_ = false;
  bool init_failed_ = false;
  sc_core::sc_event ready_event_;
  uint32_t finished_ = 0;
  sc_core::sc_event finished_event_;
  LatencyStats latency_;  // the measured requests', in completion order
  uint64_t first_start_ = UINT64_MAX;
  uint64_t last_done_ = 0;
  uint64_t cpu_ps_ = 0;
  uint64_t thread_time_ps_ = 0;
  uint64_t lock_wait_ps_ = 0;
  uint64_t ok_ = 0;
  uint64_t checked_ = 0;          // outputs offered to the check
  uint64_t traced_requests_ = 0;  // trace.json request slices
  uint64_t failed_ = 0;
};

void report(const std::vector<const Program*>& programs, RunReport& r) {
  std::ostringstream os;
  char line[256];
  os << "uadk_sync: threads sharing UADK ctxs, synchronous requests\n";
  std::snprintf(line, sizeof line, "%-10s %-9s %8s %7s %5s %6s %9s %10s %10s %10s %11s %7s\n",
                "process", "alg", "size", "threads", "ctxs", "reqs", "MB/s", "mean_us", "p50_us",
                "p99_us", "cpu_us/req", "lock_%");
  os << line;
  SummaryTable table{"uadk_sync",
                     {"process", "alg", "size", "threads", "ctxs", "requests", "mb_per_s",
                      "mean_us", "p50_us", "p99_us", "cpu_us", "lock_wait_pct"},
                     {}};
  for (const Program* prog : programs) {
    const auto* u = static_cast<const UadkSync*>(prog);
    const Histogram& lat = u->latency().us;
    const double n = static_cast<double>(lat.count());
    const double mbps = u->span_ps() > 0 ? n * static_cast<double>(u->size()) * 1e6 /
                                               static_cast<double>(u->span_ps())
                                         : 0.0;
    const double cpu = n > 0 ? static_cast<double>(u->cpu_ps()) / 1e6 / n : 0.0;
    const double lock_pct = u->thread_time_ps() > 0
                                ? 100.0 * static_cast<double>(u->lock_wait_ps()) /
                                      static_cast<double>(u->thread_time_ps())
                                : 0.0;
    std::snprintf(line, sizeof line,
                  "%-10s %-9s %8s %7u %5u %6zu %9.1f %10.3f %10.3f %10.3f %11.3f %7.1f\n",
                  u->instance().c_str(), u->alg().c_str(), size_text(u->size()).c_str(),
                  u->threads(), u->ctxs(), lat.count(), mbps, lat.mean(), lat.percentile(50),
                  lat.percentile(99), cpu, lock_pct);
    os << line;
    table.rows.push_back(
        {u->instance(), u->alg(), std::to_string(u->size()), std::to_string(u->threads()),
         std::to_string(u->ctxs()), std::to_string(lat.count()), fixed(mbps, 1), fixed(lat.mean()),
         fixed(lat.percentile(50)), fixed(lat.percentile(99)), fixed(cpu), fixed(lock_pct, 1)});
    r.measured_requests += lat.count();
    const std::string base = "workload.uadk_sync." + u->instance() + ".";
    r.stats->histogram(base + "latency_ns", "ns", "request latency as the caller sees it")
        .merge(u->latency().ns);
    r.stats->set_scalar(base + "mb_per_s", mbps, "MB/s",
                        "bytes of the process's measured requests per second");
    r.stats->set_scalar(base + "lock_wait_pct", lock_pct, "%",
                        "share of the threads' time spent waiting for ctx locks");
  }
  r.text += os.str();
  r.tables.push_back(std::move(table));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    uadk_sync,
    program_kind<UadkSyncParams, UadkSync>(
        "uadk_sync",
        "threads of one process sharing UADK ctxs: synchronous compression or cipher requests, "
        "ctx lock contention and core time-sharing; every output checked (zlib, OpenSSL)",
        "", 0, report));

}  // namespace wdsim
