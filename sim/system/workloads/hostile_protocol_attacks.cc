// The `hostile` kind's attacks on the QM protocol itself (see hostile.cc for what each shows):
// crafted V2 doorbell values and mailbox commands written through the hostile's own MMIO
// mapping, a ring filled until the runtime refuses, and a CQ overflowed by a doorbell past the
// runtime's limit. Facts: FORMATS.md (doorbell V2 layout, mailbox at 0x300, STOP_QP 8), Linux
// qm.c (qm_db_v2, hisi_qm_uacce_mmap, qm_disable_qp), UADK hisi_qm_udrv.c (send's free count).
#include <cerrno>
#include <cstring>

#include "formats/qm/qm_formats.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/system/workloads/hostile_attacker.h"

namespace wdsim::hostile {

namespace {

bool word_is_stop(const uint8_t* bytes) {
  uint32_t w;
  std::memcpy(&w, bytes, sizeof w);
  return w == qm::kDusStopValue;
}

// One doorbell step: the writes, then what the hostile can see of them. A step that names other
// queues (cross_queue) is judged by the hostile's own queue only: its stale slots completing
// there prove the page decided the queue; nothing there means the writes went where they said.
void doorbell_step(Attacker& a, AttackRecord& rec, OwnQueue* q, const std::string& step,
                   const std::vector<qm::Doorbell>& writes, bool names_other_queues = false) {
  const uint64_t errors0 = a.qm_errors();
  for (const qm::Doorbell& db : writes) a.ring_raw(*q, db.qn, db.cmd, db.index);
  const uint64_t own = a.settle(rec, q, step);
  const uint64_t errors = a.qm_errors() - errors0;
  if (errors > 0) rec.add(step + "/qm_errors_counted", Verdict::kInfo, errors);
  if (names_other_queues) {
    rec.add(step + (own > 0 ? "/landed_on_own_queue" : "/nothing_on_own_queue"),
            own > 0 ? Verdict::kContained : Verdict::kNotRefused);
  } else {
    rec.add(step + (errors > 0 ? "/qm_rejected"
                    : own > 0  ? "/own_queue_ran"
                               : "/no_effect"),
            errors > 0 || own == 0 ? Verdict::kRefused : Verdict::kContained);
  }
}

// Sends well-formed descriptors one by one without reaping until send refuses; returns how many
// the ring accepted. The refusal is recorded with `refusal`'s verdict.
uint64_t fill(Attacker& a, AttackRecord& rec, OwnQueue* q, Verdict refusal) {
  ProgramThread& t = a.thread();
  uint64_t accepted = 0;
  for (uint32_t i = 0; i < q->ring->sq_depth(); ++i) {
    uint16_t n = 0;
    const int r = q->ring->send(t.os, a.descriptor(a.src(), a.dst()).data(), 1, &n);
    if (r < 0) {
      rec.add("send_" + errno_name(r) + "_after_" + std::to_string(accepted),
              r == -EBUSY ? refusal : Verdict::kInfo);
      return accepted;
    }
    ++accepted;
  }
  rec.add("never_refused_after_" + std::to_string(accepted), Verdict::kNotRefused);
  return accepted;
}

}  // namespace

void doorbell_attack(Attacker& a, AttackRecord& rec, OwnQueue* q) {
  if (!a.open_queue(rec, q)) return;
  const uint16_t own = q->ring->qp_id();
  const uint16_t tail = q->ring->sq_tail();  // the hardware's tail too: nothing sent yet
  doorbell_step(a, rec, q, "qn_out_of_range",
                {{static_cast<uint16_t>(qm::kQnumV2), qm::kDbCmdSq, tail, 0, 0},
                 {static_cast<uint16_t>(qm::kDbQnMaskV2), qm::kDbCmdSq, tail, 0, 0}});
  doorbell_step(a, rec, q, "index_out_of_range",
                {{own, qm::kDbCmdSq, q->ring->sq_depth(), 0, 0},
                 {own, qm::kDbCmdSq, UINT16_MAX, 0, 0},
                 {own, qm::kDbCmdCq, q->ring->cq_depth(), 0, 0}});
  std::vector<qm::Doorbell> bad;
  for (uint8_t cmd = qm::kDbCmdAeq + 1; cmd <= qm::kDbCmdMaskV2; ++cmd) {
    bad.push_back({own, cmd, tail, 0, 0});
  }
  doorbell_step(a, rec, q, "bad_cmd", bad);
  std::vector<qm::Doorbell> cross;
  for (uint16_t qn : a.target_qns(*q)) {
    cross.push_back({qn, qm::kDbCmdSq, static_cast<uint16_t>(a.params().stale_slots), 0, 0});
  }
  doorbell_step(a, rec, q, "cross_queue", cross, /*names_other_queues=*/true);
}

void mailbox_attack(Attacker& a, AttackRecord& rec, OwnQueue* q) {
  if (!a.open_queue(rec, q)) return;
  ProgramThread& t = a.thread();
  const uint64_t mb_va = q->uacce->mmio_base() + qm::kMailboxOffset;
  for (uint16_t qn : a.target_qns(*q)) {
    // The 128-bit command as two 64-bit stores (the QM runs it once all 16 bytes arrived).
    const qm::Mailbox mb = qm::make_mailbox(qm::kMbCmdStopQp, 0, qn, /*op_read=*/false);
    uint64_t half[2];
    static_assert(sizeof half == sizeof mb);
    std::memcpy(half, &mb, sizeof mb);
    t.os.mmio_write64(mb_va, half[0]);
    t.os.mmio_write64(mb_va + sizeof half[0], half[1]);
    uint32_t w0 = t.os.mmio_read32(mb_va);
    if ((w0 & qm::kMbCmdMask) != qm::kMbCmdStopQp) {
      rec.add("stop_qp/mailbox_unreachable", Verdict::kRefused);
      continue;
    }
    rec.add("stop_qp/mailbox_reachable", Verdict::kNotRefused);
    // The command runs; the next one waits for it (the device refuses a busy mailbox).
    const rt::Picoseconds deadline = t.os.now() + a.us_ps(a.params().settle_us);
    while (qm::mailbox_busy(static_cast<uint16_t>(w0)) && t.os.now() < deadline) {
      t.os.compute(a.poll_interval_ps());
      w0 = t.os.mmio_read32(mb_va);
    }
  }
  a.settle(rec, q, "stop_qp");
}

void full_ring_attack(Attacker& a, AttackRecord& rec, OwnQueue* q) {
  if (!a.open_queue(rec, q)) return;
  const uint64_t accepted = fill(a, rec, q, Verdict::kRefused);
  rec.add("accepted", Verdict::kInfo, accepted);
  std::vector<uint8_t> resp(a.format().size());
  for (uint64_t i = 0; i < accepted; ++i) {
    uint16_t n = 0;
    const int r = q->ring->wait_and_recv(a.thread().os, resp.data(), 1, &n,
                                         a.us_ps(a.params().completion_timeout_us));
    if (r < 0) {
      rec.add("drain_" + errno_name(r), Verdict::kInfo);
      return;
    }
    rec.add("drained/" + a.format().status(resp.data()), Verdict::kInfo);
  }
}

void cq_overflow_attack(Attacker& a, AttackRecord& rec, OwnQueue* q) {
  if (!a.open_queue(rec, q)) return;
  ProgramThread& t = a.thread();
  const uint64_t accepted = fill(a, rec, q, Verdict::kInfo);
  if (accepted == 0) return;
  // Wait until the device wrote the last of those CQEs (the first lap's phase is 1).
  const uint64_t last_cqe = q->ring->cq_base() + (accepted - 1) * qm::kCqeSize;
  auto phase_set = [](const uint8_t* b) {
    qm::Cqe c;
    std::memcpy(&c, b, sizeof c);
    return qm::cqe_phase(c);
  };
  if (!t.os.poll_memory(last_cqe, sizeof(qm::Cqe), phase_set, a.poll_interval_ps(),
                        a.us_ps(a.params().completion_timeout_us) * accepted)) {
    rec.add("ring_never_completed", Verdict::kInfo);
    return;
  }
  // One more SQ doorbell, past what the runtime allows: the device fetches a stale slot and has
  // no CQ entry left for it.
  const uint16_t index = static_cast<uint16_t>((q->ring->sq_tail() + 1) % q->ring->sq_depth());
  a.ring_raw(*q, q->ring->qp_id(), qm::kDbCmdSq, index);
  // qm_disable_qp writes the tx word, stops the queue, then writes the rx word: wait for both.
  const bool disabled = t.os.poll_memory(q->ring->rx_status_va(), sizeof(uint32_t), word_is_stop,
                                         a.poll_interval_ps(), a.us_ps(a.params().settle_us)) &&
                        a.stopped(*q);
  rec.add(disabled ? "queue_disabled_by_kernel" : "queue_not_disabled",
          disabled ? Verdict::kRefused : Verdict::kNotRefused);
  uint16_t n = 0;
  int r = q->ring->send(t.os, a.descriptor(a.src(), a.dst()).data(), 1, &n);
  rec.add(r < 0 ? "then_send_" + errno_name(r) : "then_send_accepted",
          r == -EIO ? Verdict::kRefused : Verdict::kNotRefused);
  std::vector<uint8_t> resp(a.format().size());
  r = q->ring->recv(t.os, resp.data(), 1, &n);
  rec.add(r < 0 ? "then_recv_" + errno_name(r) : "then_recv_completion",
          r == -EIO ? Verdict::kRefused : Verdict::kNotRefused);
}

}  // namespace wdsim::hostile
