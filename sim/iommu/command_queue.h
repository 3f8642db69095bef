// The SMMU command queue: software writes 16 B commands into a circular queue in memory
// (CMDQ_BASE) and advances CMDQ_PROD; the SMMU fetches each command (a timed 16 B read),
// executes it and advances CMDQ_CONS. One TimingServer serialises the queue: a command
// completes at arrival/queueing + fetch latency + its execution cost (a parameter per kind).
// CMDQ_CONS reads are time-aware: a read at time T returns the index after the last command
// completed by T. An unsupported or unknown opcode stops the queue with CMDQ_CONS.ERR =
// CERROR_ILL at that command (a failed fetch: CERROR_ABT) and raises GERROR.CMDQ_ERR through
// the sink; processing resumes when software acknowledges it (GERRORN).
//
// Functional effects (invalidations) are applied when the command is processed, i.e. at the
// PROD write, not at the command's completion time: a DMA in between sees the invalidation
// early (conservative). CMD_SYNC with CS=IRQ and a non-zero MSI address writes MSIDATA (4 B)
// to MSIADDR at its completion time.
//
// Accepted: CFGI_STE/ALL/CD/CD_ALL, TLBI_NH_ALL/ASID/VA/VAA, TLBI_S2_IPA, TLBI_S12_VMALL,
// TLBI_NSNH_ALL (tlbi_cost_ns each), SYNC, PREFETCH_*
// (no-ops); ATC_INV, PRI_RESP, RESUME, STALL_TERM when the sink supports them (ATS, PRI, stall
// model), executed by the sink. CMD_SYNC also waits for the ATC invalidations sent before it
// (CERROR_ATC_INV_SYNC when one failed or timed out). CERROR_ILL: TLBI_EL2_* (no IDR0.HYP),
// anything else. The Smmu's side (what each command does to its caches, stalled transactions
// and endpoints) is its CommandSink, at the end of command_queue.cc.
//
// Stats, registered when the queue is built for every command it can execute:
// "<component>.cmds.<name>" counts and "<component>.cmd_time_ns.<name>" (PROD write to
// completion), "<component>.cmds.errors" (commands that stopped the queue) and
// "<component>.cmds.msi_errors" (CMD_SYNC MSI writes that failed).
//
// Facts: Arm IHI 0070 ch. 4 (commands) and 7.1 (command queue errors), Linux arm-smmu-v3.c
// (CMDQ_OP_*, CMDQ_ERR_*).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <systemc>
#include <vector>

#include "sim/base/sim_env.h"
#include "sim/base/timing.h"
#include "sim/iommu/mem_port.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/iommu/smmu_params.h"

namespace wdsim::smmu {

// What a CMD_SYNC must wait for beyond its own execution: outstanding ATC invalidations.
struct SyncWait {
  sc_core::sc_time until;    // absolute: when every ATC invalidation so far has completed
  bool atc_timeout = false;  // one failed or timed out: CERROR_ATC_INV_SYNC
};

class CommandSink {
 public:
  virtual ~CommandSink() = default;
  // ATC_INV, PRI_RESP, RESUME, STALL_TERM (they talk to endpoints or held transactions):
  // whether the SMMU supports `op` (false: CERROR_ILL) and its cost after the fetch.
  virtual bool device_command_cost(uint8_t /*op*/, sc_core::sc_time* /*cost*/) const {
    return false;
  }
  // Executes one of those; `done` is its absolute completion time.
  virtual void device_command(const Command& /*c*/, const sc_core::sc_time& /*done*/) {}
  // A CMD_SYNC whose own execution ends at `done` (absolute).
  virtual SyncWait sync_wait(const sc_core::sc_time& done) { return {done, false}; }
  // Applies an accepted CFGI_* / TLBI_* (the queue handles SYNC and the no-ops itself).
  virtual void apply_command(const Command& c) = 0;
  // The queue stopped on an error; the SMMU raises GERROR.CMDQ_ERR.
  virtual void command_error(uint8_t cerror) = 0;
};

class CommandQueue {
 public:
  // `component` names trace events and stats ("smmu" -> "smmu.cmds.<name>").
  CommandQueue(const CmdqParams& p, MemPort& mem, CommandSink& sink, SimEnv& env,
               const std::string& component);

  uint64_t base_reg() const { return base_reg_; }
  void write_base(uint64_t v) { base_reg_ = v; }
  unsigned log2size() const;
  uint32_t prod() const { return prod_; }

  // CMDQ_PROD write at absolute time `at`: executes CONS..PROD when enabled and not stopped.
  void write_prod(uint32_t v, const sc_core::sc_time& at);
  // CMDQ_CONS write (software initialisation while CMDQEN is clear).
  void write_cons(uint32_t v);
  // CMDQ_CONS as seen at absolute time `at`.
  uint32_t read_cons(const sc_core::sc_time& at);
  // CR0.CMDQEN.
  void set_enabled(bool enabled, const sc_core::sc_time& at);
  bool enabled() const { return enabled_; }
  // GERROR.CMDQ_ERR acknowledged: clear ERR and resume at CONS (the command is re-read).
  void resume(const sc_core::sc_time& at);
  bool stopped() const { return stopped_; }

  // When the last command processed so far completes (or the error was flagged).
  sc_core::sc_time drained_at() const { return last_done_; }

 private:
  void run(const sc_core::sc_time& at);
  bool accepted(uint8_t op, sc_core::sc_time* cost) const;
  void stop(uint8_t cerror, const sc_core::sc_time& when);
  void complete(uint32_t cons, const sc_core::sc_time& when);

  CmdqParams p_;
  MemPort& mem_;
  CommandSink& sink_;
  SimEnv& env_;
  std::string component_;
  Counter& errors_;
  Counter& msi_errors_;
  std::array<Counter*, 256> executed_{};   // cmds.<name>, by opcode (executable ones)
  std::array<Histogram*, 256> time_ns_{};  // cmd_time_ns.<name>, by opcode (executable ones)
  TimingServer server_;
  uint64_t base_reg_ = 0;
  uint32_t prod_ = 0;
  uint32_t cons_exec_ = 0;     // next command to process (functional)
  uint32_t cons_settled_ = 0;  // CONS value as of sc_time_stamp()
  struct Completion {
    sc_core::sc_time at;
    uint32_t cons;
  };
  std::vector<Completion> pending_;  // completions after the settled value, in time order
  bool enabled_ = false;
  bool stopped_ = false;
  sc_core::sc_time last_done_ = sc_core::SC_ZERO_TIME;
};

}  // namespace wdsim::smmu
