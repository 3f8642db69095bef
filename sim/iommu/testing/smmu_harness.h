// Test harness for the SMMU: an Smmu, a FakeMemory behind it, and a driver thread that issues
// DMA (with IoAttrs) and register accesses. Builds linear stream/CD tables and 4 KiB AArch64
// page tables in the fake memory with the real encoders. One harness per TEST (it gives
// SystemC a fresh context).
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <memory>
#include <optional>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/aarch64_pte.h"
#include "sim/base/sim_context.h"
#include "sim/base/sim_env.h"
#include "sim/base/tlm_access.h"
#include "sim/iommu/smmu.h"
#include "sim/iommu/testing/fake_memory.h"

namespace wdsim::testing {

using wdsim::fresh_sc_context;

class SmmuDriver : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<SmmuDriver> dma;
  tlm_utils::simple_initiator_socket<SmmuDriver> mmio;
  std::function<void()> body;

  SC_HAS_PROCESS(SmmuDriver);
  explicit SmmuDriver(sc_core::sc_module_name name) : sc_module(name), dma("dma"), mmio("mmio") {
    SC_THREAD(main);
  }

 private:
  void main() {
    if (body) body();
  }
};

struct SmmuHarness {
  // Memory map of the tables the harness builds.
  static constexpr uint64_t kStrtab = 0x10'0000;
  static constexpr unsigned kStrtabLog2 = 8;        // 256 StreamIDs
  static constexpr uint64_t kCdTables = 0x20'0000;  // + sid * 0x10000
  static constexpr uint64_t kCmdq = 0x30'0000;
  static constexpr unsigned kCmdqLog2 = 8;
  static constexpr uint64_t kEvtq = 0x31'0000;
  static constexpr uint64_t kPageTables = 0x100'0000;

  SimEnv env;
  std::unique_ptr<FakeMemory> memory;
  std::unique_ptr<Smmu> smmu;
  std::unique_ptr<SmmuDriver> driver;
  uint64_t next_table_ = kPageTables;
  uint32_t cmdq_prod_ = 0;

  SmmuHarness(const SmmuParams& p, double mem_latency_ns) {
    fresh_sc_context();
    memory = std::make_unique<FakeMemory>("mem", mem_latency_ns);
    smmu = std::make_unique<Smmu>("smmu", p, env);
    driver = std::make_unique<SmmuDriver>("driver");
    smmu->mem.bind(memory->socket);
    driver->dma.bind(smmu->upstream);
    driver->mmio.bind(smmu->regs);
  }

  // Runs `body` in the driver thread until it returns.
  void run(std::function<void()> body) {
    driver->body = std::move(body);
    sc_core::sc_start();
  }

  // ---- Registers (driver thread) ----
  void reg_write32(uint32_t off, uint32_t v, sc_core::sc_time& t) {
    tlm_access(driver->mmio, tlm::TLM_WRITE_COMMAND, off, &v, 4, t);
  }
  void reg_write64(uint32_t off, uint64_t v, sc_core::sc_time& t) {
    tlm_access(driver->mmio, tlm::TLM_WRITE_COMMAND, off, &v, 8, t);
  }
  uint32_t reg_read32(uint32_t off, sc_core::sc_time& t) {
    uint32_t v = 0;
    tlm_access(driver->mmio, tlm::TLM_READ_COMMAND, off, &v, 4, t);
    return v;
  }
  // Linear stream table, queues, then CR0 = SMMUEN | CMDQEN | EVTQEN.
  void enable(sc_core::sc_time& t, unsigned evtq_log2 = 4) {
    reg_write64(smmu::kRegStrtabBase, kStrtab, t);
    reg_write32(smmu::kRegStrtabBaseCfg,
                smmu::encode_strtab_base_cfg({.log2size = kStrtabLog2, .split = 0, .fmt = 0}), t);
    reg_write64(smmu::kRegCmdqBase, smmu::encode_queue_base({kCmdq, kCmdqLog2, true}), t);
    reg_write64(smmu::kRegEvtqBase, smmu::encode_queue_base({kEvtq, uint8_t(evtq_log2), true}), t);
    reg_write32(smmu::kRegCr0, smmu::kCr0SmmuEn | smmu::kCr0CmdqEn | smmu::kCr0EvtqEn, t);
  }
  // Writes commands at PROD and advances CMDQ_PROD (one register write).
  void submit(const std::vector<smmu::CmdWords>& cmds, sc_core::sc_time& t) {
    for (const auto& c : cmds) {
      memory->poke(kCmdq + 16ull * smmu::queue_index(cmdq_prod_, kCmdqLog2), c.data(), 16);
      cmdq_prod_ = smmu::queue_next(cmdq_prod_, kCmdqLog2);
    }
    reg_write32(smmu::kRegCmdqProd, cmdq_prod_, t);
  }

  // ---- Tables (backdoor) ----
  void set_ste(uint32_t sid, const smmu::SteConfig& ste) {
    uint64_t w[8];
    smmu::encode_ste(ste, w);
    memory->poke(kStrtab + 64ull * sid, w, 64);
  }
  uint64_t cd_table(uint32_t sid) const { return kCdTables + 0x10000ull * sid; }
  void set_cd(uint32_t sid, uint32_t ssid, const smmu::CdConfig& cd) {
    uint64_t w[8];
    smmu::encode_cd(cd, w);
    memory->poke(cd_table(sid) + 64ull * ssid, w, 64);
  }
  // A stage-1 STE with a linear CD table of 2^cd_max entries.
  void s1_stream(uint32_t sid, uint8_t cd_max) {
    smmu::SteConfig ste;
    ste.s1_context_ptr = cd_table(sid);
    ste.s1_cd_max = cd_max;
    set_ste(sid, ste);
  }
  uint64_t new_table() {
    uint64_t t = next_table_;
    next_table_ += 4096;
    return t;
  }
  // Maps the 4 KiB page at `va` to `pa` in the 4-level table rooted at `root`.
  void map_page(uint64_t root, uint64_t va, uint64_t pa, uint64_t attrs) {
    uint64_t table = root;
    for (unsigned level = 0; level < 3; ++level) {
      uint64_t slot = table + 8ull * aarch64::table_index_4k(va, level);
      uint64_t d = memory->peek64(slot);
      if (!(d & aarch64::kDescValid)) {
        d = new_table() | aarch64::kDescValid | aarch64::kDescTable;
        memory->poke64(slot, d);
      }
      table = d & aarch64::kOutputAddrMask;
    }
    memory->poke64(table + 8ull * aarch64::table_index_4k(va, 3), (pa & aarch64::kOutputAddrMask) |
                                                                      aarch64::kDescValid |
                                                                      aarch64::kDescPage | attrs);
  }
  static constexpr uint64_t kUserRw = aarch64::kApUser | aarch64::kAccessFlag | aarch64::kShInner;
  static constexpr uint64_t kUserRo = kUserRw | aarch64::kApReadOnly;

  // ---- DMA (driver thread) ----
  tlm::tlm_response_status dma(uint32_t sid, std::optional<uint32_t> pasid, uint64_t va, void* data,
                               size_t len, bool write, sc_core::sc_time& t,
                               IoAttrs* out = nullptr) {
    IoAttrs a;
    a.stream_id = sid;
    a.pasid_valid = pasid.has_value();
    a.pasid = pasid.value_or(0);
    auto s = tlm_access(driver->dma, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, va,
                        data, len, t, &a);
    if (out) *out = a;
    return s;
  }

  smmu::EventRecord event(unsigned index) {
    uint64_t w[4];
    memory->peek(kEvtq + 32ull * index, w, 32);
    return smmu::decode_event(w);
  }
};

}  // namespace wdsim::testing
