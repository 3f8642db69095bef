#include "sim/iommu/stage1_walker.h"

#include <algorithm>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"

namespace wdsim::smmu {

using sc_core::sc_time;

namespace {

constexpr unsigned kMaxOutputBits = 48;  // IDR5.OAS = 48 bits
constexpr unsigned kMinT0sz4K = 16;
constexpr unsigned kMaxT0sz4K = 39;
// Table descriptor hierarchical controls (Arm ARM D8.3.1).
constexpr uint64_t kPxnTable = 1ull << 59;
constexpr uint64_t kUxnTable = 1ull << 60;
constexpr uint64_t kApTableNoEl0 = 1ull << 61;
constexpr uint64_t kApTableReadOnly = 1ull << 62;

unsigned ips_bits(uint8_t ips) {
  static constexpr unsigned kBits[] = {32, 36, 40, 42, 44, 48, 52, 56};
  return kBits[ips & 7];
}

}  // namespace

unsigned cd_va_bits(const CdConfig& cd) { return 64u - cd.t0sz; }

bool cd_walkable(const CdConfig& cd) {
  return cd.aa64 && cd.tg0 == kTg0_4K && cd.t0sz >= kMinT0sz4K && cd.t0sz <= kMaxT0sz4K;
}

Stage1Walker::Stage1Walker(const WalkParams& p) : step_(ns(p.step_latency_ns)), pool_(p.walkers) {}

WalkOutcome Stage1Walker::walk(const CdConfig& cd, uint64_t va, MemPort& mem, sc_time& t) {
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time arrival = now + t;
  // The walker that will serve this miss is the one free earliest (ServerPool's choice).
  sc_time free_at = pool_.server(0).free_at();
  for (size_t i = 1; i < pool_.size(); ++i) free_at = std::min(free_at, pool_.server(i).free_at());
  const sc_time start = std::max(arrival, free_at);
  sc_time local = start - now;
  WalkOutcome out = walk_reads(cd, va, mem, local);
  if (out.descriptors_read == 0) {
    out.latency = sc_core::SC_ZERO_TIME;
    return out;  // rejected before the walk: no walker time
  }
  ServerPool::Grant g = pool_.serve(arrival, (now + local) - start);
  out.latency = g.end - arrival;
  t = g.end - now;
  return out;
}

WalkOutcome Stage1Walker::walk_reads(const CdConfig& cd, uint64_t va, MemPort& mem, sc_time& t) {
  WalkOutcome out;
  if (!cd_walkable(cd)) {  // the SMMU reports C_BAD_CD first; never walk a bad regime
    out.fault = EventId::kFTranslation;
    return out;
  }
  const unsigned va_bits = cd_va_bits(cd);
  // TBI0: the top byte is ignored; otherwise bits [63:va_bits] must be zero (TTB0 range).
  uint64_t in = cd.tbi0 ? (va & bit_mask(55, 0)) : va;
  if ((in >> va_bits) != 0 || cd.epd0) {
    out.fault = EventId::kFTranslation;
    return out;
  }
  const unsigned oa_bits = std::min(ips_bits(cd.ips), kMaxOutputBits);
  const unsigned levels =
      (va_bits - aarch64::kPageShift4K + aarch64::kBitsPerLevel4K - 1) / aarch64::kBitsPerLevel4K;
  const unsigned start_level = aarch64::kLevels4K - levels;
  uint64_t table = cd.ttb0 & bit_mask(51, 4);
  if ((table >> oa_bits) != 0) {
    out.fault = EventId::kFAddrSize;
    return out;
  }
  bool ap_read_only = false, ap_no_el0 = false, uxn = false, pxn = false;
  for (unsigned level = start_level; level < aarch64::kLevels4K; ++level) {
    const uint64_t desc_addr = table + 8ull * aarch64::table_index_4k(in, level);
    uint64_t desc = 0;
    ++out.descriptors_read;
    bool ok = mem.read(desc_addr, &desc, sizeof(desc), t);
    t += step_;
    if (!ok) {
      out.fault = EventId::kFWalkEabt;
      out.fetch_addr = desc_addr;
      return out;
    }
    if (!(desc & aarch64::kDescValid)) {
      out.fault = EventId::kFTranslation;
      return out;
    }
    const bool last = level == aarch64::kLevels4K - 1;
    if (!last && (desc & aarch64::kDescTable)) {
      table = desc & aarch64::kOutputAddrMask;
      if ((get_bits(desc, 51, 48) != 0) || (table >> oa_bits) != 0) {
        out.fault = EventId::kFAddrSize;
        return out;
      }
      ap_read_only |= (desc & kApTableReadOnly) != 0;
      ap_no_el0 |= (desc & kApTableNoEl0) != 0;
      uxn |= (desc & kUxnTable) != 0;
      pxn |= (desc & kPxnTable) != 0;
      continue;
    }
    // A leaf: a page at level 3 (bit 1 set), a block at level 1 or 2 (bit 1 clear).
    if ((last && !(desc & aarch64::kDescPage)) || level == 0) {
      out.fault = EventId::kFTranslation;
      return out;
    }
    const unsigned block_log2 =
        aarch64::kPageShift4K + aarch64::kBitsPerLevel4K * (aarch64::kLevels4K - 1 - level);
    const uint64_t oa = desc & bit_mask(47, block_log2);
    if (get_bits(desc, 51, 48) != 0 || (oa >> oa_bits) != 0) {
      out.fault = EventId::kFAddrSize;
      return out;
    }
    if (!(desc & aarch64::kAccessFlag)) {
      out.fault = EventId::kFAccess;  // no HTTU: software must set AF
      return out;
    }
    const uint64_t block_mask = (1ull << block_log2) - 1;
    out.entry.va_page = in & ~(aarch64::kPageSize4K - 1);
    out.entry.block_va = in & ~block_mask;
    out.entry.block_log2 = block_log2;
    out.entry.pa_page = oa | (in & block_mask & ~(aarch64::kPageSize4K - 1));
    out.entry.perms.writable = !(desc & aarch64::kApReadOnly) && !ap_read_only;
    out.entry.perms.user = (desc & aarch64::kApUser) && !ap_no_el0;
    out.entry.perms.uxn = (desc & aarch64::kUxn) || uxn;
    out.entry.perms.pxn = (desc & aarch64::kPxn) || pxn;
    return out;
  }
  out.fault = EventId::kFTranslation;  // unreachable: level 3 always returns
  return out;
}

}  // namespace wdsim::smmu
