// The SMMU's table walkers: stage-1, stage-2 and nested walks of AArch64 VMSAv8-64 tables with
// the 4 KiB, 16 KiB and 64 KiB granules (geometry in vmsa.h), every descriptor an 8 B timed read
// through the SMMU's memory port. Stage 1 applies AP/UXN/PXN with hierarchical APTable/XNTable,
// the input range (T0SZ; TBI and EPD0 are the caller's), the output size (CD.IPS capped at
// IDR5.OAS) and the access flag; stage 2 applies S2AP/XN, VTCR.T0SZ/SL0 (concatenated start
// tables)/TG0/PS and the access flag. In a nested walk every stage-1 table address and the
// stage-1 output are IPAs translated by stage 2 (so a cold 4-level over 4-level walk reads
// (4 + 1) * 4 + 4 = 24 descriptors); stage-2 translations of those addresses are cached in the
// main TLB as stage-2 entries, and table descriptors of both stages in the walk cache.
//
// Timing: `walkers` walkers (a ServerPool); a miss books the walker free earliest and its reads
// start when both it and the request are ready. A miss to a page whose walk is still in flight
// (same stage kind, VMID, ASID and 4 KiB input page) waits for that walk's end instead of
// walking again (stat <smmu>.walks_coalesced).
//
// Not modelled: HTTU (hardware AF/dirty update: AF = 0 is F_ACCESS), 52-bit addresses, TTB1,
// stage-2 S2PTW/S2FWB attribute effects, big-endian tables, walk prefetching.
// Facts: Arm ARM D8 (VMSAv8-64), Arm IHI 0070 3.4 (nesting), 5.2 (STE.VTCR), 5.4 (CD).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <systemc>
#include <tuple>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/base/timing.h"
#include "sim/iommu/io_tlb.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/smmu_params.h"
#include "sim/iommu/vmsa.h"
#include "sim/iommu/walk_cache.h"

namespace wdsim::smmu {

// One stage's translation regime.
struct StageConfig {
  unsigned stage = 1;
  Granule granule;
  unsigned in_bits = 48;
  unsigned start_level = 0;
  uint64_t ttb = 0;  // nested stage 1: an IPA
  unsigned oa_bits = 48;
  uint16_t vmid = 0;
  uint16_t asid = 0;
};

// Stage-1 regime of a CD; nullopt when this SMMU cannot walk it (C_BAD_CD): not AArch64,
// reserved TG0, T0SZ outside 16..39, reserved IPS.
std::optional<StageConfig> stage1_config(const CdConfig& cd, uint16_t vmid, unsigned oas_bits);
// Stage-2 regime of an STE (S2TTB, VTCR, S2VMID); nullopt when illegal (C_BAD_STE).
std::optional<StageConfig> stage2_config(const SteConfig& ste, unsigned oas_bits);
// Whether a CD's stage-1 regime is walkable (stage1_config succeeds).
bool cd_walkable(const CdConfig& cd);

struct WalkFault {
  EventId id = EventId::kFTranslation;
  bool s2 = false;                    // a stage-2 fault (event S2 = 1, IPA valid)
  EventClass clss = EventClass::kIn;  // kTt: fetching a stage-1 table; kCd: fetching the CD
  uint64_t ipa = 0;
  uint64_t fetch_addr = 0;  // F_WALK_EABT: the descriptor's physical address
};

struct WalkRequest {
  TlbStage kind = TlbStage::kS1;  // kS1: s1 only; kS2: s2 only (in is an IPA); kNested
  uint64_t in = 0;
  StageConfig s1;
  StageConfig s2;
  uint32_t space = kNoAddressSpace;  // the request's address space: its stage-2 TLB lookups
};

struct WalkOutcome {
  std::optional<WalkFault> fault;
  IoTlbEntry entry;  // on success: stage, vmid, asid, leaf and perms; ready_at = walk end
  unsigned descriptors_read = 0;
  sc_core::sc_time latency = sc_core::SC_ZERO_TIME;  // queueing + lookups + reads + steps
  bool coalesced = false;  // waited for an in-flight walk of the same page
};

class TableWalker {
 public:
  // Stats under `prefix` ("smmu"): walks_coalesced, walk_reads (histogram), walks_by_reads.<n>.
  // `tlb` holds stage-2 translations of table addresses; `tlb_lookup_ns` is charged per lookup.
  TableWalker(const WalkParams& p, double tlb_lookup_ns, IoTlb& tlb, WalkCache& wc, MemPort& mem,
              SimEnv& env, const std::string& prefix);

  // Walks for `r`. `t` is the annotated delay (relative to sc_time_stamp()) when the miss
  // arrives; it is advanced to when the walk ends. A fault found before any read (input range)
  // takes no walker time.
  WalkOutcome walk(const WalkRequest& r, sc_core::sc_time& t);

  // Stage-2 translation of a configuration address (a nested CD table's IPA), outside the
  // walker pool; `reads` counts descriptor reads. Faults have class CD. `space`: the address
  // space the TLB lookup is counted for.
  std::optional<WalkFault> translate_ipa(const StageConfig& s2, uint64_t ipa, uint64_t* pa,
                                         sc_core::sc_time& t, unsigned* reads,
                                         uint32_t space = kNoAddressSpace);

  const ServerPool& walkers() const { return pool_; }
  unsigned oas_bits() const { return oas_bits_; }

 private:
  struct Leaf {
    uint64_t in_base = 0;
    unsigned size_log2 = 12;
    uint64_t out_base = 0;
    PagePerms s1;
    S2Perms s2;
    sc_core::sc_time ready_at = sc_core::SC_ZERO_TIME;
  };
  struct Ctx {
    sc_core::sc_time& t;
    unsigned reads = 0;
    uint32_t space = kNoAddressSpace;
  };
  WalkOutcome walk_reads(const WalkRequest& r, sc_core::sc_time& t);
  // One stage's walk of `in`. For a nested stage 1, `s2` translates table addresses.
  std::optional<WalkFault> walk_stage(const StageConfig& c, uint64_t in, const StageConfig* s2,
                                      Ctx& ctx, Leaf* leaf);
  // Stage-2 translation through the TLB (stage-2 entries) or a stage-2 walk.
  std::optional<WalkFault> s2_translate(const StageConfig& s2, uint64_t ipa, Ctx& ctx, Leaf* leaf);

  sc_core::sc_time step_;
  sc_core::sc_time tlb_lookup_;
  unsigned oas_bits_;
  IoTlb& tlb_;
  WalkCache& wc_;
  MemPort& mem_;
  ServerPool pool_;
  struct InFlight {
    sc_core::sc_time end;
    WalkOutcome outcome;
  };
  // (kind, vmid, asid, input >> 12) -> the walk's end and result.
  std::map<std::tuple<uint8_t, uint16_t, uint16_t, uint64_t>, InFlight> in_flight_;
  Counter& coalesced_;
  Histogram& reads_per_walk_;
  StatsRegistry& stats_;
  std::string prefix_;
  // walks_by_reads.<n>, registered for every n a walk can read (a nested walk with four
  // levels per stage reads at most 4 + 4 * 4 + 4 = 24 descriptors); indexed by n.
  static constexpr unsigned kMaxWalkReads = 24;
  std::vector<Counter*> walks_by_reads_;
};

}  // namespace wdsim::smmu
