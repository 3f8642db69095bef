// ATS and PRI messages between a PCIe endpoint and the IOMMU (PCIe Base 6.0 ch. 10), as a TLM
// extension on a payload with TLM_IGNORE_COMMAND (no data moves; the address is the untranslated
// VA). They are PCIe messages, so they live with the PCIe fabric: the device side
// (sim/accel/ats/ats_endpoint.h) and the SMMU (sim/iommu/smmu.h) both use them, and neither
// needs the other's model. Two sockets carry them:
//   endpoint -> SMMU `ats`:         kTranslationRequest (PCIe ATS Translation Request; the SMMU
//                                   fills `completion`), kPageRequest (PCIe PRI Page Request).
//   SMMU -> endpoint `ats_inv_pri`: kInvalidation (ATS Invalidate Request from CMD_ATC_INV; the
//                                   endpoint's return is its Invalidate Completion, at the
//                                   returned annotated time), kPrgResponse (PRG Response from
//                                   CMD_PRI_RESP or an automatic one).
// An endpoint that is not ATS-capable simply never sends them; the SMMU tolerates unbound
// sockets.
//
// In a system they cross the fabric like any TLP (sim/system/topology.cc, docs/pcie.md): up
// the device's link and switches to the root complex's to_ats, down from the SMMU through a
// PcieIdRouter; sizes in sim/pcie/ats_tlp.h. Not modelled: Stop Markers, translations larger
// than 4 KiB.
//
// Facts: PCIe Base 6.0 ch. 10 (ATS, PRI), Arm IHI 0070 ch. 8 (PRI) and 3.9 (ATS).
#pragma once

#include <cstdint>
#include <tlm>

namespace wdsim {

// PCIe PRG Response codes (the ResponseCode of a Page Request Group Response message).
inline constexpr uint8_t kPrgSuccess = 0x0, kPrgInvalidRequest = 0x1, kPrgFailure = 0xf;

enum class AtsMsgKind : uint8_t { kTranslationRequest, kPageRequest, kInvalidation, kPrgResponse };

// Translation Completion status (PCIe): Success (check R/W), Unsupported Request, Completer
// Abort.
enum class AtsStatus : uint8_t { kSuccess, kUnsupportedRequest, kCompleterAbort };

struct AtsCompletion {
  AtsStatus status = AtsStatus::kUnsupportedRequest;
  uint64_t pa = 0;          // translated address of the VA's page (4 KiB aligned)
  uint64_t size = 0;        // bytes the translation covers (4 KiB)
  bool read = false;        // R: reads permitted (R = W = 0: no translation, use PRI)
  bool write = false;       // W: writes permitted (0 when the request said No-Write)
  bool exec = false;        // Execute permitted (when requested)
  bool privileged = false;  // Privileged Mode Access permitted (when requested)
  bool global = false;      // valid for every PASID (never set by this SMMU)
};

struct AtsMessage : tlm::tlm_extension<AtsMessage> {
  AtsMsgKind kind = AtsMsgKind::kTranslationRequest;
  uint32_t sid = 0;  // the endpoint's StreamID (RID)
  bool ssv = false;  // PASID prefix present
  uint32_t ssid = 0;
  uint64_t addr = 0;  // VA (translation/page request), start of the range (invalidation)

  // kTranslationRequest: requested access (No-Write, Execute, Privileged).
  bool no_write = false;
  bool exec = false;
  bool privileged = false;
  AtsCompletion completion;  // filled by the SMMU

  // kPageRequest (also uses exec/privileged).
  bool read = false;
  bool write = false;
  bool last = false;
  uint16_t prg_index = 0;

  // kInvalidation: bytes from `addr` (a power of two, `addr` aligned to it); 0 means all.
  uint64_t size = 0;
  bool global = false;

  // kPrgResponse: prg_index and the PCIe ResponseCode (kPrg*).
  uint8_t response_code = 0;

  tlm::tlm_extension_base* clone() const override { return new AtsMessage(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const AtsMessage&>(other);
  }
};

}  // namespace wdsim
