// wd_bmm.h: a block memory pool (UADK wd_bmm.c) over one anonymous mapping of the simulated
// process, or over memory from the user's wd_mm_ops. The free list and counters are the
// library's own bookkeeping (host memory); the blocks are the simulated process's memory,
// handed out as virtual addresses cast to pointers, as every buffer of this API.
#include <string>
#include <vector>

#include "runtime/include/uadk/wd_bmm.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

// Alignment of each block when setup->align_size is 0 (UADK's default block alignment).
constexpr uint32_t kDefaultBlockAlign = 8;

struct BmmPool {
  VirtAddr base = 0;         // first block
  uint64_t map_len = 0;      // bytes mapped (0 when the memory is the user's)
  uint32_t block_size = 0;   // as asked
  uint32_t block_stride = 0; // block_size rounded up to the alignment
  uint32_t block_num = 0;
  std::vector<uint32_t> free_list;  // block indexes, taken from the back
  std::vector<bool> taken;
  uint32_t fail_num = 0;
  uint32_t dev_id = 0;
  wd_mm_ops ops{};  // the user's memory (ops.alloc set) or none
  void* user_mem = nullptr;
};

bool is_pow2(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

// The instance number of a device name ("hisi_sec2-3" -> 3), 0 when it has none.
uint32_t dev_id_of(const std::string& name) {
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos) return 0;
  uint32_t id = 0;
  for (size_t i = dash + 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    id = id * 10 + static_cast<uint32_t>(name[i] - '0');
  }
  return id;
}

BmmPool* pool_of(Library& lib, void* pool) {
  auto it = lib.bmm_pools.find(pool);
  return it == lib.bmm_pools.end() ? nullptr : static_cast<BmmPool*>(it->second.get());
}

// The block index of a pointer into the pool, or -1.
int64_t block_of(const BmmPool& p, const void* buf) {
  const VirtAddr va = va_of(buf);
  if (va < p.base || va >= p.base + uint64_t{p.block_stride} * p.block_num) return -1;
  if ((va - p.base) % p.block_stride != 0) return -1;
  return static_cast<int64_t>((va - p.base) / p.block_stride);
}

}  // namespace

void BmmPoolDeleter::operator()(void* p) const { delete static_cast<BmmPool*>(p); }

}  // namespace wdsim::rt::uadk

namespace u = wdsim::rt::uadk;

extern "C" {

void* wd_mempool_alloc(handle_t h_ctx, struct wd_mempool_setup* setup) {
  u::Call call;
  if (!call.bound() || !setup) return nullptr;
  const uint32_t align = setup->align_size ? setup->align_size : u::kDefaultBlockAlign;
  if (setup->block_size == 0 || setup->block_num == 0 || !u::is_pow2(align)) {
    call.fail(-WD_EINVAL, "wd_mempool_alloc: block_size, block_num or align_size invalid");
    return nullptr;
  }
  u::WdCtx* ctx = h_ctx ? u::find_ctx(call.lib(), h_ctx) : nullptr;
  if (h_ctx && !ctx) {
    call.fail(-WD_EINVAL, "wd_mempool_alloc: not a ctx");
    return nullptr;
  }
  auto pool = std::make_unique<u::BmmPool>();
  pool->block_size = setup->block_size;
  pool->block_stride = (setup->block_size + align - 1) & ~(align - 1);
  pool->block_num = setup->block_num;
  pool->dev_id = ctx ? u::dev_id_of(ctx->dev_name) : 0;
  const uint64_t bytes = uint64_t{pool->block_stride} * pool->block_num + align;
  if (setup->ops.alloc) {
    if (!setup->ops.free) {
      call.fail(-WD_EINVAL, "wd_mempool_alloc: ops.alloc without ops.free");
      return nullptr;
    }
    pool->ops = setup->ops;
    call.rebind();
    pool->user_mem = setup->ops.alloc(setup->ops.usr, bytes);
    if (!pool->user_mem) {
      call.fail(-WD_ENOMEM, "wd_mempool_alloc: ops.alloc failed");
      return nullptr;
    }
    const wdsim::rt::VirtAddr va = u::va_of(pool->user_mem);
    pool->base = (va + align - 1) & ~static_cast<wdsim::rt::VirtAddr>(align - 1);
  } else {
    const uint64_t page = call.proc().config().page_size;
    pool->map_len = (bytes + page - 1) / page * page;
    int err = 0;
    pool->base = call.os().mmap(-1, pool->map_len, wdsim::rt::kProtRead | wdsim::rt::kProtWrite,
                                0, &err);
    if (pool->base == 0) {
      call.fail(err < 0 ? err : -WD_ENOMEM, "wd_mempool_alloc: cannot map the pool");
      return nullptr;
    }
  }
  pool->taken.assign(pool->block_num, false);
  for (uint32_t i = pool->block_num; i > 0; --i) pool->free_list.push_back(i - 1);
  void* handle = pool.get();
  call.lib().bmm_pools[handle] = u::BmmPoolPtr(pool.release());
  return handle;
}

void wd_mempool_free(handle_t /*h_ctx*/, void* pool) {
  u::Call call;
  if (!call.bound()) return;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  if (!p) return;
  if (p->map_len) call.os().munmap(p->base, p->map_len);
  if (p->user_mem) {
    call.rebind();
    p->ops.free(p->ops.usr, p->user_mem);
  }
  call.lib().bmm_pools.erase(pool);
}

void* wd_mem_alloc(void* pool, size_t size) {
  u::Call call;
  if (!call.bound()) return nullptr;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  if (!p || size == 0 || size > p->block_size) return nullptr;
  if (p->free_list.empty()) {
    ++p->fail_num;
    return nullptr;
  }
  const uint32_t i = p->free_list.back();
  p->free_list.pop_back();
  p->taken[i] = true;
  return reinterpret_cast<void*>(p->base + uint64_t{p->block_stride} * i);
}

void wd_mem_free(void* pool, void* buf) {
  u::Call call;
  if (!call.bound()) return;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  if (!p) return;
  const int64_t i = u::block_of(*p, buf);
  if (i < 0 || !p->taken[i]) {
    call.fail(-WD_EINVAL, "wd_mem_free: not a taken block of the pool");
    return;
  }
  p->taken[i] = false;
  p->free_list.push_back(static_cast<uint32_t>(i));
}

void* wd_mem_map(void* pool, void* buf, size_t sz) {
  u::Call call;
  if (!call.bound()) return nullptr;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  if (!p || !buf) return nullptr;
  const wdsim::rt::VirtAddr va = u::va_of(buf);
  if (va < p->base || va + sz > p->base + uint64_t{p->block_stride} * p->block_num) {
    return nullptr;
  }
  if (p->ops.iova_map) {
    call.rebind();
    return p->ops.iova_map(p->ops.usr, buf, sz);
  }
  return buf;  // the device reaches the process's VAs through the SMMU
}

void wd_mem_unmap(void* pool, void* buf_dma, void* buf, size_t sz) {
  u::Call call;
  if (!call.bound()) return;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  if (p && p->ops.iova_unmap) {
    call.rebind();
    p->ops.iova_unmap(p->ops.usr, buf, buf_dma, sz);
  }
}

int wd_get_free_num(void* pool, __u32* free_num) {
  u::Call call;
  if (!call.bound() || !free_num) return -WD_EINVAL;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  if (!p) return -WD_EINVAL;
  *free_num = static_cast<__u32>(p->free_list.size());
  return 0;
}

int wd_get_fail_num(void* pool, __u32* fail_num) {
  u::Call call;
  if (!call.bound() || !fail_num) return -WD_EINVAL;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  if (!p) return -WD_EINVAL;
  *fail_num = p->fail_num;
  return 0;
}

__u32 wd_get_bufsize(void* pool) {
  u::Call call;
  if (!call.bound()) return 0;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  return p ? p->block_size : 0;
}

__u32 wd_get_dev_id(void* pool) {
  u::Call call;
  if (!call.bound()) return 0;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  return p ? p->dev_id : 0;
}

}  // extern "C"
