// Tests of the UADK-compatible compression API against FakeOs + FakeQmDevice with a ZIP
// device computed by the engine's own codec (//sim/accel/zip:zip_codec). The program under
// test (testing/comp_sample.c) is plain C written against <uadk/wd_comp.h>; the only
// simulation-specific step is the binding (wd_runtime_bind) done by this harness.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/include/uadk/wd_comp.h"
#include "runtime/include/uadk/wd_sched.h"
#include "runtime/testing/fake_os.h"
#include "runtime/testing/fake_qm_device.h"
#include "runtime/uadk/testing/comp_sample.h"
#include "runtime/uadk/wd_runtime.h"
#include "sim/accel/zip/zip_codec.h"

namespace wdsim::rt {
namespace {

using testing::FakeOs;
using testing::FakeQmDevice;
using testing::FakeUacceDevice;

void* ptr(VirtAddr va) { return reinterpret_cast<void*>(va); }

std::vector<uint8_t> sample_text(size_t len, uint32_t seed) {
  static const char* words[] = {"warpdrive ", "uacce ", "pasid ", "smmu ", "queue ", "bell "};
  std::vector<uint8_t> out;
  uint32_t x = seed;
  while (out.size() < len) {
    x = x * 1103515245u + 12345u;
    const char* w = words[(x >> 16) % 6];
    out.insert(out.end(), w, w + std::strlen(w));
  }
  out.resize(len);
  return out;
}

// zlib / gzip / raw inflate of a whole stream by system zlib.
std::vector<uint8_t> system_inflate(const std::vector<uint8_t>& in, int window_bits, size_t cap) {
  std::vector<uint8_t> out(cap);
  z_stream zs{};
  inflateInit2(&zs, window_bits);
  zs.next_in = const_cast<uint8_t*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int r = inflate(&zs, Z_FINISH);
  out.resize(r == Z_STREAM_END ? zs.total_out : 0);
  inflateEnd(&zs);
  return out;
}

class UadkCompTest : public ::testing::Test {
 protected:
  void SetUp() override {
    add_device("hisi_zip-0", 8);
    qm_.set_sqe_handler([this](int fd, uint16_t, uint8_t* bytes, uint32_t size) {
      ASSERT_EQ(size, sizeof(ZipSqe));
      ZipSqe sqe;
      std::memcpy(&sqe, bytes, sizeof(sqe));
      engine(os_.queue(fd)->qc_type, sqe);
      std::memcpy(bytes, &sqe, sizeof(sqe));
    });
    wd_runtime_bind(&os_, &process_);
  }
  void TearDown() override { wd_runtime_bind(nullptr, nullptr); }

  void add_device(const std::string& name, int64_t instances, int64_t isolate = 0,
                  uint16_t depth = 1024) {
    FakeUacceDevice dev;
    dev.name = name;
    dev.available_instances = instances;
    dev.isolate = isolate;
    dev.qp_info.sq_depth = depth;
    dev.qp_info.cq_depth = depth;
    os_.add_uacce_device(dev);
  }

  // The ZIP engine's data path on the SQE (queue type 0 compresses, 1 decompresses).
  void engine(uint16_t qc_type, ZipSqe& sqe) {
    ++requests_;
    if (forced_status_ >= 0) {
      sqe.set_status(static_cast<uint8_t>(forced_status_));
      sqe.set_ctx_st(forced_ctx_st_);
      return;
    }
    std::vector<uint8_t> in(sqe.input_data_length);
    os_.dev_read(sqe.src(), in.data(), in.size());
    ZipCodecResult r = qc_type == 0 ? zip_compress(sqe.req_type(), in.data(), in.size(),
                                                   sqe.dest_avail_out, 6, sqe.window())
                                    : zip_decompress(sqe.req_type(), in.data(), in.size(),
                                                     sqe.dest_avail_out, false);
    os_.dev_write(sqe.dst(), r.output.data(), r.output.size());
    sqe.set_status(r.status);
    sqe.set_ctx_st(r.ctx_st);
    sqe.consumed = r.consumed;
    sqe.produced = static_cast<uint32_t>(r.output.size());
  }

  VirtAddr put(const std::vector<uint8_t>& data) {
    VirtAddr va = os_.alloc(data.size());
    os_.dev_write(va, data.data(), data.size());
    return va;
  }
  std::vector<uint8_t> get(VirtAddr va, size_t len) {
    std::vector<uint8_t> out(len);
    os_.dev_read(va, out.data(), len);
    return out;
  }
  // The device finishes everything pending on every queue.
  void complete_all() {
    for (int fd = 0; fd < 64; ++fd) {
      if (os_.queue(fd)) qm_.complete(fd);
    }
  }
  // The fds that got SQ doorbells.
  std::set<int> sq_doorbell_fds() const {
    std::set<int> fds;
    for (const auto& d : qm_.doorbells()) {
      if (d.db.cmd == qm::kDbCmdSq) fds.insert(d.fd);
    }
    return fds;
  }

  FakeOs os_;
  FakeQmDevice qm_{os_};
  UadkProcess process_;
  int forced_status_ = -1;
  uint8_t forced_ctx_st_ = 0;
  int requests_ = 0;
};

TEST_F(UadkCompTest, UserProgramCompressesAndDecompressesSyncEveryFormat) {
  ASSERT_EQ(sample_setup(1, 1), 0) << process_.last_error();
  EXPECT_EQ(sample_ctx_num(), 4u);
  struct Fmt {
    wd_comp_alg_type alg;
    int window_bits;
  };
  for (Fmt f : {Fmt{WD_ZLIB, 15}, Fmt{WD_GZIP, 31}, Fmt{WD_DEFLATE, -15}}) {
    const auto input = sample_text(48 * 1024, 7);
    const VirtAddr src = put(input);
    const uint32_t cap = 64 * 1024;
    const VirtAddr dst = os_.alloc(cap);
    uint32_t dst_len = cap;
    uint32_t status = 99;
    ASSERT_EQ(
        sample_sync(f.alg, WD_DIR_COMPRESS, ptr(src), input.size(), ptr(dst), &dst_len, &status), 0)
        << process_.last_error();
    EXPECT_EQ(status, 0u);
    ASSERT_GT(dst_len, 0u);
    ASSERT_LT(dst_len, input.size());
    const auto stream = get(dst, dst_len);
    EXPECT_EQ(system_inflate(stream, f.window_bits, input.size() + 16), input) << f.alg;

    // And back through the decompress ctx.
    const VirtAddr out = os_.alloc(input.size());
    uint32_t out_len = input.size();
    ASSERT_EQ(sample_sync(f.alg, WD_DIR_DECOMPRESS, ptr(dst), dst_len, ptr(out), &out_len, &status),
              0)
        << process_.last_error();
    EXPECT_EQ(status, 0u);
    ASSERT_EQ(out_len, input.size());
    EXPECT_EQ(get(out, out_len), input);
  }
  sample_teardown();
  EXPECT_EQ(os_.open_fd_count(), 0u);
  EXPECT_EQ(os_.access_faults(), 0u);
  EXPECT_EQ(qm_.bad_doorbells(), 0u);
}

TEST_F(UadkCompTest, UserProgramAsyncWithCallbacksPollingAndEbusy) {
  // A device with 16 instances (so it is the one picked) and 4-deep queues: with at most three
  // requests in flight per queue, the program meets -WD_EBUSY and polls to make room.
  add_device("hisi_zip-1", 16, 0, 4);
  ASSERT_EQ(sample_setup(1, 2), 0) << process_.last_error();
  EXPECT_STREQ(wd_ctx_get_dev_name(sample_ctx(0)), "hisi_zip-1");
  constexpr int kN = 40;
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<void*> src(kN), dst(kN);
  std::vector<uint32_t> src_len(kN), dst_len(kN), status(kN, 99);
  for (int i = 0; i < kN; ++i) {
    inputs.push_back(sample_text(4096 + 97 * i, 100 + i));
    src[i] = ptr(put(inputs[i]));
    src_len[i] = static_cast<uint32_t>(inputs[i].size());
    dst_len[i] = 8192 + 200 * i;
    dst[i] = ptr(os_.alloc(dst_len[i]));
  }
  uint32_t ebusy = 0;
  ASSERT_EQ(sample_async(WD_GZIP, WD_DIR_COMPRESS, src.data(), src_len.data(), dst.data(),
                         dst_len.data(), status.data(), kN, &ebusy),
            0)
      << process_.last_error();
  EXPECT_GT(ebusy, 0u);
  for (int i = 0; i < kN; ++i) {
    ASSERT_EQ(status[i], 0u) << i;
    const auto stream = get(reinterpret_cast<VirtAddr>(dst[i]), dst_len[i]);
    EXPECT_EQ(system_inflate(stream, 31, inputs[i].size() + 16), inputs[i]) << i;
  }
  // One session: every request went to its one async ctx (the RR pick at session alloc).
  EXPECT_EQ(sq_doorbell_fds().size(), 1u);
  sample_teardown();
  EXPECT_EQ(os_.open_fd_count(), 0u);
  EXPECT_EQ(os_.access_faults(), 0u);
  EXPECT_EQ(qm_.bad_doorbells(), 0u);
}

// One sync compress request on a fresh session (sched_param NULL: the op type's region).
int compress_once(FakeOs& os, const std::vector<uint8_t>& input, uint32_t* status,
                  uint32_t* out_len = nullptr) {
  wd_comp_sess_setup setup{};
  setup.alg_type = WD_ZLIB;
  setup.op_type = WD_DIR_COMPRESS;
  setup.win_sz = WD_COMP_WS_32K;
  setup.comp_lv = WD_COMP_L1;
  handle_t h = wd_comp_alloc_sess(&setup);
  if (!h) return -1000;
  VirtAddr src = os.alloc(input.size());
  os.dev_write(src, input.data(), input.size());
  wd_comp_req req{};
  req.op_type = WD_DIR_COMPRESS;
  req.src = ptr(src);
  req.src_len = input.size();
  req.dst_len = input.size() + 1024;
  req.dst = ptr(os.alloc(req.dst_len));
  int ret = wd_do_comp_sync(h, &req);
  *status = req.status;
  if (out_len) *out_len = req.dst_len;
  wd_comp_free_sess(h);
  return ret;
}

TEST_F(UadkCompTest, RoundRobinGivesSessionsTheCtxsInTurn) {
  ASSERT_EQ(sample_setup(3, 0), 0) << process_.last_error();
  const auto input = sample_text(2000, 3);
  std::vector<handle_t> sessions;
  std::vector<VirtAddr> bufs;
  for (int i = 0; i < 6; ++i) {
    wd_comp_sess_setup setup{};
    setup.alg_type = WD_DEFLATE;
    setup.op_type = WD_DIR_COMPRESS;
    sessions.push_back(wd_comp_alloc_sess(&setup));
    ASSERT_NE(sessions.back(), 0u);
  }
  std::vector<int> fds;
  for (handle_t h : sessions) {
    wd_comp_req req{};
    req.op_type = WD_DIR_COMPRESS;
    req.src = ptr(put(input));
    req.src_len = input.size();
    req.dst_len = 4096;
    req.dst = ptr(os_.alloc(req.dst_len));
    const size_t before = qm_.doorbells().size();
    ASSERT_EQ(wd_do_comp_sync(h, &req), 0) << process_.last_error();
    ASSERT_EQ(req.status, 0u);
    ASSERT_GT(qm_.doorbells().size(), before);
    fds.push_back(qm_.doorbells()[before].fd);  // the SQ doorbell of this request
  }
  // Compress ctxs are positions 0..2 of the config; sessions got 0,1,2,0,1,2.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(fds[i], fds[i % 3]) << i;
  EXPECT_NE(fds[0], fds[1]);
  EXPECT_NE(fds[1], fds[2]);
  EXPECT_NE(fds[0], fds[2]);
  for (handle_t h : sessions) wd_comp_free_sess(h);
  sample_teardown();
}

TEST_F(UadkCompTest, EpollModeSleepsOnTheInterruptAndRearmsIt) {
  process_.set_env("WD_COMP_EPOLL_EN", "1");
  ASSERT_EQ(sample_setup(1, 0), 0) << process_.last_error();
  qm_.set_auto_complete(false);
  os_.set_idle_handler([this] { complete_all(); });
  uint32_t status = 99;
  ASSERT_EQ(compress_once(os_, sample_text(5000, 9), &status), 0) << process_.last_error();
  EXPECT_EQ(status, 0u);
  EXPECT_GT(os_.interrupt_waits(), 0u);
  EXPECT_EQ(os_.poll_calls(), 0u);
  bool cq_priority_1 = false;
  for (const auto& d : qm_.doorbells()) {
    if (d.db.cmd == qm::kDbCmdCq) cq_priority_1 = d.db.priority == 1;
  }
  EXPECT_TRUE(cq_priority_1);
  sample_teardown();
}

TEST_F(UadkCompTest, BusyPollModeByDefaultAndBadEpollValueRefused) {
  process_.set_env("WD_COMP_EPOLL_EN", "yes");
  EXPECT_EQ(sample_setup(1, 0), -WD_EINVAL);
  EXPECT_EQ(os_.open_fd_count(), 0u);
  process_.unset_env("WD_COMP_EPOLL_EN");
  ASSERT_EQ(sample_setup(1, 0), 0) << process_.last_error();
  qm_.set_auto_complete(false);
  os_.set_idle_handler([this] { complete_all(); });
  uint32_t status = 99;
  ASSERT_EQ(compress_once(os_, sample_text(5000, 9), &status), 0) << process_.last_error();
  EXPECT_EQ(os_.interrupt_waits(), 0u);
  EXPECT_GT(os_.poll_calls(), 0u);
  for (const auto& d : qm_.doorbells()) {
    if (d.db.cmd == qm::kDbCmdCq) {
      EXPECT_EQ(d.db.priority, 0);
    }
  }
  sample_teardown();
}

TEST_F(UadkCompTest, DiscoverySkipsIsolatedDevicesAndInit2SpreadsOverDevices) {
  add_device("hisi_zip-1", 100, /*isolate=*/1);
  add_device("hisi_zip-2", 2);
  uacce_dev_list* list = wd_get_accel_list("zlib");
  std::vector<std::string> names;
  for (uacce_dev_list* l = list; l; l = l->next) names.push_back(l->dev->char_dev_path);
  wd_free_list_accels(list);
  EXPECT_EQ(names, (std::vector<std::string>{"/dev/hisi_zip-0", "/dev/hisi_zip-2"}));
  EXPECT_EQ(wd_get_accel_list("lz4"), nullptr);

  // 9 ctxs: more than hisi_zip-0's 8 instances, so init2 takes the rest from hisi_zip-2.
  wd_ctx_nums nums[2] = {{3, 2}, {2, 2}};
  wd_ctx_params params{2, nums, nullptr, nullptr};
  ASSERT_EQ(wd_comp_init2_(const_cast<char*>("zlib"), SCHED_POLICY_RR, TASK_HW, &params), 0)
      << process_.last_error();
  std::map<std::string, int> per_device;
  for (int fd = 0; fd < 64; ++fd) {
    if (const FakeUacceDevice* d = os_.device_of(fd)) ++per_device[d->name];
  }
  EXPECT_EQ(per_device["hisi_zip-0"] + per_device["hisi_zip-2"], 9);
  EXPECT_EQ(per_device.count("hisi_zip-1"), 0u);
  // Each ctx from the device with the most instances left (ties: discovery order): hisi_zip-0
  // until it has 2 left, then alternately: 8 from hisi_zip-0, 1 from hisi_zip-2.
  EXPECT_EQ(per_device["hisi_zip-2"], 1);
  uint32_t status = 99;
  ASSERT_EQ(compress_once(os_, sample_text(3000, 1), &status), 0) << process_.last_error();
  EXPECT_EQ(status, 0u);
  EXPECT_EQ(wd_comp_init2(const_cast<char*>("zlib"), SCHED_POLICY_RR, TASK_HW), -WD_EEXIST);
  wd_comp_uninit2();
  EXPECT_EQ(os_.open_fd_count(), 0u);

  // Asking for more ctxs than all usable devices have fails cleanly.
  wd_ctx_nums too_many[1] = {{20, 0}};
  wd_ctx_params big{1, too_many, nullptr, nullptr};
  EXPECT_EQ(wd_comp_init2_(const_cast<char*>("zlib"), SCHED_POLICY_RR, TASK_HW, &big), -WD_EBUSY);
  EXPECT_EQ(os_.open_fd_count(), 0u);
}

TEST_F(UadkCompTest, HardwareStatusesBecomeRequestStatus) {
  ASSERT_EQ(sample_setup(1, 0), 0) << process_.last_error();
  const auto input = sample_text(20000, 5);
  const VirtAddr src = put(input);
  const VirtAddr dst = os_.alloc(30000);
  uint32_t len = 30000, status = 99;
  ASSERT_EQ(sample_sync(WD_ZLIB, WD_DIR_COMPRESS, ptr(src), input.size(), ptr(dst), &len, &status),
            0);
  ASSERT_EQ(status, 0u);
  // Decompressing into too little room mid-stream: dst too small -> WD_IN_EPARA.
  const VirtAddr small = os_.alloc(1000);
  uint32_t small_len = 1000;
  ASSERT_EQ(sample_sync(WD_ZLIB, WD_DIR_DECOMPRESS, ptr(dst), len, ptr(small), &small_len, &status),
            0);
  EXPECT_EQ(status, static_cast<uint32_t>(WD_IN_EPARA));
  // The last block without room (ctx_st 1, HZ_DECOMP_NO_SPACE) -> WD_EAGAIN.
  forced_status_ = kZipStatusDstTooSmall;
  forced_ctx_st_ = kZipCtxDecompNoSpace;
  small_len = 1000;
  ASSERT_EQ(sample_sync(WD_ZLIB, WD_DIR_DECOMPRESS, ptr(dst), len, ptr(small), &small_len, &status),
            0);
  EXPECT_EQ(status, static_cast<uint32_t>(WD_EAGAIN));
  forced_ctx_st_ = 0;
  // A corrupt stream: WD_IN_EPARA, as hisi_comp reports any bad status.
  forced_status_ = kZipStatusStreamError;
  uint32_t out_len = 30000;
  ASSERT_EQ(sample_sync(WD_ZLIB, WD_DIR_DECOMPRESS, ptr(dst), len, ptr(os_.alloc(30000)), &out_len,
                        &status),
            0);
  EXPECT_EQ(status, static_cast<uint32_t>(WD_IN_EPARA));
  EXPECT_EQ(out_len, 0u);
  forced_status_ = -1;
  // Arguments UADK refuses never reach the device.
  const int before = requests_;
  uint32_t zero = 0;
  EXPECT_EQ(sample_sync(WD_ZLIB, WD_DIR_COMPRESS, ptr(src), 0, ptr(dst), &len, &status),
            -WD_EINVAL);
  EXPECT_EQ(sample_sync(WD_ZLIB, WD_DIR_COMPRESS, ptr(src), 100, ptr(dst), &zero, &status),
            -WD_EINVAL);
  EXPECT_EQ(requests_, before);
  sample_teardown();
}

TEST_F(UadkCompTest, CallKeepsItsBindingWhenAnotherThreadRebindsMidCall) {
  ASSERT_EQ(sample_setup(1, 0), 0) << process_.last_error();
  qm_.set_auto_complete(false);
  FakeOs other_os;
  UadkProcess other_process;
  int idle = 0;
  os_.set_idle_handler([&] {
    // Another simulated thread runs while this one waits, and binds itself.
    wd_runtime_bind(&other_os, &other_process);
    if (++idle == 3) complete_all();
  });
  uint32_t status = 99;
  ASSERT_EQ(compress_once(os_, sample_text(4000, 2), &status), 0) << process_.last_error();
  EXPECT_EQ(status, 0u);
  EXPECT_EQ(wd_runtime_bound_os(), &os_);
  EXPECT_EQ(wd_runtime_bound_process(), &process_);
  EXPECT_EQ(other_os.open_fd_count(), 0u);
  sample_teardown();
}

TEST_F(UadkCompTest, CallbackMaySubmitTheNextRequest) {
  ASSERT_EQ(sample_setup(0, 1), 0) << process_.last_error();
  wd_comp_sess_setup setup{};
  setup.alg_type = WD_GZIP;
  setup.op_type = WD_DIR_COMPRESS;
  struct Chain {
    handle_t sess;
    wd_comp_req req;
    int left;
    int done;
  };
  Chain chain{wd_comp_alloc_sess(&setup), {}, 5, 0};
  ASSERT_NE(chain.sess, 0u);
  const auto input = sample_text(3000, 4);
  chain.req.op_type = WD_DIR_COMPRESS;
  chain.req.src = ptr(put(input));
  chain.req.src_len = input.size();
  chain.req.dst_len = 8192;
  chain.req.dst = ptr(os_.alloc(8192));
  chain.req.cb = [](wd_comp_req* req, void* param) -> void* {
    auto* c = static_cast<Chain*>(param);
    ++c->done;
    if (--c->left > 0) {
      req->dst_len = 8192;
      req->src_len = 3000;
      wd_do_comp_async(c->sess, req);
    }
    return nullptr;
  };
  chain.req.cb_param = &chain;
  ASSERT_EQ(wd_do_comp_async(chain.sess, &chain.req), 0) << process_.last_error();
  uint32_t count = 0;
  for (int i = 0; i < 10 && chain.done < 5; ++i) wd_comp_poll(1, &count);
  EXPECT_EQ(chain.done, 5);
  EXPECT_EQ(chain.req.status, 0u);
  wd_comp_free_sess(chain.sess);
  sample_teardown();
}

TEST_F(UadkCompTest, UnboundOrUninitialisedCallsFailWithoutCrashing) {
  wd_runtime_bind(nullptr, nullptr);
  EXPECT_EQ(wd_request_ctx(nullptr), 0u);
  EXPECT_EQ(wd_comp_init2(const_cast<char*>("zlib"), SCHED_POLICY_RR, TASK_HW), -WD_EINVAL);
  wd_runtime_bind(&os_, &process_);
  wd_comp_sess_setup setup{};
  EXPECT_EQ(wd_comp_alloc_sess(&setup), 0u);
  wd_comp_req req{};
  EXPECT_EQ(wd_do_comp_sync(12345, &req), -WD_EINVAL);
  uint32_t count = 7;
  EXPECT_EQ(wd_comp_poll(1, &count), -WD_EINVAL);
  EXPECT_EQ(wd_comp_poll_ctx(0, 1, &count), -WD_EINVAL);
  EXPECT_EQ(wd_do_comp_strm(0, &req), -WD_EINVAL);
  wd_comp_uninit();  // nothing to undo
  wd_ctx_config config{0, nullptr, nullptr, nullptr};
  EXPECT_EQ(wd_comp_init(&config, nullptr), -WD_EINVAL);
}

}  // namespace
}  // namespace wdsim::rt
