#include "sim/iommu/table_walker.h"

#include <algorithm>

#include "sim/base/bits.h"

namespace wdsim::smmu {

using sc_core::sc_time;

namespace {

constexpr unsigned kMinT0sz = 64 - kMaxInputBits;  // 16
constexpr unsigned kMaxT0sz = 64 - kMinInputBits;  // 39
constexpr uint8_t kMaxIpsEncoding = 6;             // 52 bits; 7 is reserved
constexpr unsigned kDescBytes = 8;
constexpr unsigned kInFlightKeyShift = 12;  // coalescing granularity: 4 KiB input pages

}  // namespace

std::optional<StageConfig> stage1_config(const CdConfig& cd, uint16_t vmid, unsigned oas_bits) {
  const std::optional<Granule> g = granule_from_tg(cd.tg0);
  if (!cd.aa64 || !g || cd.t0sz < kMinT0sz || cd.t0sz > kMaxT0sz || cd.ips > kMaxIpsEncoding) {
    return std::nullopt;
  }
  StageConfig c;
  c.stage = 1;
  c.granule = *g;
  c.in_bits = 64u - cd.t0sz;
  c.start_level = s1_start_level(*g, c.in_bits);
  c.ttb = cd.ttb0 & bit_mask(51, 4);
  c.oa_bits = std::min(pa_size_bits(cd.ips), oas_bits);
  c.vmid = vmid;
  c.asid = cd.asid;
  return c;
}

bool cd_walkable(const CdConfig& cd) { return stage1_config(cd, 0, kMaxInputBits).has_value(); }

std::optional<StageConfig> stage2_config(const SteConfig& ste, unsigned oas_bits) {
  const Vtcr v = decode_vtcr(ste.vtcr);
  const std::optional<Granule> g = granule_from_tg(v.tg);
  if (!ste.s2_aa64 || !g || v.t0sz < kMinT0sz || v.t0sz > kMaxT0sz || v.ps > kMaxIpsEncoding) {
    return std::nullopt;
  }
  StageConfig c;
  c.stage = 2;
  c.granule = *g;
  c.in_bits = 64u - v.t0sz;
  const std::optional<unsigned> start = s2_start_level(*g, v.sl0, c.in_bits);
  if (!start) return std::nullopt;
  c.start_level = *start;
  c.ttb = ste.s2_ttb & bit_mask(51, 4);
  c.oa_bits = std::min(pa_size_bits(v.ps), oas_bits);
  c.vmid = ste.s2_vmid;
  return c;
}

TableWalker::TableWalker(const WalkParams& p, double tlb_lookup_ns, IoTlb& tlb, WalkCache& wc,
                         MemPort& mem, SimEnv& env, const std::string& prefix)
    : step_(ns(p.step_latency_ns)),
      tlb_lookup_(ns(tlb_lookup_ns)),
      oas_bits_(p.oas_bits),
      tlb_(tlb),
      wc_(wc),
      mem_(mem),
      pool_(p.walkers),
      coalesced_(env.stats().counter(prefix + ".walks_coalesced",
                                     "Misses that waited for an in-flight walk of their page")),
      reads_per_walk_(env.stats().histogram(prefix + ".walk_reads", "reads",
                                            "Descriptor reads per walk (both stages)")),
      stats_(env.stats()),
      prefix_(prefix) {
  for (unsigned n = 0; n <= kMaxWalkReads; ++n) {
    walks_by_reads_.push_back(&stats_.counter(prefix_ + ".walks_by_reads." + std::to_string(n),
                                              "Walks that read this many descriptors"));
  }
}

WalkOutcome TableWalker::walk(const WalkRequest& r, sc_time& t) {
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time arrival = now + t;
  // Forget walks that ended before anything can still arrive.
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    it = it->second.end <= now ? in_flight_.erase(it) : std::next(it);
  }
  const auto key =
      std::make_tuple(static_cast<uint8_t>(r.kind), r.kind == TlbStage::kS2 ? r.s2.vmid : r.s1.vmid,
                      r.kind == TlbStage::kS2 ? uint16_t{0} : r.s1.asid, r.in >> kInFlightKeyShift);
  auto it = in_flight_.find(key);
  if (it != in_flight_.end() && it->second.end > arrival) {
    coalesced_.inc();
    WalkOutcome out = it->second.outcome;
    out.coalesced = true;
    out.descriptors_read = 0;
    out.latency = it->second.end - arrival;
    t = it->second.end - now;
    return out;
  }
  // The walker that will serve this miss is the one free earliest (ServerPool's choice).
  sc_time free_at = pool_.server(0).free_at();
  for (size_t i = 1; i < pool_.size(); ++i) free_at = std::min(free_at, pool_.server(i).free_at());
  const sc_time start = std::max(arrival, free_at);
  sc_time local = start - now;
  WalkOutcome out = walk_reads(r, local);
  if (out.descriptors_read == 0 && local == start - now) {
    out.latency = sc_core::SC_ZERO_TIME;
    return out;  // rejected before the walk: no walker time
  }
  const ServerPool::Grant g = pool_.serve(arrival, (now + local) - start);
  out.latency = g.end - arrival;
  out.entry.ready_at = g.end;
  t = g.end - now;
  reads_per_walk_.add(out.descriptors_read);
  while (out.descriptors_read >= walks_by_reads_.size()) {  // never with four-level tables
    walks_by_reads_.push_back(
        &stats_.counter(prefix_ + ".walks_by_reads." + std::to_string(walks_by_reads_.size()),
                        "Walks that read this many descriptors"));
  }
  walks_by_reads_[out.descriptors_read]->inc();
  in_flight_[key] = {g.end, out};
  return out;
}

WalkOutcome TableWalker::walk_reads(const WalkRequest& r, sc_time& t) {
  WalkOutcome out;
  Ctx ctx{t, 0, r.space};
  IoTlbEntry& e = out.entry;
  e.stage = r.kind;
  if (r.kind == TlbStage::kS2) {
    Leaf s2;  // the caller looked the IPA up in the TLB already
    if (auto f = walk_stage(r.s2, r.in, nullptr, ctx, &s2)) {
      out.fault = f;
    } else {
      e.vmid = r.s2.vmid;
      e.has_s1 = false;
      e.has_s2 = true;
      e.block_va = s2.in_base;
      e.block_log2 = s2.size_log2;
      e.va_page = s2.in_base;
      e.pa_page = s2.out_base;
      e.s2 = s2.s2;
    }
    out.descriptors_read = ctx.reads;
    return out;
  }
  const bool nested = r.kind == TlbStage::kNested;
  Leaf s1;
  if (auto f = walk_stage(r.s1, r.in, nested ? &r.s2 : nullptr, ctx, &s1)) {
    out.fault = f;
    out.descriptors_read = ctx.reads;
    return out;
  }
  e.vmid = r.s1.vmid;
  e.asid = r.s1.asid;
  e.perms = s1.s1;
  e.has_s1 = true;
  const uint64_t in_page = r.in & ~((1ull << kInFlightKeyShift) - 1);
  if (!nested) {
    e.block_va = s1.in_base;
    e.block_log2 = s1.size_log2;
    e.va_page = in_page;
    e.pa_page = s1.out_base + (in_page - s1.in_base);
    out.descriptors_read = ctx.reads;
    return out;
  }
  const uint64_t ipa = s1.out_base + (r.in - s1.in_base);
  Leaf s2;
  if (auto f = s2_translate(r.s2, ipa, ctx, &s2)) {
    f->clss = EventClass::kIn;
    out.fault = f;
    out.descriptors_read = ctx.reads;
    return out;
  }
  const unsigned size = std::min(s1.size_log2, s2.size_log2);
  const uint64_t mask = (1ull << size) - 1;
  e.has_s2 = true;
  e.s2 = s2.s2;
  e.block_va = r.in & ~mask;
  e.block_log2 = size;
  e.va_page = in_page;
  e.pa_page = s2.out_base + ((ipa & ~((1ull << kInFlightKeyShift) - 1)) - s2.in_base);
  e.ipa_base = ipa & ~mask;
  e.ipa_log2 = size;
  out.descriptors_read = ctx.reads;
  return out;
}

std::optional<WalkFault> TableWalker::translate_ipa(const StageConfig& s2, uint64_t ipa,
                                                    uint64_t* pa, sc_time& t, unsigned* reads,
                                                    uint32_t space) {
  Ctx ctx{t, 0, space};
  Leaf leaf;
  std::optional<WalkFault> f = s2_translate(s2, ipa, ctx, &leaf);
  if (reads) *reads += ctx.reads;
  if (f) {
    f->clss = EventClass::kCd;
    return f;
  }
  *pa = leaf.out_base + (ipa - leaf.in_base);
  return std::nullopt;
}

std::optional<WalkFault> TableWalker::s2_translate(const StageConfig& s2, uint64_t ipa, Ctx& ctx,
                                                   Leaf* leaf) {
  if (tlb_.enabled()) {
    ctx.t += tlb_lookup_;
    if (auto hit = tlb_.lookup(TlbStage::kS2, s2.vmid, 0, ipa, ctx.space)) {
      const sc_time now = sc_core::sc_time_stamp();
      if (hit->ready_at > now + ctx.t) ctx.t = hit->ready_at - now;
      leaf->in_base = hit->block_va;
      leaf->size_log2 = hit->block_log2;
      leaf->out_base = hit->translate(hit->block_va);
      leaf->s2 = hit->s2;
      return std::nullopt;
    }
  }
  if (auto f = walk_stage(s2, ipa, nullptr, ctx, leaf)) return f;
  IoTlbEntry e;
  e.stage = TlbStage::kS2;
  e.vmid = s2.vmid;
  e.has_s1 = false;
  e.has_s2 = true;
  e.block_va = leaf->in_base;
  e.block_log2 = leaf->size_log2;
  e.va_page = leaf->in_base;
  e.pa_page = leaf->out_base;
  e.s2 = leaf->s2;
  e.ready_at = sc_core::sc_time_stamp() + ctx.t;
  tlb_.insert(e);
  return std::nullopt;
}

std::optional<WalkFault> TableWalker::walk_stage(const StageConfig& c, uint64_t in,
                                                 const StageConfig* s2, Ctx& ctx, Leaf* leaf) {
  WalkFault f;
  f.s2 = c.stage == 2;
  if (f.s2) f.ipa = in;
  // Stage-1 table faults in a nested walk are stage-2 faults on the table's IPA (class TT).
  auto table_fault = [&](WalkFault s2f, uint64_t table_ipa) {
    s2f.clss = EventClass::kTt;
    s2f.ipa = table_ipa;
    return s2f;
  };
  if ((in >> c.in_bits) != 0) {
    f.id = EventId::kFTranslation;  // outside the TTB0 / stage-2 input range
    return f;
  }
  const Granule& g = c.granule;
  unsigned level = c.start_level;
  uint64_t table = c.ttb;  // a PA, except a nested stage 1's root (an IPA, translated below)
  bool table_is_ipa = s2 != nullptr;
  bool ap_read_only = false, ap_no_el0 = false, uxn = false, pxn = false;
  const WalkCacheTag tag{static_cast<uint8_t>(c.stage), c.vmid, c.stage == 1 ? c.asid : uint16_t{0},
                         g.tg};
  const sc_time now = sc_core::sc_time_stamp();
  if (wc_.enabled()) {
    ctx.t += wc_.lookup_latency();
    // Deepest cached table descriptor first (levels probed in parallel; one latency).
    for (int l = std::min<int>(kLastLevel - 1, WalkCache::kLevels - 1);
         l >= static_cast<int>(c.start_level); --l) {
      const unsigned region = level_shift(g, static_cast<unsigned>(l));
      if (auto hit = wc_.find(tag, static_cast<unsigned>(l), region, in)) {
        if (hit->ready_at > now + ctx.t) ctx.t = hit->ready_at - now;
        level = static_cast<unsigned>(l) + 1;
        table = hit->next_table;
        table_is_ipa = false;
        ap_read_only = hit->ap_read_only;
        ap_no_el0 = hit->ap_no_el0;
        uxn = hit->uxn;
        pxn = hit->pxn;
        break;
      }
    }
  }
  if (table_is_ipa) {
    Leaf tl;
    if (auto s2f = s2_translate(*s2, table, ctx, &tl)) return table_fault(*s2f, table);
    table = tl.out_base + (table - tl.in_base);
  } else if ((table >> c.oa_bits) != 0) {
    f.id = EventId::kFAddrSize;
    return f;
  }
  for (; level <= kLastLevel; ++level) {
    const uint64_t desc_pa =
        table + kDescBytes * table_index(g, level, c.start_level, c.in_bits, in);
    uint64_t desc = 0;
    ++ctx.reads;
    const bool ok = mem_.read(desc_pa, &desc, sizeof(desc), ctx.t);
    ctx.t += step_;
    if (!ok) {
      f.id = EventId::kFWalkEabt;
      f.fetch_addr = desc_pa;
      f.clss = EventClass::kTt;
      return f;
    }
    if (!(desc & kDescValid)) {
      f.id = EventId::kFTranslation;
      return f;
    }
    if (level < kLastLevel && (desc & kDescTableOrPage)) {
      uint64_t next = desc_addr(desc, g.page_shift);
      if (desc_high_pa_bits(desc) || (next >> c.oa_bits) != 0) {
        f.id = EventId::kFAddrSize;
        return f;
      }
      if (c.stage == 1) {
        ap_read_only |= (desc & kApTableReadOnly) != 0;
        ap_no_el0 |= (desc & kApTableNoEl0) != 0;
        uxn |= (desc & kUxnTable) != 0;
        pxn |= (desc & kPxnTable) != 0;
      }
      if (s2) {  // nested stage 1: the next table's address is an IPA
        Leaf tl;
        if (auto s2f = s2_translate(*s2, next, ctx, &tl)) return table_fault(*s2f, next);
        next = tl.out_base + (next - tl.in_base);
      }
      WalkCacheEntry wce;
      wce.tag = tag;
      wce.region_log2 = level_shift(g, level);
      wce.prefix = in >> wce.region_log2;
      wce.next_table = next;
      wce.via_stage2 = s2 != nullptr;
      wce.ap_read_only = ap_read_only;
      wce.ap_no_el0 = ap_no_el0;
      wce.uxn = uxn;
      wce.pxn = pxn;
      wce.ready_at = now + ctx.t;
      wc_.insert(level, wce);
      table = next;
      continue;
    }
    // A leaf: a page at the last level (bit 1 set), a block where the granule allows one.
    if ((level == kLastLevel && !(desc & kDescTableOrPage)) ||
        (level < kLastLevel && !block_allowed(g, level))) {
      f.id = EventId::kFTranslation;
      return f;
    }
    const unsigned size = level_shift(g, level);
    const uint64_t oa = desc_addr(desc, size);
    if (desc_high_pa_bits(desc) || (oa >> c.oa_bits) != 0) {
      f.id = EventId::kFAddrSize;
      return f;
    }
    if (!(desc & kDescAf)) {
      f.id = EventId::kFAccess;  // no HTTU: software must set AF
      return f;
    }
    leaf->in_base = in & ~((1ull << size) - 1);
    leaf->size_log2 = size;
    leaf->out_base = oa;
    if (c.stage == 1) {
      leaf->s1.writable = !(desc & kDescApReadOnly) && !ap_read_only;
      leaf->s1.user = (desc & kDescApUser) && !ap_no_el0;
      leaf->s1.uxn = (desc & kDescUxn) || uxn;
      leaf->s1.pxn = (desc & kDescPxn) || pxn;
    } else {
      leaf->s2.read = (desc & kDescS2ApRead) != 0;
      leaf->s2.write = (desc & kDescS2ApWrite) != 0;
      leaf->s2.xn = (desc & kDescS2Xn) != 0;
    }
    return std::nullopt;
  }
  f.id = EventId::kFTranslation;  // unreachable: the last level always returns
  return f;
}

}  // namespace wdsim::smmu
