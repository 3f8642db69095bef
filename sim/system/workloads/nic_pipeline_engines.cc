// Program kind nic_pipeline, its engines (sim/system/workloads/nic_pipeline.h says what the
// program models): opening the UADK sessions of modes sva, pinned (static share pools) and
// dmabuf (the dma-buf attached to each device, the sessions' user memory ops), and each mode's
// requests for one record.
#include <algorithm>
#include <string>
#include <utility>

#include "sim/system/workloads/nic_pipeline.h"

namespace wdsim::nic_pipeline_kind {

namespace {

constexpr uint64_t kDmaBufAllocAlign = 64;  // a cache line, as UADK's pools align
void* dmabuf_alloc(void* usr, size_t size) {
  auto* m = static_cast<DmaBufMemory*>(usr);
  const uint64_t at = (m->next + kDmaBufAllocAlign - 1) & ~(kDmaBufAllocAlign - 1);
  if (at + size > m->end) return nullptr;
  m->next = at + size;
  return reinterpret_cast<void*>(at);
}
void dmabuf_free(void* /*usr*/, void* /*va*/) {}
void* dmabuf_iova_map(void* usr, void* va, size_t sz) {
  const auto* m = static_cast<const DmaBufMemory*>(usr);
  const uint64_t a = reinterpret_cast<uint64_t>(va);
  if (a < m->va || a + sz > m->va + m->size) return nullptr;
  return reinterpret_cast<void*>(m->iova + (a - m->va));
}
void dmabuf_iova_unmap(void* /*usr*/, void* /*va*/, void* /*dma*/, size_t /*sz*/) {}
}  // namespace

wd_mm_ops dmabuf_ops(DmaBufMemory* m) {
  wd_mm_ops ops{};
  ops.alloc = dmabuf_alloc;
  ops.free = dmabuf_free;
  ops.iova_map = dmabuf_iova_map;
  ops.iova_unmap = dmabuf_iova_unmap;
  ops.usr = m;
  return ops;
}

void NicPipeline::open_uadk(ProgramThread& t, uint64_t key_va, Engines* eng) {
  // One sync ctx each for AES-GCM decryption and deflate decompression, bound to the process's
  // address space like the NIC.
  t.bind_runtime();
  if (int r = wd_aead_init2(const_cast<char*>("gcm(aes)"), SCHED_POLICY_RR, TASK_HW); r != 0) {
    fail(t, "wd_aead_init2: " + std::to_string(r));
  }
  wd_ctx_nums nums[WD_DIR_MAX] = {};
  nums[WD_DIR_DECOMPRESS].sync_ctx_num = 1;
  wd_ctx_params ctx_params{WD_DIR_MAX, nums, nullptr, nullptr};
  if (int r = wd_comp_init2_(const_cast<char*>("deflate"), SCHED_POLICY_RR, TASK_HW, &ctx_params);
      r != 0) {
    fail(t, "wd_comp_init2: " + std::to_string(r));
  }
  wd_aead_sess_setup aead_setup{};
  aead_setup.calg = WD_CIPHER_AES;
  aead_setup.cmode = WD_CIPHER_GCM;
  wd_comp_sess_setup comp_setup{};
  if (p_.mode == "dmabuf") {
    // No SVA, no copies: the dma-buf attached to each device, the sessions' memory the user's.
    eng->sec_ctx = wd_find_ctx("gcm(aes)");
    eng->zip_ctx = wd_find_ctx("deflate");
    if (!eng->sec_ctx || !eng->zip_ctx) fail(t, "wd_find_ctx found no gcm(aes) or deflate ctx");
    for (auto [ctx, mem] :
         {std::pair{eng->sec_ctx, &eng->sec_mem}, {eng->zip_ctx, &eng->zip_mem}}) {
      rt::WdsimDmaBufAttach a;
      a.fd = eng->dmabuf_fd;
      if (int r = wd_ctx_set_io_cmd(ctx, rt::kWdsimUacceCmdAttachDmaBuf, &a); r != 0) {
        fail(t, "attaching the dma-buf to a device: " + std::to_string(r));
      }
      mem->iova = a.iova;
    }
    aead_setup.mm_type = UADK_MEM_USER;
    aead_setup.mm_ops = dmabuf_ops(&eng->sec_mem);
    comp_setup.mm_type = UADK_MEM_USER;
    comp_setup.mm_ops = dmabuf_ops(&eng->zip_mem);
  }
  if (p_.mode == "pinned") {
    // No SVA: a pool on each ctx's static share region, the sessions' memory (UADK_MEM_PROXY).
    eng->sec_ctx = wd_find_ctx("gcm(aes)");
    eng->zip_ctx = wd_find_ctx("deflate");
    if (!eng->sec_ctx || !eng->zip_ctx) fail(t, "wd_find_ctx found no gcm(aes) or deflate ctx");
    // SEC: the session key's block and the record's; ZIP: the stream's and the plaintext's.
    wd_mempool_setup sec_setup{};
    sec_setup.block_size = p_.buffer_bytes;
    sec_setup.block_num = kPinnedSecBlocks;
    sec_setup.align_size = kPinnedBlockAlign;
    eng->sec_pool = wd_mempool_alloc(eng->sec_ctx, &sec_setup);
    wd_mempool_setup zip_setup{};
    zip_setup.block_size = std::max(p_.buffer_bytes, p_.output_bytes);
    zip_setup.block_num = kPinnedZipBlocks;
    zip_setup.align_size = kPinnedBlockAlign;
    eng->zip_pool = wd_mempool_alloc(eng->zip_ctx, &zip_setup);
    if (!eng->sec_pool || !eng->zip_pool) fail(t, "wd_mempool_alloc on a static share failed");
    aead_setup.mm_type = UADK_MEM_PROXY;
    aead_setup.mm_ops.usr = eng->sec_pool;
    comp_setup.mm_type = UADK_MEM_PROXY;
    comp_setup.mm_ops.usr = eng->zip_pool;
  }
  eng->aead = wd_aead_alloc_sess(&aead_setup);
  if (!eng->aead) fail(t, "wd_aead_alloc_sess failed");
  if (wd_aead_set_ckey(eng->aead, reinterpret_cast<const __u8*>(key_va), rec::kKeyBytes) != 0 ||
      wd_aead_set_authsize(eng->aead, rec::kTagBytes) != 0) {
    fail(t, "the AES-GCM key or tag size was refused");
  }
  comp_setup.alg_type = WD_DEFLATE;
  comp_setup.op_type = WD_DIR_DECOMPRESS;
  comp_setup.comp_lv = WD_COMP_L1;
  comp_setup.win_sz = WD_COMP_WS_32K;
  eng->comp = wd_comp_alloc_sess(&comp_setup);
  if (!eng->comp) fail(t, "wd_comp_alloc_sess failed");
  if (p_.mode == "pinned") {
    auto block = [&](void* pool, uint32_t bytes) {
      void* b = wd_mem_alloc(pool, bytes);
      if (!b) fail(t, "wd_mem_alloc: the static share pool has no free block");
      return reinterpret_cast<uint64_t>(b);
    };
    eng->sec_block = block(eng->sec_pool, p_.buffer_bytes);
    eng->zip_src = block(eng->zip_pool, p_.buffer_bytes);
    eng->zip_dst = block(eng->zip_pool, p_.output_bytes);
    // Pinned: the two static share regions wd_mempool_alloc mapped (the mappings that hold the
    // pools' blocks).
    for (uint64_t b : {eng->sec_block, eng->zip_src}) {
      pinned_bytes_ += t.os.process().find_vma(b)->length;
    }
  }
}

uint64_t NicPipeline::sva_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                                   const rec::RecordView& v) {
  // The NIC's buffer straight to SEC (in place) and its stream straight to ZIP.
  uadk_decrypt(t, eng, pkt + rec::kNonceOffset, v);
  const uint64_t decrypted_ps = t.os.now();
  uadk_decompress(t, eng, pkt + rec::kCipherOffset, out, p_.output_bytes, v);
  return decrypted_ps;
}

uint64_t NicPipeline::pinned_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                                      const rec::RecordView& v) {
  // The record (AAD, ciphertext, tag) into SEC's static share, decrypted in place there; its
  // stream into ZIP's, decompressed into ZIP's other block; the plaintext out to the application.
  const uint64_t record_bytes = rec::kAadBytes + uint64_t{v.cipher_bytes} + rec::kTagBytes;
  t.os.copy(eng.sec_block, pkt + rec::kNonceOffset, record_bytes);
  uadk_decrypt(t, eng, eng.sec_block, v);
  const uint64_t decrypted_ps = t.os.now();
  t.os.copy(eng.zip_src, eng.sec_block + (rec::kCipherOffset - rec::kNonceOffset), v.cipher_bytes);
  const uint32_t produced = uadk_decompress(t, eng, eng.zip_src, eng.zip_dst, p_.output_bytes, v);
  t.os.copy(out, eng.zip_dst, produced);
  return decrypted_ps;
}

void NicPipeline::uadk_decrypt(ProgramThread& t, Engines& eng, uint64_t record,
                               const rec::RecordView& v) {
  // SEC: decrypt in place. src = dst = the AAD (nonce, length) then the ciphertext; the tag
  // after it.
  wd_aead_req dec{};
  dec.op_type = WD_CIPHER_DECRYPTION_DIGEST;
  dec.src = reinterpret_cast<void*>(record);
  dec.dst = dec.src;
  dec.iv = dec.src;  // the nonce is the AAD's first 12 bytes
  dec.iv_bytes = rec::kNonceBytes;
  dec.mac = reinterpret_cast<void*>(record + rec::kAadBytes + v.cipher_bytes);
  dec.mac_bytes = rec::kTagBytes;
  dec.assoc_bytes = rec::kAadBytes;
  dec.in_bytes = v.cipher_bytes;
  dec.out_bytes = rec::kAadBytes + v.cipher_bytes;
  dec.data_fmt = WD_FLAT_BUF;
  dec.msg_state = AEAD_MSG_BLOCK;
  t.bind_runtime();
  if (int r = wd_do_aead_sync(eng.aead, &dec); r != 0) {
    fail(t, "record " + std::to_string(v.seq) + ": wd_do_aead_sync: " + std::to_string(r));
  }
  if (dec.state != 0) {
    fail(t, "record " + std::to_string(v.seq) + ": decryption state " + std::to_string(dec.state) +
                (dec.state == WD_IN_EPARA ? " (the tag does not verify)" : ""));
  }
}

uint32_t NicPipeline::uadk_decompress(ProgramThread& t, Engines& eng, uint64_t stream, uint64_t dst,
                                      uint32_t dst_bytes, const rec::RecordView& v) {
  // ZIP: the decrypted deflate stream into the destination.
  wd_comp_req z{};
  z.src = reinterpret_cast<void*>(stream);
  z.src_len = v.cipher_bytes;
  z.dst = reinterpret_cast<void*>(dst);
  z.dst_len = dst_bytes;
  z.op_type = WD_DIR_DECOMPRESS;
  z.data_fmt = WD_FLAT_BUF;
  t.bind_runtime();
  if (int r = wd_do_comp_sync(eng.comp, &z); r != 0) {
    fail(t, "record " + std::to_string(v.seq) + ": wd_do_comp_sync: " + std::to_string(r));
  }
  check_decompressed(t, v, z.status, z.dst_len);
  return z.dst_len;
}

uint64_t NicPipeline::syscall_requests(ProgramThread& t, Engines& eng, uint64_t pkt, uint64_t out,
                                       uint64_t key_va, const rec::RecordView& v) {
  // The kernel decrypts the record in place (its copy or its pinned pages), then decompresses
  // it into the application's buffer.
  SecSyncRequest dec;
  dec.src = pkt + rec::kNonceOffset;
  dec.dst = dec.src;
  dec.iv = dec.src;
  dec.mac = pkt + rec::kCipherOffset + v.cipher_bytes;
  dec.key = key_va;
  dec.assoc_len = rec::kAadBytes;
  dec.text_len = v.cipher_bytes;
  dec.op = 1;
  dec.key_len = rec::kKeyBytes;
  dec.tag_len = rec::kTagBytes;
  dec.tag = static_cast<uint32_t>(v.seq);
  if (long r = t.os.ioctl(eng.sec_fd, kSecSyncIoctl, &dec); r < 0) {
    fail(t, "record " + std::to_string(v.seq) + ": the kernel's decryption failed: " +
                std::to_string(r) + (r == -EBADMSG ? " (the tag does not verify)" : ""));
  }
  const uint64_t decrypted_ps = t.os.now();
  ZipSyncRequest z;
  z.src = pkt + rec::kCipherOffset;
  z.dst = out;
  z.src_len = v.cipher_bytes;
  z.dst_len = p_.output_bytes;
  z.req_type = kZipReqDeflate;
  z.op = 1;
  z.tag = static_cast<uint32_t>(v.seq);
  if (long r = t.os.ioctl(eng.zip_fd, kZipSyncIoctl, &z); r < 0) {
    fail(t, "record " + std::to_string(v.seq) + ": the kernel's decompression failed: " +
                std::to_string(r) + " (status " + std::to_string(z.status) + ")");
  }
  check_decompressed(t, v, 0, z.dst_len);
  return decrypted_ps;
}

void NicPipeline::check_decompressed(ProgramThread& t, const rec::RecordView& v, uint32_t status,
                                     uint32_t produced) {
  // A timing-only ZIP's output length is the ratio model's.
  if (status != 0 || (!zip_timing_only_ && produced != v.plain_bytes)) {
    fail(t, "record " + std::to_string(v.seq) + ": decompression status " + std::to_string(status) +
                ", " + std::to_string(produced) + " bytes of " + std::to_string(v.plain_bytes));
  }
}

}  // namespace wdsim::nic_pipeline_kind
