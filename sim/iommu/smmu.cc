#include "sim/iommu/smmu.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "sim/base/aarch64_pte.h"
#include "sim/base/tlm_access.h"

namespace wdsim {

using sc_core::sc_time;

Smmu::Smmu(sc_core::sc_module_name name, const SmmuParams& p, SimEnv& env)
    : sc_module(name),
      upstream("upstream"),
      mem("mem"),
      regs("regs"),
      ats("ats"),
      ats_inv_pri("ats_inv_pri"),
      msi("msi"),
      p_(p),
      env_(env),
      component_(basename()),
      translations_(env.stats().counter(component_ + ".translations",
                                        "Page translations (one per 4 KiB piece of a DMA)")),
      walks_(env.stats().counter(component_ + ".walks", "Table walks (that read descriptors)")),
      walk_latency_ns_(env.stats().histogram(component_ + ".walk_latency_ns", "ns",
                                             "Walk time incl. queueing for a walker")),
      translation_latency_ns_(
          env.stats().histogram(component_ + ".translation_latency_ns", "ns",
                                "Lookup + config fetches + walk, per page translation")),
      walks_coalesced_(
          env.stats().counter(component_ + ".walks_coalesced",
                              "Misses that waited for an in-flight walk of their page")),
      aborts_gbpa_(env.stats().counter(component_ + ".aborts.gbpa",
                                       "Transactions aborted without an event")),
      aborts_ste_(
          env.stats().counter(component_ + ".aborts.ste", "Transactions aborted without an event")),
      fault_stats_(env.stats(), component_),
      cmd_stats_(env.stats(), component_),
      ats_stats_(env.stats(), component_),
      evtq_msi_(smmu::kRegEvtqIrqCfg0, "evtq", env.stats(), component_),
      priq_msi_(smmu::kRegPriqIrqCfg0, "priq", env.stats(), component_) {
  for (size_t id = 0; id < faults_by_id_.size(); ++id) {
    faults_by_id_[id] = &env.stats().counter(
        component_ + ".faults." + smmu::event_id_key(static_cast<uint8_t>(id)), "Faults by type");
  }
  upstream.register_b_transport(this, &Smmu::upstream_b_transport);
  regs.register_b_transport(this, &Smmu::regs_b_transport);
  ats.register_b_transport(this, &Smmu::ats_b_transport);
  spaces_ = std::make_unique<AddressSpaces>(env_.stats(), component_ + ".address_spaces",
                                            /*with_stream=*/true);
  iotlb_ = std::make_unique<smmu::IoTlb>(p_.iotlb, env_.stats(), component_ + ".iotlb",
                                         env_.rng(component_ + ".iotlb"), spaces_.get());
  utlb_ = std::make_unique<smmu::IoTlb>(p_.utlb, env_.stats(), component_ + ".utlb",
                                        env_.rng(component_ + ".utlb"), spaces_.get());
  config_ = std::make_unique<smmu::ConfigCache>(p_.config_cache, env_.stats(),
                                                component_ + ".config_cache", spaces_.get());
  walk_cache_ =
      std::make_unique<smmu::WalkCache>(p_.walk_cache, env_.stats(), component_ + ".walk_cache",
                                        env_.rng(component_ + ".walk_cache"));
  smmu::MemPort& port = *this;
  walker_ = std::make_unique<smmu::TableWalker>(p_.walk, p_.iotlb.lookup_latency_ns, *iotlb_,
                                                *walk_cache_, port, env_, component_);
  smmu::CommandSink& sink = *this;
  evtq_ = std::make_unique<smmu::EventQueue>(p_.evtq_max_log2_entries, port, env_.stats(),
                                             component_ + ".evtq");
  cmdq_ = std::make_unique<smmu::CommandQueue>(p_.cmdq, port, sink, env_, component_);
  priq_ = std::make_unique<smmu::PriQueue>(p_.pri.max_log2_entries, port, env_.stats(),
                                           component_ + ".priq");
  stalls_ = std::make_unique<smmu::StallTable>(p_.stall.max_stalled);
  if (p_.gbpa_abort_at_reset) gbpa_ = smmu::kGbpaAbort;
}

Smmu::~Smmu() = default;

bool Smmu::read(uint64_t pa, void* dst, size_t len, sc_time& t) {
  return tlm_access(mem, tlm::TLM_READ_COMMAND, pa, dst, len, t) == tlm::TLM_OK_RESPONSE;
}

bool Smmu::write(uint64_t pa, const void* src, size_t len, sc_time& t) {
  return tlm_access(mem, tlm::TLM_WRITE_COMMAND, pa, const_cast<void*>(src), len, t) ==
         tlm::TLM_OK_RESPONSE;
}

namespace {
// The trace.json track of the memory accesses behind the SMMU (host memory as devices see it).
constexpr const char* kMemoryTrack = "memory";
}  // namespace

void Smmu::upstream_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  IoAttrs* attrs = gp.get_extension<IoAttrs>();
  if (!attrs) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  const bool is_write = gp.get_command() == tlm::TLM_WRITE_COMMAND;
  const uint64_t addr = gp.get_address();
  const unsigned len = gp.get_data_length();
  attrs->fault = IoFault::kNone;
  attrs->translation_time = sc_core::SC_ZERO_TIME;
  if (len == 0) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  const bool crosses_page = (addr & (aarch64::kPageSize4K - 1)) + len > aarch64::kPageSize4K;
  if (crosses_page && gp.get_byte_enable_ptr()) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (crosses_page && gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }

  // Translate every page piece first, so a fault anywhere aborts before any memory access.
  struct Piece {
    uint64_t pa;
    unsigned offset;
    unsigned len;
    bool raz_wi;
  };
  // One piece per 4 KiB page the access touches; up to kInlinePieces stay on the stack (no
  // allocation per transaction for the usual one- or two-page access).
  constexpr uint64_t kInlinePieces = 4;
  // The loop below cuts [addr, addr + len) at page boundaries: as many pieces as the pages the
  // bytes span from addr's offset in its page (none for len 0; no overflow at the top of the
  // address space, where addr + len wraps).
  const uint64_t num_pieces =
      ((addr & (aarch64::kPageSize4K - 1)) + uint64_t{len} + aarch64::kPageSize4K - 1) /
      aarch64::kPageSize4K;
  std::array<Piece, kInlinePieces> inline_pieces;
  std::vector<Piece> heap_pieces(num_pieces > kInlinePieces ? num_pieces : 0);
  Piece* const pieces = num_pieces > kInlinePieces ? heap_pieces.data() : inline_pieces.data();
  size_t pieces_used = 0;
  Request req;
  req.sid = attrs->stream_id;
  req.ssid = attrs->pasid;
  req.ssv = attrs->pasid_valid;
  req.write = is_write;
  req.exec = attrs->exec;
  req.privileged = attrs->privileged;
  req.ats_translated = attrs->ats_translated;
  req.tag = attrs->requester_tag;
  req.space = spaces_->id(req.sid, req.ssv, req.ssid);
  sc_time translation = sc_core::SC_ZERO_TIME;
  unsigned done = 0;
  while (done < len) {
    const uint64_t va = addr + done;
    const unsigned piece = static_cast<unsigned>(
        std::min<uint64_t>(len - done, aarch64::kPageSize4K - (va & (aarch64::kPageSize4K - 1))));
    req.va = va;
    const sc_time before = sc_core::sc_time_stamp() + delay;  // absolute: a stall waits
    Outcome o = translate_or_stall(req, delay);
    translation += sc_core::sc_time_stamp() + delay - before;
    if (!o.ok && !o.raz_wi) {
      attrs->fault = o.fault;
      attrs->translation_time = translation;
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (!o.ok) attrs->fault = o.fault;
    pieces[pieces_used++] = {o.pa, done, piece, o.raz_wi};
    done += piece;
  }
  attrs->translation_time = translation;

  unsigned char* data = gp.get_data_ptr();
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  for (size_t i = 0; i < pieces_used; ++i) {
    const Piece& pc = pieces[i];
    if (pc.raz_wi) {
      if (!is_write) std::memset(data + pc.offset, 0, pc.len);
      continue;
    }
    gp.set_address(pc.pa);
    gp.set_data_ptr(data + pc.offset);
    gp.set_data_length(pc.len);
    gp.set_streaming_width(pc.len);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    mem->b_transport(gp, delay);
    status = gp.get_response_status();
    // trace.json: the memory access ends the request's flow (doorbell, fetch, engine, walks).
    if (req.tag && env_.trace().enabled()) {
      const uint64_t seq = env_.trace_view_event(
          kMemoryTrack, is_write ? "dma_write" : "dma_read",
          {tf_hex("pa", pc.pa), tf("bytes", pc.len), tf("sid", req.sid)}, delay);
      env_.trace().flow_event(seq, TraceSink::flow_id(req.sid, req.tag));
    }
    if (status != tlm::TLM_OK_RESPONSE) break;
  }
  gp.set_address(addr);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_response_status(status);
}

}  // namespace wdsim
