#include "sim/system/exec/exec_program.h"

#include <dlfcn.h>
#include <malloc.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/uadk/wd_runtime.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/kernel/host_mirror.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/simulated_signal.h"

extern char** environ;

namespace wdsim::exec {

namespace {

constexpr double kPsPerNs = 1e3;
constexpr uint64_t kPsPerS = 1'000'000'000'000ull;
// The alternate stack the fault handler runs on (a fault may be a stack overflow).
constexpr size_t kAltStackBytes = 256 * 1024;

// The exec thread each SystemC process (simulated thread) runs, by the process object.
std::unordered_map<const void*, ExecThread*>& running() {
  static std::unordered_map<const void*, ExecThread*> m;
  return m;
}

const void* current_process_key() { return sc_core::sc_get_current_process_b(); }

// Where wdsim's own code is loaded: a fault there is the simulator's, not the program's.
const void* wdsim_image_base() {
  static const void* base = [] {
    Dl_info info{};
    dladdr(reinterpret_cast<void*>(&wdsim_image_base), &info);
    return info.dli_fbase;
  }();
  return base;
}

uint64_t fault_pc(void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return uc->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

void on_fault(int signo, siginfo_t* info, void* context) {
  ExecThread* self = ExecProgram::current();
  Dl_info where{};
  const uint64_t pc = fault_pc(context);
  const bool in_wdsim = pc == 0 || (dladdr(reinterpret_cast<void*>(pc), &where) &&
                                    where.dli_fbase == wdsim_image_base());
  if (self && self->fault_armed && !in_wdsim) {
    self->fault_signo = signo;
    self->fault_addr = reinterpret_cast<uint64_t>(info->si_addr);
    self->fault_armed = false;
    siglongjmp(self->fault_jump, 1);
  }
  // The simulator's own fault: say so, then die of it as without this handler.
  static const char kMsg[] = "wdsim: fatal signal in the simulator itself (not in the program)\n";
  (void)!write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  signal(signo, SIG_DFL);
  raise(signo);
}

void install_fault_handlers() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  static std::vector<char> alt(kAltStackBytes);
  stack_t ss{};
  ss.ss_sp = alt.data();
  ss.ss_size = alt.size();
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) sigaction(s, &sa, nullptr);
  // The program's heap must stay mapped while a device may still reach it through the mirror:
  // glibc returns freed memory to the kernel by trimming the heap top and unmapping large
  // chunks behind the simulated kernel's back. No trimming; chunks it still maps are reported
  // when the program frees them (posix_shim.cc).
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

std::string signal_text(int signo) {
  const char* d = strsignal(signo);
  return d ? d : "signal " + std::to_string(signo);
}

}  // namespace

void ExecParams::declare(ParamScope& s) {
  s.add("program", program, "", "",
        "The program's shared object (built by `wdsim cc`); empty: the one `wdsim exec` names "
        "after --",
        "the user's");
  s.add_list("args", args, {}, {},
             "Its arguments (argv[1..]) when `program` is set; otherwise those after -- on the "
             "`wdsim exec` command line",
             "the user's");
  s.add("cpu_ns_per_call", cpu_ns_per_call, 50.0, "ns",
        "CPU time charged for the program's own code at each call it makes into the simulated "
        "OS (pthread, clock, sleep and memory calls); wdsim_compute_ns(n) adds n where the "
        "program says it computes",
        "guess: a few hundred instructions of application code between library calls",
        Range::between(0, 1e9));
  s.add("ns_per_block", ns_per_block, 1.0, "ns",
        "CPU time charged per basic block of the program's own code (`wdsim cc` builds it with "
        "-fsanitize-coverage=trace-pc, which counts them; the C library and other libraries are "
        "not counted); 0: only cpu_ns_per_call and wdsim_compute_ns charge the program's code",
        "guess: about 5 instructions (a typical basic block of integer code) at about 2 "
        "instructions per ns (a ~2.6 GHz server core at IPC ~2)",
        Range::between(0, 1e6));
  s.add("slice_blocks", slice_blocks, 10000, "blocks",
        "Basic blocks the program's code may run without a call before its thread lets "
        "simulated time catch up (so a loop polling memory that another thread writes, with no "
        "call in it, sees the write)",
        "guess: about 10 us of code at the ns_per_block default; smaller is finer "
        "interleaving at more host cost",
        Range::between(100, 1ull << 40));
  s.add("timer_slack_ns", timer_slack_ns, 50000.0, "ns",
        "Added to every sleep (usleep, nanosleep, sleep, timed waits): hrtimers of a normal "
        "thread expire at the end of their slack range",
        "Linux: the default timer_slack_ns of a task is 50 us (prctl(2) PR_SET_TIMERSLACK)",
        Range::between(0, 1e9));
  s.add("stack_bytes", stack_bytes, 8u << 20, "B",
        "Stack of each thread the program creates (pthread_create; its main thread has 8 MiB)",
        "Linux: the default RLIMIT_STACK and glibc's default pthread stack are 8 MiB",
        Range::between(64 * 1024, 1ull << 30));
  s.add("realtime_epoch_s", realtime_epoch_s, 1767225600.0, "s",
        "CLOCK_REALTIME (gettimeofday, time) at simulated time 0, in seconds since 1970",
        "a fixed date (2026-01-01T00:00:00Z), so outputs do not depend on the wall clock",
        Range::between(0, 1e11));
}

ExecProgram::ExecProgram(const ExecParams& p, const ProgramSetup& setup) : p_(p), setup_(setup) {}

ExecProgram::~ExecProgram() {
  // The shared object stays loaded (its code may still be on a stack SystemC has not freed, and
  // its atexit handlers run at the host's exit); only the private copy's file goes.
  if (!image_copy_.empty()) std::filesystem::remove(image_copy_);
}

ExecThread* ExecProgram::current() {
  auto& m = running();
  auto it = m.find(current_process_key());
  return it == m.end() ? nullptr : it->second;
}

uint64_t now_ps(ExecThread& self) { return self.thread->os.now(); }

void ExecProgram::enter_call(ExecThread& self) {
  ++figures_.calls;
  self.thread->bind_runtime();
  const uint64_t code_blocks = take_code_blocks();
  figures_.code_blocks += code_blocks;
  const double ns = p_.cpu_ns_per_call + static_cast<double>(code_blocks) * p_.ns_per_block;
  if (ns > 0) self.thread->os.compute(static_cast<rt::Picoseconds>(ns * kPsPerNs));
  set_slice_blocks(p_.slice_blocks);
}

void ExecProgram::end_slice(ExecThread& self) {
  const uint64_t code_blocks = take_code_blocks();
  figures_.code_blocks += code_blocks;
  const double ns = static_cast<double>(code_blocks) * p_.ns_per_block;
  if (ns > 0) self.thread->os.compute(static_cast<rt::Picoseconds>(ns * kPsPerNs));
  self.thread->os.cpu().sync();  // other threads run up to this thread's time
  self.thread->bind_runtime();
  set_slice_blocks(p_.slice_blocks);
}

bool ExecProgram::block_until(ExecThread& self, const sc_core::sc_event& e, uint64_t deadline_ps,
                              const std::function<bool()>& ready) {
  CpuContext& cpu = self.thread->os.cpu();
  const HostCostParams& costs = self.thread->system.host_costs();
  const sc_core::sc_time switch_and_wakeup((costs.sleep_ns + costs.wakeup_ns) * kPsPerNs,
                                           sc_core::SC_PS);
  // Spend what the thread has charged so far first: another thread may release what this one
  // waits for during that time, and `e` notified then would not wake a sleep begun after it.
  cpu.sync();
  while (!ready()) {
    const uint64_t now = now_ps(self);
    if (deadline_ps && now >= deadline_ps) return false;
    ++figures_.blocks;
    if (deadline_ps) {
      cpu.sleep(e, sc_core::sc_time(static_cast<double>(deadline_ps - now), sc_core::SC_PS));
    } else {
      cpu.sleep(e);
    }
    // The switch away and the wake-up, charged once the thread runs again.
    cpu.defer(switch_and_wakeup);
    self.thread->bind_runtime();
    if (ready()) return true;
    if (deadline_ps && now_ps(self) >= deadline_ps) return false;
    cpu.sync();  // woken for nothing (another thread got there first): check again
  }
  return true;
}

void ExecProgram::host_range_changed(ExecThread& self, uint64_t va, uint64_t len) {
  Process* process = self.thread->process.process;
  if (process && process->alive()) {
    self.thread->system.kernel().host_range_changed(*process, self.thread->os.cpu(), va, len);
  }
}

template <class F>
int ExecProgram::guarded(ExecThread& self, F body) {
  if (sigsetjmp(self.fault_jump, 1) != 0) return self.fault_signo;
  self.fault_armed = true;
  try {
    body();
  } catch (...) {
    self.fault_armed = false;
    throw;
  }
  self.fault_armed = false;
  return 0;
}

void ExecProgram::run(ProgramThread& t) {
  const ExecCommand& cmd = t.system.exec_command();
  path_ = p_.program.empty() ? cmd.program : p_.program;
  const std::vector<std::string>& args = p_.program.empty() ? cmd.args : p_.args;
  if (path_.empty()) {
    throw ProgramError(
        "exec: no program to run: set the entry's `program`, or name one after -- on the "
        "`wdsim exec` command line");
  }
  install_fault_handlers();
  // A UADK call charges the program's code since its previous call, as a wrapped call does.
  t.process.uadk->set_call_hook([] {
    if (ExecThread* self = current()) self->program->enter_call(*self);
  });
  // Each process instance gets its own copy of the program's globals: the dynamic loader loads
  // a path once, so instances after the first load a private copy of the file.
  static std::map<std::string, uint32_t> loaded;  // canonical path -> instances loaded
  std::error_code ec;
  const std::string canonical = std::filesystem::weakly_canonical(path_, ec).string();
  std::string load_path = path_;
  if (loaded[canonical]++ > 0) {
    char tmpl[] = "/tmp/wdsim-exec-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) throw ProgramError("exec: cannot make a copy of " + path_ + ": " + strerror(errno));
    close(fd);
    std::filesystem::copy_file(path_, tmpl, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) throw ProgramError("exec: cannot copy " + path_ + ": " + ec.message());
    image_copy_ = load_path = tmpl;
  }
  auto self_owned = std::make_unique<ExecThread>();
  ExecThread& self = *self_owned;
  self.program = this;
  self.thread = &t;
  self.id = next_id_++;
  threads_[self.id] = std::move(self_owned);
  main_thread_ = &t;
  running()[current_process_key()] = &self;
  // UADK reads its settings (WD_COMP_EPOLL_EN, WD_COMP_CTX_NUM, ...) from the environment.
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const size_t eq = kv.find('=');
    if (kv.rfind("WD_", 0) == 0 && eq != std::string::npos) {
      t.process.uadk->set_env(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  // The program's constructors run now, on this simulated thread.
  // The loader's message is copied at once: the next dl call may free its buffer.
  std::string load_error;
  int signo = guarded(self, [&] {
    handle_ = dlopen(load_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* why = dlerror();
      load_error = why ? why : "unknown error";
    }
  });
  if (signo == 0 && !handle_) {
    running().erase(current_process_key());
    throw ProgramError("exec: cannot load " + path_ + ": " + load_error);
  }
  if (signo == 0) {
    main_ = reinterpret_cast<int (*)(int, char**, char**)>(dlsym(handle_, "main"));
    if (!main_) {
      running().erase(current_process_key());
      throw ProgramError("exec: " + path_ + " has no main (build it with `wdsim cc`)");
    }
  }
  std::vector<std::string> argv_text;
  argv_text.push_back(path_);
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  start_ps_ = t.os.now();
  int code = 0;
  bool aborted = false;
  try {
    if (signo == 0) {
      signo = guarded(self, [&] {
        try {
          code = main_(static_cast<int>(argv_text.size()), argv.data(), environ);
        } catch (const ProgramExit& e) {
          code = e.code;
        }
      });
    }
  } catch (const ProgramAbort&) {
    aborted = true;
  } catch (...) {
    running().erase(current_process_key());
    throw;
  }
  std::fflush(nullptr);  // exit() flushes the program's stdio
  running().erase(current_process_key());
  figures_.run_ps = t.os.now() - start_ps_;
  figures_.cpu_ps += static_cast<uint64_t>(t.os.cpu().busy_time().to_seconds() * kPsPerS);
  if (aborted) signo = SIGABRT;
  if (signo) {
    figures_.signal = signo;
    throw SimulatedSignal(signal_text(signo) + " in the program " + path_ + " (" + t.name + ")",
                          signo, self.fault_addr, t.name);
  }
  figures_.exited = true;
  figures_.exit_code = code;
  t.system.exit_process(t.process, code & 0xff);
}

uint64_t ExecProgram::create_thread(ExecThread& self, void* (*start)(void*), void* arg) {
  auto owned = std::make_unique<ExecThread>();
  ExecThread* th = owned.get();
  th->program = this;
  th->id = next_id_++;
  th->start = start;
  th->arg = arg;
  threads_[th->id] = std::move(owned);
  ++figures_.threads;
  th->spawned = &self.thread->system.spawn_thread(
      self.thread->process, *this, "thread." + std::to_string(th->id), p_.stack_bytes,
      [this, th](ProgramThread& t) {
        th->thread = &t;
        running()[current_process_key()] = th;
        int code = 0;
        bool exited = false;
        bool aborted = false;
        int signo = 0;
        try {
          signo = guarded(*th, [&] {
            try {
              th->retval = th->start(th->arg);
            } catch (const ThreadExit& e) {
              th->retval = e.retval;
            } catch (const ProgramExit& e) {
              code = e.code;
              exited = true;
            }
          });
        } catch (const ProgramAbort&) {
          aborted = true;
        } catch (...) {
          thread_ended(*th);
          throw;
        }
        thread_ended(*th);
        if (aborted) signo = SIGABRT;
        if (signo) {
          figures_.signal = signo;
          throw SimulatedSignal(
              signal_text(signo) + " in the program " + path_ + " (" + t.name + ")", signo,
              th->fault_addr, t.name);
        }
        if (exited) {
          std::fflush(nullptr);
          figures_.exited = true;
          figures_.exit_code = code;
          t.system.exit_process(t.process, code & 0xff);
        }
      });
  return th->id;
}

void ExecProgram::thread_ended(ExecThread& th) {
  ProgramThread& t = *th.thread;
  // The thread's last code since its last call: deferred CPU work, which the system spends as
  // the thread ends (no wait here: the thread may be unwinding from a kill); busy_time below
  // already counts it.
  const uint64_t code_blocks = take_code_blocks();
  figures_.code_blocks += code_blocks;
  if (p_.ns_per_block > 0 && code_blocks > 0) {
    t.os.compute(static_cast<rt::Picoseconds>(static_cast<double>(code_blocks) * p_.ns_per_block *
                                              kPsPerNs));
  }
  running().erase(current_process_key());
  figures_.cpu_ps += static_cast<uint64_t>(t.os.cpu().busy_time().to_seconds() * kPsPerS);
  // SystemC frees the thread's stack once it has ended: the device must no longer reach it.
  int marker = 0;
  if (HostAddressSpace* host = t.system.host_address_space()) {
    if (auto region = host->region_of(reinterpret_cast<uint64_t>(&marker))) {
      host_range_changed(th, region->start, region->end - region->start);
    }
  }
  th.thread = nullptr;
}

int ExecProgram::join_thread(ExecThread& self, uint64_t id, void** retval) {
  auto it = threads_.find(id);
  if (it == threads_.end() || !it->second->spawned) return ESRCH;
  ExecThread& th = *it->second;
  if (th.detached) return EINVAL;
  if (&th == &self) return EDEADLK;
  block_until(self, th.spawned->ended_event(), 0, [&th] { return th.spawned->ended(); });
  if (retval) *retval = th.retval;
  th.detached = true;  // joined: a second join is EINVAL
  return 0;
}

int ExecProgram::detach_thread(uint64_t id) {
  auto it = threads_.find(id);
  if (it == threads_.end()) return ESRCH;
  if (it->second->detached) return EINVAL;
  it->second->detached = true;
  return 0;
}

namespace {

void report_exec(const std::vector<const Program*>& programs, RunReport& out) {
  SummaryTable table;
  table.name = "exec";
  table.columns = {"process",        "program",     "end",    "threads", "calls",
                   "blocking waits", "code blocks", "run us", "cpu us"};
  std::ostringstream text;
  text << "exec: the user's programs\n";
  for (const Program* p : programs) {
    const auto& e = static_cast<const ExecProgram&>(*p);
    const auto& f = e.figures();
    const std::string end = f.signal   ? signal_text(f.signal)
                            : f.exited ? "exit " + std::to_string(f.exit_code)
                                       : "running";
    char run_us[32], cpu_us[32];
    std::snprintf(run_us, sizeof run_us, "%.3f", static_cast<double>(f.run_ps) / 1e6);
    std::snprintf(cpu_us, sizeof cpu_us, "%.3f", static_cast<double>(f.cpu_ps) / 1e6);
    table.rows.push_back({e.setup().instance, std::filesystem::path(e.path()).filename().string(),
                          end, std::to_string(f.threads + 1), std::to_string(f.calls),
                          std::to_string(f.blocks), std::to_string(f.code_blocks), run_us, cpu_us});
    text << "  " << e.setup().instance << ": " << e.path() << ": " << end << ", " << f.threads + 1
         << " thread(s), " << f.calls << " calls, " << f.blocks << " blocking waits, "
         << f.code_blocks << " code blocks, " << run_us << " us simulated, " << cpu_us
         << " us CPU\n";
  }
  out.text += text.str();
  out.tables.push_back(std::move(table));
}

ProgramKind make_exec_kind() {
  ProgramKind k = program_kind<ExecParams, ExecProgram>(
      "exec",
      "The user's own program (a shared object built by `wdsim cc`), run as a simulated "
      "process: main on a simulated thread, pthreads as simulated threads, UADK calls on the "
      "simulated devices, its pointers seen by the devices through a mirrored address space",
      "", 1, report_exec);
  k.thread_stack_bytes = 8u << 20;
  k.host_mirror = true;
  k.measures_requests = false;
  return k;
}

}  // namespace

WDSIM_REGISTER_PROGRAM(exec, make_exec_kind());

}  // namespace wdsim::exec
