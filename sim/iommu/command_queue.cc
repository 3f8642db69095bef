// The SMMU's commands: the command queue (CommandQueue: fetch, cost, CMDQ_CONS, errors, CMD_SYNC
// and its MSI) and, below it, the Smmu's execution of each command, its CommandSink: CFGI_* and
// TLBI_* on the caches, CMD_ATC_INV to the endpoint (with CMD_SYNC's wait for it), CMD_PRI_RESP
// to the endpoint, CMD_RESUME / CMD_STALL_TERM on the stalled transactions.
#include "sim/iommu/command_queue.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "sim/iommu/smmu.h"

namespace wdsim::smmu {

using sc_core::sc_time;

namespace {

std::string lower(const char* s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// How the queue executes an opcode (kIllegal: CERROR_ILL, e.g. TLBI_EL2_* without IDR0.HYP).
enum class CmdKind { kIllegal, kCfgi, kTlbi, kSync, kPrefetch, kDevice };

CmdKind cmd_kind(uint8_t op) {
  switch (static_cast<CmdOp>(op)) {
    case CmdOp::kCfgiSte:
    case CmdOp::kCfgiAll:
    case CmdOp::kCfgiCd:
    case CmdOp::kCfgiCdAll:
      return CmdKind::kCfgi;
    case CmdOp::kTlbiNhAll:
    case CmdOp::kTlbiNhAsid:
    case CmdOp::kTlbiNhVa:
    case CmdOp::kTlbiNhVaa:
    case CmdOp::kTlbiS2Ipa:
    case CmdOp::kTlbiS12Vmall:
    case CmdOp::kTlbiNsnhAll:
      return CmdKind::kTlbi;
    case CmdOp::kSync:
      return CmdKind::kSync;
    case CmdOp::kPrefetchConfig:
    case CmdOp::kPrefetchAddr:
      return CmdKind::kPrefetch;
    case CmdOp::kAtcInv:
    case CmdOp::kPriResp:
    case CmdOp::kResume:
    case CmdOp::kStallTerm:
      return CmdKind::kDevice;
    default:
      return CmdKind::kIllegal;
  }
}

}  // namespace

CommandQueue::CommandQueue(const CmdqParams& p, MemPort& mem, CommandSink& sink, SimEnv& env,
                           const std::string& component)
    : p_(p),
      mem_(mem),
      sink_(sink),
      env_(env),
      component_(component),
      errors_(env.stats().counter(component + ".cmds.errors", "Commands that stopped the queue")),
      msi_errors_(
          env.stats().counter(component + ".cmds.msi_errors", "SYNC MSI writes that failed")) {
  // Every command the queue can execute, whether or not a scenario sends it.
  for (unsigned op = 0; op < executed_.size(); ++op) {
    if (cmd_kind(static_cast<uint8_t>(op)) == CmdKind::kIllegal) continue;
    const std::string name = lower(cmd_op_name(static_cast<uint8_t>(op)));
    executed_[op] = &env.stats().counter(component + ".cmds." + name, "Commands executed");
    time_ns_[op] = &env.stats().histogram(component + ".cmd_time_ns." + name, "ns",
                                          "From the PROD write to the command's completion");
  }
}

unsigned CommandQueue::log2size() const {
  return std::min<unsigned>(decode_queue_base(base_reg_).log2size, p_.max_log2_entries);
}

bool CommandQueue::accepted(uint8_t op, sc_time* cost) const {
  switch (cmd_kind(op)) {
    case CmdKind::kCfgi:
      *cost = ns(p_.cfgi_cost_ns);
      return true;
    case CmdKind::kTlbi:
      *cost = ns(p_.tlbi_cost_ns);
      return true;
    case CmdKind::kSync:
      *cost = ns(p_.sync_cost_ns);
      return true;
    case CmdKind::kPrefetch:
      *cost = ns(p_.other_cost_ns);
      return true;
    case CmdKind::kDevice:
      return sink_.device_command_cost(op, cost);
    case CmdKind::kIllegal:
      return false;
  }
  return false;
}

void CommandQueue::write_prod(uint32_t v, const sc_time& at) {
  prod_ = v & queue_ptr_mask(log2size());
  run(at);
}

void CommandQueue::write_cons(uint32_t v) {
  cons_exec_ = cons_settled_ = v & queue_ptr_mask(log2size());
  pending_.clear();
}

uint32_t CommandQueue::read_cons(const sc_time& at) {
  const sc_time now = sc_core::sc_time_stamp();
  size_t settled = 0;
  while (settled < pending_.size() && pending_[settled].at <= now) {
    cons_settled_ = pending_[settled].cons;
    ++settled;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(settled));
  uint32_t v = cons_settled_;
  for (const Completion& c : pending_) {
    if (c.at > at) break;
    v = c.cons;
  }
  return v;
}

void CommandQueue::set_enabled(bool enabled, const sc_time& at) {
  enabled_ = enabled;
  if (enabled_) run(at);
}

void CommandQueue::resume(const sc_time& at) {
  if (!stopped_) return;
  stopped_ = false;
  complete(cons_exec_, at);  // ERR cleared
  run(at);
}

void CommandQueue::complete(uint32_t cons, const sc_time& when) {
  pending_.push_back({when, cons});
  last_done_ = std::max(last_done_, when);
}

void CommandQueue::stop(uint8_t cerror, const sc_time& when) {
  stopped_ = true;
  complete(cons_exec_ | (static_cast<uint32_t>(cerror) << kCmdqConsErrLo), when);
  errors_.inc();
  env_.trace_event(component_, "cmd_error",
                   {tf("cerror", cerror == kCerrorIll   ? "ILL"
                                 : cerror == kCerrorAbt ? "ABT"
                                                        : "ATC_INV_SYNC"),
                    tf("cons", queue_index(cons_exec_, log2size()))},
                   when - sc_core::sc_time_stamp());
  sink_.command_error(cerror);
}

void CommandQueue::run(const sc_time& at) {
  if (!enabled_ || stopped_) return;
  const unsigned log2 = log2size();
  const uint64_t base = decode_queue_base(base_reg_).addr;
  // Bounded by the queue size, whatever PROD software wrote.
  for (uint32_t budget = 2u << log2; budget > 0 && !queue_empty(prod_, cons_exec_, log2);
       --budget) {
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time start = std::max(at, server_.free_at());
    sc_time local = start - now;
    const sc_time before = local;
    uint64_t words[kCmdDwords];
    const bool fetched = mem_.read(base + uint64_t{kCmdBytes} * queue_index(cons_exec_, log2),
                                   words, kCmdBytes, local);
    const sc_time fetch = local - before;
    if (!fetched) {
      stop(kCerrorAbt, start + fetch);
      return;
    }
    const Command c = decode_cmd(words);
    sc_time cost;
    if (!accepted(c.op, &cost)) {
      stop(kCerrorIll, start + fetch);
      return;
    }
    sc_time end = server_.serve(at, fetch + cost);
    const bool is_sync = static_cast<CmdOp>(c.op) == CmdOp::kSync;
    if (is_sync) {
      const SyncWait w = sink_.sync_wait(end);
      if (w.atc_timeout) {
        stop(kCerrorAtcInvSync, std::max(end, w.until));
        return;
      }
      if (w.until > end) end = server_.serve(end, w.until - end);
    }
    const char* name = cmd_op_name(c.op);
    executed_[c.op]->inc();
    time_ns_[c.op]->add(to_ns(end - at));
    std::vector<TraceField> fields{tf("op", name)};
    switch (static_cast<CmdOp>(c.op)) {
      case CmdOp::kCfgiSte:
      case CmdOp::kCfgiCdAll:
        fields.push_back(tf("sid", c.sid));
        break;
      case CmdOp::kCfgiCd:
        fields.push_back(tf("sid", c.sid));
        fields.push_back(tf("ssid", c.ssid));
        break;
      case CmdOp::kTlbiNhAsid:
        fields.push_back(tf("asid", c.asid));
        break;
      case CmdOp::kAtcInv:
        fields.push_back(tf("sid", c.sid));
        fields.push_back(c.ssv ? tf("ssid", c.ssid) : tf("ssid", "none"));
        fields.push_back(tf_hex("addr", c.addr));
        fields.push_back(tf("size", c.size));
        break;
      case CmdOp::kPriResp:
        fields.push_back(tf("sid", c.sid));
        fields.push_back(tf("grpid", c.grpid));
        fields.push_back(tf("resp", c.resp));
        break;
      case CmdOp::kResume:
        fields.push_back(tf("sid", c.sid));
        fields.push_back(tf("stag", c.stag));
        fields.push_back(tf("resp", c.resp));
        break;
      case CmdOp::kStallTerm:
        fields.push_back(tf("sid", c.sid));
        break;
      case CmdOp::kTlbiNhVa:
      case CmdOp::kTlbiNhVaa:
        fields.push_back(tf("asid", c.asid));
        fields.push_back(tf_hex("va", c.addr));
        fields.push_back(tf("bytes", tlbi_range_bytes(c)));
        break;
      default:
        break;
    }
    env_.trace_event(component_, "cmd", std::move(fields), end - now);
    if (is_sync) {
      const bool msi = c.cs == kSyncCsIrq && c.msi_addr != 0;
      env_.trace_event(component_, "sync", {tf("cs", c.cs), tf_hex("msi_addr", c.msi_addr)},
                       end - now);
      if (msi) {
        sc_time t = end - now;
        uint32_t data = c.msi_data;
        if (!mem_.write(c.msi_addr, &data, sizeof(data), t)) msi_errors_.inc();
      }
    } else if (cmd_kind(c.op) == CmdKind::kDevice) {
      sink_.device_command(c, end);
    } else {
      sink_.apply_command(c);
    }
    cons_exec_ = queue_next(cons_exec_, log2);
    complete(cons_exec_, end);
  }
}

}  // namespace wdsim::smmu

// ---------------------------------------------------------------------------------------------
// The Smmu's side of the commands (its CommandSink).
namespace wdsim {

using sc_core::sc_time;

namespace {

constexpr uint64_t kAtcInvSizeAll = 52;  // Linux ATC_INV_SIZE_ALL
constexpr unsigned kAtcInvGrainShift = 12;

// pri.responses.<key>, indexed by CMD_PRI_RESP.Resp; the reserved value counts as fail (its PRG
// Response is Response Failure).
constexpr const char* kPriRespKeys[] = {"deny", "fail", "success"};
static_assert(smmu::kPriRespDeny == 0 && smmu::kPriRespFail == 1 && smmu::kPriRespSuccess == 2);
size_t pri_resp_index(uint8_t resp) {
  return resp <= smmu::kPriRespSuccess ? resp : smmu::kPriRespFail;
}

}  // namespace

Smmu::CommandStats::CommandStats(StatsRegistry& stats, const std::string& c)
    : atc_invalidations(stats.counter(c + ".ats.atc_invalidations", "ATS Invalidate Requests")),
      atc_inv_unrouted(
          stats.counter(c + ".ats.atc_inv_unrouted", "CMD_ATC_INV with no endpoint bound")),
      atc_inv_timeouts(
          stats.counter(c + ".ats.atc_inv_timeouts",
                        "ATC invalidations failed or timed out (CERROR_ATC_INV_SYNC)")),
      pri_service_time_ns(stats.histogram(c + ".pri.service_time_ns", "ns",
                                          "Page request arrival to its CMD_PRI_RESP completing")),
      resume_no_match(stats.counter(c + ".stall.resume_no_match", "CMD_RESUME matching nothing")),
      terminated_by_stall_term(stats.counter(c + ".stall.terminated_by_stall_term",
                                             "Stalled transactions terminated by CMD_STALL_TERM")) {
  for (size_t i = 0; i < pri_responses.size(); ++i) {
    pri_responses[i] =
        &stats.counter(c + ".pri.responses." + kPriRespKeys[i], "CMD_PRI_RESP by Resp");
  }
}

void Smmu::apply_command(const smmu::Command& c) {
  using smmu::CmdOp;
  // Micro-TLB entries carry the ASID/VMID of the main-TLB entry they copy, so every TLBI
  // applies to both TLBs with the same scope; CFGI_* also drop the stream's micro-TLB entries
  // (they were reached without reading the STE/CD).
  auto both_tlbs = [&](auto&& op) {
    op(*iotlb_);
    op(*utlb_);
  };
  auto tlbi_range_end = [&] {
    const uint64_t bytes = smmu::tlbi_range_bytes(c);
    return c.addr + (bytes ? bytes : 1);  // TG 0: the entry holding the address
  };
  switch (static_cast<CmdOp>(c.op)) {
    case CmdOp::kCfgiSte:
      config_->invalidate_ste(c.sid);
      utlb_->invalidate_sids(c.sid, uint64_t{c.sid} + 1);
      break;
    case CmdOp::kCfgiAll: {
      config_->invalidate_ste_range(c.sid, c.range);
      const uint64_t span = c.range >= smmu::kCfgiRangeAll ? (1ull << 32) : 2ull << c.range;
      const uint64_t lo = c.sid & ~(span - 1);
      utlb_->invalidate_sids(lo, lo + span);
      break;
    }
    case CmdOp::kCfgiCd:
      config_->invalidate_cd(c.sid, c.ssid);
      utlb_->invalidate_sids(c.sid, uint64_t{c.sid} + 1);
      break;
    case CmdOp::kCfgiCdAll:
      config_->invalidate_cd_all(c.sid);
      utlb_->invalidate_sids(c.sid, uint64_t{c.sid} + 1);
      break;
    case CmdOp::kTlbiNhAll:
      both_tlbs([&](smmu::IoTlb& tlb) { tlb.invalidate_nh_vmid(c.vmid); });
      walk_cache_->invalidate_s1_vmid(c.vmid);
      break;
    case CmdOp::kTlbiNhAsid:
      both_tlbs([&](smmu::IoTlb& tlb) { tlb.invalidate_asid(c.vmid, c.asid); });
      walk_cache_->invalidate_asid(c.vmid, c.asid);
      break;
    case CmdOp::kTlbiNhVa:
    case CmdOp::kTlbiNhVaa: {
      const uint64_t hi = tlbi_range_end();
      std::optional<uint16_t> asid;
      if (static_cast<CmdOp>(c.op) == CmdOp::kTlbiNhVa) asid = c.asid;
      both_tlbs([&](smmu::IoTlb& tlb) { tlb.invalidate_va(c.vmid, asid, c.addr, hi); });
      if (!c.leaf) walk_cache_->invalidate_va(c.vmid, asid, c.addr, hi);
      break;
    }
    case CmdOp::kTlbiS2Ipa: {
      const uint64_t hi = tlbi_range_end();
      both_tlbs([&](smmu::IoTlb& tlb) { tlb.invalidate_ipa(c.vmid, c.addr, hi); });
      walk_cache_->invalidate_ipa(c.vmid, c.addr, hi, c.leaf);
      break;
    }
    case CmdOp::kTlbiS12Vmall:
      both_tlbs([&](smmu::IoTlb& tlb) { tlb.invalidate_vmid(c.vmid); });
      walk_cache_->invalidate_vmid(c.vmid);
      break;
    case CmdOp::kTlbiNsnhAll:
      both_tlbs([&](smmu::IoTlb& tlb) { tlb.invalidate_all(); });
      walk_cache_->invalidate_all();
      break;
    default:
      break;  // PREFETCH_*, RESUME, STALL_TERM: nothing cached or stalled to act on
  }
}

void Smmu::command_error(uint8_t) {
  // Raise GERROR.CMDQ_ERR: active while it differs from GERRORN.CMDQ_ERR.
  if (((gerror_ ^ gerrorn_) & smmu::kGerrorCmdqErr) == 0) gerror_ ^= smmu::kGerrorCmdqErr;
}

bool Smmu::device_command_cost(uint8_t op, sc_time* cost) const {
  switch (static_cast<smmu::CmdOp>(op)) {
    case smmu::CmdOp::kAtcInv:
      *cost = ns(p_.ats.atc_inv_cost_ns);
      return p_.ats.enabled;
    case smmu::CmdOp::kPriResp:
      *cost = ns(p_.pri.resp_cost_ns);
      return p_.pri.enabled;
    case smmu::CmdOp::kResume:
    case smmu::CmdOp::kStallTerm:
      *cost = ns(p_.stall.resume_cost_ns);
      return p_.stall.model != "terminate";  // STALL_MODEL 0b01: CERROR_ILL
    default:
      return false;
  }
}

void Smmu::device_command(const smmu::Command& c, const sc_time& done) {
  const sc_time now = sc_core::sc_time_stamp();
  switch (static_cast<smmu::CmdOp>(c.op)) {
    case smmu::CmdOp::kAtcInv: {
      AtsMessage m;
      m.kind = AtsMsgKind::kInvalidation;
      m.sid = c.sid;
      m.ssv = c.ssv;
      m.ssid = c.ssid;
      m.global = c.global;
      if (c.size >= kAtcInvSizeAll) {
        m.addr = 0;
        m.size = 0;  // everything
      } else {
        m.size = uint64_t{1} << (c.size + kAtcInvGrainShift);
        m.addr = c.addr & ~(m.size - 1);
      }
      cmd_stats_.atc_invalidations.inc();
      sc_time t = done - now;
      if (ats_inv_pri.size() == 0) {
        cmd_stats_.atc_inv_unrouted.inc();
        return;
      }
      const bool ok = send_to_endpoint(m, t);
      atc_invs_.push_back({done, now + t, !ok});
      return;
    }
    case smmu::CmdOp::kPriResp: {
      AtsMessage m;
      m.kind = AtsMsgKind::kPrgResponse;
      m.sid = c.sid;
      m.ssv = c.ssv;
      m.ssid = c.ssid;
      m.prg_index = c.grpid;
      m.response_code = smmu::prg_code_for_pri_resp(c.resp);
      cmd_stats_.pri_responses[pri_resp_index(c.resp)]->inc();
      auto it = prg_arrivals_.find({c.sid, c.grpid});
      if (it != prg_arrivals_.end()) {
        cmd_stats_.pri_service_time_ns.add(
            to_ns(done > it->second ? done - it->second : sc_core::SC_ZERO_TIME));
        prg_arrivals_.erase(it);
      }
      sc_time t = done - now;
      send_to_endpoint(m, t);
      return;
    }
    case smmu::CmdOp::kResume:
      if (!stalls_->resume(c.sid, c.stag, c.resp, done)) {
        cmd_stats_.resume_no_match.inc();
      }
      return;
    case smmu::CmdOp::kStallTerm:
      cmd_stats_.terminated_by_stall_term.inc(stalls_->terminate_sid(c.sid, done));
      return;
    default:
      return;
  }
}

smmu::SyncWait Smmu::sync_wait(const sc_time& done) {
  smmu::SyncWait w{done, false};
  const sc_time timeout = ns(p_.ats.atc_inv_timeout_ns);
  for (const AtcInvSent& inv : atc_invs_) {
    if (inv.failed || inv.completed - inv.sent > timeout) {
      w.atc_timeout = true;
      w.until = std::max(w.until, inv.sent + timeout);
      cmd_stats_.atc_inv_timeouts.inc();
    } else {
      w.until = std::max(w.until, inv.completed);
    }
  }
  atc_invs_.clear();
  return w;
}

}  // namespace wdsim
