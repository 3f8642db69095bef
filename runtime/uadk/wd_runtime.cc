#include "runtime/uadk/wd_runtime.h"

#include <cstdlib>

#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt {

namespace {

thread_local OsInterface* t_os = nullptr;
thread_local UadkProcess* t_process = nullptr;

}  // namespace

UadkProcess::UadkProcess(const UadkProcessConfig& config)
    : config_(config), lib_(std::make_unique<uadk::Library>()) {}

UadkProcess::~UadkProcess() = default;

void UadkProcess::set_env(const std::string& name, const std::string& value) { env_[name] = value; }

void UadkProcess::unset_env(const std::string& name) { env_.erase(name); }

bool UadkProcess::get_env(const std::string& name, std::string* value) const {
  auto it = env_.find(name);
  if (it == env_.end()) return false;
  *value = it->second;
  return true;
}

Picoseconds UadkProcess::ctx_lock_wait_ps() const {
  Picoseconds total = released_lock_wait_ps_;
  for (const auto& [h, ctx] : lib_->ctxs) total += ctx->lock.wait_ps();
  return total;
}

std::vector<uintptr_t> UadkProcess::comp_ctx_handles() const {
  std::vector<uintptr_t> out;
  for (uint32_t i = 0; i < lib_->comp.ctx_num(); ++i) {
    out.push_back(static_cast<uintptr_t>(lib_->comp.entry(i).handle));
  }
  return out;
}

const SyncRequestRecord* UadkProcess::last_sync_request(const OsInterface* os) const {
  auto it = last_sync_.find(os);
  return it == last_sync_.end() ? nullptr : &it->second;
}

void UadkProcess::record_sync_request(const OsInterface* os, const SyncRequestRecord& r) {
  last_sync_[os] = r;
}

void wd_runtime_bind_os(OsInterface* os) { wd_runtime_bind(os, &wd_runtime_default_process()); }

void wd_runtime_bind(OsInterface* os, UadkProcess* process) {
  t_os = os;
  t_process = process;
}

UadkProcess& wd_runtime_default_process() {
  static UadkProcess* process = new UadkProcess();  // never destroyed: outlives every thread
  return *process;
}

OsInterface* wd_runtime_bound_os() { return t_os; }
UadkProcess* wd_runtime_bound_process() { return t_process; }

namespace uadk {

Call::Call() : os_(t_os), proc_(t_process) {
  if (os_ && proc_ && proc_->call_hook()) {
    proc_->call_hook()();
    rebind();  // the hook may have let other threads run and bind theirs
  }
}

Call::~Call() { rebind(); }

void Call::rebind() const {
  t_os = os_;
  t_process = proc_;
}

Library& Call::lib() const { return proc_->lib(); }

int Call::fail(int err, const std::string& what) const {
  if (proc_) proc_->set_last_error(what);
  return err;
}

void Call::charge_ns(double ns) const {
  Picoseconds ps = ns_to_ps(ns);
  if (ps > 0 && os_) os_->compute(ps);
}

Library::~Library() {
  for (auto& [h, s] : sessions) std::free(s->sched_key);
}

handle_t add_session(Library& lib, std::unique_ptr<SessBase> sess) {
  const handle_t h = reinterpret_cast<handle_t>(sess.get());
  lib.sessions[h] = std::move(sess);
  return h;
}

SessBase* find_session(Library& lib, handle_t h, SessKind kind) {
  auto it = lib.sessions.find(h);
  if (it == lib.sessions.end() || it->second->kind != kind) return nullptr;
  return it->second.get();
}

void free_session(Library& lib, handle_t h) {
  auto it = lib.sessions.find(h);
  if (it == lib.sessions.end()) return;
  std::free(it->second->sched_key);
  lib.sessions.erase(it);
}

}  // namespace uadk
}  // namespace wdsim::rt
