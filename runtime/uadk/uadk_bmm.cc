// wd_bmm.h: a block memory pool (UADK wd_bmm.c) over one anonymous mapping of the simulated
// process, over memory from the user's wd_mm_ops, or, on a ctx of a device without SVA, over
// the ctx's static share region (UADK's "wd reserve memory": mmap of UACCE_QFRT_SS on the ctx's
// fd, then UACCE_CMD_GET_SS_DMA for each slice's DMA address), whose blocks wd_mem_map turns
// into DMA addresses. The free list and counters are the library's own bookkeeping (host
// memory); the blocks are the simulated process's memory, handed out as virtual addresses cast
// to pointers, as every buffer of this API. Also wd_mem_ops_init (the sessions' memory).
// Also wd.h's SVA mempool / blockpool (UADK wd_mempool.c): a mempool of 4 KiB blocks, one
// blockpool per mempool on a contiguous run of them.
#include <string>
#include <vector>

#include "formats/uacce/uacce.h"
#include "runtime/include/uadk/wd_bmm.h"
#include "runtime/uadk/uadk_internal.h"

namespace wdsim::rt::uadk {

namespace {

// Alignment of each block when setup->align_size is 0 (UADK's default block alignment).
constexpr uint32_t kDefaultBlockAlign = 8;

struct BmmPool {
  VirtAddr base = 0;          // first block
  VirtAddr map_va = 0;        // the mapping (anonymous or the static share region)
  uint64_t map_len = 0;       // bytes mapped (0 when the memory is the user's)
  uint32_t block_size = 0;    // as asked
  uint32_t block_stride = 0;  // block_size rounded up to the alignment
  uint32_t block_num = 0;
  std::vector<uint32_t> free_list;  // block indexes, taken from the back
  std::vector<bool> taken;
  uint32_t fail_num = 0;
  uint32_t dev_id = 0;
  wd_mm_ops ops{};  // the user's memory (ops.alloc set) or none
  void* user_mem = nullptr;
  // The static share region (a ctx without SVA): its slices, VA to DMA address.
  struct Slice {
    VirtAddr va = 0;
    uint64_t dma = 0;
    uint64_t size = 0;
  };
  std::vector<Slice> slices;
};

// Maps the ctx's static share region for `bytes` (UADK wd_map_reserve_mem) and reads its slices
// (UACCE_CMD_GET_SS_DMA from slice 0 until it says none follows). With the device behind an
// IOMMU (flags UACCE_DEV_IOMMU) the one slice covers the whole mapping; without, each slice's
// size is its granule count. Returns the region's VA, or 0 with *err.
VirtAddr map_reserve_mem(const Call& call, WdCtx& ctx, uint64_t bytes, BmmPool* pool, int* err) {
  const uint64_t page = call.proc().config().page_size;
  const bool iommu = (ctx.uacce->device().flags & kUacceDevIommu) != 0;
  uint64_t len = (bytes + page - 1) / page * page;
  if (!iommu) len = (len + kUacceGranSize - 1) / kUacceGranSize * kUacceGranSize;
  const VirtAddr va = call.os().mmap(ctx.uacce->fd(), len, kProtRead | kProtWrite,
                                     uint64_t{kUacceQfrtSs} * page, err);
  if (va == 0) return 0;
  pool->map_va = va;
  pool->map_len = len;
  uint64_t at = 0;
  for (unsigned long index = 0;; ++index) {
    unsigned long info = index;
    const long left = call.os().ioctl(ctx.uacce->fd(), kUacceCmdGetSsDma, &info);
    if (left < 0) {
      call.os().munmap(va, len);
      pool->slices.clear();
      *err = static_cast<int>(left);
      return 0;
    }
    BmmPool::Slice s;
    s.va = va + at;
    s.dma = info & ~kUacceGranNumMask;
    s.size = iommu ? len : (info & kUacceGranNumMask) << kUacceGranShift;
    at += s.size;
    pool->slices.push_back(s);
    if (left == 0) break;
  }
  return va;
}

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
  } else if (ctx && (ctx->uacce->device().flags & wdsim::rt::kUacceDevSva) == 0) {
    // No SVA: the ctx's static share region (wd_map_reserve_mem).
    int err = 0;
    const wdsim::rt::VirtAddr va = u::map_reserve_mem(call, *ctx, bytes, pool.get(), &err);
    if (va == 0) {
      call.fail(err < 0 ? err : -WD_ENOMEM,
                "wd_mempool_alloc: cannot reserve the static share region of " + ctx->dev_name +
                    " (" + std::to_string(err) + ")");
      return nullptr;
    }
    pool->base = (va + align - 1) & ~static_cast<wdsim::rt::VirtAddr>(align - 1);
  } else {
    const uint64_t page = call.proc().config().page_size;
    pool->map_len = (bytes + page - 1) / page * page;
    int err = 0;
    pool->base =
        call.os().mmap(-1, pool->map_len, wdsim::rt::kProtRead | wdsim::rt::kProtWrite, 0, &err);
    if (pool->base == 0) {
      call.fail(err < 0 ? err : -WD_ENOMEM, "wd_mempool_alloc: cannot map the pool");
      return nullptr;
    }
    pool->map_va = pool->base;
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
  if (p->map_len) call.os().munmap(p->map_va, p->map_len);
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
  if (!p->slices.empty()) {
    // The reserved region: the DMA address at the same offset of the slice holding buf, when
    // the whole buffer lies in that slice (wd_iova_map; a buffer across slices is not
    // contiguous for the device).
    for (const u::BmmPool::Slice& s : p->slices) {
      if (va >= s.va && va + sz <= s.va + s.size) {
        return reinterpret_cast<void*>(static_cast<uintptr_t>(s.dma + (va - s.va)));
      }
    }
    return nullptr;
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

handle_t wd_find_ctx(const char* alg_name) {
  u::Call call;
  if (!call.bound() || !alg_name) return 0;
  // The first unused ctx whose algorithm names alg_name (the model has one NUMA node).
  for (u::MemCtxNode& n : call.lib().mem_ctx_list) {
    if (!n.used && n.alg.find(alg_name) != std::string::npos) {
      n.used = true;
      return n.ctx;
    }
  }
  return 0;
}

void wd_remove_ctx_list(void) {
  u::Call call;
  if (call.bound()) call.lib().mem_ctx_list.clear();
}

int wd_insert_ctx_list(handle_t h_ctx, char* alg_name) {
  u::Call call;
  if (!call.bound() || !alg_name || !u::find_ctx(call.lib(), h_ctx)) return -WD_EINVAL;
  call.lib().mem_ctx_list.push_back(u::MemCtxNode{h_ctx, alg_name, false});
  return 0;
}

__u32 wd_get_dev_id(void* pool) {
  u::Call call;
  if (!call.bound()) return 0;
  u::BmmPool* p = u::pool_of(call.lib(), pool);
  return p ? p->dev_id : 0;
}

}  // extern "C"

// ---------------- the sessions' memory (wd_mem_ops_init) ----------------

namespace wdsim::rt::uadk {

int mem_ops_init(const Call& call, AlgSetting& s, const wd_mm_ops& ops, int mem_type,
                 const char* who, wd_mm_ops* out) {
  const std::string fn = std::string(who) + ": ";
  if (s.ctx_num() == 0 || !s.entry(0).ctx) return call.fail(-WD_EINVAL, fn + "no ctx");
  if (s.entry(0).ctx->uacce->device().flags & kUacceDevSva) {
    *out = SessBase::sva_memory();
    return 0;
  }
  wd_mm_ops m = ops;
  m.sva_mode = false;
  switch (mem_type) {
    case UADK_MEM_AUTO:
      return call.fail(-WD_EINVAL, fn + s.entry(0).ctx->dev_name +
                                       " has no SVA: mm_type UADK_MEM_AUTO is not supported "
                                       "(UADK_MEM_PROXY with a wd_mempool_alloc pool, or "
                                       "UADK_MEM_USER)");
    case UADK_MEM_USER:
      if (!m.alloc || !m.free || !m.iova_map || !m.iova_unmap || !m.usr) {
        return call.fail(-WD_EINVAL, fn + "UADK_MEM_USER needs alloc, free, iova_map, "
                                          "iova_unmap and usr in mm_ops");
      }
      break;
    case UADK_MEM_PROXY:
      if (!m.usr) return call.fail(-WD_EINVAL, fn + "UADK_MEM_PROXY needs a pool in mm_ops.usr");
      m.alloc = wd_mem_alloc;
      m.free = wd_mem_free;
      m.iova_map = wd_mem_map;
      m.iova_unmap = wd_mem_unmap;
      m.get_bufsize = wd_get_bufsize;
      break;
    default:
      return call.fail(-WD_EINVAL, fn + "unknown mm_type " + std::to_string(mem_type));
  }
  *out = m;
  return 0;
}

int device_addr(const Call& call, const wd_mm_ops& mm, VirtAddr va, uint64_t len, const char* what,
                VirtAddr* out) {
  if (mm.sva_mode) {
    *out = va;
    return 0;
  }
  call.rebind();
  void* dma = mm.iova_map(mm.usr, reinterpret_cast<void*>(va), len);
  if (!dma) {
    return call.fail(-WD_ENOMEM, std::string("no DMA address for the ") + what +
                                     " (without SVA every buffer must come from the session's "
                                     "memory pool)");
  }
  *out = va_of(dma);
  return 0;
}

}  // namespace wdsim::rt::uadk

// ---------------- wd.h: the SVA mempool and blockpool ----------------

namespace wdsim::rt::uadk {

namespace {

// A mempool's block: UADK's WD_MEMPOOL_BLOCK_SIZE (wd_mempool.c), 4 KiB.
constexpr uint64_t kMempoolBlockBytes = 4096;
constexpr unsigned long kPercent = 100;

struct Mempool {
  VirtAddr base = 0;
  uint64_t map_len = 0;
  std::vector<bool> used;  // per 4 KiB block
  uint64_t free_blocks = 0;
  void* blockpool = nullptr;  // the one blockpool on it
};

struct Blockpool {
  Mempool* mp = nullptr;
  uint64_t first = 0;  // first mempool block of its run
  uint64_t run = 0;    // mempool blocks in the run
  uint64_t block_size = 0;
  uint64_t block_num = 0;
  std::vector<uint64_t> free_list;  // block indexes, taken from the back
  std::vector<bool> taken;
};

Mempool* mempool_of(Library& lib, handle_t h) {
  auto it = lib.mempools.find(h);
  return it == lib.mempools.end() ? nullptr : static_cast<Mempool*>(it->second.get());
}

Blockpool* blockpool_of(Library& lib, handle_t h) {
  auto it = lib.blockpools.find(h);
  return it == lib.blockpools.end() ? nullptr : static_cast<Blockpool*>(it->second.get());
}

handle_t err_handle(int err) { return static_cast<handle_t>(static_cast<intptr_t>(err)); }

}  // namespace

void MempoolDeleter::operator()(void* p) const { delete static_cast<Mempool*>(p); }
void BlockpoolDeleter::operator()(void* p) const { delete static_cast<Blockpool*>(p); }

}  // namespace wdsim::rt::uadk

extern "C" {

handle_t wd_mempool_create(size_t size, int node) {
  u::Call call;
  if (!call.bound()) return u::err_handle(-WD_EINVAL);
  if (size == 0 || (node != -1 && node != 0)) {
    call.fail(-WD_EINVAL, "wd_mempool_create: size 0 or a NUMA node other than 0");
    return u::err_handle(-WD_EINVAL);
  }
  const uint64_t blocks = (size + u::kMempoolBlockBytes - 1) / u::kMempoolBlockBytes;
  auto mp = std::make_unique<u::Mempool>();
  mp->map_len = blocks * u::kMempoolBlockBytes;
  int err = 0;
  mp->base = call.os().mmap(-1, mp->map_len, wdsim::rt::kProtRead | wdsim::rt::kProtWrite, 0, &err);
  if (mp->base == 0) {
    call.fail(-WD_ENOMEM, "wd_mempool_create: cannot map " + std::to_string(mp->map_len));
    return u::err_handle(-WD_ENOMEM);
  }
  mp->used.assign(blocks, false);
  mp->free_blocks = blocks;
  const handle_t h = reinterpret_cast<handle_t>(mp.get());
  call.lib().mempools[h] = u::MempoolPtr(mp.release());
  return h;
}

void wd_mempool_destroy(handle_t mempool) {
  u::Call call;
  if (!call.bound()) return;
  u::Mempool* mp = u::mempool_of(call.lib(), mempool);
  if (!mp) return;
  if (mp->blockpool) {
    call.fail(-WD_EBUSY, "wd_mempool_destroy: its blockpool is still there");
    return;
  }
  call.os().munmap(mp->base, mp->map_len);
  call.lib().mempools.erase(mempool);
}

void wd_mempool_stats(handle_t mempool, struct wd_mempool_stats* stats) {
  u::Call call;
  if (!call.bound() || !stats) return;
  u::Mempool* mp = u::mempool_of(call.lib(), mempool);
  if (!mp) return;
  const uint64_t page = call.proc().config().page_size;
  stats->page_type = WD_NORMAL_PAGE;
  stats->page_size = page;
  stats->page_num = (mp->map_len + page - 1) / page;
  stats->blk_size = u::kMempoolBlockBytes;
  stats->blk_num = mp->used.size();
  stats->free_blk_num = mp->free_blocks;
  stats->blk_usage_rate = (stats->blk_num - stats->free_blk_num) * u::kPercent / stats->blk_num;
}

handle_t wd_blockpool_create(handle_t mempool, size_t block_size, size_t block_num) {
  u::Call call;
  if (!call.bound()) return u::err_handle(-WD_EINVAL);
  u::Mempool* mp = u::mempool_of(call.lib(), mempool);
  if (!mp || block_size == 0 || block_num == 0) {
    call.fail(-WD_EINVAL, "wd_blockpool_create: bad mempool or block size/number 0");
    return u::err_handle(-WD_EINVAL);
  }
  if (mp->blockpool) {
    call.fail(-WD_EBUSY, "wd_blockpool_create: the mempool already has a blockpool");
    return u::err_handle(-WD_EBUSY);
  }
  const uint64_t bytes = uint64_t{block_size} * block_num;
  const uint64_t run = (bytes + u::kMempoolBlockBytes - 1) / u::kMempoolBlockBytes;
  // First fit: the lowest run of `run` free mempool blocks.
  uint64_t first = 0, len = 0;
  for (uint64_t i = 0; i < mp->used.size() && len < run; ++i) {
    if (mp->used[i]) {
      len = 0;
      first = i + 1;
    } else {
      ++len;
    }
  }
  if (len < run) {
    call.fail(-WD_ENOMEM, "wd_blockpool_create: no run of " + std::to_string(run) +
                              " free 4 KiB blocks in the mempool");
    return u::err_handle(-WD_ENOMEM);
  }
  auto bp = std::make_unique<u::Blockpool>();
  bp->mp = mp;
  bp->first = first;
  bp->run = run;
  bp->block_size = block_size;
  bp->block_num = block_num;
  bp->taken.assign(block_num, false);
  for (uint64_t i = block_num; i > 0; --i) bp->free_list.push_back(i - 1);
  for (uint64_t i = first; i < first + run; ++i) mp->used[i] = true;
  mp->free_blocks -= run;
  const handle_t h = reinterpret_cast<handle_t>(bp.get());
  mp->blockpool = bp.get();
  call.lib().blockpools[h] = u::BlockpoolPtr(bp.release());
  return h;
}

void wd_blockpool_destroy(handle_t blkpool) {
  u::Call call;
  if (!call.bound()) return;
  u::Blockpool* bp = u::blockpool_of(call.lib(), blkpool);
  if (!bp) return;
  for (uint64_t i = bp->first; i < bp->first + bp->run; ++i) bp->mp->used[i] = false;
  bp->mp->free_blocks += bp->run;
  bp->mp->blockpool = nullptr;
  call.lib().blockpools.erase(blkpool);
}

void* wd_block_alloc(handle_t blkpool) {
  u::Call call;
  if (!call.bound()) return nullptr;
  u::Blockpool* bp = u::blockpool_of(call.lib(), blkpool);
  if (!bp || bp->free_list.empty()) return nullptr;
  const uint64_t i = bp->free_list.back();
  bp->free_list.pop_back();
  bp->taken[i] = true;
  return reinterpret_cast<void*>(bp->mp->base + bp->first * u::kMempoolBlockBytes +
                                 i * bp->block_size);
}

void wd_block_free(handle_t blkpool, void* addr) {
  u::Call call;
  if (!call.bound()) return;
  u::Blockpool* bp = u::blockpool_of(call.lib(), blkpool);
  if (!bp) return;
  const wdsim::rt::VirtAddr start = bp->mp->base + bp->first * u::kMempoolBlockBytes;
  const wdsim::rt::VirtAddr va = u::va_of(addr);
  if (va < start || (va - start) % bp->block_size != 0 ||
      (va - start) / bp->block_size >= bp->block_num || !bp->taken[(va - start) / bp->block_size]) {
    call.fail(-WD_EINVAL, "wd_block_free: not a taken block of the blockpool");
    return;
  }
  const uint64_t i = (va - start) / bp->block_size;
  bp->taken[i] = false;
  bp->free_list.push_back(i);
}

void wd_blockpool_stats(handle_t blkpool, struct wd_blockpool_stats* stats) {
  u::Call call;
  if (!call.bound() || !stats) return;
  u::Blockpool* bp = u::blockpool_of(call.lib(), blkpool);
  if (!bp) return;
  const uint64_t size = bp->run * u::kMempoolBlockBytes;
  stats->block_size = bp->block_size;
  stats->block_num = bp->block_num;
  stats->free_block_num = bp->free_list.size();
  stats->block_usage_rate = (bp->block_num - bp->free_list.size()) * u::kPercent / bp->block_num;
  stats->mem_waste_rate = (size - bp->block_size * bp->block_num) * u::kPercent / size;
}

}  // extern "C"
