// Internals of the UADK-compatible API shared by wd.h, the scheduler and the algorithms:
// the per-call binding (Call), ctx objects behind handle_t (WdCtx), and AlgSetting, the
// part of UADK's wd_<alg>.c + wd_util.c that every algorithm repeats: ctx config checks,
// starting each ctx's queue (hisi_qm_alloc_qp), the ctx lock of sync mode, the async message
// pool (tag = pool slot), the sync wait (busy-poll or epoll) and the scheduler.
// Not a public header.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/hisi_qm_udrv.h"
#include "runtime/include/uadk/wd_alg_common.h"
#include "runtime/uacce_queue.h"
#include "runtime/uadk/wd_runtime.h"

namespace wdsim::rt::uadk {

// The binding captured when an API call enters; restores it on exit.
class Call {
 public:
  Call();
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  bool bound() const { return os_ != nullptr && proc_ != nullptr; }
  OsInterface& os() const { return *os_; }
  UadkProcess& proc() const { return *proc_; }
  Library& lib() const;
  // Re-installs this call's binding (before running user code).
  void rebind() const;
  // Records a WD_ERR-style message; returns err.
  int fail(int err, const std::string& what) const;
  void charge_ns(double ns) const;

 private:
  OsInterface* os_;
  UadkProcess* proc_;
};

// A region wd_ctx_mmap_qfr mapped itself (the queue was not started).
struct QfrMapping {
  VirtAddr va = 0;
  uint64_t len = 0;
};

// A ctx (wd_request_ctx): one uacce fd; its queue is started by the algorithm init.
struct WdCtx {
  std::string api;  // C strings handed out by wd_ctx_get_api / wd_ctx_get_dev_name
  std::string dev_name;
  std::unique_ptr<UacceQueue> uacce;
  std::unique_ptr<HisiQmQueue> qm;  // set while an algorithm runs on the ctx
  SimSpinLock lock;                 // wd_ctx_internal.lock: held across a sync request
  int numa_id = 0;
  QfrMapping qfr[2];  // wd_ctx_mmap_qfr's own mappings of MMIO and DUS
};

// One slot of a ctx's async message pool.
struct AsyncSlot {
  bool used = false;
  void* req = nullptr;  // the user's request
  uint32_t aux[4] = {0, 0, 0, 0};
};

struct CtxEntry {
  WdCtx* ctx = nullptr;
  handle_t handle = 0;
  uint8_t op_type = 0;
  uint8_t ctx_mode = 0;
  std::vector<AsyncSlot> pool;
  uint32_t pool_next = 0;
};

// What an algorithm tells AlgSetting about itself.
struct AlgTraits {
  const char* name;       // "comp", "cipher", "digest" (messages)
  const char* epoll_env;  // "WD_COMP_EPOLL_EN"
  uint32_t sqe_size;      // 128
  uint8_t op_type_num;    // ctx op types (zip: 2)
  // Maps a ctx's op_type to the queue type (SET_QP_CTX qc_type).
  uint16_t (*qc_type_of)(uint8_t op_type);
};

class AlgSetting {
 public:
  AlgSetting() = default;
  AlgSetting(const AlgSetting&) = delete;
  AlgSetting& operator=(const AlgSetting&) = delete;
  // init2's scheduler is host memory: freed even when uninit never ran (the process ended
  // first, or the call was no longer bound).
  ~AlgSetting();

  bool inited() const { return inited_; }
  const AlgTraits& traits() const { return traits_; }
  // The init entry points below start as UADK's wd_alg_try_init: while another thread of the
  // process is initialising the same algorithm they wait for it to end (UADK sleeps
  // WD_INIT_SLEEP_UTIME at a time for at most WD_INIT_RETRY_TIMEOUT; here the waiter spins on
  // the status word, holding its core, since OsInterface has no sleep), then fail with
  // -WD_EEXIST when it succeeded.
  // wd_<alg>_init: checks `config`, starts each ctx's queue, copies `sched`.
  int init(const Call& call, const AlgTraits& traits, const wd_ctx_config* config,
           const wd_sched* sched);
  // wd_<alg>_init2_: discovers devices for `alg`, requests ctxs, allocates the RR scheduler.
  int init2(const Call& call, const AlgTraits& traits, const char* alg, uint32_t sched_type,
            int task_type, const wd_ctx_params* params,
            int (*poll_ctx)(uint32_t, uint32_t, uint32_t*));
  // wd_<alg>_env_init / wd_<alg>_ctx_num_init: as init2 with the ctx numbers of each
  // (type, mode) in `nums` (op type major), and `user_sched` (nullptr: an RR scheduler of its
  // own, as init2's).
  int init_env(const Call& call, const AlgTraits& traits, const char* alg,
               const std::vector<wd_ctx_nums>& nums, wd_sched* user_sched,
               int (*poll_ctx)(uint32_t, uint32_t, uint32_t*));
  // wd_<alg>_uninit (and uninit2: also releases what init2 created).
  void uninit(const Call& call);

  const wd_sched& sched() const { return sched_; }
  uint32_t ctx_num() const { return static_cast<uint32_t>(ctxs_.size()); }
  // wd_check_ctx: idx in range and of `mode`.
  int check_ctx(const Call& call, uint32_t idx, uint8_t mode);
  CtxEntry& entry(uint32_t idx) { return ctxs_[idx]; }

  // Sync: ctx lock, send `sqe`, wait for its completion into `resp` (busy-poll, or epoll
  // when the algorithm's EPOLL_EN is set), unlock.
  int sync_request(const Call& call, uint32_t idx, const void* sqe, void* resp);
  // Async: a pool slot for `req` (-WD_EBUSY when full); its index is the request tag.
  int take_slot(const Call& call, uint32_t idx, void* req, uint32_t* tag);
  void put_slot(uint32_t idx, uint32_t tag);
  AsyncSlot* slot(uint32_t idx, uint32_t tag);
  int send(const Call& call, uint32_t idx, const void* sqe);
  // One completion of ctx idx into resp; -WD_EAGAIN when none is ready.
  int recv_one(const Call& call, uint32_t idx, void* resp);
  bool epoll_en() const { return epoll_en_; }

 private:
  // UADK wd_util.c: WD_INIT_SLEEP_UTIME 1000 us, WD_INIT_RETRY_TIMEOUT 3 (US2S: us >> 20).
  static constexpr Picoseconds kInitSleepPs = 1000ull * 1000 * 1000;
  static constexpr Picoseconds kInitRetryTimeoutPs = (3ull << 20) * 1000 * 1000;
  int begin_init(const Call& call, const std::string& fn);
  void end_init();
  int init_ctxs(const Call& call, const AlgTraits& traits, const std::string& fn,
                const wd_ctx_config* config, const wd_sched* sched);
  int init2_body(const Call& call, const AlgTraits& traits, const std::string& fn, const char* alg,
                 uint32_t sched_type, int task_type, const wd_ctx_params* params,
                 int (*poll_ctx)(uint32_t, uint32_t, uint32_t*));
  int start_ctxs(const Call& call);
  int init_with_nums(const Call& call, const AlgTraits& traits, const std::string& fn,
                     const char* alg, uint32_t sched_type, const std::vector<wd_ctx_nums>& nums,
                     wd_sched* user_sched, wd_cap_config* cap,
                     int (*poll_ctx)(uint32_t, uint32_t, uint32_t*));
  void stop_ctxs(const Call& call);

  bool inited_ = false;
  bool initing_ = false;  // UADK's WD_INITING: an init entry point is running
  std::unique_ptr<OsInterface::WaitPoint> init_wait_;  // notified when it ends
  bool from_init2_ = false;
  bool epoll_en_ = false;
  uint32_t ctx_msg_num_ = 0;  // wd_ctx_config.cap->ctx_msg_num (0: the queue depth)
  AlgTraits traits_{};
  std::vector<CtxEntry> ctxs_;
  wd_sched sched_{};
  wd_sched* own_sched_ = nullptr;   // init2's scheduler
  std::vector<handle_t> own_ctxs_;  // init2's ctxs
};

// What the env-init calls (wd_<alg>_env_init, wd_<alg>_ctx_num_init) of one algorithm read.
struct EnvAlg {
  const char* prefix;           // "WD_COMP": WD_COMP_CTX_NUM, WD_COMP_ASYNC_POLL_EN
  const char* dev_alg;          // algorithm the devices must support ("zlib")
  const char* default_ctx_num;  // the table's value when the variable is unset
  // Section names by [mode][op type]: "sync-comp", ... (one op type: "sync", "async").
  const char* const (*names)[2];
};

// The ctx numbers an env init used, for wd_<alg>_get_env_param.
struct EnvTable {
  bool valid = false;
  std::vector<wd_ctx_nums> nums;  // by op type
  bool async_poll_en = false;
};

// Parses an env value ("sync-comp:2@0,async-comp:1@0") into ctx numbers per op type.
int parse_ctx_num(const Call& call, const EnvAlg& env, uint8_t op_type_num,
                  const std::string& value, std::vector<wd_ctx_nums>* nums);
// wd_<alg>_env_init (explicit == nullptr: from the environment) / wd_<alg>_ctx_num_init
// (explicit: those numbers).
int env_init(const Call& call, AlgSetting& s, EnvTable& table, const AlgTraits& traits,
             const EnvAlg& env, const std::vector<wd_ctx_nums>* explicit_nums, wd_sched* sched,
             int (*poll_ctx)(uint32_t, uint32_t, uint32_t*));
// wd_<alg>_ctx_num_init: one region of `num` ctxs of (type, mode) on `node`.
int env_ctx_num_init(const Call& call, AlgSetting& s, EnvTable& table, const AlgTraits& traits,
                     const EnvAlg& env, uint32_t node, uint32_t type, uint32_t num, uint8_t mode,
                     int (*poll_ctx)(uint32_t, uint32_t, uint32_t*));
void env_uninit(const Call& call, AlgSetting& s, EnvTable& table);
int env_get_param(const Call& call, const EnvTable& table, uint32_t node, uint32_t type,
                  uint32_t mode, uint32_t* num, uint8_t* is_enable);

// A session of any algorithm; its address is its handle.
enum class SessKind { kComp, kCipher, kDigest, kAead };
struct SessBase {
  explicit SessBase(SessKind k) : kind(k) {}
  virtual ~SessBase() = default;
  SessKind kind;
  void* sched_key = nullptr;  // from sched_init (malloc'ed, freed with free() as UADK does)
  // The session's memory (wd_mem_ops_init): on an SVA device (sva_mode) buffers are the
  // process's VAs as they are; without SVA each buffer must come from `mm` and goes to the
  // device as mm.iova_map gives it.
  wd_mm_ops mm = sva_memory();
  static wd_mm_ops sva_memory() {
    wd_mm_ops m{};
    m.sva_mode = true;
    return m;
  }
};

// wd_mem_ops_init (UADK wd_util.c) for a session of algorithm setting `s`, from its setup's
// `ops` and `mem_type`, judged by the device of the setting's first ctx: SVA, any memory
// (sva_mode); otherwise UADK_MEM_USER takes the user's ops (alloc, free, iova_map, iova_unmap
// and usr all set), UADK_MEM_PROXY a wd_mempool_alloc pool in ops.usr (wd_mem_alloc, _free,
// _map, _unmap), and UADK_MEM_AUTO is refused as UADK refuses it. -WD_EINVAL with a message.
int mem_ops_init(const Call& call, AlgSetting& s, const wd_mm_ops& ops, int mem_type,
                 const char* who, wd_mm_ops* out);
// The device's address for `len` bytes at `va` under the session memory `mm`: va itself in SVA
// mode, else mm.iova_map's (-WD_ENOMEM, naming `what`, when the buffer is not its memory).
int device_addr(const Call& call, const wd_mm_ops& mm, VirtAddr va, uint64_t len, const char* what,
                VirtAddr* out);

// wd_bmm pools by handle (the pool type lives in uadk_bmm.cc).
struct BmmPoolDeleter {
  void operator()(void* p) const;
};
using BmmPoolPtr = std::unique_ptr<void, BmmPoolDeleter>;
// wd.h's SVA mempools and blockpools by handle (types in uadk_bmm.cc).
struct MempoolDeleter {
  void operator()(void* p) const;
};
struct BlockpoolDeleter {
  void operator()(void* p) const;
};
using MempoolPtr = std::unique_ptr<void, MempoolDeleter>;
using BlockpoolPtr = std::unique_ptr<void, BlockpoolDeleter>;

// One ctx of wd_bmm's ctx list (wd_insert_ctx_list, wd_find_ctx).
struct MemCtxNode {
  handle_t ctx = 0;
  std::string alg;
  bool used = false;
};

struct Library {
  std::map<handle_t, std::unique_ptr<WdCtx>> ctxs;  // live ctxs by handle
  AlgSetting comp;
  AlgSetting cipher;
  AlgSetting digest;
  AlgSetting aead;
  std::map<handle_t, std::unique_ptr<SessBase>> sessions;  // live sessions by handle
  std::map<handle_t, void*> ctx_priv;                      // wd_ctx_set_priv
  EnvTable comp_env, cipher_env, digest_env, aead_env;     // the env-init calls' tables
  std::map<void*, BmmPoolPtr> bmm_pools;                   // wd_mempool_alloc
  std::map<handle_t, BlockpoolPtr> blockpools;             // wd_blockpool_create
  std::map<handle_t, MempoolPtr> mempools;                 // wd_mempool_create
  std::vector<MemCtxNode> mem_ctx_list;                    // init2/env ctxs by algorithm
  ~Library();
};

// Registers a new session; returns its handle.
handle_t add_session(Library& lib, std::unique_ptr<SessBase> sess);
// The live session of `kind` behind a handle, or nullptr.
SessBase* find_session(Library& lib, handle_t h, SessKind kind);
void free_session(Library& lib, handle_t h);

// The live ctx behind a handle, or nullptr.
WdCtx* find_ctx(Library& lib, handle_t h);
// wd_request_ctx / wd_release_ctx bodies (init2 uses them too).
handle_t request_ctx(const Call& call, const UacceDeviceInfo& dev);
void release_ctx(const Call& call, handle_t h);
// Usable devices for an algorithm, in discovery order (isolated ones left out).
int list_usable_devices(const Call& call, const std::string& alg,
                        std::vector<UacceDeviceInfo>* out);

// Reads/writes the simulated process's memory through a void* that holds a VA.
inline VirtAddr va_of(const void* p) { return reinterpret_cast<uintptr_t>(p); }

}  // namespace wdsim::rt::uadk
