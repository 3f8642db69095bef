// Parameters of the SMMUv3 model (sim/iommu/smmu.h), declared once: name, default, unit,
// description, where the default comes from, valid range. Defaults marked "guess" are
// placeholders until someone measures a real SMMU (MMU-600/700, Kunpeng 920 SMMU).
#pragma once

#include <cstdint>
#include <string>

#include "sim/base/params.h"
#include "sim/iommu/fault_params.h"

namespace wdsim {

struct IoTlbParams {
  bool enabled = true;
  uint32_t entries = 0;
  uint32_t ways = 0;
  std::string replacement;
  double lookup_latency_ns = 0;
  void declare(ParamScope& s);
};

// The configuration cache: STEs by StreamID, CDs by (StreamID, SubstreamID). Invalidated by
// CMD_CFGI_*; without it every translation fetches its STE and CD from memory.
struct ConfigCacheParams {
  uint32_t ste_entries = 0;
  uint32_t cd_entries = 0;
  double lookup_latency_ns = 0;
  void declare(ParamScope& s);
};

// The micro-TLB in front of the main TLB: same shape, tagged by (StreamID, SubstreamID), small.
struct MicroTlbParams : IoTlbParams {
  void declare(ParamScope& s);
};

// The walk cache (sim/iommu/walk_cache.h): one array per table level.
struct WalkCacheParams {
  bool enabled = true;
  uint32_t l0_entries = 0;
  uint32_t l1_entries = 0;
  uint32_t l2_entries = 0;
  uint32_t ways = 0;
  std::string replacement;
  double lookup_latency_ns = 0;
  void declare(ParamScope& s);
};

struct WalkParams {
  uint32_t walkers = 1;
  double step_latency_ns = 0;  // per descriptor, on top of the memory read
  uint32_t oas_bits = 48;      // IDR5.OAS
  void declare(ParamScope& s);
};

struct CmdqParams {
  uint32_t max_log2_entries = 0;  // IDR1.CMDQS
  double cfgi_cost_ns = 0;
  double tlbi_cost_ns = 0;
  double sync_cost_ns = 0;
  double other_cost_ns = 0;
  void declare(ParamScope& s);
};

struct SmmuParams {
  IoTlbParams iotlb;
  MicroTlbParams utlb;
  ConfigCacheParams config_cache;
  WalkParams walk;
  WalkCacheParams walk_cache;
  CmdqParams cmdq;
  StallParams stall;  // fault_params.h
  PriParams pri;
  AtsParams ats;
  uint32_t evtq_max_log2_entries = 0;  // IDR1.EVTQS
  double reg_access_ns = 0;
  uint32_t sid_bits = 0;   // IDR1.SIDSIZE
  uint32_t ssid_bits = 0;  // IDR1.SSIDSIZE
  bool gbpa_abort_at_reset = false;
  void declare(ParamScope& s);
};

}  // namespace wdsim
