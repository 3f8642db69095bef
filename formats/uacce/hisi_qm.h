// The HiSilicon QM user ABI on top of UACCE: the qp ioctls and their argument structs, and the
// api version strings, as Linux's include/uapi/misc/uacce/hisi_qm.h defines them. Shared by the
// runtime and the kernel model's QM uacce driver.
//
// Semantics (drivers/crypto/hisilicon/qm.c, hisi_qm_uacce_ioctl):
//  - SET_QP_CTX: in qc_type (0 or 1, else -EINVAL; for ZIP 0 = compress, 1 = decompress, as
//    UADK's op_type), out id = the qp number (used in doorbells).
//  - SET_QP_INFO: despite its name a query: the driver fills sqe_size, sq_depth, cq_depth.
// Does not model: the KAE extensions (SHARE_SVAS, GET_SS_DMA). Dependency-free.
#pragma once

#include <cstdint>

#include "formats/uacce/uacce.h"

namespace wdsim::rt {

// struct hisi_qp_ctx { __u16 id; __u16 qc_type; }
struct HisiQpCtx {
  uint16_t id = 0;
  uint16_t qc_type = 0;
};
static_assert(sizeof(HisiQpCtx) == 4);

// struct hisi_qp_info { __u32 sqe_size; __u16 sq_depth; __u16 cq_depth; __u64 reserved; }
struct HisiQpInfo {
  uint32_t sqe_size = 0;
  uint16_t sq_depth = 0;
  uint16_t cq_depth = 0;
  uint64_t reserved = 0;
};
static_assert(sizeof(HisiQpInfo) == 16);

// UACCE_CMD_QM_SET_QP_CTX = _IOWR('H', 10, struct hisi_qp_ctx)
constexpr unsigned long kUacceCmdQmSetQpCtx = ioc_iowr('H', 10, sizeof(HisiQpCtx));
// UACCE_CMD_QM_SET_QP_INFO = _IOWR('H', 11, struct hisi_qp_info)
constexpr unsigned long kUacceCmdQmSetQpInfo = ioc_iowr('H', 11, sizeof(HisiQpInfo));
// (3 << 30) | (4 << 16) | ('H' << 8) | 10 and (3 << 30) | (16 << 16) | ('H' << 8) | 11.
static_assert(kUacceCmdQmSetQpCtx == 0xC004480Aul, "must equal Linux's UACCE_CMD_QM_SET_QP_CTX");
static_assert(kUacceCmdQmSetQpInfo == 0xC010480Bul, "must equal Linux's UACCE_CMD_QM_SET_QP_INFO");

// qc_type values the driver accepts.
constexpr uint16_t kHisiQpQcTypeMax = 1;

// sysfs "api" strings (HISI_QM_API_VER*_BASE).
inline constexpr const char* kHisiQmApiV1 = "hisi_qm_v1";
inline constexpr const char* kHisiQmApiV2 = "hisi_qm_v2";
inline constexpr const char* kHisiQmApiV3 = "hisi_qm_v3";
inline constexpr const char* kHisiQmApiV5 = "hisi_qm_v5";
// Every QM api string starts with this; UADK parses the number after it (VERSION_ID_SHIFT 9).
inline constexpr const char* kHisiQmApiPrefix = "hisi_qm_v";

}  // namespace wdsim::rt
