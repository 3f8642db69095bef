// Program kind `crypto`: UADK cipher and digest requests (wd_cipher_* / wd_digest_*) on a SEC
// function. For each algorithm and size, sync requests one at a time and async requests
// `async_depth` outstanding (wd_*_poll on the same thread). Every output (cipher text,
// digest, HMAC) is compared with OpenSSL's (crypto_reference.h). UADK's settings are per
// process, so a process runs one crypto thread.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "runtime/include/uadk/wd_cipher.h"
#include "runtime/include/uadk/wd_digest.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/system/crypto_reference.h"
#include "sim/system/workload_data.h"
#include "sim/system/workloads/stages.h"
#include "sim/system/workloads/uadk_async.h"

namespace wdsim {

namespace {

constexpr uint64_t kMacSlot = 64;    // bytes per digest output slot (SHA-512 fits)
constexpr uint64_t kIvBytes = 16;    // AES/SM4 block
constexpr uint64_t kKeyPage = 4096;  // where the key lives

struct CryptoParams : ProgramParams {
  std::vector<std::string> algs;
  std::vector<std::string> modes;
  uint64_t async_depth;
  std::vector<uint64_t> sizes;
  uint64_t requests;
  uint64_t warmup_requests;
  std::string data;
  double poll_timeout_us;

  void declare(ParamScope& s) override {
    s.add_list("algs", algs, {"cbc(aes)", "xts(aes)", "cbc(sm4)", "sha256", "hmac(sha256)", "sm3"},
               {"ecb(aes)", "cbc(aes)", "ctr(aes)", "xts(aes)", "ecb(sm4)", "cbc(sm4)", "ctr(sm4)",
                "sha1", "sha256", "sha512", "sm3", "hmac(sha256)", "hmac(sm3)"},
               "UADK algorithm names (wd_cipher_init2 / wd_digest_init2)", "UADK");
    s.add_list("modes", modes, {"sync", "async"}, {"sync", "async"},
               "wd_do_*_sync (one at a time) and/or wd_do_*_async (async_depth outstanding)",
               "UADK");
    s.add("async_depth", async_depth, 8u, "requests", "Requests kept outstanding in async mode",
          "guess", Range::between(1, 1000));
    s.add_list("sizes", sizes, {1024, 8192, 65536}, "B", "Request sizes", "guess",
               Range::between(1, 8 * 1024 * 1024));
    s.add("requests", requests, 32u, "requests", "Measured requests per point", "guess",
          Range::between(1, 1000000));
    s.add("warmup_requests", warmup_requests, 2u, "requests",
          "Requests per point run first and not measured", "guess", Range::between(0, 1000000));
    s.add_choice("data", data, "random", {"text", "random", "zeros"},
                 "Input data: generated text, random bytes or zeros", "guess");
    s.add("poll_timeout_us", poll_timeout_us, 100000.0, "us",
          "How long the poll loop may see no completion before the request counts as hung", "guess",
          Range::min(0.001));
  }
};

struct CryptoPoint {
  std::string alg;
  std::string mode;  // "sync" | "async"
  uint64_t size = 0;
  uint64_t depth = 0;  // 1 for sync
  uint64_t elapsed_ps = 0;
  uint64_t cpu_ps = 0;
  uint64_t verified = 0;  // outputs compared with OpenSSL (warm-up included)
  LatencyStats latency;   // the measured requests', in completion order
  uint64_t requests() const { return latency.count(); }
  double requests_per_s() const { return per_second(requests(), elapsed_ps); }
  double gbps() const { return requests_per_s() * static_cast<double>(size) / 1e9; }
};

class Crypto : public Program {
 public:
  Crypto(const CryptoParams& p, const ProgramSetup& setup) : p_(p), instance_(setup.instance) {}

  void run(ProgramThread& t) override;
  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return failed_; }
  const std::vector<CryptoPoint>& points() const { return points_; }
  const std::string& instance() const { return instance_; }

 private:
  [[noreturn]] void fail(ProgramThread& t, const std::string& what) {
    ++failed_;
    throw ProgramError(with_uadk_error(t, "crypto: " + what));
  }
  void write(ProgramThread& t, uint64_t va, const std::vector<uint8_t>& bytes) {
    if (!t.os.process().write(va, bytes.data(), bytes.size())) fail(t, "buffer unmapped");
  }
  std::vector<uint8_t> read(ProgramThread& t, uint64_t va, size_t len) {
    std::vector<uint8_t> bytes(len);
    if (!t.os.process().read(va, bytes.data(), len)) fail(t, "output buffer unmapped");
    return bytes;
  }

  const CryptoParams& p_;
  std::string instance_;
  std::vector<CryptoPoint> points_;
  uint64_t ok_ = 0;
  uint64_t checked_ = 0;          // outputs offered to the check
  uint64_t traced_requests_ = 0;  // trace.json request slices
  uint64_t failed_ = 0;
};

void Crypto::run(ProgramThread& t) {
  WorkloadData data(p_.data, t.system.env().rng("workload.data/" + t.name));
  std::mt19937_64 key_rng = t.system.env().rng("workload.crypto_keys/" + t.name);
  const uint64_t timeout_ps = static_cast<uint64_t>(p_.poll_timeout_us * 1e6);
  const uint64_t poll_ps = static_cast<uint64_t>(t.system.runtime_costs().poll_interval_ns * 1e3);
  const uint64_t max_size = *std::max_element(p_.sizes.begin(), p_.sizes.end());
  const uint64_t depth_max = p_.async_depth;
  const uint64_t src = t.map_buffer(depth_max * max_size, true);
  const uint64_t dst = t.map_buffer(depth_max * max_size, true);
  const uint64_t small = t.map_buffer(kKeyPage + depth_max * (kMacSlot + kIvBytes), true);
  const uint64_t key_va = small;
  const uint64_t mac_va = small + kKeyPage;
  const uint64_t iv_va = mac_va + depth_max * kMacSlot;
  auto random_bytes = [&](size_t n) {
    std::vector<uint8_t> b(n);
    for (auto& x : b) x = static_cast<uint8_t>(key_rng());
    return b;
  };

  for (const std::string& name : p_.algs) {
    CryptoAlgInfo a;
    if (!crypto_alg_info(name, &a)) fail(t, "unknown algorithm " + name);
    for (uint64_t size : p_.sizes) {
      if (size % a.block_bytes != 0 || size < a.min_bytes) {
        fail(t, name + " cannot take " + std::to_string(size) +
                    " B requests (sizes must be multiples of " + std::to_string(a.block_bytes) +
                    ", at least " + std::to_string(a.min_bytes) + ")");
      }
    }
    std::string alg_name = name;
    t.bind_runtime();
    int ret = a.cipher ? wd_cipher_init2_(alg_name.data(), SCHED_POLICY_RR, TASK_HW, nullptr)
                       : wd_digest_init2_(alg_name.data(), SCHED_POLICY_RR, TASK_HW, nullptr);
    if (ret < 0) fail(t, "init2 of " + name + " failed: " + std::to_string(ret));
    handle_t sess = 0;
    if (a.cipher) {
      wd_cipher_sess_setup setup{};
      setup.alg = name.find("sm4") != std::string::npos ? WD_CIPHER_SM4 : WD_CIPHER_AES;
      const std::string mode = name.substr(0, 3);
      setup.mode = mode == "ecb"   ? WD_CIPHER_ECB
                   : mode == "cbc" ? WD_CIPHER_CBC
                   : mode == "ctr" ? WD_CIPHER_CTR
                                   : WD_CIPHER_XTS;
      sess = wd_cipher_alloc_sess(&setup);
    } else {
      wd_digest_sess_setup setup{};
      const std::string base = a.hmac ? name.substr(5, name.size() - 6) : name;
      setup.alg = base == "sm3"      ? WD_DIGEST_SM3
                  : base == "sha1"   ? WD_DIGEST_SHA1
                  : base == "sha512" ? WD_DIGEST_SHA512
                                     : WD_DIGEST_SHA256;
      setup.mode = a.hmac ? WD_DIGEST_HMAC : WD_DIGEST_NORMAL;
      sess = wd_digest_alloc_sess(&setup);
    }
    if (!sess) fail(t, "alloc_sess of " + name + " failed");
    std::vector<uint8_t> key;
    if (a.key_bytes > 0) {
      key = random_bytes(a.key_bytes);
      write(t, key_va, key);
      const auto* key_ptr = reinterpret_cast<const __u8*>(key_va);
      ret = a.cipher ? wd_cipher_set_key(sess, key_ptr, a.key_bytes)
                     : wd_digest_set_key(sess, key_ptr, a.key_bytes);
      if (ret < 0) fail(t, "set_key of " + name + " failed: " + std::to_string(ret));
    }

    for (const std::string& mode : p_.modes) {
      const bool async = mode == "async";
      const uint64_t depth = async ? depth_max : 1;
      for (uint64_t size : p_.sizes) {
        t.system.env().trace_event(
            "workload", "point",
            {tf("kind", "crypto"), tf("alg", name), tf("mode", mode), tf("size", size)});
        std::vector<AsyncSlot> slots(depth);
        std::vector<wd_cipher_req> creqs(depth);
        std::vector<wd_digest_req> dreqs(depth);
        std::vector<std::vector<uint8_t>> inputs(depth), ivs(depth);
        CryptoPoint p;
        p.alg = name;
        p.mode = mode;
        p.size = size;
        p.depth = depth;
        RequestLog* log = nullptr;  // set for the measured requests when output.requests
        bool measured = false;      // the warm-up requests are not
        const std::string point = name + "." + mode;
        // A measured request's row: its latency, and its CPU time when it ran alone (sync).
        auto log_row = [&](uint64_t i, uint64_t submit_ps, uint64_t latency_ps,
                           std::optional<uint64_t> cpu_ps) {
          log->write({t.process.name, t.name, "crypto", point, size, i, submit_ps, latency_ps,
                      cpu_ps, a.cipher ? size : a.mac_bytes, ""});
        };
        // trace.json: each measured request as a slice.
        auto trace_row = [&](uint64_t submit_ps, uint64_t done_ps) {
          if (!measured) return;
          trace_request(t.system.env().trace(), "requests " + t.name,
                        name + " " + mode + " " + size_text(size), ++traced_requests_, submit_ps,
                        done_ps);
        };
        auto prepare = [&](uint32_t slot) {
          inputs[slot] = data.next(size);
          write(t, src + slot * size, inputs[slot]);
          if (a.cipher && name.rfind("ecb", 0) != 0) {
            ivs[slot] = random_bytes(kIvBytes);
            write(t, iv_va + slot * kIvBytes, ivs[slot]);
          } else {
            ivs[slot].clear();
          }
          if (a.cipher) {
            wd_cipher_req& r = creqs[slot];
            r = wd_cipher_req{};
            r.op_type = WD_CIPHER_ENCRYPTION;
            r.src = reinterpret_cast<void*>(src + slot * size);
            r.dst = reinterpret_cast<void*>(dst + slot * size);
            r.iv = ivs[slot].empty() ? nullptr : reinterpret_cast<void*>(iv_va + slot * kIvBytes);
            r.iv_bytes = ivs[slot].empty() ? 0 : static_cast<__u32>(kIvBytes);
            r.in_bytes = static_cast<__u32>(size);
            r.out_buf_bytes = static_cast<__u32>(size);
            r.data_fmt = WD_FLAT_BUF;
            r.cb = async_cipher_cb;
            r.cb_param = &slots[slot];
          } else {
            wd_digest_req& r = dreqs[slot];
            r = wd_digest_req{};
            r.in = reinterpret_cast<void*>(src + slot * size);
            r.out = reinterpret_cast<void*>(mac_va + slot * kMacSlot);
            r.in_bytes = static_cast<__u32>(size);
            r.out_bytes = a.mac_bytes;
            r.out_buf_bytes = static_cast<__u32>(kMacSlot);
            r.data_fmt = WD_FLAT_BUF;
            r.cb = async_digest_cb;
            r.cb_param = &slots[slot];
          }
        };
        auto verify = [&](uint32_t slot, uint64_t i) {
          const uint16_t state = a.cipher ? creqs[slot].state : dreqs[slot].state;
          if (state != 0) {
            fail(t, name + " request " + std::to_string(i) + " state " + std::to_string(state));
          }
          if (!t.system.verify_output("", "sec", checked_++)) {
            ++ok_;
            return;
          }
          std::vector<uint8_t> expected;
          std::string why;
          if (!crypto_reference(a, key, ivs[slot], inputs[slot], &expected, &why)) fail(t, why);
          const std::vector<uint8_t> got = a.cipher
                                               ? read(t, dst + slot * size, size)
                                               : read(t, mac_va + slot * kMacSlot, a.mac_bytes);
          if (got != expected) {
            fail(t, name + " " + mode + " " + std::to_string(size) + " B request " +
                        std::to_string(i) + ": output differs from OpenSSL's");
          }
          ++p.verified;
          ++ok_;
        };
        auto submit = [&](uint32_t slot, uint64_t /*i*/) {
          prepare(slot);
          return a.cipher ? wd_do_cipher_async(sess, &creqs[slot])
                          : wd_do_digest_async(sess, &dreqs[slot]);
        };
        auto poll = [&](uint32_t* count) {
          return a.cipher ? wd_cipher_poll(1, count) : wd_digest_poll(1, count);
        };
        auto complete = [&](uint32_t slot, uint64_t i) {
          const AsyncSlot& s = slots[slot];
          if (log) log_row(i, s.t_submit, s.t_done - s.t_submit, std::nullopt);
          trace_row(s.t_submit, s.t_done);
          verify(slot, i);
        };
        auto run = [&](uint64_t n, LatencyStats* latency) {
          if (async) {
            run_async(t.os, n, depth, poll_ps, timeout_ps, submit, poll, complete, slots, latency);
            return;
          }
          for (uint64_t i = 0; i < n; ++i) {
            prepare(0);
            const uint64_t t0 = t.os.now();
            const sc_core::sc_time cpu0 = log ? t.os.cpu().busy_time() : sc_core::SC_ZERO_TIME;
            const int r =
                a.cipher ? wd_do_cipher_sync(sess, &creqs[0]) : wd_do_digest_sync(sess, &dreqs[0]);
            if (r < 0) fail(t, name + " sync request failed: " + std::to_string(r));
            const uint64_t t1 = t.os.now();
            if (latency) latency->add(t1 - t0);
            if (log) log_row(i, t0, t1 - t0, to_ps(t.os.cpu().busy_time() - cpu0));
            trace_row(t0, t1);
            verify(0, i);
          }
        };
        run(p_.warmup_requests, nullptr);
        log = t.system.request_log();
        measured = true;
        const uint64_t t0 = t.os.now();
        const sc_core::sc_time cpu0 = t.os.cpu().busy_time();
        run(p_.requests, &p.latency);
        p.elapsed_ps = t.os.now() - t0;
        p.cpu_ps = to_ps(t.os.cpu().busy_time() - cpu0);
        points_.push_back(std::move(p));
      }
    }
    if (a.cipher) {
      wd_cipher_free_sess(sess);
      wd_cipher_uninit2();
    } else {
      wd_digest_free_sess(sess);
      wd_digest_uninit2();
    }
  }
  t.os.munmap(src, depth_max * max_size);
  t.os.munmap(dst, depth_max * max_size);
  t.os.munmap(small, kKeyPage + depth_max * (kMacSlot + kIvBytes));
}

void report(const std::vector<const Program*>& programs, RunReport& r) {
  std::ostringstream os;
  char line[256];
  const bool several = programs.size() > 1;
  os << "crypto: SEC requests (wd_cipher / wd_digest), every output checked against OpenSSL\n";
  std::snprintf(line, sizeof line, "%-13s %-5s %9s %5s %5s %10s %10s %10s %9s %11s\n", "alg",
                "mode", "size", "depth", "reqs", "mean_us", "p99_us", "kreq/s", "GB/s",
                "cpu_us/req");
  os << line;
  SummaryTable table{"crypto",
                     {"process", "alg", "mode", "size", "depth", "requests", "mean_us", "p99_us",
                      "kreq_per_s", "gbps", "cpu_us"},
                     {}};
  std::map<std::pair<std::string, uint64_t>, std::map<std::string, double>> rate;
  std::vector<std::pair<std::string, uint64_t>> order;
  for (const Program* prog : programs) {
    const auto* c = static_cast<const Crypto*>(prog);
    if (several) os << c->instance() << ":\n";
    for (const CryptoPoint& p : c->points()) {
      const Histogram& lat = p.latency.us;
      const double n = static_cast<double>(p.requests());
      const double cpu = n > 0 ? static_cast<double>(p.cpu_ps) / 1e6 / n : 0.0;
      std::snprintf(line, sizeof line,
                    "%-13s %-5s %9s %5llu %5zu %10.3f %10.3f %10.1f %9.3f %11.3f\n", p.alg.c_str(),
                    p.mode.c_str(), size_text(p.size).c_str(),
                    static_cast<unsigned long long>(p.depth), p.requests(), lat.mean(),
                    lat.percentile(99), p.requests_per_s() / 1e3, p.gbps(), cpu);
      os << line;
      table.rows.push_back({c->instance(), p.alg, p.mode, std::to_string(p.size),
                            std::to_string(p.depth), std::to_string(p.requests()),
                            fixed(lat.mean()), fixed(lat.percentile(99)),
                            fixed(p.requests_per_s() / 1e3, 1), fixed(p.gbps()), fixed(cpu)});
      r.measured_requests += p.requests();
      if (!several) {
        const auto key = std::make_pair(p.alg, p.size);
        if (!rate.count(key)) order.push_back(key);
        rate[key][p.mode] = p.requests_per_s();
      }
      const std::string base = "workload.crypto." + (several ? c->instance() + "." : "") + p.alg +
                               "." + p.mode + "." + std::to_string(p.size) + ".";
      r.stats->histogram(base + "latency_ns", "ns", "request latency as the caller sees it")
          .merge(p.latency.ns);
      r.stats->set_scalar(base + "requests_per_s", p.requests_per_s(), "1/s",
                          "measured requests over the measured window");
      r.stats->set_scalar(base + "gbps", p.gbps(), "GB/s", "input bytes per second");
      r.stats->counter(base + "verified", "outputs compared with OpenSSL").inc(p.verified);
    }
  }
  bool header = false;
  for (const auto& key : order) {
    const auto& m = rate[key];
    auto s = m.find("sync");
    auto a = m.find("async");
    if (s == m.end() || a == m.end() || s->second <= 0) continue;
    if (!header) {
      os << "\nasync / sync throughput:\n";
      header = true;
    }
    std::snprintf(line, sizeof line, "  %-13s %9s %.2fx\n", key.first.c_str(),
                  size_text(key.second).c_str(), a->second / s->second);
    os << line;
  }
  r.text += os.str();
  r.tables.push_back(std::move(table));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    crypto,
    program_kind<CryptoParams, Crypto>(
        "crypto",
        "UADK cipher and digest requests (wd_cipher_* / wd_digest_*) on a SEC function, sync and "
        "async; every output compared with OpenSSL",
        "sec", 1, report));

}  // namespace wdsim
