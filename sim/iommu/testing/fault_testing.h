// Test helpers for the SMMU's fault/ATS side: extra SC_THREADs (a "kernel" answering events,
// more DMA initiators), DMA through the SMMU's upstream export from any thread, and command
// submission at an absolute time through the register debug interface.
#pragma once

#include <functional>
#include <optional>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/base/tlm_access.h"
#include "sim/iommu/testing/smmu_harness.h"

namespace wdsim::testing {

class Worker : public sc_core::sc_module {
 public:
  std::function<void()> body;
  SC_HAS_PROCESS(Worker);
  Worker(sc_core::sc_module_name name, std::function<void()> b)
      : sc_module(name), body(std::move(b)) {
    SC_THREAD(main);
  }

 private:
  void main() {
    if (body) body();
  }
};

// A DMA from any thread (the harness's own dma socket belongs to its driver thread).
inline tlm::tlm_response_status dma_any(SmmuHarness& h, uint32_t sid, std::optional<uint32_t> pasid,
                                        uint64_t va, void* data, size_t len, bool write,
                                        sc_core::sc_time& t, IoAttrs* out = nullptr,
                                        bool ats_translated = false) {
  IoAttrs a;
  a.stream_id = sid;
  a.pasid_valid = pasid.has_value();
  a.pasid = pasid.value_or(0);
  a.ats_translated = ats_translated;
  auto& fw = h.smmu->upstream.get_base_export();
  auto s =
      tlm_access(fw, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, va, data, len, t, &a);
  if (out) *out = a;
  return s;
}

// Writes the commands into the queue and CMDQ_PROD at absolute time `at` (debug register path,
// usable from any thread once the harness enabled the queue).
inline void submit_at(SmmuHarness& h, const std::vector<smmu::CmdWords>& cmds,
                      const sc_core::sc_time& at) {
  for (const auto& c : cmds) {
    h.memory->poke(
        SmmuHarness::kCmdq + 16ull * smmu::queue_index(h.cmdq_prod_, SmmuHarness::kCmdqLog2),
        c.data(), 16);
    h.cmdq_prod_ = smmu::queue_next(h.cmdq_prod_, SmmuHarness::kCmdqLog2);
  }
  h.smmu->write_reg32(smmu::kRegCmdqProd, h.cmdq_prod_, at);
}

inline smmu::CmdWords cmd_resume(uint32_t sid, uint16_t stag, uint8_t resp) {
  smmu::Command c;
  c.op = static_cast<uint8_t>(smmu::CmdOp::kResume);
  c.sid = sid;
  c.stag = stag;
  c.resp = resp;
  return smmu::encode_cmd(c);
}

inline smmu::CmdWords cmd_stall_term(uint32_t sid) {
  smmu::Command c;
  c.op = static_cast<uint8_t>(smmu::CmdOp::kStallTerm);
  c.sid = sid;
  return smmu::encode_cmd(c);
}

inline smmu::CmdWords cmd_pri_resp(uint32_t sid, std::optional<uint32_t> ssid, uint16_t grpid,
                                   uint8_t resp) {
  smmu::Command c;
  c.op = static_cast<uint8_t>(smmu::CmdOp::kPriResp);
  c.sid = sid;
  c.ssv = ssid.has_value();
  c.ssid = ssid.value_or(0);
  c.grpid = grpid;
  c.resp = resp;
  return smmu::encode_cmd(c);
}

inline smmu::CmdWords cmd_atc_inv(uint32_t sid, std::optional<uint32_t> ssid, uint64_t addr,
                                  uint8_t size, bool global = false) {
  smmu::Command c;
  c.op = static_cast<uint8_t>(smmu::CmdOp::kAtcInv);
  c.sid = sid;
  c.ssv = ssid.has_value();
  c.ssid = ssid.value_or(0);
  c.addr = addr;
  c.size = size;
  c.global = global;
  return smmu::encode_cmd(c);
}

inline uint64_t counter_value(SmmuHarness& h, const std::string& key) {
  const Counter* c = h.env.stats().find_counter(key);
  return c ? c->value() : 0;
}

}  // namespace wdsim::testing
