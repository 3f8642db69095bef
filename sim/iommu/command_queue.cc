#include "sim/iommu/command_queue.h"

#include <algorithm>
#include <cctype>

namespace wdsim::smmu {

using sc_core::sc_time;

namespace {
std::string lower(const char* s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

CommandQueue::CommandQueue(const CmdqParams& p, MemPort& mem, CommandSink& sink, SimEnv& env,
                           const std::string& component)
    : p_(p), mem_(mem), sink_(sink), env_(env), component_(component) {}

unsigned CommandQueue::log2size() const {
  return std::min<unsigned>(decode_queue_base(base_reg_).log2size, p_.max_log2_entries);
}

bool CommandQueue::accepted(uint8_t op, sc_time* cost) const {
  switch (static_cast<CmdOp>(op)) {
    case CmdOp::kCfgiSte:
    case CmdOp::kCfgiAll:
    case CmdOp::kCfgiCd:
    case CmdOp::kCfgiCdAll:
      *cost = ns(p_.cfgi_cost_ns);
      return true;
    case CmdOp::kTlbiNhAll:
    case CmdOp::kTlbiNhAsid:
    case CmdOp::kTlbiNhVa:
    case CmdOp::kTlbiNhVaa:
    case CmdOp::kTlbiS2Ipa:
    case CmdOp::kTlbiS12Vmall:
    case CmdOp::kTlbiNsnhAll:
      *cost = ns(p_.tlbi_cost_ns);
      return true;
    case CmdOp::kSync:
      *cost = ns(p_.sync_cost_ns);
      return true;
    case CmdOp::kPrefetchConfig:
    case CmdOp::kPrefetchAddr:
      *cost = ns(p_.other_cost_ns);
      return true;
    case CmdOp::kAtcInv:
    case CmdOp::kPriResp:
    case CmdOp::kResume:
    case CmdOp::kStallTerm:
      return sink_.device_command_cost(op, cost);
    default:
      return false;
  }
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
  env_.stats().counter(component_ + ".cmds.errors", "Commands that stopped the queue").inc();
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
    env_.stats().counter(component_ + ".cmds." + lower(name), "Commands executed").inc();
    env_.stats()
        .histogram(component_ + ".cmd_time_ns." + lower(name), "ns",
                   "From the PROD write to the command's completion")
        .add(to_ns(end - at));
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
        if (!mem_.write(c.msi_addr, &data, sizeof(data), t)) {
          env_.stats()
              .counter(component_ + ".cmds.msi_errors", "SYNC MSI writes that failed")
              .inc();
        }
      }
    } else if (c.op == static_cast<uint8_t>(CmdOp::kAtcInv) ||
               c.op == static_cast<uint8_t>(CmdOp::kPriResp) ||
               c.op == static_cast<uint8_t>(CmdOp::kResume) ||
               c.op == static_cast<uint8_t>(CmdOp::kStallTerm)) {
      sink_.device_command(c, end);
    } else {
      sink_.apply_command(c);
    }
    cons_exec_ = queue_next(cons_exec_, log2);
    complete(cons_exec_, end);
  }
}

}  // namespace wdsim::smmu
