// Parameters of the SMMU's fault, PRI and ATS side (fault_handling.cc, pri_queue.h, smmu_ats.cc;
// the messages in sim/pcie/ats.h): the stall model and its limits, the PRI queue, ATS translation
// requests and ATC invalidation, and the cost of the commands that serve them. Members of
// SmmuParams as system.smmu.stall.*, system.smmu.pri.*, system.smmu.ats.*.
#pragma once

#include <cstdint>
#include <string>

#include "sim/base/params.h"

namespace wdsim {

struct StallParams {
  // IDR0.STALL_MODEL: "stall" (0b00: stall and terminate; CD.S chooses), "terminate" (0b01:
  // no stalls, CD.S = 1 is C_BAD_CD), "force" (0b10: every stallable fault stalls; CD.S = 0 is
  // C_BAD_CD and STE.S1STALLD = 1 is C_BAD_STE).
  std::string model;
  uint32_t max_stalled = 0;  // IDR5.STALL_MAX
  double resume_cost_ns = 0;
  void declare(ParamScope& s);
};

struct PriParams {
  bool enabled = false;             // IDR0.PRI
  uint32_t max_log2_entries = 0;    // IDR1.PRIQS
  double resp_cost_ns = 0;          // CMD_PRI_RESP execution
  double page_request_cost_ns = 0;  // SMMU work to accept one page request
  void declare(ParamScope& s);
};

struct AtsParams {
  bool enabled = false;           // IDR0.ATS
  double translate_cost_ns = 0;   // SMMU work per translation request, on top of translation
  double atc_inv_cost_ns = 0;     // CMD_ATC_INV execution (sending the invalidation)
  double atc_inv_timeout_ns = 0;  // CMD_SYNC gives CERROR_ATC_INV_SYNC past this
  void declare(ParamScope& s);
};

}  // namespace wdsim
