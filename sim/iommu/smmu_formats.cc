#include "sim/iommu/smmu_formats.h"

namespace wdsim::smmu {

uint32_t encode_strtab_base_cfg(const StrtabBaseCfg& c) {
  uint64_t v = 0;
  v = set_bits(v, 5, 0, c.log2size);
  v = set_bits(v, 10, 6, c.split);
  v = set_bits(v, 17, 16, c.fmt);
  return static_cast<uint32_t>(v);
}

StrtabBaseCfg decode_strtab_base_cfg(uint32_t v) {
  StrtabBaseCfg c;
  c.log2size = static_cast<uint8_t>(get_bits(v, 5, 0));
  c.split = static_cast<uint8_t>(get_bits(v, 10, 6));
  c.fmt = static_cast<uint8_t>(get_bits(v, 17, 16));
  return c;
}

uint64_t encode_queue_base(const QueueBase& q) {
  uint64_t v = q.addr & kQueueBaseAddrMask;
  v = set_bits(v, 4, 0, q.log2size);
  if (q.rwa) v |= kQueueBaseRwa;
  return v;
}

QueueBase decode_queue_base(uint64_t v) {
  QueueBase q;
  q.addr = v & kQueueBaseAddrMask;
  q.log2size = static_cast<uint8_t>(get_bits(v, 4, 0));
  q.rwa = (v & kQueueBaseRwa) != 0;
  return q;
}

// ----- STE -----------------------------------------------------------------------------------

void encode_ste(const SteConfig& c, uint64_t out[kSteDwords]) {
  for (unsigned i = 0; i < kSteDwords; ++i) out[i] = 0;
  uint64_t d0 = 0;
  d0 = set_bits(d0, 0, 0, c.valid);
  d0 = set_bits(d0, 3, 1, static_cast<uint8_t>(c.config));
  d0 = set_bits(d0, 5, 4, c.s1_fmt);
  d0 |= c.s1_context_ptr & bit_mask(51, 6);
  d0 = set_bits(d0, 63, 59, c.s1_cd_max);
  uint64_t d1 = 0;
  d1 = set_bits(d1, 1, 0, c.s1_dss);
  d1 = set_bits(d1, 3, 2, c.s1_cir);
  d1 = set_bits(d1, 5, 4, c.s1_cor);
  d1 = set_bits(d1, 7, 6, c.s1_csh);
  d1 = set_bits(d1, 27, 27, c.s1_stalld);
  d1 = set_bits(d1, 29, 28, c.eats);
  d1 = set_bits(d1, 31, 30, c.strw);
  d1 = set_bits(d1, 45, 44, c.shcfg);
  uint64_t d2 = 0;
  d2 = set_bits(d2, 15, 0, c.s2_vmid);
  d2 = set_bits(d2, 50, 32, c.vtcr);
  d2 = set_bits(d2, 51, 51, c.s2_aa64);
  d2 = set_bits(d2, 52, 52, c.s2_endi);
  d2 = set_bits(d2, 54, 54, c.s2_ptw);
  d2 = set_bits(d2, 57, 57, c.s2_s);
  d2 = set_bits(d2, 58, 58, c.s2_r);
  out[0] = d0;
  out[1] = d1;
  out[2] = d2;
  out[3] = c.s2_ttb & bit_mask(51, 4);
}

SteConfig decode_ste(const uint64_t in[kSteDwords]) {
  SteConfig c;
  const uint64_t d0 = in[0], d1 = in[1], d2 = in[2], d3 = in[3];
  c.valid = get_bit(d0, 0);
  c.config = static_cast<SteCfg>(get_bits(d0, 3, 1));
  c.s1_fmt = static_cast<uint8_t>(get_bits(d0, 5, 4));
  c.s1_context_ptr = d0 & bit_mask(51, 6);
  c.s1_cd_max = static_cast<uint8_t>(get_bits(d0, 63, 59));
  c.s1_dss = static_cast<uint8_t>(get_bits(d1, 1, 0));
  c.s1_cir = static_cast<uint8_t>(get_bits(d1, 3, 2));
  c.s1_cor = static_cast<uint8_t>(get_bits(d1, 5, 4));
  c.s1_csh = static_cast<uint8_t>(get_bits(d1, 7, 6));
  c.s1_stalld = get_bit(d1, 27);
  c.eats = static_cast<uint8_t>(get_bits(d1, 29, 28));
  c.strw = static_cast<uint8_t>(get_bits(d1, 31, 30));
  c.shcfg = static_cast<uint8_t>(get_bits(d1, 45, 44));
  c.s2_vmid = static_cast<uint16_t>(get_bits(d2, 15, 0));
  c.vtcr = static_cast<uint32_t>(get_bits(d2, 50, 32));
  c.s2_aa64 = get_bit(d2, 51);
  c.s2_endi = get_bit(d2, 52);
  c.s2_ptw = get_bit(d2, 54);
  c.s2_s = get_bit(d2, 57);
  c.s2_r = get_bit(d2, 58);
  c.s2_ttb = d3 & bit_mask(51, 4);
  return c;
}

uint64_t encode_l1_std(uint8_t span, uint64_t l2_ptr) {
  return set_bits(l2_ptr & bit_mask(51, 6), 4, 0, span);
}

L1StreamDesc decode_l1_std(uint64_t v) {
  return {static_cast<uint8_t>(get_bits(v, 4, 0)), v & bit_mask(51, 6)};
}

uint32_t encode_vtcr(const Vtcr& v) {
  uint64_t r = 0;
  r = set_bits(r, 5, 0, v.t0sz);
  r = set_bits(r, 7, 6, v.sl0);
  r = set_bits(r, 9, 8, v.irgn0);
  r = set_bits(r, 11, 10, v.orgn0);
  r = set_bits(r, 13, 12, v.sh0);
  r = set_bits(r, 15, 14, v.tg);
  r = set_bits(r, 18, 16, v.ps);
  return static_cast<uint32_t>(r);
}

Vtcr decode_vtcr(uint32_t v) {
  Vtcr r;
  r.t0sz = static_cast<uint8_t>(get_bits(v, 5, 0));
  r.sl0 = static_cast<uint8_t>(get_bits(v, 7, 6));
  r.irgn0 = static_cast<uint8_t>(get_bits(v, 9, 8));
  r.orgn0 = static_cast<uint8_t>(get_bits(v, 11, 10));
  r.sh0 = static_cast<uint8_t>(get_bits(v, 13, 12));
  r.tg = static_cast<uint8_t>(get_bits(v, 15, 14));
  r.ps = static_cast<uint8_t>(get_bits(v, 18, 16));
  return r;
}

// ----- CD ------------------------------------------------------------------------------------

void encode_cd(const CdConfig& c, uint64_t out[kCdDwords]) {
  for (unsigned i = 0; i < kCdDwords; ++i) out[i] = 0;
  uint64_t d0 = 0;
  d0 = set_bits(d0, 5, 0, c.t0sz);
  d0 = set_bits(d0, 7, 6, c.tg0);
  d0 = set_bits(d0, 9, 8, c.irgn0);
  d0 = set_bits(d0, 11, 10, c.orgn0);
  d0 = set_bits(d0, 13, 12, c.sh0);
  d0 = set_bits(d0, 14, 14, c.epd0);
  d0 = set_bits(d0, 15, 15, c.endi);
  d0 = set_bits(d0, 30, 30, c.epd1);
  d0 = set_bits(d0, 31, 31, c.valid);
  d0 = set_bits(d0, 34, 32, c.ips);
  d0 = set_bits(d0, 38, 38, c.tbi0);
  d0 = set_bits(d0, 41, 41, c.aa64);
  d0 = set_bits(d0, 42, 42, c.hd);
  d0 = set_bits(d0, 43, 43, c.ha);
  d0 = set_bits(d0, 44, 44, c.stall);
  d0 = set_bits(d0, 45, 45, c.record);
  d0 = set_bits(d0, 46, 46, c.abort);
  d0 = set_bits(d0, 47, 47, c.aset);
  d0 = set_bits(d0, 63, 48, c.asid);
  out[0] = d0;
  out[1] = c.ttb0 & bit_mask(51, 4);
  out[2] = c.ttb1 & bit_mask(51, 4);
  out[3] = c.mair;
}

CdConfig decode_cd(const uint64_t in[kCdDwords]) {
  CdConfig c;
  const uint64_t d0 = in[0];
  c.t0sz = static_cast<uint8_t>(get_bits(d0, 5, 0));
  c.tg0 = static_cast<uint8_t>(get_bits(d0, 7, 6));
  c.irgn0 = static_cast<uint8_t>(get_bits(d0, 9, 8));
  c.orgn0 = static_cast<uint8_t>(get_bits(d0, 11, 10));
  c.sh0 = static_cast<uint8_t>(get_bits(d0, 13, 12));
  c.epd0 = get_bit(d0, 14);
  c.endi = get_bit(d0, 15);
  c.epd1 = get_bit(d0, 30);
  c.valid = get_bit(d0, 31);
  c.ips = static_cast<uint8_t>(get_bits(d0, 34, 32));
  c.tbi0 = get_bit(d0, 38);
  c.aa64 = get_bit(d0, 41);
  c.hd = get_bit(d0, 42);
  c.ha = get_bit(d0, 43);
  c.stall = get_bit(d0, 44);
  c.record = get_bit(d0, 45);
  c.abort = get_bit(d0, 46);
  c.aset = get_bit(d0, 47);
  c.asid = static_cast<uint16_t>(get_bits(d0, 63, 48));
  c.ttb0 = in[1] & bit_mask(51, 4);
  c.ttb1 = in[2] & bit_mask(51, 4);
  c.mair = in[3];
  return c;
}

uint64_t encode_l1_cd(bool valid, uint64_t l2_ptr) {
  return (l2_ptr & bit_mask(51, 12)) | (valid ? 1 : 0);
}

L1CdDesc decode_l1_cd(uint64_t v) { return {get_bit(v, 0), v & bit_mask(51, 12)}; }

unsigned cd_split_bits(uint8_t s1_fmt) {
  switch (s1_fmt) {
    case kS1Fmt2Level4K:
      return kCdSplit4K;
    case kS1Fmt2Level64K:
      return kCdSplit64K;
    default:
      return 0;
  }
}

// ----- Commands ------------------------------------------------------------------------------

const char* cmd_op_name(uint8_t opcode) {
  switch (static_cast<CmdOp>(opcode)) {
    case CmdOp::kPrefetchConfig:
      return "PREFETCH_CONFIG";
    case CmdOp::kPrefetchAddr:
      return "PREFETCH_ADDR";
    case CmdOp::kCfgiSte:
      return "CFGI_STE";
    case CmdOp::kCfgiAll:
      return "CFGI_ALL";
    case CmdOp::kCfgiCd:
      return "CFGI_CD";
    case CmdOp::kCfgiCdAll:
      return "CFGI_CD_ALL";
    case CmdOp::kTlbiNhAll:
      return "TLBI_NH_ALL";
    case CmdOp::kTlbiNhAsid:
      return "TLBI_NH_ASID";
    case CmdOp::kTlbiNhVa:
      return "TLBI_NH_VA";
    case CmdOp::kTlbiNhVaa:
      return "TLBI_NH_VAA";
    case CmdOp::kTlbiEl2All:
      return "TLBI_EL2_ALL";
    case CmdOp::kTlbiEl2Asid:
      return "TLBI_EL2_ASID";
    case CmdOp::kTlbiEl2Va:
      return "TLBI_EL2_VA";
    case CmdOp::kTlbiS12Vmall:
      return "TLBI_S12_VMALL";
    case CmdOp::kTlbiS2Ipa:
      return "TLBI_S2_IPA";
    case CmdOp::kTlbiNsnhAll:
      return "TLBI_NSNH_ALL";
    case CmdOp::kAtcInv:
      return "ATC_INV";
    case CmdOp::kPriResp:
      return "PRI_RESP";
    case CmdOp::kResume:
      return "RESUME";
    case CmdOp::kStallTerm:
      return "STALL_TERM";
    case CmdOp::kSync:
      return "SYNC";
  }
  return nullptr;
}

CmdWords encode_cmd(const Command& c) {
  uint64_t d0 = c.op, d1 = 0;
  d0 = set_bits(d0, 11, 11, c.ssv);
  switch (static_cast<CmdOp>(c.op)) {
    case CmdOp::kPrefetchConfig:
    case CmdOp::kPrefetchAddr:
      d0 = set_bits(d0, 31, 12, c.ssid);
      d0 = set_bits(d0, 63, 32, c.sid);
      d1 = set_bits(d1, 4, 0, c.size);
      d1 |= c.addr & bit_mask(63, 12);
      break;
    case CmdOp::kCfgiSte:
    case CmdOp::kCfgiCd:
    case CmdOp::kCfgiCdAll:
      d0 = set_bits(d0, 31, 12, c.ssid);
      d0 = set_bits(d0, 63, 32, c.sid);
      d1 = set_bits(d1, 0, 0, c.leaf);
      break;
    case CmdOp::kCfgiAll:
      d0 = set_bits(d0, 63, 32, c.sid);
      d1 = set_bits(d1, 4, 0, c.range);
      break;
    case CmdOp::kTlbiNhAll:
    case CmdOp::kTlbiNhAsid:
    case CmdOp::kTlbiNhVa:
    case CmdOp::kTlbiNhVaa:
    case CmdOp::kTlbiEl2All:
    case CmdOp::kTlbiEl2Asid:
    case CmdOp::kTlbiEl2Va:
    case CmdOp::kTlbiS12Vmall:
    case CmdOp::kTlbiS2Ipa:
    case CmdOp::kTlbiNsnhAll:
      d0 = set_bits(d0, 16, 12, c.num);
      d0 = set_bits(d0, 24, 20, c.scale);
      d0 = set_bits(d0, 47, 32, c.vmid);
      d0 = set_bits(d0, 63, 48, c.asid);
      d1 = set_bits(d1, 0, 0, c.leaf);
      d1 = set_bits(d1, 9, 8, c.ttl);
      d1 = set_bits(d1, 11, 10, c.tg);
      d1 |= c.addr & bit_mask(63, 12);
      break;
    case CmdOp::kAtcInv:
      d0 = set_bits(d0, 9, 9, c.global);
      d0 = set_bits(d0, 31, 12, c.ssid);
      d0 = set_bits(d0, 63, 32, c.sid);
      d1 = set_bits(d1, 5, 0, c.size);
      d1 |= c.addr & bit_mask(63, 12);
      break;
    case CmdOp::kPriResp:
      d0 = set_bits(d0, 31, 12, c.ssid);
      d0 = set_bits(d0, 63, 32, c.sid);
      d1 = set_bits(d1, 8, 0, c.grpid);
      d1 = set_bits(d1, 13, 12, c.resp);
      break;
    case CmdOp::kResume:
    case CmdOp::kStallTerm:
      d0 = set_bits(d0, 13, 12, c.resp);
      d0 = set_bits(d0, 63, 32, c.sid);
      d1 = set_bits(d1, 15, 0, c.stag);
      break;
    case CmdOp::kSync:
      d0 = set_bits(d0, 13, 12, c.cs);
      d0 = set_bits(d0, 23, 22, c.msh);
      d0 = set_bits(d0, 27, 24, c.msi_attr);
      d0 = set_bits(d0, 63, 32, c.msi_data);
      d1 = c.msi_addr & bit_mask(51, 2);
      break;
  }
  return {d0, d1};
}

Command decode_cmd(const uint64_t in[kCmdDwords]) {
  const uint64_t d0 = in[0], d1 = in[1];
  Command c;
  c.op = static_cast<uint8_t>(get_bits(d0, 7, 0));
  c.ssv = get_bit(d0, 11);
  switch (static_cast<CmdOp>(c.op)) {
    case CmdOp::kPrefetchConfig:
    case CmdOp::kPrefetchAddr:
      c.ssid = static_cast<uint32_t>(get_bits(d0, 31, 12));
      c.sid = static_cast<uint32_t>(get_bits(d0, 63, 32));
      c.size = static_cast<uint8_t>(get_bits(d1, 4, 0));
      c.addr = d1 & bit_mask(63, 12);
      break;
    case CmdOp::kCfgiSte:
    case CmdOp::kCfgiCd:
    case CmdOp::kCfgiCdAll:
      c.ssid = static_cast<uint32_t>(get_bits(d0, 31, 12));
      c.sid = static_cast<uint32_t>(get_bits(d0, 63, 32));
      c.leaf = get_bit(d1, 0);
      break;
    case CmdOp::kCfgiAll:
      c.sid = static_cast<uint32_t>(get_bits(d0, 63, 32));
      c.range = static_cast<uint8_t>(get_bits(d1, 4, 0));
      break;
    case CmdOp::kTlbiNhAll:
    case CmdOp::kTlbiNhAsid:
    case CmdOp::kTlbiNhVa:
    case CmdOp::kTlbiNhVaa:
    case CmdOp::kTlbiEl2All:
    case CmdOp::kTlbiEl2Asid:
    case CmdOp::kTlbiEl2Va:
    case CmdOp::kTlbiS12Vmall:
    case CmdOp::kTlbiS2Ipa:
    case CmdOp::kTlbiNsnhAll:
      c.num = static_cast<uint8_t>(get_bits(d0, 16, 12));
      c.scale = static_cast<uint8_t>(get_bits(d0, 24, 20));
      c.vmid = static_cast<uint16_t>(get_bits(d0, 47, 32));
      c.asid = static_cast<uint16_t>(get_bits(d0, 63, 48));
      c.leaf = get_bit(d1, 0);
      c.ttl = static_cast<uint8_t>(get_bits(d1, 9, 8));
      c.tg = static_cast<uint8_t>(get_bits(d1, 11, 10));
      c.addr = d1 & bit_mask(63, 12);
      break;
    case CmdOp::kAtcInv:
      c.global = get_bit(d0, 9);
      c.ssid = static_cast<uint32_t>(get_bits(d0, 31, 12));
      c.sid = static_cast<uint32_t>(get_bits(d0, 63, 32));
      c.size = static_cast<uint8_t>(get_bits(d1, 5, 0));
      c.addr = d1 & bit_mask(63, 12);
      break;
    case CmdOp::kPriResp:
      c.ssid = static_cast<uint32_t>(get_bits(d0, 31, 12));
      c.sid = static_cast<uint32_t>(get_bits(d0, 63, 32));
      c.grpid = static_cast<uint16_t>(get_bits(d1, 8, 0));
      c.resp = static_cast<uint8_t>(get_bits(d1, 13, 12));
      break;
    case CmdOp::kResume:
    case CmdOp::kStallTerm:
      c.resp = static_cast<uint8_t>(get_bits(d0, 13, 12));
      c.sid = static_cast<uint32_t>(get_bits(d0, 63, 32));
      c.stag = static_cast<uint16_t>(get_bits(d1, 15, 0));
      break;
    case CmdOp::kSync:
      c.cs = static_cast<uint8_t>(get_bits(d0, 13, 12));
      c.msh = static_cast<uint8_t>(get_bits(d0, 23, 22));
      c.msi_attr = static_cast<uint8_t>(get_bits(d0, 27, 24));
      c.msi_data = static_cast<uint32_t>(get_bits(d0, 63, 32));
      c.msi_addr = d1 & bit_mask(51, 2);
      break;
  }
  return c;
}

CmdWords encode_cmd_cfgi_ste(uint32_t sid, bool leaf) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kCfgiSte);
  c.sid = sid;
  c.leaf = leaf;
  return encode_cmd(c);
}

CmdWords encode_cmd_cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kCfgiCd);
  c.sid = sid;
  c.ssid = ssid;
  c.leaf = leaf;
  return encode_cmd(c);
}

CmdWords encode_cmd_cfgi_cd_all(uint32_t sid) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kCfgiCdAll);
  c.sid = sid;
  return encode_cmd(c);
}

CmdWords encode_cmd_cfgi_all() {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kCfgiAll);
  c.range = kCfgiRangeAll;
  return encode_cmd(c);
}

CmdWords encode_cmd_tlbi_nh_all(uint16_t vmid) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kTlbiNhAll);
  c.vmid = vmid;
  return encode_cmd(c);
}

CmdWords encode_cmd_tlbi_nh_asid(uint16_t asid, uint16_t vmid) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kTlbiNhAsid);
  c.asid = asid;
  c.vmid = vmid;
  return encode_cmd(c);
}

CmdWords encode_cmd_tlbi_nh_va(uint16_t asid, uint64_t va, bool leaf, const TlbiRange& range,
                               uint16_t vmid) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kTlbiNhVa);
  c.asid = asid;
  c.vmid = vmid;
  c.addr = va;
  c.leaf = leaf;
  c.num = range.num;
  c.scale = range.scale;
  c.tg = range.tg;
  c.ttl = range.ttl;
  return encode_cmd(c);
}

CmdWords encode_cmd_tlbi_nsnh_all() {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kTlbiNsnhAll);
  return encode_cmd(c);
}

CmdWords encode_cmd_atc_inv(uint32_t sid, bool ssv, uint32_t ssid, uint64_t iova, uint64_t size) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kAtcInv);
  c.sid = sid;
  c.ssv = ssv;
  c.ssid = ssv ? ssid : 0;
  if (size == 0) {
    c.size = kAtcInvSizeAll;
    return encode_cmd(c);
  }
  constexpr unsigned kGrainShift = 12;  // ATS invalidation grain: 4 KiB
  uint64_t page_start = iova >> kGrainShift;
  const uint64_t page_end = (iova + size - 1) >> kGrainShift;
  const uint64_t diff = page_start ^ page_end;
  const unsigned log2_span = diff == 0 ? 0 : 64 - static_cast<unsigned>(__builtin_clzll(diff));
  if (log2_span >= kAtcInvSizeAll) {
    c.size = kAtcInvSizeAll;
    return encode_cmd(c);
  }
  page_start &= ~((uint64_t{1} << log2_span) - 1);
  c.addr = page_start << kGrainShift;
  c.size = static_cast<uint8_t>(log2_span);
  return encode_cmd(c);
}

CmdWords encode_cmd_sync(uint8_t cs, uint64_t msi_addr, uint32_t msi_data) {
  Command c;
  c.op = static_cast<uint8_t>(CmdOp::kSync);
  c.cs = cs;
  c.msi_addr = msi_addr;
  c.msi_data = msi_data;
  if (msi_addr != 0) {
    c.msh = kShIsh;    // Linux: CMDQ_SYNC_0_MSH ISH
    c.msi_attr = 0xf;  // Linux: ARM_SMMU_MEMATTR_OIWB
  }
  return encode_cmd(c);
}

uint64_t tlbi_granule_bytes(uint8_t tg) {
  switch (tg) {
    case kTlbiTg4K:
      return 1ull << 12;
    case kTlbiTg16K:
      return 1ull << 14;
    case kTlbiTg64K:
      return 1ull << 16;
    default:
      return 0;
  }
}

uint64_t tlbi_range_bytes(const Command& c) {
  uint64_t granule = tlbi_granule_bytes(c.tg);
  if (granule == 0) return 0;
  return (static_cast<uint64_t>(c.num) + 1) * (granule << c.scale);
}

std::vector<CmdWords> tlbi_nh_va_range_cmds(uint16_t asid, uint64_t iova, uint64_t size,
                                            unsigned page_shift, bool leaf) {
  std::vector<CmdWords> out;
  if (size == 0 || page_shift < 12) return out;
  uint64_t num_pages = size >> page_shift;
  TlbiRange r;
  r.tg = static_cast<uint8_t>((page_shift - 10) / 2);
  if (leaf) {
    r.ttl = 3;  // leaf granule = page: 4 - ((page_shift - 3) / (page_shift - 3))
  } else if ((num_pages & kTlbiRangeNumMax) == 1) {
    ++num_pages;  // Linux: avoid the encoding that some SMMUs treat as a non-range TLBI
  }
  const uint64_t end = iova + size;
  while (iova < end && num_pages != 0) {
    unsigned scale = static_cast<unsigned>(__builtin_ctzll(num_pages));
    uint64_t num = (num_pages >> scale) & kTlbiRangeNumMax;
    r.scale = static_cast<uint8_t>(scale);
    r.num = static_cast<uint8_t>(num - 1);
    out.push_back(encode_cmd_tlbi_nh_va(asid, iova, leaf, r));
    iova += num << (scale + page_shift);
    num_pages -= num << scale;
  }
  return out;
}

// ----- Events --------------------------------------------------------------------------------

const char* event_id_name(uint8_t id) {
  switch (static_cast<EventId>(id)) {
    case EventId::kFUut:
      return "F_UUT";
    case EventId::kCBadStreamId:
      return "C_BAD_STREAMID";
    case EventId::kFSteFetch:
      return "F_STE_FETCH";
    case EventId::kCBadSte:
      return "C_BAD_STE";
    case EventId::kFBadAtsTreq:
      return "F_BAD_ATS_TREQ";
    case EventId::kFStreamDisabled:
      return "F_STREAM_DISABLED";
    case EventId::kFTranslForbidden:
      return "F_TRANSL_FORBIDDEN";
    case EventId::kCBadSubstreamId:
      return "C_BAD_SUBSTREAMID";
    case EventId::kFCdFetch:
      return "F_CD_FETCH";
    case EventId::kCBadCd:
      return "C_BAD_CD";
    case EventId::kFWalkEabt:
      return "F_WALK_EABT";
    case EventId::kFTranslation:
      return "F_TRANSLATION";
    case EventId::kFAddrSize:
      return "F_ADDR_SIZE";
    case EventId::kFAccess:
      return "F_ACCESS";
    case EventId::kFPermission:
      return "F_PERMISSION";
    case EventId::kFTlbConflict:
      return "F_TLB_CONFLICT";
    case EventId::kFCfgConflict:
      return "F_CFG_CONFLICT";
    case EventId::kEPageRequest:
      return "E_PAGE_REQUEST";
  }
  return "UNKNOWN";
}

const char* event_id_key(uint8_t id) {
  switch (static_cast<EventId>(id)) {
    case EventId::kFUut:
      return "f_uut";
    case EventId::kCBadStreamId:
      return "c_bad_streamid";
    case EventId::kFSteFetch:
      return "f_ste_fetch";
    case EventId::kCBadSte:
      return "c_bad_ste";
    case EventId::kFBadAtsTreq:
      return "f_bad_ats_treq";
    case EventId::kFStreamDisabled:
      return "f_stream_disabled";
    case EventId::kFTranslForbidden:
      return "f_transl_forbidden";
    case EventId::kCBadSubstreamId:
      return "c_bad_substreamid";
    case EventId::kFCdFetch:
      return "f_cd_fetch";
    case EventId::kCBadCd:
      return "c_bad_cd";
    case EventId::kFWalkEabt:
      return "f_walk_eabt";
    case EventId::kFTranslation:
      return "f_translation";
    case EventId::kFAddrSize:
      return "f_addr_size";
    case EventId::kFAccess:
      return "f_access";
    case EventId::kFPermission:
      return "f_permission";
    case EventId::kFTlbConflict:
      return "f_tlb_conflict";
    case EventId::kFCfgConflict:
      return "f_cfg_conflict";
    case EventId::kEPageRequest:
      return "e_page_request";
  }
  return "unknown";
}

namespace {
bool dw3_is_fetch_addr(uint8_t id) {
  return id == static_cast<uint8_t>(EventId::kFSteFetch) ||
         id == static_cast<uint8_t>(EventId::kFCdFetch) ||
         id == static_cast<uint8_t>(EventId::kFWalkEabt);
}
}  // namespace

void encode_event(const EventRecord& e, uint64_t out[kEvtDwords]) {
  uint64_t d0 = e.id;
  d0 = set_bits(d0, 11, 11, e.ssv);
  d0 = set_bits(d0, 31, 12, e.ssid);
  d0 = set_bits(d0, 63, 32, e.sid);
  uint64_t d1 = 0;
  d1 = set_bits(d1, 15, 0, e.stag);
  d1 = set_bits(d1, 31, 31, e.stall);
  d1 = set_bits(d1, 33, 33, e.pnu);
  d1 = set_bits(d1, 34, 34, e.ind);
  d1 = set_bits(d1, 35, 35, e.rnw);
  d1 = set_bits(d1, 39, 39, e.s2);
  d1 = set_bits(d1, 41, 40, e.clss);
  d1 = set_bits(d1, 44, 44, e.tt_read);
  out[0] = d0;
  out[1] = d1;
  out[2] = e.input_addr;
  out[3] = dw3_is_fetch_addr(e.id) ? (e.fetch_addr & bit_mask(51, 3)) : (e.ipa & bit_mask(51, 12));
}

EventRecord decode_event(const uint64_t in[kEvtDwords]) {
  EventRecord e;
  const uint64_t d0 = in[0], d1 = in[1];
  e.id = static_cast<uint8_t>(get_bits(d0, 7, 0));
  e.ssv = get_bit(d0, 11);
  e.ssid = static_cast<uint32_t>(get_bits(d0, 31, 12));
  e.sid = static_cast<uint32_t>(get_bits(d0, 63, 32));
  e.stag = static_cast<uint16_t>(get_bits(d1, 15, 0));
  e.stall = get_bit(d1, 31);
  e.pnu = get_bit(d1, 33);
  e.ind = get_bit(d1, 34);
  e.rnw = get_bit(d1, 35);
  e.s2 = get_bit(d1, 39);
  e.clss = static_cast<uint8_t>(get_bits(d1, 41, 40));
  e.tt_read = get_bit(d1, 44);
  e.input_addr = in[2];
  if (dw3_is_fetch_addr(e.id)) {
    e.fetch_addr = in[3] & bit_mask(51, 3);
  } else {
    e.ipa = in[3] & bit_mask(51, 12);
  }
  return e;
}

}  // namespace wdsim::smmu
