// The Arm SMMUv3 model: device DMA (with IoAttrs: StreamID, PASID...) comes in on `upstream`,
// is translated (micro-TLB by stream; STE by StreamID from a linear or 2-level stream table; CD
// by SubstreamID from a linear or 2-level CD table; main TLB; stage-1, stage-2 or nested walk
// with the walk cache, see table_walker.h) and goes out on `mem` at the physical address, one
// access per 4 KiB page piece. Software drives it through the real register page on `regs`
// (offsets in smmu_formats.h): CR0/CR0ACK, GBPA, IRQ_CTRL, STRTAB_BASE(_CFG), CMDQ_BASE/PROD/CONS,
// EVTQ_BASE/PROD/CONS, PRIQ_BASE/PROD/CONS, *_IRQ_CFG*, GERROR/GERRORN, IDR0-5.
//
// Parts (split like gem5's smmu_v3): smmu_formats and pri_formats (bit layouts), config_cache
// (STE/CD cache), io_tlb (micro-TLB and main TLB), walk_cache, table_walker (+ vmsa geometry),
// command_queue, event_queue and pri_queue (output_queue), stall_table. The Smmu itself: smmu.cc
// the DMA path and the glue, smmu_translate.cc the translation pipeline, command_queue.cc what
// each command does (the CommandSink), fault_handling.cc events and the stall model, smmu_ats.cc
// the ATS/PRI messages, smmu_msi.cc the interrupt MSIs, smmu_regs.cc the register page.
//
// Faults abort the transaction: an event record goes to the event queue (when CR0.EVTQEN, and
// for stage-1 faults only when CD.R), IoAttrs.fault says why, and the response is
// TLM_ADDRESS_ERROR_RESPONSE (with CD.A = 0, stage-1 faults instead read as zero / ignore
// writes with an OK response, as the architecture says). A DMA without IoAttrs gets
// TLM_GENERIC_ERROR_RESPONSE. IoAttrs.translation_time = lookup + config fetches + walk, also
// part of the annotated delay. Register page addresses are offsets (the interconnect strips
// the SMMU's base address).
//
// STE configs: abort, bypass, stage 1, stage 2 and nested (S1DSS terminate/bypass/SSID0). For
// stage-1-only streams the TLB tag's VMID is STE.S2VMID (Linux writes 0). Stage-2 faults are
// recorded when STE.S2R and always abort.
//
// Fault side (fault_handling.cc, smmu_ats.cc, stall_table, pri_queue; docs/iommu.md): the stall
// model (CD.S: the DMA's b_transport caller blocks in wait() until CMD_RESUME/CMD_STALL_TERM, so
// DMA initiators must be SC_THREADs), the PRI queue and CMD_PRI_RESP, ATS Translation Requests
// on `ats` and ATC invalidation on `ats_inv_pri` (CMD_SYNC waits for it), EVTQ/PRIQ MSIs.
//
// Not modelled: HTTU, GERROR interrupts, secure state. Facts: Arm IHI 0070, Linux
// drivers/iommu/arm/arm-smmu-v3/.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "sim/base/io_attrs.h"
#include "sim/base/sim_env.h"
#include "sim/iommu/address_space_stats.h"
#include "sim/iommu/command_queue.h"
#include "sim/iommu/config_cache.h"
#include "sim/iommu/event_queue.h"
#include "sim/iommu/io_tlb.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/pri_queue.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/smmu_params.h"
#include "sim/iommu/stall_table.h"
#include "sim/iommu/table_walker.h"
#include "sim/iommu/walk_cache.h"
#include "sim/pcie/ats.h"

namespace wdsim {

class Smmu : public sc_core::sc_module, private smmu::MemPort, private smmu::CommandSink {
 public:
  tlm_utils::simple_target_socket<Smmu> upstream;  // device DMA (from the PCIe root complex)
  tlm_utils::simple_initiator_socket<Smmu> mem;    // physical memory
  tlm_utils::simple_target_socket<Smmu> regs;      // the register page (CPU MMIO)
  // Fault/ATS side (fault_handling.cc, smmu_ats.cc; all three may stay unbound):
  // ATS Translation Requests and PRI Page Requests from endpoints (sim/pcie/ats.h).
  tlm_utils::simple_target_socket_optional<Smmu> ats;
  // ATS Invalidate Requests (CMD_ATC_INV) and PRG Responses (CMD_PRI_RESP) to endpoints.
  tlm_utils::simple_initiator_socket_optional<Smmu> ats_inv_pri;
  // Event queue / PRI queue interrupt MSIs (4 B writes of *_IRQ_CFG1 to *_IRQ_CFG0); when
  // unbound they go out on `mem` like CMD_SYNC's MSI.
  tlm_utils::simple_initiator_socket_optional<Smmu> msi;

  // Stats go under "<basename>." and trace events use component "<basename>" (so a module
  // named "smmu" writes "smmu.iotlb.hits").
  Smmu(sc_core::sc_module_name name, const SmmuParams& p, SimEnv& env);
  ~Smmu() override;

  // When the last command written so far completes (tests and drivers that wait for it).
  sc_core::sc_time cmdq_drained_at() const { return cmdq_->drained_at(); }
  // Notified (at the record's time) whenever an event record is written to the event queue.
  const sc_core::sc_event& event_posted() const { return event_posted_; }
  // Notified whenever a page request record is written to the PRI queue.
  const sc_core::sc_event& priq_posted() const { return priq_posted_; }
  // Transactions held by the stall model (a DMA that stalls blocks its b_transport caller,
  // which must therefore be an SC_THREAD, until CMD_RESUME / CMD_STALL_TERM).
  const smmu::StallTable& stalls() const { return *stalls_; }

  const smmu::IoTlb& iotlb() const { return *iotlb_; }
  const smmu::IoTlb& utlb() const { return *utlb_; }
  const smmu::WalkCache& walk_cache() const { return *walk_cache_; }
  const smmu::TableWalker& walker() const { return *walker_; }
  const smmu::ConfigCache& config_cache() const { return *config_; }
  // Every (StreamID, PASID or none) translated so far, in first-seen order (the per-address-space
  // cache stats <basename>.{utlb,iotlb,config_cache}.by_pasid.*).
  const AddressSpaces& address_spaces() const { return *spaces_; }
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
    bool ats_request = false;  // ATS Translation Request: no stall, stage-1 faults unrecorded
    uint32_t space = kNoAddressSpace;  // spaces_ id of (sid, ssv, ssid): per-space cache stats
    uint64_t tag = 0;  // IoAttrs::requester_tag: the device request's flow in trace.json
  };
  struct Outcome {
    bool ok = false;
    uint64_t pa = 0;
    IoFault fault = IoFault::kNone;
    bool raz_wi = false;                   // CD.A = 0: complete with zeros / drop the write
    std::optional<smmu::PagePerms> perms;  // stage-1 permissions when translated (ATS)
    uint8_t event_id = 0;                  // the fault's event type (0: none)
    bool stalled = false;                  // held by the stall model with `stag`
    uint16_t stag = 0;
  };
  // Translates the page holding req.va; advances `t` by the time it took.
  Outcome translate(const Request& req, sc_core::sc_time& t);
  // Returns the STE, or the fault (event already recorded) in `out`.
  std::optional<smmu::SteConfig> get_ste(const Request& req, sc_core::sc_time& t, Outcome& out);
  // `s2`: the nested stream's stage 2 (the CD table pointers are IPAs), else nullptr.
  std::optional<smmu::CdConfig> get_cd(const Request& req, uint32_t ssid,
                                       const smmu::SteConfig& ste, const smmu::StageConfig* s2,
                                       sc_core::sc_time& t, Outcome& out);
  // STE, CD and TLB done: main TLB lookup, walk on a miss, permission checks, micro-TLB fill.
  // `cd` is nullptr for stage-2-only translations.
  Outcome translate_tables(const Request& req, smmu::TlbStage kind, uint64_t in,
                           const smmu::SteConfig& ste, const smmu::CdConfig* cd,
                           const smmu::StageConfig* s1, const smmu::StageConfig* s2,
                           sc_core::sc_time& t);
  // A stage-2 fault (or a walk abort in a stage-2-only walk) from the walker; recorded with
  // STE.S2R.
  Outcome stage2_fault(const Request& req, const smmu::SteConfig& ste, const smmu::WalkFault& wf,
                       sc_core::sc_time& t);
  // A TLB entry whose walk ends after the request's time: wait for it (a coalesced miss).
  void wait_for_walk(const sc_core::sc_time& ready_at, sc_core::sc_time& t);
  // Records a fault: stats, trace, event record (unless `record` is false), and the outcome.
  // `wf` adds the walk's details (S2, class, IPA, fetch address) to the event record.
  Outcome fault(const Request& req, smmu::EventId id, sc_core::sc_time& t, bool record = true,
                uint64_t fetch_addr = 0, const smmu::WalkFault* wf = nullptr);
  Outcome abort_silently(const char* why, Counter& count, sc_core::sc_time& t);
  // CommandSink (command_queue.cc).
  void apply_command(const smmu::Command& c) override;
  void command_error(uint8_t cerror) override;
  bool device_command_cost(uint8_t op, sc_core::sc_time* cost) const override;
  void device_command(const smmu::Command& c, const sc_core::sc_time& done) override;
  smmu::SyncWait sync_wait(const sc_core::sc_time& done) override;

  // ---- Events, stall model (fault_handling.cc), ATS and PRI (smmu_ats.cc), MSIs (smmu_msi.cc)
  // ---- translate(), then while the transaction is stalled: wait for software's answer and retry,
  // abort or terminate it. May wait(): the caller's `t` is synchronised first.
  Outcome translate_or_stall(const Request& req, sc_core::sc_time& t);
  // A stage-1 fault (or a walk abort) after the CD: stall, ATS R=W=0, or record and abort.
  Outcome stage1_fault(const Request& req, const smmu::CdConfig& cd, smmu::EventId id,
                       uint64_t fetch_addr, sc_core::sc_time& t);
  // C_BAD_STE / C_BAD_CD for stall settings the STALL_MODEL forbids.
  std::optional<smmu::EventId> stall_config_error(const smmu::SteConfig& ste,
                                                  const smmu::CdConfig& cd) const;
  // Writes an event record (when EVTQEN), notifies event_posted, sends the MSI when the queue
  // went non-empty. True when written.
  bool post_event(const smmu::EventRecord& e, const sc_core::sc_time& t);
  // An interrupt that signals with an MSI: its *_IRQ_CFG0 register and its stats
  // <basename>.irq.<name>.{msis,msi_errors,no_address}, registered when built.
  struct MsiSource {
    MsiSource(uint32_t cfg0, const char* which, StatsRegistry& stats, const std::string& component);
    uint32_t cfg0_reg;
    const char* name;  // "evtq", "priq": the trace field and the stats key
    Counter& msis;
    Counter& msi_errors;
    Counter& no_address;
  };
  // Writes the source's MSI (*_IRQ_CFG1 to the *_IRQ_CFG0 address), unless the address is zero.
  void send_msi(const MsiSource& src, const sc_core::sc_time& t);
  void ats_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void ats_translation_request(AtsMessage& m, sc_core::sc_time& t);
  void ats_page_request(AtsMessage& m, sc_core::sc_time& t);
  void auto_prg_response(const AtsMessage& req, bool keep_pasid, uint8_t code,
                         const sc_core::sc_time& t);
  bool send_to_endpoint(AtsMessage& m, sc_core::sc_time& t);

  // ---- Register page (smmu_regs.cc) ----
  uint32_t idr(unsigned n) const;
  uint32_t fault_idr(unsigned n) const;       // IDR bits for stall, PRI, ATS
  uint32_t plain_reg(uint32_t offset) const;  // a stored register (IRQ_CFG*), 0 if never written
  bool smmu_enabled() const { return (cr0_ & smmu::kCr0SmmuEn) != 0; }
  bool evtq_enabled() const { return (cr0_ & smmu::kCr0EvtqEn) != 0; }

  SmmuParams p_;
  SimEnv& env_;
  std::string component_;  // basename(): trace component and stats prefix
  // Cumulative IOTLB lookups for trace.json's counter tracks (counted only with tracing on).
  uint64_t traced_iotlb_hits_ = 0;
  uint64_t traced_iotlb_misses_ = 0;
  std::unique_ptr<AddressSpaces> spaces_;
  std::unique_ptr<smmu::IoTlb> iotlb_;
  std::unique_ptr<smmu::IoTlb> utlb_;
  std::unique_ptr<smmu::ConfigCache> config_;
  std::unique_ptr<smmu::WalkCache> walk_cache_;
  std::unique_ptr<smmu::TableWalker> walker_;
  std::unique_ptr<smmu::EventQueue> evtq_;
  std::unique_ptr<smmu::CommandQueue> cmdq_;
  sc_core::sc_event event_posted_;
  std::unique_ptr<smmu::PriQueue> priq_;
  std::unique_ptr<smmu::StallTable> stalls_;
  sc_core::sc_event priq_posted_;
  struct AtcInvSent {
    sc_core::sc_time sent;
    sc_core::sc_time completed;
    bool failed;
  };
  std::vector<AtcInvSent> atc_invs_;  // since the last CMD_SYNC
  std::map<std::pair<uint32_t, uint16_t>, sc_core::sc_time> prg_arrivals_;  // (SID, PRGI)

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
  Counter& walks_coalesced_;
  // faults.<event>, by event id: registered up front for every id event_id_key names; ids it
  // does not name share faults.unknown.
  std::array<Counter*, 256> faults_by_id_{};
  Counter& aborts_gbpa_;  // aborts.gbpa: GBPA.ABORT with SMMUEN clear
  Counter& aborts_ste_;   // aborts.ste: STE.Config abort
  // Registered when built, each next to where it is counted; keys under "<basename>.".
  struct FaultStats {  // fault_handling.cc
    FaultStats(StatsRegistry& stats, const std::string& component);
    Counter& stalled;                   // stall.stalled
    Counter& unreported;                // stall.unreported
    Counter& over_limit;                // stall.over_limit
    Histogram& service_time_ns;         // stall.service_time_ns
    std::array<Counter*, 3> answers{};  // stall.answers.<retry|terminate|abort>, by StallAction
    // By event id, for the stallable faults (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION):
    std::array<Histogram*, 256> fault_service_ns{};  // fault_service_ns.<fault>
    std::array<Counter*, 256> ats_no_access{};       // ats.no_access.<fault>
  };
  struct CommandStats {  // command_queue.cc
    CommandStats(StatsRegistry& stats, const std::string& component);
    Counter& atc_invalidations;               // ats.atc_invalidations
    Counter& atc_inv_unrouted;                // ats.atc_inv_unrouted
    Counter& atc_inv_timeouts;                // ats.atc_inv_timeouts
    Histogram& pri_service_time_ns;           // pri.service_time_ns
    Counter& resume_no_match;                 // stall.resume_no_match
    Counter& terminated_by_stall_term;        // stall.terminated_by_stall_term
    std::array<Counter*, 3> pri_responses{};  // pri.responses.<deny|fail|success>
  };
  struct AtsStats {  // smmu_ats.cc
    AtsStats(StatsRegistry& stats, const std::string& component);
    Counter& translation_requests;  // ats.translation_requests
    Counter& unsupported;           // ats.unsupported
    Counter& page_requests;         // pri.page_requests
    Counter& auto_responses;        // pri.auto_responses
  };
  FaultStats fault_stats_;
  CommandStats cmd_stats_;
  AtsStats ats_stats_;
  MsiSource evtq_msi_;
  MsiSource priq_msi_;
};

}  // namespace wdsim
