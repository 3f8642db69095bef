#include "sim/accel/qm/qm.h"

#include <algorithm>
#include <cstring>

#include "sim/accel/qm/qm_dma_port.h"
#include "sim/accel/qm/qm_inflight.h"
#include "sim/base/bits.h"
#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

void QmParams::declare(ParamScope& s) {
  s.add("num_qps", num_qps, 64, "queues",
        "Queue pairs this function owns (ZIP PF 64, SEC PF 256; at most QM_QNUM_V2)",
        "Linux hisi_zip pf_q_num default; QM_QNUM_V2", Range::between(1, qm::kQnumV2));
  s.add("sqe_size_bytes", sqe_size_bytes, kSqeBytes, "B",
        "Descriptor size the engines parse; an SQC with another size is rejected. The real QM's "
        "SQE size is fixed per algorithm type (ZIP SQE and SEC BD 128 B, HPRE 64 B); the ZIP and "
        "SEC engines and the runtime's UADK drivers here parse 128 B only",
        "Linux zip/sec2 sqe_size; UADK hisi_comp/hisi_sec", Range::between(kSqeBytes, kSqeBytes));
  s.add("sq_depth", sq_depth, qm::kSqDepthDefault, "SQEs",
        "Depth of every SQ and CQ, as the function reports it in QM_QP_DEPTH_CAP (the kernel's "
        "QM driver sizes its rings by it; the register itself is not modelled)",
        "Linux qm.c qm_basic_info QM_QP_DEPTH_CAP 0x4000400: 1024 SQEs, 1024 CQEs",
        Range::between(2, qm::kQcDepthMaskV2 + 1));
  s.add("use_db_isolation", use_db_isolation, false, "",
        "Doorbell isolation: one 64 KiB doorbell page per queue (QM_QP_DB_INTERVAL)",
        "Linux qm.c QM_SUPPORT_DB_ISOLATION (Kunpeng 930)");
  s.add("db_isolation_base", db_isolation_base, 0x400000, "B",
        "Offset in the mmio space where the isolated doorbell pages start (BAR4 in hardware)",
        "model choice: past the QM and engine registers",
        Range::between(qm::kDoorbellIntervalIsolated, kMaxDbIsolationBase));
  s.require("db_isolation_base", db_isolation_base % qm::kDoorbellIntervalIsolated == 0,
            "must be a multiple of 64 KiB (QM_QP_DB_INTERVAL: each queue's doorbell page is "
            "mapped on its own), got " +
                std::to_string(db_isolation_base));
  s.add("stream_id", stream_id, 0, "",
        "StreamID of every DMA this function issues; below 2^system.smmu.sid_bits",
        "set by the system builder", Range::between(0, (1u << 16) - 1));
  s.add("msi_address", msi_address, 0, "",
        "MSI address for the EQ interrupt; 0 disables MSIs (PCI MSI capability)",
        "set by the system builder");
  s.add("msi_data", msi_data, 0, "", "MSI data for the EQ interrupt (vector 0); AEQ uses +1",
        "set by the system builder");
  s.add("reg_access_latency_ns", reg_access_latency_ns, 30.0, "ns",
        "Register/doorbell access inside the device", "guess", Range::min(0));
  s.add("mailbox_latency_ns", mailbox_latency_ns, 200.0, "ns",
        "Mailbox command processing besides its context DMA", "guess", Range::min(0));
  s.add("sqe_fetch_latency_ns", sqe_fetch_latency_ns, 20.0, "ns",
        "QM pipeline overhead per SQE before its fetch DMA", "guess", Range::min(0));
  s.add("cqe_write_latency_ns", cqe_write_latency_ns, 20.0, "ns",
        "QM pipeline overhead per completion before the SQE/CQE writes", "guess", Range::min(0));
  s.add_choice("arbitration", arbitration, "round_robin", {"round_robin", "weighted"},
               "Arbitration between queues with SQEs to fetch: round robin, or weighted round "
               "robin with weight = SQC w13 priority + 1 consecutive fetches",
               "model choice (the hardware's scheduler is not public)");
  s.add("fetch_units", fetch_units, 1, "units",
        "SQE fetch units working in parallel (one queue is served by one unit at a time)", "guess",
        Range::between(1, 64));
  s.add("fetch_batch_max", fetch_batch_max, 1, "SQEs",
        "Most SQEs one fetch DMA read carries (contiguous slots already rung; a read never "
        "wraps around the ring's end)",
        "guess", Range::between(1, 256));
  s.add("dispatch_threads", dispatch_threads, 0, "threads",
        "Engine requests handed off by the fetch units and run at once, each on its own thread "
        "(so a request whose DMA stalls on an SMMU fault holds only itself, not the fetch unit "
        "and its queue); 0 = the fetch unit runs each request's engine work itself",
        "model choice; SMMU stall holds only the faulting transaction (Arm IHI 0070 3.12.2)",
        Range::between(0, 256));
  s.add("max_in_flight", max_in_flight, 0, "SQEs",
        "Back-pressure: the fetch units fetch no SQE while the function has this many fetched "
        "and not yet completed (a batch is cut to the room left); 0 = no limit. With a limit the "
        "arbiter (arbitration, SQC priority) decides whose SQE enters the engine next",
        "model choice; guess (the QM's internal SQE buffer depth is not public)",
        Range::between(0, 1u << 20));
  s.add("irq_coalesce_count", irq_coalesce_count, 0, "CQEs",
        "Interrupt coalescing: an armed CQ raises its EQE/MSI after this many CQEs (0: no count "
        "threshold; with irq_coalesce_time_ns also 0 every CQE raises it at once)",
        "model choice; default off as Linux programs none", Range::between(0, 65536));
  s.add("irq_coalesce_time_ns", irq_coalesce_time_ns, 0.0, "ns",
        "Interrupt coalescing: an armed CQ raises its EQE/MSI at most this long after its first "
        "unsignalled CQE (0: no timer)",
        "model choice; default off", Range::min(0));
  s.add("isolate_threshold", isolate_threshold, 0, "errors",
        "Device errors (AEQ events, engine data DMA faults) within isolate_window_ms that set "
        "the isolation flag (model register 0x3f04); 0 never isolates",
        "Linux uacce isolate_strategy (errors per hour; 0 = off)", Range::between(0, 1u << 20));
  s.add("isolate_window_ms", isolate_window_ms, 3600000.0, "ms",
        "Window the isolation threshold counts errors in",
        "Linux qm.c qm_hw_err_isolate: errors within one hour", Range::min(0.000001));
  s.add("ats", ats, false, "",
        "PCIe ATS (and PRI when `pri`): engine data DMA is translated through the function's "
        "ATC (atc.*) or an ATS Translation Request and issued pre-translated; faults become PRI "
        "Page Requests. Off: untranslated DMA, the SMMU translates",
        "model choice; HiSilicon ZIP/SEC use stall, not ATS");
  ats_endpoint.declare(s);
}

Qm::Qm(sc_core::sc_module_name name, const QmParams& params, SimEnv& env)
    : sc_module(name),
      mmio("mmio"),
      dma("dma"),
      params_(params),
      env_(env),
      sqs_(params.num_qps),
      cqs_(params.num_qps),
      arbiter_(params.arbitration == "weighted" ? QmArbiter::Policy::kWeighted
                                                : QmArbiter::Policy::kRoundRobin,
               params.num_qps),
      sqes_(env.stats().counter(stat("sqes"), "SQEs fetched")),
      cqes_(env.stats().counter(stat("cqes"), "CQEs written")),
      msis_(env.stats().counter(stat("msis"), "MSIs sent")),
      errors_(env.stats().counter(stat("errors"), "Bad doorbells, mailbox commands, faults")),
      fetch_reads_(env.stats().counter(stat("fetch_reads"), "SQE fetch DMA reads (batches)")),
      device_errors_(
          env.stats().counter(stat("device_errors"), "AEQ events and engine data DMA faults")),
      fetch_ns_(
          env.stats().histogram(stat("stage.fetch_ns"), "ns", "Doorbell seen to SQE fetched")),
      translation_ns_(env.stats().histogram(stat("stage.translation_ns"), "ns",
                                            "Engine data DMA time spent translating")),
      engine_ns_(
          env.stats().histogram(stat("stage.engine_ns"), "ns", "SQE fetched to engine done")),
      writeback_ns_(env.stats().histogram(stat("stage.writeback_ns"), "ns",
                                          "Engine done to CQE written (SQE + CQE write-back)")) {
  if (params_.num_qps == 0 || params_.num_qps > qm::kQnumV2)
    throw ConfigError(std::string(name) + ": num_qps must be in 1.." + std::to_string(qm::kQnumV2));
  if ((params_.sqe_size_bytes & (params_.sqe_size_bytes - 1)) != 0)
    throw ConfigError(std::string(name) + ": sqe_size_bytes must be a power of two");
  if (params_.fetch_units == 0 || params_.fetch_batch_max == 0)
    throw ConfigError(std::string(name) + ": fetch_units and fetch_batch_max must be >= 1");
  mmio.register_b_transport(this, &Qm::mmio_b_transport);
  if (params_.ats) {
    ats_ = std::make_unique<AtsEndpoint>("ats", params_.ats_endpoint, params_.stream_id, env_,
                                         stat("ats"));
  }
  SC_HAS_PROCESS(Qm);
  SC_THREAD(mailbox_thread);
  SC_THREAD(dispatch_thread);
  SC_THREAD(completion_thread);
  spawn_extra_threads();
}

Qm::~Qm() = default;

void Qm::attach_engine(uint8_t alg_type, QmEngine* engine) { engines_[alg_type] = engine; }

void Qm::set_completion_observer(std::function<void(const SqeRecord&)> observer) {
  observer_ = std::move(observer);
}

bool Qm::queue_started(uint16_t qp) const {
  if (qp >= sqs_.size() || !sqs_[qp].valid) return false;
  uint16_t cqn = sqs_[qp].cq_num;
  return cqn < cqs_.size() && cqs_[cqn].valid;
}

IoAttrs Qm::ring_attrs(uint64_t tag) const {
  IoAttrs a;
  a.stream_id = params_.stream_id;
  a.requester_tag = tag;
  return a;
}

uint64_t Qm::trace(const char* event, std::vector<TraceField> fields, const sc_time& offset) {
  return env_.trace_event(basename(), event, std::move(fields), offset);
}

void Qm::trace_in_flight(uint16_t qp, const sc_time& offset) {
  if (!env_.trace().enabled()) return;
  env_.trace_counter(std::string(basename()) + " qp" + std::to_string(qp) + " in flight",
                     static_cast<double>(sqs_[qp].in_flight), offset);
}

void Qm::error(const char* what, std::vector<TraceField> fields, const sc_time& offset) {
  errors_.inc();
  trace(what, std::move(fields), offset);
}

// ---- MMIO --------------------------------------------------------------------------------

void Qm::mmio_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  delay += ns(params_.reg_access_latency_ns);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  unsigned len = gp.get_data_length();
  if (gp.get_byte_enable_ptr() != nullptr || gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  // A zero-length access (a PCIe zero-length read or write) touches no register.
  if (len == 0) return;
  if (gp.is_read()) {
    mmio_read(gp.get_address(), gp.get_data_ptr(), len);
  } else if (gp.is_write()) {
    mmio_write(gp.get_address(), gp.get_data_ptr(), len, delay);
  }
}

void Qm::mmio_read(uint64_t offset, unsigned char* data, unsigned len) {
  std::memset(data, 0, len);
  // Mailbox: the latched bytes, with the busy bit live.
  if (offset >= qm::kMailboxOffset && offset < qm::kMailboxOffset + qm::kMailboxSize) {
    qm::Mailbox view = mailbox_;
    view.w0 = static_cast<uint16_t>(view.w0 & ~(1u << qm::kMbBusyShift));
    if (mailbox_busy_) view.w0 = static_cast<uint16_t>(view.w0 | (1u << qm::kMbBusyShift));
    uint64_t start = offset - qm::kMailboxOffset;
    size_t n = std::min<uint64_t>(len, qm::kMailboxSize - start);
    std::memcpy(data, reinterpret_cast<const unsigned char*>(&view) + start, n);
    return;
  }
  if (len < 4) return;
  uint32_t v = 0;
  switch (offset) {
    case qm::kAeqIntSourceOffset:
      v = aeq_.int_source;
      break;
    case qm::kAeqIntMaskOffset:
      v = aeq_.int_masked;
      break;
    case qm::kEqIntSourceOffset:
      v = eq_.int_source;
      break;
    case qm::kEqIntMaskOffset:
      v = eq_.int_masked;
      break;
    case qm::kModelDevErrorCountOffset:
      v = errors_in_window(sc_core::sc_time_stamp());
      break;
    case qm::kModelIsolatedOffset:
      v = isolated_ ? 1 : 0;
      break;
    case qm::kModelDevErrorTotalOffset:
      v = static_cast<uint32_t>(device_errors_total_);
      break;
    default:
      return;  // unknown registers read as 0
  }
  store_le32(data, v);
}

void Qm::mmio_write(uint64_t offset, const unsigned char* data, unsigned len,
                    const sc_time& delay) {
  if (offset >= qm::kMailboxOffset && offset < qm::kMailboxOffset + qm::kMailboxSize) {
    mailbox_write(offset - qm::kMailboxOffset, data, len, delay);
    return;
  }
  if (len == 8) {
    uint64_t value = load_le64(data);
    if (offset == qm::kDoorbellOffsetV1) {
      doorbell(qm::decode_doorbell_v1(value), delay);
      return;
    }
    if (offset == qm::kDoorbellEqAeqOffsetV2 ||
        (!params_.use_db_isolation && offset == qm::kDoorbellSqCqOffsetV2)) {
      doorbell(qm::decode_doorbell_v2(value), delay);
      return;
    }
    if (params_.use_db_isolation && offset >= params_.db_isolation_base) {
      uint64_t rel = offset - params_.db_isolation_base;
      if (rel % qm::kDoorbellIntervalIsolated == qm::kDoorbellSqCqOffsetV2) {
        // The page says which queue; the qn in the value is not trusted.
        qm::Doorbell db = qm::decode_doorbell_v2(value);
        uint64_t page = rel / qm::kDoorbellIntervalIsolated;
        if (page >= params_.num_qps) {
          error("doorbell_bad_page", {tf_hex("offset", offset)}, delay);
          return;
        }
        db.qn = static_cast<uint16_t>(page);
        if (db.cmd == qm::kDbCmdSq || db.cmd == qm::kDbCmdCq) doorbell(db, delay);
        return;
      }
    }
  }
  if (len >= 4 && offset == qm::kAeqIntMaskOffset) aeq_.int_masked = (load_le32(data) & 1) != 0;
  if (len >= 4 && offset == qm::kEqIntMaskOffset) eq_.int_masked = (load_le32(data) & 1) != 0;
  if (len >= 4 && offset == qm::kModelIsolatedOffset && (load_le32(data) & 1) == 0) {
    isolated_ = false;  // the administrator clears isolation; the window starts afresh
    recent_errors_.clear();
  }
  // Anything else: ignored.
}

// ---- Doorbells ----------------------------------------------------------------------------

void Qm::doorbell(const qm::Doorbell& db, const sc_time& delay) {
  uint64_t event = 0;
  if (env_.tracing()) {
    event =
        trace("doorbell",
              {tf("qp", db.qn), tf("cmd", db.cmd), tf("index", db.index), tf("prio", db.priority)},
              delay);
  }
  switch (db.cmd) {
    case qm::kDbCmdSq:
      sq_doorbell(db, delay, event);
      return;
    case qm::kDbCmdCq:
      cq_doorbell(db, delay);
      return;
    case qm::kDbCmdEq:
      event_queue_doorbell(eq_, db);
      return;
    case qm::kDbCmdAeq:
      event_queue_doorbell(aeq_, db);
      return;
    default:
      error("doorbell_bad_cmd", {tf("qp", db.qn), tf("cmd", db.cmd)}, delay);
      return;
  }
}

void Qm::ignore_doorbell(const qm::Doorbell& db, const char* reason, const sc_time& delay) {
  trace("doorbell_ignored", {tf("qp", db.qn), tf("cmd", db.cmd), tf("reason", reason)}, delay);
}

void Qm::sq_doorbell(const qm::Doorbell& db, const sc_time& delay, uint64_t trace_event) {
  if (db.qn >= params_.num_qps) {
    error("doorbell_bad_queue", {tf("qp", db.qn)}, delay);
    return;
  }
  if (!queue_started(db.qn)) {
    ignore_doorbell(db, "not_started", delay);
    return;
  }
  QmSqState& sq = sqs_[db.qn];
  if (db.index >= sq.depth) {
    error("doorbell_bad_index", {tf("qp", db.qn), tf("index", db.index)}, delay);
    return;
  }
  sc_time seen = sc_core::sc_time_stamp() + delay;
  for (uint16_t slot = sq.tail; slot != db.index; slot = ring_next(slot, sq.depth)) {
    sq.doorbell_time[slot] = seen;
    sq.doorbell_event[slot] = trace_event;
  }
  sq.tail = db.index;
  mark_ready(db.qn);
  doorbell_event_.notify(delay);
}

void Qm::cq_doorbell(const qm::Doorbell& db, const sc_time& delay) {
  if (db.qn >= params_.num_qps) {
    error("doorbell_bad_queue", {tf("qp", db.qn)}, delay);
    return;
  }
  QmCqState& cq = cqs_[db.qn];
  if (!cq.valid) {
    ignore_doorbell(db, "not_started", delay);
    return;
  }
  if (db.index >= cq.depth) {
    error("doorbell_bad_index", {tf("qp", db.qn), tf("index", db.index)}, delay);
    return;
  }
  cq.head = db.index;
  if (db.priority == 1) {
    cq.irq_armed = true;
    cq.coalesce_pending = 0;
    if (cq.head != cq.tail) {
      // CQEs the host has not read yet: interrupt now rather than lose the wakeup.
      rearmed_.emplace(sc_core::sc_time_stamp() + delay, db.qn);
      completion_event_.notify(delay);
    }
  }
}

void Qm::event_queue_doorbell(QmEventQueueState& q, const qm::Doorbell& db) {
  if (!q.valid || db.index >= q.depth) return;
  q.head = db.index;
  q.int_source = false;  // the doorbell clears the interrupt source
}

}  // namespace wdsim
