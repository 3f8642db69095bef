// The Smmu translation pipeline: SMMUEN/GBPA, STE (config cache or linear stream table), STE
// config, SubstreamID selection (S1CDMax, S1DSS), CD (config cache or linear CD table), IOTLB,
// stage-1 walk, permission check; faults become event records. Also the command sink
// (CFGI_* / TLBI_* effects on the caches).
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

bool is_stage1_fault(EventId id) {
  return id == EventId::kFTranslation || id == EventId::kFPermission || id == EventId::kFAccess ||
         id == EventId::kFAddrSize;
}

constexpr unsigned kMaxIps = 6;  // IPS encodings above 52 bits are reserved
constexpr uint16_t kVmidNoStage2 = 0;

}  // namespace

Smmu::Outcome Smmu::abort_silently(const char* why, sc_time& t) {
  env_.stats()
      .counter(component_ + ".aborts." + why, "Transactions aborted without an event")
      .inc();
  env_.trace_event(component_, "abort", {tf("why", why)}, t);
  Outcome o;
  o.fault = IoFault::kAbort;
  return o;
}

Smmu::Outcome Smmu::fault(const Request& req, EventId id, sc_time& t, bool record,
                          uint64_t fetch_addr) {
  const uint8_t raw = static_cast<uint8_t>(id);
  env_.stats().counter(component_ + ".faults." + smmu::event_id_key(raw), "Faults by type").inc();
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
    if (evtq_->post(e, evtq_enabled(), t) == smmu::EventQueue::PostResult::kWritten) {
      event_posted_.notify(t);
    }
  }
  Outcome o;
  o.fault = io_fault_for(id);
  return o;
}

std::optional<smmu::SteConfig> Smmu::get_ste(const Request& req, sc_time& t, Outcome& out) {
  if (auto cached = config_->find_ste(req.sid)) return cached;
  const smmu::StrtabBaseCfg cfg = smmu::decode_strtab_base_cfg(strtab_base_cfg_);
  const unsigned log2 = std::min<unsigned>(cfg.log2size, p_.sid_bits);
  // 2-level stream tables are a later issue: IDR0.ST_LVL says linear only.
  if (cfg.fmt != smmu::kStrtabFmtLinear || uint64_t{req.sid} >= (1ull << log2)) {
    out = fault(req, EventId::kCBadStreamId, t);
    return std::nullopt;
  }
  const uint64_t addr =
      (strtab_base_ & smmu::kStrtabBaseAddrMask) + uint64_t{smmu::kSteBytes} * req.sid;
  uint64_t words[smmu::kSteDwords];
  const bool ok = read(addr, words, smmu::kSteBytes, t);
  env_.trace_event(component_, "ste_fetch", {tf("sid", req.sid), tf_hex("addr", addr)}, t);
  if (!ok) {
    out = fault(req, EventId::kFSteFetch, t, true, addr);
    return std::nullopt;
  }
  smmu::SteConfig ste = smmu::decode_ste(words);
  bool good = ste.valid;
  switch (ste.config) {
    case smmu::SteCfg::kAbort:
    case smmu::SteCfg::kBypass:
      break;
    case smmu::SteCfg::kS1Trans:
      good = good && ste.s1_fmt == smmu::kS1FmtLinear && ste.s1_cd_max <= p_.ssid_bits &&
             ste.s1_dss != 3;
      break;
    default:  // reserved, or stage 2 / nested (IDR0.S2P = 0)
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
                                           const smmu::SteConfig& ste, sc_time& t, Outcome& out) {
  if (auto cached = config_->find_cd(req.sid, ssid)) return cached;
  const uint64_t addr = ste.s1_context_ptr + uint64_t{smmu::kCdBytes} * ssid;
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
    if (gbpa_ & smmu::kGbpaAbort) return finish(abort_silently("gbpa", t));
    out.ok = true;
    out.pa = req.va;
    return finish(out);
  }
  if (p_.iotlb.enabled) t += ns(p_.iotlb.lookup_latency_ns);
  t += ns(p_.config_cache.lookup_latency_ns);

  const std::optional<smmu::SteConfig> ste = get_ste(req, t, out);
  if (!ste) return finish(out);
  if (ste->config == smmu::SteCfg::kAbort) return finish(abort_silently("ste", t));
  auto pass_through = [&] {
    out.ok = true;
    out.pa = req.va;
    return finish(out);
  };
  const bool bypass = ste->config == smmu::SteCfg::kBypass;
  if (req.ats_translated) {  // ATS is a later issue: pass through when EATS allows it
    if (!bypass && ste->eats == smmu::kEatsAbort) {
      return finish(fault(req, EventId::kFTranslForbidden, t));
    }
    return pass_through();
  }
  if (bypass) return pass_through();

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
    if (ste->s1_dss == smmu::kS1DssBypass) return pass_through();
  }
  const std::optional<smmu::CdConfig> cd = get_cd(req, ssid, *ste, t, out);
  if (!cd) return finish(out);

  // Stage-1 faults are recorded only with CD.R, and abort only with CD.A (else RAZ/WI).
  auto stage1_fault = [&](EventId id, uint64_t fetch_addr) {
    const bool s1 = is_stage1_fault(id);
    Outcome o = fault(req, id, t, !s1 || cd->record, fetch_addr);
    o.raz_wi = s1 && !cd->abort;
    return o;
  };
  const uint64_t va = cd->tbi0 ? (req.va & bit_mask(55, 0)) : req.va;
  std::optional<smmu::IoTlbEntry> entry = iotlb_->lookup(kVmidNoStage2, cd->asid, va);
  env_.trace_event(component_, entry ? "iotlb_hit" : "iotlb_miss",
                   {tf("asid", cd->asid), tf_hex("iova", va & ~0xfffull)}, t);
  if (!entry) {
    const smmu::WalkOutcome w = walker_->walk(*cd, va, *this, t);
    if (w.descriptors_read > 0) {
      walks_.inc();
      walk_latency_ns_.add(to_ns(w.latency));
      env_.trace_event(component_, "walk",
                       {tf("sid", req.sid), tf("pasid", ssid), tf_hex("iova", va),
                        tf("levels", w.descriptors_read)},
                       t);
    }
    if (w.fault) return finish(stage1_fault(*w.fault, w.fetch_addr));
    entry = w.entry;
    entry->vmid = kVmidNoStage2;
    entry->asid = cd->asid;
    iotlb_->insert(*entry);
  }
  if (!smmu::access_permitted(entry->perms, req.write, req.exec, req.privileged)) {
    return finish(stage1_fault(EventId::kFPermission, 0));
  }
  out.ok = true;
  out.pa = entry->pa_page | (va & 0xfffull);
  return finish(out);
}

void Smmu::apply_command(const smmu::Command& c) {
  using smmu::CmdOp;
  // No stage 2 (IDR0.S2P = 0): every entry has VMID 0 and the command's VMID is ignored.
  switch (static_cast<CmdOp>(c.op)) {
    case CmdOp::kCfgiSte:
      config_->invalidate_ste(c.sid);
      break;
    case CmdOp::kCfgiAll:
      config_->invalidate_ste_range(c.sid, c.range);
      break;
    case CmdOp::kCfgiCd:
      config_->invalidate_cd(c.sid, c.ssid);
      break;
    case CmdOp::kCfgiCdAll:
      config_->invalidate_cd_all(c.sid);
      break;
    case CmdOp::kTlbiNhAll:
      iotlb_->invalidate_vmid(kVmidNoStage2);
      break;
    case CmdOp::kTlbiNhAsid:
      iotlb_->invalidate_asid(kVmidNoStage2, c.asid);
      break;
    case CmdOp::kTlbiNhVa:
    case CmdOp::kTlbiNhVaa: {
      const uint64_t bytes = smmu::tlbi_range_bytes(c);
      const uint64_t hi = c.addr + (bytes ? bytes : 1);  // TG 0: the entry holding VA
      std::optional<uint16_t> asid;
      if (static_cast<CmdOp>(c.op) == CmdOp::kTlbiNhVa) asid = c.asid;
      iotlb_->invalidate_va(kVmidNoStage2, asid, c.addr, hi);
      break;
    }
    case CmdOp::kTlbiNsnhAll:
      iotlb_->invalidate_all();
      break;
    default:
      break;  // PREFETCH_*, RESUME, STALL_TERM: nothing cached or stalled to act on
  }
}

void Smmu::command_error(uint8_t) {
  // Raise GERROR.CMDQ_ERR: active while it differs from GERRORN.CMDQ_ERR.
  if (((gerror_ ^ gerrorn_) & smmu::kGerrorCmdqErr) == 0) gerror_ ^= smmu::kGerrorCmdqErr;
}

}  // namespace wdsim
