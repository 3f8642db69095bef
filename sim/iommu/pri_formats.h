// The SMMU PRI queue's record format: one 16 B page request record and the CMD_PRI_RESP
// response codes. No SystemC: the kernel model's SMMU driver decodes the records with these,
// the SMMU model (pri_queue.h) encodes them.
//
// The record layout is Linux's PRIQ_0_* / PRIQ_1_* (arm-smmu-v3.h): DW0 SID[31:0],
// SSID[51:32], Priv 58, Exec 59, Read 60, Write 61, Last 62, SSV 63; DW1 PRG index[8:0],
// Addr[63:12].
#pragma once

#include <cstdint>

namespace wdsim::smmu {

inline constexpr unsigned kPriqDwords = 2;
inline constexpr unsigned kPriqBytes = 16;

// One page request (PCIe PRI Page Request message, PPR).
struct PageRequest {
  uint32_t sid = 0;
  bool ssv = false;
  uint32_t ssid = 0;
  bool priv = false;
  bool exec = false;
  bool read = false;
  bool write = false;
  bool last = false;       // last request of its Page Request Group
  uint16_t prg_index = 0;  // 9 bits
  uint64_t addr = 0;       // 4 KiB page address
};
void encode_priq_entry(const PageRequest& r, uint64_t out[kPriqDwords]);
PageRequest decode_priq_entry(const uint64_t in[kPriqDwords]);

// CMD_PRI_RESP.Resp (Linux CMDQ_PRI_1_RESP_*): 0 deny, 1 fail, 2 success.
inline constexpr uint8_t kPriRespDeny = 0, kPriRespFail = 1, kPriRespSuccess = 2;

}  // namespace wdsim::smmu
