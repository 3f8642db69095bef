// The machinery of the `hostile` program kind (hostile.cc): its parameters, and an Attacker
// that holds what every attack needs on the hostile's simulated thread: the device it attacks
// and that device's descriptor format (hostile_descriptors.h), its own source/destination/key
// buffers, its random stream, fresh uacce queues of its own (UacceQueue + HisiQmQueue: open,
// close, the DUS stop words), one-descriptor-at-a-time submission, raw doorbell writes through
// its MMIO mapping, what its own address space has at an address, and the system-wide counters
// it watches (hostile_record.h Effects). The QM-protocol attacks (crafted doorbells, mailbox
// writes, a full ring, a CQ overflow) live in hostile_protocol_attacks.cc.
// Does not: share queues between attacks (each attack opens its own) or run on several threads
// (the kind allows one thread per process).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "runtime/hisi_qm_udrv.h"
#include "runtime/uacce_queue.h"
#include "sim/system/program.h"
#include "sim/system/workloads/hostile_descriptors.h"
#include "sim/system/workloads/hostile_record.h"

namespace wdsim::hostile {

// Every attack the kind knows, in the order of the header comment of hostile.cc.
extern const std::vector<std::string> kAttacks;
// The operations of the fuzz attack (hostile_fuzz_attack.cc), in the order of fuzz_weights.
extern const std::vector<std::string> kFuzzOperations;

struct HostileParams : ProgramParams {
  std::string device;
  std::string device_kind;
  std::vector<std::string> attacks;
  std::string seed_stream;
  uint64_t request_bytes;
  uint64_t unmapped_va;
  uint64_t kernel_va;
  uint64_t random_descriptors;
  uint64_t max_foreign_targets;
  std::vector<uint64_t> target_qns;
  uint64_t stale_slots;
  double completion_timeout_us;
  double settle_us;
  uint64_t probe_pasid;
  uint64_t fuzz_operations;
  std::vector<uint64_t> fuzz_weights;  // one per kFuzzOperations entry

  void declare(ParamScope& s) override;
};

// "ebusy", "eio", ... for a negative errno.
std::string errno_name(int err);

struct OwnQueue {
  std::unique_ptr<rt::UacceQueue> uacce;
  std::unique_ptr<rt::HisiQmQueue> ring;
  bool open() const { return ring != nullptr; }
};

class Attacker {
 public:
  // Finds the device, maps and fills the hostile's buffers. Throws ProgramError when the
  // scenario names no such device.
  Attacker(ProgramThread& t, const HostileParams& p);

  ProgramThread& thread() { return t_; }
  const HostileParams& params() const { return p_; }
  const DescriptorFormat& format() const { return *format_; }
  std::mt19937_64& rng() { return rng_; }
  uint32_t len() const { return len_; }
  uint64_t src() const { return src_; }
  uint64_t dst() const { return dst_; }
  // A well-formed descriptor of len() bytes from src to dst (the next tag).
  std::vector<uint8_t> descriptor(uint64_t src, uint64_t dst);

  // Opens a fresh queue; on failure records "open/<errno>" (refused for -EPERM: the device is
  // isolated and the kernel refuses new queues to everyone) and returns false.
  bool open_queue(AttackRecord& rec, OwnQueue* q);
  void close_queue(OwnQueue* q);
  // Whether the kernel stopped q (its DUS tx stop word).
  bool stopped(const OwnQueue& q);
  // Sends desc on q (opening q first when needed) and waits for its completion. Returns the
  // outcome token: the device's status, or the runtime call that failed (q is then closed: its
  // rings may be what the descriptor overwrote; the next submission opens a fresh queue); a
  // queue the kernel stopped gets "/queue_disabled". "" when no queue could be opened.
  // *ok says whether the device reported success, *device_status whether the token is a status
  // the device wrote back.
  std::string submit_one(AttackRecord& rec, OwnQueue* q, const std::vector<uint8_t>& desc, bool* ok,
                         bool* device_status = nullptr);
  // Reaps completions on q until none arrives for settle_us; each is counted in rec as
  // "<label>/own_completion/<status>" (info). Returns how many arrived.
  uint64_t settle(AttackRecord& rec, OwnQueue* q, const std::string& label);
  // A V2 doorbell value written at q's SQ/CQ doorbell offset (0x1000 of its MMIO region).
  void ring_raw(const OwnQueue& q, uint16_t qn, uint8_t cmd, uint16_t index);
  // target_qns, or every queue number of the QM but q's own.
  std::vector<uint16_t> target_qns(const OwnQueue& q) const;

  // What the hostile's own address space has at va: "unmapped_here", "own_anon", "own_ring",
  // "own_mmio".
  std::string own_kind(uint64_t va) const;
  uint64_t counter(const std::string& key) const;
  uint64_t qm_errors() const { return counter(qm_stats_ + "errors"); }
  Effects effects() const;

  rt::Picoseconds us_ps(double us) const;
  rt::Picoseconds poll_interval_ps() const;

 private:
  uint64_t counters_under(const std::string& prefix) const;

  ProgramThread& t_;
  const HostileParams& p_;
  std::string device_;
  std::string qm_stats_;  // "<qm component>."
  std::unique_ptr<DescriptorFormat> format_;
  std::mt19937_64 rng_;
  uint32_t len_ = 0;
  uint64_t src_ = 0;
  uint64_t dst_ = 0;
  uint64_t key_ = 0;
  uint32_t next_tag_ = 1;
};

// The QM-protocol attacks (hostile_protocol_attacks.cc), each on the fresh queue q.
void doorbell_attack(Attacker& a, AttackRecord& rec, OwnQueue* q);
void mailbox_attack(Attacker& a, AttackRecord& rec, OwnQueue* q);
void full_ring_attack(Attacker& a, AttackRecord& rec, OwnQueue* q);
void cq_overflow_attack(Attacker& a, AttackRecord& rec, OwnQueue* q);

// Another live process's mapping, by its virtual address (what the attacker guesses).
struct ForeignRange {
  uint64_t start = 0;
  uint64_t length = 0;
};
// The fuzz attack (hostile_fuzz_attack.cc): fuzz_operations random operations on q.
void fuzz_attack(Attacker& a, AttackRecord& rec, OwnQueue* q,
                 const std::vector<ForeignRange>& foreign);

}  // namespace wdsim::hostile
