// Program kind `probe`: a thread that touches one address with a CPU load, to show what the
// process may reach. Targets: `parent_ring` / `parent_doorbell` (the first DUS ring or MMIO
// doorbell mapping of the process's parent, for a child made by an `events: fork`: uacce maps
// its regions VM_DONTCOPY | VM_WIPEONFORK, so the child has nothing there and the load is a
// SIGSEGV of the child alone), or `address` (any VA). A load that succeeds counts as an ok
// request, one that faults ends the process with SIGSEGV (the system's processes table shows
// the address); the run goes on either way.
#include <sstream>

#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/process.h"
#include "sim/system/program.h"

namespace wdsim {

namespace {

struct ProbeParams : ProgramParams {
  std::string target;
  uint64_t address;
  uint64_t bytes;

  void declare(ParamScope& s) override {
    s.add_choice("target", target, "address", {"address", "parent_ring", "parent_doorbell"},
                 "What to load from: `address`, or the parent's first uacce ring (DUS) or "
                 "doorbell (MMIO) mapping (for a forked child)",
                 "uacce_fops_mmap: VM_DONTCOPY | VM_WIPEONFORK");
    s.add("address", address, 0u, "", "target address: the virtual address to load from",
          "scenario choice");
    s.add("bytes", bytes, 8u, "B", "Bytes the load reads", "guess: one 64-bit load",
          Range::between(1, 4096));
  }
};

class Probe : public Program {
 public:
  Probe(const ProbeParams& p, const ProgramSetup&) : p_(p) {}

  void run(ProgramThread& t) override {
    uint64_t va = p_.address;
    if (p_.target != "address") {
      const Process* parent = t.process.parent;
      if (!parent) throw ProgramError("probe: " + p_.target + " needs a forked child");
      const VmaKind kind = p_.target == "parent_ring" ? VmaKind::kDeviceDus : VmaKind::kDeviceMmio;
      va = 0;
      for (const Vma& v : parent->device_mappings()) {
        if (v.kind == kind) {
          va = v.start;
          break;
        }
      }
      if (!va) throw ProgramError("probe: the parent has no " + p_.target + " mapping");
    }
    target_ = va;
    std::vector<uint8_t> buf(p_.bytes);
    t.os.load(va, buf.data(), buf.size());  // SIGSEGV if nothing is mapped there
    ++ok_;
  }

  uint64_t requests_ok() const override { return ok_; }
  uint64_t requests_failed() const override { return 0; }
  uint64_t target() const { return target_; }

 private:
  const ProbeParams& p_;
  uint64_t target_ = 0;
  uint64_t ok_ = 0;
};

void report(const std::vector<const Program*>& programs, RunReport& r) {
  SummaryTable table{"probe", {"loads_ok", "target"}, {}};
  for (const Program* p : programs) {
    const auto* probe = static_cast<const Probe*>(p);
    std::ostringstream va;
    va << "0x" << std::hex << probe->target();
    table.rows.push_back({std::to_string(probe->requests_ok()), va.str()});
  }
  r.tables.push_back(std::move(table));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    probe,
    program_kind<ProbeParams, Probe>(
        "probe",
        "one CPU load of an address (or of a forked child's inherited ring/doorbell VA): shows "
        "what the process may reach; a fault is a SIGSEGV of that process",
        "", 0, report));

}  // namespace wdsim
