// HiSilicon queue manager (QM) formats, bit for bit: the completion entry (CQE), event queue
// entries (EQE, AEQE), the queue contexts the kernel hands to the device through the mailbox
// (SQC, CQC, EQC, AEQC), the mailbox itself and the doorbell values (V1 and V2 layouts) with
// the doorbell offsets in the BAR.
//
// Facts from Linux drivers/crypto/hisilicon/qm.c (struct qm_cqe/qm_eqe/qm_aeqe/qm_sqc/qm_cqc/
// qm_eqc/qm_aeqc/qm_mailbox, QM_MK_SQC_DW3_V2, QM_MK_CQC_DW3_V2, QM_MK_SQC_W13,
// qm_mb_pre_init, qm_db_v1, qm_db_v2, qm_eq_ctx_cfg) and include/linux/hisi_acc_qm.h
// (QM_MB_CMD_*, QM_MB_BUSY_SHIFT, QM_MB_OP_SHIFT, QM_DOORBELL_*, QM_DB_*_SHIFT_V2).
// Not covered: the V1 SQC/CQC dw3 encoding (hop/page/buffer sizes), VFT and capability registers.
//
// Pure C++ with no SystemC: the runtime (user driver) and the kernel model include it too.
// Every multi-byte field is little-endian in memory; the host is little-endian, so the structs
// can be memcpy'd to and from DMA buffers.
#pragma once

#include <cstdint>
#include <cstring>

namespace wdsim::qm {

// ---- Completion queue entry (struct qm_cqe) ------------------------------------------------
struct Cqe {
  uint32_t rsvd0;
  uint16_t cmd_id;
  uint16_t rsvd1;
  uint16_t sq_head;  // the SQ slot this CQE completes
  uint16_t sq_num;   // the SQ (queue pair) number
  uint16_t rsvd2;
  uint16_t w7;  // bit 0: phase
};
static_assert(sizeof(Cqe) == 16);
constexpr uint32_t kCqeSize = 16;
constexpr uint32_t kCqeSizeLog2 = 4;  // QM_QC_CQE_SIZE, the CQC dw3 cqe size field
constexpr uint16_t kCqePhaseBit = 0x1;
inline bool cqe_phase(const Cqe& c) { return (c.w7 & kCqePhaseBit) != 0; }
inline Cqe make_cqe(uint16_t sq_head, uint16_t sq_num, bool phase) {
  Cqe c{};
  c.sq_head = sq_head;
  c.sq_num = sq_num;
  c.w7 = phase ? kCqePhaseBit : 0;
  return c;
}

// ---- Event queue entries (struct qm_eqe, struct qm_aeqe): one le32 each --------------------
constexpr uint32_t kEqeSize = 4;
constexpr uint32_t kAeqeSize = 4;
constexpr uint32_t kEqeCqnMask = 0xffff;  // QM_EQE_CQN_MASK, GENMASK(15, 0)
constexpr unsigned kEqePhaseShift = 16;
constexpr unsigned kAeqeTypeShift = 17;  // QM_AEQE_TYPE_SHIFT; type is dw0[31:17]

enum AeqEventType : uint32_t {
  kAeqCqOverflow = 0,  // QM_CQ_OVERFLOW
  kAeqEqOverflow = 1,  // QM_EQ_OVERFLOW
  kAeqCqeError = 2,    // QM_CQE_ERROR
};

constexpr uint32_t encode_eqe(uint16_t cqn, bool phase) {
  return uint32_t{cqn} | (uint32_t{phase} << kEqePhaseShift);
}
constexpr uint16_t eqe_cqn(uint32_t dw0) { return static_cast<uint16_t>(dw0 & kEqeCqnMask); }
constexpr bool eqe_phase(uint32_t dw0) { return ((dw0 >> kEqePhaseShift) & 1) != 0; }

constexpr uint32_t encode_aeqe(uint16_t qid, uint32_t type, bool phase) {
  return uint32_t{qid} | (uint32_t{phase} << kEqePhaseShift) | (type << kAeqeTypeShift);
}
constexpr uint16_t aeqe_qid(uint32_t dw0) { return static_cast<uint16_t>(dw0 & kEqeCqnMask); }
constexpr bool aeqe_phase(uint32_t dw0) { return ((dw0 >> kEqePhaseShift) & 1) != 0; }
constexpr uint32_t aeqe_type(uint32_t dw0) { return dw0 >> kAeqeTypeShift; }

// ---- Queue contexts -------------------------------------------------------------------------
// SQ context (struct qm_sqc), 32 B.
struct Sqc {
  uint16_t head;
  uint16_t tail;
  uint32_t base_l;
  uint32_t base_h;
  uint32_t dw3;  // V2: depth-1 [11:0], ilog2(sqe_size) [15:12]
  uint16_t w8;   // V2: rand_qc (0 from Linux); V1: depth-1
  uint16_t rsvd0;
  uint16_t pasid;
  uint16_t w11;  // bit 7: PASID enable; bit 6: tail index (QM_SQ_TAIL_IDX)
  uint16_t cq_num;
  uint16_t w13;  // priority [3:0], orders [7:4], alg_type [11:8]
  uint32_t rsvd1;
};
static_assert(sizeof(Sqc) == 32);

// CQ context (struct qm_cqc), 32 B.
struct Cqc {
  uint16_t head;
  uint16_t tail;
  uint32_t base_l;
  uint32_t base_h;
  uint32_t dw3;  // V2: depth-1 [11:0], ilog2(cqe_size)=4 [15:12]
  uint16_t w8;   // V2: rand_qc; V1: depth-1
  uint16_t rsvd0;
  uint16_t pasid;
  uint16_t w11;  // bit 0: PASID enable; bit 6: tail index
  uint32_t dw6;  // bit 0: phase; bit 1: c_flag (completion interrupt armed)
  uint32_t rsvd1;
};
static_assert(sizeof(Cqc) == 32);

// EQ / AEQ context (struct qm_eqc, struct qm_aeqc), 28 B each (no trailing reserved word).
struct Eqc {
  uint16_t head;
  uint16_t tail;
  uint32_t base_l;
  uint32_t base_h;
  uint32_t dw3;  // V1 only: QM_EQE_AEQE_SIZE (2 << 12)
  uint32_t rsvd[2];
  uint32_t dw6;  // depth-1 [15:0], phase [16]
};
static_assert(sizeof(Eqc) == 28);
using Aeqc = Eqc;

constexpr uint32_t kQcDepthMaskV2 = 0xfff;  // dw3[11:0]: depth-1 (so depth <= 4096)
constexpr unsigned kSqcSqeSizeShift = 12;   // QM_SQ_SQE_SIZE_SHIFT
constexpr unsigned kCqcCqeSizeShift = 12;   // QM_CQ_CQE_SIZE_SHIFT
constexpr uint32_t kQcSizeFieldMask = 0xf;
constexpr unsigned kSqcPriorityShift = 0;     // QM_SQ_PRIORITY_SHIFT
constexpr unsigned kSqcOrdersShift = 4;       // QM_SQ_ORDERS_SHIFT
constexpr unsigned kSqcAlgTypeShift = 8;      // QM_SQ_TYPE_SHIFT
constexpr uint16_t kSqcAlgTypeMask = 0xf;     // QM_SQ_TYPE_MASK
constexpr unsigned kSqcPasidEnableShift = 7;  // QM_QC_PASID_ENABLE_SHIFT (SQC w11)
constexpr uint16_t kCqcPasidEnable = 0x1;     // QM_QC_PASID_ENABLE (CQC w11 bit 0)
constexpr unsigned kCqcPhaseShift = 0;        // QM_CQ_PHASE_SHIFT
constexpr unsigned kCqcFlagShift = 1;         // QM_CQ_FLAG_SHIFT
constexpr unsigned kEqcPhaseShift = 16;       // QM_EQC_PHASE_SHIFT
constexpr uint32_t kEqcDepthMask = 0xffff;

constexpr uint32_t ilog2_u32(uint32_t v) {
  uint32_t r = 0;
  while (v > 1) {
    v >>= 1;
    ++r;
  }
  return r;
}

// QM_MK_SQC_DW3_V2(sqe_sz, depth).
constexpr uint32_t encode_sqc_dw3_v2(uint32_t sqe_size, uint32_t depth) {
  return ((depth - 1) & kQcDepthMaskV2) | (ilog2_u32(sqe_size) << kSqcSqeSizeShift);
}
// QM_MK_CQC_DW3_V2(QM_QC_CQE_SIZE, depth).
constexpr uint32_t encode_cqc_dw3_v2(uint32_t depth) {
  return ((depth - 1) & kQcDepthMaskV2) | (kCqeSizeLog2 << kCqcCqeSizeShift);
}
constexpr uint32_t qc_depth_v2(uint32_t dw3) { return (dw3 & kQcDepthMaskV2) + 1; }
constexpr uint32_t sqc_sqe_size_v2(uint32_t dw3) {
  return 1u << ((dw3 >> kSqcSqeSizeShift) & kQcSizeFieldMask);
}
constexpr uint32_t cqc_cqe_size_v2(uint32_t dw3) {
  return 1u << ((dw3 >> kCqcCqeSizeShift) & kQcSizeFieldMask);
}

// QM_MK_SQC_W13(priority, orders, alg_type); Linux uses (0, 1, qp->alg_type).
constexpr uint16_t encode_sqc_w13(uint8_t priority, uint8_t orders, uint8_t alg_type) {
  return static_cast<uint16_t>((uint32_t{priority} << kSqcPriorityShift) |
                               (uint32_t{orders} << kSqcOrdersShift) |
                               ((uint32_t{alg_type} & kSqcAlgTypeMask) << kSqcAlgTypeShift));
}
constexpr uint8_t sqc_priority(uint16_t w13) { return (w13 >> kSqcPriorityShift) & 0xf; }
constexpr uint8_t sqc_orders(uint16_t w13) { return (w13 >> kSqcOrdersShift) & 0xf; }
constexpr uint8_t sqc_alg_type(uint16_t w13) { return (w13 >> kSqcAlgTypeShift) & kSqcAlgTypeMask; }
constexpr uint16_t encode_sqc_w11(bool pasid_enable) {
  return static_cast<uint16_t>(uint32_t{pasid_enable} << kSqcPasidEnableShift);
}
constexpr bool sqc_pasid_enabled(uint16_t w11) { return ((w11 >> kSqcPasidEnableShift) & 1) != 0; }
constexpr uint16_t encode_cqc_w11(bool pasid_enable) { return pasid_enable ? kCqcPasidEnable : 0; }
constexpr bool cqc_pasid_enabled(uint16_t w11) { return (w11 & kCqcPasidEnable) != 0; }

// CQC dw6 = phase | c_flag << 1; Linux starts a CQ with phase 1 and the flag set.
constexpr uint32_t encode_cqc_dw6(bool phase, bool flag) {
  return (uint32_t{phase} << kCqcPhaseShift) | (uint32_t{flag} << kCqcFlagShift);
}
constexpr bool cqc_phase(uint32_t dw6) { return ((dw6 >> kCqcPhaseShift) & 1) != 0; }
constexpr bool cqc_flag(uint32_t dw6) { return ((dw6 >> kCqcFlagShift) & 1) != 0; }

// EQC/AEQC dw6 = (depth - 1) | phase << 16.
constexpr uint32_t encode_eqc_dw6(uint32_t depth, bool phase) {
  return ((depth - 1) & kEqcDepthMask) | (uint32_t{phase} << kEqcPhaseShift);
}
constexpr uint32_t eqc_depth(uint32_t dw6) { return (dw6 & kEqcDepthMask) + 1; }
constexpr bool eqc_phase(uint32_t dw6) { return ((dw6 >> kEqcPhaseShift) & 1) != 0; }

inline uint64_t qc_base(uint32_t base_l, uint32_t base_h) {
  return (uint64_t{base_h} << 32) | base_l;
}

// Builds a V2 SQC the way Linux qm_sq_ctx_cfg does.
// `priority` is SQC w13[3:0]; Linux writes 0. The model uses it as the queue's arbitration
// weight (priority + 1) when QmParams.arbitration is "weighted".
inline Sqc make_sqc_v2(uint64_t sq_base, uint32_t sq_depth, uint32_t sqe_size, uint16_t pasid,
                       bool pasid_enable, uint16_t cq_num, uint8_t alg_type, uint8_t priority = 0) {
  Sqc s{};
  s.base_l = static_cast<uint32_t>(sq_base);
  s.base_h = static_cast<uint32_t>(sq_base >> 32);
  s.dw3 = encode_sqc_dw3_v2(sqe_size, sq_depth);
  s.pasid = pasid;
  s.w11 = encode_sqc_w11(pasid_enable);
  s.cq_num = cq_num;
  s.w13 = encode_sqc_w13(priority, 1, alg_type);
  return s;
}
// Builds a V2 CQC the way Linux qm_cq_ctx_cfg does (phase 1, c_flag set).
inline Cqc make_cqc_v2(uint64_t cq_base, uint32_t cq_depth, uint16_t pasid, bool pasid_enable) {
  Cqc c{};
  c.base_l = static_cast<uint32_t>(cq_base);
  c.base_h = static_cast<uint32_t>(cq_base >> 32);
  c.dw3 = encode_cqc_dw3_v2(cq_depth);
  c.pasid = pasid;
  c.w11 = encode_cqc_w11(pasid_enable);
  c.dw6 = encode_cqc_dw6(true, true);
  return c;
}
// Builds an EQC/AEQC the way Linux qm_eq_ctx_cfg / qm_aeq_ctx_cfg do (phase 1).
inline Eqc make_eqc(uint64_t base, uint32_t depth) {
  Eqc e{};
  e.base_l = static_cast<uint32_t>(base);
  e.base_h = static_cast<uint32_t>(base >> 32);
  e.dw6 = encode_eqc_dw6(depth, true);
  return e;
}

// ---- Mailbox (struct qm_mailbox), 16 B at BAR offset 0x300 ---------------------------------
enum MailboxCmd : uint8_t {
  kMbCmdSqc = 0x0,
  kMbCmdCqc = 0x1,
  kMbCmdEqc = 0x2,
  kMbCmdAeqc = 0x3,
  kMbCmdSqcBt = 0x4,
  kMbCmdCqcBt = 0x5,
  kMbCmdSqcVftV2 = 0x6,
  kMbCmdStopQp = 0x8,
  kMbCmdFlushQm = 0x9,
};

struct Mailbox {
  uint16_t w0;  // cmd [7:0], event [8+], busy [13], op [14] (1 = read context back)
  uint16_t queue_num;
  uint32_t base_l;
  uint32_t base_h;
  uint32_t rsvd;  // "token" in UADK's copy
};
static_assert(sizeof(Mailbox) == 16);

constexpr uint32_t kMailboxOffset = 0x300;  // QM_MB_CMD_SEND_BASE
constexpr uint32_t kMailboxSize = 16;
constexpr uint16_t kMbCmdMask = 0xff;
constexpr unsigned kMbEventShift = 8;  // QM_MB_EVENT_SHIFT
constexpr unsigned kMbBusyShift = 13;  // QM_MB_BUSY_SHIFT
constexpr unsigned kMbOpShift = 14;    // QM_MB_OP_SHIFT

// qm_mb_pre_init(): w0 = cmd | op << 14 | 1 << 13.
inline Mailbox make_mailbox(uint8_t cmd, uint64_t base, uint16_t queue, bool op_read) {
  Mailbox m{};
  m.w0 = static_cast<uint16_t>(uint32_t{cmd} | (uint32_t{op_read} << kMbOpShift) |
                               (1u << kMbBusyShift));
  m.queue_num = queue;
  m.base_l = static_cast<uint32_t>(base);
  m.base_h = static_cast<uint32_t>(base >> 32);
  return m;
}
constexpr uint8_t mailbox_cmd(uint16_t w0) { return static_cast<uint8_t>(w0 & kMbCmdMask); }
constexpr bool mailbox_busy(uint16_t w0) { return ((w0 >> kMbBusyShift) & 1) != 0; }
constexpr bool mailbox_op_read(uint16_t w0) { return ((w0 >> kMbOpShift) & 1) != 0; }
inline uint64_t mailbox_base(const Mailbox& m) { return qc_base(m.base_l, m.base_h); }

// ---- Doorbells -------------------------------------------------------------------------------
enum DoorbellCmd : uint8_t {
  kDbCmdSq = 0,   // index = new SQ tail
  kDbCmdCq = 1,   // index = new CQ head; priority 1 re-arms the completion interrupt
  kDbCmdEq = 2,   // index = new EQ head
  kDbCmdAeq = 3,  // index = new AEQ head
};

struct Doorbell {
  uint16_t qn = 0;
  uint8_t cmd = 0;
  uint16_t index = 0;
  uint8_t priority = 0;
  uint16_t rand = 0;  // V2 only
};

constexpr uint32_t kDoorbellOffsetV1 = 0x340;            // QM_DOORBELL_BASE_V1
constexpr uint32_t kDoorbellSqCqOffsetV2 = 0x1000;       // QM_DOORBELL_SQ_CQ_BASE_V2
constexpr uint32_t kDoorbellEqAeqOffsetV2 = 0x2000;      // QM_DOORBELL_EQ_AEQ_BASE_V2
constexpr uint64_t kDoorbellIntervalIsolated = 0x10000;  // QM_QP_DB_INTERVAL
constexpr uint64_t kDoorbellIntervalShared = 0;          // qm->db_interval without isolation

constexpr unsigned kDbCmdShiftV1 = 16;       // QM_DB_CMD_SHIFT_V1
constexpr unsigned kDbIndexShiftV1 = 32;     // QM_DB_INDEX_SHIFT_V1
constexpr unsigned kDbPriorityShiftV1 = 48;  // QM_DB_PRIORITY_SHIFT_V1
constexpr unsigned kDbCmdShiftV2 = 12;       // QM_DB_CMD_SHIFT_V2
constexpr unsigned kDbRandShiftV2 = 16;      // QM_DB_RAND_SHIFT_V2
constexpr unsigned kDbIndexShiftV2 = 32;     // QM_DB_INDEX_SHIFT_V2
constexpr unsigned kDbPriorityShiftV2 = 48;  // QM_DB_PRIORITY_SHIFT_V2
constexpr uint64_t kDbQnMaskV2 = 0xfff;      // qn [11:0] (QM_QNUM_V2 = 1024 fits)
constexpr uint64_t kDbCmdMaskV2 = 0xf;       // cmd [15:12]

// qm_db_v1: qn | cmd << 16 | index << 32 | priority << 48.
constexpr uint64_t encode_doorbell_v1(const Doorbell& d) {
  return uint64_t{d.qn} | (uint64_t{d.cmd} << kDbCmdShiftV1) |
         (uint64_t{d.index} << kDbIndexShiftV1) | (uint64_t{d.priority} << kDbPriorityShiftV1);
}
constexpr Doorbell decode_doorbell_v1(uint64_t v) {
  Doorbell d{};
  d.qn = static_cast<uint16_t>(v & 0xffff);
  d.cmd = static_cast<uint8_t>((v >> kDbCmdShiftV1) & 0xff);
  d.index = static_cast<uint16_t>((v >> kDbIndexShiftV1) & 0xffff);
  d.priority = static_cast<uint8_t>((v >> kDbPriorityShiftV1) & 0xff);
  return d;
}

// qm_db_v2: qn | cmd << 12 | rand << 16 | index << 32 | priority << 48.
constexpr uint64_t encode_doorbell_v2(const Doorbell& d) {
  return (uint64_t{d.qn} & kDbQnMaskV2) | ((uint64_t{d.cmd} & kDbCmdMaskV2) << kDbCmdShiftV2) |
         (uint64_t{d.rand} << kDbRandShiftV2) | (uint64_t{d.index} << kDbIndexShiftV2) |
         (uint64_t{d.priority} << kDbPriorityShiftV2);
}
constexpr Doorbell decode_doorbell_v2(uint64_t v) {
  Doorbell d{};
  d.qn = static_cast<uint16_t>(v & kDbQnMaskV2);
  d.cmd = static_cast<uint8_t>((v >> kDbCmdShiftV2) & kDbCmdMaskV2);
  d.rand = static_cast<uint16_t>((v >> kDbRandShiftV2) & 0xffff);
  d.index = static_cast<uint16_t>((v >> kDbIndexShiftV2) & 0xffff);
  d.priority = static_cast<uint8_t>((v >> kDbPriorityShiftV2) & 0xff);
  return d;
}

// Where qm_db_v2 writes a doorbell, relative to the doorbell base (the register BAR without
// isolation, the doorbell BAR with it): SQ/CQ at qn * db_interval + 0x1000, EQ/AEQ at 0x2000
// of the register BAR.
constexpr uint64_t doorbell_offset_v2(uint16_t qn, uint8_t cmd, uint64_t db_interval) {
  return (cmd == kDbCmdSq || cmd == kDbCmdCq) ? uint64_t{qn} * db_interval + kDoorbellSqCqOffsetV2
                                              : kDoorbellEqAeqOffsetV2;
}

// Interrupt registers (per function) the QM driver touches.
constexpr uint32_t kAeqIntSourceOffset = 0x0;  // QM_VF_AEQ_INT_SOURCE
constexpr uint32_t kAeqIntMaskOffset = 0x4;    // QM_VF_AEQ_INT_MASK
constexpr uint32_t kEqIntSourceOffset = 0x8;   // QM_VF_EQ_INT_SOURCE
constexpr uint32_t kEqIntMaskOffset = 0xc;     // QM_VF_EQ_INT_MASK
constexpr uint32_t kEqIrqVector = 0;           // QM_EQ_EVENT_IRQ_VECTOR
constexpr uint32_t kAeqIrqVector = 1;          // QM_AEQ_EVENT_IRQ_VECTOR

// DUS status words (Linux qm.c qm_set_qp_disable): when the kernel disables a user queue after
// an AEQ error (QM_CQ_OVERFLOW, QM_CQE_ERROR) or before a reset, it stores 1 into the u32 that
// is QM_RESET_STOP_TX_OFFSET words before the end of the queue's DUS region (then STOP_QP), then
// 1 into the one QM_RESET_STOP_RX_OFFSET words before the end. The CPU writes them, not the
// device. UADK checks them before sending / after receiving.
constexpr uint32_t kDusStopTxWordFromEnd = 1;  // QM_RESET_STOP_TX_OFFSET
constexpr uint32_t kDusStopRxWordFromEnd = 2;  // QM_RESET_STOP_RX_OFFSET
constexpr uint32_t kDusStopValue = 1;
// Byte offset of those words inside a DUS region of `dus_size` bytes.
constexpr uint64_t dus_stop_word_offset(uint64_t dus_size, uint32_t words_from_end) {
  return dus_size - uint64_t{words_from_end} * 4;
}

// Model-only registers (no public source has them; offsets chosen inside the 64 KiB BAR, away
// from every register Linux qm.c touches). Read-only except as noted. Linux keeps the error
// count and the isolation decision in the kernel (qm_hw_err_isolate, sysfs isolate_strategy);
// the model can do it in the device instead so a kernel model need only read a flag.
constexpr uint32_t kModelDevErrorCountOffset = 0x3f00;  // device errors in the current window
constexpr uint32_t kModelIsolatedOffset = 0x3f04;       // 1 = isolated; write 0 to clear
constexpr uint32_t kModelDevErrorTotalOffset = 0x3f08;  // device errors since reset

// Queue counts and depths.
constexpr uint32_t kQnumV2 = 1024;    // QM_QNUM_V2
constexpr uint32_t kEqDepth = 2048;   // QM_EQ_DEPTH
constexpr uint32_t kAeqDepth = 1024;  // Linux aeq_depth default
constexpr uint32_t kSqDepthDefault = 1024;

}  // namespace wdsim::qm
