// Fuzzes the SMMU command queue: random commands in the CMDQ (raw 16-byte words, or the real
// encoder with a known opcode and random fields), random CMDQ_PROD writes (in range, past
// CONS, or raw values), error acknowledgements (GERRORN), queue re-configuration and stray
// register writes.
//
// Input: the queue's log2 size (1 byte), then operations until the input ends (at most
// kMaxOps), each an opcode byte and its operands (see run_op).
//
// Invariants: the simulation stops within kSimLimit, nothing throws; once the queue has
// drained, either CONS has reached PROD or a command error is pending (GERROR.CMDQ_ERR differs
// from GERRORN.CMDQ_ERR) with a CERROR code in CMDQ_CONS.ERR, as hardware reports it (checked
// unless the input wrote stray registers or re-based the queue while enabled).
#include <cstdio>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "sim/base/bits.h"
#include "sim/iommu/smmu.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/testing/smmu_harness.h"

namespace wdsim::fuzz {
namespace {

using testing::SmmuHarness;

constexpr size_t kMaxOps = 48;
constexpr unsigned kMaxLog2 = 8;
constexpr double kMemLatencyNs = 50;
const sc_core::sc_time kSimLimit(10, sc_core::SC_MS);

constexpr uint8_t kKnownOps[] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x20,
    0x21, 0x22, 0x28, 0x2a, 0x30, 0x40, 0x41, 0x44, 0x45, 0x46,
};

smmu::CmdWords random_command(FuzzInput& in) {
  if (in.flag()) {
    smmu::CmdWords w;
    in.fill(w.data(), sizeof w);
    return w;
  }
  smmu::Command c;
  c.op = kKnownOps[in.below(sizeof kKnownOps)];
  c.ssv = in.flag();
  c.ssid = in.u32();
  c.sid = in.u8() % 8;
  c.leaf = in.flag();
  c.range = in.u8();
  c.num = in.u8();
  c.scale = in.u8();
  c.vmid = in.u16();
  c.asid = in.u16();
  c.ttl = in.u8();
  c.tg = in.u8();
  c.addr = in.u64();
  c.size = in.u8();
  c.global = in.flag();
  c.grpid = in.u16();
  c.resp = in.u8();
  c.stag = in.u16();
  c.cs = in.u8() % 4;
  c.msh = in.u8();
  c.msi_attr = in.u8();
  c.msi_data = in.u32();
  c.msi_addr = in.flag() ? SmmuHarness::kEvtq - 0x1000 : in.u64();
  return smmu::encode_cmd(c);
}

struct State {
  unsigned log2 = 4;
  uint32_t prod = 0;
  bool unchecked = false;  // stray register writes: the end state is not predictable
};

void run_op(FuzzInput& in, SmmuHarness& h, State& s, sc_core::sc_time& t) {
  switch (in.u8() % 7) {
    case 0: {  // a command at a slot (usually PROD's)
      const uint32_t slot = in.flag() ? smmu::queue_index(s.prod, s.log2) : in.below(1u << s.log2);
      const smmu::CmdWords w = random_command(in);
      h.memory->poke(SmmuHarness::kCmdq + smmu::kCmdBytes * slot, w.data(), smmu::kCmdBytes);
      break;
    }
    case 1: {  // a command at PROD, and PROD advanced past it
      const smmu::CmdWords w = random_command(in);
      h.memory->poke(SmmuHarness::kCmdq + smmu::kCmdBytes * smmu::queue_index(s.prod, s.log2),
                     w.data(), smmu::kCmdBytes);
      s.prod = smmu::queue_next(s.prod, s.log2);
      h.reg_write32(smmu::kRegCmdqProd, s.prod, t);
      break;
    }
    case 2: {  // PROD moved by up to a whole queue, or a raw value
      if (in.flag()) {
        const uint32_t n = in.below((1u << s.log2) + 1);
        for (uint32_t i = 0; i < n; ++i) s.prod = smmu::queue_next(s.prod, s.log2);
      } else {
        s.prod = in.u32();
      }
      h.reg_write32(smmu::kRegCmdqProd, s.prod, t);
      break;
    }
    case 3: {  // acknowledge whatever GERROR reports
      const uint32_t gerror = h.reg_read32(smmu::kRegGerror, t);
      h.reg_write32(smmu::kRegGerrorn, gerror, t);
      break;
    }
    case 4:
      sc_core::wait(t + ns(in.u16()));
      t = sc_core::SC_ZERO_TIME;
      break;
    case 5: {  // re-base the queue with CMDQEN off (as a driver must), or while enabled
      const bool disable = in.flag();
      const unsigned log2 = 1 + in.below(kMaxLog2);
      if (disable) h.reg_write32(smmu::kRegCr0, smmu::kCr0SmmuEn | smmu::kCr0EvtqEn, t);
      if (!disable) s.unchecked = true;
      h.reg_write64(smmu::kRegCmdqBase,
                    smmu::encode_queue_base({SmmuHarness::kCmdq, static_cast<uint8_t>(log2), true}),
                    t);
      h.reg_write32(smmu::kRegCmdqProd, 0, t);
      h.reg_write32(smmu::kRegCr0, smmu::kCr0SmmuEn | smmu::kCr0CmdqEn | smmu::kCr0EvtqEn, t);
      s.log2 = log2;
      s.prod = 0;
      break;
    }
    default: {  // a stray register write
      const uint32_t off = in.below(smmu::kRegSpaceBytes) & ~3u;
      if (in.flag()) {
        h.reg_write32(off, in.u32(), t);
      } else {
        h.reg_write64(off & ~7u, in.u64(), t);
      }
      s.unchecked = true;
      break;
    }
  }
}

void run_one(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  State s;
  s.log2 = 1 + in.below(kMaxLog2);
  SmmuHarness h(default_params<SmmuParams>(), kMemLatencyNs);
  bool finished = false;
  h.driver->body = [&] {
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    h.enable(t);
    h.reg_write64(smmu::kRegCmdqBase,
                  smmu::encode_queue_base({SmmuHarness::kCmdq, static_cast<uint8_t>(s.log2), true}),
                  t);
    for (size_t i = 0; i < kMaxOps && !in.done(); ++i) run_op(in, h, s, t);
    sc_core::wait(t);
    const sc_core::sc_time drained = h.smmu->cmdq_drained_at();
    if (drained > sc_core::sc_time_stamp()) sc_core::wait(drained - sc_core::sc_time_stamp());
    t = sc_core::SC_ZERO_TIME;
    const uint32_t prod = h.reg_read32(smmu::kRegCmdqProd, t);
    const uint32_t cons = h.reg_read32(smmu::kRegCmdqCons, t);
    const uint32_t gerror = h.reg_read32(smmu::kRegGerror, t);
    const uint32_t gerrorn = h.reg_read32(smmu::kRegGerrorn, t);
    const bool error_pending = ((gerror ^ gerrorn) & smmu::kGerrorCmdqErr) != 0;
    const uint32_t cerror =
        static_cast<uint32_t>(get_bits(cons, smmu::kCmdqConsErrHi, smmu::kCmdqConsErrLo));
    if (verbose()) {
      std::fprintf(stderr, "log2 %u prod %#x cons %#x gerror %#x gerrorn %#x%s\n", s.log2, prod,
                   cons, gerror, gerrorn, s.unchecked ? " (unchecked)" : "");
    }
    if (!s.unchecked) {
      WDSIM_FUZZ_CHECK(error_pending || smmu::queue_empty(prod, cons, s.log2));
      if (error_pending) WDSIM_FUZZ_CHECK(cerror != smmu::kCerrorNone);
    }
    finished = true;
  };
  sc_core::sc_start(kSimLimit);
  WDSIM_FUZZ_CHECK(finished);
}

}  // namespace

std::vector<std::vector<uint8_t>> seeds() {
  // Structured commands at PROD (op 1), then a CMD_SYNC; one seed with an illegal opcode
  // followed by the acknowledgement; one re-basing the queue.
  auto command = [](SeedWriter& w, uint8_t op_index) {
    w.flag(false).u32(op_index);  // structured, kKnownOps[op_index]
    w.flag(false).u32(0).u8(0).flag(true).u8(0).u8(0).u8(0).u16(0).u16(1).u8(0).u8(0);
    w.u64(0x1000).u8(0).flag(false).u16(0).u8(0).u16(0).u8(0).u8(0).u8(0).u32(0).flag(true);
  };
  std::vector<std::vector<uint8_t>> out;
  for (uint8_t log2 : {uint8_t{3}, uint8_t{7}}) {
    SeedWriter w;
    w.u32(log2);
    for (uint8_t op_index : {2, 4, 6, 7, 8, 15, 20}) {
      w.u8(1);
      command(w, op_index);
    }
    out.push_back(w.bytes());
  }
  SeedWriter ill;
  ill.u32(3).u8(1).flag(true).u64(0xff).u64(0);  // opcode 0xff: CERROR_ILL
  ill.u8(4).u16(1000).u8(3).u8(1);               // wait, acknowledge
  command(ill, 20);                              // CMD_SYNC
  out.push_back(ill.bytes());
  SeedWriter rebase;
  rebase.u32(4).u8(5).flag(true).u32(1).u8(1);
  command(rebase, 20);
  rebase.u8(2).flag(true).u32(3);
  out.push_back(rebase.bytes());
  return out;
}

}  // namespace wdsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wdsim::fuzz::run_one(data, size);
  return 0;
}
