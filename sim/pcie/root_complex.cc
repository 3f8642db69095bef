#include "sim/pcie/root_complex.h"

#include <string>

#include "sim/base/io_attrs.h"
#include "sim/base/timing.h"
#include "sim/pcie/ats.h"

namespace wdsim {

RootComplex::RootComplex(sc_core::sc_module_name name, const RootComplexParams& params, SimEnv& env)
    : sc_module(name),
      from_link("from_link"),
      to_iommu("to_iommu"),
      to_msi("to_msi"),
      to_ats("to_ats"),
      to_peer("to_peer"),
      params_(params),
      dma_reads_(env.stats().counter(std::string("pcie.") + basename() + ".dma_reads",
                                     "Upstream reads sent to the IOMMU")),
      dma_writes_(env.stats().counter(std::string("pcie.") + basename() + ".dma_writes",
                                      "Upstream writes sent to the IOMMU")),
      msi_writes_(env.stats().counter(std::string("pcie.") + basename() + ".msi_writes",
                                      "Writes to the MSI window sent to the interrupt controller")),
      ats_messages_(env.stats().counter(std::string("pcie.") + basename() + ".ats_messages",
                                        "ATS/PRI requests sent to the IOMMU's ATS port")),
      peer_requests_(env.stats().counter(std::string("pcie.") + basename() + ".peer_requests",
                                         "Redirected peer requests routed back down to a BAR")) {
  from_link.register_b_transport(this, &RootComplex::b_transport);
}

bool RootComplex::is_msi(const tlm::tlm_generic_payload& gp) const {
  if (!gp.is_write()) return false;
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  if (addr < params_.msi_base || addr - params_.msi_base >= params_.msi_size ||
      len > params_.msi_size - (addr - params_.msi_base)) {
    return false;
  }
  IoAttrs* attrs = nullptr;
  gp.get_extension(attrs);
  return attrs == nullptr || !attrs->pasid_valid;
}

void RootComplex::add_peer_window(uint64_t base, uint64_t size) {
  peer_windows_.emplace_back(base, size);
}

bool RootComplex::is_peer(const tlm::tlm_generic_payload& gp) const {
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) return false;
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  for (const auto& [base, size] : peer_windows_) {
    if (addr >= base && addr - base < size && len <= size - (addr - base)) return true;
  }
  return false;
}

void RootComplex::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  delay += ns(params_.latency_ns);
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND && gp.get_extension<AtsMessage>()) {
    if (to_ats.size() == 0) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    ats_messages_.inc();
    to_ats->b_transport(gp, delay);
    return;
  }
  if (is_msi(gp)) {
    msi_writes_.inc();
    to_msi->b_transport(gp, delay);
    return;
  }
  if (to_peer.size() != 0 && is_peer(gp)) {
    peer_requests_.inc();
    to_peer->b_transport(gp, delay);
    return;
  }
  if (gp.is_read()) dma_reads_.inc();
  if (gp.is_write()) dma_writes_.inc();
  to_iommu->b_transport(gp, delay);
}

}  // namespace wdsim
