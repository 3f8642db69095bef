// The Smmu register page: IDRs describing what is modelled (with the stall model, PRI and ATS as
// configured), CR0 with immediate CR0ACK, GBPA, IRQ_CTRL, GERROR/GERRORN, the stream table base,
// the command, event and PRI queue registers, and the interrupt configuration registers
// (*_IRQ_CFG*, stored for smmu_msi.cc). 64-bit registers may be accessed as one 64-bit access or
// two 32-bit halves.
#include <cstring>
#include <string>

#include "sim/base/bits.h"
#include "sim/iommu/smmu.h"

namespace wdsim {

using sc_core::sc_time;
using namespace smmu;  // register offsets and fields

namespace {

constexpr uint32_t kAidrSmmuV3_2 = 2;        // ArchMinorRev: range TLBI (IDR3.RIL) is v3.2
constexpr uint32_t kCr0WritableBits = 0x1f;  // ATSCHK, CMDQEN, EVTQEN, PRIQEN, SMMUEN
constexpr uint32_t kIdr3Pps = 1u << 1;       // PRG responses to PASID requests keep the PASID
constexpr unsigned kIdr5StallMaxLo = 16;

void set_lo(uint64_t& r, uint32_t v) { r = (r & ~0xffffffffull) | v; }
void set_hi(uint64_t& r, uint32_t v) { r = (r & 0xffffffffull) | (uint64_t{v} << 32); }
uint32_t lo(uint64_t r) { return static_cast<uint32_t>(r); }
uint32_t hi(uint64_t r) { return static_cast<uint32_t>(r >> 32); }
// IDR5.OAS for an output size in bits (32, 36, 40, 42, 44, 48).
uint32_t oas_encoding(unsigned bits) {
  static constexpr unsigned kBits[] = {32, 36, 40, 42, 44, 48};
  uint32_t enc = 0;
  for (uint32_t i = 0; i < 6; ++i) {
    if (kBits[i] <= bits) enc = i;
  }
  return enc;
}

uint32_t stall_model_bits(const std::string& model) {
  if (model == "terminate") return kIdr0StallModelTerminate;
  if (model == "force") return kIdr0StallModelForce;
  return kIdr0StallModelStall;
}

}  // namespace

uint32_t Smmu::fault_idr(unsigned n) const {
  switch (n) {
    case 0:
      return (stall_model_bits(p_.stall.model) << kIdr0StallModelLo) |
             (p_.pri.enabled ? kIdr0Pri : 0) | (p_.ats.enabled ? kIdr0Ats : 0);
      // TERM_MODEL[26] = 0: CMD_RESUME can terminate with RAZ/WI (Ab = 0).
    case 1:
      return p_.pri.enabled ? (p_.pri.max_log2_entries << kIdr1PriqsLo) : 0;
    case 3:
      return p_.pri.enabled ? kIdr3Pps : 0;
    case 5:
      return p_.stall.model == "terminate" ? 0 : (p_.stall.max_stalled << kIdr5StallMaxLo);
    default:
      return 0;
  }
}

uint32_t Smmu::plain_reg(uint32_t offset) const {
  auto it = plain_regs_.find(offset);
  return it == plain_regs_.end() ? 0 : it->second;
}

uint32_t Smmu::idr(unsigned n) const {
  switch (n) {
    case 0:
      // 2-level stream and CD tables, little-endian AArch64 tables, stage 1 and stage 2,
      // 16-bit ASIDs and VMIDs, MSIs (CMD_SYNC), coherent table walks; STALL_MODEL, PRI and
      // ATS from fault_idr().
      return (kIdr0StLvl2Level << kIdr0StLvlLo) | fault_idr(0) | kIdr0Cd2l | kIdr0Vmid16 |
             (kIdr0TtEndianLe << kIdr0TtEndianLo) | kIdr0Msi | kIdr0Asid16 | kIdr0Cohacc |
             (kIdr0TtfAarch64 << kIdr0TtfLo) | kIdr0S1p | kIdr0S2p;
    case 1:
      return (p_.cmdq.max_log2_entries << kIdr1CmdqsLo) |
             (p_.evtq_max_log2_entries << kIdr1EvtqsLo) | fault_idr(1) |
             (p_.ssid_bits << kIdr1SsidSizeLo) | (p_.sid_bits << kIdr1SidSizeLo);
    case 3:
      return kIdr3Ril | fault_idr(3);
    case 5:
      return kIdr5Gran4k | kIdr5Gran16k | kIdr5Gran64k | oas_encoding(p_.walk.oas_bits) |
             fault_idr(5);
    default:
      return 0;
  }
}

uint32_t Smmu::read_reg32(uint32_t offset, const sc_time& at) {
  switch (offset) {
    case kRegIdr0:
      return idr(0);
    case kRegIdr1:
      return idr(1);
    case kRegIdr2:
      return idr(2);
    case kRegIdr3:
      return idr(3);
    case kRegIdr4:
      return idr(4);
    case kRegIdr5:
      return idr(5);
    case kRegAidr:
      return kAidrSmmuV3_2;
    case kRegCr0:
      return cr0_;
    case kRegCr0Ack:
      return cr0_;  // updates complete immediately
    case kRegCr1:
      return cr1_;
    case kRegCr2:
      return cr2_;
    case kRegGbpa:
      return gbpa_;  // UPDATE reads as 0: updates complete immediately
    case kRegIrqCtrl:
    case kRegIrqCtrlAck:
      return irq_ctrl_;
    case kRegGerror:
      return gerror_;
    case kRegGerrorn:
      return gerrorn_;
    case kRegStrtabBase:
      return lo(strtab_base_);
    case kRegStrtabBase + 4:
      return hi(strtab_base_);
    case kRegStrtabBaseCfg:
      return strtab_base_cfg_;
    case kRegCmdqBase:
      return lo(cmdq_->base_reg());
    case kRegCmdqBase + 4:
      return hi(cmdq_->base_reg());
    case kRegCmdqProd:
      return cmdq_->prod();
    case kRegCmdqCons:
      return cmdq_->read_cons(at);
    case kRegEvtqBase:
      return lo(evtq_->base_reg());
    case kRegEvtqBase + 4:
      return hi(evtq_->base_reg());
    case kRegEvtqProd:
      return evtq_->prod();
    case kRegEvtqCons:
      return evtq_->cons();
    case kRegPriqBase:
      return lo(priq_->base_reg());
    case kRegPriqBase + 4:
      return hi(priq_->base_reg());
    case kRegPriqProd:
      return priq_->prod();
    case kRegPriqCons:
      return priq_->cons();
    default:
      return plain_reg(offset);
  }
}

void Smmu::write_reg32(uint32_t offset, uint32_t v, const sc_time& at) {
  switch (offset) {
    case kRegIdr0:
    case kRegIdr1:
    case kRegIdr2:
    case kRegIdr3:
    case kRegIdr4:
    case kRegIdr5:
    case kRegIidr:
    case kRegAidr:
    case kRegCr0Ack:
    case kRegIrqCtrlAck:
    case kRegGerror:
    case kRegStatusr:
      return;  // read-only
    case kRegCr0: {
      const uint32_t before = cr0_;
      cr0_ = v & kCr0WritableBits;
      env_.trace_event(component_, "cr0", {tf_hex("value", cr0_)}, at - sc_core::sc_time_stamp());
      if ((before ^ cr0_) & kCr0CmdqEn) cmdq_->set_enabled((cr0_ & kCr0CmdqEn) != 0, at);
      return;
    }
    case kRegCr1:
      cr1_ = v;
      return;
    case kRegCr2:
      cr2_ = v;
      return;
    case kRegGbpa:
      if (v & kGbpaUpdate) gbpa_ = v & ~kGbpaUpdate;
      return;
    case kRegIrqCtrl:
      irq_ctrl_ = v;
      return;
    case kRegGerrorn:
      gerrorn_ = v;
      if (cmdq_->stopped() && ((gerror_ ^ gerrorn_) & kGerrorCmdqErr) == 0) cmdq_->resume(at);
      return;
    case kRegStrtabBase:
      set_lo(strtab_base_, v);
      return;
    case kRegStrtabBase + 4:
      set_hi(strtab_base_, v);
      return;
    case kRegStrtabBaseCfg:
      strtab_base_cfg_ = v;
      return;
    case kRegCmdqBase:
    case kRegCmdqBase + 4: {
      uint64_t b = cmdq_->base_reg();
      (offset == kRegCmdqBase) ? set_lo(b, v) : set_hi(b, v);
      cmdq_->write_base(b);
      return;
    }
    case kRegCmdqProd:
      cmdq_->write_prod(v, at);
      return;
    case kRegCmdqCons:
      if (!cmdq_->enabled()) cmdq_->write_cons(v);
      return;
    case kRegEvtqBase:
    case kRegEvtqBase + 4: {
      uint64_t b = evtq_->base_reg();
      (offset == kRegEvtqBase) ? set_lo(b, v) : set_hi(b, v);
      evtq_->write_base(b);
      return;
    }
    case kRegEvtqProd:
      if (!evtq_enabled()) evtq_->write_prod(v);
      return;
    case kRegEvtqCons:
      evtq_->write_cons(v);
      return;
    case kRegPriqBase:
    case kRegPriqBase + 4: {
      uint64_t b = priq_->base_reg();
      (offset == kRegPriqBase) ? set_lo(b, v) : set_hi(b, v);
      priq_->write_base(b);
      return;
    }
    case kRegPriqProd:
      if ((cr0_ & kCr0PriqEn) == 0) priq_->write_prod(v);
      return;
    case kRegPriqCons:
      priq_->write_cons(v);
      return;
    default:
      plain_regs_[offset] = v;
      return;
  }
}

void Smmu::regs_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const unsigned len = gp.get_data_length();
  if (gp.get_byte_enable_ptr() || (len != 4 && len != 8) || (addr % len) != 0) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (addr + len > kRegSpaceBytes) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += ns(p_.reg_access_ns);
  const sc_time at = sc_core::sc_time_stamp() + delay;
  const uint32_t off = static_cast<uint32_t>(addr);
  unsigned char* data = gp.get_data_ptr();
  if (gp.is_read()) {
    uint64_t v = read_reg32(off, at);
    if (len == 8) v |= uint64_t{read_reg32(off + 4, at)} << 32;
    std::memcpy(data, &v, len);
  } else if (gp.is_write()) {
    uint64_t v = 0;
    std::memcpy(&v, data, len);
    write_reg32(off, static_cast<uint32_t>(v), at);
    if (len == 8) write_reg32(off + 4, static_cast<uint32_t>(v >> 32), at);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace wdsim
