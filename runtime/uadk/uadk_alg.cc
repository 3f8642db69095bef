// AlgSetting: what UADK's wd_comp.c / wd_cipher.c / wd_digest.c share through wd_util.c
// (wd_init_ctx_config, wd_init_sched, wd_init_async_request_pool, wd_handle_msg_sync,
// wd_check_ctx, wd_alg_try_init) and the hisi drivers' init (hisi_qm_alloc_qp per ctx).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

// wd_set_epoll_en: unset or empty = off, "0"/"1", anything else is an error.
int read_epoll_en(const Call& call, const char* var, bool* on) {
  std::string value;
  *on = false;
  if (!call.proc().get_env(var, &value) || value.empty()) return 0;
  if (value == "0") return 0;
  if (value == "1") {
    *on = true;
    return 0;
  }
  return call.fail(-WD_EINVAL, std::string(var) + "=" + value + " is not 0 or 1");
}

}  // namespace

int AlgSetting::start_ctxs(const Call& call) {
  for (size_t i = 0; i < ctxs_.size(); ++i) {
    CtxEntry& e = ctxs_[i];
    WdCtx* ctx = e.ctx;
    ctx->uacce->rebind_os(call.os());
    UacceQueueRequest req;
    req.qc_type = traits_.qc_type_of(e.op_type);
    req.default_sqe_size = traits_.sqe_size;
    int ret = ctx->uacce->start(req);
    if (ret < 0)
      return call.fail(ret, std::string("wd_") + traits_.name + "_init: ctx " + std::to_string(i) +
                                ": " + ctx->uacce->last_error());
    if (ctx->uacce->qp_info().sqe_size != traits_.sqe_size) {
      return call.fail(-WD_EINVAL, std::string("wd_") + traits_.name + "_init: ctx " +
                                       std::to_string(i) + ": sqe_size " +
                                       std::to_string(ctx->uacce->qp_info().sqe_size));
    }
    ctx->qm = std::make_unique<HisiQmQueue>(call.os(), call.proc().config().costs);
    HisiQmQueueConfig qcfg;
    qcfg.interrupt_mode = epoll_en_;
    ret = ctx->qm->attach(*ctx->uacce, qcfg);
    if (ret < 0) {
      std::string why = ctx->qm->last_error();
      ctx->qm.reset();
      return call.fail(
          ret, std::string("wd_") + traits_.name + "_init: ctx " + std::to_string(i) + ": " + why);
    }
    // The async message pool: wd_ctx_config.cap->ctx_msg_num messages when given (at most the
    // queue depth: a message is an SQE in flight), else one per SQ slot.
    const uint32_t depth = ctx->qm->sq_depth();
    e.pool.assign(ctx_msg_num_ ? std::min(ctx_msg_num_, depth) : depth, AsyncSlot{});
    e.pool_next = 0;
  }
  return 0;
}

void AlgSetting::stop_ctxs(const Call& call) {
  for (CtxEntry& e : ctxs_) {
    if (!e.ctx) continue;
    e.ctx->qm.reset();
    e.ctx->uacce->rebind_os(call.os());
    e.ctx->uacce->stop();
  }
}

int AlgSetting::begin_init(const Call& call, const std::string& fn) {
  if (initing_) {
    if (!init_wait_) init_wait_ = call.os().new_wait_point();
    uint64_t polls = 0;
    if (!call.os().spin_until(
            init_wait_.get(), [this] { return !initing_; }, kInitSleepPs, kInitRetryTimeoutPs,
            &polls)) {
      return call.fail(-WD_ETIMEDOUT, fn + ": another thread's initialisation did not end");
    }
  }
  if (inited_) return call.fail(-WD_EEXIST, fn + ": already initialised");
  initing_ = true;
  return 0;
}

void AlgSetting::end_init() {
  initing_ = false;
  if (init_wait_) init_wait_->notify();
}

int AlgSetting::init(const Call& call, const AlgTraits& traits, const wd_ctx_config* config,
                     const wd_sched* sched) {
  const std::string fn = std::string("wd_") + traits.name + "_init";
  if (!call.bound()) return -WD_EINVAL;
  if (const int ret = begin_init(call, fn); ret < 0) return ret;
  const int ret = init_ctxs(call, traits, fn, config, sched);
  end_init();
  return ret;
}

int AlgSetting::init_ctxs(const Call& call, const AlgTraits& traits, const std::string& fn,
                          const wd_ctx_config* config, const wd_sched* sched) {
  if (!config || !config->ctxs || config->ctx_num == 0) {
    return call.fail(-WD_EINVAL, fn + ": no ctxs");
  }
  if (!sched || !sched->pick_next_ctx || !sched->sched_init) {
    return call.fail(-WD_EINVAL, fn + ": incomplete scheduler");
  }
  traits_ = traits;
  int ret = read_epoll_en(call, traits.epoll_env, &epoll_en_);
  if (ret < 0) return ret;
  ctx_msg_num_ = config->cap ? config->cap->ctx_msg_num : 0;
  std::vector<CtxEntry> entries;
  for (uint32_t i = 0; i < config->ctx_num; ++i) {
    const wd_ctx& c = config->ctxs[i];
    WdCtx* ctx = find_ctx(call.lib(), c.ctx);
    if (!ctx) return call.fail(-WD_EINVAL, fn + ": ctx " + std::to_string(i) + " is not a ctx");
    if (c.ctx_mode >= CTX_MODE_MAX || c.op_type >= traits.op_type_num) {
      return call.fail(-WD_EINVAL, fn + ": ctx " + std::to_string(i) + " has a bad mode/type");
    }
    if (ctx->qm || ctx->uacce->started()) {
      return call.fail(-WD_EEXIST, fn + ": ctx " + std::to_string(i) + " is already in use");
    }
    for (const CtxEntry& e : entries) {
      if (e.ctx == ctx) return call.fail(-WD_EEXIST, fn + ": ctx listed twice");
    }
    CtxEntry e;
    e.ctx = ctx;
    e.handle = c.ctx;
    e.op_type = c.op_type;
    e.ctx_mode = c.ctx_mode;
    entries.push_back(std::move(e));
  }
  ctxs_ = std::move(entries);
  ret = start_ctxs(call);
  if (ret < 0) {
    stop_ctxs(call);
    ctxs_.clear();
    return ret;
  }
  sched_ = *sched;
  inited_ = true;
  return 0;
}

int AlgSetting::init2(const Call& call, const AlgTraits& traits, const char* alg,
                      uint32_t sched_type, int task_type, const wd_ctx_params* params,
                      int (*poll_ctx)(uint32_t, uint32_t, uint32_t*)) {
  const std::string fn = std::string("wd_") + traits.name + "_init2";
  if (!call.bound()) return -WD_EINVAL;
  if (const int ret = begin_init(call, fn); ret < 0) return ret;
  const int ret = init2_body(call, traits, fn, alg, sched_type, task_type, params, poll_ctx);
  end_init();
  return ret;
}

int AlgSetting::init2_body(const Call& call, const AlgTraits& traits, const std::string& fn,
                           const char* alg, uint32_t sched_type, int task_type,
                           const wd_ctx_params* params,
                           int (*poll_ctx)(uint32_t, uint32_t, uint32_t*)) {
  if (!alg || sched_type >= SCHED_POLICY_BUTT || task_type < 0 || task_type >= TASK_MAX_TYPE) {
    return call.fail(-WD_EINVAL, fn + ": bad parameters");
  }
  if (task_type == TASK_INSTR) return call.fail(-WD_EINVAL, fn + ": no instruction driver");
  // ctx numbers per op type: from params, else one sync and one async ctx per type.
  std::vector<wd_ctx_nums> nums(traits.op_type_num, wd_ctx_nums{1, 1});
  if (params && params->ctx_set_num) {
    if (params->op_type_num == 0 || params->op_type_num > traits.op_type_num) {
      return call.fail(-WD_EINVAL, fn + ": op_type_num " + std::to_string(params->op_type_num));
    }
    for (uint32_t t = 0; t < traits.op_type_num; ++t) {
      nums[t] = t < params->op_type_num ? params->ctx_set_num[t] : wd_ctx_nums{0, 0};
    }
  }
  return init_with_nums(call, traits, fn, alg, sched_type, nums, nullptr,
                        params ? params->cap : nullptr, poll_ctx);
}

int AlgSetting::init_env(const Call& call, const AlgTraits& traits, const char* alg,
                         const std::vector<wd_ctx_nums>& nums, wd_sched* user_sched,
                         int (*poll_ctx)(uint32_t, uint32_t, uint32_t*)) {
  const std::string fn = std::string("wd_") + traits.name + "_env_init";
  if (!call.bound()) return -WD_EINVAL;
  if (const int ret = begin_init(call, fn); ret < 0) return ret;
  const int ret = nums.size() != traits.op_type_num
                      ? call.fail(-WD_EINVAL, fn + ": bad ctx numbers")
                      : init_with_nums(call, traits, fn, alg, SCHED_POLICY_RR, nums, user_sched,
                                       nullptr, poll_ctx);
  end_init();
  return ret;
}

int AlgSetting::init_with_nums(const Call& call, const AlgTraits& traits, const std::string& fn,
                               const char* alg, uint32_t sched_type,
                               const std::vector<wd_ctx_nums>& nums, wd_sched* user_sched,
                               wd_cap_config* cap, int (*poll_ctx)(uint32_t, uint32_t, uint32_t*)) {
  uint32_t total = 0;
  for (const wd_ctx_nums& n : nums) total += n.sync_ctx_num + n.async_ctx_num;
  if (total == 0) return call.fail(-WD_EINVAL, fn + ": no ctxs asked for");
  std::vector<UacceDeviceInfo> devs;
  int ret = list_usable_devices(call, alg, &devs);
  if (ret < 0) return ret;

  // Request the ctxs type by type, sync then async (wd_ctx_param_init order), each from the
  // device with the most available instances left (devices in discovery order on ties).
  std::vector<wd_ctx> ctxs;
  auto release_all = [&] {
    for (const wd_ctx& c : ctxs) release_ctx(call, c.ctx);
  };
  std::vector<int64_t> avail;
  for (const UacceDeviceInfo& d : devs) avail.push_back(d.available_instances);
  for (uint8_t t = 0; t < traits.op_type_num; ++t) {
    for (uint8_t mode = 0; mode < CTX_MODE_MAX; ++mode) {
      const uint32_t n = mode == CTX_MODE_SYNC ? nums[t].sync_ctx_num : nums[t].async_ctx_num;
      for (uint32_t k = 0; k < n; ++k) {
        size_t best = 0;
        for (size_t d = 1; d < devs.size(); ++d) {
          if (avail[d] > avail[best]) best = d;
        }
        if (avail[best] <= 0) {
          release_all();
          return call.fail(-WD_EBUSY, fn + ": not enough available ctxs for " + alg);
        }
        handle_t h = request_ctx(call, devs[best]);
        if (!h) {
          release_all();
          return -WD_EBUSY;
        }
        --avail[best];
        ctxs.push_back(wd_ctx{h, t, mode});
      }
    }
  }
  wd_sched* sched = user_sched ? user_sched
                               : wd_sched_rr_alloc(static_cast<uint8_t>(sched_type),
                                                   traits.op_type_num, 1, poll_ctx);
  if (!sched) {
    release_all();
    return call.fail(-WD_EINVAL, fn + ": cannot allocate the scheduler");
  }
  // One region per (mode, type): the ctxs were requested grouped that way.
  uint32_t pos = 0;
  for (uint8_t t = 0; t < traits.op_type_num && !user_sched; ++t) {
    for (uint8_t mode = 0; mode < CTX_MODE_MAX; ++mode) {
      const uint32_t n = mode == CTX_MODE_SYNC ? nums[t].sync_ctx_num : nums[t].async_ctx_num;
      if (n == 0) continue;
      sched_params p{0, t, mode, pos, pos + n - 1, 0};
      wd_sched_rr_instance(sched, &p);
      pos += n;
    }
  }
  wd_ctx_config config{static_cast<uint32_t>(ctxs.size()), ctxs.data(), nullptr, cap};
  ret = init_ctxs(call, traits, fn, &config, sched);
  if (ret < 0) {
    if (!user_sched) wd_sched_rr_release(sched);
    release_all();
    return ret;
  }
  from_init2_ = true;
  own_sched_ = user_sched ? nullptr : sched;
  // The ctxs wd_find_ctx hands to a no-SVA program's wd_mempool_alloc (UADK wd_alg_attrs_init).
  for (const wd_ctx& c : ctxs) call.lib().mem_ctx_list.push_back(MemCtxNode{c.ctx, alg, false});
  for (const wd_ctx& c : ctxs) own_ctxs_.push_back(c.ctx);
  return 0;
}

AlgSetting::~AlgSetting() { wd_sched_rr_release(own_sched_); }

void AlgSetting::uninit(const Call& call) {
  if (!inited_ || !call.bound()) return;
  stop_ctxs(call);
  ctxs_.clear();
  sched_ = wd_sched{};
  if (from_init2_) {
    for (handle_t h : own_ctxs_) release_ctx(call, h);
    wd_sched_rr_release(own_sched_);
  }
  own_ctxs_.clear();
  own_sched_ = nullptr;
  from_init2_ = false;
  epoll_en_ = false;
  ctx_msg_num_ = 0;
  inited_ = false;
}

int AlgSetting::check_ctx(const Call& call, uint32_t idx, uint8_t mode) {
  if (idx >= ctxs_.size()) {
    return call.fail(-WD_EINVAL, std::string("wd_") + traits_.name + ": ctx index " +
                                     std::to_string(idx) + " out of range");
  }
  const CtxEntry& e = ctxs_[idx];
  if (!e.ctx || !e.ctx->qm) {
    return call.fail(-WD_EINVAL, std::string("wd_") + traits_.name + ": ctx " +
                                     std::to_string(idx) + " was released");
  }
  if (e.ctx_mode != mode) {
    return call.fail(-WD_EINVAL, std::string("wd_") + traits_.name + ": ctx " +
                                     std::to_string(idx) + " is not in " +
                                     (mode == CTX_MODE_SYNC ? "sync" : "async") + " mode");
  }
  return 0;
}

int AlgSetting::sync_request(const Call& call, uint32_t idx, const void* sqe, void* resp) {
  WdCtx* ctx = ctxs_[idx].ctx;
  HisiQmQueue& q = *ctx->qm;
  const UserDriverCosts& costs = call.proc().config().costs;
  const Picoseconds timeout = ns_to_ps(costs.sync_timeout_us * 1000.0);
  if (!ctx->lock.lock(call.os(), ns_to_ps(costs.lock_spin_ns), 2 * timeout,
                      ns_to_ps(costs.lock_handoff_ns))) {
    return call.fail(-WD_ETIMEDOUT, "sync ctx lock not released");
  }
  SyncRequestRecord rec;
  rec.device = ctx->dev_name;
  rec.qp_id = q.qp_id();
  rec.sqe_index = q.sq_tail();
  uint16_t sent = 0;
  int ret = q.send(call.os(), sqe, 1, &sent);
  if (ret < 0) {
    ctx->lock.unlock();
    return call.fail(ret, std::string("send: ") + q.last_error());
  }
  rec.doorbell_ps = q.last_sq_doorbell_ps();
  uint16_t got = 0;
  ret = q.wait_and_recv(call.os(), resp, 1, &got, timeout);
  rec.completion_seen_ps = call.os().now();
  call.proc().record_sync_request(&call.os(), rec);
  ctx->lock.unlock();
  if (ret == -ETIMEDOUT) {
    return call.fail(ret, std::string("receive: ") + q.last_error() +
                              " (the sync request timeout, sync_timeout_us)");
  }
  if (ret < 0) return call.fail(ret, std::string("receive: ") + q.last_error());
  return 0;
}

int AlgSetting::take_slot(const Call& call, uint32_t idx, void* req, uint32_t* tag) {
  CtxEntry& e = ctxs_[idx];
  const uint32_t n = static_cast<uint32_t>(e.pool.size());
  for (uint32_t k = 0; k < n; ++k) {
    const uint32_t i = (e.pool_next + k) % n;
    if (!e.pool[i].used) {
      e.pool[i] = AsyncSlot{};
      e.pool[i].used = true;
      e.pool[i].req = req;
      e.pool_next = (i + 1) % n;
      *tag = i;
      return 0;
    }
  }
  return call.fail(-WD_EBUSY, "async request pool of ctx " + std::to_string(idx) + " is full");
}

void AlgSetting::put_slot(uint32_t idx, uint32_t tag) {
  if (idx < ctxs_.size() && tag < ctxs_[idx].pool.size()) ctxs_[idx].pool[tag].used = false;
}

AsyncSlot* AlgSetting::slot(uint32_t idx, uint32_t tag) {
  if (idx >= ctxs_.size() || tag >= ctxs_[idx].pool.size()) return nullptr;
  AsyncSlot* s = &ctxs_[idx].pool[tag];
  return s->used ? s : nullptr;
}

int AlgSetting::send(const Call& call, uint32_t idx, const void* sqe) {
  HisiQmQueue& q = *ctxs_[idx].ctx->qm;
  uint16_t sent = 0;
  int ret = q.send(call.os(), sqe, 1, &sent);
  if (ret < 0) return call.fail(ret, std::string("send: ") + q.last_error());
  return 0;
}

int AlgSetting::recv_one(const Call& call, uint32_t idx, void* resp) {
  HisiQmQueue& q = *ctxs_[idx].ctx->qm;
  uint16_t got = 0;
  int ret = q.recv(call.os(), resp, 1, &got);
  if (ret == -WD_EAGAIN) return ret;
  if (ret == -ETIMEDOUT) {
    return call.fail(ret, std::string("receive: ") + q.last_error() +
                              " (the sync request timeout, sync_timeout_us)");
  }
  if (ret < 0) return call.fail(ret, std::string("receive: ") + q.last_error());
  return 0;
}

}  // namespace wdsim::rt::uadk
