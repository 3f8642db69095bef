// ZipEngine: the HiSilicon ZIP compression engine behind the QM (Kunpeng 920 "HiSilicon ZIP
// Engine"). Implements the QmEngine contract (sim/accel/qm/qm_engine.h): decodes the 128-byte
// SQE (zip_sqe.h), DMA-reads the source through the queue's DmaPort, compresses or decompresses
// with system zlib (zip_codec.h), DMA-writes the result, and writes consumed / produced / status /
// checksum / isize back into the SQE the way UADK and the kernel read them.
//
// Direction: the hardware takes it from the queue (SQC alg_type = UADK qc_type, 0 compress,
// 1 decompress), not from the SQE. EngineRequest does not carry it, so the engine offers one
// QmEngine per direction (`for_alg_type(0)` / `for_alg_type(1)`) for the QM to choose by the
// queue's alg_type; ZipEngine::process() itself serves alg_type 0 (compress), the default.
//
// Timing: read_input = source DMA time; then a core from the direction's pool (Kunpeng 920 has
// 2 compression and 6 decompression cores) is busy for setup + bytes / per-core throughput,
// waiting (`queued`) if all are busy; then write_output = destination DMA time. `t` advances
// through all three. Bytes = input length for compression; for decompression the output length
// by default (inflate speed follows the bytes it produces; `decompress_cost_on_output`).
//
// Data mode: "real" computes the bytes with zlib; "timing" (for large sweeps) skips the
// compute and takes the output size from a ratio model (zip_size_model.h): the source DMA read,
// the destination DMA write of that many (zero) bytes, the core booking and every SQE field but
// the checksum are the same as in real mode. Outputs are then not valid streams: whoever checks
// them (the system's verifier) must skip that in timing mode.
//
// Levels and windows (UADK wd_comp.h): comp_lv WD_COMP_L1..L15 never reaches the SQE for
// deflate/zlib/gzip (hisi_comp.c fill_comp_level_deflate is a no-op; only LZ77_ZSTD level 9
// changes req_type), so the engine has one effort: `zlib_level`. win_sz WD_COMP_WS_4K..32K
// (codes 0..4) is dw9[15:12]; compression honours it (zlib windowBits 12..15, 24K as 16K).
//
// Not modelled: stateful streams (stream_ctx, ctx_dw1/2 are not used; every request is a whole
// stream, status decomp_end reported in stateful mode when the final block is reached), SGL
// buffers (buf_type 1 -> bad_request), LZ4 / LZ77 formats (-> bad_request), DIF, the hardware's
// own compression ratio (zlib at `zlib_level` produces the bytes), partial output on errors
// (nothing is written to the destination and produced = 0), RAS interrupts on DMA faults,
// overlap of DMA and compute inside one request (the three stages run back to back), and the
// translation share of DMA time (EngineTiming.translation stays 0: DmaPort does not report it).
// Error codes without a public source are model choices: see zip_sqe.h.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <systemc>

#include "formats/zip/zip_sqe.h"
#include "sim/accel/qm/qm_engine.h"
#include "sim/accel/zip/zip_codec.h"
#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"

namespace wdsim {

struct ZipEngineParams {
  uint32_t compress_cores;
  uint32_t decompress_cores;
  double compress_gbps;    // per core, input bytes
  double decompress_gbps;  // per core, output bytes (or input, see decompress_cost_on_output)
  bool decompress_cost_on_output;
  double setup_latency_ns;  // per request, per core
  uint64_t max_bytes_per_request;
  int zlib_level;
  std::string data_mode;         // "real": zlib computes the bytes; "timing": sizes from a model
  double timing_compress_ratio;  // timing mode: compressed / uncompressed bytes

  bool timing_only() const { return data_mode == "timing"; }

  void declare(ParamScope& s) {
    s.add("compress_cores", compress_cores, 2, "cores", "Compression cores (requests in parallel)",
          "Linux zip_main.c (Kunpeng 920): COMP0/COMP1 clock-gate bits, HZIP_CORE_DFX_COMP_0/1",
          Range::between(1, 64));
    s.add("decompress_cores", decompress_cores, 6, "cores", "Decompression cores",
          "Linux zip_main.c (Kunpeng 920): DECOMP0..5 clock-gate bits, HZIP_CORE_DFX_DECOMP_0..5",
          Range::between(1, 64));
    s.add("compress_gbps", compress_gbps, 1.2, "GB/s",
          "Compression throughput of one core, in input bytes",
          "measurement: 2380 MB/s for the whole ZIP engine, lzbench + KAEzip on Kunpeng 920 "
          "(github.com/LyleLee/compare_intel_kunpeng accelerator.rst), / 2 cores; includes "
          "software overhead, so a lower bound",
          Range::between(0.001, 1000));
    s.add("decompress_gbps", decompress_gbps, 0.26, "GB/s",
          "Decompression throughput of one core, in output bytes (input bytes if "
          "decompress_cost_on_output is false)",
          "measurement: 1530 MB/s for the whole engine, same source, / 6 cores; a lower bound",
          Range::between(0.001, 1000));
    s.add("decompress_cost_on_output", decompress_cost_on_output, true, "",
          "Decompression time scales with the output bytes (true) or the input bytes (false)",
          "guess: inflate emits bytes at a roughly fixed rate");
    s.add("setup_latency_ns", setup_latency_ns, 1000.0, "ns",
          "Fixed core time per request: BD parse, Huffman table set-up, flush",
          "guess (order of a microsecond)", Range::min(0));
    s.add("max_bytes_per_request", max_bytes_per_request, uint64_t{kZipMaxRequestBytes}, "bytes",
          "Largest input_data_length accepted; dest_avail_out is clamped to it",
          "UADK drv/hisi_comp.c HZ_MAX_SIZE (8 MiB)", Range::between(1, 1ull << 32));
    s.add("zlib_level", zlib_level, 6, "",
          "zlib level that produces the compressed bytes (the hardware has no level for deflate; "
          "its ratio differs)",
          "guess: zlib default", Range::between(1, 9));
    s.add_choice("data_mode", data_mode, "real", {"real", "timing"},
                 "real: payload bytes computed with zlib; timing: no compute, output sizes from "
                 "timing_compress_ratio, zero bytes written, DMA and timing unchanged",
                 "model choice for large sweeps");
    s.add("timing_compress_ratio", timing_compress_ratio, 0.35, "",
          "Timing mode: compressed size / uncompressed size (decompression expands by 1/ratio)",
          "guess: a little worse than zlib -6 on the Silesia corpus (about 0.32)",
          Range::between(0.001, 2.0));
  }
};

class ZipEngine : public QmEngine {
 public:
  ZipEngine(std::string name, const ZipEngineParams& params, SimEnv& env);
  ~ZipEngine() override;

  const char* name() const override { return name_.c_str(); }
  // QmEngine entry point: alg_type 0 (compress).
  EngineTiming process(EngineRequest& req, sc_core::sc_time& t) override;
  // Processes one SQE in the given direction.
  EngineTiming process(EngineRequest& req, ZipOp op, sc_core::sc_time& t);

  // The engine the QM should use for a queue with this SQC alg_type (0 compress,
  // 1 decompress); nullptr for any other value. Owned by this ZipEngine.
  QmEngine* for_alg_type(uint8_t alg_type);
  QmEngine& direction(ZipOp op);

  const ZipEngineParams& params() const { return params_; }
  const ServerPool& cores(ZipOp op) const {
    return op == ZipOp::kCompress ? compress_cores_ : decompress_cores_;
  }

 private:
  class DirectionPort;

  // Writes the results into the SQE and counts them.
  void finish(ZipSqe& sqe, EngineRequest& req, ZipOp op, const ZipCodecResult& result,
              const sc_core::sc_time& t);
  sc_core::sc_time compute_time(ZipOp op, uint64_t input_bytes, uint64_t output_bytes) const;

  std::string name_;
  ZipEngineParams params_;
  SimEnv& env_;
  ServerPool compress_cores_;
  ServerPool decompress_cores_;
  std::unique_ptr<DirectionPort> compress_port_;
  std::unique_ptr<DirectionPort> decompress_port_;
  // Source buffers process() is not using, kept so that a request does not allocate and clear
  // one (the source DMA overwrites every byte it keeps). process() may wait in a DMA while
  // another request runs (dispatch threads), so each call takes a buffer of its own.
  std::vector<std::vector<uint8_t>> spare_inputs_;

  // Registered when the engine is built; the hot path only increments.
  Counter& short_sqe_;
  Counter& requests_;
  Counter& compress_requests_;
  Counter& decompress_requests_;
  Counter& bytes_in_;
  Counter& bytes_out_;
  Counter& negative_compression_;
  Histogram& queued_ns_;
  Histogram& compute_ns_;
  std::array<Counter*, 256> errors_by_status_{};  // by SQE status byte; unknown ones share one
};

}  // namespace wdsim
