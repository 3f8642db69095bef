// DmaOracle: a checker, not a model. It proves, access by access, that no device reads or writes
// memory it has no right to: another process's frames, freed frames, or anything at all with a
// PASID nobody is bound to any more. Whole-system tests (hostile processes, kill with requests in
// flight, munmap under an in-flight request, frame reuse) assert on it instead of by eye.
//
// What it sees: every access PhysicalMemory serves that carries IoAttrs (a DeviceAccessObserver),
// i.e. device DMA after the SMMU translated it (or passed it through: bypass, ATS-translated),
// when its data moves. The SMMU's own accesses (stream/CD/translation-table reads, command and
// event/PRI queues, MSIs) carry no IoAttrs and are not checked: they are the SMMU's business.
// Functional kernel accesses (PhysicalMemory::read/write) are the CPU's and are not checked either.
//
// The rule, per 4 KiB frame an access touches (FrameAllocator ownership):
//   - with a PASID: some process must be bound to (StreamID, PASID) now (else after_unbind), the
//     frame must not be free (else free_frame) and must be owned by that pid or lent to it (a DUS
//     ring mapped into it; else foreign_frame);
//   - without a PASID (the kernel's DMA domain: bounce buffers, pinned or dma-mapped user pages,
//     the QM's own SQC/CQC/EQ): the frame must not be free (else free_frame).
// Bindings come from the SMMU driver's sva_bind / sva_unbind (bind / unbind here). A PASID never
// bound counts as after_unbind too ("no process bound"). Each frame an access touches counts at
// most one violation. The oracle only observes: it never throws and never changes an access.
//
// Stats: host.dma_oracle.accesses (frame accesses checked), .violations, and per kind
// .foreign_frame, .free_frame, .after_unbind. The first max_records violations are kept in full.
//
// Cost: per checked frame one FrameAllocator vector index and a binding lookup (a scan of the
// few streams, then a vector indexed by PASID). Limits: a frame lent to one process at a time;
// memory outside the FrameAllocator's range counts as the kernel's; the check happens when data
// moves (loosely timed: at the call, see physical_memory.h), so it is exact about which bytes
// moved and when the ownership said what it said.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/io_attrs.h"
#include "sim/base/stats.h"
#include "sim/cpu_host/kernel/frame_allocator.h"
#include "sim/cpu_host/physical_memory.h"

namespace wdsim {

enum class DmaViolationKind : uint8_t { kForeignFrame, kFreeFrame, kAfterUnbind };
// "foreign_frame", "free_frame", "after_unbind" (also the stats key).
const char* dma_violation_name(DmaViolationKind kind);

inline constexpr int32_t kNoPid = -1;

struct DmaViolation {
  DmaViolationKind kind = DmaViolationKind::kForeignFrame;
  uint64_t time_ps = 0;  // when the access arrived at memory
  uint32_t sid = 0;
  bool pasid_valid = false;
  uint32_t pasid = 0;
  int32_t pid = kNoPid;           // bound to (sid, pasid) at the access; kNoPid without one
  int32_t last_pid = kNoPid;      // after_unbind: the pid bound last (kNoPid: never bound)
  uint64_t pa = 0;                // first byte of the access in this frame
  uint64_t len = 0;               // its bytes in this frame
  FrameOwner owner = kFrameFree;  // the frame's owner then: kFrameFree, kFrameKernel or a pid
  int32_t lent_to = kNotLent;     // the pid the frame was lent to then
  bool write = false;
  uint64_t requester_tag = 0;  // IoAttrs.requester_tag
};

// One line for a test failure: kind, time, sid/pasid, pids, access, pa and owner.
std::string describe(const DmaViolation& v);

class DmaOracle : public DeviceAccessObserver {
 public:
  // Records kept in full by default (the counters count every violation).
  static constexpr size_t kDefaultMaxRecords = 16;

  // Stats under "host.dma_oracle.". `frames` must outlive the oracle.
  DmaOracle(const FrameAllocator& frames, StatsRegistry& stats,
            size_t max_records = kDefaultMaxRecords);

  // SVA bindings (SmmuDriver::sva_bind / sva_unbind).
  void bind(uint32_t sid, uint32_t pasid, int32_t pid);
  void unbind(uint32_t sid, uint32_t pasid);
  // The pid bound to (sid, pasid) now, if any.
  std::optional<int32_t> bound_pid(uint32_t sid, uint32_t pasid) const;

  // DeviceAccessObserver: checks every 4 KiB frame of [pa, pa + len).
  void device_access(const IoAttrs& attrs, uint64_t pa, uint64_t len, bool write,
                     const sc_core::sc_time& at) override;

  uint64_t accesses() const { return accesses_.value(); }
  uint64_t violations() const { return violations_.value(); }
  uint64_t violations(DmaViolationKind kind) const;
  // The first max_records violations, in order.
  const std::vector<DmaViolation>& records() const { return records_; }

 private:
  struct Binding {
    int32_t pid = kNoPid;
    int32_t last_pid = kNoPid;
  };
  struct Stream {
    uint32_t sid = 0;
    std::vector<Binding> by_pasid;
  };
  const Binding* find(uint32_t sid, uint32_t pasid) const;
  Binding& slot(uint32_t sid, uint32_t pasid);
  void check_frame(const IoAttrs& attrs, uint64_t pa, uint64_t len, bool write,
                   const sc_core::sc_time& at);
  void violation(DmaViolation v);

  const FrameAllocator& frames_;
  size_t max_records_;
  std::vector<Stream> streams_;  // few (one per device): scanned
  std::vector<DmaViolation> records_;
  Counter& accesses_;
  Counter& violations_;
  Counter* by_kind_[3];  // indexed by DmaViolationKind
};

}  // namespace wdsim
