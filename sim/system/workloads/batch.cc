// Program kind `batch`: UADK async compression with several requests outstanding, written
// against the UADK C API (runtime/include/uadk): wd_comp_init2_ with `queues` async ctxs, one
// session per ctx, wd_do_comp_async round robin over the sessions and a wd_comp_poll loop on
// the same thread, keeping `depth` requests in flight, for every (size, queues, depth).
// Throughput (requests/s, input GB/s) over the measured requests, latency per request from
// submit to completion seen by the poll loop. Every output is inflated with system zlib and
// compared with its input. UADK's settings are per process, so a process runs one batch
// thread (submit and poll on it, as UADK's own tests do). Destination buffers as for
// `compare`: populate = one buffer per slot, mapped with MAP_POPULATE once; demand = a fresh,
// untouched mapping per request (the device's first touch of each page faults: I/O page faults
// through the stall or PRI model), pretouch = a fresh mapping whose pages the CPU writes first
// (CPU faults, timed, before the submit); a fresh mapping is unmapped when its request
// completes (the unmap's invalidations are timed too). Waiting: `wait: poll` busy-polls
// wd_comp_poll every runtime.poll_interval_ns (UADK v2's poll threads); `wait: interrupt` runs
// the ctx in interrupt mode (WD_COMP_EPOLL_EN=1: the CQ doorbell re-arms the queue's
// interrupt) and, when a poll finds nothing, sleeps in wd_ctx_wait (poll() on the queue fd)
// until the device interrupts; every sleep then costs the kernel's sleep, interrupt and wake-up
// path (system.host.*). `wait: sleep` polls each ctx once and, finding nothing, calls
// usleep(sleep_us), which Linux stretches by the thread's timer slack (hrtimers of a normal
// task fire at the end of their slack range): the loop of UADK v1's test_bind_api (test/
// wd_sched.c: wd_recv_sync, then usleep(1) on -EAGAIN), whose published throughput against
// batch depth (UADK docs/perf.rst) is in docs/calibration.md.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>

#include "runtime/include/uadk/wd_bmm.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/system/workload_data.h"
#include "sim/system/workloads/stages.h"
#include "sim/system/workloads/uadk_async.h"

namespace wdsim {

namespace {

struct BatchParams : ProgramParams {
  std::vector<uint64_t> sizes;
  std::vector<uint64_t> depths;
  std::vector<uint64_t> queues;
  uint64_t requests;
  uint64_t warmup_requests;
  std::string format;
  std::string data;
  double poll_timeout_us;
  std::string buffers;
  std::string wait;
  std::string layout;
  std::string memory;
  double sleep_us;
  double timer_slack_ns;

  void declare(ParamScope& s) override {
    s.add_list("sizes", sizes, {8192}, "B", "Request sizes", "guess",
               Range::between(1, 8 * 1024 * 1024));
    s.add_list("depths", depths, {1, 2, 4, 8, 16, 32, 64}, "requests",
               "Requests kept outstanding, one point per depth", "guess", Range::between(1, 1000));
    s.add_list("queues", queues, {1}, "ctxs",
               "Async ctxs (hardware queues) the requests are spread over round robin, one "
               "point per value",
               "guess", Range::between(1, 64));
    s.add("requests", requests, 256u, "requests", "Measured requests per point", "guess",
          Range::between(1, 1000000));
    s.add("warmup_requests", warmup_requests, 64u, "requests",
          "Requests per point run first and not measured", "guess", Range::between(0, 1000000));
    s.add_choice("format", format, "zlib", {"deflate", "zlib", "gzip"}, "Compressed format",
                 "UADK wd_comp formats");
    s.add_choice("data", data, "text", {"text", "random", "zeros"},
                 "Input data: generated text, random bytes or zeros", "guess");
    s.add("poll_timeout_us", poll_timeout_us, 100000.0, "us",
          "How long the poll loop may see no completion before the request counts as hung", "guess",
          Range::min(0.001));
    s.add_choice("buffers", buffers, "populate", {"populate", "demand", "pretouch"},
                 "Destination buffers: populate = one per slot, mapped with MAP_POPULATE once; "
                 "demand = a fresh untouched mapping per request (the device's first touch "
                 "faults: I/O page faults); pretouch = a fresh mapping the CPU writes page by "
                 "page before the submit (CPU faults, timed); fresh mappings are unmapped at "
                 "completion",
                 "Linux SVA buffer strategies");
    s.add_choice("wait", wait, "poll", {"poll", "interrupt", "sleep"},
                 "How the thread waits for completions: poll = busy-poll wd_comp_poll every "
                 "runtime.poll_interval_ns; interrupt = the ctx in interrupt mode "
                 "(WD_COMP_EPOLL_EN=1), sleeping in wd_ctx_wait when a poll finds nothing; "
                 "sleep = usleep(sleep_us) (plus the timer slack) when a poll finds nothing",
                 "UADK: poll threads busy-poll (uadk_tool); v1's wd_recv_sync sleeps in poll(); "
                 "v1's test_bind_api usleep(1)s (test/wd_sched.c)");
    s.add_choice("layout", layout, "slots", {"slots", "stream"},
                 "Where requests' buffers lie: slots = each in-flight slot reuses its source and "
                 "destination (as `buffers` says); stream = every request of a point takes the "
                 "next source and destination range of two large mappings made before the point "
                 "(destination: populate = MAP_POPULATE, demand = untouched, pretouch = the CPU "
                 "writes every page before the point starts), so each request meets new pages",
                 "UADK v1 test_bind_api: in_buf/out_buf advance by one block per request through "
                 "malloc'd buffers (memset first with -o perf)");
    s.add_choice("memory", memory, "process", {"process", "static_share"},
                 "What the device reads and writes: process = the program's own buffers (SVA); "
                 "static_share = blocks of a wd_mempool_alloc pool on each ctx's static share "
                 "region (a device with uacce_mode nosva: UADK_MEM_PROXY sessions), the input "
                 "copied into a block before each submit and the output copied out of one to the "
                 "destination after each completion",
                 "UADK v1 test_bind_api without SVA: memcpy into the reserved region's data_in, "
                 "and with -o perf out of its data_out (UADK docs/perf.rst)");
    s.add("sleep_us", sleep_us, 1.0, "us", "wait: sleep: the usleep() argument",
          "UADK v1 test/wd_sched.c: usleep(1) when wd_recv_sync finds nothing", Range::min(0));
    s.add("timer_slack_ns", timer_slack_ns, 50000.0, "ns",
          "wait: sleep: the thread's timer slack, added to every sleep (a normal task's hrtimer "
          "fires at the end of its slack range on an otherwise idle core)",
          "Linux: the default timer_slack_ns of a task is 50 us (prctl(2) PR_SET_TIMERSLACK)",
          Range::min(0));
    s.require("wait",
              wait != "interrupt" ||
                  std::all_of(queues.begin(), queues.end(), [](uint64_t q) { return q == 1; }),
              "wait: interrupt sleeps on one queue's fd, so it needs queues: [1]");
  }
};

// One (size, queues, depth) point.
struct BatchPoint {
  uint64_t size = 0;
  uint64_t queues = 0;
  uint64_t depth = 0;
  uint64_t elapsed_ps = 0;  // first measured submit to last measured completion
  uint64_t cpu_ps = 0;      // CPU time of the thread over that window
  uint64_t output_bytes = 0;
  LatencyStats latency;  // the measured requests', in completion order
  uint64_t requests() const { return latency.count(); }
  double requests_per_s() const { return per_second(requests(), elapsed_ps); }
  double input_gbps() const { return requests_per_s() * static_cast<double>(size) / 1e9; }
};

// memory: static_share: the pool blocks' alignment (a cache line, as UADK's samples ask).
constexpr uint32_t kStaticShareAlign = 64;

wd_comp_alg_type comp_alg(const std::string& format) {
  if (format == "deflate") return WD_DEFLATE;
  if (format == "gzip") return WD_GZIP;
  return WD_ZLIB;
}

class Batch : public Program {
 public:
  Batch(const BatchParams& p, const ProgramSetup& setup) : p_(p), instance_(setup.instance) {}

  void run(ProgramThread& t) override {
    const uint64_t max_depth = *std::max_element(p_.depths.begin(), p_.depths.end());
    WorkloadData data(p_.data, t.system.env().rng("workload.data/" + t.name));
    std::string alg = p_.format;
    const uint64_t timeout_ps = static_cast<uint64_t>(p_.poll_timeout_us * 1e6);
    const uint64_t poll_ps = static_cast<uint64_t>(t.system.runtime_costs().poll_interval_ns * 1e3);
    for (uint64_t size : p_.sizes) {
      const uint64_t capacity = size * 2 + 1024;  // room for incompressible data + headers
      const uint64_t src = t.map_buffer(max_depth * size, true);
      const bool fresh_dst = p_.buffers != "populate";
      const uint64_t dst = fresh_dst ? 0 : t.map_buffer(max_depth * capacity, true);
      if (!fresh_dst) dst_ = {dst, max_depth * capacity};
      for (uint64_t queues : p_.queues) {
        wd_ctx_nums nums{0, static_cast<__u32>(queues)};
        wd_ctx_params params{1, &nums, nullptr, nullptr};
        t.bind_runtime();
        const bool interrupt = p_.wait == "interrupt";
        const bool sleep = p_.wait == "sleep";
        if (interrupt) t.process.uadk->set_env("WD_COMP_EPOLL_EN", "1");
        int ret = wd_comp_init2_(alg.data(), SCHED_POLICY_RR, TASK_HW, &params);
        if (ret < 0) fail(t, "wd_comp_init2 failed: " + std::to_string(ret));
        // The interrupt wait sleeps on the (one) ctx's fd, at most the poll timeout.
        std::function<void()> idle;
        if (interrupt) {
          const std::vector<uintptr_t> ctxs = t.process.uadk->comp_ctx_handles();
          if (ctxs.size() != 1)
            fail(t, "wait: interrupt found " + std::to_string(ctxs.size()) + " ctxs");
          const handle_t ctx = static_cast<handle_t>(ctxs[0]);
          const auto wait_ms =
              static_cast<__u16>(std::clamp<double>(p_.poll_timeout_us / 1000.0, 1.0, 65535.0));
          idle = [&t, ctx, wait_ms] {
            t.bind_runtime();
            const int w = wd_ctx_wait(ctx, wait_ms);
            if (w < 0) throw ProgramError("batch: wd_ctx_wait failed: " + std::to_string(w));
          };
        } else if (sleep) {
          const uint64_t nap_ps =
              static_cast<uint64_t>(p_.sleep_us * 1e6 + p_.timer_slack_ns * 1e3);
          idle = [&t, nap_ps] { t.os.nanosleep(nap_ps); };
        }
        std::vector<handle_t> sessions;
        // memory: static_share: a pool per ctx (per session), a source and a destination
        // block per request in flight.
        const bool static_share = p_.memory == "static_share";
        std::vector<std::pair<handle_t, void*>> pools;
        for (uint64_t q = 0; q < queues; ++q) {
          wd_comp_sess_setup setup{};
          setup.alg_type = comp_alg(p_.format);
          setup.comp_lv = WD_COMP_L1;
          setup.win_sz = WD_COMP_WS_32K;
          setup.op_type = WD_DIR_COMPRESS;
          if (static_share) {
            const handle_t ctx = wd_find_ctx(alg.c_str());
            wd_mempool_setup ps{};
            ps.block_size = static_cast<__u32>(capacity);
            ps.block_num = static_cast<__u32>(2 * max_depth);
            ps.align_size = kStaticShareAlign;
            void* pool = ctx ? wd_mempool_alloc(ctx, &ps) : nullptr;
            if (!pool) fail(t, "memory: static_share: no pool on ctx " + std::to_string(q));
            pools.emplace_back(ctx, pool);
            setup.mm_type = UADK_MEM_PROXY;
            setup.mm_ops.usr = pool;
          }
          const handle_t h = wd_comp_alloc_sess(&setup);
          if (!h) fail(t, "wd_comp_alloc_sess failed");
          sessions.push_back(h);
        }
        for (uint64_t depth : p_.depths) {
          t.system.env().trace_event(
              "workload", "point",
              {tf("kind", "batch"), tf("size", size), tf("queues", queues), tf("depth", depth)});
          std::vector<AsyncSlot> slots(depth);
          std::vector<wd_comp_req> reqs(depth);
          std::vector<std::vector<uint8_t>> inputs(depth);
          std::vector<uint64_t> fresh(depth, 0);  // a slot's fresh destination (0: none)
          // memory: static_share: a slot's blocks while its request is out, and their pool.
          std::vector<void*> block_src(depth, nullptr), block_dst(depth, nullptr);
          std::vector<void*> block_pool(depth, nullptr);
          // layout: stream: the point's requests (warm-up and measured) take consecutive ranges.
          const bool stream = p_.layout == "stream";
          const uint64_t stream_n = p_.warmup_requests + p_.requests;
          uint64_t stream_src = 0, stream_dst = 0;
          if (stream) {
            stream_src = t.map_buffer(stream_n * size, true);
            stream_dst = t.map_buffer(stream_n * capacity, p_.buffers == "populate");
            if (p_.buffers == "pretouch") {
              const uint8_t zero = 0;
              const uint64_t page = t.os.process().find_vma(stream_dst)->page_size;
              for (uint64_t off = 0; off < stream_n * capacity; off += page) {
                t.os.store(stream_dst + off, &zero, 1);
              }
            }
          }
          uint64_t stream_next = 0;                // requests of the point submitted so far
          std::vector<uint64_t> stream_at(depth);  // a slot's request number within the point
          uint64_t output_bytes = 0;
          // The destination of `slot`'s request: its part of the populated buffer, or a fresh
          // mapping made (and for pretouch, touched page by page: timed) before the submit.
          auto destination = [&](uint32_t slot) {
            if (stream) return stream_dst + stream_at[slot] * capacity;
            if (!fresh_dst) return dst + slot * capacity;
            if (fresh[slot] == 0) {
              fresh[slot] = t.map_buffer(capacity, false);
              if (p_.buffers == "pretouch") {
                const uint8_t zero = 0;
                const uint64_t page = t.os.process().find_vma(fresh[slot])->page_size;
                for (uint64_t off = 0; off < capacity; off += page) {
                  t.os.store(fresh[slot] + off, &zero, 1);
                }
              }
            }
            return fresh[slot];
          };
          auto src_of = [&](uint32_t slot) {
            return stream ? stream_src + stream_at[slot] * size : src + slot * size;
          };
          RequestLog* log = nullptr;  // set for the measured requests when output.requests
          bool measured = false;      // the warm-up requests are not
          const std::string point = "q" + std::to_string(queues) + ".d" + std::to_string(depth);
          auto submit = [&](uint32_t slot, uint64_t i) {
            if (inputs[slot].empty()) {  // kept across an -EBUSY retry
              inputs[slot] = data.next(size);
              if (stream) stream_at[slot] = stream_next++;
              if (!t.os.process().write(src_of(slot), inputs[slot].data(), size)) {
                fail(t, "source buffer unmapped");
              }
            }
            wd_comp_req& r = reqs[slot];
            r = wd_comp_req{};
            r.src = reinterpret_cast<void*>(src_of(slot));
            r.src_len = static_cast<__u32>(size);
            const uint64_t out_va = destination(slot);  // kept across an -EBUSY retry
            r.dst = reinterpret_cast<void*>(out_va);
            if (static_share) {
              if (!block_src[slot]) {  // kept across an -EBUSY retry, like the input
                void* pool = pools[i % pools.size()].second;
                block_pool[slot] = pool;
                block_src[slot] = wd_mem_alloc(pool, size);
                block_dst[slot] = wd_mem_alloc(pool, capacity);
                if (!block_src[slot] || !block_dst[slot]) fail(t, "static share pool exhausted");
                t.os.copy(reinterpret_cast<uint64_t>(block_src[slot]), src_of(slot), size);
              }
              r.src = block_src[slot];
              r.dst = block_dst[slot];
            }
            r.dst_len = static_cast<__u32>(capacity);
            r.cb = async_comp_cb;
            r.cb_param = &slots[slot];
            r.op_type = WD_DIR_COMPRESS;
            r.data_fmt = WD_FLAT_BUF;
            return wd_do_comp_async(sessions[i % sessions.size()], &r);
          };
          // Interrupt and sleep modes poll each ctx once (wd_comp_poll_ctx: -WD_EAGAIN when
          // empty), then sleep; busy-poll mode goes through the scheduler's poll loop
          // (wd_comp_poll), which keeps polling.
          auto poll = [&](uint32_t* count) {
            if (!interrupt && !sleep) return wd_comp_poll(1, count);
            int ret = -WD_EAGAIN;
            for (uint32_t c = 0; c < queues; ++c) {
              uint32_t got = 0;
              const int r = wd_comp_poll_ctx(c, static_cast<__u32>(depth), &got);
              *count += got;
              if (r < 0 && r != -WD_EAGAIN) return r;
              if (got > 0) ret = 0;
            }
            return ret;
          };
          auto complete = [&](uint32_t slot, uint64_t i) {
            const wd_comp_req& r = reqs[slot];
            if (r.status != 0) {
              fail(t, "request " + std::to_string(i) + " status " + std::to_string(r.status));
            }
            output_bytes += r.dst_len;
            const AsyncSlot& s = slots[slot];
            if (log) {
              log->write({t.process.name, t.name, "batch", point, size, i, s.t_submit,
                          s.t_done - s.t_submit, std::nullopt, r.dst_len, ""});
            }
            if (measured) {
              trace_request(t.system.env().trace(), "requests " + t.name,
                            "batch " + size_text(size) + " " + point, ++traced_requests_,
                            s.t_submit, s.t_done);
            }
            uint64_t out_va = reinterpret_cast<uint64_t>(r.dst);
            if (static_share) {
              // The output out of the static share to the destination; the blocks go back.
              out_va = destination(slot);
              t.os.copy(out_va, reinterpret_cast<uint64_t>(block_dst[slot]), r.dst_len);
              t.bind_runtime();
              wd_mem_free(block_pool[slot], block_src[slot]);
              wd_mem_free(block_pool[slot], block_dst[slot]);
              block_src[slot] = block_dst[slot] = nullptr;
            }
            // A fresh destination is unmapped once its request is done with (after the check).
            auto release = [&] {
              if (fresh[slot] == 0) return;
              t.os.munmap(fresh[slot], capacity);
              fresh[slot] = 0;
            };
            if (!t.system.verify_output("", "zip", checked_++)) {
              inputs[slot].clear();
              release();
              ++ok_;
              return;
            }
            std::vector<uint8_t> out(r.dst_len);
            if (!t.os.process().read(out_va, out.data(), out.size())) {
              fail(t, "output buffer unmapped");
            }
            std::string why;
            if (!inflate_equals(out, inputs[slot], p_.format, &why)) {
              fail(t, std::to_string(size) +
                          " B output does not inflate to the input with system zlib: " + why);
            }
            inputs[slot].clear();
            release();
            ++ok_;
          };
          run_async(t.os, p_.warmup_requests, depth, poll_ps, timeout_ps, submit, poll, complete,
                    slots, nullptr, idle);
          output_bytes = 0;
          log = t.system.request_log();
          measured = true;
          BatchPoint pt;
          pt.size = size;
          pt.queues = queues;
          pt.depth = depth;
          const uint64_t t0 = t.os.now();
          const sc_core::sc_time cpu0 = t.os.cpu().busy_time();
          run_async(t.os, p_.requests, depth, poll_ps, timeout_ps, submit, poll, complete, slots,
                    &pt.latency, idle);
          pt.elapsed_ps = t.os.now() - t0;
          pt.cpu_ps = to_ps(t.os.cpu().busy_time() - cpu0);
          pt.output_bytes = output_bytes;
          points_.push_back(std::move(pt));
          if (stream) {
            t.os.munmap(stream_src, stream_n * size);
            t.os.munmap(stream_dst, stream_n * capacity);
          }
        }
        for (handle_t h : sessions) wd_comp_free_sess(h);
        for (const auto& [ctx, pool] : pools) wd_mempool_free(ctx, pool);
        wd_comp_uninit2();
        if (interrupt) t.process.uadk->unset_env("WD_COMP_EPOLL_EN");
      }
      t.os.munmap(src, max_depth * size);
      if (!fresh_dst) t.os.munmap(dst, max_depth * capacity);
      dst_ = {0, 0};
    }
  }

  std::optional<std::pair<uint64_t, uint64_t>> buffer(const std::string& name) const override {
    if (name == "dst" && dst_.second) return dst_;
    return std::nullopt;
  }
  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return failed_; }
  const std::vector<BatchPoint>& points() const { return points_; }
  const std::string& instance() const { return instance_; }

 private:
  [[noreturn]] void fail(ProgramThread& t, const std::string& what) {
    ++failed_;
    throw ProgramError(with_uadk_error(t, "batch: " + what));
  }

  const BatchParams& p_;
  std::string instance_;
  std::vector<BatchPoint> points_;
  std::pair<uint64_t, uint64_t> dst_{0, 0};
  uint64_t ok_ = 0;
  uint64_t checked_ = 0;          // outputs offered to the check
  uint64_t traced_requests_ = 0;  // trace.json request slices
  uint64_t failed_ = 0;
};

void report(const std::vector<const Program*>& programs, RunReport& r) {
  std::ostringstream os;
  char line[256];
  const bool several = programs.size() > 1;
  os << "batch: async compression (wd_do_comp_async + wd_comp_poll), throughput vs depth\n";
  if (several) os << "(one block of rows per process)\n";
  std::snprintf(line, sizeof line, "%9s %6s %5s %5s %10s %9s %7s %10s %10s %10s %11s\n", "size",
                "queues", "depth", "reqs", "kreq/s", "in_GB/s", "ratio", "mean_us", "p50_us",
                "p99_us", "cpu_us/req");
  os << line;
  SummaryTable table{"batch",
                     {"process", "size", "queues", "depth", "requests", "kreq_per_s", "in_gbps",
                      "mean_us", "p50_us", "p99_us", "cpu_us"},
                     {}};
  for (const Program* prog : programs) {
    const auto* b = static_cast<const Batch*>(prog);
    if (several) os << b->instance() << ":\n";
    for (const BatchPoint& p : b->points()) {
      const Histogram& lat = p.latency.us;
      const double n = static_cast<double>(p.requests());
      const double ratio =
          p.output_bytes > 0 ? n * static_cast<double>(p.size) / static_cast<double>(p.output_bytes)
                             : 0.0;
      const double cpu = n > 0 ? static_cast<double>(p.cpu_ps) / 1e6 / n : 0.0;
      std::snprintf(line, sizeof line,
                    "%9s %6llu %5llu %5zu %10.1f %9.3f %7.2f %10.3f %10.3f %10.3f %11.3f\n",
                    size_text(p.size).c_str(), static_cast<unsigned long long>(p.queues),
                    static_cast<unsigned long long>(p.depth), p.requests(),
                    p.requests_per_s() / 1e3, p.input_gbps(), ratio, lat.mean(), lat.percentile(50),
                    lat.percentile(99), cpu);
      os << line;
      table.rows.push_back(
          {b->instance(), std::to_string(p.size), std::to_string(p.queues), std::to_string(p.depth),
           std::to_string(p.requests()), fixed(p.requests_per_s() / 1e3, 1), fixed(p.input_gbps()),
           fixed(lat.mean()), fixed(lat.percentile(50)), fixed(lat.percentile(99)), fixed(cpu)});
      r.measured_requests += p.requests();
      const std::string base = "workload.batch." + (several ? b->instance() + "." : "") +
                               std::to_string(p.size) + ".q" + std::to_string(p.queues) + ".d" +
                               std::to_string(p.depth) + ".";
      r.stats->histogram(base + "latency_ns", "ns", "submit to completion seen by poll")
          .merge(p.latency.ns);
      r.stats->set_scalar(base + "requests_per_s", p.requests_per_s(), "1/s",
                          "measured requests over the measured window");
      r.stats->set_scalar(base + "input_gbps", p.input_gbps(), "GB/s", "input bytes per second");
      r.stats->set_scalar(base + "output_bytes", static_cast<double>(p.output_bytes), "B",
                          "compressed bytes of the measured requests");
      r.stats->set_scalar(base + "cpu_ns_per_request", cpu * 1000.0, "ns",
                          "CPU time of the submitting/polling thread per request");
    }
  }
  r.text += os.str();
  r.tables.push_back(std::move(table));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    batch,
    program_kind<BatchParams, Batch>(
        "batch",
        "UADK async compression (wd_do_comp_async / wd_comp_poll) at each depth and queue count; "
        "every output inflated with system zlib",
        "zip", 1, report));

}  // namespace wdsim
