#include "sim/accel/zip/zip_engine.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "sim/accel/zip/zip_size_model.h"

namespace wdsim {

using sc_core::sc_time;

class ZipEngine::DirectionPort : public QmEngine {
 public:
  DirectionPort(ZipEngine& engine, ZipOp op)
      : engine_(engine),
        op_(op),
        name_(engine.name_ + (op == ZipOp::kCompress ? ".comp" : ".decomp")) {}
  const char* name() const override { return name_.c_str(); }
  EngineTiming process(EngineRequest& req, sc_time& t) override {
    return engine_.process(req, op_, t);
  }

 private:
  ZipEngine& engine_;
  ZipOp op_;
  std::string name_;
};

namespace {

const char* op_name(ZipOp op) { return op == ZipOp::kCompress ? "compress" : "decompress"; }

bool is_success(uint8_t status) {
  return status == kZipStatusOk || status == kZipStatusNegativeCompression ||
         status == kZipStatusDecompEnd;
}

// Checks the fields the model relies on; kZipStatusOk when the request can run.
uint8_t validate(const ZipSqe& sqe, uint64_t max_bytes) {
  if (sqe.sqe_type() != kZipSqeTypeV1 && sqe.sqe_type() != kZipSqeTypeV3) {
    return kZipStatusBadRequest;
  }
  if (sqe.buf_type() != kZipBufFlat) return kZipStatusBadRequest;  // SGL not modelled
  if (!zip_req_type_supported(sqe.req_type())) return kZipStatusBadRequest;
  if (zip_window_bits(sqe.window()) == 0) return kZipStatusBadRequest;
  if (sqe.input_data_length == 0 || sqe.input_data_length > max_bytes) {
    return kZipStatusBadRequest;
  }
  if (sqe.dest_avail_out == 0) return kZipStatusBadRequest;
  return kZipStatusOk;
}

ZipCodecResult failed(uint8_t status) {
  ZipCodecResult r;
  r.status = status;
  return r;
}

}  // namespace

ZipEngine::ZipEngine(std::string name, const ZipEngineParams& params, SimEnv& env)
    : name_(std::move(name)),
      params_(params),
      env_(env),
      compress_cores_(params.compress_cores),
      decompress_cores_(params.decompress_cores),
      compress_port_(std::make_unique<DirectionPort>(*this, ZipOp::kCompress)),
      decompress_port_(std::make_unique<DirectionPort>(*this, ZipOp::kDecompress)),
      short_sqe_(env.stats().counter(name_ + ".errors.short_sqe", "SQEs shorter than 128 bytes")),
      requests_(env.stats().counter(name_ + ".requests", "SQEs processed")),
      compress_requests_(
          env.stats().counter(name_ + ".compress.requests", "Compression SQEs processed")),
      decompress_requests_(
          env.stats().counter(name_ + ".decompress.requests", "Decompression SQEs processed")),
      bytes_in_(env.stats().counter(name_ + ".bytes_in", "Source bytes read")),
      bytes_out_(env.stats().counter(name_ + ".bytes_out", "Destination bytes written")),
      negative_compression_(
          env.stats().counter(name_ + ".negative_compression", "Compressions that grew the data")),
      queued_ns_(env.stats().histogram(name_ + ".queued_ns", "ns", "Wait for a free core")),
      compute_ns_(env.stats().histogram(name_ + ".compute_ns", "ns", "Core busy time")) {
  for (size_t s = 0; s < errors_by_status_.size(); ++s) {
    uint8_t status = static_cast<uint8_t>(s);
    if (is_success(status)) continue;
    const std::string status_name = zip_status_name(status);
    errors_by_status_[s] = &env.stats().counter(name_ + ".errors." + status_name,
                                                "SQEs completed with status " + status_name);
  }
}

ZipEngine::~ZipEngine() = default;

QmEngine* ZipEngine::for_alg_type(uint8_t alg_type) {
  if (alg_type == static_cast<uint8_t>(ZipOp::kCompress)) return compress_port_.get();
  if (alg_type == static_cast<uint8_t>(ZipOp::kDecompress)) return decompress_port_.get();
  return nullptr;
}

QmEngine& ZipEngine::direction(ZipOp op) {
  return op == ZipOp::kCompress ? *compress_port_ : *decompress_port_;
}

EngineTiming ZipEngine::process(EngineRequest& req, sc_time& t) {
  return process(req, ZipOp::kCompress, t);
}

sc_time ZipEngine::compute_time(ZipOp op, uint64_t input_bytes, uint64_t output_bytes) const {
  sc_time setup = ns(params_.setup_latency_ns);
  if (op == ZipOp::kCompress) return setup + transfer_time(input_bytes, params_.compress_gbps);
  bool on_output = params_.decompress_cost_on_output && output_bytes > 0;
  return setup + transfer_time(on_output ? output_bytes : input_bytes, params_.decompress_gbps);
}

EngineTiming ZipEngine::process(EngineRequest& req, ZipOp op, sc_time& t) {
  EngineTiming timing;
  if (req.sqe == nullptr || req.sqe_size < sizeof(ZipSqe)) {
    // Nowhere to report a status: count it and leave the bytes alone.
    short_sqe_.inc();
    return timing;
  }
  ZipSqe sqe;
  std::memcpy(&sqe, req.sqe, sizeof(sqe));
  requests_.inc();
  (op == ZipOp::kCompress ? compress_requests_ : decompress_requests_).inc();
  if (env_.tracing()) {
    env_.trace_event(
        name_, "sqe_begin",
        {tf("qp", req.qp), tf("sqe", req.sqe_index), tf("op", op_name(op)),
         tf("type", zip_req_type_name(sqe.req_type())), tf("in", sqe.input_data_length),
         tf("avail_out", sqe.dest_avail_out), tf_hex("src", sqe.src()), tf_hex("dst", sqe.dst())},
        t);
    if (req.trace_flow) env_.trace().flow(req.trace_flow);
  }

  uint8_t invalid = validate(sqe, params_.max_bytes_per_request);
  if (invalid != kZipStatusOk) {
    finish(sqe, req, op, failed(invalid), t);
    return timing;
  }

  // Source DMA, into a spare buffer (given back on every return).
  struct InputBuffer {
    std::vector<std::vector<uint8_t>>& spares;
    std::vector<uint8_t> bytes;
    ~InputBuffer() { spares.push_back(std::move(bytes)); }
  };
  InputBuffer buffer{spare_inputs_, {}};
  if (!spare_inputs_.empty()) {
    buffer.bytes = std::move(spare_inputs_.back());
    spare_inputs_.pop_back();
  }
  std::vector<uint8_t>& input = buffer.bytes;
  input.resize(sqe.input_data_length);
  sc_time before = t;
  bool read_ok = req.dma != nullptr && req.dma->read(sqe.src(), input.data(), input.size(), t);
  timing.read_input = t - before;
  if (!read_ok) {
    finish(sqe, req, op, failed(kZipStatusDmaReadFault), t);
    return timing;
  }
  bytes_in_.inc(input.size());

  // The work itself, then its time on a core.
  uint32_t capacity =
      static_cast<uint32_t>(std::min<uint64_t>(sqe.dest_avail_out, params_.max_bytes_per_request));
  ZipCodecResult result;
  if (params_.timing_only()) {
    result = op == ZipOp::kCompress
                 ? zip_model_compress(sqe.req_type(), input.size(), capacity, sqe.window(),
                                      params_.timing_compress_ratio)
                 : zip_model_decompress(sqe.req_type(), input.size(), capacity, sqe.stateful(),
                                        params_.timing_compress_ratio);
  } else {
    result = op == ZipOp::kCompress ? zip_compress(sqe.req_type(), input.data(), input.size(),
                                                   capacity, params_.zlib_level, sqe.window())
                                    : zip_decompress(sqe.req_type(), input.data(), input.size(),
                                                     capacity, sqe.stateful());
  }
  sc_time service = compute_time(op, input.size(), result.output.size());
  sc_time arrival = sc_core::sc_time_stamp() + t;
  ServerPool& pool = op == ZipOp::kCompress ? compress_cores_ : decompress_cores_;
  ServerPool::Grant grant = pool.serve(arrival, service);
  timing.queued = grant.start - arrival;
  timing.compute = service;
  t = grant.end - sc_core::sc_time_stamp();
  queued_ns_.add(to_ns(timing.queued));
  compute_ns_.add(to_ns(timing.compute));

  // Destination DMA.
  if (!result.output.empty()) {
    before = t;
    bool write_ok = req.dma->write(sqe.dst(), result.output.data(), result.output.size(), t);
    timing.write_output = t - before;
    if (!write_ok) result = failed(kZipStatusDmaWriteFault);
  }
  finish(sqe, req, op, result, t);
  return timing;
}

void ZipEngine::finish(ZipSqe& sqe, EngineRequest& req, ZipOp op, const ZipCodecResult& result,
                       const sc_time& t) {
  bool has_data = is_success(result.status) || result.status == kZipStatusCrcError;
  uint32_t produced = has_data ? static_cast<uint32_t>(result.output.size()) : 0;
  sqe.set_status(result.status);
  sqe.set_last_block(result.last_block);
  sqe.consumed = has_data ? result.consumed : 0;
  sqe.produced = produced;
  if (op == ZipOp::kDecompress) sqe.set_ctx_st(result.ctx_st);
  if (has_data) {
    sqe.checksum = result.checksum;
    sqe.isize = result.isize;
  }
  std::memcpy(req.sqe, &sqe, sizeof(sqe));

  bytes_out_.inc(produced);
  if (result.status == kZipStatusNegativeCompression) negative_compression_.inc();
  if (!is_success(result.status)) errors_by_status_[result.status]->inc();
  if (env_.tracing()) {
    env_.trace_event(
        name_, "sqe_done",
        {tf("qp", req.qp), tf("sqe", req.sqe_index), tf("status", zip_status_name(result.status)),
         tf_hex("status_code", result.status), tf("consumed", sqe.consumed),
         tf("produced", produced)},
        t);
    if (req.trace_flow) env_.trace().flow(req.trace_flow);
  }
}

}  // namespace wdsim
