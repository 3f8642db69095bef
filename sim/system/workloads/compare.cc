// Program kind `compare`: doorbell vs syscall, one request outstanding at a time. For each
// path and size it runs warmup + measured compression (or decompression) requests: over the
// doorbell path through the UADK API (wd_comp_init2_ with one sync ctx per thread of the
// entry, each ctx a uacce queue bound to the process's PASID; wd_do_comp_sync: SQE into the
// ring, doorbell, busy-poll), over the syscall path through the kernel's compression device
// (copy or pin, dma_map, kernel queue, sleep until the interrupt). Every
// output is checked with system zlib (compress: it inflates to the input; decompress: it
// equals the original). Each request's latency is split into stages from the runtime's and
// kernel's timestamps and the QM's record of that very SQE (queue, slot), so the breakdown
// stays exact with other requests in flight on other queues.
// Buffers: `buffers: populate` maps each size's buffers once (MAP_POPULATE); demand, pretouch
// and pin use a fresh destination per request (device faults, CPU faults first, pinned
// first). `footprint_bytes` streams requests through request-sized slots.
// Threads of one entry each run the whole sequence with their own session (so their own ctx)
// and buffers; the entry's first thread initialises wd_comp for them, the last one to leave the
// doorbell path uninitialises it. A process runs one doorbell compare entry at a time (UADK's
// wd_comp state is per process).
// Output digest: FNV-1a 64 over every verified output's bytes (warm-up included, both paths, in
// the order the outputs were checked; outputs output.verify skips, or a timing-only device made,
// are not read; with several threads, in their completion order), written as text
// stat workload.compare.<instance>.output_digest, so a run can prove its outputs did not change
// (e.g. with a hostile process beside it). Several compare entries of one process fold their
// digests into one (FNV-1a over the entries' digests in entry order).
#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "runtime/hisi_comp.h"
#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/accel/qm/qm.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"
#include "sim/system/program.h"
#include "sim/system/workload_data.h"
#include "sim/system/workloads/stages.h"
#include "sim/system/workloads/uadk_async.h"

namespace wdsim {

namespace {

struct CompareParams : ProgramParams {
  std::vector<std::string> paths;
  std::vector<uint64_t> sizes;
  uint64_t requests;
  uint64_t warmup_requests;
  std::string op;
  std::string format;
  std::string data;
  uint64_t footprint_bytes;
  std::string buffers;
  std::string device;

  void declare(ParamScope& s) override {
    s.add_list("paths", paths, {"doorbell", "syscall"}, {"doorbell", "syscall"},
               "Submission paths to compare: user-space doorbell (UACCE/SVA) or syscall "
               "(kernel driver with DMA mapping)",
               "the question wdsim exists to answer");
    s.add_list("sizes", sizes, {64, 1024, 4096, 65536}, "B", "Request sizes", "guess",
               Range::between(1, 8 * 1024 * 1024));
    s.add("requests", requests, 20u, "requests", "Measured requests per (path, size) point",
          "guess: enough for p99 at these sizes", Range::between(1, 1000000));
    s.add("warmup_requests", warmup_requests, 1u, "requests",
          "Requests per point run first and not measured (cold IOTLB, first interrupt)", "guess",
          Range::between(0, 1000000));
    s.add_choice("op", op, "compress", {"compress", "decompress"},
                 "Compress `size` bytes, or decompress a stream (made by system zlib) that "
                 "inflates to `size` bytes",
                 "UADK wd_comp op_type");
    s.add_choice("format", format, "zlib", {"deflate", "zlib", "gzip"}, "Compressed format",
                 "UADK wd_comp formats");
    s.add_choice("data", data, "text", {"text", "random", "zeros"},
                 "Input data: generated text (compresses ~3x), random bytes (incompressible) "
                 "or zeros",
                 "guess");
    s.add("footprint_bytes", footprint_bytes, 0u, "B",
          "Streaming: the buffers span this many bytes and each request takes the next slot "
          "of its size (wrapping), so the device keeps touching new pages; 0 = one slot",
          "guess", Range::between(0, 1ull << 34));
    s.add_choice("buffers", buffers, "populate", {"populate", "demand", "pretouch", "pin"},
                 "Destination buffers: populate = one buffer per size, mapped with "
                 "MAP_POPULATE; the others use a fresh, untouched buffer for every request: "
                 "demand = the device's first touch faults (I/O page faults), pretouch = the "
                 "CPU writes each page first (CPU faults, timed), pin = pinned first (fault-in "
                 "+ pin cost, timed)",
                 "Linux SVA buffer strategies");
    s.add("device", device, "", "",
          "The syscall path's device (a zip device name, e.g. hisi_zip-1); empty = the first "
          "zip device. The doorbell path picks a device as UADK does (sysfs algorithms, most "
          "available instances)",
          "DESIGN.md (system layer)");
  }
};

// The stages a request's latency is split into.
const StageId kPrepare = intern_stage("prepare");
const StageId kSubmit = intern_stage("submit");
const StageId kDoorbell = intern_stage("doorbell");
const StageId kFetch = intern_stage("fetch");
const StageId kTranslation = intern_stage("translation");
const StageId kEngine = intern_stage("engine");
const StageId kWriteback = intern_stage("writeback");
const StageId kCompletion = intern_stage("completion");
const StageId kSyscallEntry = intern_stage("syscall_entry");
const StageId kCopyIn = intern_stage("copy_in");
const StageId kDmaMap = intern_stage("dma_map");
const StageId kIrqWakeup = intern_stage("irq_wakeup");
const StageId kDmaUnmap = intern_stage("dma_unmap");
const StageId kCopyOut = intern_stage("copy_out");
const StageId kSyscallExit = intern_stage("syscall_exit");

struct Point {
  std::string path;
  uint64_t size;
  bool operator<(const Point& o) const { return path != o.path ? path < o.path : size < o.size; }
};

// A (path, size) point's measured requests, streamed.
struct PointStats {
  LatencyStats latency;
  Histogram cpu_ns;  // stats
  Histogram cpu_us;  // table
  Histogram output_bytes;
  StageStats stages;
  void merge(const PointStats& o) {
    latency.merge(o.latency);
    cpu_ns.merge(o.cpu_ns);
    cpu_us.merge(o.cpu_us);
    output_bytes.merge(o.output_bytes);
    stages.merge(o.stages);
  }
};

// FNV-1a 64 (Fowler/Noll/Vo, the IETF draft-eastlake-fnv reference values).
constexpr uint64_t kFnv1a64Offset = 14695981039346656037ull;
constexpr uint64_t kFnv1a64Prime = 1099511628211ull;

uint64_t fnv1a64(uint64_t h, const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) h = (h ^ bytes[i]) * kFnv1a64Prime;
  return h;
}

rt::ZipFormat format_of(const std::string& f) {
  if (f == "deflate") return rt::ZipFormat::kDeflate;
  if (f == "gzip") return rt::ZipFormat::kGzip;
  return rt::ZipFormat::kZlib;
}

wd_comp_alg_type comp_alg_of(rt::ZipFormat f) {
  switch (f) {
    case rt::ZipFormat::kDeflate:
      return WD_DEFLATE;
    case rt::ZipFormat::kGzip:
      return WD_GZIP;
    case rt::ZipFormat::kZlib:
      break;
  }
  return WD_ZLIB;
}

class Compare : public Program {
 public:
  Compare(const CompareParams& p, const ProgramSetup& setup)
      : p_(p), instance_(setup.instance), threads_(std::max<uint32_t>(setup.threads, 1)) {}

  void run(ProgramThread& t) override {
    for (size_t i = 0; i < p_.paths.size(); ++i) {
      if (std::count(p_.paths.begin(), p_.paths.begin() + i, p_.paths[i]) > 0) {
        fail("compare: paths lists '" + p_.paths[i] + "' twice");
      }
    }
    for (const auto& path : p_.paths) run_path(t, path);
  }

  std::optional<std::pair<uint64_t, uint64_t>> buffer(const std::string& name) const override {
    if (name == "src" && src_.second) return src_;
    if (name == "dst" && dst_.second) return dst_;
    return std::nullopt;
  }
  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return failed_; }
  const std::map<Point, PointStats>& points() const { return points_; }
  const std::string& instance() const { return instance_; }
  uint64_t output_digest() const { return digest_; }

 private:
  [[noreturn]] void fail(const std::string& what) {
    ++failed_;
    throw ProgramError(what);
  }
  [[noreturn]] void fail_uadk(ProgramThread& t, const std::string& what) {
    fail(with_uadk_error(t, what));
  }

  // wd_comp_init2_ once for the entry's threads: one sync ctx per thread for the op type, so
  // the round-robin scheduler gives each thread's session a queue of its own.
  void init_doorbell(ProgramThread& t, bool decompress) {
    if (t.index != 0) {
      while (!uadk_ready_ && !uadk_init_failed_) t.os.cpu().sleep(uadk_ready_event_);
      if (uadk_init_failed_) fail("doorbell path: the entry's first thread failed wd_comp init");
      return;
    }
    wd_ctx_nums nums[WD_DIR_MAX] = {};
    nums[decompress ? WD_DIR_DECOMPRESS : WD_DIR_COMPRESS].sync_ctx_num = threads_;
    wd_ctx_params params{WD_DIR_MAX, nums, nullptr, nullptr};
    std::string alg = p_.format;
    t.bind_runtime();
    const int ret = wd_comp_init2_(alg.data(), SCHED_POLICY_RR, TASK_HW, &params);
    uadk_init_failed_ = ret < 0;
    uadk_ready_ = ret == 0;
    uadk_ready_event_.notify(sc_core::SC_ZERO_TIME);
    if (ret < 0) fail_uadk(t, "doorbell path: wd_comp init failed (" + std::to_string(ret) + ")");
  }

  // The last of the entry's threads to leave the doorbell path uninitialises wd_comp.
  void leave_doorbell(ProgramThread& t, handle_t sess) {
    t.bind_runtime();
    if (sess) wd_comp_free_sess(sess);
    if (++left_doorbell_ == threads_ && uadk_ready_) wd_comp_uninit2();
  }

  std::string syscall_device(ProgramThread& t) const {
    for (const DeviceView& d : t.system.devices()) {
      if (d.kind == "zip" && !d.syscall_path.empty() &&
          (p_.device.empty() || d.name == p_.device)) {
        return d.syscall_path;
      }
    }
    return "";
  }

  void run_path(ProgramThread& t, const std::string& path) {
    const rt::ZipFormat fmt = format_of(p_.format);
    const bool decompress = p_.op == "decompress";
    const bool doorbell = path == "doorbell";
    handle_t sess = 0;
    int fd = -1;
    std::string device;
    if (doorbell) {
      init_doorbell(t, decompress);
      wd_comp_sess_setup setup{};
      setup.alg_type = comp_alg_of(fmt);
      setup.comp_lv = WD_COMP_L1;
      setup.win_sz = WD_COMP_WS_32K;
      setup.op_type = decompress ? WD_DIR_DECOMPRESS : WD_DIR_COMPRESS;
      t.bind_runtime();
      sess = wd_comp_alloc_sess(&setup);
      if (!sess) {
        leave_doorbell(t, 0);
        fail_uadk(t, "doorbell path: wd_comp_alloc_sess failed");
      }
    } else {
      const std::string dev = syscall_device(t);
      if (dev.empty()) fail("syscall path: no zip device named '" + p_.device + "'");
      fd = t.os.open(dev);
      if (fd < 0) fail("syscall path: open failed: " + std::to_string(fd));
      device = p_.device.empty() ? t.system.devices().front().name : p_.device;
      for (const DeviceView& d : t.system.devices()) {
        if (d.syscall_path == dev) device = d.name;
      }
    }
    try {
      run_sizes(t, path, doorbell, sess, fd, device);
    } catch (const ProgramError&) {
      if (doorbell) leave_doorbell(t, sess);  // the queues close as the runtime's would
      if (fd >= 0) t.os.close(fd);
      throw;
    }
    if (doorbell) leave_doorbell(t, sess);
    if (fd >= 0) t.os.close(fd);
  }

  void run_sizes(ProgramThread& t, const std::string& path, bool doorbell, handle_t sess, int fd,
                 const std::string& device) {
    const rt::ZipFormat fmt = format_of(p_.format);
    const bool decompress = p_.op == "decompress";
    // Timing-only compression reads only the input's size: zeros save generating it.
    const bool sizes_only = !decompress && t.system.all_timing_only("zip");
    WorkloadData data(sizes_only ? "zeros" : p_.data,
                      t.system.env().rng("workload.data/" + t.name));
    for (uint64_t size : p_.sizes) {
      // Streaming: `slots` request-sized slots; request i uses slot i % slots.
      const uint64_t slots = std::max<uint64_t>(1, p_.footprint_bytes / size);
      const uint64_t capacity = size * 2 + 1024;  // room for incompressible data + headers
      // A compressed input can be a little longer than the data (stored blocks + headers).
      const uint64_t in_slot = decompress ? capacity : size;
      const bool fresh_dst = p_.buffers != "populate";
      const uint64_t src = t.map_buffer(slots * in_slot, true);
      src_ = {src, slots * in_slot};
      const uint64_t dst = fresh_dst ? 0 : t.map_buffer(slots * capacity, true);
      if (!fresh_dst) dst_ = {dst, slots * capacity};
      t.system.env().trace_event("workload", "point", {tf("path", path), tf("size", size)});
      PointStats& point = points_[{path, size}];
      RequestLog* log = t.system.request_log();
      for (uint64_t i = 0; i < p_.warmup_requests + p_.requests; ++i) {
        const uint64_t in_va = src + (i % slots) * in_slot;
        const std::vector<uint8_t> original = data.next(size);
        // Decompression inflates a stream system zlib made of the data.
        const std::vector<uint8_t> input =
            decompress ? system_deflate(original, p_.format) : original;
        // Produced by the application, untimed.
        if (!t.os.process().write(in_va, input.data(), input.size())) {
          fail(path + ": source buffer unmapped");
        }
        // A fresh destination is mapped untimed; making it usable is part of the request.
        const uint64_t out_va =
            fresh_dst ? t.map_buffer(capacity, false) : dst + (i % slots) * capacity;
        if (fresh_dst) dst_ = {out_va, capacity};
        const uint64_t t0 = t.os.now();
        const sc_core::sc_time cpu0 = t.os.cpu().busy_time();
        if (p_.buffers == "pretouch") {
          const uint8_t zero = 0;
          const uint64_t page = t.os.process().find_vma(out_va)->page_size;
          for (uint64_t off = 0; off < capacity; off += page) t.os.store(out_va + off, &zero, 1);
        } else if (p_.buffers == "pin") {
          if (t.os.pin(out_va, capacity) < 0) fail("pin failed");
        }
        const bool prepared = p_.buffers == "pretouch" || p_.buffers == "pin";
        const uint64_t t_ready = t.os.now();
        uint32_t out_len = static_cast<uint32_t>(capacity);
        std::string made_by = device;  // the device that served the request
        StageBuilder b(t0);
        if (doorbell) {
          wd_comp_req req{};
          req.src = reinterpret_cast<void*>(in_va);
          req.src_len = static_cast<__u32>(input.size());
          req.dst = reinterpret_cast<void*>(out_va);
          req.dst_len = out_len;
          req.op_type = decompress ? WD_DIR_DECOMPRESS : WD_DIR_COMPRESS;
          req.data_fmt = WD_FLAT_BUF;
          t.bind_runtime();
          const int r = wd_do_comp_sync(sess, &req);
          if (r < 0) fail_uadk(t, "doorbell path: request failed (" + std::to_string(r) + ")");
          if (req.status != 0) {
            fail_uadk(t, "doorbell path: request status " + std::to_string(req.status) +
                             (req.status == WD_EAGAIN ? " (WD_EAGAIN: output did not fit)"
                                                      : " (WD_IN_EPARA)"));
          }
          out_len = req.dst_len;
          const rt::SyncRequestRecord* st = t.process.uadk->last_sync_request(&t.os);
          made_by = st->device;
          if (prepared) b.mark(kPrepare, t_ready);
          b.mark(kSubmit, st->doorbell_ps);
          device_stages(b, t.system.sqe_record(st->device, st->qp_id, st->sqe_index));
          b.mark(kCompletion, t.os.now());
        } else {
          ZipSyncRequest req;
          req.src = in_va;
          req.dst = out_va;
          req.src_len = static_cast<uint32_t>(input.size());
          req.dst_len = out_len;
          req.req_type = rt::zip_format_req_type(fmt);
          req.op = decompress ? 1 : 0;
          req.tag = static_cast<uint32_t>(i + 1);
          long r = t.os.ioctl(fd, kZipSyncIoctl, &req);
          const ZipSyncStages& st = req.stages;
          if (r < 0) {
            fail("syscall path: ioctl failed: " + std::to_string(r) + " (status " +
                 std::to_string(req.status) + ")");
          }
          out_len = req.dst_len;
          if (prepared) b.mark(kPrepare, t_ready);
          b.mark(kSyscallEntry, st.start_ps);
          b.mark(kCopyIn, st.copied_in_ps);
          b.mark(kDmaMap, st.mapped_ps);
          b.mark(kSubmit, st.submitted_ps);
          device_stages(b, t.system.sqe_record(device, st.qp, st.sqe_index));
          b.mark(kIrqWakeup, st.woken_ps);
          b.mark(kDmaUnmap, st.unmapped_ps);
          b.mark(kCopyOut, st.copied_out_ps);
          b.mark(kSyscallExit, t.os.now());
        }
        const uint64_t t1 = t.os.now();
        if (!t.system.verify_output(made_by, "zip", checked_++)) {
          // Not checked (timing-only device or output.verify): not in the digest either.
        } else if (decompress) {
          verify_equal(t, out_va, out_len, original, path, size);
        } else {
          verify(t, out_va, out_len, input, path, size);
        }
        if (fresh_dst) {
          t.os.munmap(out_va, capacity);
          dst_ = {0, 0};
        }
        ++ok_;
        if (i < p_.warmup_requests) continue;
        const uint64_t latency_ps = t1 - t0;
        const uint64_t cpu_ps = to_ps(t.os.cpu().busy_time() - cpu0);
        point.latency.add(latency_ps);
        point.cpu_ns.add(static_cast<double>(cpu_ps) / 1000.0);
        point.cpu_us.add(static_cast<double>(cpu_ps) / 1e6);
        point.output_bytes.add(static_cast<double>(out_len));
        point.stages.add(b.stages());
        trace_request(t.system.env().trace(), "requests " + t.name, path + " " + size_text(size),
                      ++traced_requests_, t0, b.stages());
        if (log) {
          const std::string stages = stages_text(b.stages());
          log->write({t.process.name, t.name, "compare", path, size, i - p_.warmup_requests, t0,
                      latency_ps, cpu_ps, out_len, stages});
        }
      }
      t.os.munmap(src, slots * in_slot);
      src_ = {0, 0};
      if (!fresh_dst) t.os.munmap(dst, slots * capacity);
      dst_ = {0, 0};
    }
  }

  static void device_stages(StageBuilder& b, const SqeRecord* r) {
    if (!r) return;  // the device never completed this SQE (the request failed before)
    b.mark(kDoorbell, to_ps(r->doorbell_seen));
    b.mark(kFetch, to_ps(r->fetched));
    b.mark_split(kEngine, kTranslation, to_ps(r->engine.translation), to_ps(r->engine_done));
    b.mark(kWriteback, to_ps(r->cqe_written));
  }

  void verify_equal(ProgramThread& t, uint64_t dst, uint32_t len,
                    const std::vector<uint8_t>& expected, const std::string& path, uint64_t size) {
    std::vector<uint8_t> out(len);
    if (len != expected.size() || !t.os.process().read(dst, out.data(), len) || out != expected) {
      fail(path + " " + std::to_string(size) + " B: decompressed " + std::to_string(len) +
           " bytes that differ from the original data");
    }
    digest_ = fnv1a64(digest_, out.data(), out.size());
  }

  void verify(ProgramThread& t, uint64_t dst, uint32_t len, const std::vector<uint8_t>& input,
              const std::string& path, uint64_t size) {
    std::vector<uint8_t> out(len);
    if (!t.os.process().read(dst, out.data(), len)) {
      fail(path + " " + std::to_string(size) + " B: output buffer unmapped");
    }
    digest_ = fnv1a64(digest_, out.data(), out.size());
    std::string why;
    if (!inflate_equals(out, input, p_.format, &why)) {
      fail(path + " " + std::to_string(size) +
           " B: output does not inflate to the input with system zlib: " + why);
    }
  }

  const CompareParams& p_;
  std::string instance_;
  uint32_t threads_;
  bool uadk_ready_ = false;
  bool uadk_init_failed_ = false;
  uint32_t left_doorbell_ = 0;
  sc_core::sc_event uadk_ready_event_;
  uint64_t digest_ = kFnv1a64Offset;
  uint64_t checked_ = 0;  // outputs offered to the check, over the entry's threads
  std::map<Point, PointStats> points_;
  std::pair<uint64_t, uint64_t> src_{0, 0};
  std::pair<uint64_t, uint64_t> dst_{0, 0};
  uint64_t ok_ = 0;
  uint64_t traced_requests_ = 0;  // trace.json request slices
  uint64_t failed_ = 0;
};

void report_digests(const std::vector<const Program*>& programs, RunReport& r) {
  std::map<std::string, std::vector<uint64_t>> by_instance;
  for (const Program* p : programs) {
    const auto* c = static_cast<const Compare*>(p);
    by_instance[c->instance()].push_back(c->output_digest());
  }
  for (const auto& [instance, digests] : by_instance) {
    uint64_t d = digests.front();
    if (digests.size() > 1) {
      d = kFnv1a64Offset;
      for (uint64_t e : digests) {
        uint8_t le[sizeof e];
        for (size_t i = 0; i < sizeof e; ++i) le[i] = static_cast<uint8_t>(e >> (8 * i));
        d = fnv1a64(d, le, sizeof le);
      }
    }
    char hex[32];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(d));
    r.stats->set_text("workload.compare." + instance + ".output_digest", hex);
  }
}

void report(const std::vector<const Program*>& programs, RunReport& r) {
  report_digests(programs, r);
  std::map<Point, PointStats> points;  // over the programs, in program order
  for (const Program* p : programs) {
    for (const auto& [pt, stats] : static_cast<const Compare*>(p)->points()) {
      if (stats.latency.count() > 0) points[pt].merge(stats);
    }
  }
  SummaryTable table{
      "compare",
      {"path", "size", "requests", "mean_us", "p50_us", "p99_us", "cpu_us", "translation_pct"},
      {}};
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-9s %9s %5s %10s %10s %10s %12s\n", "path", "size", "reqs",
                "mean_us", "p50_us", "p99_us", "cpu_us/req");
  os << line;
  std::map<uint64_t, std::map<std::string, double>> means;
  for (const auto& [pt, ps] : points) {
    const std::string base = "workload." + pt.path + "." + std::to_string(pt.size) + ".";
    r.stats->histogram(base + "latency_ns", "ns", "request latency as the caller sees it")
        .merge(ps.latency.ns);
    r.stats->histogram(base + "cpu_ns", "ns", "CPU time of the calling thread").merge(ps.cpu_ns);
    r.stats->histogram(base + "output_bytes", "B", "compressed size").merge(ps.output_bytes);
    for (StageId id : ps.stages.order()) {
      r.stats
          ->histogram(base + "stage." + stage_name(id) + "_ns", "ns",
                      "time of the request in this stage")
          .merge(ps.stages.ns(id));
    }
    const Histogram& lat = ps.latency.us;
    const double total = static_cast<double>(ps.stages.total_ps());
    const double xlat = static_cast<double>(ps.stages.sum_ps(kTranslation));
    r.measured_requests += lat.count();
    means[pt.size][pt.path] = lat.mean();
    std::snprintf(line, sizeof line, "%-9s %9s %5zu %10.3f %10.3f %10.3f %12.3f\n", pt.path.c_str(),
                  size_text(pt.size).c_str(), lat.count(), lat.mean(), lat.percentile(50),
                  lat.percentile(99), ps.cpu_us.mean());
    os << line;
    table.rows.push_back({pt.path, std::to_string(pt.size), std::to_string(lat.count()),
                          fixed(lat.mean()), fixed(lat.percentile(50)), fixed(lat.percentile(99)),
                          fixed(ps.cpu_us.mean()),
                          fixed(total > 0 ? 100.0 * xlat / total : 0.0, 1)});
  }
  bool header = false;
  for (const auto& [size, m] : means) {
    auto d = m.find("doorbell");
    auto s = m.find("syscall");
    if (d == m.end() || s == m.end() || d->second <= 0) continue;
    if (!header) {
      os << "\nsyscall / doorbell mean latency:";
      header = true;
    }
    std::snprintf(line, sizeof line, "  %s %.2fx", size_text(size).c_str(), s->second / d->second);
    os << line;
  }
  if (header) os << "\n";
  os << "\nshare of mean latency per stage (%):\n";
  for (const auto& [pt, ps] : points) {
    const double total = static_cast<double>(ps.stages.total_ps());
    std::snprintf(line, sizeof line, "%-9s %9s ", pt.path.c_str(), size_text(pt.size).c_str());
    os << line;
    StageBreakdown breakdown{pt.path + " " + size_text(pt.size), {}};
    const double requests = static_cast<double>(std::max<size_t>(ps.latency.us.count(), 1));
    for (StageId id : ps.stages.order()) {
      breakdown.mean_us.emplace_back(stage_name(id),
                                     static_cast<double>(ps.stages.sum_ps(id)) / requests / 1e6);
      std::snprintf(line, sizeof line, " %s %.1f", stage_name(id).c_str(),
                    total > 0 ? 100.0 * static_cast<double>(ps.stages.sum_ps(id)) / total : 0.0);
      os << line;
    }
    os << "\n";
    r.stages.push_back(std::move(breakdown));
  }
  r.text += os.str();
  r.tables.push_back(std::move(table));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    compare,
    program_kind<CompareParams, Compare>(
        "compare",
        "doorbell vs syscall: requests of each size over each path, one outstanding at a time; "
        "latency split into stages; outputs checked with system zlib",
        "zip", 0, report));

}  // namespace wdsim
