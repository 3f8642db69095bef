// The SMMU event queue: a circular queue of 32 B event records in memory (EVTQ_BASE, with
// EVTQ_PROD owned by the SMMU and EVTQ_CONS by software). When the queue is full the record
// is dropped and EVTQ_PROD.OVFLG toggles (if the previous overflow was acknowledged through
// EVTQ_CONS.OVACKFLG), as Arm IHI 0070 7.4 describes. Records are written through the SMMU's
// memory port as posted writes: they do not delay the transaction that faulted. The record
// format is smmu_formats.h's EventRecord; the Smmu sends the queue's MSI when a record goes into
// an empty queue (fault_handling.cc, smmu_msi.cc) and notifies Smmu::event_posted().
//
// Not modelled: the wired interrupt, event merging, the record write's memory attributes.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>

#include "sim/base/sim_env.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/output_queue.h"
#include "sim/iommu/smmu_formats.h"

namespace wdsim::smmu {

class EventQueue : public OutputQueue {
 public:
  // Stats under `stats_prefix` (e.g. "smmu.evtq"): written, dropped_full, dropped_disabled,
  // write_errors.
  EventQueue(unsigned max_log2_entries, MemPort& mem, StatsRegistry& stats,
             const std::string& stats_prefix);

  enum class PostResult { kWritten, kQueueFull, kDisabled, kWriteError };
  // Appends `e` when `enabled` (CR0.EVTQEN). `t` is the annotated time of the fault; the
  // record's memory write starts then (a copy: the caller's time does not advance).
  PostResult post(const EventRecord& e, bool enabled, const sc_core::sc_time& t);

 private:
  Counter& dropped_full_;
  Counter& dropped_disabled_;
};

}  // namespace wdsim::smmu
