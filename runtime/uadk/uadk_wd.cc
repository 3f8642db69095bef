// wd.h: device discovery and ctxs (UADK wd.c: wd_get_accel_list, wd_request_ctx, ...).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/include/uadk/wd.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

// The UADK release whose public headers runtime/include/uadk/ follows.
constexpr const char* kUadkApiVersion = "2.10";
// wd_capability.priority of a hardware driver (UADK drv/hisi_*.c: .priority = 100).
constexpr int kHwDriverPriority = 100;

void copy_str(char* dst, size_t cap, const std::string& s) {
  std::strncpy(dst, s.c_str(), cap - 1);
  dst[cap - 1] = '\0';
}

void fill_uacce_dev(const UacceDeviceInfo& info, uacce_dev* dev) {
  std::memset(dev, 0, sizeof(*dev));
  dev->flags = static_cast<int>(info.flags);
  copy_str(dev->api, sizeof(dev->api), info.api);
  std::string algs;
  for (const std::string& a : info.algorithms) algs += a + "\n";
  copy_str(dev->algs, sizeof(dev->algs), algs);
  dev->qfrs_offs[kUacceQfrtMmio] = info.region_mmio_size;
  dev->qfrs_offs[kUacceQfrtDus] = info.region_dus_size;
  copy_str(dev->char_dev_path, sizeof(dev->char_dev_path), info.dev_path());
  copy_str(dev->dev_root, sizeof(dev->dev_root), info.sysfs_dir());
  dev->numa_id = 0;
}

// The device name of a uacce_dev: the last component of char_dev_path.
std::string dev_name_of(const uacce_dev* dev) {
  std::string path(dev->char_dev_path, strnlen(dev->char_dev_path, sizeof(dev->char_dev_path)));
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Reads one integer attribute of a device from sysfs.
int read_dev_attr(const Call& call, const uacce_dev* dev, const char* attr, int64_t* value) {
  std::string text;
  const std::string root(dev->dev_root, strnlen(dev->dev_root, sizeof(dev->dev_root)));
  long r = call.os().read_text(root + "/" + attr, &text);
  if (r < 0) return static_cast<int>(r);
  if (!parse_sysfs_int(text, value)) return -WD_EINVAL;
  return 0;
}

uacce_dev_list* make_list(const std::vector<UacceDeviceInfo>& devs) {
  uacce_dev_list* head = nullptr;
  uacce_dev_list** tail = &head;
  for (const UacceDeviceInfo& info : devs) {
    auto* node = static_cast<uacce_dev_list*>(std::calloc(1, sizeof(uacce_dev_list)));
    auto* dev = static_cast<uacce_dev*>(std::calloc(1, sizeof(uacce_dev)));
    if (!node || !dev) {
      std::free(node);
      std::free(dev);
      wd_free_list_accels(head);
      return nullptr;
    }
    fill_uacce_dev(info, dev);
    node->dev = dev;
    *tail = node;
    tail = &node->next;
  }
  return head;
}

}  // namespace

WdCtx* find_ctx(Library& lib, handle_t h) {
  auto it = lib.ctxs.find(h);
  return it == lib.ctxs.end() ? nullptr : it->second.get();
}

int list_usable_devices(const Call& call, const std::string& alg,
                        std::vector<UacceDeviceInfo>* out) {
  out->clear();
  std::vector<UacceDeviceInfo> all;
  int ret = UacceQueue::list_devices(call.os(), &all);
  // UADK's wd_get_accel_list gives no list when /sys/class/uacce cannot be read; init fails
  // with -WD_ENODEV.
  if (ret < 0) {
    return call.fail(-WD_ENODEV, "no usable device for " + alg + ": cannot list uacce devices (" +
                                     std::to_string(ret) + ")");
  }
  UacceQueueRequest req;
  req.algorithm = alg;
  req.require_sva = false;  // UADK takes devices without SVA too (their sessions need a pool)
  std::string reasons;
  for (const UacceDeviceInfo& dev : all) {
    std::string why;
    if (UacceQueue::usable(dev, req, &why)) {
      out->push_back(dev);
    } else {
      reasons += "; " + why;
    }
  }
  if (out->empty()) return call.fail(-WD_ENODEV, "no usable device for " + alg + reasons);
  return 0;
}

handle_t request_ctx(const Call& call, const UacceDeviceInfo& dev) {
  auto ctx = std::make_unique<WdCtx>();
  ctx->uacce = std::make_unique<UacceQueue>(call.os(), call.proc().config().page_size);
  int ret = ctx->uacce->open_fd(dev);
  if (ret < 0) {
    call.fail(ret, "wd_request_ctx: " + ctx->uacce->last_error());
    return 0;
  }
  ctx->api = dev.api;
  ctx->dev_name = dev.name;
  const handle_t h = reinterpret_cast<handle_t>(ctx.get());
  call.lib().ctxs[h] = std::move(ctx);
  return h;
}

void release_ctx(const Call& call, handle_t h) {
  Library& lib = call.lib();
  WdCtx* ctx = find_ctx(lib, h);
  if (!ctx) return;
  // A ctx released while an algorithm still uses it: forget it there too.
  for (AlgSetting* alg : {&lib.comp, &lib.cipher, &lib.digest, &lib.aead}) {
    for (uint32_t i = 0; i < alg->ctx_num(); ++i) {
      if (alg->entry(i).ctx == ctx) alg->entry(i).ctx = nullptr;
    }
  }
  lib.ctx_priv.erase(h);
  for (QfrMapping& m : ctx->qfr) {
    if (m.va) call.os().munmap(m.va, m.len);
    m = QfrMapping{};
  }
  std::erase_if(lib.mem_ctx_list, [h](const MemCtxNode& n) { return n.ctx == h; });
  call.proc().add_released_lock_wait(ctx->lock.wait_ps());
  ctx->qm.reset();
  ctx->uacce->rebind_os(call.os());
  ctx->uacce->close();
  lib.ctxs.erase(h);
}

}  // namespace wdsim::rt::uadk

using wdsim::rt::UacceDeviceInfo;
using wdsim::rt::UacceQueue;
using wdsim::rt::UacceQueueRequest;
using wdsim::rt::uadk::Call;
using wdsim::rt::uadk::WdCtx;

extern "C" {

handle_t wd_request_ctx(struct uacce_dev* dev) {
  Call call;
  if (!call.bound() || !dev) return 0;
  std::vector<UacceDeviceInfo> all;
  if (UacceQueue::list_devices(call.os(), &all) < 0) return 0;
  const std::string name = wdsim::rt::uadk::dev_name_of(dev);
  for (const UacceDeviceInfo& info : all) {
    if (info.name == name) return wdsim::rt::uadk::request_ctx(call, info);
  }
  call.fail(-WD_ENODEV, "wd_request_ctx: no device " + name);
  return 0;
}

void wd_release_ctx(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return;
  wdsim::rt::uadk::release_ctx(call, h_ctx);
}

int wd_ctx_start(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx) return -WD_EINVAL;
  if (ctx->uacce->started()) return 0;
  ctx->uacce->rebind_os(call.os());
  UacceQueueRequest req;
  int ret = ctx->uacce->start(req);
  return ret < 0 ? call.fail(ret, ctx->uacce->last_error()) : 0;
}

int wd_release_ctx_force(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx) return -WD_EINVAL;
  ctx->qm.reset();
  ctx->uacce->rebind_os(call.os());
  return ctx->uacce->stop();
}

int wd_ctx_wait(handle_t h_ctx, __u16 ms) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx || !ctx->uacce->is_open()) return -WD_EINVAL;
  constexpr wdsim::rt::Picoseconds kPsPerMs = 1000000000ull;
  return call.os().wait_interrupt(ctx->uacce->fd(), kPsPerMs * ms);
}

int wd_is_sva(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx) return -WD_EINVAL;
  return (ctx->uacce->device().flags & wdsim::rt::kUacceDevSva) ? 1 : 0;
}

int wd_get_numa_id(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  return ctx ? ctx->numa_id : -WD_EINVAL;
}

char* wd_ctx_get_api(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return nullptr;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  return ctx ? ctx->api.data() : nullptr;
}

char* wd_ctx_get_dev_name(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return nullptr;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  return ctx ? ctx->dev_name.data() : nullptr;
}

int wd_is_isolate(struct uacce_dev* dev) {
  Call call;
  if (!call.bound() || !dev) return 0;
  int64_t isolate = 0;
  // Older kernels have no "isolate" attribute: not isolated.
  if (wdsim::rt::uadk::read_dev_attr(call, dev, wdsim::rt::kUacceAttrIsolate, &isolate) < 0) {
    return 0;
  }
  return isolate != 0 ? 1 : 0;
}

int wd_get_avail_ctx(struct uacce_dev* dev) {
  Call call;
  if (!call.bound() || !dev) return -WD_EINVAL;
  int64_t n = 0;
  int ret = wdsim::rt::uadk::read_dev_attr(call, dev, wdsim::rt::kUacceAttrAvailableInstances, &n);
  return ret < 0 ? ret : static_cast<int>(n);
}

struct uacce_dev_list* wd_get_accel_list(const char* alg_name) {
  Call call;
  if (!call.bound() || !alg_name) return nullptr;
  std::vector<UacceDeviceInfo> devs;
  if (wdsim::rt::uadk::list_usable_devices(call, alg_name, &devs) < 0) return nullptr;
  return wdsim::rt::uadk::make_list(devs);
}

void wd_free_list_accels(struct uacce_dev_list* list) {
  while (list) {
    uacce_dev_list* next = list->next;
    std::free(list->dev);
    std::free(list);
    list = next;
  }
}

struct uacce_dev* wd_get_accel_dev(const char* alg_name) {
  Call call;
  if (!call.bound() || !alg_name) return nullptr;
  UacceQueueRequest req;
  req.algorithm = alg_name;
  UacceDeviceInfo info;
  std::string why;
  int ret = UacceQueue::pick_device(call.os(), req, &info, &why);
  if (ret < 0) {
    call.fail(ret, why);
    return nullptr;
  }
  auto* dev = static_cast<uacce_dev*>(std::calloc(1, sizeof(uacce_dev)));
  if (dev) wdsim::rt::uadk::fill_uacce_dev(info, dev);
  return dev;
}

struct uacce_dev* wd_find_dev_by_numa(struct uacce_dev_list* list, int numa_id) {
  uacce_dev* best = nullptr;
  int best_avail = 0;
  for (; list; list = list->next) {
    if (!list->dev || (numa_id >= 0 && list->dev->numa_id != numa_id)) continue;
    int avail = wd_get_avail_ctx(list->dev);
    if (avail > best_avail) {
      best = list->dev;
      best_avail = avail;
    }
  }
  return best;
}

int wd_ctx_set_priv(handle_t h_ctx, void* priv) {
  Call call;
  if (!call.bound() || !wdsim::rt::uadk::find_ctx(call.lib(), h_ctx)) return -WD_EINVAL;
  call.lib().ctx_priv[h_ctx] = priv;
  return 0;
}

void* wd_ctx_get_priv(handle_t h_ctx) {
  Call call;
  if (!call.bound()) return nullptr;
  auto it = call.lib().ctx_priv.find(h_ctx);
  return it == call.lib().ctx_priv.end() ? nullptr : it->second;
}

char* wd_get_accel_name(char* dev_path, int no_apdx) {
  if (!dev_path || (no_apdx != 0 && no_apdx != 1)) return nullptr;
  std::string path(dev_path);
  const size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty()) return nullptr;
  if (no_apdx == 1) {
    // "hisi_zip-0" -> "hisi_zip": drop the "-<n>" instance suffix.
    const size_t dash = name.rfind('-');
    if (dash == std::string::npos || dash == 0) return nullptr;
    name.resize(dash);
  }
  char* out = static_cast<char*>(std::malloc(name.size() + 1));
  if (out) std::memcpy(out, name.c_str(), name.size() + 1);
  return out;
}

int wd_ctx_set_io_cmd(handle_t h_ctx, unsigned long cmd, void* arg) {
  Call call;
  if (!call.bound()) return -WD_EINVAL;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx || !ctx->uacce->is_open()) return -WD_EINVAL;
  const long ret = call.os().ioctl(ctx->uacce->fd(), cmd, arg);
  return ret < 0 ? static_cast<int>(ret) : 0;
}

unsigned long wd_ctx_get_region_size(handle_t h_ctx, enum uacce_qfrt qfrt) {
  Call call;
  if (!call.bound()) return 0;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx) return 0;
  if (qfrt == UACCE_QFRT_MMIO) return ctx->uacce->mmio_size();
  if (qfrt == UACCE_QFRT_DUS) return ctx->uacce->dus_size();
  return 0;  // no static-share region: the model's devices all use SVA
}

struct uacce_dev* wd_clone_dev(struct uacce_dev* dev) {
  if (!dev) return nullptr;
  auto* copy = static_cast<uacce_dev*>(std::malloc(sizeof(uacce_dev)));
  if (copy) std::memcpy(copy, dev, sizeof(uacce_dev));
  return copy;
}

void wd_add_dev_to_list(struct uacce_dev_list* head, struct uacce_dev_list* node) {
  if (!head || !node) return;
  while (head->next) head = head->next;
  head->next = node;
}

void wd_get_version(void) {
  std::printf("wdsim UADK-compatible runtime, API of UADK %s\n", wdsim::rt::uadk::kUadkApiVersion);
}

bool wd_need_debug(void) {
  Call call;
  std::string v;
  return call.bound() && call.proc().get_env("WD_LOG_LEVEL", &v) && v == "debug";
}

bool wd_need_info(void) {
  Call call;
  std::string v;
  return call.bound() && call.proc().get_env("WD_LOG_LEVEL", &v) && (v == "debug" || v == "info");
}

void* wd_ctx_mmap_qfr(handle_t h_ctx, enum uacce_qfrt qfrt) {
  Call call;
  if (!call.bound()) return nullptr;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx || !ctx->uacce->is_open() || (qfrt != UACCE_QFRT_MMIO && qfrt != UACCE_QFRT_DUS)) {
    return nullptr;  // no static-share region: the model's devices all use SVA
  }
  // A started queue has both regions mapped already (hisi_qm_alloc_qp did it).
  if (ctx->uacce->started()) {
    return reinterpret_cast<void*>(qfrt == UACCE_QFRT_MMIO ? ctx->uacce->mmio_base()
                                                           : ctx->uacce->dus_base());
  }
  wdsim::rt::uadk::QfrMapping& m = ctx->qfr[qfrt];
  if (m.va) return reinterpret_cast<void*>(m.va);
  m.len = qfrt == UACCE_QFRT_MMIO ? ctx->uacce->mmio_size() : ctx->uacce->dus_size();
  int err = 0;
  m.va = call.os().mmap(ctx->uacce->fd(), m.len, wdsim::rt::kProtRead | wdsim::rt::kProtWrite,
                        uint64_t{qfrt} * call.proc().config().page_size, &err);
  if (m.va == 0) {
    call.fail(err < 0 ? err : -WD_ENOMEM, "wd_ctx_mmap_qfr: mmap failed");
    return nullptr;
  }
  return reinterpret_cast<void*>(m.va);
}

void wd_ctx_unmap_qfr(handle_t h_ctx, enum uacce_qfrt qfrt) {
  Call call;
  if (!call.bound()) return;
  WdCtx* ctx = wdsim::rt::uadk::find_ctx(call.lib(), h_ctx);
  if (!ctx || (qfrt != UACCE_QFRT_MMIO && qfrt != UACCE_QFRT_DUS)) return;
  wdsim::rt::uadk::QfrMapping& m = ctx->qfr[qfrt];
  if (m.va) call.os().munmap(m.va, m.len);
  m = wdsim::rt::uadk::QfrMapping{};
}

struct wd_capability* wd_get_alg_cap(void) {
  Call call;
  if (!call.bound()) return nullptr;
  std::vector<UacceDeviceInfo> devs;
  if (UacceQueue::list_devices(call.os(), &devs) < 0) return nullptr;
  wd_capability* head = nullptr;
  wd_capability** tail = &head;
  std::vector<std::pair<std::string, std::string>> seen;  // (alg, driver), discovery order
  for (const UacceDeviceInfo& d : devs) {
    const size_t dash = d.name.rfind('-');
    const std::string drv = dash == std::string::npos ? d.name : d.name.substr(0, dash);
    for (const std::string& alg : d.algorithms) {
      if (alg.empty() || alg.size() >= CRYPTO_MAX_ALG_NAME || drv.size() >= CRYPTO_MAX_ALG_NAME) {
        continue;
      }
      // A class name of the device's sysfs list (hisi_sec2's cipher/digest/aead) is no
      // algorithm: UADK lists its drivers' algorithms here, the names after it.
      if (alg == "cipher" || alg == "digest" || alg == "aead") continue;
      if (std::find(seen.begin(), seen.end(), std::make_pair(alg, drv)) != seen.end()) continue;
      seen.emplace_back(alg, drv);
      auto* cap = static_cast<wd_capability*>(std::calloc(1, sizeof(wd_capability)));
      if (!cap) {
        wd_release_alg_cap(head);
        return nullptr;
      }
      std::memcpy(cap->alg_name, alg.c_str(), alg.size() + 1);
      std::memcpy(cap->drv_name, drv.c_str(), drv.size() + 1);
      cap->available = true;
      cap->priority = wdsim::rt::uadk::kHwDriverPriority;
      cap->calc_type = UADK_ALG_HW;
      *tail = cap;
      tail = &cap->next;
    }
  }
  return head;
}

void wd_release_alg_cap(struct wd_capability* head) {
  while (head) {
    wd_capability* next = head->next;
    std::free(head);
    head = next;
  }
}

}  // extern "C"
