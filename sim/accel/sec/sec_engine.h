// SecEngine: the HiSilicon SEC v2 symmetric crypto engine behind the QM (Kunpeng 920
// "hisi_sec2"). Implements the QmEngine contract (sim/accel/qm/qm_engine.h): decodes the 128-byte
// type 2 BD (sec_bd.h), DMA-reads key / IV / data / expected MAC through the queue's DmaPort,
// computes with OpenSSL (sec_crypto.h), DMA-writes the result and the MAC, and writes done_flag
// (done, icv, flag) and error_type back into the BD the way UADK and the kernel read them.
//
// Operations: cipher only (AES/SM4 ECB, CBC, CTR, XTS), digest / HMAC only (auth calculate, or
// verify against the MAC at mac_addr), AES-GCM (auth field 0, c_icv_len = tag bytes, as the
// kernel and UADK fill it), and cipher + HMAC chaining (authenc): seq 0 ciphers first and
// authenticates the output region, seq 1 authenticates the input first, then ciphers.
// Data layout: one span of data_src covering [cipher_src_offset, +c_len) and
// [auth_src_offset, +a_len); the result of the span (bytes outside the cipher region copied
// through, e.g. GCM's AAD) goes to data_dst when de = 1; with de = 0 only the cipher region is
// written back in place.
//
// Queue type: the SEC takes direction and algorithm from the BD, not from the queue. The kernel
// allocates every SEC queue with alg_type 0 ("The type of SEC is all 0", sec_main.c
// sec_create_qps); UADK passes the ctx op_type as qc_type (cipher/aead 0 encrypt, 1 decrypt;
// digest 0). SecEngine therefore serves any alg_type (`for_alg_type` returns itself).
//
// Timing: read_input = all source DMA (key, IV, data, expected MAC); then a core from a pool of
// `cores` is busy for setup + c_len / cipher rate (by algorithm and direction) + a_len / digest
// rate (GCM: (a_len + c_len) / gcm rate), waiting (`queued`) when all cores are busy; then
// write_output = result + MAC DMA. Bad BDs and read faults complete without core time.
//
// Not modelled: BD type 3 (Kunpeng 930), SGL/PRP buffers, DES/3DES, CFB/OFB/CCM/CBC-CS, AES-XCBC/
// CMAC/GMAC auth, long-hash BDs (ai_gen/a_pad for multi-BD digests), IV update write-back, DIF,
// partial output on errors (nothing is written on a tag/MAC mismatch), overlap of DMA and compute,
// and the translation share of DMA time. error_type codes are model choices (see sec_bd.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <systemc>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "sim/accel/qm/qm_engine.h"
#include "sim/accel/sec/sec_crypto.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"

namespace wdsim {

struct SecEngineParams {
  uint32_t cores;
  double aes_encrypt_gbps;  // per core
  double aes_decrypt_gbps;
  double sm4_encrypt_gbps;
  double sm4_decrypt_gbps;
  double aes_gcm_gbps;  // AAD + text
  double sha_gbps;      // SHA-1, SHA-2, MD5 (plain and HMAC)
  double sm3_gbps;      // SM3 (plain and HMAC)
  double setup_latency_ns;
  uint64_t max_request_bytes;
  std::string data_mode;  // "real": OpenSSL computes the bytes; "timing": sizes only

  bool timing_only() const { return data_mode == "timing"; }

  void declare(ParamScope& s) {
    constexpr const char* kRateSource =
        "guess: no public per-core figure for the Kunpeng 920 SEC; order of an AES/SHA hardware "
        "pipeline at ~1-2 GHz";
    s.add("cores", cores, 4, "cores", "SEC cores (requests in parallel)",
          "guess: the core count is not public", Range::between(1, 64));
    s.add("aes_encrypt_gbps", aes_encrypt_gbps, 2.0, "GB/s",
          "AES encryption throughput of one core (ECB/CBC/CTR/XTS), in c_len bytes", kRateSource,
          Range::between(0.001, 1000));
    s.add("aes_decrypt_gbps", aes_decrypt_gbps, 2.0, "GB/s",
          "AES decryption throughput of one core, in c_len bytes", kRateSource,
          Range::between(0.001, 1000));
    s.add("sm4_encrypt_gbps", sm4_encrypt_gbps, 1.0, "GB/s",
          "SM4 encryption throughput of one core, in c_len bytes",
          "guess: SM4 has 32 rounds against AES-128's 10", Range::between(0.001, 1000));
    s.add("sm4_decrypt_gbps", sm4_decrypt_gbps, 1.0, "GB/s",
          "SM4 decryption throughput of one core, in c_len bytes", "guess: same as encryption",
          Range::between(0.001, 1000));
    s.add("aes_gcm_gbps", aes_gcm_gbps, 1.6, "GB/s",
          "AES-GCM throughput of one core, in a_len + c_len bytes (both directions)",
          "guess: AES-CTR rate less the GHASH pass", Range::between(0.001, 1000));
    s.add("sha_gbps", sha_gbps, 1.5, "GB/s",
          "SHA-1/SHA-2/MD5 digest or HMAC throughput of one core, in a_len bytes", kRateSource,
          Range::between(0.001, 1000));
    s.add("sm3_gbps", sm3_gbps, 1.0, "GB/s", "SM3 digest or HMAC throughput of one core",
          kRateSource, Range::between(0.001, 1000));
    s.add("setup_latency_ns", setup_latency_ns, 500.0, "ns",
          "Fixed core time per BD: parse, key schedule, IV load, MAC write",
          "guess (sub-microsecond)", Range::min(0));
    s.add("max_request_bytes", max_request_bytes, uint64_t{kSecMaxDataLen}, "bytes",
          "Largest c_len / a_len accepted (larger -> bad_data_len)",
          "UADK drv/hisi_sec.c and kernel sec_crypto.c MAX_INPUT_DATA_LEN 0xFFFE00",
          Range::between(16, kSecLenMask));
    s.add_choice("data_mode", data_mode, "real", {"real", "timing"},
                 "real: OpenSSL computes every output; timing: timing-only mode, output = input "
                 "bytes, MAC = zeros, every MAC check passes (DMA and timing unchanged; programs "
                 "skip verifying these outputs)",
                 "model option for large sweeps (as the ZIP engine's data_mode)");
  }
};

class SecEngine : public QmEngine {
 public:
  SecEngine(std::string name, const SecEngineParams& params, SimEnv& env);

  const char* name() const override { return name_.c_str(); }
  EngineTiming process(EngineRequest& req, sc_core::sc_time& t) override;

  // The engine for a queue of this SQC alg_type: every value maps to this engine (see above).
  QmEngine* for_alg_type(uint8_t alg_type);

  const SecEngineParams& params() const { return params_; }
  const ServerPool& cores() const { return cores_; }

  // Core busy time of a BD (exposed for tests and docs): setup + c_len / cipher rate +
  // a_len / digest rate; GCM: setup + (a_len + c_len) / aes_gcm_gbps.
  sc_core::sc_time compute_time(const SecBd& bd) const;

 private:
  struct Job;
  struct Outcome;

  uint8_t decode(const SecBd& bd, Job* job) const;
  bool read_inputs(const SecBd& bd, const Job& job, DmaPort& dma, std::vector<uint8_t>* c_key,
                   std::vector<uint8_t>* iv, std::vector<uint8_t>* a_key,
                   std::vector<uint8_t>* data, std::vector<uint8_t>* expected_mac,
                   sc_core::sc_time& t) const;
  Outcome compute(const Job& job, const std::vector<uint8_t>& c_key, const std::vector<uint8_t>& iv,
                  const std::vector<uint8_t>& a_key, const std::vector<uint8_t>& data,
                  const std::vector<uint8_t>& expected_mac) const;
  void finish(SecBd& bd, EngineRequest& req, uint8_t flag, uint8_t icv, uint8_t error,
              const sc_core::sc_time& t);

  std::string name_;
  SecEngineParams params_;
  SimEnv& env_;
  ServerPool cores_;

  // Registered when the engine is built; the hot path only increments.
  Counter& short_sqe_;
  Counter& requests_;
  std::array<Counter*, 4> requests_by_kind_{};  // by SecJobKind
  Counter& bytes_in_;
  Counter& bytes_out_;
  Counter& icv_errors_;
  Histogram& queued_ns_;
  Histogram& compute_ns_;
  std::array<Counter*, 256> errors_by_type_{};  // by BD error_type; unknown ones share one
};

}  // namespace wdsim
