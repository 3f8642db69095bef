#include "sim/system/runtime_cost_params.h"

namespace wdsim {

void RuntimeCostParams::declare(ParamScope& s) {
  const rt::UserDriverCosts d;  // the defaults
  rt::UserDriverCosts& c = costs;
  const char* guess =
      "guess: tens of instructions on a ~2.6 GHz Arm core (no published UADK numbers)";
  s.add("send_call_ns", c.send_call_ns, d.send_call_ns, "ns",
        "Per send call: argument checks, lock, free-slot arithmetic", guess, Range::min(0));
  s.add("sqe_ring_ns", c.sqe_ring_ns, d.sqe_ring_ns, "ns",
        "Per SQE sent: ring slot arithmetic and copy setup (the copy itself is charged as stores)",
        guess, Range::min(0));
  s.add("doorbell_compose_ns", c.doorbell_compose_ns, d.doorbell_compose_ns, "ns",
        "Per doorbell: composing the 64-bit V2 value (the MMIO write is charged by the OS)", guess,
        Range::min(0));
  s.add("recv_call_ns", c.recv_call_ns, d.recv_call_ns, "ns",
        "Per recv call: lock and queue status word check bookkeeping", guess, Range::min(0));
  s.add("cqe_process_ns", c.cqe_process_ns, d.cqe_process_ns, "ns",
        "Per CQE taken: phase compare, head advance, response copy setup", guess, Range::min(0));
  s.add("sqe_build_ns", c.sqe_build_ns, d.sqe_build_ns, "ns",
        "Per request: clearing and filling the 128 B ZIP SQE (hisi_comp fill_zip_comp_sqe)", guess,
        Range::min(0));
  s.add("sqe_parse_ns", c.sqe_parse_ns, d.sqe_parse_ns, "ns",
        "Per response: status, tag and size parsing (hisi_comp parse_zip_sqe)", guess,
        Range::min(0));
  s.add("poll_interval_ns", c.poll_interval_ns, d.poll_interval_ns, "ns",
        "Busy-poll period while waiting for a CQE (one phase check per period)",
        "guess: one uncontended cache-line re-read plus loop overhead", Range::min(1));
  s.add("lock_handoff_ns", c.lock_handoff_ns, d.lock_handoff_ns, "ns",
        "A contended lock changing hands: its cache line moving from the releasing core to the "
        "spinning one (charged to the new holder)",
        "guess: one cross-core cache-line transfer on a server SoC is ~50-150 ns");
  s.add("lock_spin_ns", c.lock_spin_ns, d.lock_spin_ns, "ns",
        "One spin of a contended queue lock (sd_lock/rv_lock/ctx lock) before looking again",
        "guess: a cache-line round trip between cores plus the pause loop", Range::min(1));
  s.add("sync_timeout_us", c.sync_timeout_us, d.sync_timeout_us, "us",
        "How long a synchronous request waits for its completion before -ETIMEDOUT",
        "guess: UADK polls up to 200M times (~seconds); 1 s of simulated time", Range::min(1));
}

}  // namespace wdsim
