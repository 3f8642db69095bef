// Program kinds: what a simulated thread runs. Each kind (compare, batch, crypto, uadk_sync,
// hostile, ...) lives in its own file under sim/system/workloads/, declares its parameters
// (under a thread entry's `<kind>:` key, shown by `wdsim describe`), and registers itself by
// name with WDSIM_REGISTER_PROGRAM; the system layer knows none of them by name.
//
// Lifecycle: for each thread entry of each process instance the system makes one Program
// (make) from the entry's parameters; its `count` threads all call run() on it, each on its
// own simulated thread (an SC_THREAD with a HostThread, sharing the process's address space
// and UADK state). The Program keeps no per-request records: it folds each measured request into
// streaming per-point figures (histograms, sums; workloads/stages.h) as it completes, and, when
// the scenario asks (output.requests), writes it as a row of requests.csv (RequestLog). After
// the simulation the kind's report() sees every Program of that kind in the run and writes its
// summary table(s) and stats.
//
// Errors: a request that fails throws ProgramError; unless the thread entry says
// expect_errors, that ends the run as a simulation error (exit 1). A simulated signal
// (SIGSEGV from a bad access) kills the thread's process and the run carries on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"

namespace wdsim {

class HostAddressSpace;
class HostThread;
class Kernel;
class Process;
struct HostCostParams;
struct SqeRecord;
namespace rt {
class UadkProcess;
struct UserDriverCosts;
}  // namespace rt

// A failed request or call inside a program.
class ProgramError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A program kind's parameters.
class ProgramParams {
 public:
  virtual ~ProgramParams() = default;
  virtual void declare(ParamScope& s) = 0;
};

// One accelerator function as programs see it.
struct DeviceView {
  std::string name;        // uacce device name, "hisi_zip-0"
  std::string kind;        // "zip"
  std::string uacce_path;  // "/dev/hisi_zip-0"
  std::string
      syscall_path;  // the kernel's syscall-path device: /dev/zip_sync, /dev/sec_sync ("" if none)
  std::string dev_path;      // a whole device's (kind without a QM) node: "/dev/virtio_net-0"
  bool timing_only = false;  // data_mode: timing: its output bytes are not the data
  bool sva = true;           // uacce_mode sva (false: nosva, a static share region per queue)
};

// Which outputs programs verify (output.verify) and the count of each answer, for the
// summary. A program asks once per output it could check; outputs of a timing-only device are
// never verified (their bytes are not the data); `sample` verifies the program's requests
// 0, every, 2*every, ... (by the program's own running request count, so deterministic).
class OutputCheck {
 public:
  enum class Mode { kAll, kSample, kNone };
  OutputCheck(Mode mode, uint64_t every) : mode_(mode), every_(every ? every : 1) {}
  // For an output the device named `device` made ("" = unknown: any device of `kind`).
  bool verify(const std::vector<DeviceView>& devices, const std::string& device,
              const std::string& kind, uint64_t request_index);
  Mode mode() const { return mode_; }
  uint64_t every() const { return every_; }
  uint64_t verified() const { return verified_; }
  uint64_t skipped_timing_only() const { return skipped_timing_only_; }
  uint64_t skipped_by_policy() const { return skipped_by_policy_; }

 private:
  Mode mode_;
  uint64_t every_;
  uint64_t verified_ = 0;
  uint64_t skipped_timing_only_ = 0;
  uint64_t skipped_by_policy_ = 0;
};

// One measured request, as a row of requests.csv (output.requests).
struct RequestRow {
  std::string_view process;  // the process instance, "app.3"
  std::string_view thread;   // the thread, "app.3/main"
  std::string_view program;  // the program kind
  std::string_view point;    // within the program: compare's path, batch's "q<queues>.d<depth>"
  uint64_t size = 0;         // request bytes
  uint64_t index = 0;        // measured request number within (thread, point), from 0
  uint64_t submit_ps = 0;    // simulated time the request started
  uint64_t latency_ps = 0;   // to completion as the caller saw it
  std::optional<uint64_t> cpu_ps;        // the calling thread's CPU time (none: async)
  std::optional<uint64_t> output_bytes;  // none: not known
  std::string_view stages;               // "name=ps;name=ps;..." (compare), or empty
};

// Writes requests.csv as the requests complete (simulated time order), so nothing is kept:
// the header, then one row per measured request. Fields that hold a comma or a quote are
// quoted (RFC 4180).
class RequestLog {
 public:
  static constexpr const char* kHeader =
      "process,thread,program,point,size,request,submit_ps,latency_ps,cpu_ps,output_bytes,"
      "stages";
  explicit RequestLog(std::ostream& out);
  void write(const RequestRow& row);
  uint64_t rows() const { return rows_; }

 private:
  std::ostream& out_;
  uint64_t rows_ = 0;
};

// A thread a program started while it runs (pthread_create under `wdsim exec`).
class SpawnedThread {
 public:
  virtual ~SpawnedThread() = default;
  virtual bool ended() const = 0;
  // Notified when the thread has ended.
  virtual const sc_core::sc_event& ended_event() const = 0;
};

// The program `wdsim exec` runs (its command line after `--`): what an `exec` thread entry that
// names no program of its own runs.
struct ExecCommand {
  std::string program;            // path of the shared object `wdsim cc` built
  std::vector<std::string> args;  // argv[1..]
};

class Program;
struct ProcessView;
struct ProgramThread;

// The built system, as programs may use it.
class SystemView {
 public:
  virtual ~SystemView() = default;
  virtual SimEnv& env() = 0;
  virtual Kernel& kernel() = 0;
  virtual const HostCostParams& host_costs() const = 0;
  virtual const rt::UserDriverCosts& runtime_costs() const = 0;
  virtual const std::vector<DeviceView>& devices() const = 0;
  virtual OutputCheck& output_check() = 0;
  // Where measured requests go as rows (output.requests), or nullptr when not asked.
  virtual RequestLog* request_log() { return nullptr; }
  // Whether a program verifies this output (and counts the answer): see OutputCheck.
  bool verify_output(const std::string& device, const std::string& kind, uint64_t index) {
    return output_check().verify(devices(), device, kind, index);
  }
  // Whether every device of `kind` is timing-only: their inputs' bytes do not matter either
  // (sizes come from the ratio model), so programs need not generate them.
  bool all_timing_only(const std::string& kind) const {
    bool any = false;
    for (const DeviceView& d : devices()) {
      if (d.kind != kind) continue;
      if (!d.timing_only) return false;
      any = true;
    }
    return any;
  }
  // The QM's record of the SQE in slot `sqe_index` of queue `qp` of a device (the last one
  // completed there), or nullptr if that slot has not completed yet.
  virtual const SqeRecord* sqe_record(const std::string& device, uint16_t qp,
                                      uint16_t sqe_index) const = 0;
  // A new simulated thread of `process` running `body` from now (on its own SC_THREAD with a
  // HostThread, `stack_bytes` of stack, 0 = SystemC's default), counted as one of `program`'s
  // threads: the process ends when its last thread has. The returned thread lives as long as the
  // run. A ProgramError, signal or termination in `body` is handled as for the entry's threads.
  virtual SpawnedThread& spawn_thread(ProcessView& process, Program& program, std::string name,
                                      uint64_t stack_bytes,
                                      std::function<void(ProgramThread&)> body) = 0;
  // exit_group(exit_code) from a thread of `process`: every thread of it is told to stop (the
  // caller too: its next wait throws ThreadTerminated) and the kernel tears it down.
  virtual void exit_process(ProcessView& process, int exit_code) = 0;
  // `wdsim exec`'s command line (empty program: not run by `wdsim exec`).
  virtual const ExecCommand& exec_command() const = 0;
  // The host address space host-mirrored processes mirror (ProgramKind::host_mirror), or
  // nullptr when the run has none.
  virtual HostAddressSpace* host_address_space() = 0;
  // The PASID process `pid`'s mm holds and on how many devices it is bound (SVA), or nullopt
  // when it is bound to none.
  struct SvaBinding {
    uint32_t pasid = 0;
    int devices = 0;
  };
  virtual std::optional<SvaBinding> sva_binding(int pid) const = 0;
};

// A simulated process as programs see it.
struct ProcessView {
  std::string name;  // instance name: "app", "app.3"
  uint32_t instance = 0;
  Process* process = nullptr;
  rt::UadkProcess* uadk = nullptr;  // the process's UADK library state
  uint64_t huge_page = 0;           // the buffers' huge page size (0 = granule pages)
  const Process* parent = nullptr;  // the parent of a child made by `events: fork`
};

// One running thread of a program.
struct ProgramThread {
  HostThread& os;
  ProcessView& process;
  SystemView& system;
  uint32_t index = 0;  // 0 .. count-1 within the thread entry
  std::string name;    // "app/main", "app/worker.3"
  // Binds the UADK runtime to this thread (runtime/uadk/wd_runtime.h); the system also does
  // it every time the thread resumes.
  std::function<void()> bind_runtime;
  // A workload buffer: anonymous memory, populated or demand-paged, with the process's huge
  // pages when it has them. Throws ProgramError when it cannot be mapped.
  uint64_t map_buffer(uint64_t len, bool populate) const;
};

// A summary table: what the human table shows, in columns a sweep can gather.
struct SummaryTable {
  std::string name;  // "compare", "batch", ...
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// One measured point's mean latency split into its stages, in stage order (report.html's
// stacked bars, summary.json's "stages").
struct StageBreakdown {
  std::string label;                                    // "doorbell 4 KiB"
  std::vector<std::pair<std::string, double>> mean_us;  // (stage, mean time in it)
};

// What the kinds write after the run.
struct RunReport {
  std::string text;  // human tables, appended by each kind
  std::vector<SummaryTable> tables;
  std::vector<StageBreakdown> stages;
  uint64_t measured_requests = 0;
  StatsRegistry* stats = nullptr;
};

class Program {
 public:
  virtual ~Program() = default;
  // Runs on each of the entry's threads. Throws ProgramError on a failed request.
  virtual void run(ProgramThread& t) = 0;
  // A buffer of the running program by name (for `events: munmap`): {va, length}.
  virtual std::optional<std::pair<uint64_t, uint64_t>> buffer(const std::string& name) const {
    (void)name;
    return std::nullopt;
  }
  // Requests that completed successfully / with an error, for the processes table.
  virtual uint64_t requests_ok() const = 0;
  virtual uint64_t requests_failed() const = 0;
};

// What a Program is made for: one thread entry of one process instance.
struct ProgramSetup {
  std::string instance;  // the process instance, "app", "app.3"
  uint32_t threads = 1;  // the entry's thread count (each calls run())
};

struct ProgramKind {
  std::string name;
  std::string description;
  // The device kind the program needs in the system ("" = none in particular).
  std::string needs_device_kind;
  // At most this many threads of the kind per process (0 = any): UADK's algorithm settings
  // are per process, so the UADK-API kinds that init the library themselves run one thread.
  uint32_t max_threads_per_process = 0;
  std::function<std::unique_ptr<ProgramParams>()> make_params;
  std::function<std::unique_ptr<Program>(const ProgramParams&, const ProgramSetup&)> make;
  // Every Program of this kind in the run (in process, entry order), never empty.
  std::function<void(const std::vector<const Program*>&, RunReport&)> report;
  // The stack of each of its threads (0 = SystemC's default), and whether its processes' address
  // spaces mirror the host's (Process::enable_host_mirror: the program's own pointers are the
  // simulated process's virtual addresses). Set after program_kind() by kinds that need them.
  uint64_t thread_stack_bytes = 0;
  bool host_mirror = false;
  // Whether its programs measure requests (a run where every kind does and none was measured
  // is an error); false for kinds that are not request loops (the user's own program).
  bool measures_requests = true;
};

// A kind whose parameters are `Params` and whose Program is `Prog(const Params&, const
// ProgramSetup&)`: what every kind's registration would otherwise spell out.
template <class Params, class Prog>
ProgramKind program_kind(
    std::string name, std::string description, std::string needs_device_kind,
    uint32_t max_threads_per_process,
    std::function<void(const std::vector<const Program*>&, RunReport&)> report) {
  return ProgramKind{std::move(name),
                     std::move(description),
                     std::move(needs_device_kind),
                     max_threads_per_process,
                     [] { return std::make_unique<Params>(); },
                     [](const ProgramParams& p, const ProgramSetup& setup) {
                       return std::unique_ptr<Program>(
                           std::make_unique<Prog>(static_cast<const Params&>(p), setup));
                     },
                     std::move(report)};
}

bool register_program_kind(ProgramKind kind);
const ProgramKind* find_program_kind(const std::string& name);
std::vector<const ProgramKind*> program_kinds();  // by name

#define WDSIM_REGISTER_PROGRAM(ident, ...) \
  static const bool wdsim_program_registered_##ident = ::wdsim::register_program_kind(__VA_ARGS__)

}  // namespace wdsim
