// The simulation side of the UADK-compatible API (runtime/include/uadk/*.h): how a C API with
// no OS parameter finds the OS it runs on, and where UADK's process-global state lives.
//
// Binding. Every wd_* call runs on the OsInterface the calling thread bound last with
// wd_runtime_bind_os() / wd_runtime_bind(). The binding is a thread_local pointer pair. In
// the simulator every simulated thread is a coroutine on one OS thread, so the host model must
// bind the simulated thread's HostThread before each wd_* call it makes (a store; cheap). The
// library reads the binding once when a call enters, uses that for the whole call (other simulated
// threads may run and re-bind during any wait inside it), re-installs it before calling user
// code (scheduler poll functions, request callbacks) and when the call returns. Real code on
// a real OS would not need any of this: it is the simulator's replacement for "the current
// process and thread".
//
// Process state. UADK keeps its settings (wd_comp_setting, ...) in globals of the process;
// here they live in a UadkProcess, one per simulated process. wd_runtime_bind_os() uses one
// default UadkProcess for the whole simulator (fine for one simulated process);
// wd_runtime_bind() names the process explicitly. A UadkProcess also holds the simulated
// process's environment (WD_COMP_EPOLL_EN, ...), the user-driver costs and the page size.
//
// Memory. Buffers handed to the library (wd_comp_req.src/dst, cipher src/dst/iv, keys,
// digest in/out) are virtual addresses of the simulated process cast to pointers
// (reinterpret_cast<void*>(va)); the library and the device reach them through the
// OsInterface / the SMMU, never by dereferencing. Request, setup and config structs are
// ordinary host memory (the library's own bookkeeping, as in runtime/os_interface.h).
//
// Threads. The library creates no threads: async completions are delivered by wd_*_poll /
// wd_*_poll_ctx calls made by a (simulated) thread the caller owns, as UADK's own tests and
// uadk_tool do with their poll threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/hisi_qm_udrv.h"
#include "runtime/os_interface.h"

namespace wdsim::rt {

namespace uadk {
struct Library;
}

// Not UADK API: what a simulator's latency breakdown needs of a thread's last synchronous
// request (wd_do_comp_sync, wd_do_cipher_sync, wd_do_digest_sync): where its SQE went (the
// device's uacce name, the queue and its SQ slot, which name the device's own record of that
// SQE) and when the library wrote the doorbell and took the completion.
struct SyncRequestRecord {
  std::string device;  // uacce device name, e.g. hisi_zip-0
  uint16_t qp_id = 0;
  uint16_t sqe_index = 0;
  Picoseconds doorbell_ps = 0;         // the SQ doorbell write was issued
  Picoseconds completion_seen_ps = 0;  // the CQE was taken
};

struct UadkProcessConfig {
  uint64_t page_size = 4096;  // the process's page size (mmap offsets of queue regions)
  UserDriverCosts costs;      // the plain struct's defaults
};

class UadkProcess {
 public:
  explicit UadkProcess(const UadkProcessConfig& config = UadkProcessConfig{});
  ~UadkProcess();
  UadkProcess(const UadkProcess&) = delete;
  UadkProcess& operator=(const UadkProcess&) = delete;

  // The simulated process's environment, as secure_getenv() sees it.
  void set_env(const std::string& name, const std::string& value);
  void unset_env(const std::string& name);
  bool get_env(const std::string& name, std::string* value) const;

  const UadkProcessConfig& config() const { return config_; }
  // What UADK would have printed with WD_ERR for the last failure.
  const std::string& last_error() const { return last_error_; }
  void set_last_error(const std::string& e) { last_error_ = e; }

  uadk::Library& lib() { return *lib_; }

  // Simulated time the process's threads spent waiting for ctx locks (sync requests sharing
  // a ctx), over every ctx it has had.
  Picoseconds ctx_lock_wait_ps() const;
  void add_released_lock_wait(Picoseconds ps) { released_lock_wait_ps_ += ps; }

  // Not UADK: called as each wd_* call that takes the binding enters, on the calling thread (for
  // example to charge the CPU time of the caller's own code since its previous call, as
  // `wdsim exec` does). None by default.
  void set_call_hook(std::function<void()> hook) { call_hook_ = std::move(hook); }
  const std::function<void()>& call_hook() const { return call_hook_; }

  // Not UADK: the handles (handle_t values) of the ctxs the running compression setting
  // (wd_comp_init / wd_comp_init2) uses, in its ctx order. A UADK v1-style program holds its
  // queue handles itself and sleeps on them (wd_recv_sync's poll() on the queue fd); a program
  // kind that drives init2 and wants that wait asks here, then calls wd_ctx_wait.
  std::vector<uintptr_t> comp_ctx_handles() const;

  // The last synchronous request the thread running on `os` sent (nullptr before its first).
  const SyncRequestRecord* last_sync_request(const OsInterface* os) const;
  void record_sync_request(const OsInterface* os, const SyncRequestRecord& r);

 private:
  UadkProcessConfig config_;
  std::map<std::string, std::string> env_;
  std::string last_error_;
  std::unique_ptr<uadk::Library> lib_;
  Picoseconds released_lock_wait_ps_ = 0;
  std::map<const OsInterface*, SyncRequestRecord> last_sync_;
  std::function<void()> call_hook_;
};

// Binds the calling thread to `os` and the default UadkProcess.
void wd_runtime_bind_os(OsInterface* os);
// Binds the calling thread to `os` and `process` (a simulated process of its own).
void wd_runtime_bind(OsInterface* os, UadkProcess* process);
// The default process used by wd_runtime_bind_os().
UadkProcess& wd_runtime_default_process();
// The current binding (nullptr when unbound).
OsInterface* wd_runtime_bound_os();
UadkProcess* wd_runtime_bound_process();

}  // namespace wdsim::rt
