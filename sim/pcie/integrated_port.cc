#include "sim/pcie/integrated_port.h"

#include <algorithm>

#include "sim/base/timing.h"
#include "sim/pcie/ats.h"
#include "sim/pcie/ats_tlp.h"

namespace wdsim {

using sc_core::sc_time;

IntegratedPort::IntegratedPort(sc_core::sc_module_name name, const IntegratedPortParams& params,
                               SimEnv& env)
    : sc_module(name),
      device_dma("device_dma"),
      host_dma("host_dma"),
      host_mmio("host_mmio"),
      device_mmio("device_mmio"),
      params_(params),
      up_requests_(env.stats().counter(std::string("pcie.") + basename() + ".up.requests",
                                       "Device-initiated requests (DMA, MSI, ATS/PRI)")),
      down_requests_(env.stats().counter(std::string("pcie.") + basename() + ".down.requests",
                                         "Host-initiated requests (MMIO, ATS/PRI messages)")) {
  device_dma.register_b_transport(this, &IntegratedPort::upstream_b_transport);
  host_mmio.register_b_transport(this, &IntegratedPort::downstream_b_transport);
}

void IntegratedPort::upstream_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  carry(up_requests_, host_dma, gp, delay);
}

void IntegratedPort::downstream_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  carry(down_requests_, device_mmio, gp, delay);
}

template <class Socket>
void IntegratedPort::carry(Counter& requests, Socket& out, tlm::tlm_generic_payload& gp,
                           sc_time& delay) {
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND && gp.get_extension<AtsMessage>() == nullptr) {
    out->b_transport(gp, delay);  // nothing crosses
    return;
  }
  requests.inc();
  const sc_time latency = ns(params_.latency_ns);
  const sc_time arrival = sc_core::sc_time_stamp() + delay;
  bool answered = gp.is_read();
  bool posted = gp.is_write();
  if (const AtsMessage* m = gp.get_extension<AtsMessage>()) {
    answered = ats_tlp_shape(m->kind).answered;
    posted = !answered;
  }
  sc_time far_delay = delay + latency;
  out->b_transport(gp, far_delay);
  const sc_time now = sc_core::sc_time_stamp();
  if (answered) {
    delay = far_delay + latency;
  } else if (posted) {
    // Posted: it left at once (the far side's own delay still counts when it waited).
    delay = std::max(arrival, now) - now;
  } else {
    delay = far_delay;
  }
}

}  // namespace wdsim
