// The kernel's HiSilicon QM PF driver (Linux drivers/crypto/hisilicon/qm.c), reduced to what
// the walking skeleton needs: at probe it allocates the EQ and AEQ in coherent memory and
// hands them to the device through the mailbox; it allocates queue pairs, starts them by
// writing SQC and CQC through the mailbox (hisi_qm_start_qp), rings doorbells with the V2
// layout, and handles the EQ interrupt: for each EQE it calls the queue's event callback
// (uacce wake-up, or the kernel user's completion), then rings the EQ doorbell.
// Not modelled yet (issue 4): SQC/CQC base tables, VFs, AEQ error handling, stop/flush,
// isolation after errors, the QoS and capability registers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/accel/qm/qm_formats.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/dma_api.h"

namespace wdsim {

class Kernel;
class InterruptController;

struct HisiQmDeviceInfo {
  std::string name;         // "hisi_zip"
  uint64_t bar_pa = 0;      // register BAR (mailbox, doorbells)
  uint32_t num_qps = 64;    // queue pairs of this function
  uint32_t sq_depth = qm::kSqDepthDefault;
  uint32_t sqe_size = 128;
  uint32_t eq_depth = qm::kEqDepth;
  uint32_t aeq_depth = qm::kAeqDepth;
  uint32_t eq_msi_vector = 0;  // the MSI data the device sends for its EQ
};

class HisiQmDriver {
 public:
  struct Qp {
    uint16_t id = 0;
    uint8_t alg_type = 0;
    bool started = false;
    uint32_t pasid = 0;
    bool pasid_enabled = false;
    // Ring memory: SQ then CQ; for uacce queues also the status page (the DUS region).
    DmaApi::Coherent ring;
    uint64_t sq_offset = 0;
    uint64_t cq_offset = 0;
    uint16_t sq_tail = 0;
    uint16_t cq_head = 0;
    bool cq_phase = true;
    // Called from the interrupt handler (irq core context) for each EQE naming this queue.
    std::function<void(CpuContext&)> on_event;
  };

  HisiQmDriver(Kernel& kernel, DmaApi& dma, InterruptController& gic, HisiQmDeviceInfo info);

  // Probe: EQ/AEQ allocation and mailbox, irq handler registration.
  void probe(CpuContext& cpu);

  const HisiQmDeviceInfo& info() const { return info_; }
  uint32_t available_qps() const;
  // Allocates a free queue pair (lowest id first); nullptr when none is free.
  Qp* alloc_qp(uint8_t alg_type);
  void release_qp(CpuContext& cpu, Qp* qp);

  // Allocates the queue's ring memory: SQ + CQ (+ a status page when with_status_page).
  void alloc_ring(CpuContext& cpu, Qp& qp, bool with_status_page);
  uint64_t ring_size(bool with_status_page) const;
  // hisi_qm_start_qp: SQC and CQC through the mailbox.
  void start_qp(CpuContext& cpu, Qp& qp, uint32_t pasid, bool pasid_enabled);

  void ring_sq_doorbell(CpuContext& cpu, const Qp& qp, uint16_t tail);
  void ring_cq_doorbell(CpuContext& cpu, const Qp& qp, uint16_t head, bool rearm_irq);

  // Kernel users of a queue (the syscall path): copy an SQE into the ring and ring the
  // doorbell. Returns false when the ring is full (used == depth - 1).
  bool kernel_send(CpuContext& cpu, Qp& qp, const void* sqe);
  // Reads completed CQEs (phase match) and returns their sq_head slots, advancing the head and
  // ringing the CQ doorbell once per CQE (priority 0) and once more to re-arm (priority 1).
  std::vector<uint16_t> kernel_poll_cq(CpuContext& cpu, Qp& qp);
  // Reads SQE slot `index` back from the ring (the device writes results there).
  void read_sqe(CpuContext& cpu, const Qp& qp, uint16_t index, void* sqe_out);

 private:
  void mailbox(CpuContext& cpu, uint8_t cmd, uint64_t base, uint16_t queue);
  void eq_irq(CpuContext& cpu);

  Kernel& kernel_;
  DmaApi& dma_;
  InterruptController& gic_;
  HisiQmDeviceInfo info_;
  std::vector<std::unique_ptr<Qp>> qps_;
  std::vector<bool> qp_used_;
  DmaApi::Coherent eq_;
  DmaApi::Coherent aeq_;
  DmaApi::Coherent ctx_buf_;  // one context's staging buffer for the mailbox
  uint16_t eq_head_ = 0;
  bool eq_phase_ = true;
};

}  // namespace wdsim
