#include "sim/system/program.h"

#include <map>

#include "runtime/os_interface.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"

namespace wdsim {

namespace {
std::map<std::string, ProgramKind>& registry() {
  static std::map<std::string, ProgramKind> kinds;
  return kinds;
}
}  // namespace

bool OutputCheck::verify(const std::vector<DeviceView>& devices, const std::string& device,
                         const std::string& kind, uint64_t request_index) {
  for (const DeviceView& d : devices) {
    const bool made_it = device.empty() ? d.kind == kind : d.name == device;
    if (made_it && d.timing_only) {
      ++skipped_timing_only_;
      return false;
    }
  }
  const bool yes = mode_ == Mode::kAll || (mode_ == Mode::kSample && request_index % every_ == 0);
  ++(yes ? verified_ : skipped_by_policy_);
  return yes;
}

namespace {
void csv_field(std::ostream& out, std::string_view v) {
  if (v.find_first_of(",\"\n") == std::string_view::npos) {
    out << v;
    return;
  }
  out << '"';
  for (char c : v) out << (c == '"' ? "\"\"" : std::string_view(&c, 1));
  out << '"';
}
}  // namespace

RequestLog::RequestLog(std::ostream& out) : out_(out) { out_ << kHeader << "\n"; }

void RequestLog::write(const RequestRow& r) {
  csv_field(out_, r.process);
  out_ << ',';
  csv_field(out_, r.thread);
  out_ << ',';
  csv_field(out_, r.program);
  out_ << ',';
  csv_field(out_, r.point);
  out_ << ',' << r.size << ',' << r.index << ',' << r.submit_ps << ',' << r.latency_ps << ',';
  if (r.cpu_ps) out_ << *r.cpu_ps;
  out_ << ',';
  if (r.output_bytes) out_ << *r.output_bytes;
  out_ << ',';
  csv_field(out_, r.stages);
  out_ << '\n';
  ++rows_;
}

bool register_program_kind(ProgramKind kind) {
  const std::string name = kind.name;
  registry()[name] = std::move(kind);
  return true;
}

const ProgramKind* find_program_kind(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<const ProgramKind*> program_kinds() {
  std::vector<const ProgramKind*> out;
  for (const auto& [name, k] : registry()) out.push_back(&k);
  return out;
}

uint64_t ProgramThread::map_buffer(uint64_t len, bool populate) const {
  int err = 0;
  uint64_t va = 0;
  if (process.huge_page == 0) {
    va = populate ? os.mmap(-1, len, rt::kProtRead | rt::kProtWrite, 0, &err)
                  : os.mmap_anonymous(len, false, &err);
  } else {
    // MAP_HUGETLB of the process's huge page size.
    const HostCostParams& c = system.host_costs();
    os.cpu().busy(ns(c.syscall_entry_ns));
    va = system.kernel().sys_mmap_anonymous(os.process(), os.cpu(), len, populate, &err,
                                            process.huge_page);
    os.cpu().busy(ns(c.syscall_exit_ns));
  }
  if (err || !va)
    throw ProgramError(name + ": mmap of " + std::to_string(len) +
                       " B failed: " + std::to_string(err));
  return va;
}

}  // namespace wdsim
