#include "sim/iommu/smmu_params.h"

#include "sim/iommu/set_assoc.h"

namespace wdsim {

void IoTlbParams::declare(ParamScope& s) {
  s.add("enabled", enabled, true, "", "Cache stage-1 translations in the IOTLB", "model choice");
  s.add("entries", entries, 512, "entries",
        "IOTLB capacity in 4 KiB page entries (blocks are cached as the 4 KiB page used)",
        "guess: MMU-600 TBU main TLBs hold 128-2048 entries", Range::between(1, 1 << 20));
  s.add("ways", ways, 4, "ways",
        "Associativity; entries must be a multiple of it (ways = entries: fully associative)",
        "guess", Range::between(1, 1 << 20));
  s.add_choice("replacement", replacement, "lru", kReplacementPolicies,
               "Victim choice within a set (random: the seed's stream \"<smmu>.iotlb\")",
               "model choice");
  s.add("lookup_latency_ns", lookup_latency_ns, 2.0, "ns",
        "Charged on every translation; a hit costs only this", "guess: a few TBU cycles",
        Range::min(0));
  require_shape(s, "entries", entries, "ways", ways);
}

void MicroTlbParams::declare(ParamScope& s) {
  s.add("enabled", enabled, true, "",
        "Cache final translations per (StreamID, SubstreamID) in front of the main TLB",
        "model choice");
  s.add("entries", entries, 32, "entries", "Micro-TLB capacity in leaf entries",
        "gem5 SMMUv3DeviceInterface utlb_entries = 32", Range::between(1, 1 << 16));
  s.add("ways", ways, 32, "ways", "Associativity (ways = entries: fully associative)",
        "gem5 utlb_assoc = 0 (fully associative)", Range::between(1, 1 << 16));
  s.add_choice("replacement", replacement, "lru", kReplacementPolicies,
               "Victim choice (random: the seed's stream \"<smmu>.utlb\")",
               "model choice (gem5 uses round robin)");
  s.add("lookup_latency_ns", lookup_latency_ns, 1.0, "ns",
        "Charged on every translation; a micro-TLB hit costs only this",
        "guess: gem5 utlb_lat = 1 cycle", Range::min(0));
  require_shape(s, "entries", entries, "ways", ways);
}

void WalkCacheParams::declare(ParamScope& s) {
  s.add("enabled", enabled, true, "", "Cache table descriptors (levels 0-2) of earlier walks",
        "model choice (gem5 walk_enable = true)");
  s.add("l0_entries", l0_entries, 4, "entries", "Level-0 table descriptors cached",
        "gem5 walk_S1L0 = 4", Range::between(1, 1 << 16));
  s.add("l1_entries", l1_entries, 28, "entries", "Level-1 table descriptors cached",
        "gem5 walk_S1L1 = 28", Range::between(1, 1 << 16));
  s.add("l2_entries", l2_entries, 348, "entries", "Level-2 table descriptors cached",
        "gem5 walk_S1L2 = 348", Range::between(1, 1 << 16));
  s.add("ways", ways, 4, "ways",
        "Associativity of each level's array; each level's entries must be a multiple of it",
        "gem5 walk_assoc = 4", Range::between(1, 1 << 16));
  s.add_choice("replacement", replacement, "lru", kReplacementPolicies,
               "Victim choice (random: the seed's stream \"<smmu>.walk_cache\")",
               "model choice (gem5 uses round robin)");
  s.add("lookup_latency_ns", lookup_latency_ns, 2.0, "ns",
        "One lookup (all levels in parallel) per walk", "guess: gem5 walk_lat = 4 cycles at 2 GHz",
        Range::min(0));
  require_shape(s, "l0_entries", l0_entries, "ways", ways);
  require_shape(s, "l1_entries", l1_entries, "ways", ways);
  require_shape(s, "l2_entries", l2_entries, "ways", ways);
}

void ConfigCacheParams::declare(ParamScope& s) {
  s.add("ste_entries", ste_entries, 64, "entries",
        "Cached STEs (fully associative, LRU); 0 fetches the STE on every translation", "guess",
        Range::between(0, 1 << 20));
  s.add("cd_entries", cd_entries, 256, "entries",
        "Cached CDs (fully associative, LRU); 0 fetches the CD on every translation", "guess",
        Range::between(0, 1 << 20));
  s.add("lookup_latency_ns", lookup_latency_ns, 0.0, "ns",
        "Configuration cache lookup, on every translation with SMMUEN set",
        "guess: overlapped with the IOTLB lookup", Range::min(0));
}

void WalkParams::declare(ParamScope& s) {
  s.add("walkers", walkers, 16, "walkers",
        "Concurrent table walks; more misses queue for a free walker (misses to a page being "
        "walked wait for that walk instead)",
        "gem5 SMMUv3 ptw_slots = 16", Range::between(1, 1024));
  s.add("step_latency_ns", step_latency_ns, 1.0, "ns",
        "Walker work per descriptor, on top of the descriptor's memory read", "guess",
        Range::min(0));
  s.add("oas_bits", oas_bits, 48, "bits",
        "Output address size (IDR5.OAS); a leaf or table beyond it is F_ADDR_SIZE",
        "MMU-600: 48 bits", Range::between(32, 48));
}

void CmdqParams::declare(ParamScope& s) {
  s.add("max_log2_entries", max_log2_entries, 19, "log2(entries)",
        "Largest command queue (IDR1.CMDQS); a larger CMDQ_BASE.LOG2SIZE is clamped",
        "Arm IHI 0070: CMDQS <= 19", Range::between(1, 19));
  s.add("cfgi_cost_ns", cfgi_cost_ns, 20.0, "ns", "Execution of a CMD_CFGI_* after its 16 B fetch",
        "guess", Range::min(0));
  s.add("tlbi_cost_ns", tlbi_cost_ns, 20.0, "ns", "Execution of a CMD_TLBI_* after its 16 B fetch",
        "guess", Range::min(0));
  s.add("sync_cost_ns", sync_cost_ns, 10.0, "ns",
        "Execution of a CMD_SYNC after its fetch (the MSI write comes on top)", "guess",
        Range::min(0));
  s.add("other_cost_ns", other_cost_ns, 5.0, "ns",
        "Execution of any other accepted command (PREFETCH_*, RESUME, STALL_TERM)", "guess",
        Range::min(0));
}

void SmmuParams::declare(ParamScope& s) {
  ParamScope iotlb_scope = s.sub("iotlb");
  iotlb.declare(iotlb_scope);
  ParamScope utlb_scope = s.sub("utlb");
  utlb.declare(utlb_scope);
  ParamScope config_scope = s.sub("config_cache");
  config_cache.declare(config_scope);
  ParamScope walk_scope = s.sub("walk");
  walk.declare(walk_scope);
  ParamScope walk_cache_scope = s.sub("walk_cache");
  walk_cache.declare(walk_cache_scope);
  ParamScope cmdq_scope = s.sub("cmdq");
  cmdq.declare(cmdq_scope);
  ParamScope stall_scope = s.sub("stall");
  stall.declare(stall_scope);
  ParamScope pri_scope = s.sub("pri");
  pri.declare(pri_scope);
  ParamScope ats_scope = s.sub("ats");
  ats.declare(ats_scope);
  s.add("evtq_max_log2_entries", evtq_max_log2_entries, 19, "log2(entries)",
        "Largest event queue (IDR1.EVTQS); a larger EVTQ_BASE.LOG2SIZE is clamped",
        "Arm IHI 0070: EVTQS <= 19", Range::between(1, 19));
  s.add("reg_access_ns", reg_access_ns, 10.0, "ns",
        "Latency of one 32/64-bit register access on the regs socket", "guess", Range::min(0));
  s.add("sid_bits", sid_bits, 16, "bits", "StreamID width (IDR1.SIDSIZE)", "PCIe RID is 16 bits",
        Range::between(0, 32));
  s.add("ssid_bits", ssid_bits, 20, "bits", "SubstreamID (PASID) width (IDR1.SSIDSIZE)",
        "PCIe PASID is 20 bits", Range::between(0, 20));
  s.add("gbpa_abort_at_reset", gbpa_abort_at_reset, false, "",
        "GBPA.ABORT after reset: with SMMUEN clear, abort (true) or bypass (false) DMA",
        "Arm IHI 0070: IMPLEMENTATION DEFINED");
}

}  // namespace wdsim
