// The Smmu's interrupt MSIs: for an interrupt source (the event queue, the PRI queue) a 4 B
// write of its *_IRQ_CFG1 (data) to the address in *_IRQ_CFG0 (ADDR[51:2]), on the `msi` socket,
// or on `mem` when that is unbound (as CMD_SYNC's MSI always is, command_queue.cc). Nothing is
// sent while IRQ_CFG0 is zero. *_IRQ_CFG2 (memory attributes) is stored but has no effect.
//
// Not modelled: wired interrupts, GERROR's MSI, the MSI's memory attributes and shareability.
// Facts: Arm IHI 0070, the SMMU_*_IRQ_CFG0/1/2 and SMMU_IRQ_CTRL register descriptions.
#include <string>

#include "sim/base/bits.h"
#include "sim/base/tlm_access.h"
#include "sim/iommu/smmu.h"

namespace wdsim {

using sc_core::sc_time;

namespace {
constexpr uint32_t kIrqCfgHiOffset = 4;  // *_IRQ_CFG0[63:32]
constexpr uint32_t kIrqCfg1Offset = 8;   // *_IRQ_CFG1: DATA
constexpr unsigned kIrqCfg0AddrHi = 51;  // *_IRQ_CFG0: ADDR[51:2]
constexpr unsigned kIrqCfg0AddrLo = 2;
}  // namespace

Smmu::MsiSource::MsiSource(uint32_t cfg0, const char* which, StatsRegistry& stats,
                           const std::string& component)
    : cfg0_reg(cfg0),
      name(which),
      msis(stats.counter(component + ".irq." + which + ".msis", "Interrupt MSIs sent")),
      msi_errors(stats.counter(component + ".irq." + which + ".msi_errors",
                               "Interrupt MSI writes that failed")),
      no_address(stats.counter(component + ".irq." + which + ".no_address",
                               "Interrupts not sent: IRQ_CFG0 is zero")) {}

void Smmu::send_msi(const MsiSource& src, const sc_time& t) {
  const uint64_t cfg0 =
      plain_reg(src.cfg0_reg) | (uint64_t{plain_reg(src.cfg0_reg + kIrqCfgHiOffset)} << 32);
  const uint64_t addr = cfg0 & bit_mask(kIrqCfg0AddrHi, kIrqCfg0AddrLo);
  uint32_t data = plain_reg(src.cfg0_reg + kIrqCfg1Offset);
  if (addr == 0) {
    src.no_address.inc();
    return;
  }
  sc_time wt = t;
  bool ok = false;
  if (msi.size() > 0) {
    ok = tlm_access(msi, tlm::TLM_WRITE_COMMAND, addr, &data, sizeof(data), wt) ==
         tlm::TLM_OK_RESPONSE;
  } else {
    ok = write(addr, &data, sizeof(data), wt);
  }
  src.msis.inc();
  if (!ok) src.msi_errors.inc();
  env_.trace_event(component_, "msi", {tf("irq", src.name), tf_hex("addr", addr), tf("data", data)},
                   t);
}

}  // namespace wdsim
