// The Arm SMMUv3 model: device DMA (with IoAttrs: StreamID, PASID...) comes in on `upstream`,
// is translated (STE by StreamID from a linear stream table, CD by SubstreamID from a linear CD
// table, IOTLB, stage-1 walk of the process's own AArch64 page table) and goes out on `mem` at
// the physical address, one access per 4 KiB page piece. Software drives it through the real
// register page on `regs` (offsets in smmu_formats.h): CR0/CR0ACK, GBPA, STRTAB_BASE(_CFG),
// CMDQ_BASE/PROD/CONS, EVTQ_BASE/PROD/CONS, GERROR/GERRORN, IDR0-5.
//
// Parts (split like gem5's smmu_v3): smmu_formats (bit layouts), config_cache (STE/CD cache),
// io_tlb, stage1_walker, command_queue, event_queue; this file is the glue, smmu_translate.cc
// the translation pipeline, smmu_regs.cc the register page.
//
// Faults abort the transaction: an event record goes to the event queue (when CR0.EVTQEN, and
// for stage-1 faults only when CD.R), IoAttrs.fault says why, and the response is
// TLM_ADDRESS_ERROR_RESPONSE (with CD.A = 0, stage-1 faults instead read as zero / ignore
// writes with an OK response, as the architecture says). A DMA without IoAttrs gets
// TLM_GENERIC_ERROR_RESPONSE. IoAttrs.translation_time = lookup + config fetches + walk, also
// part of the annotated delay. Register page addresses are offsets (the interconnect strips
// the SMMU's base address).
//
// Not modelled yet (later issues): 2-level stream and CD tables (a 2-level STRTAB_BASE_CFG
// gives C_BAD_STREAMID, a 2-level S1Fmt C_BAD_STE), stage 2 and nesting, stall and PRI (faults
// terminate), ATS/ATC (ATS-translated DMA passes through when STE.EATS allows it), HTTU, walk
// caches, the event/GERROR interrupts and their MSIs, the PRI queue, secure state, IRQ_CTRL
// side effects. Facts: Arm IHI 0070, Linux drivers/iommu/arm/arm-smmu-v3/.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>

#include "sim/base/io_attrs.h"
#include "sim/base/sim_env.h"
#include "sim/iommu/command_queue.h"
#include "sim/iommu/config_cache.h"
#include "sim/iommu/event_queue.h"
#include "sim/iommu/io_tlb.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/smmu_params.h"
#include "sim/iommu/stage1_walker.h"

namespace wdsim {

class Smmu : public sc_core::sc_module, private smmu::MemPort, private smmu::CommandSink {
 public:
  tlm_utils::simple_target_socket<Smmu> upstream;  // device DMA (from the PCIe root complex)
  tlm_utils::simple_initiator_socket<Smmu> mem;    // physical memory
  tlm_utils::simple_target_socket<Smmu> regs;      // the register page (CPU MMIO)

  // Stats go under "<basename>." and trace events use component "<basename>" (so a module
  // named "smmu" writes "smmu.iotlb.hits").
  Smmu(sc_core::sc_module_name name, const SmmuParams& p, SimEnv& env);
  ~Smmu() override;

  // When the last command written so far completes (tests and drivers that wait for it).
  sc_core::sc_time cmdq_drained_at() const { return cmdq_->drained_at(); }
  // Notified (at the record's time) whenever an event record is written to the event queue.
  const sc_core::sc_event& event_posted() const { return event_posted_; }

  const smmu::IoTlb& iotlb() const { return *iotlb_; }
  const smmu::ConfigCache& config_cache() const { return *config_; }
  const SmmuParams& params() const { return p_; }

  // Register access without a socket (debug/tests); `at` is the absolute access time.
  uint32_t read_reg32(uint32_t offset, const sc_core::sc_time& at);
  void write_reg32(uint32_t offset, uint32_t value, const sc_core::sc_time& at);

 private:
  // ---- DMA path (smmu.cc) ----
  void upstream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void regs_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  // MemPort on the `mem` socket.
  bool read(uint64_t pa, void* dst, size_t len, sc_core::sc_time& t) override;
  bool write(uint64_t pa, const void* src, size_t len, sc_core::sc_time& t) override;

  // ---- Translation pipeline (smmu_translate.cc) ----
  struct Request {
    uint32_t sid = 0;
    uint32_t ssid = 0;
    bool ssv = false;
    uint64_t va = 0;
    bool write = false;
    bool exec = false;
    bool privileged = false;
    bool ats_translated = false;
  };
  struct Outcome {
    bool ok = false;
    uint64_t pa = 0;
    IoFault fault = IoFault::kNone;
    bool raz_wi = false;  // CD.A = 0: complete with zeros / drop the write
  };
  // Translates the page holding req.va; advances `t` by the time it took.
  Outcome translate(const Request& req, sc_core::sc_time& t);
  // Returns the STE, or the fault (event already recorded) in `out`.
  std::optional<smmu::SteConfig> get_ste(const Request& req, sc_core::sc_time& t, Outcome& out);
  std::optional<smmu::CdConfig> get_cd(const Request& req, uint32_t ssid,
                                       const smmu::SteConfig& ste, sc_core::sc_time& t,
                                       Outcome& out);
  // Records a fault: stats, trace, event record (unless `record` is false), and the outcome.
  Outcome fault(const Request& req, smmu::EventId id, sc_core::sc_time& t, bool record = true,
                uint64_t fetch_addr = 0);
  Outcome abort_silently(const char* why, sc_core::sc_time& t);
  // CommandSink.
  void apply_command(const smmu::Command& c) override;
  void command_error(uint8_t cerror) override;

  // ---- Register page (smmu_regs.cc) ----
  uint32_t idr(unsigned n) const;
  bool smmu_enabled() const { return (cr0_ & smmu::kCr0SmmuEn) != 0; }
  bool evtq_enabled() const { return (cr0_ & smmu::kCr0EvtqEn) != 0; }

  SmmuParams p_;
  SimEnv& env_;
  std::string component_;  // basename(): trace component and stats prefix
  std::unique_ptr<smmu::IoTlb> iotlb_;
  std::unique_ptr<smmu::ConfigCache> config_;
  std::unique_ptr<smmu::Stage1Walker> walker_;
  std::unique_ptr<smmu::EventQueue> evtq_;
  std::unique_ptr<smmu::CommandQueue> cmdq_;
  sc_core::sc_event event_posted_;

  // Register state.
  uint32_t cr0_ = 0;
  uint32_t cr1_ = 0;
  uint32_t cr2_ = 0;
  uint32_t gbpa_ = 0;
  uint32_t irq_ctrl_ = 0;
  uint32_t gerror_ = 0;
  uint32_t gerrorn_ = 0;
  uint64_t strtab_base_ = 0;
  uint32_t strtab_base_cfg_ = 0;
  std::map<uint32_t, uint32_t> plain_regs_;  // stored, no side effects (IRQ_CFG*, PRIQ_*)

  // Stats.
  Counter& translations_;
  Counter& walks_;
  Histogram& walk_latency_ns_;
  Histogram& translation_latency_ns_;
};

}  // namespace wdsim
