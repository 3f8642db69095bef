#include "formats/qm/qm_formats.h"

#include <gtest/gtest.h>

#include <cstddef>

namespace wdsim::qm {
namespace {

TEST(QmFormats, StructLayouts) {
  EXPECT_EQ(offsetof(Cqe, sq_head), 8u);
  EXPECT_EQ(offsetof(Cqe, sq_num), 10u);
  EXPECT_EQ(offsetof(Cqe, w7), 14u);
  EXPECT_EQ(offsetof(Sqc, dw3), 12u);
  EXPECT_EQ(offsetof(Sqc, pasid), 20u);
  EXPECT_EQ(offsetof(Sqc, w11), 22u);
  EXPECT_EQ(offsetof(Sqc, cq_num), 24u);
  EXPECT_EQ(offsetof(Sqc, w13), 26u);
  EXPECT_EQ(offsetof(Cqc, w11), 22u);
  EXPECT_EQ(offsetof(Cqc, dw6), 24u);
  EXPECT_EQ(offsetof(Eqc, dw6), 24u);
  EXPECT_EQ(offsetof(Mailbox, queue_num), 2u);
  EXPECT_EQ(offsetof(Mailbox, base_l), 4u);
  EXPECT_EQ(offsetof(Mailbox, base_h), 8u);
}

TEST(QmFormats, DoorbellV1BitPositions) {
  // qn | cmd << 16 | index << 32 | priority << 48
  Doorbell d{5, kDbCmdCq, 0x123, 1, 0};
  EXPECT_EQ(encode_doorbell_v1(d), 0x0001'0123'0001'0005ull);
  Doorbell back = decode_doorbell_v1(0x0001'0123'0001'0005ull);
  EXPECT_EQ(back.qn, 5);
  EXPECT_EQ(back.cmd, kDbCmdCq);
  EXPECT_EQ(back.index, 0x123);
  EXPECT_EQ(back.priority, 1);
}

TEST(QmFormats, DoorbellV2BitPositions) {
  // qn | cmd << 12 | rand << 16 | index << 32 | priority << 48
  EXPECT_EQ(encode_doorbell_v2({0x3ff, kDbCmdSq, 0x3ff, 1, 0x5a5a}), 0x0001'03ff'5a5a'03ffull);
  EXPECT_EQ(encode_doorbell_v2({7, kDbCmdCq, 2, 0, 0}), 0x0000'0002'0000'1007ull);
  EXPECT_EQ(encode_doorbell_v2({0, kDbCmdAeq, 0x10, 0, 0}), 0x0000'0010'0000'3000ull);
  Doorbell d = decode_doorbell_v2(0x0001'03ff'5a5a'13ffull);
  EXPECT_EQ(d.qn, 0x3ff);
  EXPECT_EQ(d.cmd, kDbCmdCq);
  EXPECT_EQ(d.rand, 0x5a5a);
  EXPECT_EQ(d.index, 0x3ff);
  EXPECT_EQ(d.priority, 1);
}

TEST(QmFormats, DoorbellOffsets) {
  EXPECT_EQ(doorbell_offset_v2(5, kDbCmdSq, kDoorbellIntervalShared), 0x1000u);
  EXPECT_EQ(doorbell_offset_v2(5, kDbCmdCq, kDoorbellIntervalIsolated), 0x51000u);
  EXPECT_EQ(doorbell_offset_v2(5, kDbCmdEq, kDoorbellIntervalIsolated), 0x2000u);
  EXPECT_EQ(kDoorbellOffsetV1, 0x340u);
}

TEST(QmFormats, SqcEncoding) {
  EXPECT_EQ(encode_sqc_dw3_v2(128, 1024), 0x3ffu | (7u << 12));
  EXPECT_EQ(encode_sqc_dw3_v2(64, 4), 0x6003u);
  EXPECT_EQ(qc_depth_v2(0x73ff), 1024u);
  EXPECT_EQ(sqc_sqe_size_v2(0x73ff), 128u);
  EXPECT_EQ(encode_sqc_w13(0, 1, 2), 0x0210);
  EXPECT_EQ(encode_sqc_w13(3, 1, 0x1f), 0x0f13);  // alg_type masked to 4 bits
  EXPECT_EQ(sqc_alg_type(0x0210), 2);
  EXPECT_EQ(sqc_orders(0x0210), 1);
  EXPECT_EQ(encode_sqc_w11(true), 0x80);
  EXPECT_TRUE(sqc_pasid_enabled(0x80));
  EXPECT_FALSE(sqc_pasid_enabled(0x40));

  Sqc s = make_sqc_v2(0x1'2345'6000ull, 1024, 128, 9, true, 3, 2);
  EXPECT_EQ(s.base_l, 0x23456000u);
  EXPECT_EQ(s.base_h, 0x1u);
  EXPECT_EQ(s.dw3, 0x73ffu);
  EXPECT_EQ(s.pasid, 9);
  EXPECT_EQ(s.w11, 0x80);
  EXPECT_EQ(s.cq_num, 3);
  EXPECT_EQ(s.w13, 0x0210);
  EXPECT_EQ(s.head, 0);
  EXPECT_EQ(s.tail, 0);
}

TEST(QmFormats, CqcAndEqcEncoding) {
  EXPECT_EQ(encode_cqc_dw3_v2(1024), 0x43ffu);
  EXPECT_EQ(cqc_cqe_size_v2(0x43ff), 16u);
  EXPECT_EQ(encode_cqc_dw6(true, true), 0x3u);
  EXPECT_EQ(encode_cqc_dw6(false, true), 0x2u);
  EXPECT_TRUE(cqc_flag(0x2));
  EXPECT_FALSE(cqc_phase(0x2));
  EXPECT_EQ(encode_cqc_w11(true), 0x1);
  Cqc c = make_cqc_v2(0x8000, 1024, 4, false);
  EXPECT_EQ(c.dw3, 0x43ffu);
  EXPECT_EQ(c.dw6, 0x3u);
  EXPECT_EQ(c.w11, 0);

  EXPECT_EQ(encode_eqc_dw6(2048, true), 0x107ffu);
  EXPECT_EQ(eqc_depth(0x107ff), 2048u);
  EXPECT_TRUE(eqc_phase(0x107ff));
  Eqc e = make_eqc(0xabc000, 1024);
  EXPECT_EQ(e.dw6, 0x103ffu);
  EXPECT_EQ(e.dw3, 0u);
}

TEST(QmFormats, EventEntries) {
  EXPECT_EQ(encode_eqe(0x12, true), 0x10012u);
  EXPECT_EQ(eqe_cqn(0x10012), 0x12);
  EXPECT_TRUE(eqe_phase(0x10012));
  EXPECT_EQ(encode_aeqe(5, kAeqCqeError, true), 0x50005u);  // 5 | 1 << 16 | 2 << 17
  EXPECT_EQ(encode_aeqe(7, kAeqEqOverflow, false), 0x20007u);
  EXPECT_EQ(aeqe_type(0x50005), kAeqCqeError);
  EXPECT_EQ(aeqe_qid(0x50005), 5);
  EXPECT_TRUE(aeqe_phase(0x50005));
  Cqe c = make_cqe(17, 3, true);
  EXPECT_TRUE(cqe_phase(c));
  EXPECT_EQ(c.sq_head, 17);
  EXPECT_EQ(c.sq_num, 3);
}

TEST(QmFormats, Mailbox) {
  Mailbox m = make_mailbox(kMbCmdSqc, 0x12'3456'789aull, 7, false);
  EXPECT_EQ(m.w0, 0x2000);  // busy bit 13
  EXPECT_EQ(m.queue_num, 7);
  EXPECT_EQ(m.base_l, 0x3456'789au);
  EXPECT_EQ(m.base_h, 0x12u);
  EXPECT_EQ(mailbox_base(m), 0x12'3456'789aull);
  Mailbox r = make_mailbox(kMbCmdCqc, 0, 1, true);
  EXPECT_EQ(r.w0, 0x6001);  // op bit 14, busy bit 13, cmd 1
  EXPECT_TRUE(mailbox_op_read(r.w0));
  EXPECT_EQ(mailbox_cmd(r.w0), kMbCmdCqc);
  EXPECT_EQ(kMailboxOffset, 0x300u);
  EXPECT_EQ(kMbCmdStopQp, 8);
  EXPECT_EQ(kMbCmdFlushQm, 9);
  EXPECT_EQ(kMbCmdSqcVftV2, 6);
}

}  // namespace
}  // namespace wdsim::qm
