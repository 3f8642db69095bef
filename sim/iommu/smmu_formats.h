// Arm SMMUv3 in-memory and register formats, bit for bit: register offsets and fields, queue base
// and pointer registers, the Stream Table Entry (STE, 64 B), the Context Descriptor (CD, 64 B),
// level-1 stream and CD descriptors, command queue entries (16 B, with Linux's range TLBI
// splitting) and event queue records (32 B). Pure C++ (no SystemC), encoders and decoders of each:
// the kernel model builds tables and commands in simulated memory and decodes event records; the
// SMMU model decodes tables and commands and encodes event records. The PRI queue's record is in
// pri_formats.h.
//
// Facts from Linux drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h (v6.x) and Arm IHI 0070
// (SMMUv3 architecture). Register offsets are the SMMU page-0 offsets; the event/PRI queue
// PROD/CONS registers live in page 1 (base + 64 KiB), which Linux reaches through `page1`.
//
// Level-1 stream/CD descriptors and STE.VTCR have encoders and decoders here; translation-table
// descriptor bits are in vmsa.h.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sim/base/bits.h"

namespace wdsim::smmu {

// ---------------------------------------------------------------------------------------------
// Registers (offsets in the SMMU register space; page 1 starts at kPage1).
inline constexpr uint32_t kPage1 = 0x10000;
inline constexpr uint32_t kRegSpaceBytes = 0x20000;  // two 64 KiB pages

inline constexpr uint32_t kRegIdr0 = 0x00;
inline constexpr uint32_t kRegIdr1 = 0x04;
inline constexpr uint32_t kRegIdr2 = 0x08;
inline constexpr uint32_t kRegIdr3 = 0x0c;
inline constexpr uint32_t kRegIdr4 = 0x10;
inline constexpr uint32_t kRegIdr5 = 0x14;
inline constexpr uint32_t kRegIidr = 0x18;
inline constexpr uint32_t kRegAidr = 0x1c;
inline constexpr uint32_t kRegCr0 = 0x20;
inline constexpr uint32_t kRegCr0Ack = 0x24;
inline constexpr uint32_t kRegCr1 = 0x28;
inline constexpr uint32_t kRegCr2 = 0x2c;
inline constexpr uint32_t kRegStatusr = 0x40;
inline constexpr uint32_t kRegGbpa = 0x44;
inline constexpr uint32_t kRegAgbpa = 0x48;
inline constexpr uint32_t kRegIrqCtrl = 0x50;
inline constexpr uint32_t kRegIrqCtrlAck = 0x54;
inline constexpr uint32_t kRegGerror = 0x60;
inline constexpr uint32_t kRegGerrorn = 0x64;
inline constexpr uint32_t kRegGerrorIrqCfg0 = 0x68;  // 64-bit
inline constexpr uint32_t kRegGerrorIrqCfg1 = 0x70;
inline constexpr uint32_t kRegGerrorIrqCfg2 = 0x74;
inline constexpr uint32_t kRegStrtabBase = 0x80;  // 64-bit
inline constexpr uint32_t kRegStrtabBaseCfg = 0x88;
inline constexpr uint32_t kRegCmdqBase = 0x90;  // 64-bit
inline constexpr uint32_t kRegCmdqProd = 0x98;
inline constexpr uint32_t kRegCmdqCons = 0x9c;
inline constexpr uint32_t kRegEvtqBase = 0xa0;     // 64-bit
inline constexpr uint32_t kRegEvtqIrqCfg0 = 0xb0;  // 64-bit
inline constexpr uint32_t kRegEvtqIrqCfg1 = 0xb8;
inline constexpr uint32_t kRegEvtqIrqCfg2 = 0xbc;
inline constexpr uint32_t kRegPriqBase = 0xc0;     // 64-bit
inline constexpr uint32_t kRegPriqIrqCfg0 = 0xd0;  // 64-bit
inline constexpr uint32_t kRegPriqIrqCfg1 = 0xd8;
inline constexpr uint32_t kRegPriqIrqCfg2 = 0xdc;
inline constexpr uint32_t kRegEvtqProd = kPage1 + 0xa8;  // 0x100a8
inline constexpr uint32_t kRegEvtqCons = kPage1 + 0xac;  // 0x100ac
inline constexpr uint32_t kRegPriqProd = kPage1 + 0xc8;  // 0x100c8
inline constexpr uint32_t kRegPriqCons = kPage1 + 0xcc;  // 0x100cc

// IDR0 fields.
inline constexpr unsigned kIdr0StLvlLo = 27;  // [28:27] 0 linear, 1 2-level
inline constexpr uint32_t kIdr0StLvl2Level = 1;
inline constexpr unsigned kIdr0StallModelLo = 24;  // [25:24]
inline constexpr uint32_t kIdr0StallModelStall = 0, kIdr0StallModelTerminate = 1,
                          kIdr0StallModelForce = 2;
inline constexpr unsigned kIdr0TtEndianLo = 21;  // [22:21]
inline constexpr uint32_t kIdr0TtEndianLe = 2;
inline constexpr uint32_t kIdr0Cd2l = 1u << 19;
inline constexpr uint32_t kIdr0Vmid16 = 1u << 18;
inline constexpr uint32_t kIdr0Pri = 1u << 16;
inline constexpr uint32_t kIdr0Sev = 1u << 14;
inline constexpr uint32_t kIdr0Msi = 1u << 13;
inline constexpr uint32_t kIdr0Asid16 = 1u << 12;
inline constexpr uint32_t kIdr0Ats = 1u << 10;
inline constexpr uint32_t kIdr0Hyp = 1u << 9;
inline constexpr unsigned kIdr0HttuLo = 6;  // HTTU[7:6]
inline constexpr uint32_t kIdr0Cohacc = 1u << 4;
inline constexpr unsigned kIdr0TtfLo = 2;  // [3:2]
inline constexpr uint32_t kIdr0TtfAarch64 = 2;
inline constexpr uint32_t kIdr0S1p = 1u << 1;
inline constexpr uint32_t kIdr0S2p = 1u << 0;
// IDR1 fields: CMDQS[25:21], EVTQS[20:16], PRIQS[15:11], SSIDSIZE[10:6], SIDSIZE[5:0].
inline constexpr unsigned kIdr1CmdqsLo = 21, kIdr1EvtqsLo = 16, kIdr1PriqsLo = 11,
                          kIdr1SsidSizeLo = 6, kIdr1SidSizeLo = 0;
inline constexpr uint32_t kIdr3Ril = 1u << 10;  // range TLBI supported
// IDR5: STALL_MAX[31:16], GRAN64K 6, GRAN16K 5, GRAN4K 4, OAS[2:0] (5 = 48 bits).
inline constexpr uint32_t kIdr5Gran4k = 1u << 4;
inline constexpr uint32_t kIdr5Gran16k = 1u << 5;
inline constexpr uint32_t kIdr5Gran64k = 1u << 6;
inline constexpr uint32_t kIdr5Oas48 = 5;

// CR0 / CR0ACK.
inline constexpr uint32_t kCr0SmmuEn = 1u << 0;
inline constexpr uint32_t kCr0PriqEn = 1u << 1;
inline constexpr uint32_t kCr0EvtqEn = 1u << 2;
inline constexpr uint32_t kCr0CmdqEn = 1u << 3;
inline constexpr uint32_t kCr0AtsChk = 1u << 4;
// GBPA.
inline constexpr uint32_t kGbpaAbort = 1u << 20;
inline constexpr uint32_t kGbpaUpdate = 1u << 31;
// IRQ_CTRL.
inline constexpr uint32_t kIrqCtrlGerrorIrqEn = 1u << 0;
inline constexpr uint32_t kIrqCtrlPriqIrqEn = 1u << 1;
inline constexpr uint32_t kIrqCtrlEvtqIrqEn = 1u << 2;
// GERROR / GERRORN (an error is active while the two bits differ).
inline constexpr uint32_t kGerrorCmdqErr = 1u << 0;
inline constexpr uint32_t kGerrorEvtqAbtErr = 1u << 2;

// STRTAB_BASE: ADDR[51:6], RA 62. STRTAB_BASE_CFG: LOG2SIZE[5:0], SPLIT[10:6], FMT[17:16].
inline constexpr uint64_t kStrtabBaseAddrMask = bit_mask(51, 6);
inline constexpr uint64_t kStrtabBaseRa = 1ull << 62;
inline constexpr uint32_t kStrtabFmtLinear = 0, kStrtabFmt2Level = 1;
struct StrtabBaseCfg {
  uint8_t log2size = 0;
  uint8_t split = 0;
  uint8_t fmt = kStrtabFmtLinear;
};
uint32_t encode_strtab_base_cfg(const StrtabBaseCfg& c);
StrtabBaseCfg decode_strtab_base_cfg(uint32_t v);

// Queue base registers (CMDQ/EVTQ/PRIQ_BASE): ADDR[51:5], LOG2SIZE[4:0], RWA 62.
inline constexpr uint64_t kQueueBaseAddrMask = bit_mask(51, 5);
inline constexpr uint64_t kQueueBaseRwa = 1ull << 62;
struct QueueBase {
  uint64_t addr = 0;  // queue memory, naturally aligned to its size
  uint8_t log2size = 0;
  bool rwa = false;
};
uint64_t encode_queue_base(const QueueBase& q);
QueueBase decode_queue_base(uint64_t v);

// Queue pointers (PROD/CONS): index in [log2size-1:0], wrap bit at [log2size]; bit 31 is
// OVFLG in EVTQ_PROD / OVACKFLG in EVTQ_CONS; CMDQ_CONS.ERR is [30:24].
inline constexpr uint32_t kQueueOverflowFlag = 1u << 31;
inline constexpr unsigned kCmdqConsErrLo = 24, kCmdqConsErrHi = 30;
inline constexpr uint8_t kCerrorNone = 0, kCerrorIll = 1, kCerrorAbt = 2, kCerrorAtcInvSync = 3;
constexpr uint32_t queue_ptr_mask(unsigned log2size) { return (2u << log2size) - 1; }
constexpr uint32_t queue_index(uint32_t p, unsigned log2size) { return p & ((1u << log2size) - 1); }
constexpr bool queue_wrap(uint32_t p, unsigned log2size) { return (p >> log2size) & 1; }
// Index+wrap advanced by one (other bits dropped).
constexpr uint32_t queue_next(uint32_t p, unsigned log2size) {
  return (p + 1) & queue_ptr_mask(log2size);
}
constexpr bool queue_empty(uint32_t prod, uint32_t cons, unsigned log2size) {
  return (prod & queue_ptr_mask(log2size)) == (cons & queue_ptr_mask(log2size));
}
constexpr bool queue_full(uint32_t prod, uint32_t cons, unsigned log2size) {
  return queue_index(prod, log2size) == queue_index(cons, log2size) &&
         queue_wrap(prod, log2size) != queue_wrap(cons, log2size);
}

// ---------------------------------------------------------------------------------------------
// Stream Table Entry (64 B).
inline constexpr unsigned kSteDwords = 8;
inline constexpr unsigned kSteBytes = 64;
static_assert(sizeof(uint64_t[kSteDwords]) == kSteBytes);

enum class SteCfg : uint8_t { kAbort = 0, kBypass = 4, kS1Trans = 5, kS2Trans = 6, kNested = 7 };
inline constexpr uint8_t kS1FmtLinear = 0, kS1Fmt2Level4K = 1, kS1Fmt2Level64K = 2;
inline constexpr uint8_t kS1DssTerminate = 0, kS1DssBypass = 1, kS1DssSsid0 = 2;
inline constexpr uint8_t kEatsAbort = 0, kEatsTrans = 1, kEatsS1Chk = 2;
inline constexpr uint8_t kCacheWbra = 1, kShIsh = 3;

// Defaults are what Linux's arm_smmu_make_cdtable_ste writes for a stage-1 linear CD table.
struct SteConfig {
  bool valid = true;                 // DW0 V[0]
  SteCfg config = SteCfg::kS1Trans;  // DW0 Config[3:1] (raw value kept on decode)
  uint8_t s1_fmt = kS1FmtLinear;     // DW0 S1Fmt[5:4]
  uint64_t s1_context_ptr = 0;       // DW0 S1ContextPtr[51:6]: PA of the CD table
  uint8_t s1_cd_max = 0;             // DW0 S1CDMax[63:59]: log2(number of CDs)
  uint8_t s1_dss = kS1DssSsid0;      // DW1 S1DSS[1:0]
  uint8_t s1_cir = kCacheWbra;       // DW1 S1CIR[3:2]
  uint8_t s1_cor = kCacheWbra;       // DW1 S1COR[5:4]
  uint8_t s1_csh = kShIsh;           // DW1 S1CSH[7:6]
  bool s1_stalld = false;            // DW1 S1STALLD[27]
  uint8_t eats = kEatsAbort;         // DW1 EATS[29:28]
  uint8_t strw = 0;                  // DW1 STRW[31:30] (0 NS-EL1)
  uint8_t shcfg = 1;                 // DW1 SHCFG[45:44] (1 incoming)
  uint16_t s2_vmid = 0;              // DW2 S2VMID[15:0]
  uint32_t vtcr = 0;                 // DW2 VTCR[50:32]
  bool s2_aa64 = false;              // DW2 S2AA64[51]
  bool s2_endi = false;              // DW2 S2ENDI[52]
  bool s2_ptw = false;               // DW2 S2PTW[54]
  bool s2_s = false;                 // DW2 S2S[57]
  bool s2_r = false;                 // DW2 S2R[58]
  uint64_t s2_ttb = 0;               // DW3 S2TTB[51:4]
};
void encode_ste(const SteConfig& c, uint64_t out[kSteDwords]);
SteConfig decode_ste(const uint64_t in[kSteDwords]);

// Level-1 stream table descriptor (2-level tables): Span[4:0], L2Ptr[51:6]. The level-2 table
// holds 2^(Span-1) STEs (Span 0: invalid; at most SPLIT+1); StreamID[n:SPLIT] indexes the
// level-1 table, StreamID[SPLIT-1:0] the level-2 one. Linux uses SPLIT 8 (STRTAB_SPLIT).
inline constexpr uint8_t kStrtabSplitLinux = 8;
inline constexpr unsigned kL1DescBytes = 8;
uint64_t encode_l1_std(uint8_t span, uint64_t l2_ptr);
struct L1StreamDesc {
  uint8_t span = 0;
  uint64_t l2_ptr = 0;
};
L1StreamDesc decode_l1_std(uint64_t v);

// STE.VTCR[50:32] (VTCR_EL2[18:0]): S2T0SZ[5:0], S2SL0[7:6], S2IR0[9:8], S2OR0[11:10],
// S2SH0[13:12], S2TG[15:14] (0 4K, 1 64K, 2 16K), S2PS[18:16].
struct Vtcr {
  uint8_t t0sz = 16;  // IPA bits = 64 - T0SZ
  uint8_t sl0 = 2;    // start level: 4K 2 - SL0; 16K/64K 3 - SL0
  uint8_t irgn0 = kCacheWbra;
  uint8_t orgn0 = kCacheWbra;
  uint8_t sh0 = kShIsh;
  uint8_t tg = 0;
  uint8_t ps = 5;  // 48 bits
};
uint32_t encode_vtcr(const Vtcr& v);
Vtcr decode_vtcr(uint32_t v);

// ---------------------------------------------------------------------------------------------
// Context Descriptor (64 B).
inline constexpr unsigned kCdDwords = 8;
inline constexpr unsigned kCdBytes = 64;
static_assert(sizeof(uint64_t[kCdDwords]) == kCdBytes);
inline constexpr uint8_t kTg0_4K = 0, kTg0_64K = 1, kTg0_16K = 2;
inline constexpr uint8_t kIps48 = 5;

// Defaults are what Linux's arm_smmu_make_sva_cd writes for a 48-bit VA, 4K-page process
// (T0SZ 16, WBRA inner/outer, inner shareable, EPD1, AA64, R, A, ASET 0).
struct CdConfig {
  uint8_t t0sz = 16;           // DW0 T0SZ[5:0]: VA bits = 64 - T0SZ
  uint8_t tg0 = kTg0_4K;       // DW0 TG0[7:6]
  uint8_t irgn0 = kCacheWbra;  // DW0 IRGN0[9:8]
  uint8_t orgn0 = kCacheWbra;  // DW0 ORGN0[11:10]
  uint8_t sh0 = kShIsh;        // DW0 SH0[13:12]
  bool epd0 = false;           // DW0 EPD0[14]: TTB0 walks disabled (translation fault)
  bool endi = false;           // DW0 ENDI[15]
  bool epd1 = true;            // DW0 EPD1[30]
  bool valid = true;           // DW0 V[31]
  uint8_t ips = kIps48;        // DW0 IPS[34:32]
  bool tbi0 = false;           // DW0 TBI0[38]
  bool aa64 = true;            // DW0 AA64[41]
  bool hd = false;             // DW0 HD[42]
  bool ha = false;             // DW0 HA[43]
  bool stall = false;          // DW0 S[44]
  bool record = true;          // DW0 R[45]: record faults as events
  bool abort = true;           // DW0 A[46]: faults abort (else reads-as-zero / writes ignored)
  bool aset = false;           // DW0 ASET[47]
  uint16_t asid = 0;           // DW0 ASID[63:48]
  uint64_t ttb0 = 0;           // DW1 TTB0[51:4]
  uint64_t ttb1 = 0;           // DW2 TTB1[51:4]
  uint64_t mair = 0;           // DW3 MAIR
};
void encode_cd(const CdConfig& c, uint64_t out[kCdDwords]);
CdConfig decode_cd(const uint64_t in[kCdDwords]);

// Level-1 CD descriptor (2-level CD tables): V[0], L2Ptr[51:12]. STE.S1Fmt 1: 4 KiB leaf
// tables of 64 CDs (SSID[n:6] indexes level 1); S1Fmt 2: 64 KiB leaves of 1024 CDs (SSID[n:10];
// Linux's CTXDESC_SPLIT 10 with STRTAB_STE_0_S1FMT_64K_L2).
inline constexpr unsigned kCdSplit4K = 6;
inline constexpr unsigned kCdSplit64K = 10;
uint64_t encode_l1_cd(bool valid, uint64_t l2_ptr);
struct L1CdDesc {
  bool valid = false;
  uint64_t l2_ptr = 0;
};
L1CdDesc decode_l1_cd(uint64_t v);
// SSID bits indexing a leaf for an S1Fmt (0 for linear or reserved formats).
unsigned cd_split_bits(uint8_t s1_fmt);

// ---------------------------------------------------------------------------------------------
// Commands (16 B).
inline constexpr unsigned kCmdDwords = 2;
inline constexpr unsigned kCmdBytes = 16;
static_assert(sizeof(uint64_t[kCmdDwords]) == kCmdBytes);
using CmdWords = std::array<uint64_t, kCmdDwords>;

enum class CmdOp : uint8_t {
  kPrefetchConfig = 0x01,
  kPrefetchAddr = 0x02,
  kCfgiSte = 0x03,
  kCfgiAll = 0x04,  // CMD_CFGI_STE_RANGE; Linux's CFGI_ALL is Range = 31
  kCfgiCd = 0x05,
  kCfgiCdAll = 0x06,
  kTlbiNhAll = 0x10,
  kTlbiNhAsid = 0x11,
  kTlbiNhVa = 0x12,
  kTlbiNhVaa = 0x13,
  kTlbiEl2All = 0x20,
  kTlbiEl2Asid = 0x21,
  kTlbiEl2Va = 0x22,
  kTlbiS12Vmall = 0x28,
  kTlbiS2Ipa = 0x2a,
  kTlbiNsnhAll = 0x30,
  kAtcInv = 0x40,
  kPriResp = 0x41,
  kResume = 0x44,
  kStallTerm = 0x45,
  kSync = 0x46,
};
// Upper-case architecture name ("CFGI_STE", "SYNC"); nullptr for an unknown opcode.
const char* cmd_op_name(uint8_t opcode);

inline constexpr uint8_t kCfgiRangeAll = 31;
inline constexpr uint8_t kSyncCsNone = 0, kSyncCsIrq = 1, kSyncCsSev = 2;
// CMD_RESUME Resp (DW0[13:12]).
inline constexpr uint8_t kResumeTerm = 0, kResumeRetry = 1, kResumeAbort = 2;
inline constexpr uint8_t kTlbiTgNone = 0, kTlbiTg4K = 1, kTlbiTg16K = 2, kTlbiTg64K = 3;
inline constexpr uint8_t kTlbiRangeNumMax = 31;

// A decoded command: the union of every field; which ones mean something depends on `op`.
struct Command {
  uint8_t op = 0;         // DW0 [7:0]
  bool ssv = false;       // DW0 SSV[11]
  uint32_t ssid = 0;      // DW0 [31:12] (CFGI_CD, ATC_INV, PRI_RESP)
  uint32_t sid = 0;       // DW0 [63:32] (CFGI_*, PREFETCH, ATC_INV, PRI_RESP, RESUME)
  bool leaf = false;      // DW1 [0] (CFGI_STE/CD, TLBI_*)
  uint8_t range = 0;      // DW1 [4:0] (CFGI_ALL / STE_RANGE: 2^(range+1) StreamIDs)
  uint8_t num = 0;        // DW0 NUM[16:12] (TLBI range: NUM+1 units)
  uint8_t scale = 0;      // DW0 SCALE[24:20] (TLBI range unit: 2^SCALE granules)
  uint16_t vmid = 0;      // DW0 VMID[47:32]
  uint16_t asid = 0;      // DW0 ASID[63:48]
  uint8_t ttl = 0;        // DW1 TTL[9:8]
  uint8_t tg = 0;         // DW1 TG[11:10] (0: not a range; 1 4K, 2 16K, 3 64K)
  uint64_t addr = 0;      // DW1 VA[63:12] (TLBI, ATC_INV, PREFETCH_ADDR)
  uint8_t size = 0;       // DW1 [5:0] (ATC_INV size, PREFETCH size)
  bool global = false;    // DW0 [9] (ATC_INV)
  uint16_t grpid = 0;     // DW1 [8:0] (PRI_RESP)
  uint8_t resp = 0;       // PRI_RESP DW1[13:12]; RESUME DW0[13:12]
  uint16_t stag = 0;      // DW1 [15:0] (RESUME)
  uint8_t cs = 0;         // DW0 CS[13:12] (SYNC)
  uint8_t msh = 0;        // DW0 MSH[23:22] (SYNC)
  uint8_t msi_attr = 0;   // DW0 MSIATTR[27:24] (SYNC)
  uint32_t msi_data = 0;  // DW0 MSIDATA[63:32] (SYNC)
  uint64_t msi_addr = 0;  // DW1 MSIADDR[51:2] (SYNC)
};
CmdWords encode_cmd(const Command& c);
Command decode_cmd(const uint64_t in[kCmdDwords]);
inline Command decode_cmd(const CmdWords& w) { return decode_cmd(w.data()); }

// Convenience encoders, field placement as Linux's arm_smmu_cmdq_build_cmd.
CmdWords encode_cmd_cfgi_ste(uint32_t sid, bool leaf = true);
CmdWords encode_cmd_cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf = true);
CmdWords encode_cmd_cfgi_cd_all(uint32_t sid);
CmdWords encode_cmd_cfgi_all();  // STE_RANGE with Range 31
CmdWords encode_cmd_tlbi_nh_all(uint16_t vmid = 0);
CmdWords encode_cmd_tlbi_nh_asid(uint16_t asid, uint16_t vmid = 0);
// A single address (TG 0), or with `tg` != 0 the range (NUM+1) * 2^SCALE granules from `va`.
struct TlbiRange {
  uint8_t num = 0;
  uint8_t scale = 0;
  uint8_t tg = kTlbiTgNone;
  uint8_t ttl = 0;
};
CmdWords encode_cmd_tlbi_nh_va(uint16_t asid, uint64_t va, bool leaf = false,
                               const TlbiRange& range = {}, uint16_t vmid = 0);
CmdWords encode_cmd_tlbi_nsnh_all();
CmdWords encode_cmd_sync(uint8_t cs = kSyncCsNone, uint64_t msi_addr = 0, uint32_t msi_data = 0);
// CMD_ATC_INV Size (log2 of 4 KiB pages) that stands for the whole address space.
inline constexpr uint8_t kAtcInvSizeAll = 52;
// CMD_ATC_INV for [iova, iova + size) of `sid` (and PASID `ssid` when `ssv`), as Linux's
// arm_smmu_atc_inv_to_cmd: the smallest naturally aligned power-of-two span of 4 KiB pages that
// covers the range; size 0 invalidates everything (Size 52).
CmdWords encode_cmd_atc_inv(uint32_t sid, bool ssv, uint32_t ssid, uint64_t iova, uint64_t size);

// Granule size in bytes for a TLBI TG value (0 when TG = 0).
uint64_t tlbi_granule_bytes(uint8_t tg);
// Bytes a TLBI_NH_VA covers: (NUM+1) * 2^SCALE granules, or 0 for a single address (TG 0).
uint64_t tlbi_range_bytes(const Command& c);
// The TLBI_NH_VA commands Linux's arm_smmu_tlb_inv_range_cmd issues for [iova, iova+size) with
// range invalidation (IDR3.RIL), leaf page size 2^page_shift.
std::vector<CmdWords> tlbi_nh_va_range_cmds(uint16_t asid, uint64_t iova, uint64_t size,
                                            unsigned page_shift = 12, bool leaf = true);

// ---------------------------------------------------------------------------------------------
// Event records (32 B).
inline constexpr unsigned kEvtDwords = 4;
inline constexpr unsigned kEvtBytes = 32;
static_assert(sizeof(uint64_t[kEvtDwords]) == kEvtBytes);

enum class EventId : uint8_t {
  kFUut = 0x01,
  kCBadStreamId = 0x02,
  kFSteFetch = 0x03,
  kCBadSte = 0x04,
  kFBadAtsTreq = 0x05,
  kFStreamDisabled = 0x06,
  kFTranslForbidden = 0x07,
  kCBadSubstreamId = 0x08,
  kFCdFetch = 0x09,
  kCBadCd = 0x0a,
  kFWalkEabt = 0x0b,
  kFTranslation = 0x10,
  kFAddrSize = 0x11,
  kFAccess = 0x12,
  kFPermission = 0x13,
  kFTlbConflict = 0x20,
  kFCfgConflict = 0x21,
  kEPageRequest = 0x24,
};
// Architecture name ("F_TRANSLATION"); "UNKNOWN" otherwise.
const char* event_id_name(uint8_t id);
// The same in lower case, for stats keys ("f_translation").
const char* event_id_key(uint8_t id);

enum class EventClass : uint8_t { kCd = 0, kTt = 1, kIn = 2 };

struct EventRecord {
  uint8_t id = 0;           // DW0 [7:0]
  bool ssv = false;         // DW0 SSV[11]
  uint32_t ssid = 0;        // DW0 SSID[31:12]
  uint32_t sid = 0;         // DW0 SID[63:32]
  uint16_t stag = 0;        // DW1 STAG[15:0]
  bool stall = false;       // DW1 Stall[31]
  bool pnu = false;         // DW1 PnU[33]: privileged
  bool ind = false;         // DW1 InD[34]: instruction fetch
  bool rnw = false;         // DW1 RnW[35]: read
  bool s2 = false;          // DW1 S2[39]
  uint8_t clss = 0;         // DW1 Class[41:40] (EventClass)
  bool tt_read = false;     // DW1 TT_READ[44]
  uint64_t input_addr = 0;  // DW2
  // DW3: FetchAddr[51:3] for F_STE_FETCH / F_CD_FETCH / F_WALK_EABT, IPA[51:12] otherwise.
  uint64_t fetch_addr = 0;
  uint64_t ipa = 0;
};
void encode_event(const EventRecord& e, uint64_t out[kEvtDwords]);
EventRecord decode_event(const uint64_t in[kEvtDwords]);

}  // namespace wdsim::smmu
