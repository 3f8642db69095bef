// Fuzzes the QM's register interface: random MMIO writes to the BAR (doorbells of every kind,
// mailbox commands with random SQC / CQC / EQC / AEQC contexts in memory, stray registers) and
// random SQEs in the rings, from a host thread, with the ZIP engine behind the queues.
//
// Input: a flags byte (bit 0 = doorbell isolation), then operations until the input ends (at
// most kMaxOps), each an opcode byte and its operands (see run_op). Contexts come either raw
// from the input or from the real encoders (make_sqc_v2, ...) with random field values.
//
// Invariants: nothing throws or aborts; the simulation stops within kSimLimit (no livelock);
// the mailbox busy bit clears.
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "formats/qm/qm_formats.h"
#include "formats/zip/zip_sqe.h"
#include "fuzz/fuzz_target.h"
#include "sim/accel/qm/qm.h"
#include "sim/accel/qm/testing/flat_memory.h"
#include "sim/accel/zip/zip_engine.h"
#include "sim/base/sim_context.h"
#include "sim/base/timing.h"
#include "sim/base/tlm_access.h"

namespace wdsim::fuzz {
namespace {

constexpr size_t kMaxOps = 64;
constexpr uint16_t kQueues = 4;  // queues the harness addresses (of num_qps)
constexpr uint64_t kCtxScratch = 0x10000;
constexpr uint64_t kEqBase = 0x20000;
constexpr uint64_t kAeqBase = 0x30000;
constexpr uint64_t kSrcBase = 0x400000;
constexpr uint64_t kDstBase = 0x800000;
constexpr uint64_t kMsiAddress = 0xfee00000;
constexpr uint32_t kSqeSize = 128;
constexpr uint32_t kMaxRingDepth = 64;           // depths the structured contexts use
constexpr uint32_t kMaxZipBytes = 4096;          // ZIP input and output lengths of structured SQEs
constexpr uint64_t kZipMaxRequestBytes = 65536;  // ZIP engine limit, to keep DMA small
constexpr uint32_t kRegisterSpan = 0x4000;       // register BAR offsets random writes hit
constexpr double kMailboxPollNs = 100;
constexpr double kMemoryLatencyNs = 50;
constexpr int kMailboxPolls = 1000;
const sc_core::sc_time kSimLimit(10, sc_core::SC_MS);

uint64_t sq_base(uint16_t qp) { return 0x10000000 + uint64_t{qp} * 0x40000; }
uint64_t cq_base(uint16_t qp) { return 0x40000000 + uint64_t{qp} * 0x10000; }

class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> socket;
  SC_HAS_PROCESS(Host);
  Host(sc_core::sc_module_name name, FuzzInput& in, testing::FlatMemory& mem, bool isolated,
       uint64_t db_isolation_base)
      : sc_module(name),
        socket("socket"),
        in_(in),
        mem_(mem),
        isolated_(isolated),
        db_isolation_base_(db_isolation_base) {
    SC_THREAD(run);
  }
  bool mailbox_stuck = false;

 private:
  void write(uint64_t offset, const void* data, size_t len) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    std::vector<uint8_t> copy(static_cast<const uint8_t*>(data),
                              static_cast<const uint8_t*>(data) + len);
    tlm_access(socket, tlm::TLM_WRITE_COMMAND, offset, copy.data(), len, delay);
    wait(delay);
  }
  uint32_t read32(uint64_t offset) {
    uint32_t v = 0;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    tlm_access(socket, tlm::TLM_READ_COMMAND, offset, &v, sizeof v, delay);
    wait(delay);
    return v;
  }
  void mailbox(uint8_t cmd, uint16_t qp, bool op_read) {
    const qm::Mailbox mb = qm::make_mailbox(cmd, kCtxScratch, qp, op_read);
    write(qm::kMailboxOffset, &mb, sizeof mb);
    for (int i = 0; i < kMailboxPolls; ++i) {
      if (((read32(qm::kMailboxOffset) >> qm::kMbBusyShift) & 1) == 0) return;
      wait(ns(kMailboxPollNs));
    }
    mailbox_stuck = true;
  }
  // Where a doorbell goes: the register BAR (shared page), or with isolation the queue's own
  // page (SQ/CQ) at db_isolation_base; `stray` puts it in the other place.
  uint64_t doorbell_address(const qm::Doorbell& db, bool stray) const {
    const bool own_page = isolated_ != stray && (db.cmd == qm::kDbCmdSq || db.cmd == qm::kDbCmdCq);
    return own_page ? db_isolation_base_ +
                          qm::doorbell_offset_v2(db.qn, db.cmd, qm::kDoorbellIntervalIsolated)
                    : qm::doorbell_offset_v2(db.qn, db.cmd, qm::kDoorbellIntervalShared);
  }

  void run_op() {
    const uint16_t qp = static_cast<uint16_t>(in_.below(kQueues));
    switch (in_.u8() % 9) {
      case 0: {  // a raw register write of 4, 8 or 16 bytes
        const uint64_t off = in_.below(kRegisterSpan);
        const size_t len = size_t{4} << in_.below(3);
        const std::vector<uint8_t> v = in_.bytes(len);
        write(off, v.data(), v.size());
        break;
      }
      case 1: {  // a raw context and a mailbox command (any command byte)
        std::vector<uint8_t> ctx = in_.bytes(sizeof(qm::Sqc));
        mem_.poke(kCtxScratch, ctx.data(), ctx.size());
        const uint8_t cmd = in_.u8();
        mailbox(cmd, in_.u16(), in_.flag());
        break;
      }
      case 2: {  // an SQC from the encoder, random fields
        const uint32_t depth = 1 + in_.below(kMaxRingDepth);
        const uint32_t sqe_size = in_.flag() ? kSqeSize : in_.u16();
        const uint16_t pasid = in_.u16();
        const bool pasid_en = in_.flag();
        const uint16_t cqn = in_.flag() ? qp : in_.u16();
        const uint8_t alg = in_.u8() % 4;
        const qm::Sqc sqc =
            qm::make_sqc_v2(sq_base(qp), depth, sqe_size, pasid, pasid_en, cqn, alg, in_.u8());
        mem_.poke(kCtxScratch, &sqc, sizeof sqc);
        mailbox(qm::kMbCmdSqc, qp, false);
        break;
      }
      case 3: {  // a CQC from the encoder
        const uint32_t depth = 1 + in_.below(kMaxRingDepth);
        const qm::Cqc cqc = qm::make_cqc_v2(cq_base(qp), depth, in_.u16(), in_.flag());
        mem_.poke(kCtxScratch, &cqc, sizeof cqc);
        mailbox(qm::kMbCmdCqc, qp, false);
        break;
      }
      case 4: {  // an EQC or AEQC from the encoder, or STOP_QP / FLUSH_QM
        const uint8_t which = in_.u8() % 4;
        const uint32_t depth = 1 + in_.below(qm::kEqDepth);
        if (which < 2) {
          const qm::Eqc eqc = qm::make_eqc(which == 0 ? kEqBase : kAeqBase, depth);
          mem_.poke(kCtxScratch, &eqc, sizeof eqc);
          mailbox(which == 0 ? qm::kMbCmdEqc : qm::kMbCmdAeqc, 0, false);
        } else {
          mailbox(which == 2 ? qm::kMbCmdStopQp : qm::kMbCmdFlushQm, qp, false);
        }
        break;
      }
      case 5: {  // a doorbell with random fields at its place
        qm::Doorbell db;
        db.qn = in_.flag() ? qp : in_.u16();
        db.cmd = in_.u8() % 5;
        db.index = in_.u16();
        db.priority = in_.u8();
        const uint64_t v = qm::encode_doorbell_v2(db);
        write(doorbell_address(db, in_.u8() == 0), &v, sizeof v);
        break;
      }
      case 6: {  // an SQE in the queue's ring: raw bytes, or a ZIP SQE at the data buffers
        const uint32_t slot = in_.below(kMaxRingDepth);
        ZipSqe sqe{};
        in_.fill(&sqe, sizeof sqe);
        if (in_.flag()) {
          sqe.set_src(kSrcBase);
          sqe.set_dst(kDstBase);
          sqe.input_data_length %= kMaxZipBytes + 1;
          sqe.dest_avail_out %= kMaxZipBytes + 1;
        }
        mem_.poke(sq_base(qp) + uint64_t{slot} * kSqeSize, &sqe, sizeof sqe);
        break;
      }
      case 7: {  // source data
        const std::vector<uint8_t> v = in_.bytes(in_.below(kMaxZipBytes));
        mem_.poke(kSrcBase, v.data(), v.size());
        break;
      }
      default:
        if (in_.flag()) {
          read32(in_.below(kRegisterSpan));
        } else {
          wait(ns(in_.u16()));
        }
        break;
    }
  }

  void run() {
    for (size_t i = 0; i < kMaxOps && !in_.done(); ++i) run_op();
  }

  FuzzInput& in_;
  testing::FlatMemory& mem_;
  bool isolated_;
  uint64_t db_isolation_base_;
};

constexpr uint8_t kFlagIsolation = 1 << 0;

struct Bench {
  Bench(const QmParams& qp, const ZipEngineParams& zp, FuzzInput& in)
      : mem("mem", ns(kMemoryLatencyNs)),
        qm("qm", qp, env),
        zip("zip", zp, env),
        host("host", in, mem, qp.use_db_isolation, qp.db_isolation_base) {
    qm.dma.bind(mem.socket);
    host.socket.bind(qm.mmio);
    qm.attach_engine(0, zip.for_alg_type(0));
    qm.attach_engine(1, zip.for_alg_type(1));
  }
  SimEnv env;
  testing::FlatMemory mem;
  Qm qm;
  ZipEngine zip;
  Host host;
};

void run_one(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t flags = in.u8();
  QmParams qp = default_params<QmParams>();
  qp.msi_address = kMsiAddress;
  qp.use_db_isolation = (flags & kFlagIsolation) != 0;
  ZipEngineParams zp = default_params<ZipEngineParams>();
  zp.max_bytes_per_request = kZipMaxRequestBytes;
  fresh_sc_context();
  {
    Bench b(qp, zp, in);
    sc_core::sc_start(kSimLimit);
    WDSIM_FUZZ_CHECK(!b.host.mailbox_stuck);
    if (verbose()) {
      for (const char* key : {"qm.sqes", "qm.cqes", "qm.errors", "zip.requests"}) {
        const Counter* c = b.env.stats().find_counter(key);
        std::fprintf(stderr, "%s=%llu ", key, static_cast<unsigned long long>(c ? c->value() : 0));
      }
      std::fprintf(stderr, "\n");
    }
  }
}

}  // namespace

std::vector<std::vector<uint8_t>> seeds() {
  // Operand bytes follow run_op: qp (4 bytes, below kQueues), opcode, operands.
  auto op = [](std::vector<uint8_t>& s, uint8_t qp, uint8_t code, std::vector<uint8_t> args) {
    const uint8_t head[] = {qp, 0, 0, 0, code};
    s.insert(s.end(), head, head + sizeof head);
    s.insert(s.end(), args.begin(), args.end());
  };
  auto setup = [&](std::vector<uint8_t>& s, uint8_t qp, uint8_t alg) {
    op(s, 0, 4, {0, 0, 4, 0, 0});                        // EQC, depth 1025
    op(s, 0, 4, {1, 0, 4, 0, 0});                        // AEQC
    op(s, qp, 2, {15, 0, 0, 0, 1, 0, 0, 0, 1, alg, 0});  // SQC depth 16, 128-byte SQEs
    op(s, qp, 3, {15, 0, 0, 0, 0, 0, 0});                // CQC depth 16
  };
  std::vector<std::vector<uint8_t>> out;
  for (uint8_t flags : {uint8_t{0}, kFlagIsolation}) {
    std::vector<uint8_t> s = {flags};
    setup(s, 1, 0);
    std::vector<uint8_t> src(64, 'a');
    op(s, 0, 7, {64, 0, 0, 0});
    s.insert(s.end(), src.begin(), src.end());
    // A ZIP compress SQE in slot 0 (raw bytes, then the fix-up flag).
    ZipSqe z{};
    z.set_sqe_type(kZipSqeTypeV3);
    z.set_req_type(kZipReqZlib);
    z.set_window(kZipWindow32K);
    z.set_stream_flags(true, false, true);
    z.input_data_length = 64;
    z.dest_avail_out = 1024;
    std::vector<uint8_t> args = {0, 0, 0, 0};
    const auto* zb = reinterpret_cast<const uint8_t*>(&z);
    args.insert(args.end(), zb, zb + sizeof z);
    args.push_back(1);
    op(s, 1, 6, args);
    // SQ doorbell qp 1 tail 1, at its place.
    op(s, 1, 5, {1, 0, 1, 0, 0, 1});
    op(s, 0, 8, {0, 0x10, 0x27});  // wait 10 us
    // CQ doorbell head 1, priority 1 (re-arm), then STOP_QP.
    op(s, 1, 5, {1, 1, 1, 0, 1, 1});
    op(s, 1, 4, {2});
    out.push_back(s);
  }
  std::vector<uint8_t> raw = {0};
  setup(raw, 2, 1);
  op(raw, 0, 0, {0x04, 0x03, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8});  // 8-byte write at 0x304
  op(raw, 0, 1, std::vector<uint8_t>(sizeof(qm::Sqc) + 4, 0x5a));
  out.push_back(raw);
  return out;
}

}  // namespace wdsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wdsim::fuzz::run_one(data, size);
  return 0;
}
