// Qm: the HiSilicon queue manager (QM) that fronts the ZIP/SEC engines, as one PCI function.
//
// Models: the register BAR (the 128-bit mailbox at 0x300 that installs SQC/CQC/EQC/AEQC
// contexts read from host memory by DMA, STOP_QP; V2 doorbells at 0x1000 (SQ/CQ) and 0x2000
// (EQ/AEQ), the V1 doorbell at 0x340, optional doorbell isolation with one 64 KiB page per queue;
// the EQ/AEQ interrupt source and mask registers), the SQE fetch, the hand-off to the engine
// chosen by the queue's alg_type (sim/accel/qm/qm_engine.h), the SQE write-back (results live
// in the SQ slot), CQE posting with the phase bit, the completion interrupt (an EQE plus an MSI,
// armed by CQC c_flag / CQ doorbell priority 1), and AEQ events for CQE errors and CQ/EQ
// overflow. All device-initiated traffic goes through `dma` with an IoAttrs extension: rings,
// contexts and MSIs without PASID (they live at kernel DMA addresses even in SVA mode), engine
// data DMA with the queue's PASID when SQC w11 bit 7 enables it.
//
// Timing: a dispatcher thread fetches SQEs one after another (fetch pipeline), calls the engine
// (which books its own cores and reports when it finishes) and moves on without waiting for
// it; a completion thread retires requests in completion-time order (in order within a queue)
// and writes SQE, CQE, EQE and MSI one after another. Mailbox commands run in their own thread;
// the busy bit reads 1 until the context DMA finished.
//
// Not modelled: V1 SQC/CQC encodings, VFs/VFT, QoS/shaper, the SQC/CQC base tables (SQC_BT and
// CQC_BT are accepted and ignored: contexts are held in the device), the doorbell random-data
// check, hardware error/RAS registers, reset/FLR, capability registers, the engine's own
// registers. The MSI address/data are parameters set by the system builder (in hardware they
// come from the function's PCI MSI capability); the AEQ uses vector 1 = msi_data + 1, as a
// multi-message MSI. A CQ doorbell with priority 1 that finds unread CQEs posts an EQE at once
// (no lost wakeup); that detail is a model choice.
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

#include "sim/accel/qm/qm_engine.h"
#include "sim/accel/qm/qm_formats.h"
#include "sim/accel/qm/qm_queue.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"

namespace wdsim {

struct QmParams {
  uint32_t num_qps;              // queue pairs this function owns
  uint32_t sqe_size_bytes;       // descriptor size the engines parse
  bool use_db_isolation;         // one 64 KiB doorbell page per queue
  uint64_t db_isolation_base;    // where the isolated doorbell pages start in the mmio space
  uint32_t stream_id;            // StreamID of every DMA this function issues
  uint64_t msi_address;          // EQ interrupt MSI address (0: MSI disabled)
  uint32_t msi_data;             // EQ interrupt MSI data (vector 0); AEQ uses msi_data + 1
  double reg_access_latency_ns;  // MMIO register access inside the device
  double mailbox_latency_ns;     // mailbox command processing besides its DMA
  double sqe_fetch_latency_ns;   // QM pipeline overhead per SQE before its fetch DMA
  double cqe_write_latency_ns;   // QM pipeline overhead per completion before its writes

  void declare(ParamScope& s);
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
  void sq_doorbell(const qm::Doorbell& db, const sc_core::sc_time& delay);
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

  // Dispatcher thread: fetch and hand to engines.
  void dispatch_thread();
  void dispatch_one(uint16_t qp);
  void mark_ready(uint16_t qp);

  // Completion thread: write back, CQE, EQE, MSI, AEQE.
  void completion_thread();
  void complete(InFlight& req, sc_core::sc_time& t);
  void post_eqe(uint16_t cqn, uint64_t tag, sc_core::sc_time& t);
  void post_aeqe(uint16_t qid, uint32_t type, uint64_t tag, sc_core::sc_time& t);
  bool write_event(QmEventQueueState& q, uint32_t dw0, uint64_t tag, sc_core::sc_time& t);
  void send_msi(Vector vector, uint64_t tag, sc_core::sc_time& t);

  IoAttrs ring_attrs(uint64_t tag) const;
  void error(const char* what, std::vector<TraceField> fields, const sc_core::sc_time& offset);
  void trace(const char* event, std::vector<TraceField> fields, const sc_core::sc_time& offset);
  std::string stat(const char* key) const { return std::string(basename()) + "." + key; }

  QmParams params_;
  SimEnv& env_;
  std::map<uint8_t, QmEngine*> engines_;
  std::function<void(const SqeRecord&)> observer_;

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

  std::deque<uint16_t> ready_;  // queues with SQEs to fetch, round robin
  sc_core::sc_event doorbell_event_;

  // Completions by (ready time, sequence).
  std::map<std::pair<sc_core::sc_time, uint64_t>, std::unique_ptr<InFlight>> completions_;
  std::multimap<sc_core::sc_time, uint16_t> rearmed_;  // CQs re-armed with CQEs unread, by time
  sc_core::sc_event completion_event_;
  uint64_t next_seq_ = 1;

  Counter& sqes_;
  Counter& cqes_;
  Counter& msis_;
  Counter& errors_;
  Histogram& fetch_ns_;
  Histogram& translation_ns_;
  Histogram& engine_ns_;
  Histogram& writeback_ns_;
};

}  // namespace wdsim
