// The `hostile` kind's `fuzz` attack (hostile_attacker.h): `fuzz_operations` random operations on
// the hostile's own queue, each drawn by `fuzz_weights` from
//   random_bytes      a descriptor of seeded random bytes, sent and waited for;
//   random_addresses  a well-formed descriptor with random 48-bit source and destination;
//   foreign_addresses a well-formed descriptor whose source or destination (or both) is a random
//                     address inside another live process's mapping (its virtual address, as the
//                     attacker would guess it), the other address the hostile's own buffer;
//   doorbell          a V2 doorbell with random queue number and command and an index within the
//                     ring or any 16-bit value (even odds), written at the hostile's SQ/CQ
//                     doorbell offset, then its own completions reaped;
//   mmio_write        a random 64-bit value at a random 8-byte-aligned offset of the hostile's
//                     whole uacce MMIO mapping (its doorbell page with doorbell isolation; the QM
//                     BAR's first pages, mailbox included, without), then completions reaped.
// A queue that a call leaves broken or the kernel stops is closed and the next operation opens
// a fresh one (as submit_one does); otherwise the queue stays, stale completions and all, so the
// runtime meets what the device made of the garbage. Verdicts come from the DMA ownership
// oracle (dma_oracle.h): an operation during which it counted a violation is NOT refused;
// otherwise a descriptor that completed ok is contained, one that failed refused, and a
// doorbell or MMIO write info (what it may break in the victim shows in the victim's own
// checks). Outcome names are "<operation>/<status>", a bounded set, so a million operations keep
// a small record.
// Does not: write other processes' MMIO mappings (it has none), fork, or use the syscall path.
#include <array>
#include <numeric>

#include "formats/qm/qm_formats.h"
#include "sim/cpu_host/kernel/dma_oracle.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/page_table.h"
#include "sim/system/workloads/hostile_attacker.h"

namespace wdsim::hostile {

namespace {
enum FuzzOp : size_t {
  kRandomBytes,
  kRandomAddresses,
  kForeignAddresses,
  kDoorbell,
  kMmioWrite,
};
}  // namespace

const std::vector<std::string> kFuzzOperations = {"random_bytes", "random_addresses",
                                                  "foreign_addresses", "doorbell", "mmio_write"};

void fuzz_attack(Attacker& a, AttackRecord& rec, OwnQueue* q,
                 const std::vector<ForeignRange>& foreign) {
  const HostileParams& p = a.params();
  std::mt19937_64& rng = a.rng();
  const std::vector<uint64_t>& w = p.fuzz_weights;
  const uint64_t total_weight = std::accumulate(w.begin(), w.end(), uint64_t{0});
  const uint64_t va_mask = (uint64_t{1} << PageTable::kVaBits) - 1;

  // A random address inside one of the other processes' mappings; 0 when there is none.
  auto foreign_address = [&]() -> uint64_t {
    if (foreign.empty()) return 0;
    const ForeignRange& r = foreign[rng() % foreign.size()];
    return r.start + rng() % r.length;
  };
  // The verdict comes from the DMA ownership oracle, the ground truth: with random doorbells a
  // completion may belong to another slot than the descriptor just sent, and a random
  // descriptor may succeed without touching memory, so the addresses the hostile wrote do not
  // tell what the device reached.
  const DmaOracle* oracle = a.thread().system.kernel().dma_oracle();
  if (!oracle) {
    throw ProgramError("hostile fuzz: needs the DMA ownership oracle (system.host.dma_oracle)");
  }
  auto verdict = [&](uint64_t violations_before, Verdict otherwise) {
    return oracle->violations() > violations_before ? Verdict::kNotRefused : otherwise;
  };
  auto send = [&](const std::string& op, const std::vector<uint8_t>& desc) {
    const uint64_t before = oracle->violations();
    bool ok = false;
    const std::string st = a.submit_one(rec, q, desc, &ok);
    if (st.empty()) return;
    rec.add(op + "/" + st, verdict(before, ok ? Verdict::kContained : Verdict::kRefused));
  };

  for (uint64_t i = 0; i < p.fuzz_operations; ++i) {
    uint64_t pick = rng() % total_weight;
    size_t op = 0;
    while (pick >= w[op]) pick -= w[op++];
    const std::string& name = kFuzzOperations[op];
    switch (op) {
      case kRandomBytes: {
        std::vector<uint8_t> desc(a.format().size());
        for (auto& b : desc) b = static_cast<uint8_t>(rng());
        send(name, desc);
        break;
      }
      case kRandomAddresses: {
        const uint64_t s = rng() & va_mask;
        const uint64_t d = rng() & va_mask;
        send(name, a.descriptor(s, d));
        break;
      }
      case kForeignAddresses: {
        const uint64_t which = rng() % 3;  // 0: foreign source, 1: foreign destination, 2: both
        const uint64_t s = which == 1 ? a.src() : foreign_address();
        const uint64_t d = which == 0 ? a.dst() : foreign_address();
        send(name, a.descriptor(s, d));
        break;
      }
      case kDoorbell:
      case kMmioWrite: {
        if (!q->open() && !a.open_queue(rec, q)) break;
        const uint64_t before = oracle->violations();
        if (op == kDoorbell) {
          // Half the indices within the ring (the QM takes them), half any 16-bit value.
          const uint64_t index = rng() % 2 ? rng() % q->ring->sq_depth() : rng();
          a.ring_raw(*q, static_cast<uint16_t>(rng() & qm::kDbQnMaskV2),
                     static_cast<uint8_t>(rng() & qm::kDbCmdMaskV2), static_cast<uint16_t>(index));
        } else {
          const uint64_t words = q->uacce->mmio_size() / sizeof(uint64_t);
          const uint64_t offset = (rng() % words) * sizeof(uint64_t);
          a.thread().os.mmio_write64(q->uacce->mmio_base() + offset, rng());
        }
        a.settle(rec, q, name);
        rec.add(name + "/written", verdict(before, Verdict::kInfo));
        if (a.stopped(*q)) {
          rec.add(name + "/queue_disabled", Verdict::kInfo);
          a.close_queue(q);
        }
        break;
      }
    }
  }
}

}  // namespace wdsim::hostile
