#include "sim/iommu/smmu_formats.h"

#include <gtest/gtest.h>

#include "sim/base/bits.h"

namespace wdsim::smmu {
namespace {

TEST(SmmuFormats, RegisterOffsetsMatchLinux) {
  EXPECT_EQ(kRegCr0, 0x20u);
  EXPECT_EQ(kRegCr0Ack, 0x24u);
  EXPECT_EQ(kRegGbpa, 0x44u);
  EXPECT_EQ(kRegStrtabBase, 0x80u);
  EXPECT_EQ(kRegStrtabBaseCfg, 0x88u);
  EXPECT_EQ(kRegCmdqBase, 0x90u);
  EXPECT_EQ(kRegCmdqProd, 0x98u);
  EXPECT_EQ(kRegCmdqCons, 0x9cu);
  EXPECT_EQ(kRegEvtqBase, 0xa0u);
  EXPECT_EQ(kRegEvtqProd, 0x100a8u);
  EXPECT_EQ(kRegEvtqCons, 0x100acu);
}

TEST(SmmuFormats, SteBitsAndRoundTrip) {
  SteConfig s;
  s.config = SteCfg::kS1Trans;
  s.s1_context_ptr = 0x0000'1234'5678'9ac0ull;
  s.s1_cd_max = 20;
  s.s1_dss = kS1DssBypass;
  s.s1_stalld = true;
  s.eats = kEatsTrans;
  s.strw = 2;
  s.s2_vmid = 0xbeef;
  s.s2_ttb = 0x0000'00ab'cdef'0000ull;
  uint64_t w[kSteDwords];
  encode_ste(s, w);
  // DW0: V=1, Config=5 at [3:1] -> 0xb, S1ContextPtr[51:6], S1CDMax=20 at [63:59].
  EXPECT_EQ(w[0], (20ull << 59) | 0x0000'1234'5678'9ac0ull | 0xb);
  // DW1: S1DSS=1, CIR=1<<2, COR=1<<4, CSH=3<<6, S1STALLD bit 27, EATS=1 at 28, STRW=2 at 30,
  // SHCFG=1 at 44.
  EXPECT_EQ(w[1], 1ull | (1ull << 2) | (1ull << 4) | (3ull << 6) | (1ull << 27) | (1ull << 28) |
                      (2ull << 30) | (1ull << 44));
  EXPECT_EQ(w[2], 0xbeefull);
  EXPECT_EQ(w[3], 0x0000'00ab'cdef'0000ull);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(w[i], 0u);
  SteConfig d = decode_ste(w);
  EXPECT_TRUE(d.valid);
  EXPECT_EQ(d.config, SteCfg::kS1Trans);
  EXPECT_EQ(d.s1_context_ptr, s.s1_context_ptr);
  EXPECT_EQ(d.s1_cd_max, 20);
  EXPECT_EQ(d.s1_dss, kS1DssBypass);
  EXPECT_TRUE(d.s1_stalld);
  EXPECT_EQ(d.eats, kEatsTrans);
  EXPECT_EQ(d.strw, 2);
  EXPECT_EQ(d.s2_vmid, 0xbeef);
  EXPECT_EQ(d.s2_ttb, s.s2_ttb);

  SteConfig bypass;
  bypass.config = SteCfg::kBypass;
  encode_ste(bypass, w);
  EXPECT_EQ(w[0] & 0xf, 0x9u);  // V | 4 << 1
  SteConfig invalid;
  invalid.valid = false;
  invalid.config = SteCfg::kAbort;
  encode_ste(invalid, w);
  EXPECT_EQ(w[0], 0u);
}

TEST(SmmuFormats, CdBitsAndRoundTrip) {
  CdConfig c;  // Linux SVA defaults: T0SZ 16, TG0 4K, WBRA, ISH, EPD1, V, IPS 48, AA64, R, A
  c.asid = 0x1234;
  c.ttb0 = 0x0000'0008'1234'5000ull;
  c.mair = 0x0000'00ff'440c'0400ull;
  c.stall = true;
  uint64_t w[kCdDwords];
  encode_cd(c, w);
  const uint64_t expect0 = 16ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 30) |
                           (1ull << 31) | (5ull << 32) | (1ull << 41) | (1ull << 44) |
                           (1ull << 45) | (1ull << 46) | (0x1234ull << 48);
  EXPECT_EQ(w[0], expect0);
  EXPECT_EQ(w[1], c.ttb0);
  EXPECT_EQ(w[3], c.mair);
  CdConfig d = decode_cd(w);
  EXPECT_EQ(d.t0sz, 16);
  EXPECT_EQ(d.asid, 0x1234);
  EXPECT_EQ(d.ttb0, c.ttb0);
  EXPECT_TRUE(d.valid && d.aa64 && d.record && d.abort && d.stall && d.epd1);
  EXPECT_FALSE(d.epd0 || d.tbi0 || d.ha || d.hd);
  // EPD0 is bit 14.
  c.epd0 = true;
  encode_cd(c, w);
  EXPECT_EQ(w[0], expect0 | (1ull << 14));
}

TEST(SmmuFormats, CommandBits) {
  CmdWords w = encode_cmd_cfgi_ste(0x1234, true);
  EXPECT_EQ(w[0], 0x03ull | (0x1234ull << 32));
  EXPECT_EQ(w[1], 1u);
  w = encode_cmd_cfgi_cd(7, 0xabcde, true);
  EXPECT_EQ(w[0], 0x05ull | (0xabcdeull << 12) | (7ull << 32));
  w = encode_cmd_cfgi_all();
  EXPECT_EQ(w[0], 0x04u);
  EXPECT_EQ(w[1], 31u);
  w = encode_cmd_tlbi_nh_asid(0x55);
  EXPECT_EQ(w[0], 0x11ull | (0x55ull << 48));
  w = encode_cmd_tlbi_nh_all();
  EXPECT_EQ(w[0], 0x10u);
  w = encode_cmd_tlbi_nsnh_all();
  EXPECT_EQ(w[0], 0x30u);

  TlbiRange r{.num = 3, .scale = 2, .tg = kTlbiTg4K, .ttl = 3};
  w = encode_cmd_tlbi_nh_va(0x77, 0x7f12'3456'7000ull, true, r);
  EXPECT_EQ(w[0], 0x12ull | (3ull << 12) | (2ull << 20) | (0x77ull << 48));
  EXPECT_EQ(w[1], 0x7f12'3456'7000ull | 1ull | (3ull << 8) | (1ull << 10));
  Command c = decode_cmd(w);
  EXPECT_EQ(c.op, 0x12);
  EXPECT_EQ(c.asid, 0x77);
  EXPECT_EQ(c.num, 3);
  EXPECT_EQ(c.scale, 2);
  EXPECT_EQ(c.tg, kTlbiTg4K);
  EXPECT_EQ(c.ttl, 3);
  EXPECT_TRUE(c.leaf);
  EXPECT_EQ(c.addr, 0x7f12'3456'7000ull);
  EXPECT_EQ(tlbi_range_bytes(c), 4u * 4u * 4096u);  // (NUM+1) * 2^SCALE * 4K
  c.tg = kTlbiTgNone;
  EXPECT_EQ(tlbi_range_bytes(c), 0u);

  w = encode_cmd_sync(kSyncCsIrq, 0x8000'1234ull, 0xdeadbeef);
  EXPECT_EQ(w[0], 0x46ull | (1ull << 12) | (3ull << 22) | (0xfull << 24) | (0xdeadbeefull << 32));
  EXPECT_EQ(w[1], 0x8000'1234ull);
  c = decode_cmd(w);
  EXPECT_EQ(c.cs, kSyncCsIrq);
  EXPECT_EQ(c.msi_addr, 0x8000'1234ull);
  EXPECT_EQ(c.msi_data, 0xdeadbeefu);

  uint64_t raw[2] = {0xee, 0};
  EXPECT_EQ(decode_cmd(raw).op, 0xee);
  EXPECT_EQ(cmd_op_name(0xee), nullptr);
  EXPECT_STREQ(cmd_op_name(0x12), "TLBI_NH_VA");
}

TEST(SmmuFormats, RangeTlbiSplitsLikeLinux) {
  // 33 pages: Linux issues 1 page (scale 0, num 1) then 32 pages (scale 5, num 1).
  auto cmds = tlbi_nh_va_range_cmds(9, 0x10000, 33 * 4096);
  ASSERT_EQ(cmds.size(), 2u);
  Command a = decode_cmd(cmds[0]), b = decode_cmd(cmds[1]);
  EXPECT_EQ(a.addr, 0x10000u);
  EXPECT_EQ(tlbi_range_bytes(a), 4096u);
  EXPECT_EQ(b.addr, 0x11000u);
  EXPECT_EQ(b.scale, 5);
  EXPECT_EQ(b.num, 0);
  EXPECT_EQ(tlbi_range_bytes(b), 32u * 4096u);
  // 3 pages in one command: scale 0, num 2.
  cmds = tlbi_nh_va_range_cmds(9, 0x10000, 3 * 4096);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(decode_cmd(cmds[0]).num, 2);
  EXPECT_EQ(decode_cmd(cmds[0]).ttl, 3);
}

TEST(SmmuFormats, EventBitsAndRoundTrip) {
  EventRecord e;
  e.id = static_cast<uint8_t>(EventId::kFTranslation);
  e.ssv = true;
  e.ssid = 0x2;
  e.sid = 0x11;
  e.rnw = true;
  e.pnu = true;
  e.clss = static_cast<uint8_t>(EventClass::kIn);
  e.input_addr = 0xdead'b000ull;
  uint64_t w[kEvtDwords];
  encode_event(e, w);
  EXPECT_EQ(w[0], 0x10ull | (1ull << 11) | (2ull << 12) | (0x11ull << 32));
  EXPECT_EQ(w[1], (1ull << 33) | (1ull << 35) | (2ull << 40));
  EXPECT_EQ(w[2], 0xdead'b000ull);
  EventRecord d = decode_event(w);
  EXPECT_EQ(d.id, e.id);
  EXPECT_TRUE(d.ssv && d.rnw && d.pnu);
  EXPECT_EQ(d.ssid, 2u);
  EXPECT_EQ(d.sid, 0x11u);
  EXPECT_EQ(d.clss, 2);
  EXPECT_EQ(d.input_addr, e.input_addr);
  EXPECT_STREQ(event_id_name(0x02), "C_BAD_STREAMID");
  EXPECT_STREQ(event_id_key(0x13), "f_permission");

  EventRecord f;
  f.id = static_cast<uint8_t>(EventId::kFSteFetch);
  f.fetch_addr = 0x12345678;
  encode_event(f, w);
  EXPECT_EQ(w[3], 0x12345678u & ~7u);
  EXPECT_EQ(decode_event(w).fetch_addr, 0x12345678u & ~7u);
}

TEST(SmmuFormats, EventRecordEveryFieldAtItsLinuxBit) {
  // Linux EVTQ_0_* / EVTQ_1_* / EVTQ_2_ADDR / EVTQ_3_IPA (arm-smmu-v3.h).
  EventRecord e;
  e.id = static_cast<uint8_t>(EventId::kFPermission);
  e.ssv = true;
  e.ssid = 0xfffff;  // 20 bits
  e.sid = 0xffff'ffff;
  e.stag = 0xbeef;
  e.stall = true;
  e.pnu = true;
  e.ind = true;
  e.rnw = true;
  e.s2 = true;
  e.clss = static_cast<uint8_t>(EventClass::kTt);
  e.tt_read = true;
  e.input_addr = 0xffff'8000'1234'5678ull;
  e.ipa = 0x000f'ffff'ffff'f000ull;
  uint64_t w[kEvtDwords];
  encode_event(e, w);
  EXPECT_EQ(get_bits(w[0], 7, 0), 0x13u);
  EXPECT_EQ(get_bits(w[0], 10, 8), 0u);
  EXPECT_TRUE(get_bit(w[0], 11));
  EXPECT_EQ(get_bits(w[0], 31, 12), 0xfffffu);
  EXPECT_EQ(get_bits(w[0], 63, 32), 0xffff'ffffu);
  EXPECT_EQ(get_bits(w[1], 15, 0), 0xbeefu);
  EXPECT_EQ(get_bits(w[1], 30, 16), 0u);
  EXPECT_TRUE(get_bit(w[1], 31));  // Stall
  EXPECT_FALSE(get_bit(w[1], 32));
  EXPECT_TRUE(get_bit(w[1], 33));  // PnU
  EXPECT_TRUE(get_bit(w[1], 34));  // InD
  EXPECT_TRUE(get_bit(w[1], 35));  // RnW
  EXPECT_EQ(get_bits(w[1], 38, 36), 0u);
  EXPECT_TRUE(get_bit(w[1], 39));         // S2
  EXPECT_EQ(get_bits(w[1], 41, 40), 1u);  // Class TT
  EXPECT_EQ(get_bits(w[1], 43, 42), 0u);
  EXPECT_TRUE(get_bit(w[1], 44));  // TT_READ
  EXPECT_EQ(get_bits(w[1], 63, 45), 0u);
  EXPECT_EQ(w[2], e.input_addr);
  EXPECT_EQ(w[3], 0x000f'ffff'ffff'f000ull);  // IPA[51:12]
  const EventRecord d = decode_event(w);
  EXPECT_EQ(d.stag, e.stag);
  EXPECT_TRUE(d.stall && d.ind && d.s2 && d.tt_read);
  EXPECT_EQ(d.clss, e.clss);
  EXPECT_EQ(d.ipa, e.ipa);
  EXPECT_EQ(d.sid, e.sid);
  EXPECT_EQ(d.ssid, e.ssid);
  // DW3 keeps only IPA[51:12] (or FetchAddr[51:3]).
  e.ipa = ~uint64_t{0};
  encode_event(e, w);
  EXPECT_EQ(w[3], bit_mask(51, 12));
}

TEST(SmmuFormats, QueuePointersAndBaseRegisters) {
  QueueBase q{.addr = 0x3000'0000, .log2size = 8, .rwa = true};
  uint64_t v = encode_queue_base(q);
  EXPECT_EQ(v, 0x3000'0000ull | 8 | (1ull << 62));
  EXPECT_EQ(decode_queue_base(v).log2size, 8);
  EXPECT_EQ(decode_queue_base(v).addr, 0x3000'0000u);
  // log2size 2: 4 entries, wrap at bit 2.
  EXPECT_EQ(queue_next(3, 2), 4u);  // index 0, wrap 1
  EXPECT_EQ(queue_next(7, 2), 0u);
  EXPECT_TRUE(queue_full(4, 0, 2));
  EXPECT_TRUE(queue_empty(4, 4, 2));
  EXPECT_FALSE(queue_full(3, 0, 2));
  StrtabBaseCfg cfg{.log2size = 8, .split = 8, .fmt = kStrtabFmt2Level};
  EXPECT_EQ(encode_strtab_base_cfg(cfg), 8u | (8u << 6) | (1u << 16));
  EXPECT_EQ(decode_strtab_base_cfg(encode_strtab_base_cfg(cfg)).fmt, kStrtabFmt2Level);
}

}  // namespace
}  // namespace wdsim::smmu
