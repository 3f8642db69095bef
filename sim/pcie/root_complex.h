// RootComplex: where upstream PCIe traffic enters the host. DMA goes on to the IOMMU (SMMU);
// MSI writes go to the interrupt controller.
//
// Routing: a write whose whole range falls in the MSI doorbell window [msi_base, msi_base +
// msi_size) and that carries no valid PASID goes to `to_msi`; everything else (reads, DMA
// writes, PASID-tagged writes anywhere) goes to `to_iommu`. Addresses pass through unchanged.
// The default window is Linux's reserved MSI IOVA range on SMMUv3 systems (MSI_IOVA_BASE
// 0x8000000, MSI_IOVA_LENGTH 0x100000, drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h).
//
// Simplification: MSIs bypass translation here. On a real Arm system the MSI write is an
// ordinary DMA write that the SMMU translates (the MSI IOVA page is mapped to the GIC ITS's
// GITS_TRANSLATER) before it reaches the ITS. PASID-tagged writes are never MSIs (an endpoint
// sends MSIs without a PASID), so SVA buffers at user addresses inside the window still go to
// the SMMU.
//
// ATS/PRI requests from endpoints (sim/pcie/ats.h) go to `to_ats` after the same traversal
// latency; the IOMMU's messages to endpoints go down through a PcieIdRouter (pcie_id_router.h).
//
// Peer requests redirected by a switch's ACS (PcieSwitch acs_redirect): a memory request whose
// whole range falls in a peer window (add_peer_window: a BAR behind such a switch) goes to
// `to_peer` (the PcieIdRouter, which sends it down the root port of that BAR) after the same
// traversal latency, with its address unchanged. Simplification: it is not translated by the
// SMMU, even with a PASID (on hardware ACS redirect exists so that the IOMMU sees and may
// translate or block P2P traffic; here the address is taken as the BAR's physical address, as
// with an identity or bypass mapping).
//
// Does not model: peer-to-peer routing between root ports for requests no ACS redirected, config
// space, ordering between reads and posted writes, or any queueing in the root complex (a fixed
// traversal latency only). Root ports are the ports of the fan-in (pcie_fan_in.h) and share nothing
// else.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"

namespace wdsim {

struct RootComplexParams {
  double latency_ns;
  uint64_t msi_base;
  uint64_t msi_size;

  void declare(ParamScope& s) {
    s.add("latency_ns", latency_ns, 50.0, "ns",
          "Traversal latency of the root complex for upstream requests", "guess",
          Range::between(0, 1e6));
    s.add("msi_base", msi_base, 0x8000000ull, "address",
          "Base of the MSI doorbell window (writes here go to the interrupt controller)",
          "Linux MSI_IOVA_BASE (arm-smmu-v3.h)", Range::any());
    s.add("msi_size", msi_size, 0x100000ull, "B",
          "Size of the MSI doorbell window; at least one 32-bit MSI write (4 B)",
          "Linux MSI_IOVA_LENGTH (arm-smmu-v3.h)", Range::min(kMsiWriteBytes));
    s.require_any({"msi_size", "msi_base"}, msi_base + msi_size >= msi_base,
                  "the MSI window [msi_base, msi_base + msi_size) passes the end of the 64-bit "
                  "address space");
  }
  // An MSI is one 32-bit write of its data (PCI MSI capability).
  static constexpr uint64_t kMsiWriteBytes = 4;
};

class RootComplex : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<RootComplex> from_link;    // from PcieLink::host_dma
  tlm_utils::simple_initiator_socket<RootComplex> to_iommu;  // DMA to the SMMU
  tlm_utils::simple_initiator_socket<RootComplex> to_msi;    // MSI writes to the interrupt ctrl
  // ATS/PRI requests (a payload with an AtsMessage) to the IOMMU's ATS port (Smmu::ats); may
  // stay unbound when no endpoint is ATS-capable (a message is then an Unsupported Request).
  tlm_utils::simple_initiator_socket_optional<RootComplex> to_ats;
  // Redirected peer requests back down (PcieIdRouter::from_root_complex); may stay unbound when
  // no switch redirects (then there are no peer windows).
  tlm_utils::simple_initiator_socket_optional<RootComplex> to_peer;

  // Stats: pcie.<basename>.dma_reads, .dma_writes, .msi_writes, .ats_messages, .peer_requests.
  RootComplex(sc_core::sc_module_name name, const RootComplexParams& params, SimEnv& env);

  // True when this request is an MSI (see the header comment).
  bool is_msi(const tlm::tlm_generic_payload& gp) const;
  // A BAR window [base, base + size) behind a switch with ACS redirect: requests to it go to
  // `to_peer`.
  void add_peer_window(uint64_t base, uint64_t size);
  bool is_peer(const tlm::tlm_generic_payload& gp) const;
  const RootComplexParams& params() const { return params_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  RootComplexParams params_;
  Counter& dma_reads_;
  Counter& dma_writes_;
  Counter& msi_writes_;
  Counter& ats_messages_;
  Counter& peer_requests_;
  std::vector<std::pair<uint64_t, uint64_t>> peer_windows_;  // (base, size)
};

}  // namespace wdsim
