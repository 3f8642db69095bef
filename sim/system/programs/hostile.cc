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
//   oracle_probe      a checker self-test, not a hardware path: one fabricated device write (an
//                     unbound PASID) into another process's frame, handed straight to the kernel's
//                     DMA ownership oracle, which must count it (the negative control of tests).
//   cpu_kernel_load   a CPU load from `kernel_va`: SIGSEGV, which kills the hostile process only
//                     (so it must be the last attack).
// Verdicts: refused (the system stopped it), contained (it only reached the hostile's own
// memory or queue), NOT refused (it reached something else, or the hostile cannot tell that it
// did not), info (no verdict: e.g. requests the ring accepted). requests_ok counts refused and
// contained outcomes, requests_failed NOT refused ones.
// Does not: attack through the syscall path, SGL descriptors, or other processes' fds; forge a
// PASID (the QM takes it from the SQC the kernel wrote); observe other queues directly (the
// victim's own program does).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "runtime/hisi_qm_udrv.h"
#include "runtime/uacce_queue.h"
#include "sim/accel/qm/qm_formats.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/host_thread.h"
#include "sim/cpu_host/kernel.h"
#include "sim/cpu_host/simulated_signal.h"
#include "sim/system/accelerator_kind.h"
#include "sim/system/program.h"
#include "sim/system/programs/hostile_descriptors.h"
#include "sim/system/workload_data.h"

namespace wdsim {

namespace {

using hostile::DescriptorFormat;

const std::vector<std::string> kAttacks = {
    "foreign_va", "unmapped_va", "kernel_va",   "own_ring",     "random_sqe",     "random_addresses",
    "doorbell",   "mailbox",     "full_ring",   "cq_overflow",  "oracle_probe",   "cpu_kernel_load"};

// The SMMU model's component name in the system (sim/system/system.cc) and the stats prefixes
// the hostile watches.
constexpr const char* kSmmuFaults = "smmu.faults.";
constexpr const char* kSmmuDrvEvents = "host.smmu_drv.events.";
constexpr const char* kQmDrvDisabled = "host.qm_drv.disabled_qps";
constexpr const char* kQmDrvAeqes = "host.qm_drv.aeqes";
constexpr const char* kOpenRefusedIsolated = "host.uacce.open_refused_isolated";
constexpr uint32_t kDusStopped = qm::kDusStopValue;

struct HostileParams : ProgramParams {
  std::string device;
  std::string device_kind;
  std::vector<std::string> attacks;
  std::string seed_stream;
  uint64_t request_bytes;
  uint64_t unmapped_va;
  uint64_t kernel_va;
  uint64_t random_descriptors;
  uint64_t max_foreign_targets;
  std::vector<uint64_t> target_qns;
  uint64_t stale_slots;
  double completion_timeout_us;
  double settle_us;
  uint64_t probe_pasid;

  void declare(ParamScope& s) override {
    s.add("device", device, "", "",
          "The uacce device to attack through (e.g. hisi_zip-0); empty = the first device of "
          "device_kind",
          "");
    s.add_choice("device_kind", device_kind, "zip", {"zip", "sec"},
                 "Kind of the device when `device` is empty; decides the descriptor format (ZIP "
                 "SQE or SEC BD)",
                 "");
    s.add_list("attacks", attacks,
               {"foreign_va", "unmapped_va", "kernel_va", "own_ring", "random_sqe",
                "random_addresses", "doorbell", "mailbox", "full_ring", "cq_overflow"},
               kAttacks, "Attacks to run, in order (see the program's header comment)", "");
    s.add("seed_stream", seed_stream, "attacks", "",
          "Name of the random stream (SimEnv::rng(\"hostile/<seed_stream>/<thread>\")) for "
          "random descriptors and addresses",
          "");
    s.add("request_bytes", request_bytes, 4096u, "B", "Source bytes of each forged descriptor",
          "guess: one page", Range::between(16, 1u << 20));
    s.add("unmapped_va", unmapped_va, 0x7f0000000000ull, "",
          "An address no process maps (high in the 48-bit user half, far above the mmap area)",
          "guess; Process::kMmapBase is 0x1000000000");
    s.add("kernel_va", kernel_va, 0xffff000010000000ull, "",
          "A kernel (TTB1-half) address: the arm64 linear map with 48-bit VAs starts at "
          "0xffff000000000000",
          "Linux arm64 PAGE_OFFSET with VA_BITS=48");
    s.add("random_descriptors", random_descriptors, 16u, "descriptors",
          "Descriptors of random_sqe and of random_addresses each", "guess",
          Range::between(0, 100000));
    s.add("max_foreign_targets", max_foreign_targets, 16u, "mappings",
          "At most this many other processes' mappings are attacked by foreign_va (each read "
          "and written once)",
          "guess", Range::between(0, 4096));
    s.add_list("target_qns", target_qns, {}, "",
               "Queue numbers the cross-queue doorbells and the mailbox commands name; empty = "
               "every queue of the QM's 1024 but the hostile's own",
               "QM_QNUM_V2", Range::between(0, qm::kDbQnMaskV2));
    s.add("stale_slots", stale_slots, 8u, "slots",
          "Index the cross-queue SQ doorbells carry: the device processes the named queue's "
          "slots from its tail up to this one (stale descriptors)",
          "guess", Range::between(1, qm::kSqDepthDefault - 1));
    s.add("completion_timeout_us", completion_timeout_us, 2000.0, "us",
          "How long the hostile waits for one descriptor's completion before counting a "
          "timeout",
          "guess: far above a 4 KiB request with a stalled fault", Range::min(1));
    s.add("settle_us", settle_us, 200.0, "us",
          "How long a doorbell or mailbox step waits for effects (completions, the kernel's "
          "AEQ handling) it may have caused",
          "guess: far above a request and an interrupt", Range::min(1));
    s.add("probe_pasid", probe_pasid, 0xfffffu, "",
          "oracle_probe: the PASID of the fabricated access (never bound: the SMMU driver "
          "allocates from 1 within 2^ssid_bits)",
          "SMMUv3 SSID is 20 bits", Range::between(1, 0xfffff));
  }
};

enum class Verdict { kRefused, kContained, kNotRefused, kInfo };

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kRefused: return "refused";
    case Verdict::kContained: return "contained";
    case Verdict::kNotRefused: return "NOT refused";
    case Verdict::kInfo: return "info";
  }
  return "?";
}

std::string errno_name(int err) {
  switch (-err) {
    case EBUSY: return "ebusy";
    case EIO: return "eio";
    case ETIMEDOUT: return "etimedout";
    case EPERM: return "eperm";
    case EAGAIN: return "eagain";
    case ENODEV: return "enodev";
    case EINVAL: return "einval";
    case ENXIO: return "enxio";
    case ESRCH: return "esrch";
    default: return "errno_" + std::to_string(-err);
  }
}

// System-wide counters the hostile watches around each attack.
struct Effects {
  uint64_t smmu_faults = 0;
  uint64_t smmu_events = 0;
  uint64_t qm_errors = 0;
  uint64_t device_errors = 0;
  uint64_t aeqes = 0;
  uint64_t queues_disabled = 0;
  uint64_t opens_refused = 0;
  uint64_t oracle_violations = 0;
};

struct AttackRecord {
  std::string attack;
  std::vector<std::string> order;  // outcomes in first-seen order
  std::map<std::string, std::pair<uint64_t, Verdict>> outcomes;
  Effects effects;
  void add(const std::string& outcome, Verdict v, uint64_t n = 1) {
    auto [it, fresh] = outcomes.emplace(outcome, std::make_pair(uint64_t{0}, v));
    if (fresh) order.push_back(outcome);
    it->second.first += n;
  }
};

struct OwnQueue {
  std::unique_ptr<rt::UacceQueue> uacce;
  std::unique_ptr<rt::HisiQmQueue> ring;
  bool open() const { return ring != nullptr; }
};

class Hostile : public Program {
 public:
  Hostile(const HostileParams& p, ProgramSetup setup) : p_(p), setup_(std::move(setup)) {}

  void run(ProgramThread& t) override {
    setup(t);
    for (const std::string& attack : p_.attacks) {
      records_.push_back(AttackRecord{attack, {}, {}, {}});
      AttackRecord& rec = records_.back();
      const Effects before = effects(t);
      t.system.env().trace_event("hostile", "attack", {tf("name", attack)});
      try {
        dispatch(t, attack, rec);
      } catch (const SimulatedSignal&) {
        rec.effects = delta(before, effects(t));
        throw;  // the kernel kills the hostile process; the run goes on
      }
      rec.effects = delta(before, effects(t));
    }
  }

  uint64_t requests_ok() const override { return count(Verdict::kRefused) + count(Verdict::kContained); }
  uint64_t requests_failed() const override { return count(Verdict::kNotRefused); }
  const std::string& instance() const { return setup_.instance; }
  const std::string& device() const { return device_; }
  const std::vector<AttackRecord>& records() const { return records_; }

 private:
  uint64_t count(Verdict v) const {
    uint64_t n = 0;
    for (const AttackRecord& r : records_) {
      for (const auto& [name, c] : r.outcomes) n += c.second == v ? c.first : 0;
    }
    return n;
  }

  // ---- setup, queues, stats -------------------------------------------------------------

  void setup(ProgramThread& t) {
    for (const DeviceView& d : t.system.devices()) {
      if (p_.device.empty() ? d.kind == p_.device_kind : d.name == p_.device) {
        device_ = d.name;
        kind_ = d.kind;
        break;
      }
    }
    if (device_.empty()) throw ProgramError("hostile: no device " +
                         (p_.device.empty() ? "of kind " + p_.device_kind : p_.device));
    // The QM's stats component: the kind's name, numbered within the kind (topology.cc).
    uint32_t n = 0;
    for (const DeviceView& d : t.system.devices()) {
      if (d.name == device_) break;
      n += d.kind == kind_ ? 1 : 0;
    }
    const std::string qm = find_accelerator_kind(kind_)->qm_component();
    qm_stats_ = (n == 0 ? qm : qm + std::to_string(n)) + ".";
    format_ = hostile::format_for(kind_);
    if (!format_) throw ProgramError("hostile: no descriptor format for kind " + kind_);
    rng_ = t.system.env().rng("hostile/" + p_.seed_stream + "/" + t.name);
    len_ = static_cast<uint32_t>(p_.request_bytes);
    src_ = t.map_buffer(len_, true);
    dst_ = t.map_buffer(format_->dst_capacity(len_), true);
    WorkloadData data("text", t.system.env().rng("hostile/data/" + t.name));
    const std::vector<uint8_t> bytes = data.next(len_);
    t.os.store(src_, bytes.data(), bytes.size());
    if (format_->key_bytes() > 0) {
      key_ = t.map_buffer(format_->key_bytes(), true);
      std::vector<uint8_t> key(format_->key_bytes());
      for (auto& b : key) b = static_cast<uint8_t>(rng_());
      t.os.store(key_, key.data(), key.size());
    }
  }

  // Opens a fresh queue; on failure records "open.<errno>" (refused when the device is
  // isolated: the kernel refuses new queues to everyone).
  bool open_queue(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    std::vector<rt::UacceDeviceInfo> devs;
    rt::UacceQueue::list_devices(t.os, &devs);
    auto dev = std::find_if(devs.begin(), devs.end(),
                            [&](const rt::UacceDeviceInfo& d) { return d.name == device_; });
    if (dev == devs.end()) throw ProgramError("hostile: " + device_ + " not in sysfs");
    q->uacce = std::make_unique<rt::UacceQueue>(t.os, t.os.process().granule_size());
    rt::UacceQueueRequest req;
    req.algorithm = format_->algorithm();
    req.qc_type = 0;
    int r = q->uacce->open_device(*dev, req);
    if (r < 0) {
      rec.add("open/" + errno_name(r), r == -EPERM ? Verdict::kRefused : Verdict::kInfo);
      q->uacce.reset();
      return false;
    }
    q->ring = std::make_unique<rt::HisiQmQueue>(t.os, t.system.runtime_costs());
    r = q->ring->attach(*q->uacce, rt::HisiQmQueueConfig{});
    if (r < 0) throw ProgramError("hostile: attach failed: " + q->ring->last_error());
    return true;
  }

  void close_queue(OwnQueue* q) {
    q->ring.reset();
    if (q->uacce) q->uacce->close();
    q->uacce.reset();
  }

  bool stopped(ProgramThread& t, const OwnQueue& q) {
    uint32_t tx = 0;
    t.os.load(q.ring->tx_status_va(), &tx, sizeof tx);
    return tx == kDusStopped;
  }

  uint64_t counter(ProgramThread& t, const std::string& key) const {
    const Counter* c = t.system.env().stats().find_counter(key);
    return c ? c->value() : 0;
  }
  uint64_t counters_under(ProgramThread& t, const std::string& prefix) const {
    uint64_t n = 0;
    const StatsRegistry& stats = t.system.env().stats();
    for (const std::string& key : stats.keys()) {
      if (key.rfind(prefix, 0) != 0) continue;
      if (const Counter* c = stats.find_counter(key)) n += c->value();
    }
    return n;
  }
  Effects effects(ProgramThread& t) const {
    Effects e;
    e.smmu_faults = counters_under(t, kSmmuFaults);
    e.smmu_events = counters_under(t, kSmmuDrvEvents);
    e.qm_errors = counter(t, qm_stats_ + "errors");
    e.device_errors = counter(t, qm_stats_ + "device_errors");
    e.aeqes = counter(t, kQmDrvAeqes);
    e.queues_disabled = counter(t, kQmDrvDisabled);
    e.opens_refused = counter(t, kOpenRefusedIsolated);
    const DmaOracle* oracle = t.system.kernel().dma_oracle();
    e.oracle_violations = oracle ? oracle->violations() : 0;
    return e;
  }
  static Effects delta(const Effects& a, const Effects& b) {
    return {b.smmu_faults - a.smmu_faults,         b.smmu_events - a.smmu_events,
            b.qm_errors - a.qm_errors,             b.device_errors - a.device_errors,
            b.aeqes - a.aeqes,                     b.queues_disabled - a.queues_disabled,
            b.opens_refused - a.opens_refused,     b.oracle_violations - a.oracle_violations};
  }

  // What the hostile's own address space has at va.
  static std::string own_kind(ProgramThread& t, uint64_t va) {
    const Vma* v = t.os.process().find_vma(va);
    if (!v) return "unmapped_here";
    switch (v->kind) {
      case VmaKind::kAnonymous: return "own_anon";
      case VmaKind::kDeviceMmio: return "own_mmio";
      case VmaKind::kDeviceDus: return "own_ring";
    }
    return "own_other";
  }

  sc_core::sc_time us(double v) const { return ns(v * 1e3); }
  rt::Picoseconds us_ps(double v) const { return to_ps(us(v)); }

  // ---- one descriptor at a time ---------------------------------------------------------

  // Sends `desc` on q (opening q first when needed) and waits for its completion. Returns the
  // outcome token: the device's status, or the runtime call that failed; a queue the kernel
  // stopped gets "/queue_disabled" and is closed (the next descriptor opens a fresh one).
  // *ok_resp says whether the device reported success.
  std::string submit_one(ProgramThread& t, AttackRecord& rec, OwnQueue* q,
                         const std::vector<uint8_t>& desc, bool* ok_resp,
                         std::vector<uint8_t>* resp_out = nullptr) {
    *ok_resp = false;
    if (!q->open() && !open_queue(t, rec, q)) return "";
    uint16_t n = 0;
    std::string outcome;
    int r = q->ring->send(t.os, desc.data(), 1, &n);
    if (r < 0) {
      outcome = "send_" + errno_name(r);
    } else {
      std::vector<uint8_t> resp(format_->size());
      r = q->ring->wait_and_recv(t.os, resp.data(), 1, &n, us_ps(p_.completion_timeout_us));
      if (r < 0) {
        outcome = "recv_" + errno_name(r);
      } else {
        outcome = format_->status(resp.data());
        *ok_resp = format_->ok(resp.data());
        if (resp_out) *resp_out = std::move(resp);
      }
    }
    if (stopped(t, *q)) {
      outcome += "/queue_disabled";
      close_queue(q);
    }
    return outcome;
  }

  // A read (src = va) or write (dst = va) descriptor of len bytes; records
  // "<label>/<own kind>/<status>": contained when the device succeeded on the hostile's own
  // memory, NOT refused when it succeeded on an address the hostile does not map.
  void address_attack(ProgramThread& t, AttackRecord& rec, OwnQueue* q, const std::string& label,
                      uint64_t va, bool write, uint32_t len) {
    const std::string here = own_kind(t, va);
    const auto desc = write ? format_->build(src_, va, len, key_, next_tag_++)
                            : format_->build(va, dst_, len, key_, next_tag_++);
    bool ok = false;
    const std::string status = submit_one(t, rec, q, desc, &ok);
    if (status.empty()) return;  // the open was refused (recorded)
    const Verdict v = !ok ? Verdict::kRefused
                          : here == "unmapped_here" ? Verdict::kNotRefused : Verdict::kContained;
    rec.add(label + "/" + here + "/" + status, v);
  }

  // ---- attacks ----------------------------------------------------------------------------

  void dispatch(ProgramThread& t, const std::string& a, AttackRecord& rec) {
    OwnQueue q;
    if (a == "foreign_va") foreign_va(t, rec, &q);
    if (a == "unmapped_va" || a == "kernel_va") {
      const uint64_t va = a == "unmapped_va" ? p_.unmapped_va : p_.kernel_va;
      address_attack(t, rec, &q, "read", va, false, len_);
      address_attack(t, rec, &q, "write", va, true, len_);
    }
    if (a == "own_ring") own_ring(t, rec, &q);
    if (a == "random_sqe") random_sqe(t, rec, &q);
    if (a == "random_addresses") {
      const uint64_t va_mask = (uint64_t{1} << PageTable::kVaBits) - 1;
      for (uint64_t i = 0; i < p_.random_descriptors; ++i) {
        const uint64_t s = rng_() & va_mask;
        const uint64_t d = rng_() & va_mask;
        bool ok = false;
        const std::string st =
            submit_one(t, rec, &q, format_->build(s, d, len_, key_, next_tag_++), &ok);
        if (st.empty()) continue;
        const bool mine = own_kind(t, s) != "unmapped_here" && own_kind(t, d) != "unmapped_here";
        rec.add("src_" + own_kind(t, s) + "/dst_" + own_kind(t, d) + "/" + st,
                !ok ? Verdict::kRefused : mine ? Verdict::kContained : Verdict::kNotRefused);
      }
    }
    if (a == "doorbell") doorbell(t, rec, &q);
    if (a == "mailbox") mailbox(t, rec, &q);
    if (a == "full_ring") full_ring(t, rec, &q);
    if (a == "cq_overflow") cq_overflow(t, rec, &q);
    if (a == "oracle_probe") oracle_probe(t, rec);
    if (a == "cpu_kernel_load") {
      uint64_t word = 0;
      try {
        t.os.load(p_.kernel_va, &word, sizeof word);
      } catch (const SimulatedSignal& s) {
        rec.add(s.signo == SIGSEGV ? "sigsegv" : "signal_" + std::to_string(s.signo),
                Verdict::kRefused);
        throw;
      }
      rec.add("load_succeeded", Verdict::kNotRefused);
    }
    close_queue(&q);
  }

  // Every mapping of every other live process, by pid then address.
  std::vector<std::pair<uint64_t, std::string>> foreign_targets(ProgramThread& t) {
    std::vector<std::pair<uint64_t, std::string>> out;
    Kernel& k = t.system.kernel();
    for (const ProcessRecord& r : k.process_records()) {
      Process* p = k.find_process(r.pid);
      if (!p || p == &t.os.process() || !p->alive()) continue;
      for (uint64_t va : p->mapping_starts()) {
        if (out.size() >= p_.max_foreign_targets) return out;
        const Vma* v = p->find_vma(va);
        const char* kind = v->kind == VmaKind::kAnonymous   ? "victim_anon"
                           : v->kind == VmaKind::kDeviceDus ? "victim_ring"
                                                            : "victim_mmio";
        out.emplace_back(va, kind);
      }
    }
    return out;
  }

  void foreign_va(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    // The targets are taken once the hostile's own queue exists, as a real attacker's would be.
    if (!open_queue(t, rec, q)) return;
    for (const auto& [va, kind] : foreign_targets(t)) {
      address_attack(t, rec, q, std::string("read/") + kind, va, false, len_);
      address_attack(t, rec, q, std::string("write/") + kind, va, true, len_);
    }
  }

  void own_ring(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    if (!open_queue(t, rec, q)) return;
    const uint64_t sq = q->ring->sq_base();
    const uint64_t far_slot = sq + uint64_t{q->ring->sq_depth() / 2} * q->ring->sqe_size();
    const uint64_t mmio = q->uacce->mmio_base();
    address_attack(t, rec, q, "read/own_sq", sq, false, len_);
    address_attack(t, rec, q, "write/own_sq_far_slot", far_slot, true, len_);
    address_attack(t, rec, q, "write/own_doorbell_page", mmio, true, len_);
  }

  void random_sqe(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    for (uint64_t i = 0; i < p_.random_descriptors; ++i) {
      std::vector<uint8_t> desc(format_->size());
      for (auto& b : desc) b = static_cast<uint8_t>(rng_());
      bool ok = false;
      const std::string st = submit_one(t, rec, q, desc, &ok);
      if (st.empty()) continue;
      Verdict v = Verdict::kRefused;
      if (ok) {
        const bool mine = own_kind(t, format_->src(desc.data())) != "unmapped_here" &&
                          own_kind(t, format_->dst(desc.data())) != "unmapped_here";
        v = mine ? Verdict::kContained : Verdict::kNotRefused;
      }
      rec.add(st, v);
    }
  }

  // Own completions that arrive within settle_us, counted by status into rec.
  uint64_t settle(ProgramThread& t, AttackRecord& rec, OwnQueue* q, const std::string& label) {
    uint64_t got = 0;
    std::vector<uint8_t> resp(format_->size());
    while (q->open()) {
      uint16_t n = 0;
      const int r = q->ring->wait_and_recv(t.os, resp.data(), 1, &n, us_ps(p_.settle_us));
      if (r < 0) break;
      ++got;
      rec.add(label + "/own_completion/" + format_->status(resp.data()), Verdict::kInfo);
    }
    return got;
  }

  std::vector<uint16_t> targets(const OwnQueue& q) const {
    std::vector<uint16_t> qns;
    if (p_.target_qns.empty()) {
      for (uint32_t qn = 0; qn < qm::kQnumV2; ++qn) qns.push_back(static_cast<uint16_t>(qn));
    } else {
      for (uint64_t qn : p_.target_qns) qns.push_back(static_cast<uint16_t>(qn));
    }
    qns.erase(std::remove(qns.begin(), qns.end(), q.ring->qp_id()), qns.end());
    return qns;
  }

  void ring_raw(ProgramThread& t, const OwnQueue& q, uint16_t qn, uint8_t cmd, uint16_t index) {
    qm::Doorbell db;
    db.qn = qn;
    db.cmd = cmd;
    db.index = index;
    t.os.mmio_write64(q.uacce->mmio_base() + qm::kDoorbellSqCqOffsetV2,
                      qm::encode_doorbell_v2(db));
  }

  // One doorbell step: the writes, then what the hostile can see of them. A step that names
  // other queues (cross_queue) is judged by its own queue only: its stale slots completing there
  // prove the page decided the queue; nothing there means the writes went where they said.
  void doorbell_step(ProgramThread& t, AttackRecord& rec, OwnQueue* q, const std::string& step,
                     const std::vector<qm::Doorbell>& writes, bool names_other_queues = false) {
    const uint64_t errors0 = counter(t, qm_stats_ + "errors");
    for (const qm::Doorbell& db : writes) ring_raw(t, *q, db.qn, db.cmd, db.index);
    const uint64_t own = settle(t, rec, q, step);
    const uint64_t errors = counter(t, qm_stats_ + "errors") - errors0;
    if (errors > 0) rec.add(step + "/qm_errors_counted", Verdict::kInfo, errors);
    if (names_other_queues) {
      rec.add(step + (own > 0 ? "/landed_on_own_queue" : "/nothing_on_own_queue"),
              own > 0 ? Verdict::kContained : Verdict::kNotRefused);
    } else {
      rec.add(step + (errors > 0 ? "/qm_rejected" : own > 0 ? "/own_queue_ran" : "/no_effect"),
              errors > 0 || own == 0 ? Verdict::kRefused : Verdict::kContained);
    }
  }

  void doorbell(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    if (!open_queue(t, rec, q)) return;
    const uint16_t own = q->ring->qp_id();
    const uint16_t tail = q->ring->sq_tail();  // the hardware's tail too: nothing sent yet
    doorbell_step(t, rec, q, "qn_out_of_range",
                  {{static_cast<uint16_t>(qm::kQnumV2), qm::kDbCmdSq, tail, 0, 0},
                   {static_cast<uint16_t>(qm::kDbQnMaskV2), qm::kDbCmdSq, tail, 0, 0}});
    doorbell_step(t, rec, q, "index_out_of_range",
                  {{own, qm::kDbCmdSq, q->ring->sq_depth(), 0, 0},
                   {own, qm::kDbCmdSq, UINT16_MAX, 0, 0},
                   {own, qm::kDbCmdCq, q->ring->cq_depth(), 0, 0}});
    std::vector<qm::Doorbell> bad;
    for (uint8_t cmd = qm::kDbCmdAeq + 1; cmd <= qm::kDbCmdMaskV2; ++cmd) {
      bad.push_back({own, cmd, tail, 0, 0});
    }
    doorbell_step(t, rec, q, "bad_cmd", bad);
    std::vector<qm::Doorbell> cross;
    for (uint16_t qn : targets(*q)) {
      cross.push_back({qn, qm::kDbCmdSq, static_cast<uint16_t>(p_.stale_slots), 0, 0});
    }
    doorbell_step(t, rec, q, "cross_queue", cross, /*names_other_queues=*/true);
  }

  void mailbox(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    if (!open_queue(t, rec, q)) return;
    const uint64_t mb_va = q->uacce->mmio_base() + qm::kMailboxOffset;
    for (uint16_t qn : targets(*q)) {
      const qm::Mailbox mb = qm::make_mailbox(qm::kMbCmdStopQp, 0, qn, /*op_read=*/false);
      uint64_t half[2];
      static_assert(sizeof half == sizeof mb);
      std::memcpy(half, &mb, sizeof mb);
      t.os.mmio_write64(mb_va, half[0]);
      t.os.mmio_write64(mb_va + sizeof half[0], half[1]);
      uint32_t w0 = t.os.mmio_read32(mb_va);
      if ((w0 & qm::kMbCmdMask) != qm::kMbCmdStopQp) {
        rec.add("stop_qp/mailbox_unreachable", Verdict::kRefused);
        continue;
      }
      rec.add("stop_qp/mailbox_reachable", Verdict::kNotRefused);
      // Wait for the command to finish before the next one (the device refuses a busy mailbox).
      const rt::Picoseconds deadline = t.os.now() + us_ps(p_.settle_us);
      while (qm::mailbox_busy(static_cast<uint16_t>(w0)) && t.os.now() < deadline) {
        t.os.compute(to_ps(ns(t.system.runtime_costs().poll_interval_ns)));
        w0 = t.os.mmio_read32(mb_va);
      }
    }
    settle(t, rec, q, "stop_qp");
  }

  // Sends valid descriptors one by one without reaping until send refuses; the count accepted.
  uint64_t fill(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    uint64_t accepted = 0;
    for (uint32_t i = 0; i < q->ring->sq_depth(); ++i) {
      uint16_t n = 0;
      const int r =
          q->ring->send(t.os, format_->build(src_, dst_, len_, key_, next_tag_++).data(), 1, &n);
      if (r < 0) {
        rec.add("send_" + errno_name(r) + "_after_" + std::to_string(accepted),
                r == -EBUSY ? Verdict::kRefused : Verdict::kInfo);
        return accepted;
      }
      ++accepted;
    }
    rec.add("never_refused_after_" + std::to_string(accepted), Verdict::kNotRefused);
    return accepted;
  }

  void full_ring(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    if (!open_queue(t, rec, q)) return;
    const uint64_t accepted = fill(t, rec, q);
    rec.add("accepted", Verdict::kInfo, accepted);
    std::vector<uint8_t> resp(format_->size());
    for (uint64_t i = 0; i < accepted; ++i) {
      uint16_t n = 0;
      const int r =
          q->ring->wait_and_recv(t.os, resp.data(), 1, &n, us_ps(p_.completion_timeout_us));
      if (r < 0) {
        rec.add("drain_" + errno_name(r), Verdict::kInfo);
        return;
      }
      rec.add("drained/" + format_->status(resp.data()), Verdict::kInfo);
    }
  }

  void cq_overflow(ProgramThread& t, AttackRecord& rec, OwnQueue* q) {
    if (!open_queue(t, rec, q)) return;
    const uint64_t accepted = fill(t, rec, q);
    if (accepted == 0) return;
    // Wait until the device wrote the last of those CQEs (the first lap's phase is 1).
    const uint64_t last_cqe = q->ring->cq_base() + (accepted - 1) * qm::kCqeSize;
    auto phase_set = [](const uint8_t* b) {
      qm::Cqe c;
      std::memcpy(&c, b, sizeof c);
      return qm::cqe_phase(c);
    };
    if (!t.os.poll_memory(last_cqe, sizeof(qm::Cqe), phase_set,
                          to_ps(ns(t.system.runtime_costs().poll_interval_ns)),
                          us_ps(p_.completion_timeout_us) * accepted)) {
      rec.add("ring_never_completed", Verdict::kInfo);
      return;
    }
    // One more SQ doorbell, past what the runtime allows: the device fetches a stale slot and
    // has no CQ entry left for it.
    const uint16_t index = static_cast<uint16_t>((q->ring->sq_tail() + 1) % q->ring->sq_depth());
    ring_raw(t, *q, q->ring->qp_id(), qm::kDbCmdSq, index);
    auto is_stopped = [](const uint8_t* b) {
      uint32_t w;
      std::memcpy(&w, b, sizeof w);
      return w == kDusStopped;
    };
    const bool disabled = t.os.poll_memory(q->ring->tx_status_va(), sizeof(uint32_t), is_stopped,
                                           to_ps(ns(t.system.runtime_costs().poll_interval_ns)),
                                           us_ps(p_.settle_us));
    rec.add(disabled ? "queue_disabled_by_kernel" : "queue_not_disabled",
            disabled ? Verdict::kRefused : Verdict::kNotRefused);
    uint16_t n = 0;
    int r = q->ring->send(t.os, format_->build(src_, dst_, len_, key_, next_tag_++).data(), 1, &n);
    rec.add(r < 0 ? "then_send_" + errno_name(r) : "then_send_accepted",
            r == -EIO ? Verdict::kRefused : Verdict::kNotRefused);
    std::vector<uint8_t> resp(format_->size());
    r = q->ring->recv(t.os, resp.data(), 1, &n);
    rec.add(r < 0 ? "then_recv_" + errno_name(r) : "then_recv_completion",
            r == -EIO ? Verdict::kRefused : Verdict::kNotRefused);
  }

  void oracle_probe(ProgramThread& t, AttackRecord& rec) {
    DmaOracle* oracle = t.system.kernel().dma_oracle();
    if (!oracle) {
      rec.add("no_oracle", Verdict::kInfo);
      return;
    }
    // The first mapped anonymous frame of another process.
    Kernel& k = t.system.kernel();
    std::optional<uint64_t> pa;
    for (const ProcessRecord& r : k.process_records()) {
      Process* p = k.find_process(r.pid);
      if (!p || p == &t.os.process() || !p->alive()) continue;
      for (uint64_t va : p->mapping_starts()) {
        const Vma* v = p->find_vma(va);
        if (v->kind == VmaKind::kAnonymous && (pa = p->translate(va))) break;
      }
      if (pa) break;
    }
    if (!pa) {
      rec.add("no_foreign_frame", Verdict::kInfo);
      return;
    }
    IoAttrs a;
    a.pasid_valid = true;
    a.pasid = static_cast<uint32_t>(p_.probe_pasid);
    a.write = true;
    const uint64_t before = oracle->violations();
    oracle->device_access(a, *pa, sizeof(uint64_t), /*write=*/true, sc_core::sc_time_stamp());
    rec.add(oracle->violations() > before ? "oracle_counted_violation" : "oracle_missed_it",
            oracle->violations() > before ? Verdict::kRefused : Verdict::kNotRefused);
  }

  const HostileParams& p_;
  ProgramSetup setup_;
  std::string device_;
  std::string kind_;
  std::string qm_stats_;
  std::unique_ptr<DescriptorFormat> format_;
  std::mt19937_64 rng_;
  uint32_t len_ = 0;
  uint64_t src_ = 0;
  uint64_t dst_ = 0;
  uint64_t key_ = 0;
  uint32_t next_tag_ = 1;
  std::vector<AttackRecord> records_;
};

void report(const std::vector<const Program*>& programs, RunReport& r) {
  std::ostringstream os;
  char line[320];
  os << "hostile: attacks and what the attacker saw\n";
  std::snprintf(line, sizeof line, "%-10s %-16s %-58s %6s  %s\n", "process", "attack", "outcome",
                "count", "verdict");
  os << line;
  SummaryTable outcomes{"hostile", {"process", "attack", "outcome", "count", "verdict"}, {}};
  SummaryTable effects{"hostile_effects",
                       {"process", "attack", "smmu_faults", "smmu_events", "qm_errors",
                        "device_errors", "aeqes", "queues_disabled", "opens_refused",
                        "oracle_violations"},
                       {}};
  for (const Program* prog : programs) {
    const auto* h = static_cast<const Hostile*>(prog);
    const std::string base = "workload.hostile." + h->instance() + ".";
    for (const AttackRecord& rec : h->records()) {
      for (const std::string& name : rec.order) {
        const auto& [n, v] = rec.outcomes.at(name);
        std::snprintf(line, sizeof line, "%-10s %-16s %-58s %6llu  %s\n", h->instance().c_str(),
                      rec.attack.c_str(), name.c_str(), static_cast<unsigned long long>(n),
                      verdict_name(v));
        os << line;
        outcomes.rows.push_back(
            {h->instance(), rec.attack, name, std::to_string(n), verdict_name(v)});
        r.stats->counter(base + rec.attack + "." + name, "what the hostile saw").inc(n);
      }
      const Effects& e = rec.effects;
      const std::vector<uint64_t> values = {e.smmu_faults,   e.smmu_events,     e.qm_errors,
                                            e.device_errors, e.aeqes,           e.queues_disabled,
                                            e.opens_refused, e.oracle_violations};
      std::vector<std::string> row = {h->instance(), rec.attack};
      for (size_t i = 0; i < values.size(); ++i) {
        row.push_back(std::to_string(values[i]));
        r.stats->counter(base + rec.attack + ".effects." + effects.columns[i + 2],
                         "system-wide counter change during the attack")
            .inc(values[i]);
      }
      effects.rows.push_back(std::move(row));
    }
    r.stats->counter(base + "refused_or_contained").inc(h->requests_ok());
    r.stats->counter(base + "not_refused").inc(h->requests_failed());
  }
  os << "\nsystem-wide counter changes during each attack:\n";
  std::snprintf(line, sizeof line, "%-10s %-16s %7s %7s %7s %7s %6s %8s %7s %7s\n", "process",
                "attack", "smmu_f", "smmu_ev", "qm_err", "dev_err", "aeqes", "disabled",
                "refused", "oracle");
  os << line;
  for (const auto& row : effects.rows) {
    std::snprintf(line, sizeof line, "%-10s %-16s %7s %7s %7s %7s %6s %8s %7s %7s\n",
                  row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(),
                  row[5].c_str(), row[6].c_str(), row[7].c_str(), row[8].c_str(), row[9].c_str());
    os << line;
  }
  r.text += os.str();
  r.tables.push_back(std::move(outcomes));
  r.tables.push_back(std::move(effects));
}

}  // namespace

WDSIM_REGISTER_PROGRAM(hostile, ProgramKind{
    "hostile",
    "an attacker with its own uacce queues: descriptors naming other processes', unmapped and "
    "kernel addresses, random descriptors, crafted doorbells and mailbox writes, a full ring, a "
    "CQ overflow; records what it saw per attack and whether the system refused it",
    "", 1,
    [] { return std::make_unique<HostileParams>(); },
    [](const ProgramParams& p, const ProgramSetup& setup) {
      return std::make_unique<Hostile>(static_cast<const HostileParams&>(p), setup);
    },
    report});

}  // namespace wdsim
