// The SMMU's stalled transactions (the stall fault model, Arm IHI 0070 3.12.2): each held
// transaction has a STAG, unique among those held, given in its Stall=1 event record, and
// waits in its initiator's thread until software answers CMD_RESUME (StreamID + STAG) or
// CMD_STALL_TERM (every transaction held for a StreamID). At most `max_stalled` are held
// (IDR5.STALL_MAX). A RESUME whose STAG/StreamID matches nothing is a no-op, as the
// architecture says. Deterministic: STAGs are handed out in increasing order (wrapping,
// skipping those in use).
//
// Not modelled: suppression of duplicate stall records, ordering between stalled reads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <systemc>

namespace wdsim::smmu {

// CMD_RESUME.Resp as Linux encodes it (CMDQ_RESUME_0_RESP_*): Ac and Ab bits.
enum class StallAction : uint8_t { kTerminate = 0, kRetry = 1, kAbort = 2 };

class StallTable {
 public:
  explicit StallTable(uint32_t max_stalled) : max_(max_stalled) {}

  // Holds a new transaction from `sid`, faulted at absolute time `at`; nullopt when
  // max_stalled are already held.
  std::optional<uint16_t> hold(uint32_t sid, const sc_core::sc_time& at);
  // Releases a held transaction that could not be reported (its event record was lost).
  void drop(uint16_t stag);

  // CMD_RESUME consumed at absolute time `at`: false when nothing matches (no-op). Unknown
  // Resp values (3) act as terminate with abort.
  bool resume(uint32_t sid, uint16_t stag, uint8_t resp, const sc_core::sc_time& at);
  // CMD_STALL_TERM: marks every transaction held for `sid` for termination with abort.
  size_t terminate_sid(uint32_t sid, const sc_core::sc_time& at);

  struct Outcome {
    StallAction action;
    sc_core::sc_time held;  // fault to the answer's completion
  };
  // Called by the held transaction's thread (an SC_THREAD: it calls wait()): returns when
  // the answer has taken effect, and releases the STAG.
  Outcome wait_for_answer(uint16_t stag);

  size_t held() const { return held_.size(); }
  uint32_t max_stalled() const { return max_; }

 private:
  struct Held {
    uint32_t sid = 0;
    sc_core::sc_time since;
    std::optional<StallAction> action;
    sc_core::sc_time answered_at;
    std::unique_ptr<sc_core::sc_event> answered;
  };
  void answer(Held& h, StallAction a, const sc_core::sc_time& at);

  uint32_t max_;
  uint16_t next_stag_ = 0;
  std::map<uint16_t, Held> held_;
};

}  // namespace wdsim::smmu
