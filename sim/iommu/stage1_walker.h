// The SMMU stage-1 table walker: walks the AArch64 VMSAv8-64 translation table at CD.TTB0 with
// the 4 KiB granule (T0SZ 16..39: 4 to 2 levels; level-1/2 blocks and level-3 pages), one 8 B
// descriptor read per level through the SMMU's memory port. It applies hierarchical
// APTable/UXNTable/PXNTable, checks the input range (T0SZ, TBI0), EPD0, the output address
// size (CD.IPS, at most 48 bits) and the access flag. A pool of `walkers` walkers serialises
// concurrent misses (TimingServer queueing).
//
// Not modelled: 16K/64K granules, 52-bit addresses, TTB1, hardware AF/dirty update (HTTU),
// walk caches, stage 2. Facts: Arm ARM D8 (VMSAv8-64), Arm IHI 0070 (CD fields).
#pragma once

#include <cstdint>
#include <optional>
#include <systemc>

#include "sim/base/timing.h"
#include "sim/iommu/io_tlb.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/smmu_params.h"

namespace wdsim::smmu {

struct WalkOutcome {
  std::optional<EventId> fault;  // F_TRANSLATION, F_ACCESS, F_ADDR_SIZE or F_WALK_EABT
  uint64_t fetch_addr = 0;       // the descriptor address for F_WALK_EABT
  IoTlbEntry entry;              // on success; vmid/asid left for the caller
  unsigned descriptors_read = 0;
  sc_core::sc_time latency = sc_core::SC_ZERO_TIME;  // queueing + reads + step work
};

// Input-address size in bits for a CD (64 - T0SZ), and whether this walker supports the CD's
// translation regime (4K granule, AArch64, T0SZ 16..39). Unsupported CDs are C_BAD_CD.
unsigned cd_va_bits(const CdConfig& cd);
bool cd_walkable(const CdConfig& cd);

class Stage1Walker {
 public:
  explicit Stage1Walker(const WalkParams& p);

  // Translates `va`. `t` is the annotated delay (relative to sc_time_stamp()) when the miss
  // arrives; it is advanced to when the walk finishes. A fault found before any read (range,
  // EPD0) takes no walker time.
  WalkOutcome walk(const CdConfig& cd, uint64_t va, MemPort& mem, sc_core::sc_time& t);

  const ServerPool& walkers() const { return pool_; }

 private:
  WalkOutcome walk_reads(const CdConfig& cd, uint64_t va, MemPort& mem, sc_core::sc_time& t);

  sc_core::sc_time step_;
  ServerPool pool_;
};

}  // namespace wdsim::smmu
