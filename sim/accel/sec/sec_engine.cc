#include "sim/accel/sec/sec_engine.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace wdsim {

using sc_core::sc_time;

enum class SecJobKind : uint8_t { kCipher, kAuth, kChain, kGcm };

struct SecEngine::Job {
  SecJobKind kind = SecJobKind::kCipher;
  bool encrypt = false;
  uint8_t c_alg = 0;
  uint8_t c_mode = 0;
  uint32_t c_key_bytes = 0;  // total (XTS: both halves)
  uint32_t iv_bytes = 0;
  uint32_t c_len = 0;
  uint32_t c_off = 0;
  const SecAuthAlgInfo* auth = nullptr;
  bool auth_verify = false;  // compare with the MAC at mac_addr instead of writing it
  uint32_t a_key_bytes = 0;
  uint32_t mac_bytes = 0;  // MAC / GCM tag bytes
  uint32_t a_len = 0;
  uint32_t a_off = 0;
  bool auth_first = false;  // seq = 1
  uint32_t span = 0;        // data_src bytes read
  bool in_place = false;    // de = 0
  uint8_t flag = 0;
  bool has_cipher() const { return kind != SecJobKind::kAuth; }
  bool has_auth() const { return kind != SecJobKind::kCipher; }
  // The MAC / tag is read from mac_addr (checked) rather than written.
  bool reads_mac() const {
    return kind == SecJobKind::kGcm ? !encrypt : (has_auth() && auth_verify);
  }
};

struct SecEngine::Outcome {
  uint8_t error = kSecErrNone;
  uint8_t icv = kSecIcvOk;
  std::vector<uint8_t> out;  // the processed span
  std::vector<uint8_t> mac;  // MAC / tag to write (mac_bytes)
};

namespace {

const char* kind_name(SecJobKind k) {
  switch (k) {
    case SecJobKind::kCipher:
      return "cipher";
    case SecJobKind::kAuth:
      return "auth";
    case SecJobKind::kChain:
      return "chain";
    case SecJobKind::kGcm:
      return "gcm";
  }
  return "unknown";
}

uint8_t crypto_error(SecCryptoStatus s) {
  switch (s) {
    case SecCryptoStatus::kOk:
    case SecCryptoStatus::kTagMismatch:
      return kSecErrNone;
    case SecCryptoStatus::kBadAlg:
      return kSecErrCipherAlg;
    case SecCryptoStatus::kBadKeyLen:
      return kSecErrKeyLen;
    case SecCryptoStatus::kBadLength:
    case SecCryptoStatus::kBadIvLen:
    case SecCryptoStatus::kInternal:
      return kSecErrDataLen;
    case SecCryptoStatus::kBadTagLen:
      return kSecErrMacLen;
  }
  return kSecErrDataLen;
}

bool equal_bytes(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t n) {
  return a.size() >= n && b.size() >= n && std::equal(a.begin(), a.begin() + n, b.begin());
}

}  // namespace

SecEngine::SecEngine(std::string name, const SecEngineParams& params, SimEnv& env)
    : name_(std::move(name)),
      params_(params),
      env_(env),
      cores_(params.cores),
      short_sqe_(env.stats().counter(name_ + ".errors.short_sqe", "SQEs shorter than 128 bytes")),
      requests_(env.stats().counter(name_ + ".requests", "BDs processed")),
      bytes_in_(env.stats().counter(name_ + ".bytes_in", "Data bytes read")),
      bytes_out_(env.stats().counter(name_ + ".bytes_out", "Data bytes written")),
      icv_errors_(env.stats().counter(name_ + ".errors.icv", "MAC / tag check failures")),
      queued_ns_(env.stats().histogram(name_ + ".queued_ns", "ns", "Wait for a free core")),
      compute_ns_(env.stats().histogram(name_ + ".compute_ns", "ns", "Core busy time")) {
  for (SecJobKind k :
       {SecJobKind::kCipher, SecJobKind::kAuth, SecJobKind::kChain, SecJobKind::kGcm}) {
    requests_by_kind_[static_cast<size_t>(k)] =
        &env.stats().counter(name_ + "." + kind_name(k) + ".requests",
                             std::string("BDs processed of job kind ") + kind_name(k));
  }
  for (size_t e = 0; e < errors_by_type_.size(); ++e) {
    if (e == kSecErrNone) continue;
    const std::string error_name = sec_error_name(static_cast<uint8_t>(e));
    errors_by_type_[e] = &env.stats().counter(name_ + ".errors." + error_name,
                                              "BDs completed with error type " + error_name);
  }
}

QmEngine* SecEngine::for_alg_type(uint8_t /*alg_type*/) { return this; }

// Checks every field the model relies on and fills the job; kSecErrNone when it can run.
uint8_t SecEngine::decode(const SecBd& bd, Job* job) const {
  if (bd.bd_type() != kSecBdType2) return kSecErrBdType;
  uint8_t cipher = bd.cipher();
  uint8_t auth = bd.auth();
  if (cipher > kSecCipherDecrypt || auth > kSecAuthVerify) return kSecErrBdType;
  if (cipher == kSecCipherNone && auth == kSecAuthNone) return kSecErrBdType;
  if (bd.src_addr_type() != kSecAddrPbuf || bd.dst_addr_type() != kSecAddrPbuf ||
      bd.mac_addr_type() != kSecAddrPbuf) {
    return kSecErrAddrType;
  }
  const uint64_t max_len = params_.max_request_bytes;
  job->encrypt = cipher == kSecCipherEncrypt;
  job->in_place = bd.de() == 0;
  job->auth_first = bd.seq() == kSecSeqAuthThenCipher;

  // Offsets count only for the regions in use, so every subspan stays inside the span read.
  if (cipher != kSecCipherNone) {
    job->c_off = bd.cipher_src_offset;
    job->c_alg = bd.cipher_alg();
    job->c_mode = bd.c_mode();
    job->c_len = bd.c_len();
    if (job->c_mode == kSecCModeGcm) {
      // GCM: the auth field stays 0; the tag length is c_icv_len, the AAD length a_len.
      if (job->c_alg != kSecCAlgAes) return kSecErrCipherAlg;
      job->kind = SecJobKind::kGcm;
      job->c_key_bytes = sec_c_key_bytes(job->c_alg, bd.c_key_len());
      if (job->c_key_bytes == 0) return kSecErrKeyLen;
      job->mac_bytes = bd.c_icv_len();
      if (!sec_gcm_tag_len_ok(job->mac_bytes)) return kSecErrMacLen;
      job->a_off = bd.auth_src_offset;
      job->a_len = bd.a_len();
      if (job->a_len > max_len || job->c_len > max_len) return kSecErrDataLen;
      job->iv_bytes = static_cast<uint32_t>(sec_cipher_iv_bytes(job->c_mode));
      job->flag = kSecFlagAead;
      job->span = std::max(job->c_off + job->c_len, job->a_off + job->a_len);
      return kSecErrNone;
    }
    if (!sec_cipher_supported(job->c_alg, job->c_mode)) return kSecErrCipherAlg;
    uint32_t one_key = sec_c_key_bytes(job->c_alg, bd.c_key_len());
    // The hardware has no 192-bit XTS (the kernel falls back to software for it).
    if (one_key == 0 || (job->c_mode == kSecCModeXts && one_key == 24)) return kSecErrKeyLen;
    job->c_key_bytes = job->c_mode == kSecCModeXts ? 2 * one_key : one_key;
    if (job->c_len > max_len || !sec_cipher_length_ok(job->c_mode, job->c_len)) {
      return kSecErrDataLen;
    }
    job->iv_bytes = static_cast<uint32_t>(sec_cipher_iv_bytes(job->c_mode));
    job->kind = SecJobKind::kCipher;
    job->flag = kSecFlagCipher;
    job->span = job->c_off + job->c_len;
  }

  if (auth != kSecAuthNone) {
    job->kind = cipher == kSecCipherNone ? SecJobKind::kAuth : SecJobKind::kChain;
    job->flag = cipher == kSecCipherNone ? kSecFlagAuth : kSecFlagAead;
    job->auth = sec_auth_alg_info(bd.a_alg());
    if (job->auth == nullptr) return kSecErrAuthAlg;
    // Long hashes (intermediate IV in, no final padding) are not modelled.
    if (bd.ai_gen() != 0 || bd.a_pad() != 0) return kSecErrAuthAlg;
    job->auth_verify = auth == kSecAuthVerify;
    job->mac_bytes = uint32_t{bd.mac_len_words()} * 4;
    if (job->mac_bytes == 0 || job->mac_bytes > job->auth->digest_bytes) return kSecErrMacLen;
    job->a_key_bytes = job->auth->hmac ? uint32_t{bd.a_key_len_words()} * 4 : 0;
    if (job->auth->hmac && job->a_key_bytes == 0) return kSecErrKeyLen;
    job->a_off = bd.auth_src_offset;
    job->a_len = bd.a_len();
    if (job->a_len > max_len) return kSecErrDataLen;
    job->span = std::max(job->span, job->a_off + job->a_len);
  }
  return kSecErrNone;
}

bool SecEngine::read_inputs(const SecBd& bd, const Job& job, DmaPort& dma,
                            std::vector<uint8_t>* c_key, std::vector<uint8_t>* iv,
                            std::vector<uint8_t>* a_key, std::vector<uint8_t>* data,
                            std::vector<uint8_t>* expected_mac, sc_time& t) const {
  auto read = [&](uint64_t addr, std::vector<uint8_t>* v, size_t n) {
    v->assign(n, 0);
    return n == 0 || dma.read(addr, v->data(), n, t);
  };
  if (job.has_cipher()) {
    if (!read(bd.c_key_addr, c_key, job.c_key_bytes)) return false;
    if (!read(bd.c_ivin_addr, iv, job.iv_bytes)) return false;
  }
  if (job.kind != SecJobKind::kGcm && job.has_auth()) {
    if (!read(bd.a_key_addr, a_key, job.a_key_bytes)) return false;
  }
  if (!read(bd.data_src_addr, data, job.span)) return false;
  if (job.reads_mac() && !read(bd.mac_addr, expected_mac, job.mac_bytes)) return false;
  return true;
}

SecEngine::Outcome SecEngine::compute(const Job& job, const std::vector<uint8_t>& c_key,
                                      const std::vector<uint8_t>& iv,
                                      const std::vector<uint8_t>& a_key,
                                      const std::vector<uint8_t>& data,
                                      const std::vector<uint8_t>& expected_mac) const {
  Outcome r;
  r.out = data;
  r.mac.assign(job.mac_bytes, 0);
  if (params_.timing_only()) return r;  // timing-only: output = input, MAC = zeros

  std::span<const uint8_t> in(data);
  std::span<const uint8_t> c_in = in.subspan(job.c_off, job.c_len);
  std::span<const uint8_t> a_in = in.subspan(job.a_off, job.a_len);

  if (job.kind == SecJobKind::kGcm) {
    std::vector<uint8_t> tag = job.encrypt ? std::vector<uint8_t>(job.mac_bytes) : expected_mac;
    SecCryptoStatus s = sec_gcm(job.encrypt, c_key, iv, a_in, c_in, r.out.data() + job.c_off, tag);
    if (s == SecCryptoStatus::kTagMismatch) {
      r.icv = kSecIcvError;
    } else {
      r.error = crypto_error(s);
    }
    if (job.encrypt) r.mac = tag;
    return r;
  }

  auto authenticate = [&](std::span<const uint8_t> region) {
    std::vector<uint8_t> full;
    SecCryptoStatus s = sec_auth(job.auth->a_alg, a_key, region, &full);
    if (s != SecCryptoStatus::kOk) {
      r.error = kSecErrAuthAlg;
      return;
    }
    full.resize(job.mac_bytes);
    if (job.auth_verify) {
      if (!equal_bytes(full, expected_mac, job.mac_bytes)) r.icv = kSecIcvError;
    } else {
      r.mac = std::move(full);
    }
  };
  auto encipher = [&]() {
    SecCryptoStatus s =
        sec_cipher(job.c_alg, job.c_mode, job.encrypt, c_key, iv, c_in, r.out.data() + job.c_off);
    r.error = crypto_error(s);
  };

  switch (job.kind) {
    case SecJobKind::kCipher:
      encipher();
      break;
    case SecJobKind::kAuth:
      authenticate(a_in);
      break;
    case SecJobKind::kChain:
      if (job.auth_first) {
        authenticate(a_in);
        if (r.error == kSecErrNone && r.icv == kSecIcvOk) encipher();
      } else {
        encipher();
        if (r.error == kSecErrNone) {
          authenticate(std::span<const uint8_t>(r.out).subspan(job.a_off, job.a_len));
        }
      }
      break;
    case SecJobKind::kGcm:
      break;
  }
  return r;
}

sc_time SecEngine::compute_time(const SecBd& bd) const {
  sc_time time = ns(params_.setup_latency_ns);
  bool has_cipher = bd.cipher() == kSecCipherEncrypt || bd.cipher() == kSecCipherDecrypt;
  if (has_cipher && bd.c_mode() == kSecCModeGcm) {
    return time + transfer_time(uint64_t{bd.a_len()} + bd.c_len(), params_.aes_gcm_gbps);
  }
  if (has_cipher) {
    bool enc = bd.cipher() == kSecCipherEncrypt;
    double rate = bd.cipher_alg() == kSecCAlgSm4
                      ? (enc ? params_.sm4_encrypt_gbps : params_.sm4_decrypt_gbps)
                      : (enc ? params_.aes_encrypt_gbps : params_.aes_decrypt_gbps);
    time += transfer_time(bd.c_len(), rate);
  }
  if (bd.auth() == kSecAuthCalculate || bd.auth() == kSecAuthVerify) {
    uint8_t a = bd.a_alg();
    double rate = (a == kSecAAlgSm3 || a == kSecAAlgHmacSm3) ? params_.sm3_gbps : params_.sha_gbps;
    time += transfer_time(bd.a_len(), rate);
  }
  return time;
}

EngineTiming SecEngine::process(EngineRequest& req, sc_time& t) {
  EngineTiming timing;
  if (req.sqe == nullptr || req.sqe_size < sizeof(SecBd)) {
    short_sqe_.inc();
    return timing;
  }
  SecBd bd;
  std::memcpy(&bd, req.sqe, sizeof(bd));
  requests_.inc();

  Job job;
  uint8_t error = decode(bd, &job);
  if (env_.tracing()) {
    env_.trace_event(
        name_, "bd_begin",
        {tf("qp", req.qp), tf("sqe", req.sqe_index), tf("kind", kind_name(job.kind)),
         tf("c_alg", sec_c_alg_name(bd.cipher_alg())), tf("c_mode", sec_c_mode_name(bd.c_mode())),
         tf("a_alg", sec_a_alg_name(bd.a_alg())), tf("c_len", bd.c_len()), tf("a_len", bd.a_len()),
         tf_hex("src", bd.data_src_addr), tf_hex("dst", bd.data_dst_addr)},
        t);
    if (req.trace_flow) env_.trace().flow(req.trace_flow);
  }
  if (error != kSecErrNone) {
    finish(bd, req, job.flag, kSecIcvOk, error, t);
    return timing;
  }
  requests_by_kind_[static_cast<size_t>(job.kind)]->inc();

  // Source DMA: keys, IV, data, expected MAC.
  std::vector<uint8_t> c_key, iv, a_key, data, expected_mac;
  sc_time before = t;
  bool read_ok = req.dma != nullptr &&
                 read_inputs(bd, job, *req.dma, &c_key, &iv, &a_key, &data, &expected_mac, t);
  timing.read_input = t - before;
  if (!read_ok) {
    finish(bd, req, job.flag, kSecIcvOk, kSecErrDmaRead, t);
    return timing;
  }
  bytes_in_.inc(data.size());

  // The work, then its time on a core.
  Outcome r = compute(job, c_key, iv, a_key, data, expected_mac);
  sc_time service = compute_time(bd);
  sc_time arrival = sc_core::sc_time_stamp() + t;
  ServerPool::Grant grant = cores_.serve(arrival, service);
  timing.queued = grant.start - arrival;
  timing.compute = service;
  t = grant.end - sc_core::sc_time_stamp();
  queued_ns_.add(to_ns(timing.queued));
  compute_ns_.add(to_ns(timing.compute));

  // Destination DMA: data, then MAC; nothing on an error or a failed check.
  if (r.error == kSecErrNone && r.icv == kSecIcvOk) {
    before = t;
    bool write_ok = true;
    if (job.has_cipher()) {
      if (job.in_place) {
        write_ok = job.c_len == 0 || req.dma->write(bd.data_src_addr + job.c_off,
                                                    r.out.data() + job.c_off, job.c_len, t);
      } else if (!r.out.empty()) {
        write_ok = req.dma->write(bd.data_dst_addr, r.out.data(), r.out.size(), t);
      }
      if (write_ok) bytes_out_.inc(job.c_len);
    }
    if (write_ok && job.has_auth() && !job.reads_mac()) {
      write_ok = req.dma->write(bd.mac_addr, r.mac.data(), r.mac.size(), t);
    }
    timing.write_output = t - before;
    if (!write_ok) r.error = kSecErrDmaWrite;
  }
  finish(bd, req, job.flag, r.icv, r.error, t);
  return timing;
}

void SecEngine::finish(SecBd& bd, EngineRequest& req, uint8_t flag, uint8_t icv, uint8_t error,
                       const sc_time& t) {
  bd.set_result(flag, icv, error);
  std::memcpy(req.sqe, &bd, sizeof(bd));
  if (error != kSecErrNone) errors_by_type_[error]->inc();
  if (icv == kSecIcvError) icv_errors_.inc();
  if (env_.tracing()) {
    env_.trace_event(name_, "bd_done",
                     {tf("qp", req.qp), tf("sqe", req.sqe_index), tf("tag", bd.tag),
                      tf("error", sec_error_name(error)), tf_hex("error_type", error),
                      tf("icv", icv), tf("flag", flag)},
                     t);
    if (req.trace_flow) env_.trace().flow(req.trace_flow);
  }
}

}  // namespace wdsim
