// The `hostile` kind's parameters and its Attacker (hostile_attacker.h): device and descriptor
// format, own buffers and queues, one-descriptor submission, raw doorbells, watched counters.
#include "sim/system/workloads/hostile_attacker.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

#include "formats/qm/qm_formats.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/system/accelerator_kind.h"
#include "sim/system/workload_data.h"

namespace wdsim::hostile {

namespace {
// Stats the hostile watches. The SMMU model is the component "smmu" of the system
// (sim/system/system.cc); the others are the kernel model's drivers.
constexpr const char* kSmmuFaults = "smmu.faults.";
constexpr const char* kSmmuDrvEvents = "host.smmu_drv.events.";
constexpr const char* kQmDrvDisabled = "host.qm_drv.disabled_qps";
constexpr const char* kQmDrvAeqes = "host.qm_drv.aeqes";
constexpr const char* kOpenRefusedIsolated = "host.uacce.open_refused_isolated";
}  // namespace

const std::vector<std::string> kAttacks = {
    "foreign_va",     "unmapped_va", "kernel_va", "own_ring",    "random_sqe", "random_addresses",
    "doorbell",       "mailbox",     "full_ring", "cq_overflow", "fuzz",       "oracle_probe",
    "cpu_kernel_load"};

void HostileParams::declare(ParamScope& s) {
  s.add("device", device, "", "",
        "The uacce device to attack through (e.g. hisi_zip-0); empty = the first device of "
        "device_kind",
        "scenario choice");
  s.add_choice("device_kind", device_kind, "zip", {"zip", "sec"},
               "Kind of the device when `device` is empty; decides the descriptor format (ZIP "
               "SQE or SEC BD)",
               "scenario choice");
  s.add_list("attacks", attacks,
             {"foreign_va", "unmapped_va", "kernel_va", "own_ring", "random_sqe",
              "random_addresses", "doorbell", "mailbox", "full_ring", "cq_overflow"},
             kAttacks, "Attacks to run, in order (see the program's header comment)",
             "scenario choice");
  s.add("seed_stream", seed_stream, "attacks", "",
        "Name of the random stream (SimEnv::rng(\"hostile/<seed_stream>/<thread>\")) for "
        "random descriptors and addresses",
        "scenario choice");
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
  s.add("fuzz_operations", fuzz_operations, 1000u, "operations",
        "Random operations of the fuzz attack (descriptors, doorbells, MMIO writes)", "guess",
        Range::between(0, uint64_t{1} << 32));
  s.add_list("fuzz_weights", fuzz_weights, {4, 2, 2, 1, 1}, "",
             "Relative odds of the fuzz attack's operations: random_bytes, random_addresses, "
             "foreign_addresses, doorbell, mmio_write",
             "guess: descriptors most, since they reach the most decoder state",
             Range::between(0, 1u << 20));
  s.require("fuzz_weights",
            fuzz_weights.size() == kFuzzOperations.size() &&
                std::accumulate(fuzz_weights.begin(), fuzz_weights.end(), uint64_t{0}) > 0,
            "needs one weight per fuzz operation (random_bytes, random_addresses, "
            "foreign_addresses, doorbell, mmio_write), not all zero");
}

std::string errno_name(int err) {
  switch (-err) {
    case EBUSY:
      return "ebusy";
    case EIO:
      return "eio";
    case ETIMEDOUT:
      return "etimedout";
    case EPERM:
      return "eperm";
    case EAGAIN:
      return "eagain";
    case ENODEV:
      return "enodev";
    case EINVAL:
      return "einval";
    case ENXIO:
      return "enxio";
    case ESRCH:
      return "esrch";
    default:
      return "errno_" + std::to_string(-err);
  }
}

Attacker::Attacker(ProgramThread& t, const HostileParams& p) : t_(t), p_(p) {
  std::string kind;
  for (const DeviceView& d : t.system.devices()) {
    if (p.device.empty() ? d.kind == p.device_kind : d.name == p.device) {
      device_ = d.name;
      kind = d.kind;
      break;
    }
  }
  if (device_.empty()) {
    throw ProgramError("hostile: no device " +
                       (p.device.empty() ? "of kind " + p.device_kind : p.device));
  }
  // The QM's stats component: the kind's, numbered within the kind (sim/system/topology.cc).
  uint32_t n = 0;
  for (const DeviceView& d : t.system.devices()) {
    if (d.name == device_) break;
    n += d.kind == kind ? 1 : 0;
  }
  const std::string qm = find_accelerator_kind(kind)->qm_component();
  qm_stats_ = (n == 0 ? qm : qm + std::to_string(n)) + ".";
  format_ = format_for(kind);
  if (!format_) throw ProgramError("hostile: no descriptor format for kind " + kind);
  rng_ = t.system.env().rng("hostile/" + p.seed_stream + "/" + t.name);
  len_ = static_cast<uint32_t>(p.request_bytes);
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

std::vector<uint8_t> Attacker::descriptor(uint64_t src, uint64_t dst) {
  return format_->build(src, dst, len_, key_, next_tag_++);
}

bool Attacker::open_queue(AttackRecord& rec, OwnQueue* q) {
  std::vector<rt::UacceDeviceInfo> devs;
  rt::UacceQueue::list_devices(t_.os, &devs);
  auto dev = std::find_if(devs.begin(), devs.end(),
                          [&](const rt::UacceDeviceInfo& d) { return d.name == device_; });
  if (dev == devs.end()) throw ProgramError("hostile: " + device_ + " not in sysfs");
  q->uacce = std::make_unique<rt::UacceQueue>(t_.os, t_.os.process().granule_size());
  rt::UacceQueueRequest req;
  req.algorithm = format_->algorithm();
  int r = q->uacce->open_device(*dev, req);
  if (r < 0) {
    rec.add("open/" + errno_name(r), r == -EPERM ? Verdict::kRefused : Verdict::kInfo);
    q->uacce.reset();
    return false;
  }
  q->ring = std::make_unique<rt::HisiQmQueue>(t_.os, t_.system.runtime_costs());
  r = q->ring->attach(*q->uacce, rt::HisiQmQueueConfig{});
  if (r < 0) throw ProgramError("hostile: attach failed: " + q->ring->last_error());
  return true;
}

void Attacker::close_queue(OwnQueue* q) {
  q->ring.reset();
  if (q->uacce) q->uacce->close();
  q->uacce.reset();
}

bool Attacker::stopped(const OwnQueue& q) {
  uint32_t tx = 0;
  t_.os.load(q.ring->tx_status_va(), &tx, sizeof tx);
  return tx == qm::kDusStopValue;
}

std::string Attacker::submit_one(AttackRecord& rec, OwnQueue* q, const std::vector<uint8_t>& desc,
                                 bool* ok, bool* device_status) {
  *ok = false;
  if (device_status) *device_status = false;
  if (!q->open() && !open_queue(rec, q)) return "";
  uint16_t n = 0;
  std::string outcome;
  bool failed_call = true;
  int r = q->ring->send(t_.os, desc.data(), 1, &n);
  if (r < 0) {
    outcome = "send_" + errno_name(r);
  } else {
    std::vector<uint8_t> resp(format_->size());
    r = q->ring->wait_and_recv(t_.os, resp.data(), 1, &n, us_ps(p_.completion_timeout_us));
    if (r < 0) {
      outcome = "recv_" + errno_name(r);
    } else {
      outcome = format_->status(resp.data());
      *ok = format_->ok(resp.data());
      if (device_status) *device_status = true;
      failed_call = false;
    }
  }
  if (stopped(*q)) {
    outcome += "/queue_disabled";
    close_queue(q);
  } else if (failed_call) {
    close_queue(q);
  }
  return outcome;
}

uint64_t Attacker::settle(AttackRecord& rec, OwnQueue* q, const std::string& label) {
  uint64_t got = 0;
  std::vector<uint8_t> resp(format_->size());
  while (q->open()) {
    uint16_t n = 0;
    if (q->ring->wait_and_recv(t_.os, resp.data(), 1, &n, us_ps(p_.settle_us)) < 0) break;
    ++got;
    rec.add(label + "/own_completion/" + format_->status(resp.data()), Verdict::kInfo);
  }
  return got;
}

void Attacker::ring_raw(const OwnQueue& q, uint16_t qn, uint8_t cmd, uint16_t index) {
  qm::Doorbell db;
  db.qn = qn;
  db.cmd = cmd;
  db.index = index;
  t_.os.mmio_write64(q.uacce->mmio_base() + qm::kDoorbellSqCqOffsetV2, qm::encode_doorbell_v2(db));
}

std::vector<uint16_t> Attacker::target_qns(const OwnQueue& q) const {
  std::vector<uint16_t> qns;
  if (p_.target_qns.empty()) {
    for (uint32_t qn = 0; qn < qm::kQnumV2; ++qn) qns.push_back(static_cast<uint16_t>(qn));
  } else {
    for (uint64_t qn : p_.target_qns) qns.push_back(static_cast<uint16_t>(qn));
  }
  qns.erase(std::remove(qns.begin(), qns.end(), q.ring->qp_id()), qns.end());
  return qns;
}

std::string Attacker::own_kind(uint64_t va) const {
  const Vma* v = t_.os.process().find_vma(va);
  if (!v) return "unmapped_here";
  switch (v->kind) {
    case VmaKind::kAnonymous:
      return "own_anon";
    case VmaKind::kDeviceMmio:
      return "own_mmio";
    case VmaKind::kDeviceDus:
      return "own_ring";
    case VmaKind::kHostMirror:
      return "own_host_mirror";
  }
  return "own_other";
}

uint64_t Attacker::counter(const std::string& key) const {
  const Counter* c = t_.system.env().stats().find_counter(key);
  return c ? c->value() : 0;
}

uint64_t Attacker::counters_under(const std::string& prefix) const {
  uint64_t n = 0;
  const StatsRegistry& stats = t_.system.env().stats();
  for (const std::string& key : stats.keys()) {
    if (key.rfind(prefix, 0) != 0) continue;
    if (const Counter* c = stats.find_counter(key)) n += c->value();
  }
  return n;
}

Effects Attacker::effects() const {
  Effects e;
  e.smmu_faults = counters_under(kSmmuFaults);
  e.smmu_events = counters_under(kSmmuDrvEvents);
  e.qm_errors = qm_errors();
  e.device_errors = counter(qm_stats_ + "device_errors");
  e.aeqes = counter(kQmDrvAeqes);
  e.queues_disabled = counter(kQmDrvDisabled);
  e.opens_refused = counter(kOpenRefusedIsolated);
  const DmaOracle* oracle = t_.system.kernel().dma_oracle();
  e.oracle_violations = oracle ? oracle->violations() : 0;
  return e;
}

rt::Picoseconds Attacker::us_ps(double us) const { return to_ps(ns(us * 1e3)); }

rt::Picoseconds Attacker::poll_interval_ps() const {
  return to_ps(ns(t_.system.runtime_costs().poll_interval_ns));
}

}  // namespace wdsim::hostile
