// wd_sched.h: UADK's sample round-robin scheduler (wd_sched.c: wd_sched_rr_alloc,
// wd_sched_rr_instance, session_sched_init / pick_next_ctx / poll_policy). Regions are
// indexed NUMA -> mode (sync/async) -> op type -> [begin, end]; a session takes the next ctx
// of its sync and its async region round robin when it is created, and keeps them.
#include <cstdlib>
#include <vector>

#include "runtime/include/uadk/wd_sched.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

constexpr int kSchedModeNum = 2;  // SCHED_MODE_SYNC, SCHED_MODE_ASYNC
// NUMA regions a scheduler may have (UADK wd_sched.c MAX_NUMA_NUM).
constexpr uint16_t kMaxNumaNum = 4;
// Passes poll_policy makes over the async regions before giving up (UADK MAX_POLL_TIMES).
constexpr uint32_t kMaxPollTimes = 1000;

struct SchedRegion {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t last = 0;
  bool valid = false;
};

struct SchedCtx {
  uint32_t policy = SCHED_POLICY_RR;
  uint32_t type_num = 0;
  uint16_t numa_num = 0;
  user_poll_func poll_func = nullptr;
  // [numa][mode][type]
  std::vector<std::vector<std::vector<SchedRegion>>> regions;
  std::vector<bool> numa_valid;
};

// The scheduling key a session carries (malloc'ed: sessions free it with free()).
struct SchedKey {
  int numa_id;
  uint8_t type;
  uint8_t mode;
  uint32_t sync_ctxid;
  uint32_t async_ctxid;
};

SchedRegion* region_of(SchedCtx* s, const SchedKey& key, uint8_t mode) {
  if (key.numa_id >= 0 && key.numa_id < s->numa_num && key.type < s->type_num) {
    SchedRegion& r = s->regions[key.numa_id][mode][key.type];
    if (r.valid) return &r;
  }
  // The key's NUMA node has no region: the first valid one of this mode and type, then any.
  for (uint16_t n = 0; n < s->numa_num; ++n) {
    if (key.type < s->type_num && s->regions[n][mode][key.type].valid) {
      return &s->regions[n][mode][key.type];
    }
  }
  return nullptr;
}

// sched_get_next_pos_rr.
uint32_t next_pos_rr(SchedRegion* r) {
  const uint32_t pos = r->last;
  if (pos < r->end) {
    r->last++;
  } else {
    r->last = r->begin;
  }
  return pos;
}

uint32_t init_ctx(SchedCtx* s, SchedKey* key, uint8_t mode) {
  if (s->policy == SCHED_POLICY_NONE) return 0;
  SchedRegion* r = region_of(s, *key, mode);
  if (!r) return INVALID_POS;
  if (s->policy == SCHED_POLICY_SINGLE) return r->begin;
  return next_pos_rr(r);
}

handle_t sched_init(handle_t h_sched_ctx, void* sched_param) {
  auto* s = reinterpret_cast<SchedCtx*>(h_sched_ctx);
  auto* key = static_cast<SchedKey*>(std::calloc(1, sizeof(SchedKey)));
  if (!s || !key) {
    std::free(key);
    return static_cast<handle_t>(-WD_ENOMEM);
  }
  const auto* param = static_cast<const sched_params*>(sched_param);
  key->type = param ? param->type : 0;
  // No parameters or no NUMA node given: the nearest node with ctxs (the model has one).
  key->numa_id = (param && param->numa_id >= 0) ? param->numa_id : -1;
  if (key->numa_id < 0) {
    for (uint16_t n = 0; n < s->numa_num; ++n) {
      if (s->numa_valid[n]) {
        key->numa_id = n;
        break;
      }
    }
  }
  key->sync_ctxid = init_ctx(s, key, CTX_MODE_SYNC);
  key->async_ctxid = init_ctx(s, key, CTX_MODE_ASYNC);
  return reinterpret_cast<handle_t>(key);
}

uint32_t pick_next_ctx(handle_t h_sched_ctx, void* sched_key, const int sched_mode) {
  auto* key = static_cast<SchedKey*>(sched_key);
  if (!h_sched_ctx || !key) return INVALID_POS;
  return sched_mode == CTX_MODE_SYNC ? key->sync_ctxid : key->async_ctxid;
}

int poll_region(const Call& call, SchedCtx* s, uint32_t begin, uint32_t end, uint32_t expect,
                uint32_t* count) {
  for (uint32_t i = begin; i <= end; ++i) {
    uint32_t polled = 0;
    call.rebind();
    int ret = s->poll_func(i, 1, &polled);
    if (ret == -WD_EAGAIN) continue;
    if (ret < 0) return ret;
    *count += polled;
    if (*count == expect) break;
  }
  return 0;
}

int poll_policy(handle_t h_sched_ctx, uint32_t expect, uint32_t* count) {
  Call call;
  auto* s = reinterpret_cast<SchedCtx*>(h_sched_ctx);
  if (!s || !count || !s->poll_func) return -WD_EINVAL;
  if (s->policy != SCHED_POLICY_RR) {
    uint32_t polled = 0;
    call.rebind();
    int ret = s->poll_func(0, expect, &polled);
    *count += polled;
    return ret == -WD_EAGAIN ? 0 : ret;
  }
  for (uint32_t loop = 1; loop < kMaxPollTimes; ++loop) {
    for (uint16_t n = 0; n < s->numa_num;) {
      if (!s->numa_valid[n]) {
        ++n;
        continue;
      }
      const uint32_t before = *count;
      for (uint32_t t = 0; t < s->type_num; ++t) {
        const SchedRegion& r = s->regions[n][CTX_MODE_ASYNC][t];
        if (!r.valid) continue;
        int ret = poll_region(call, s, r.begin, r.end, expect, count);
        if (ret < 0) return ret;
      }
      if (*count == expect) return 0;
      // Nothing here this pass: try the next node; otherwise keep draining this one.
      if (*count == before) ++n;
    }
  }
  return 0;
}

}  // namespace
}  // namespace wdsim::rt::uadk

using wdsim::rt::uadk::SchedCtx;
using wdsim::rt::uadk::SchedRegion;

extern "C" {

int wd_sched_rr_instance(const struct wd_sched* sched, struct sched_params* param) {
  if (!sched || !sched->h_sched_ctx || !param) return -WD_EINVAL;
  auto* s = reinterpret_cast<SchedCtx*>(sched->h_sched_ctx);
  if (param->begin > param->end) return -WD_EINVAL;
  if (param->numa_id < 0 || param->numa_id >= s->numa_num) return -WD_EINVAL;
  if (param->type >= s->type_num || param->mode >= wdsim::rt::uadk::kSchedModeNum) {
    return -WD_EINVAL;
  }
  SchedRegion& r = s->regions[param->numa_id][param->mode][param->type];
  r.begin = param->begin;
  r.end = param->end;
  r.last = param->begin;
  r.valid = true;
  s->numa_valid[param->numa_id] = true;
  return 0;
}

struct wd_sched* wd_sched_rr_alloc(__u8 sched_type, __u8 type_num, __u16 numa_num,
                                   user_poll_func func) {
  // SCHED_POLICY_DEV (ctxs by sched_params.dev_id) is not provided.
  if (sched_type >= SCHED_POLICY_BUTT || sched_type == SCHED_POLICY_DEV || type_num == 0) {
    return nullptr;
  }
  if (numa_num == 0 || numa_num > wdsim::rt::uadk::kMaxNumaNum) return nullptr;
  auto* s = new SchedCtx;
  s->policy = sched_type;
  s->type_num = type_num;
  s->numa_num = numa_num;
  s->poll_func = func;
  s->regions.assign(numa_num,
                    std::vector<std::vector<SchedRegion>>(wdsim::rt::uadk::kSchedModeNum,
                                                          std::vector<SchedRegion>(type_num)));
  s->numa_valid.assign(numa_num, false);
  auto* sched = new wd_sched{};
  sched->name = sched_type == SCHED_POLICY_RR ? "RR scheduler" : "simple scheduler";
  sched->sched_policy = sched_type;
  sched->sched_init = wdsim::rt::uadk::sched_init;
  sched->pick_next_ctx = wdsim::rt::uadk::pick_next_ctx;
  sched->poll_policy = wdsim::rt::uadk::poll_policy;
  sched->h_sched_ctx = reinterpret_cast<handle_t>(s);
  return sched;
}

void wd_sched_rr_release(struct wd_sched* sched) {
  if (!sched) return;
  delete reinterpret_cast<SchedCtx*>(sched->h_sched_ctx);
  delete sched;
}

}  // extern "C"
