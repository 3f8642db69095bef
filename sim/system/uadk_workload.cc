#include "sim/system/uadk_workload.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>

#include "runtime/include/uadk/wd_cipher.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_digest.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/cpu_host/host_thread.h"
#include "sim/system/crypto_reference.h"
#include "sim/system/workload_data.h"

namespace wdsim {

namespace {

class WorkloadError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// What the completion callback of one in-flight request writes.
struct Slot {
  rt::OsInterface *os = nullptr;
  bool busy = false;
  bool done = false;
  uint64_t index = 0; // request number within the run
  uint64_t t_submit = 0;
  uint64_t t_done = 0;
};

void *comp_cb(wd_comp_req * /*req*/, void *param) {
  auto *s = static_cast<Slot *>(param);
  s->done = true;
  s->t_done = s->os->now();
  return nullptr;
}
void *cipher_cb(wd_cipher_req * /*req*/, void *param) {
  auto *s = static_cast<Slot *>(param);
  s->done = true;
  s->t_done = s->os->now();
  return nullptr;
}
void *digest_cb(void *param) {
  auto *s = static_cast<Slot *>(param);
  s->done = true;
  s->t_done = s->os->now();
  return nullptr;
}

std::string err_text(int ret) { return std::to_string(ret); }

class Runner {
public:
  Runner(const Scenario &sc, SimEnv &env, HostThread &t)
      : sc_(sc), w_(sc.workload), env_(env), t_(t), proc_(process_config(sc)) {
    rt::wd_runtime_bind(&t_, &proc_);
  }
  ~Runner() { rt::wd_runtime_bind(nullptr, nullptr); }

  void batch(UadkResults *out);
  void crypto(UadkResults *out);

private:
  static rt::UadkProcessConfig process_config(const Scenario &sc) {
    rt::UadkProcessConfig c;
    c.costs = sc.system.runtime;
    return c;
  }
  [[noreturn]] void fail(const std::string &what) {
    throw WorkloadError(what + " (" + proc_.last_error() + ")");
  }
  uint64_t mmap(uint64_t len) {
    int err = 0;
    const uint64_t va =
        t_.mmap(-1, len, rt::kProtRead | rt::kProtWrite, 0, &err);
    if (err || !va)
      throw WorkloadError("workload: mmap failed: " + err_text(err));
    return va;
  }
  void write(uint64_t va, const std::vector<uint8_t> &bytes) {
    if (!t_.process().write(va, bytes.data(), bytes.size())) {
      throw WorkloadError("workload: buffer unmapped");
    }
  }
  std::vector<uint8_t> read(uint64_t va, size_t len) {
    std::vector<uint8_t> bytes(len);
    if (!t_.process().read(va, bytes.data(), len)) {
      throw WorkloadError("workload: output buffer unmapped");
    }
    return bytes;
  }

  // Runs `total` requests keeping up to `depth` in flight: submit(slot,
  // request) returns 0 or a negative code (-WD_EBUSY: poll first); poll(&count)
  // is wd_*_poll; complete(slot, request) checks a finished request. Returns
  // the latencies (submit to completion seen).
  std::vector<uint64_t>
  run_async(uint64_t total, uint64_t depth,
            const std::function<int(uint32_t, uint64_t)> &submit,
            const std::function<int(uint32_t *)> &poll,
            const std::function<void(uint32_t, uint64_t)> &complete,
            std::vector<Slot> &slots);

  const Scenario &sc_;
  const WorkloadParams &w_;
  SimEnv &env_;
  HostThread &t_;
  rt::UadkProcess proc_;
};

std::vector<uint64_t>
Runner::run_async(uint64_t total, uint64_t depth,
                  const std::function<int(uint32_t, uint64_t)> &submit,
                  const std::function<int(uint32_t *)> &poll,
                  const std::function<void(uint32_t, uint64_t)> &complete,
                  std::vector<Slot> &slots) {
  std::vector<uint64_t> latency;
  const uint64_t timeout_ps = static_cast<uint64_t>(w_.poll_timeout_us * 1e6);
  const uint64_t poll_ps =
      static_cast<uint64_t>(sc_.system.runtime.poll_interval_ns * 1e3);
  uint64_t next = 0, finished = 0, in_flight = 0;
  uint64_t last_progress = t_.now();
  for (Slot &s : slots)
    s = Slot{&t_};
  while (finished < total) {
    while (next < total && in_flight < depth) {
      uint32_t free_slot = 0;
      while (slots[free_slot].busy)
        ++free_slot;
      Slot &s = slots[free_slot];
      s.index = next;
      s.done = false;
      s.t_submit = t_.now();
      const int r = submit(free_slot, next);
      if (r == -WD_EBUSY)
        break;
      if (r < 0)
        fail("submit of request " + std::to_string(next) +
             " failed: " + err_text(r));
      s.busy = true;
      ++in_flight;
      ++next;
    }
    uint32_t count = 0;
    const int r = poll(&count);
    if (r < 0 && r != -WD_EAGAIN)
      fail("poll failed: " + err_text(r));
    bool progress = false;
    for (uint32_t i = 0; i < slots.size(); ++i) {
      Slot &s = slots[i];
      if (!s.busy || !s.done)
        continue;
      latency.push_back(s.t_done - s.t_submit);
      complete(i, s.index);
      s.busy = false;
      --in_flight;
      ++finished;
      progress = true;
    }
    if (progress) {
      last_progress = t_.now();
    } else {
      if (t_.now() - last_progress > timeout_ps) {
        throw WorkloadError("workload: no completion for " +
                            std::to_string(w_.poll_timeout_us) + " us with " +
                            std::to_string(in_flight) + " requests in flight");
      }
      t_.compute(std::max<uint64_t>(poll_ps, 1));
    }
  }
  return latency;
}

// ---------------- batch ----------------

wd_comp_alg_type comp_alg(const std::string &format) {
  if (format == "deflate")
    return WD_DEFLATE;
  if (format == "gzip")
    return WD_GZIP;
  return WD_ZLIB;
}

void Runner::batch(UadkResults *out) {
  const uint64_t max_depth =
      *std::max_element(w_.depths.begin(), w_.depths.end());
  WorkloadData data(w_.data, env_.rng("workload.data"));
  std::string alg = w_.format;
  for (uint64_t size : w_.sizes) {
    const uint64_t capacity =
        size * 2 + 1024; // room for incompressible data + headers
    const uint64_t src = mmap(max_depth * size);
    const uint64_t dst = mmap(max_depth * capacity);
    for (uint64_t queues : w_.queues) {
      wd_ctx_nums nums{0, static_cast<__u32>(queues)};
      wd_ctx_params params{1, &nums, nullptr, nullptr};
      int ret = wd_comp_init2_(alg.data(), SCHED_POLICY_RR, TASK_HW, &params);
      if (ret < 0)
        fail("batch: wd_comp_init2 failed: " + err_text(ret));
      std::vector<handle_t> sessions;
      for (uint64_t q = 0; q < queues; ++q) {
        wd_comp_sess_setup setup{};
        setup.alg_type = comp_alg(w_.format);
        setup.comp_lv = WD_COMP_L1;
        setup.win_sz = WD_COMP_WS_32K;
        setup.op_type = WD_DIR_COMPRESS;
        const handle_t h = wd_comp_alloc_sess(&setup);
        if (!h)
          fail("batch: wd_comp_alloc_sess failed");
        sessions.push_back(h);
      }
      for (uint64_t depth : w_.depths) {
        env_.trace_event("workload", "point",
                         {tf("kind", "batch"), tf("size", size),
                          tf("queues", queues), tf("depth", depth)});
        std::vector<Slot> slots(depth);
        std::vector<wd_comp_req> reqs(depth);
        std::vector<std::vector<uint8_t>> inputs(depth);
        uint64_t output_bytes = 0;
        auto submit = [&](uint32_t slot, uint64_t i) {
          if (inputs[slot].empty()) { // kept across an -EBUSY retry
            inputs[slot] = data.next(size);
            write(src + slot * size, inputs[slot]);
          }
          wd_comp_req &r = reqs[slot];
          r = wd_comp_req{};
          r.src = reinterpret_cast<void *>(src + slot * size);
          r.src_len = static_cast<__u32>(size);
          r.dst = reinterpret_cast<void *>(dst + slot * capacity);
          r.dst_len = static_cast<__u32>(capacity);
          r.cb = comp_cb;
          r.cb_param = &slots[slot];
          r.op_type = WD_DIR_COMPRESS;
          r.data_fmt = WD_FLAT_BUF;
          return wd_do_comp_async(sessions[i % sessions.size()], &r);
        };
        auto poll = [&](uint32_t *count) { return wd_comp_poll(1, count); };
        auto complete = [&](uint32_t slot, uint64_t i) {
          const wd_comp_req &r = reqs[slot];
          if (r.status != 0) {
            throw WorkloadError("batch: request " + std::to_string(i) +
                                " status " + std::to_string(r.status));
          }
          std::string why;
          if (!inflate_equals(read(dst + slot * capacity, r.dst_len),
                              inputs[slot], w_.format, &why)) {
            throw WorkloadError(
                "batch: " + std::to_string(size) +
                " B output does not inflate to the input with system zlib: " +
                why);
          }
          output_bytes += r.dst_len;
          inputs[slot].clear();
        };
        run_async(w_.warmup_requests, depth, submit, poll, complete, slots);
        output_bytes = 0;
        BatchPoint p;
        p.size = size;
        p.queues = queues;
        p.depth = depth;
        const uint64_t t0 = t_.now();
        const sc_core::sc_time cpu0 = t_.cpu().busy_time();
        p.latency_ps =
            run_async(w_.requests, depth, submit, poll, complete, slots);
        p.elapsed_ps = t_.now() - t0;
        p.cpu_ps = to_ps(t_.cpu().busy_time() - cpu0);
        p.output_bytes = output_bytes;
        out->batch.push_back(std::move(p));
      }
      for (handle_t h : sessions)
        wd_comp_free_sess(h);
      wd_comp_uninit2();
    }
    t_.munmap(src, max_depth * size);
    t_.munmap(dst, max_depth * capacity);
  }
}

// ---------------- crypto ----------------

struct CryptoSetup {
  CryptoAlgInfo alg;
  handle_t sess = 0;
  std::vector<uint8_t> key;
};

void Runner::crypto(UadkResults *out) {
  WorkloadData data(w_.data, env_.rng("workload.data"));
  std::mt19937_64 key_rng = env_.rng("workload.crypto_keys");
  const uint64_t max_size = *std::max_element(w_.sizes.begin(), w_.sizes.end());
  const uint64_t depth_max = w_.async_depth;
  const uint64_t src = mmap(depth_max * max_size);
  const uint64_t dst = mmap(depth_max * max_size);
  constexpr uint64_t kMacSlot = 64;
  constexpr uint64_t kIvBytes = 16;
  const uint64_t small =
      mmap(4096 + depth_max * (kMacSlot + kIvBytes)); // key, MACs, IVs
  const uint64_t key_va = small;
  const uint64_t mac_va = small + 4096;
  const uint64_t iv_va = mac_va + depth_max * kMacSlot;
  auto random_bytes = [&](size_t n) {
    std::vector<uint8_t> b(n);
    for (auto &x : b)
      x = static_cast<uint8_t>(key_rng());
    return b;
  };

  for (const std::string &name : w_.crypto_algs) {
    CryptoSetup cs;
    if (!crypto_alg_info(name, &cs.alg))
      throw WorkloadError("crypto: unknown algorithm " + name);
    const CryptoAlgInfo &a = cs.alg;
    for (uint64_t size : w_.sizes) {
      if (size % a.block_bytes != 0 || size < a.min_bytes) {
        throw WorkloadError(
            "crypto: " + name + " cannot take " + std::to_string(size) +
            " B requests (workload.sizes must be multiples of " +
            std::to_string(a.block_bytes) + ", at least " +
            std::to_string(a.min_bytes) + ")");
      }
    }
    std::string alg_name = name;
    int ret = a.cipher ? wd_cipher_init2_(alg_name.data(), SCHED_POLICY_RR,
                                          TASK_HW, nullptr)
                       : wd_digest_init2_(alg_name.data(), SCHED_POLICY_RR,
                                          TASK_HW, nullptr);
    if (ret < 0)
      fail("crypto: init2 of " + name + " failed: " + err_text(ret));
    if (a.cipher) {
      wd_cipher_sess_setup setup{};
      setup.alg =
          name.find("sm4") != std::string::npos ? WD_CIPHER_SM4 : WD_CIPHER_AES;
      const std::string mode = name.substr(0, 3);
      setup.mode = mode == "ecb"   ? WD_CIPHER_ECB
                   : mode == "cbc" ? WD_CIPHER_CBC
                   : mode == "ctr" ? WD_CIPHER_CTR
                                   : WD_CIPHER_XTS;
      cs.sess = wd_cipher_alloc_sess(&setup);
    } else {
      wd_digest_sess_setup setup{};
      const std::string base = a.hmac ? name.substr(5, name.size() - 6) : name;
      setup.alg = base == "sm3"      ? WD_DIGEST_SM3
                  : base == "sha1"   ? WD_DIGEST_SHA1
                  : base == "sha512" ? WD_DIGEST_SHA512
                                     : WD_DIGEST_SHA256;
      setup.mode = a.hmac ? WD_DIGEST_HMAC : WD_DIGEST_NORMAL;
      cs.sess = wd_digest_alloc_sess(&setup);
    }
    if (!cs.sess)
      fail("crypto: alloc_sess of " + name + " failed");
    if (a.key_bytes > 0) {
      cs.key = random_bytes(a.key_bytes);
      write(key_va, cs.key);
      const auto *key_ptr = reinterpret_cast<const __u8 *>(key_va);
      ret = a.cipher ? wd_cipher_set_key(cs.sess, key_ptr, a.key_bytes)
                     : wd_digest_set_key(cs.sess, key_ptr, a.key_bytes);
      if (ret < 0)
        fail("crypto: set_key of " + name + " failed: " + err_text(ret));
    }

    for (const std::string &mode : w_.crypto_modes) {
      const bool async = mode == "async";
      const uint64_t depth = async ? depth_max : 1;
      for (uint64_t size : w_.sizes) {
        env_.trace_event("workload", "point",
                         {tf("kind", "crypto"), tf("alg", name),
                          tf("mode", mode), tf("size", size)});
        std::vector<Slot> slots(depth);
        std::vector<wd_cipher_req> creqs(depth);
        std::vector<wd_digest_req> dreqs(depth);
        std::vector<std::vector<uint8_t>> inputs(depth), ivs(depth);
        CryptoPoint p;
        p.alg = name;
        p.mode = mode;
        p.size = size;
        p.depth = depth;
        auto prepare = [&](uint32_t slot) {
          inputs[slot] = data.next(size);
          write(src + slot * size, inputs[slot]);
          if (a.cipher && name.rfind("ecb", 0) != 0) {
            ivs[slot] = random_bytes(kIvBytes);
            write(iv_va + slot * kIvBytes, ivs[slot]);
          } else {
            ivs[slot].clear();
          }
          if (a.cipher) {
            wd_cipher_req &r = creqs[slot];
            r = wd_cipher_req{};
            r.op_type = WD_CIPHER_ENCRYPTION;
            r.src = reinterpret_cast<void *>(src + slot * size);
            r.dst = reinterpret_cast<void *>(dst + slot * size);
            r.iv = ivs[slot].empty()
                       ? nullptr
                       : reinterpret_cast<void *>(iv_va + slot * kIvBytes);
            r.iv_bytes = ivs[slot].empty() ? 0 : static_cast<__u32>(kIvBytes);
            r.in_bytes = static_cast<__u32>(size);
            r.out_buf_bytes = static_cast<__u32>(size);
            r.data_fmt = WD_FLAT_BUF;
            r.cb = cipher_cb;
            r.cb_param = &slots[slot];
          } else {
            wd_digest_req &r = dreqs[slot];
            r = wd_digest_req{};
            r.in = reinterpret_cast<void *>(src + slot * size);
            r.out = reinterpret_cast<void *>(mac_va + slot * kMacSlot);
            r.in_bytes = static_cast<__u32>(size);
            r.out_bytes = a.mac_bytes;
            r.out_buf_bytes = static_cast<__u32>(kMacSlot);
            r.data_fmt = WD_FLAT_BUF;
            r.cb = digest_cb;
            r.cb_param = &slots[slot];
          }
        };
        auto verify = [&](uint32_t slot, uint64_t i) {
          const uint16_t state =
              a.cipher ? creqs[slot].state : dreqs[slot].state;
          if (state != 0) {
            throw WorkloadError("crypto: " + name + " request " +
                                std::to_string(i) + " state " +
                                std::to_string(state));
          }
          std::vector<uint8_t> expected;
          std::string why;
          if (!crypto_reference(a, cs.key, ivs[slot], inputs[slot], &expected,
                                &why)) {
            throw WorkloadError("crypto: " + why);
          }
          const std::vector<uint8_t> got =
              a.cipher ? read(dst + slot * size, size)
                       : read(mac_va + slot * kMacSlot, a.mac_bytes);
          if (got != expected) {
            throw WorkloadError("crypto: " + name + " " + mode + " " +
                                std::to_string(size) + " B request " +
                                std::to_string(i) +
                                ": output differs from OpenSSL's");
          }
          ++p.verified;
        };
        auto submit = [&](uint32_t slot, uint64_t /*i*/) {
          prepare(slot);
          return a.cipher ? wd_do_cipher_async(cs.sess, &creqs[slot])
                          : wd_do_digest_async(cs.sess, &dreqs[slot]);
        };
        auto poll = [&](uint32_t *count) {
          return a.cipher ? wd_cipher_poll(1, count) : wd_digest_poll(1, count);
        };
        auto run = [&](uint64_t n) -> std::vector<uint64_t> {
          if (async)
            return run_async(n, depth, submit, poll, verify, slots);
          std::vector<uint64_t> lat;
          for (uint64_t i = 0; i < n; ++i) {
            prepare(0);
            const uint64_t t0 = t_.now();
            const int r = a.cipher ? wd_do_cipher_sync(cs.sess, &creqs[0])
                                   : wd_do_digest_sync(cs.sess, &dreqs[0]);
            if (r < 0)
              fail("crypto: " + name + " sync request failed: " + err_text(r));
            lat.push_back(t_.now() - t0);
            verify(0, i);
          }
          return lat;
        };
        run(w_.warmup_requests);
        const uint64_t t0 = t_.now();
        const sc_core::sc_time cpu0 = t_.cpu().busy_time();
        p.latency_ps = run(w_.requests);
        p.elapsed_ps = t_.now() - t0;
        p.cpu_ps = to_ps(t_.cpu().busy_time() - cpu0);
        out->crypto.push_back(std::move(p));
      }
    }
    if (a.cipher) {
      wd_cipher_free_sess(cs.sess);
      wd_cipher_uninit2();
    } else {
      wd_digest_free_sess(cs.sess);
      wd_digest_uninit2();
    }
  }
  t_.munmap(src, depth_max * max_size);
  t_.munmap(dst, depth_max * max_size);
  t_.munmap(small, 4096 + depth_max * (kMacSlot + kIvBytes));
}

} // namespace

uint64_t UadkResults::measured_requests() const {
  uint64_t n = 0;
  for (const auto &p : batch)
    n += p.latency_ps.size();
  for (const auto &p : crypto)
    n += p.latency_ps.size();
  return n;
}

void run_uadk_workload(const Scenario &scenario, SimEnv &env,
                       HostThread &thread, UadkResults *out) {
  Runner runner(scenario, env, thread);
  if (scenario.workload.kind == "batch") {
    runner.batch(out);
  } else if (scenario.workload.kind == "crypto") {
    runner.crypto(out);
  } else {
    throw std::invalid_argument("run_uadk_workload: workload.kind " +
                                scenario.workload.kind);
  }
}

} // namespace wdsim
