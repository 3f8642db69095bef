// Program kind `hostile`: a process that opens uacce queues of its own (its own PASID, like any
// process) on one device and attacks, one named attack after another (`attacks`), recording per
// attack what it saw: the status the device wrote back into each forged descriptor, the errors
// of its runtime calls, whether the kernel disabled its queue (the DUS stop words), and what the
// rest of the system counted meanwhile (SMMU fault records, the SMMU driver's event records, the
// QM's error and device-error counters, queues the QM driver disabled; these counters are
// system-wide, so they are the hostile's own only while nothing else faults).
// Attacks (each on a fresh queue, closed at its end; a queue the kernel stopped is reopened):
//   foreign_va        descriptors reading from / writing to every mapping of every other live
//                     process, by that process's virtual address. The device translates them with
//                     the hostile's PASID, so each address is either unmapped in the hostile's
//                     space (a translation fault, the descriptor fails) or the hostile's own
//                     memory at the same address (every process's mmap area starts at the same
//                     base): either way not the other process's memory. The hostile learns the
//                     addresses from the kernel model (worst case: the attacker knows the layout).
//   unmapped_va       read and write an address no process maps (`unmapped_va`).
//   kernel_va         read and write a TTB1-half address (`kernel_va`): outside the CD's 48-bit
//                     input range.
//   own_ring          read its own SQ, write into a far slot of it and into its doorbell page:
//                     its own memory, so allowed (the device may only hurt the hostile itself).
//   random_sqe        `random_descriptors` descriptors of seeded random bytes.
//   random_addresses  `random_descriptors` well-formed descriptors with random 48-bit src/dst.
//   doorbell          crafted V2 doorbells through its MMIO mapping: queue numbers past the QM's
//                     (qn_out_of_range), indices past the ring (index_out_of_range), commands the
//                     SQ/CQ doorbell does not take (bad_cmd), and an SQ doorbell naming each queue
//                     of `target_qns` with index `stale_slots` (cross_queue). With doorbell
//                     isolation the page decides the queue, so cross_queue lands on the hostile's
//                     own queue (its stale, zeroed slots complete with errors on its own CQ);
//                     without it the write reaches the named queue, whose stale descriptors the
//                     device then processes (the hostile sees nothing on its own queue).
//   mailbox           a STOP_QP mailbox command for each queue of `target_qns`, written at MMIO
//                     offset 0x300: without doorbell isolation the uacce MMIO region is the QM
//                     BAR's first pages, mailbox included; with it, the queue's own doorbell page.
//   full_ring         send until the runtime refuses with -EBUSY (depth - 1 in flight), then drain.
//   cq_overflow       fill the ring without reaping, then ring one SQ doorbell past the runtime's
//                     limit by hand: the CQ overflows, the QM posts QM_CQ_OVERFLOW on the AEQ and
//                     the kernel disables the queue (stop words); later send/recv fail with -EIO.
//   fuzz              `fuzz_operations` random operations (random descriptors, descriptors naming
//                     other processes' addresses, random doorbells, random writes anywhere in its
//                     MMIO mapping), drawn by `fuzz_weights` (hostile_fuzz_attack.cc).
//   oracle_probe      a checker self-test, not a hardware path: one fabricated device write (an
//                     unbound PASID) into another process's frame, handed straight to the kernel's
//                     DMA ownership oracle, which must count it (the negative control of tests).
//   cpu_kernel_load   a CPU load from `kernel_va`: SIGSEGV, which kills the hostile process only
//                     (so it must be the last attack).
// Verdicts: refused (the system stopped it), contained (it only reached the hostile's own
// memory or queue), NOT refused (it reached something else, or the hostile cannot tell that it
// did not), info (no verdict: e.g. requests the ring accepted). requests_ok counts refused and
// contained outcomes, requests_failed NOT refused ones.
// Files: hostile_attacker.{h,cc} (parameters, queues, submission, counters),
// hostile_protocol_attacks.cc (doorbell, mailbox, full_ring, cq_overflow), hostile_fuzz_attack.cc
// (fuzz), hostile_descriptors.h
// (ZIP SQE / SEC BD), hostile_record.h + hostile_report.cc (outcomes, verdicts, the report).
// Does not: attack through the syscall path, SGL descriptors, or other processes' fds; forge a
// PASID (the QM takes it from the SQC the kernel wrote); observe other queues directly (the
// victim's own program does).
#include <cerrno>
#include <csignal>
#include <optional>

#include "sim/base/io_attrs.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/simulated_signal.h"
#include "sim/system/program.h"
#include "sim/system/workloads/hostile_attacker.h"
#include "sim/system/workloads/hostile_record.h"

namespace wdsim {

namespace {

using hostile::Attacker;
using hostile::AttackRecord;
using hostile::Effects;
using hostile::HostileParams;
using hostile::OwnQueue;
using hostile::Verdict;

class Hostile : public Program {
 public:
  Hostile(const HostileParams& p, ProgramSetup setup) : p_(p), setup_(std::move(setup)) {}

  void run(ProgramThread& t) override {
    Attacker a(t, p_);
    for (const std::string& attack : p_.attacks) {
      records_.push_back(AttackRecord{attack, {}, {}, {}});
      AttackRecord& rec = records_.back();
      const Effects before = a.effects();
      t.system.env().trace_event("hostile", "attack", {tf("name", attack)});
      try {
        dispatch(a, attack, rec);
      } catch (const SimulatedSignal&) {
        rec.effects = a.effects() - before;
        throw;  // the kernel kills the hostile process; the run goes on
      }
      rec.effects = a.effects() - before;
    }
  }

  uint64_t requests_ok() const override {
    return count(Verdict::kRefused) + count(Verdict::kContained);
  }
  uint64_t requests_failed() const override { return count(Verdict::kNotRefused); }
  const std::string& instance() const { return setup_.instance; }
  const std::vector<AttackRecord>& records() const { return records_; }

 private:
  uint64_t count(Verdict v) const {
    uint64_t n = 0;
    for (const AttackRecord& r : records_) n += r.count(v);
    return n;
  }

  void dispatch(Attacker& a, const std::string& name, AttackRecord& rec) {
    OwnQueue q;
    if (name == "foreign_va") foreign_va(a, rec, &q);
    if (name == "unmapped_va" || name == "kernel_va") {
      const uint64_t va = name == "unmapped_va" ? p_.unmapped_va : p_.kernel_va;
      address_attack(a, rec, &q, "read", va, /*write=*/false);
      address_attack(a, rec, &q, "write", va, /*write=*/true);
    }
    if (name == "own_ring") own_ring(a, rec, &q);
    if (name == "random_sqe") random_sqe(a, rec, &q);
    if (name == "random_addresses") random_addresses(a, rec, &q);
    if (name == "doorbell") hostile::doorbell_attack(a, rec, &q);
    if (name == "mailbox") hostile::mailbox_attack(a, rec, &q);
    if (name == "full_ring") hostile::full_ring_attack(a, rec, &q);
    if (name == "cq_overflow") hostile::cq_overflow_attack(a, rec, &q);
    if (name == "fuzz") {
      if (!a.open_queue(rec, &q)) return;  // the targets once the hostile's layout is final
      hostile::fuzz_attack(a, rec, &q, foreign_ranges(a.thread()));
    }
    if (name == "oracle_probe") oracle_probe(a, rec);
    if (name == "cpu_kernel_load") cpu_kernel_load(a, rec);
    a.close_queue(&q);
  }

  // A read (src = va) or write (dst = va) descriptor; records "<label>/<own kind>/<status>".
  // At an address the hostile does not map anything but success is refused (success would be
  // a breach); at its own memory success, or a broken own queue (the device wrote over its own
  // rings), is contained and a device error status refused.
  void address_attack(Attacker& a, AttackRecord& rec, OwnQueue* q, const std::string& label,
                      uint64_t va, bool write) {
    const std::string here = a.own_kind(va);
    const auto desc = write ? a.descriptor(a.src(), va) : a.descriptor(va, a.dst());
    bool ok = false;
    bool device_status = false;
    const std::string status = a.submit_one(rec, q, desc, &ok, &device_status);
    if (status.empty()) return;  // no queue (recorded)
    Verdict v = Verdict::kRefused;
    if (here == "unmapped_here") {
      v = ok ? Verdict::kNotRefused : Verdict::kRefused;
    } else if (ok || !device_status) {
      v = Verdict::kContained;
    }
    rec.add(label + "/" + here + "/" + status, v);
  }

  // Other live processes, in pid order.
  static std::vector<Process*> other_processes(ProgramThread& t) {
    std::vector<Process*> out;
    Kernel& k = t.system.kernel();
    for (const ProcessRecord& r : k.process_records()) {
      Process* p = k.find_process(r.pid);
      if (p && p != &t.os.process() && p->alive()) out.push_back(p);
    }
    return out;
  }

  // The first page of every mapping of every other live process and, for a longer mapping,
  // its last page: (address, what it is there).
  std::vector<std::pair<uint64_t, std::string>> foreign_targets(ProgramThread& t) const {
    std::vector<std::pair<uint64_t, std::string>> out;
    for (Process* p : other_processes(t)) {
      for (uint64_t start : p->mapping_starts()) {
        const Vma* v = p->find_vma(start);
        const std::string kind = v->kind == VmaKind::kAnonymous    ? "victim_anon"
                                 : v->kind == VmaKind::kDeviceDus  ? "victim_ring"
                                 : v->kind == VmaKind::kHostMirror ? "victim_host_mirror"
                                                                   : "victim_mmio";
        std::vector<uint64_t> pages = {v->start};
        if (v->length > v->page_size) pages.push_back(v->start + v->length - v->page_size);
        for (uint64_t at : pages) {
          if (out.size() >= p_.max_foreign_targets) return out;
          out.emplace_back(at, at == v->start ? kind : kind + "_end");
        }
      }
    }
    return out;
  }

  // Every mapping of every other live process.
  static std::vector<hostile::ForeignRange> foreign_ranges(ProgramThread& t) {
    std::vector<hostile::ForeignRange> out;
    for (Process* p : other_processes(t)) {
      for (uint64_t start : p->mapping_starts()) {
        const Vma* v = p->find_vma(start);
        out.push_back({v->start, v->length});
      }
    }
    return out;
  }

  void foreign_va(Attacker& a, AttackRecord& rec, OwnQueue* q) {
    // The targets are taken once the hostile's own queue exists (its layout is final).
    if (!a.open_queue(rec, q)) return;
    for (const auto& [va, kind] : foreign_targets(a.thread())) {
      address_attack(a, rec, q, "read/" + kind, va, /*write=*/false);
      address_attack(a, rec, q, "write/" + kind, va, /*write=*/true);
    }
  }

  void own_ring(Attacker& a, AttackRecord& rec, OwnQueue* q) {
    if (!a.open_queue(rec, q)) return;
    const uint64_t sq = q->ring->sq_base();
    const uint64_t far_slot =
        sq + static_cast<uint64_t>(q->ring->sq_depth() / 2) * q->ring->sqe_size();
    const uint64_t mmio = q->uacce->mmio_base();
    address_attack(a, rec, q, "read/own_sq", sq, /*write=*/false);
    address_attack(a, rec, q, "write/own_sq_far_slot", far_slot, /*write=*/true);
    address_attack(a, rec, q, "write/own_doorbell_page", mmio, /*write=*/true);
  }

  // A descriptor the device ran successfully is contained only if both its addresses are the
  // hostile's own.
  Verdict random_verdict(Attacker& a, bool ok, uint64_t src, uint64_t dst) const {
    if (!ok) return Verdict::kRefused;
    const bool mine = a.own_kind(src) != "unmapped_here" && a.own_kind(dst) != "unmapped_here";
    return mine ? Verdict::kContained : Verdict::kNotRefused;
  }

  void random_sqe(Attacker& a, AttackRecord& rec, OwnQueue* q) {
    for (uint64_t i = 0; i < p_.random_descriptors; ++i) {
      std::vector<uint8_t> desc(a.format().size());
      for (auto& b : desc) b = static_cast<uint8_t>(a.rng()());
      bool ok = false;
      const std::string st = a.submit_one(rec, q, desc, &ok);
      if (st.empty()) continue;
      rec.add(st, random_verdict(a, ok, a.format().src(desc.data()), a.format().dst(desc.data())));
    }
  }

  void random_addresses(Attacker& a, AttackRecord& rec, OwnQueue* q) {
    const uint64_t va_mask = (uint64_t{1} << PageTable::kVaBits) - 1;
    for (uint64_t i = 0; i < p_.random_descriptors; ++i) {
      const uint64_t s = a.rng()() & va_mask;
      const uint64_t d = a.rng()() & va_mask;
      bool ok = false;
      const std::string st = a.submit_one(rec, q, a.descriptor(s, d), &ok);
      if (st.empty()) continue;
      rec.add("src_" + a.own_kind(s) + "/dst_" + a.own_kind(d) + "/" + st,
              random_verdict(a, ok, s, d));
    }
  }

  // A checker self-test: one fabricated device write with a PASID nobody is bound to, into the
  // first anonymous frame of another process, handed straight to the DMA oracle.
  void oracle_probe(Attacker& a, AttackRecord& rec) {
    ProgramThread& t = a.thread();
    DmaOracle* oracle = t.system.kernel().dma_oracle();
    if (!oracle) {
      rec.add("no_oracle", Verdict::kInfo);
      return;
    }
    std::optional<uint64_t> pa;
    for (Process* p : other_processes(t)) {
      for (uint64_t va : p->mapping_starts()) {
        if (p->find_vma(va)->kind == VmaKind::kAnonymous && (pa = p->translate(va))) break;
      }
      if (pa) break;
    }
    if (!pa) {
      rec.add("no_foreign_frame", Verdict::kInfo);
      return;
    }
    IoAttrs attrs;
    attrs.pasid_valid = true;
    attrs.pasid = static_cast<uint32_t>(p_.probe_pasid);
    attrs.write = true;
    const uint64_t before = oracle->violations();
    oracle->device_access(attrs, *pa, sizeof(uint64_t), /*write=*/true, sc_core::sc_time_stamp());
    const bool counted = oracle->violations() > before;
    rec.add(counted ? "oracle_counted_violation" : "oracle_missed_it",
            counted ? Verdict::kRefused : Verdict::kNotRefused);
  }

  void cpu_kernel_load(Attacker& a, AttackRecord& rec) {
    uint64_t word = 0;
    try {
      a.thread().os.load(p_.kernel_va, &word, sizeof word);
    } catch (const SimulatedSignal& s) {
      rec.add(s.signo == SIGSEGV ? "sigsegv" : "signal_" + std::to_string(s.signo),
              Verdict::kRefused);
      throw;
    }
    rec.add("load_succeeded", Verdict::kNotRefused);
  }

  const HostileParams& p_;
  ProgramSetup setup_;
  std::vector<AttackRecord> records_;
};

void report(const std::vector<const Program*>& programs, RunReport& r) {
  std::vector<hostile::ProgramSummary> runs;
  for (const Program* prog : programs) {
    const auto* h = static_cast<const Hostile*>(prog);
    runs.push_back({h->instance(), &h->records(), h->requests_ok(), h->requests_failed()});
  }
  hostile::write_report(runs, r);
}

}  // namespace

WDSIM_REGISTER_PROGRAM(
    hostile,
    program_kind<HostileParams, Hostile>(
        "hostile",
        "an attacker with its own uacce queues: descriptors naming other processes', unmapped and "
        "kernel addresses, random descriptors, crafted doorbells and mailbox writes, a full ring, "
        "a "
        "CQ overflow; records what it saw per attack and whether the system refused it",
        "", 1, report));

}  // namespace wdsim
