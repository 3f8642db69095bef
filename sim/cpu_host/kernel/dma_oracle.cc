#include "sim/cpu_host/kernel/dma_oracle.h"

#include <algorithm>
#include <sstream>

#include "sim/base/timing.h"

namespace wdsim {

namespace {
constexpr uint64_t kFrame = FrameAllocator::kFrameSize;

std::string owner_text(FrameOwner owner) {
  if (owner == kFrameFree) return "free";
  if (owner == kFrameKernel) return "kernel";
  return "pid " + std::to_string(owner);
}
}  // namespace

const char* dma_violation_name(DmaViolationKind kind) {
  switch (kind) {
    case DmaViolationKind::kForeignFrame:
      return "foreign_frame";
    case DmaViolationKind::kFreeFrame:
      return "free_frame";
    case DmaViolationKind::kAfterUnbind:
      return "after_unbind";
  }
  return "?";
}

std::string describe(const DmaViolation& v) {
  std::ostringstream s;
  s << dma_violation_name(v.kind) << " at " << v.time_ps << " ps: sid " << v.sid;
  if (v.pasid_valid) {
    s << " pasid " << v.pasid;
    if (v.pid != kNoPid) s << " (pid " << v.pid << ")";
    if (v.kind == DmaViolationKind::kAfterUnbind) {
      s << (v.last_pid == kNoPid ? " (never bound)"
                                 : " (was pid " + std::to_string(v.last_pid) + ")");
    }
  } else {
    s << " no pasid";
  }
  s << (v.write ? " write " : " read ") << v.len << " B at pa 0x" << std::hex << v.pa << std::dec
    << ", frame owner " << owner_text(v.owner);
  if (v.lent_to != kNotLent) s << " lent to pid " << v.lent_to;
  s << ", tag " << v.requester_tag;
  return s.str();
}

DmaOracle::DmaOracle(const FrameAllocator& frames, StatsRegistry& stats, size_t max_records)
    : frames_(frames),
      max_records_(max_records),
      accesses_(stats.counter("host.dma_oracle.accesses",
                              "Device accesses checked by the DMA oracle, per 4 KiB frame")),
      violations_(stats.counter("host.dma_oracle.violations",
                                "Device accesses to memory the request may not touch")) {
  for (DmaViolationKind k : {DmaViolationKind::kForeignFrame, DmaViolationKind::kFreeFrame,
                             DmaViolationKind::kAfterUnbind}) {
    by_kind_[static_cast<size_t>(k)] = &stats.counter(
        std::string("host.dma_oracle.") + dma_violation_name(k), "DMA oracle violations by kind");
  }
}

const DmaOracle::Binding* DmaOracle::find(uint32_t sid, uint32_t pasid) const {
  for (const Stream& s : streams_) {
    if (s.sid != sid) continue;
    return pasid < s.by_pasid.size() ? &s.by_pasid[pasid] : nullptr;
  }
  return nullptr;
}

DmaOracle::Binding& DmaOracle::slot(uint32_t sid, uint32_t pasid) {
  auto it =
      std::find_if(streams_.begin(), streams_.end(), [&](const Stream& s) { return s.sid == sid; });
  if (it == streams_.end()) {
    streams_.push_back(Stream{sid, {}});
    it = std::prev(streams_.end());
  }
  if (it->by_pasid.size() <= pasid) it->by_pasid.resize(size_t{pasid} + 1);
  return it->by_pasid[pasid];
}

void DmaOracle::bind(uint32_t sid, uint32_t pasid, int32_t pid) {
  Binding& b = slot(sid, pasid);
  b.pid = pid;
  b.last_pid = pid;
}

void DmaOracle::unbind(uint32_t sid, uint32_t pasid) { slot(sid, pasid).pid = kNoPid; }

std::optional<int32_t> DmaOracle::bound_pid(uint32_t sid, uint32_t pasid) const {
  const Binding* b = find(sid, pasid);
  if (!b || b->pid == kNoPid) return std::nullopt;
  return b->pid;
}

uint64_t DmaOracle::violations(DmaViolationKind kind) const {
  return by_kind_[static_cast<size_t>(kind)]->value();
}

void DmaOracle::device_access(const IoAttrs& attrs, uint64_t pa, uint64_t len, bool write,
                              const sc_core::sc_time& at) {
  while (len > 0) {
    const uint64_t in_frame = std::min<uint64_t>(len, kFrame - pa % kFrame);
    check_frame(attrs, pa, in_frame, write, at);
    pa += in_frame;
    len -= in_frame;
  }
}

void DmaOracle::check_frame(const IoAttrs& attrs, uint64_t pa, uint64_t len, bool write,
                            const sc_core::sc_time& at) {
  accesses_.inc();
  const FrameInfo frame = frames_.info(pa);
  int32_t pid = kNoPid;
  std::optional<DmaViolationKind> bad;
  if (attrs.pasid_valid) {
    const Binding* b = find(attrs.stream_id, attrs.pasid);
    pid = b ? b->pid : kNoPid;
    if (pid == kNoPid) {
      bad = DmaViolationKind::kAfterUnbind;
    } else if (frame.owner == kFrameFree) {
      bad = DmaViolationKind::kFreeFrame;
    } else if (frame.owner != pid && frame.lent_to != pid) {
      bad = DmaViolationKind::kForeignFrame;
    }
  } else if (frame.owner == kFrameFree) {
    bad = DmaViolationKind::kFreeFrame;
  }
  if (!bad) return;
  DmaViolation v;
  v.kind = *bad;
  v.time_ps = to_ps(at);
  v.sid = attrs.stream_id;
  v.pasid_valid = attrs.pasid_valid;
  v.pasid = attrs.pasid_valid ? attrs.pasid : 0;
  v.pid = pid;
  if (attrs.pasid_valid) {
    const Binding* b = find(attrs.stream_id, attrs.pasid);
    v.last_pid = b ? b->last_pid : kNoPid;
  }
  v.pa = pa;
  v.len = len;
  v.owner = frame.owner;
  v.lent_to = frame.lent_to;
  v.write = write;
  v.requester_tag = attrs.requester_tag;
  violation(v);
}

void DmaOracle::violation(DmaViolation v) {
  violations_.inc();
  by_kind_[static_cast<size_t>(v.kind)]->inc();
  if (records_.size() < max_records_) records_.push_back(v);
}

}  // namespace wdsim
