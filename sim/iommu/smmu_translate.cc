// The Smmu translation pipeline: SMMUEN/GBPA, STE (config cache, or the linear or 2-level stream
// table), STE config (abort, bypass, stage 1, stage 2, nested), SubstreamID selection (S1CDMax,
// S1DSS), CD (config cache, or the linear or 2-level CD table), micro-TLB and main TLB, the walk
// (table_walker.h), permission checks; faults become event records (stage-1 faults go through
// fault_handling.cc for the stall model and ATS). The CFGI_* / TLBI_* effects on the caches are
// in command_queue.cc.
#include <algorithm>

#include "sim/base/bits.h"
#include "sim/iommu/smmu.h"

namespace wdsim {

using sc_core::sc_time;
using smmu::EventId;

namespace {

IoFault io_fault_for(EventId id) {
  switch (id) {
    case EventId::kFTranslation:
      return IoFault::kTranslation;
    case EventId::kFPermission:
      return IoFault::kPermission;
    case EventId::kFAccess:
      return IoFault::kAccessFlag;
    case EventId::kFAddrSize:
      return IoFault::kAddressSize;
    case EventId::kCBadStreamId:
    case EventId::kCBadSte:
    case EventId::kCBadSubstreamId:
    case EventId::kCBadCd:
      return IoFault::kBadConfig;
    case EventId::kFSteFetch:
    case EventId::kFCdFetch:
    case EventId::kFWalkEabt:
      return IoFault::kWalkAbort;
    default:
      return IoFault::kAbort;
  }
}

[[maybe_unused]] bool is_stage1_fault(EventId id) {
  return id == EventId::kFTranslation || id == EventId::kFPermission || id == EventId::kFAccess ||
         id == EventId::kFAddrSize;
}

constexpr unsigned kMaxIps = 6;  // IPS encodings above 52 bits are reserved

}  // namespace

Smmu::Outcome Smmu::abort_silently(const char* why, Counter& count, sc_time& t) {
  count.inc();
  env_.trace_event(component_, "abort", {tf("why", why)}, t);
  Outcome o;
  o.fault = IoFault::kAbort;
  return o;
}

Smmu::Outcome Smmu::fault(const Request& req, EventId id, sc_time& t, bool record,
                          uint64_t fetch_addr, const smmu::WalkFault* wf) {
  const uint8_t raw = static_cast<uint8_t>(id);
  faults_by_id_[raw]->inc();
  env_.trace_event(component_, "fault",
                   {tf("type", smmu::event_id_name(raw)), tf("sid", req.sid),
                    req.ssv ? tf("pasid", req.ssid) : tf("pasid", "none"), tf_hex("iova", req.va)},
                   t);
  if (record) {
    smmu::EventRecord e;
    e.id = raw;
    e.sid = req.sid;
    e.ssv = req.ssv;
    e.ssid = req.ssv ? req.ssid : 0;
    e.input_addr = req.va;
    e.rnw = !req.write;
    e.pnu = req.privileged;
    e.ind = req.exec;
    e.clss = static_cast<uint8_t>(id == EventId::kFWalkEabt ? smmu::EventClass::kTt
                                                            : smmu::EventClass::kIn);
    e.fetch_addr = fetch_addr;
    if (wf) {  // the walk knows the stage, the class and the IPA
      e.s2 = wf->s2;
      e.clss = static_cast<uint8_t>(wf->clss);
      e.ipa = wf->s2 ? wf->ipa : 0;
      if (id == EventId::kFWalkEabt) e.fetch_addr = wf->fetch_addr;
    }
    post_event(e, t);
  }
  Outcome o;
  o.fault = io_fault_for(id);
  o.event_id = raw;
  return o;
}

std::optional<smmu::SteConfig> Smmu::get_ste(const Request& req, sc_time& t, Outcome& out) {
  if (auto cached = config_->find_ste(req.sid, req.space)) return cached;
  const smmu::StrtabBaseCfg cfg = smmu::decode_strtab_base_cfg(strtab_base_cfg_);
  const unsigned log2 = std::min<unsigned>(cfg.log2size, p_.sid_bits);
  if (cfg.fmt > smmu::kStrtabFmt2Level || uint64_t{req.sid} >= (1ull << log2)) {
    out = fault(req, EventId::kCBadStreamId, t);
    return std::nullopt;
  }
  const uint64_t base = strtab_base_ & smmu::kStrtabBaseAddrMask;
  uint64_t addr = base + uint64_t{smmu::kSteBytes} * req.sid;
  if (cfg.fmt == smmu::kStrtabFmt2Level) {
    // StreamID[n:SPLIT] picks the level-1 descriptor, StreamID[SPLIT-1:0] the STE in its
    // level-2 table of 2^(Span-1) STEs.
    const unsigned split = std::min<unsigned>(cfg.split, log2);
    const uint64_t l1_addr = base + uint64_t{smmu::kL1DescBytes} * (req.sid >> split);
    uint64_t l1 = 0;
    const bool l1_ok = read(l1_addr, &l1, sizeof(l1), t);
    env_.trace_event(component_, "l1_std_fetch", {tf("sid", req.sid), tf_hex("addr", l1_addr)}, t);
    if (!l1_ok) {
      out = fault(req, EventId::kFSteFetch, t, true, l1_addr);
      return std::nullopt;
    }
    const smmu::L1StreamDesc d = smmu::decode_l1_std(l1);
    const uint64_t l2_index = req.sid & ((1ull << split) - 1);
    if (d.span == 0 || d.span > split + 1 || l2_index >= (1ull << (d.span - 1))) {
      out = fault(req, EventId::kCBadStreamId, t);
      return std::nullopt;
    }
    addr = d.l2_ptr + uint64_t{smmu::kSteBytes} * l2_index;
  }
  uint64_t words[smmu::kSteDwords];
  const bool ok = read(addr, words, smmu::kSteBytes, t);
  env_.trace_event(component_, "ste_fetch", {tf("sid", req.sid), tf_hex("addr", addr)}, t);
  if (!ok) {
    out = fault(req, EventId::kFSteFetch, t, true, addr);
    return std::nullopt;
  }
  smmu::SteConfig ste = smmu::decode_ste(words);
  bool good = ste.valid;
  const bool s1_ok =
      ste.s1_fmt <= smmu::kS1Fmt2Level64K && ste.s1_cd_max <= p_.ssid_bits && ste.s1_dss != 3;
  const bool s2_ok = smmu::stage2_config(ste, p_.walk.oas_bits).has_value();
  switch (ste.config) {
    case smmu::SteCfg::kAbort:
    case smmu::SteCfg::kBypass:
      break;
    case smmu::SteCfg::kS1Trans:
      good = good && s1_ok;
      break;
    case smmu::SteCfg::kS2Trans:
      good = good && s2_ok;
      break;
    case smmu::SteCfg::kNested:
      good = good && s1_ok && s2_ok;
      break;
    default:  // reserved
      good = false;
  }
  if (!good) {
    out = fault(req, EventId::kCBadSte, t);
    return std::nullopt;
  }
  config_->insert_ste(req.sid, ste);
  return ste;
}

std::optional<smmu::CdConfig> Smmu::get_cd(const Request& req, uint32_t ssid,
                                           const smmu::SteConfig& ste, const smmu::StageConfig* s2,
                                           sc_time& t, Outcome& out) {
  if (auto cached = config_->find_cd(req.sid, ssid, req.space)) return cached;
  // In a nested stream S1ContextPtr and the level-1 descriptors' L2Ptr are IPAs.
  auto to_pa = [&](uint64_t ipa, uint64_t* pa) {
    if (!s2) {
      *pa = ipa;
      return true;
    }
    if (auto f = walker_->translate_ipa(*s2, ipa, pa, t, nullptr, req.space)) {
      out = stage2_fault(req, ste, *f, t);
      return false;
    }
    return true;
  };
  uint64_t addr = 0;
  const unsigned split = smmu::cd_split_bits(ste.s1_fmt);
  if (split == 0) {
    if (!to_pa(ste.s1_context_ptr + uint64_t{smmu::kCdBytes} * ssid, &addr)) return std::nullopt;
  } else {
    uint64_t l1_addr = 0;
    if (!to_pa(ste.s1_context_ptr + uint64_t{smmu::kL1DescBytes} * (ssid >> split), &l1_addr)) {
      return std::nullopt;
    }
    uint64_t l1 = 0;
    const bool l1_ok = read(l1_addr, &l1, sizeof(l1), t);
    env_.trace_event(component_, "l1_cd_fetch",
                     {tf("sid", req.sid), tf("ssid", ssid), tf_hex("addr", l1_addr)}, t);
    if (!l1_ok) {
      out = fault(req, EventId::kFCdFetch, t, true, l1_addr);
      return std::nullopt;
    }
    const smmu::L1CdDesc d = smmu::decode_l1_cd(l1);
    if (!d.valid) {
      out = fault(req, EventId::kCBadSubstreamId, t);
      return std::nullopt;
    }
    const uint64_t leaf = d.l2_ptr + uint64_t{smmu::kCdBytes} * (ssid & ((1u << split) - 1));
    if (!to_pa(leaf, &addr)) return std::nullopt;
  }
  uint64_t words[smmu::kCdDwords];
  const bool ok = read(addr, words, smmu::kCdBytes, t);
  env_.trace_event(component_, "cd_fetch",
                   {tf("sid", req.sid), tf("ssid", ssid), tf_hex("addr", addr)}, t);
  if (!ok) {
    out = fault(req, EventId::kFCdFetch, t, true, addr);
    return std::nullopt;
  }
  smmu::CdConfig cd = smmu::decode_cd(words);
  if (!cd.valid || !smmu::cd_walkable(cd) || cd.ips > kMaxIps) {
    out = fault(req, EventId::kCBadCd, t);
    return std::nullopt;
  }
  config_->insert_cd(req.sid, ssid, cd);
  return cd;
}

Smmu::Outcome Smmu::translate(const Request& req, sc_time& t) {
  const sc_time t0 = t;
  translations_.inc();
  auto finish = [&](Outcome o) {
    translation_latency_ns_.add(to_ns(t - t0));
    return o;
  };
  Outcome out;
  if (!smmu_enabled()) {
    if (gbpa_ & smmu::kGbpaAbort) return finish(abort_silently("gbpa", aborts_gbpa_, t));
    out.ok = true;
    out.pa = req.va;
    return finish(out);
  }
  // The micro-TLB, by stream: a hit needs neither the STE, the CD nor the main TLB.
  if (p_.utlb.enabled && !req.ats_request && !req.ats_translated) {
    t += ns(p_.utlb.lookup_latency_ns);
    if (auto u =
            utlb_->lookup_stream(req.sid, req.ssv ? req.ssid : smmu::kNoSsid, req.va, req.space)) {
      wait_for_walk(u->ready_at, t);
      if (u->permits(req.write, req.exec, req.privileged)) {
        out.ok = true;
        out.perms = u->perms;
        out.pa = u->translate(req.va);
        return finish(out);
      }
      // A permission fault: the full path below reports it with the STE/CD's settings.
    }
  }
  if (p_.iotlb.enabled) t += ns(p_.iotlb.lookup_latency_ns);
  t += ns(p_.config_cache.lookup_latency_ns);

  const std::optional<smmu::SteConfig> ste = get_ste(req, t, out);
  if (!ste) return finish(out);
  if (ste->config == smmu::SteCfg::kAbort) return finish(abort_silently("ste", aborts_ste_, t));
  auto pass_through = [&] {
    out.ok = true;
    out.pa = req.va;
    return finish(out);
  };
  const bool bypass = ste->config == smmu::SteCfg::kBypass;
  if (req.ats_request && ste->eats == smmu::kEatsAbort) {
    return finish(fault(req, EventId::kFBadAtsTreq, t));
  }
  if (req.ats_translated) {  // the endpoint's ATC translated it: pass through when EATS allows
    if (!bypass && ste->eats == smmu::kEatsAbort) {
      return finish(fault(req, EventId::kFTranslForbidden, t));
    }
    return pass_through();
  }
  if (bypass) return pass_through();

  const bool s1_on = ste->config == smmu::SteCfg::kS1Trans || ste->config == smmu::SteCfg::kNested;
  std::optional<smmu::StageConfig> s2cfg;  // checked by get_ste
  if (ste->config == smmu::SteCfg::kS2Trans || ste->config == smmu::SteCfg::kNested) {
    s2cfg = smmu::stage2_config(*ste, p_.walk.oas_bits);
  }
  const smmu::StageConfig* s2 = s2cfg ? &*s2cfg : nullptr;
  // Stage 1 bypassed (a stage-2-only STE, or S1DSS bypass): the input address is the IPA.
  auto stage1_bypass = [&] {
    if (!s2) return pass_through();
    return finish(
        translate_tables(req, smmu::TlbStage::kS2, req.va, *ste, nullptr, nullptr, s2, t));
  };
  if (!s1_on) {
    if (req.ssv) return finish(fault(req, EventId::kCBadSubstreamId, t));
    return stage1_bypass();
  }

  uint32_t ssid = 0;
  if (req.ssv) {
    if (ste->s1_cd_max == 0 || req.ssid >= (1u << ste->s1_cd_max)) {
      return finish(fault(req, EventId::kCBadSubstreamId, t));
    }
    ssid = req.ssid;
  } else if (ste->s1_cd_max != 0) {
    if (ste->s1_dss == smmu::kS1DssTerminate) {
      return finish(fault(req, EventId::kFStreamDisabled, t));
    }
    if (ste->s1_dss == smmu::kS1DssBypass) return stage1_bypass();
  }
  const std::optional<smmu::CdConfig> cd = get_cd(req, ssid, *ste, s2, t, out);
  if (!cd) return finish(out);
  if (auto bad = stall_config_error(*ste, *cd)) return finish(fault(req, *bad, t));

  const uint64_t va = cd->tbi0 ? (req.va & bit_mask(55, 0)) : req.va;
  if (cd->epd0) {  // TTB0 walks disabled
    return finish(this->stage1_fault(req, *cd, EventId::kFTranslation, 0, t));
  }
  const smmu::StageConfig s1 = *smmu::stage1_config(*cd, ste->s2_vmid, p_.walk.oas_bits);
  return finish(translate_tables(req, s2 ? smmu::TlbStage::kNested : smmu::TlbStage::kS1, va, *ste,
                                 &*cd, &s1, s2, t));
}

void Smmu::wait_for_walk(const sc_time& ready_at, sc_time& t) {
  const sc_time now = sc_core::sc_time_stamp();
  if (ready_at > now + t) {
    t = ready_at - now;
    walks_coalesced_.inc();
  }
}

Smmu::Outcome Smmu::stage2_fault(const Request& req, const smmu::SteConfig& ste,
                                 const smmu::WalkFault& wf, sc_time& t) {
  // Stage-2 translation faults are recorded only with STE.S2R; they always abort.
  const bool record = ste.s2_r || !is_stage1_fault(wf.id);
  return fault(req, wf.id, t, record, wf.fetch_addr, &wf);
}

Smmu::Outcome Smmu::translate_tables(const Request& req, smmu::TlbStage kind, uint64_t in,
                                     const smmu::SteConfig& ste, const smmu::CdConfig* cd,
                                     const smmu::StageConfig* s1, const smmu::StageConfig* s2,
                                     sc_time& t) {
  const uint16_t vmid = s2 ? s2->vmid : s1->vmid;
  const uint16_t asid = cd ? cd->asid : 0;
  std::optional<smmu::IoTlbEntry> entry = iotlb_->lookup(kind, vmid, asid, in, req.space);
  if (env_.tracing()) {
    env_.trace_event(component_, entry ? "iotlb_hit" : "iotlb_miss",
                     {tf("asid", asid), tf_hex("iova", in & ~0xfffull)}, t);
    if (req.tag) env_.trace().flow(TraceSink::flow_id(req.sid, req.tag));
    ++(entry ? traced_iotlb_hits_ : traced_iotlb_misses_);
    env_.trace_counter(component_ + (entry ? " iotlb hits" : " iotlb misses"),
                       static_cast<double>(entry ? traced_iotlb_hits_ : traced_iotlb_misses_), t);
  }
  if (entry) {
    wait_for_walk(entry->ready_at, t);
  } else {
    smmu::WalkRequest wr;
    wr.kind = kind;
    wr.in = in;
    if (s1) wr.s1 = *s1;
    if (s2) wr.s2 = *s2;
    wr.space = req.space;
    const smmu::WalkOutcome w = walker_->walk(wr, t);
    if (w.descriptors_read > 0) {
      walks_.inc();
      walk_latency_ns_.add(to_ns(w.latency));
      if (env_.tracing()) {
        env_.trace_event(component_, "walk",
                         {tf("sid", req.sid), tf("pasid", req.ssv ? req.ssid : 0),
                          tf_hex("iova", in), tf("levels", w.descriptors_read)},
                         t);
        if (req.tag) env_.trace().flow(TraceSink::flow_id(req.sid, req.tag));
      }
    }
    if (w.fault) {
      if (w.fault->s2 || !cd) return stage2_fault(req, ste, *w.fault, t);
      return this->stage1_fault(req, *cd, w.fault->id, w.fault->fetch_addr, t);
    }
    entry = w.entry;
    iotlb_->insert(*entry);
  }
  if (!req.ats_request) {
    if (entry->has_s1 &&
        !smmu::access_permitted(entry->perms, req.write, req.exec, req.privileged)) {
      return this->stage1_fault(req, *cd, EventId::kFPermission, 0, t);
    }
    if (entry->has_s2 && !smmu::s2_access_permitted(entry->s2, req.write, req.exec)) {
      smmu::WalkFault wf;
      wf.id = EventId::kFPermission;
      wf.s2 = true;
      wf.ipa = entry->stage == smmu::TlbStage::kS2 ? in : entry->ipa_base + (in - entry->block_va);
      return stage2_fault(req, ste, wf, t);
    }
  }
  Outcome out;
  out.ok = true;
  if (entry->has_s1) {
    out.perms = entry->perms;
  } else {
    out.perms = smmu::PagePerms{entry->s2.write, true, entry->s2.xn, entry->s2.xn};
  }
  out.pa = entry->translate(in);
  if (!req.ats_request && in == req.va) {
    smmu::IoTlbEntry u = *entry;
    u.sid = req.sid;
    u.ssid = req.ssv ? req.ssid : smmu::kNoSsid;
    utlb_->insert(u);
  }
  return out;
}

}  // namespace wdsim
