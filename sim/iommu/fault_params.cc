#include "sim/iommu/fault_params.h"

namespace wdsim {

void StallParams::declare(ParamScope& s) {
  s.add_choice("model", model, "stall", {"stall", "terminate", "force"},
               "IDR0.STALL_MODEL: stall (CD.S chooses per context), terminate (no stalls), "
               "force (all stallable faults stall)",
               "Arm IHI 0070 6.3.1; Kunpeng 920 SMMU stalls for ZIP/SEC (dma-can-stall)");
  s.add("max_stalled", max_stalled, 64, "transactions",
        "Most transactions held at once (IDR5.STALL_MAX); a fault past it terminates with an "
        "event without Stall",
        "guess", Range::between(1, 65535));
  s.add("resume_cost_ns", resume_cost_ns, 5.0, "ns",
        "Execution of CMD_RESUME / CMD_STALL_TERM after their fetch", "guess", Range::min(0));
}

void PriParams::declare(ParamScope& s) {
  s.add("enabled", enabled, true, "", "Page Request Interface supported (IDR0.PRI)",
        "model choice");
  s.add("max_log2_entries", max_log2_entries, 19, "log2(entries)",
        "Largest PRI queue (IDR1.PRIQS); a larger PRIQ_BASE.LOG2SIZE is clamped",
        "Arm IHI 0070: PRIQS <= 19", Range::between(1, 19));
  s.add("resp_cost_ns", resp_cost_ns, 10.0, "ns",
        "Execution of CMD_PRI_RESP after its fetch (the PRG Response message latency comes on "
        "top, from the path to the endpoint)",
        "guess", Range::min(0));
  s.add("page_request_cost_ns", page_request_cost_ns, 5.0, "ns",
        "SMMU work to accept one Page Request message (before the 16 B queue write)", "guess",
        Range::min(0));
}

void AtsParams::declare(ParamScope& s) {
  s.add("enabled", enabled, true, "", "ATS translation requests supported (IDR0.ATS)",
        "model choice");
  s.add("translate_cost_ns", translate_cost_ns, 5.0, "ns",
        "SMMU work per ATS Translation Request on top of the translation itself", "guess",
        Range::min(0));
  s.add("atc_inv_cost_ns", atc_inv_cost_ns, 20.0, "ns",
        "Execution of CMD_ATC_INV after its fetch (the endpoint's invalidation completion "
        "comes on top and is waited for by CMD_SYNC)",
        "guess", Range::min(0));
  s.add("atc_inv_timeout_ns", atc_inv_timeout_ns, 1'000'000.0, "ns",
        "An ATC invalidation not completed this long after it was sent makes the next "
        "CMD_SYNC fail with CERROR_ATC_INV_SYNC",
        "guess: PCIe invalidation completion timeout is ms-scale", Range::min(0));
}

}  // namespace wdsim
