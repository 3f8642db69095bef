// The TLP shape of each ATS/PRI message (sim/pcie/ats.h) as it crosses the fabric: the request
// TLP, and for the two non-posted exchanges the TLP that answers it. A header-only message has
// a 4 DW header; links (sim/pcie/pcie_link.h) add their framing and LCRC and, when the message
// carries a PASID, the PASID TLP prefix. Switches charge the data bytes on their internal
// fabric.
//
// Facts (PCI Express Base Specification 6.0):
//   10.2.2  Translation Request: a memory read request with AT = Translation Request, 64-bit
//           address (4 DW header), no data; PASID prefix when it carries a PASID.
//   10.2.3  Translation Completion: a completion (3 DW header) with one 2 DW translation entry
//           (8 B) for a single 4 KiB translation.
//   10.4.1  Page Request message: Msg, 4 DW header, no data; PASID prefix with a PASID.
//   10.4.2  PRG Response message: Msg, 4 DW header, no data; PASID prefix when the request had one.
//   10.3.1  Invalidate Request message: MsgD, 4 DW header and 2 DW data (the untranslated
//           address and S bit); PASID prefix for a PASID-scoped invalidation.
//   10.3.2  Invalidate Completion message: Msg, 4 DW header, no data, sent back by the device
//           (modelled as the answer of the invalidation, so the SMMU's CMD_SYNC waits for it).
//   6.20    The PASID TLP prefix is 1 DW (4 B).
#pragma once

#include <cstdint>

#include "sim/pcie/ats.h"

namespace wdsim {

struct AtsTlpShape {
  uint32_t request_data_bytes = 0;    // data payload of the request TLP
  bool answered = false;              // non-posted: a TLP comes back the other way
  bool answer_is_completion = false;  // the answer is a completion (3 DW) rather than a Msg
  uint32_t answer_data_bytes = 0;     // data payload of the answer
};

inline constexpr uint32_t kTranslationEntryBytes = 8;       // 10.2.3: one 2 DW entry
inline constexpr uint32_t kInvalidateRequestDataBytes = 8;  // 10.3.1: 2 DW
inline constexpr uint32_t kPasidPrefixBytes = 4;            // 6.20: 1 DW

constexpr AtsTlpShape ats_tlp_shape(AtsMsgKind kind) {
  switch (kind) {
    case AtsMsgKind::kTranslationRequest:
      return {0, true, true, kTranslationEntryBytes};
    case AtsMsgKind::kPageRequest:
      return {0, false, false, 0};
    case AtsMsgKind::kInvalidation:
      return {kInvalidateRequestDataBytes, true, false, 0};
    case AtsMsgKind::kPrgResponse:
      return {0, false, false, 0};
  }
  return {};
}

// Short name of the message for stats keys.
constexpr const char* ats_tlp_key(AtsMsgKind kind) {
  switch (kind) {
    case AtsMsgKind::kTranslationRequest:
      return "translation_requests";
    case AtsMsgKind::kPageRequest:
      return "page_requests";
    case AtsMsgKind::kInvalidation:
      return "invalidations";
    case AtsMsgKind::kPrgResponse:
      return "prg_responses";
  }
  return "messages";
}

}  // namespace wdsim
