// Qm: the HiSilicon queue manager (QM) that fronts the ZIP/SEC engines, as one PCI function.
//
// Models: the register BAR (the 128-bit mailbox at 0x300 that installs SQC/CQC/EQC/AEQC
// contexts read from host memory by DMA, STOP_QP and FLUSH_QM; V2 doorbells at 0x1000 (SQ/CQ)
// and 0x2000 (EQ/AEQ), the V1 doorbell at 0x340, optional doorbell isolation with one 64 KiB
// page per queue; the EQ/AEQ interrupt source and mask registers; model-only device error and
// isolation registers, qm_formats.h), up to 1024 queue pairs each with its own PASID, the SQE
// fetch (arbitration between ready queues, several fetch units, batched fetch reads), the
// hand-off to the engine chosen by the queue's alg_type (sim/accel/qm/qm_engine.h), the SQE
// write-back (results live in the SQ slot), CQE posting with the phase bit, the completion
// interrupt (an EQE plus an MSI, armed by CQC c_flag / CQ doorbell priority 1, optionally
// coalesced by count and time), AEQ events for CQE errors and CQ/EQ overflow, and a count of
// device errors per time window that can isolate the function. All device-initiated traffic
// goes through `dma` with an IoAttrs extension: rings, contexts and MSIs without PASID (they
// live at kernel DMA addresses even in SVA mode), engine data DMA with the queue's PASID when
// SQC w11 bit 7 enables it.
//
// Timing: `fetch_units` fetch threads take ready queues from the arbiter (qm_arbiter.h), read
// up to `fetch_batch_max` contiguous SQEs of a queue in one DMA read (never across the ring's
// wrap), call the engine for each (the engine books its own cores and reports when it
// finishes) and move on without waiting for it; a completion thread retires requests in
// completion-time order (in order within a queue) and writes SQE, CQE, EQE and MSI one after
// another. With `dispatch_threads` > 0 a fetch unit hands each fetched SQE to one of that many
// dispatch threads and moves on; the thread calls the engine, so an engine DMA that waits (an
// SMMU stall while a page fault is served) holds only that thread, not the fetch unit and the
// queue behind it; requests still retire in order within a queue. With 0 (the default) the
// fetch unit calls the engine itself. With `max_in_flight` > 0 the fetch units stop fetching while
// the function has that many SQEs fetched and not completed (back-pressure: the arbiter's choice
// then decides whose SQE enters the engine next). Mailbox commands run in their own thread; the
// busy bit reads 1 until the context DMA finished, and for STOP_QP / FLUSH_QM until the queue's /
// function's fetched SQEs have completed (drain).
//
// Errors as the hardware reports them: the QM's CQE has no status field (Linux struct qm_cqe,
// UADK struct cqe: V2 and V3 alike), so engine errors are in the SQE the engine writes back
// (ZIP dw3 status, SEC done/error_type) and QM-level errors - an SQE fetch fault, a queue whose
// alg_type has no engine - complete the slot with a CQE (SQE bytes left as they were) and post
// an AEQE of type QM_CQE_ERROR naming the queue, as Linux qm_aeq_thread expects. The kernel,
// not the device, then writes the DUS stop words (qm_formats.h kDusStop*) and sends STOP_QP.
//
// Not modelled: V1 SQC/CQC encodings, VFs/VFT, QoS/shaper, the SQC/CQC base tables (SQC_BT and
// CQC_BT are accepted and ignored: contexts are held in the device), the doorbell random-data
// check, hardware error/RAS registers, reset/FLR, capability registers, the engine's own
// registers. The MSI address/data are parameters set by the system builder (in hardware they
// come from the function's PCI MSI capability); the AEQ uses vector 1 = msi_data + 1, as a
// multi-message MSI. A CQ doorbell with priority 1 that finds unread CQEs posts an EQE at once
// (no lost wakeup); that detail, the arbitration policies, coalescing and the isolation
// counter are model choices (the hardware's are not public).
//
// Facts: Linux drivers/crypto/hisilicon/qm.c, include/linux/hisi_acc_qm.h (see qm_formats.h).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "formats/qm/qm_formats.h"
#include "sim/accel/ats/ats_endpoint.h"
#include "sim/accel/qm/qm_arbiter.h"
#include "sim/accel/qm/qm_engine.h"
#include "sim/accel/qm/qm_queue.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"

namespace wdsim {

struct QmParams {
  uint32_t num_qps;              // queue pairs this function owns
  uint32_t sqe_size_bytes;       // descriptor size the engines parse
  uint32_t sq_depth;             // SQ and CQ depth the function reports (QM_QP_DEPTH_CAP)
  bool use_db_isolation;         // one 64 KiB doorbell page per queue
  uint64_t db_isolation_base;    // where the isolated doorbell pages start in the mmio space
  uint32_t stream_id;            // StreamID of every DMA this function issues
  uint64_t msi_address;          // EQ interrupt MSI address (0: MSI disabled)
  uint32_t msi_data;             // EQ interrupt MSI data (vector 0); AEQ uses msi_data + 1
  double reg_access_latency_ns;  // MMIO register access inside the device
  double mailbox_latency_ns;     // mailbox command processing besides its DMA
  double sqe_fetch_latency_ns;   // QM pipeline overhead per SQE before its fetch DMA
  double cqe_write_latency_ns;   // QM pipeline overhead per completion before its writes
  std::string arbitration;       // "round_robin" | "weighted" (weight = SQC priority + 1)
  uint32_t fetch_units;          // SQE fetch units working in parallel
  uint32_t fetch_batch_max;      // SQEs one fetch DMA read may carry (contiguous slots)
  uint32_t dispatch_threads;     // engine calls off the fetch unit, at once (0: inline)
  uint32_t max_in_flight;        // SQEs fetched and not completed, function-wide (0: no limit)
  uint32_t irq_coalesce_count;   // CQEs before an EQE is raised (0: no count threshold)
  double irq_coalesce_time_ns;   // longest wait for an EQE after a CQE (0: no timer)
  uint32_t isolate_threshold;    // device errors in the window that isolate it (0: never)
  double isolate_window_ms;      // the window those errors are counted in
  // ATS/PRI (PCIe ATS and PRI capabilities): engine data DMA is translated by the function's
  // own ATC / Translation Requests (PRI Page Requests on faults) and goes out pre-translated.
  bool ats = false;
  AtsEndpointParams ats_endpoint;  // keys atc.*, pri, max_page_requests, invalidate_latency_ns

  void declare(ParamScope& s);
  // The one SQE size the engines (ZIP SQE, SEC BD) and the runtime's drivers parse.
  static constexpr uint32_t kSqeBytes = 128;
  // The isolated doorbell pages stay well inside a BAR (2 GiB).
  static constexpr uint64_t kMaxDbIsolationBase = 1ull << 31;
  bool coalescing() const { return irq_coalesce_count > 0 || irq_coalesce_time_ns > 0; }
};

// Per-request timestamps (absolute simulated times) for stage correlation.
struct SqeRecord {
  uint16_t qp = 0;
  uint16_t sqe_index = 0;
  sc_core::sc_time doorbell_seen;
  sc_core::sc_time fetched;
  sc_core::sc_time engine_done;
  sc_core::sc_time cqe_written;
  EngineTiming engine;
  bool error = false;  // fetch fault or no engine for the queue's alg_type
};

class Qm : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Qm> mmio;  // the BAR; addresses are offsets into it
  tlm_utils::simple_initiator_socket<Qm> dma;

  Qm(sc_core::sc_module_name name, const QmParams& params, SimEnv& env);
  ~Qm() override;

  // The engine that processes SQEs of queues whose SQC alg_type is `alg_type`.
  void attach_engine(uint8_t alg_type, QmEngine* engine);
  void set_completion_observer(std::function<void(const SqeRecord&)> observer);

  const QmParams& params() const { return params_; }
  // Whether queue `qp` has both an SQ and its CQ installed and not stopped.
  bool queue_started(uint16_t qp) const;
  // The priority of queue `qp`'s installed SQC (w13 priority[3:0]).
  uint8_t queue_priority(uint16_t qp) const { return qp < sqs_.size() ? sqs_[qp].priority : 0; }
  // SQEs of queue `qp` fetched and not yet completed.
  uint32_t in_flight(uint16_t qp) const { return qp < sqs_.size() ? sqs_[qp].in_flight : 0; }
  // Device errors (AEQ events, engine data DMA faults) since construction, and whether the
  // count within isolate_window_ms reached isolate_threshold (sticky until written 0).
  uint64_t device_errors() const { return device_errors_total_; }
  bool isolated() const { return isolated_; }
  // The function's ATS endpoint when params.ats (its `ats` socket must be bound to the SMMU's
  // `ats`, the SMMU's `ats_inv_pri` to its `from_smmu`); nullptr otherwise.
  AtsEndpoint* ats_endpoint() { return ats_.get(); }

 private:
  struct InFlight;  // one SQE between fetch and completion
  enum class Vector : uint32_t { kEq = qm::kEqIrqVector, kAeq = qm::kAeqIrqVector };

  // MMIO side (called from the initiator's thread).
  void mmio_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void mmio_read(uint64_t offset, unsigned char* data, unsigned len);
  void mmio_write(uint64_t offset, const unsigned char* data, unsigned len,
                  const sc_core::sc_time& delay);
  void mailbox_write(uint64_t offset, const unsigned char* data, unsigned len,
                     const sc_core::sc_time& delay);
  void doorbell(const qm::Doorbell& db, const sc_core::sc_time& delay);
  // trace_event: the doorbell's trace event, the first step of the flows of the SQEs it rings in.
  void sq_doorbell(const qm::Doorbell& db, const sc_core::sc_time& delay, uint64_t trace_event);
  void cq_doorbell(const qm::Doorbell& db, const sc_core::sc_time& delay);
  void event_queue_doorbell(QmEventQueueState& q, const qm::Doorbell& db);
  void ignore_doorbell(const qm::Doorbell& db, const char* reason, const sc_core::sc_time& delay);

  // Mailbox thread.
  void mailbox_thread();
  void execute_mailbox(const qm::Mailbox& mb, sc_core::sc_time& t);
  void install_sqc(uint16_t qp, const qm::Sqc& sqc);
  void install_cqc(uint16_t qp, const qm::Cqc& cqc);
  void install_eqc(QmEventQueueState& q, const qm::Eqc& eqc);
  void stop_queue(uint16_t qp);
  // After a STOP_QP / FLUSH_QM: waits until the fetched SQEs it waits for have completed.
  void drain_after(const qm::Mailbox& mb);

  // Fetch units: take a queue from the arbiter, fetch a batch, hand each SQE to its engine.
  void dispatch_thread();  // unit 0; more units, and the dispatch threads, are spawned
  void spawn_extra_threads();
  void fetch_loop();
  // Fetches up to fetch_batch_max SQEs of `qp`; returns when the fetch read finished (offset).
  sc_core::sc_time fetch_batch(uint16_t qp);
  void run_engine(InFlight& req, QmSqState& sq, sc_core::sc_time& t);
  // dispatch_threads > 0: each thread takes fetched SQEs and runs their engine work; finished
  // ones retire in queue order (retire_in_order).
  void dispatch_worker();
  void retire_in_order(uint16_t qp);
  void mark_ready(uint16_t qp);
  bool has_work(uint16_t qp) const;
  // max_in_flight > 0: how many more SQEs the function may fetch now.
  uint32_t fetch_room() const;

  // Completion thread: write back, CQE, EQE, MSI, AEQE.
  void completion_thread();
  void complete(InFlight& req, sc_core::sc_time& t);
  void retire(const InFlight& req);
  void signal_cq(uint16_t cqn, uint64_t tag, sc_core::sc_time& t);  // EQE + MSI, disarms
  void note_device_error(const char* kind, const sc_core::sc_time& t);
  uint32_t errors_in_window(const sc_core::sc_time& now);
  void post_eqe(uint16_t cqn, uint64_t tag, sc_core::sc_time& t);
  void post_aeqe(uint16_t qid, uint32_t type, uint64_t tag, sc_core::sc_time& t);
  bool write_event(QmEventQueueState& q, uint32_t dw0, uint64_t tag, sc_core::sc_time& t);
  void send_msi(Vector vector, uint64_t tag, sc_core::sc_time& t);

  IoAttrs ring_attrs(uint64_t tag) const;
  void error(const char* what, std::vector<TraceField> fields, const sc_core::sc_time& offset);
  // Returns the event's sequence number (TraceSink::flow_event), 0 with tracing off. (SystemC's
  // own sc_object::trace(sc_trace_file*), for VCD waveforms, stays visible beside it.)
  using sc_core::sc_module::trace;
  uint64_t trace(const char* event, std::vector<TraceField> fields, const sc_core::sc_time& offset);
  // trace.json only: the flow of request `seq` (its fetch, engine, translations, CQE), and the
  // queue's requests in flight as a counter track.
  uint64_t trace_flow_id(uint64_t seq) const { return TraceSink::flow_id(params_.stream_id, seq); }
  void trace_in_flight(uint16_t qp, const sc_core::sc_time& offset);
  std::string stat(const char* key) const { return std::string(basename()) + "." + key; }

  QmParams params_;
  SimEnv& env_;
  std::map<uint8_t, QmEngine*> engines_;
  std::function<void(const SqeRecord&)> observer_;
  std::unique_ptr<AtsEndpoint> ats_;  // when params_.ats

  std::vector<QmSqState> sqs_;
  std::vector<QmCqState> cqs_;
  QmEventQueueState eq_;
  QmEventQueueState aeq_;

  // Mailbox register: bytes as written, which of them were written since the last command.
  qm::Mailbox mailbox_{};
  uint16_t mailbox_bytes_written_ = 0;
  bool mailbox_busy_ = false;
  qm::Mailbox mailbox_pending_{};
  sc_core::sc_event mailbox_event_;

  QmArbiter arbiter_;  // queues with SQEs to fetch
  sc_core::sc_event doorbell_event_;
  bool fetch_paused_ = false;  // FLUSH_QM: no fetches until contexts are installed again
  uint32_t total_in_flight_ = 0;
  sc_core::sc_event drained_event_;  // a fetched SQE completed

  // dispatch_threads > 0: fetched SQEs waiting for a dispatch thread, and each queue's fetched
  // SQEs in fetch order until they retire (their engine work may finish out of order).
  std::deque<InFlight*> dispatch_fifo_;
  sc_core::sc_event dispatch_event_;
  std::vector<std::deque<std::unique_ptr<InFlight>>> retire_order_;

  // Completions by (ready time, sequence).
  std::map<std::pair<sc_core::sc_time, uint64_t>, std::unique_ptr<InFlight>> completions_;
  std::multimap<sc_core::sc_time, uint16_t> rearmed_;  // CQs re-armed with CQEs unread, by time
  std::multimap<sc_core::sc_time, uint16_t> coalesce_timers_;  // CQ coalescing deadlines
  sc_core::sc_event completion_event_;
  uint64_t next_seq_ = 1;

  // Device errors: times within the isolation window, total, isolation flag.
  std::deque<sc_core::sc_time> recent_errors_;
  uint64_t device_errors_total_ = 0;
  bool isolated_ = false;

  Counter& sqes_;
  Counter& cqes_;
  Counter& msis_;
  Counter& errors_;
  Counter& fetch_reads_;
  Counter& device_errors_;
  Histogram& fetch_ns_;
  Histogram& translation_ns_;
  Histogram& engine_ns_;
  Histogram& writeback_ns_;
};

}  // namespace wdsim
