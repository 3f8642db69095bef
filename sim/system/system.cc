#include "sim/system/system.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <typeinfo>

#include "runtime/uadk/wd_runtime.h"
#include "sim/base/sim_context.h"
#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/kernel/host_mirror.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/simulated_signal.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/cpu_host/kernel/uacce_device.h"
#include "sim/system/machine.h"

namespace wdsim {

namespace {

constexpr uint64_t kBytesPerKib = 1024;  // getrusage's ru_maxrss is in KiB on Linux

// Host CPU time (user + system) this process has used so far.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec * 1e-6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

uint64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) * kBytesPerKib;
}

std::string signal_name(int signo) {
  switch (signo) {
    case SIGKILL:
      return "SIGKILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGABRT:
      return "SIGABRT";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    default:
      return "signal " + std::to_string(signo);
  }
}

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// An exception's message, never empty: its type when it has no text.
std::string what_of(const std::exception& e) {
  const std::string w = e.what();
  return w.empty() ? std::string("an exception without a message (") + typeid(e).name() + ")" : w;
}

struct ProcessRec;

struct ThreadRec : SpawnedThread {
  ProcessRec* proc = nullptr;
  const ThreadSpec* spec = nullptr;
  Program* program = nullptr;
  uint32_t index = 0;
  std::string name;
  std::unique_ptr<HostThread> host;
  bool ended_ = false;
  // A thread the program started (SystemView::spawn_thread): it runs `body`, from now.
  std::function<void(ProgramThread&)> body;
  sc_core::sc_event ended_event_;

  bool ended() const override { return ended_; }
  const sc_core::sc_event& ended_event() const override { return ended_event_; }
};

struct ProcessRec {
  std::string name;
  std::string parent;
  const ProcessSpec* spec = nullptr;
  uint32_t instance = 0;
  Process* process = nullptr;
  ProcessView view;
  std::vector<std::unique_ptr<Program>> programs;  // one per thread entry
  std::vector<std::unique_ptr<ThreadRec>> threads;
  // The process's UADK state. Declared after `threads` so that it is destroyed first: a
  // program that failed or was killed leaves ctxs open, and their queues close themselves
  // through the HostThread they were opened on (whose calls fail with -ESRCH once the process
  // is gone, as HostThread::enter_syscall promises); destroyed after it, they called a freed
  // HostThread.
  std::unique_ptr<rt::UadkProcess> uadk;
  uint32_t live_threads = 0;
  bool ended = false;
  bool dying = false;         // its threads were told to stop
  bool tearing_down = false;  // kill() runs the kernel's teardown (in its caller's context)
  // How it ends: by a signal (kill, SIGSEGV) or an exit code.
  int signal = 0;
  int exit_code = 0;
  std::string fault;  // the signal's address and thread
  std::string first_error;
  uint64_t failed_requests = 0;  // failures of threads that expect errors
  sc_core::sc_event threads_done;
};

class SystemModule : public sc_core::sc_module, public SystemView {
 public:
  SystemModule(sc_core::sc_module_name name, const Scenario& sc, SimEnv& env, RunOutcome& out,
               std::ostream* requests_csv)
      : sc_module(name),
        sc_(sc),
        env_(env),
        out_(out),
        machine_(sc.system, env),
        output_check_(verify_mode(sc.output.verify), sc.output.verify_every) {
    if (sc.output.requests && requests_csv) {
      request_log_ = std::make_unique<RequestLog>(*requests_csv);
    }
    SC_HAS_PROCESS(SystemModule);
    SC_THREAD(main_thread);
  }

  ~SystemModule() override {
    // A run that stopped with threads still waiting (a hang, or an error that ended it early)
    // leaves their processes running: their UADK state is not closed through a kernel that no
    // longer runs.
    for (auto& pr : processes_) {
      if (!pr->ended) pr->uadk.release();  // NOLINT: deliberately leaked with the dead run
    }
  }

  // The threads that never ended (for a hang's message).
  std::string waiting_threads() const {
    std::string names;
    for (const auto& pr : processes_) {
      for (const auto& t : pr->threads) {
        if (!t->ended_) names += (names.empty() ? "" : ", ") + t->name;
      }
    }
    return names.empty() && !booted_ ? "none yet (the system was booting)" : names;
  }

  // SystemView.
  SimEnv& env() override { return env_; }
  Kernel& kernel() override { return machine_.kernel(); }
  const HostCostParams& host_costs() const override { return sc_.system.host; }
  const rt::UserDriverCosts& runtime_costs() const override { return sc_.system.runtime.costs; }
  const std::vector<DeviceView>& devices() const override { return machine_.topology().views(); }
  OutputCheck& output_check() override { return output_check_; }
  RequestLog* request_log() override { return request_log_.get(); }
  const SqeRecord* sqe_record(const std::string& device, uint16_t qp,
                              uint16_t sqe_index) const override {
    const AcceleratorFunction* f = machine_.topology().find(device);
    if (!f || qp >= f->records.size() || sqe_index >= f->records[qp].size()) return nullptr;
    return f->record_valid[qp][sqe_index] ? &f->records[qp][sqe_index] : nullptr;
  }

  SpawnedThread& spawn_thread(ProcessView& process, Program& program, std::string name,
                              uint64_t stack_bytes,
                              std::function<void(ProgramThread&)> body) override {
    ProcessRec& pr = rec_of(process);
    const ThreadSpec* spec = nullptr;
    for (size_t i = 0; i < pr.programs.size(); ++i) {
      if (pr.programs[i].get() == &program) spec = &pr.spec->threads[i];
    }
    if (!spec) throw std::logic_error("spawn_thread: the program is not one of the process's");
    auto t = std::make_unique<ThreadRec>();
    t->proc = &pr;
    t->spec = spec;
    t->program = &program;
    t->index = static_cast<uint32_t>(pr.threads.size());
    t->name = pr.name + "/" + name;
    t->body = std::move(body);
    ThreadRec& r = *t;
    pr.threads.push_back(std::move(t));
    ++pr.live_threads;
    spawn(r, stack_bytes);
    return r;
  }
  void exit_process(ProcessView& process, int exit_code) override {
    kill(rec_of(process), 0, exit_code);
  }
  const ExecCommand& exec_command() const override { return sc_.exec; }
  HostAddressSpace* host_address_space() override { return host_space_.get(); }
  std::optional<SvaBinding> sva_binding(int pid) const override {
    const std::optional<uint32_t> pasid = machine_.smmu_driver().pasid_of(pid);
    if (!pasid) return std::nullopt;
    return SvaBinding{*pasid, machine_.smmu_driver().devices_bound(pid)};
  }

  // Called after the simulation: every program kind reports over its programs.
  void report() {
    std::map<std::string, std::vector<const Program*>> by_kind;
    std::vector<std::string> order;
    for (const auto& pr : processes_) {
      for (size_t i = 0; i < pr->programs.size(); ++i) {
        const std::string& kind = pr->spec->threads[i].program;
        if (!by_kind.count(kind)) order.push_back(kind);
        by_kind[kind].push_back(pr->programs[i].get());
      }
    }
    out_.report.stats = &env_.stats();
    machine_.cores().report_threads(env_.stats());
    for (const auto& kind : order) find_program_kind(kind)->report(by_kind[kind], out_.report);
    report_outputs();
    for (const auto& pr : processes_) {
      ProcessOutcome o;
      o.name = pr->name;
      o.parent = pr->parent;
      o.pid = pr->process ? pr->process->pid() : 0;
      if (!pr->ended) {
        o.end = "running";
      } else if (pr->signal) {
        o.end = signal_name(pr->signal) + (pr->fault.empty() ? "" : " " + pr->fault);
      } else {
        o.end = "exited " + std::to_string(pr->exit_code);
      }
      o.ended = pr->ended;
      o.signal = pr->signal;
      o.exit_code = pr->exit_code;
      for (const auto& prog : pr->programs) {
        o.requests_ok += prog->requests_ok();
        o.requests_failed += prog->requests_failed();
      }
      o.first_error = pr->first_error;
      out_.processes.push_back(std::move(o));
    }
  }

 private:
  static OutputCheck::Mode verify_mode(const std::string& m) {
    return m == "none"     ? OutputCheck::Mode::kNone
           : m == "sample" ? OutputCheck::Mode::kSample
                           : OutputCheck::Mode::kAll;
  }

  void report_outputs() {
    OutputsChecked& o = out_.outputs;
    o.mode = sc_.output.verify;
    o.verified = output_check_.verified();
    o.skipped_timing_only = output_check_.skipped_timing_only();
    o.skipped_by_policy = output_check_.skipped_by_policy();
    for (const DeviceView& d : machine_.topology().views()) {
      if (d.timing_only) o.timing_only_devices.push_back(d.name);
    }
    StatsRegistry& s = env_.stats();
    s.counter("outputs.verified", "outputs checked against the reference (zlib, OpenSSL)")
        .inc(o.verified);
    s.counter("outputs.skipped_timing_only",
              "outputs not checked: made by a timing-only device (data_mode: timing)")
        .inc(o.skipped_timing_only);
    s.counter("outputs.skipped_by_policy", "outputs not checked: output.verify is sample or none")
        .inc(o.skipped_by_policy);
  }

  void main_thread() {
    try {
      CpuContext boot;
      try {
        machine_.boot(boot);
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string("boot: ") + what_of(e));
      }
      booted_ = true;
      env_.trace_event("system", "booted");
      boot_done_ = sc_core::sc_time_stamp();
      for (const ProcessSpec& spec : sc_.processes) {
        const auto names = Scenario::instance_names(spec);
        for (uint32_t i = 0; i < names.size(); ++i) start_process(spec, names[i], i, nullptr, "");
      }
      if (!sc_.events.empty()) {
        sc_core::sc_spawn(sc_bind(&SystemModule::timeline, this), "timeline");
      }
      while (live_processes_ > 0 && out_.error.empty()) sc_core::wait(process_ended_);
      if (out_.error.empty() && !machine_.kernel().first_error().empty()) {
        out_.error = "kernel: " + machine_.kernel().first_error();
      }
      if (out_.error.empty()) {
        out_.ok = true;
      } else {
        stop_all();
      }
    } catch (const std::exception& e) {
      if (out_.error.empty()) out_.error = what_of(e);
    }
    sc_core::sc_stop();
  }

  // Creates a process instance (or adopts a forked child) and spawns its threads.
  ProcessRec& start_process(const ProcessSpec& spec, const std::string& name, uint32_t instance,
                            Process* forked, const std::string& parent) {
    auto pr = std::make_unique<ProcessRec>();
    ProcessRec& r = *pr;
    r.name = name;
    r.parent = parent;
    r.spec = &spec;
    r.instance = instance;
    const uint64_t page_size = forked ? 0 : spec.page_size;
    const ProcessPageSize ps =
        process_page_size(page_size ? page_size : 4096).value_or(ProcessPageSize{});
    bool mirror = false;
    for (const ThreadSpec& ts : spec.threads)
      mirror = mirror || find_program_kind(ts.program)->host_mirror;
    HostAddressSpace* host_space = nullptr;
    if (mirror && !forked) {
      if (!host_space_) {
        // The simulated kernel's own mappings (queues, doorbells) stay out of the host's way.
        host_space_ = std::make_unique<HostAddressSpace>();
        host_space_->reserve_window(Process::kMmapBase, HostAddressSpace::kSimulatedWindowBytes);
      }
      host_space = host_space_.get();
    }
    r.process = forked ? forked : &machine_.kernel().create_process(ps.granule, host_space);
    r.process->set_queue_priority(static_cast<uint8_t>(spec.queue_priority));
    rt::UadkProcessConfig cfg;
    cfg.costs = sc_.system.runtime.costs;
    cfg.page_size = r.process->granule_size();
    r.uadk = std::make_unique<rt::UadkProcess>(cfg);
    r.view.name = name;
    r.view.instance = instance;
    r.view.process = r.process;
    r.view.uadk = r.uadk.get();
    r.view.huge_page = forked ? 0 : ps.huge_page;
    for (const ThreadSpec& ts : spec.threads) {
      const ProgramKind* kind = find_program_kind(ts.program);
      r.programs.push_back(kind->make(*ts.params, ProgramSetup{name, ts.count}));
      Program* prog = r.programs.back().get();
      for (uint32_t i = 0; i < ts.count; ++i) {
        auto t = std::make_unique<ThreadRec>();
        t->proc = &r;
        t->spec = &ts;
        t->program = prog;
        t->index = i;
        t->name = name + "/" + ts.name + (ts.count > 1 ? "." + std::to_string(i) : "");
        r.threads.push_back(std::move(t));
      }
    }
    r.live_threads = static_cast<uint32_t>(r.threads.size());
    ++live_processes_;
    processes_.push_back(std::move(pr));
    if (r.threads.empty()) end_process(r);
    for (auto& t : r.threads) {
      spawn(*t, find_program_kind(t->spec->program)->thread_stack_bytes);
    }
    return r;
  }

  void spawn(ThreadRec& t, uint64_t stack_bytes) {
    // SystemC object names take no '/' or '.'.
    std::string sc_name = t.name;
    std::replace_if(
        sc_name.begin(), sc_name.end(), [](char c) { return c == '/' || c == '.'; }, '_');
    sc_core::sc_spawn_options opts;
    if (stack_bytes) opts.set_stack_size(static_cast<int>(stack_bytes));
    sc_core::sc_spawn(sc_bind(&SystemModule::thread_body, this, &t), sc_name.c_str(), &opts);
  }

  ProcessRec& rec_of(const ProcessView& view) {
    for (auto& pr : processes_) {
      if (&pr->view == &view) return *pr;
    }
    throw std::logic_error("no process record for " + view.name);
  }

  void thread_body(ThreadRec* t) {
    ProcessRec& pr = *t->proc;
    const sc_core::sc_time start = boot_done_ + ns(t->spec->start_us * 1e3);
    if (!t->body && start > sc_core::sc_time_stamp()) {
      sc_core::wait(start - sc_core::sc_time_stamp());
    }
    t->host =
        std::make_unique<HostThread>(machine_.kernel(), *pr.process, t->name, &machine_.cores());
    HostThread& host = *t->host;
    rt::UadkProcess* uadk = pr.uadk.get();
    auto bind = [&host, uadk] { rt::wd_runtime_bind(&host, uadk); };
    host.cpu().set_resume_hook(bind);
    ProgramThread pt{host, pr.view, *this, t->index, t->name, bind};
    if (!pr.ended && !pr.dying && pr.process->alive()) {
      try {
        bind();
        if (t->body) {
          t->body(pt);
        } else {
          t->program->run(pt);
        }
        host.cpu().sync();  // the thread ends at its own time
      } catch (const ThreadTerminated&) {
        // Killed with its process: nothing more to do.
      } catch (const SimulatedSignal& s) {
        if (s.signo != SIGKILL && pr.process->alive()) {
          // The thread faulted: the kernel kills its process with the signal (the other
          // threads stop at their next call); the run goes on.
          pr.signal = s.signo;
          pr.fault = "at " + hex(s.address) + " in " + t->name;
          if (pr.first_error.empty()) pr.first_error = s.what();
          env_.trace_event(
              "system", "signal",
              {tf("process", pr.name), tf("signo", s.signo), tf_hex("addr", s.address)});
          kill(pr, s.signo);
        }
      } catch (const ProgramError& e) {
        // A call that failed because the process is being killed is part of its death.
        const bool dying = pr.dying || !pr.process->alive();
        if (pr.first_error.empty() && !dying) pr.first_error = e.what();
        if (!t->spec->expect_errors && !dying) fail_run(t->name + ": " + e.what());
      } catch (const std::exception& e) {  // a simulation error (or a simulator bug)
        if (pr.first_error.empty()) pr.first_error = what_of(e);
        fail_run(t->name + ": " + what_of(e));
      }
    }
    rt::wd_runtime_bind(nullptr, nullptr);
    host.cpu().release();  // a thread that has ended gives its core up
    t->ended_ = true;
    t->ended_event_.notify(sc_core::SC_ZERO_TIME);
    if (--pr.live_threads == 0) {
      pr.threads_done.notify(sc_core::SC_ZERO_TIME);
      end_process(pr);
    }
  }

  // Ends a process by a signal or an exit: its threads are told to stop (a thread waiting in
  // user space stops at once, one inside a system call when the call returns, a kernel sleep
  // is interrupted), then the kernel tears the process down in do_exit's order (its queues
  // drained and released, its SVA bindings undone, its memory freed) on a kernel context of
  // its own.
  void kill(ProcessRec& pr, int signo, int exit_code = 0) {
    if (pr.dying || !pr.process->alive()) return;
    pr.dying = true;
    if (signo) {
      pr.signal = signo;
    } else {
      pr.exit_code = exit_code;
    }
    for (auto& t : pr.threads) {
      if (!t->ended_ && t->host) t->host->cpu().terminate();
    }
    CpuContext cpu;
    pr.tearing_down = true;
    try {
      if (signo) {
        machine_.kernel().kill_process(*pr.process, cpu, signo);
      } else {
        machine_.kernel().exit_process(*pr.process, cpu, exit_code);
      }
    } catch (const std::runtime_error& e) {
      fail_run(pr.name + ": teardown: " + e.what());
    }
    pr.tearing_down = false;
    // Threads that ended while the teardown ran left the process for this to end: the run
    // does not stop before the kernel is done with it (its queues drained, bindings undone).
    if (pr.live_threads == 0) end_process(pr);
  }

  // After a simulation error: every thread still running is told to stop (its next wait
  // throws ThreadTerminated; its later calls return at once), threads not started never
  // will, and each process exits as its last thread ends, so nothing is left to call into the
  // kernel once the simulation has stopped. Waits as long as something still happens.
  void stop_all() {
    for (auto& pr : processes_) {
      pr->dying = true;
      for (auto& t : pr->threads) {
        if (!t->ended_ && t->host) t->host->cpu().terminate();
      }
    }
    while (live_processes_ > 0) sc_core::wait(process_ended_);
  }

  // The last thread of a process has ended: a process still running exits (0). One whose
  // teardown kill() is running ends when that returns.
  void end_process(ProcessRec& pr) {
    if (pr.ended || pr.tearing_down) return;
    if (pr.process->alive()) {
      CpuContext cpu;
      try {
        machine_.kernel().exit_process(*pr.process, cpu, 0);
      } catch (const std::runtime_error& e) {
        fail_run(pr.name + ": exit: " + e.what());
      }
    }
    pr.ended = true;
    --live_processes_;
    process_ended_.notify(sc_core::SC_ZERO_TIME);
  }

  // The first simulation error ends the run; a driver error the kernel noted (a system call
  // that returned -EIO for it, a queue that did not stop) is its cause, so it is named too.
  void fail_run(const std::string& what) {
    if (out_.error.empty()) {
      out_.error = what;
      const std::string& cause = machine_.kernel().first_error();
      if (!cause.empty() && what.find(cause) == std::string::npos) {
        out_.error += " (kernel: " + cause + ")";
      }
    }
    process_ended_.notify(sc_core::SC_ZERO_TIME);
  }

  std::vector<ProcessRec*> targets(const std::string& name) {
    std::vector<ProcessRec*> out;
    for (auto& pr : processes_) {
      if (pr->name == name || (pr->parent.empty() && pr->spec->name == name)) {
        out.push_back(pr.get());
      }
    }
    return out;
  }

  // The events timeline: each event at its time after boot, in file order at equal times.
  void timeline() {
    std::vector<const EventSpec*> events;
    for (const auto& e : sc_.events) events.push_back(&e);
    std::stable_sort(events.begin(), events.end(),
                     [](const EventSpec* a, const EventSpec* b) { return a->at_us < b->at_us; });
    CpuContext cpu;  // the kernel work an event causes runs on a context of its own
    for (const EventSpec* e : events) {
      const sc_core::sc_time at = boot_done_ + ns(e->at_us * 1e3);
      if (at > sc_core::sc_time_stamp()) sc_core::wait(at - sc_core::sc_time_stamp());
      for (ProcessRec* pr : targets(e->process)) {
        env_.trace_event("system", "event", {tf("action", e->action), tf("process", pr->name)});
        if (pr->ended || pr->dying || !pr->process->alive()) continue;  // nothing to act on
        try {
          act(*e, *pr, cpu);
        } catch (const std::exception& err) {
          fail_run("events: " + e->action + " " + pr->name + ": " + err.what());
        }
      }
    }
  }

  void act(const EventSpec& e, ProcessRec& pr, CpuContext& cpu) {
    if (e.action == "exit" || e.action == "kill") {
      // Threads not started yet never will.
      kill(pr, e.action == "kill" ? SIGKILL : 0, e.exit_code);
      return;
    }
    if (e.action == "munmap") {
      for (const auto& prog : pr.programs) {
        auto b = prog->buffer(e.buffer);
        if (!b) continue;
        cpu.busy(ns(sc_.system.host.syscall_entry_ns));
        const int r = machine_.kernel().sys_munmap(*pr.process, cpu, b->first, b->second);
        cpu.busy(ns(sc_.system.host.syscall_exit_ns));
        env_.trace_event("system", "munmap",
                         {tf("process", pr.name), tf("buffer", e.buffer), tf_hex("va", b->first),
                          tf("len", b->second), tf("ret", r)});
        return;
      }
      env_.trace_event("system", "munmap_skipped",
                       {tf("process", pr.name), tf("buffer", e.buffer)});
      return;
    }
    if (e.action == "evict" || e.action == "rebind") {
      // The kernel's decision, on the timeline's kernel context (docs/kernel_queues.md).
      uint32_t queues = 0;
      for (const DeviceView& d : machine_.topology().views()) {
        if (!e.device.empty() && d.name != e.device) continue;
        const AcceleratorFunction* f = machine_.topology().find(d.name);
        if (!f || !f->uacce) continue;
        queues += e.action == "evict" ? f->uacce->evict_process(cpu, pr.process->pid())
                                      : f->uacce->rebind_process(cpu, pr.process->pid());
      }
      env_.trace_event("system", e.action == "evict" ? "evicted" : "rebound",
                       {tf("process", pr.name), tf("queues", queues)});
      return;
    }
    if (e.action == "fork") {
      Process& child = machine_.kernel().fork_process(*pr.process, cpu);
      child_specs_.push_back(std::make_unique<ProcessSpec>(e.child));
      ProcessSpec& spec = *child_specs_.back();
      ProcessRec& c = start_process(spec, e.child.name, 0, &child, pr.name);
      c.view.huge_page = pr.view.huge_page;
      c.view.parent = pr.process;
    }
  }

  const Scenario& sc_;
  SimEnv& env_;
  RunOutcome& out_;
  // What host-mirrored processes mirror (created with the first): declared before the machine,
  // so it outlives the kernel's processes.
  std::unique_ptr<HostAddressSpace> host_space_;
  Machine machine_;  // the blocks, built before this module's processes
  OutputCheck output_check_;
  std::unique_ptr<RequestLog> request_log_;  // output.requests
  std::vector<std::unique_ptr<ProcessRec>> processes_;
  std::vector<std::unique_ptr<ProcessSpec>> child_specs_;
  uint32_t live_processes_ = 0;
  sc_core::sc_event process_ended_;
  sc_core::sc_time boot_done_ = sc_core::SC_ZERO_TIME;
  bool booted_ = false;
};

// The watchdogs look at the host clock between slices of simulated time this long.
constexpr double kWatchdogSliceUs = 1000;

// Runs the simulation until it stops, starves (a hang: no event left), or passes a watchdog
// limit of `run`. Slicing does not change what the models do: between slices the scheduler
// keeps every pending event. Returns "" or which limit fired.
std::string run_watched(const RunParams& run, std::chrono::steady_clock::time_point wall0) {
  const sc_core::sc_time sim_limit = ns(run.max_sim_time_ms * 1e6);
  const sc_core::sc_time slice = ns(kWatchdogSliceUs * 1e3);
  auto sim_limit_reached = [&](const sc_core::sc_time& at) {
    return "run.max_sim_time_ms (" + ParamScope::double_text(run.max_sim_time_ms) +
           " ms of simulated time) reached at simulated time " + std::to_string(to_ps(at)) + " ps";
  };
  bool elaborated = false;
  while (true) {
    const double host =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    if (host >= run.max_host_seconds) {
      return "run.max_host_seconds (" + ParamScope::double_text(run.max_host_seconds) +
             " s of host time) reached at simulated time " +
             std::to_string(to_ps(sc_core::sc_time_stamp())) + " ps";
    }
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (now >= sim_limit) return sim_limit_reached(now);
    const sc_core::sc_time left = sim_limit - now;
    sc_core::sc_time step = left < slice ? left : slice;
    if (elaborated) {
      if (!sc_core::sc_pending_activity()) return "";  // starved: the caller reports the hang
      // A slice holds at least the next event (a slice without one returns at once).
      const sc_core::sc_time next = sc_core::sc_time_to_pending_activity();
      if (next >= left) return sim_limit_reached(sim_limit);
      if (next >= step) step = next + slice < left ? next + slice : left;
    }
    elaborated = true;
    sc_core::sc_start(step, sc_core::SC_EXIT_ON_STARVATION);
    if (sc_core::sc_get_status() == sc_core::SC_STOPPED || sc_core::sc_end_of_simulation_invoked())
      return "";
  }
}

}  // namespace

RunOutcome run_system(const Scenario& scenario, SimEnv& env, std::ostream* requests_csv) {
  RunOutcome out;
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = process_cpu_seconds();
  fresh_sc_context();
  try {
    SystemModule system("system", scenario, env, out, requests_csv);
    const std::string limit = run_watched(scenario.run, wall0);
    out.simulated_seconds = sc_core::sc_time_stamp().to_seconds();
    system.report();
    if (!limit.empty()) {
      out.ok = false;
      if (out.error.empty()) {
        out.error = "watchdog: " + limit + "; threads still running: " + system.waiting_threads();
      }
    } else if (!out.ok && out.error.empty()) {
      out.error = "the simulation ran out of events at " +
                  std::to_string(to_ps(sc_core::sc_time_stamp())) +
                  " ps with threads still waiting (a hang): " + system.waiting_threads();
    }
  } catch (const ConfigError&) {
    throw;  // bad input found while building (the CLI exits 2)
  } catch (const std::exception& e) {
    // Building or running the system threw outside a simulated thread (a model's error in an
    // SC_METHOD, a SystemC report): the run fails with what was thrown.
    out.ok = false;
    if (out.error.empty()) out.error = what_of(e);
  } catch (...) {
    out.ok = false;
    if (out.error.empty())
      out.error = "the simulation threw an exception that is not a std::exception";
  }
  fresh_sc_context();
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  out.host_cpu_seconds = process_cpu_seconds() - cpu0;
  out.peak_rss_bytes = peak_rss_bytes();
  // A run of kinds that all measure requests must have measured some (`exec` measures none).
  bool measuring = true;
  for (const ProcessSpec& p : scenario.processes) {
    for (const ThreadSpec& t : p.threads) {
      measuring = measuring && find_program_kind(t.program)->measures_requests;
    }
  }
  if (out.ok && measuring && out.report.measured_requests == 0) {
    out.error = "the workload measured no request";
  }
  if (!out.error.empty()) out.ok = false;
  return out;
}

Scenario describe_system_scenario() {
  std::string text = "system:\n  devices:\n";
  for (const AcceleratorKind* k : accelerator_kinds()) text += "    - kind: " + k->name() + "\n";
  return load_scenario_text(text, "describe", {});
}

void elaborate_system(const Scenario& scenario, SimEnv& env) {
  RunOutcome out;
  fresh_sc_context();
  { SystemModule system("system", scenario, env, out, nullptr); }
  fresh_sc_context();
}

std::vector<StatInfo> describe_stats() {
  const Scenario sc = describe_system_scenario();
  SimEnv env(sc.seed, /*trace_enabled=*/false);
  elaborate_system(sc, env);
  return env.stats().entries();
}

}  // namespace wdsim
