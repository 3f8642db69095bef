#include "runtime/uacce_queue.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "formats/uacce/hisi_qm.h"
#include "formats/uacce/uacce.h"
#include "runtime/testing/fake_os.h"

namespace wdsim::rt {
namespace {

using testing::FakeOs;
using testing::FakeQueueState;
using testing::FakeUacceDevice;

TEST(UacceAbi, IoctlNumbersEqualLinux) {
  // Hand-computed from asm-generic/ioctl.h: dir << 30 | size << 16 | type << 8 | nr.
  EXPECT_EQ(kUacceCmdStartQ, 0x00005700ul);       // _IO('W', 0)
  EXPECT_EQ(kUacceCmdPutQ, 0x00005701ul);         // _IO('W', 1)
  EXPECT_EQ(kUacceCmdQmSetQpCtx, 0xC004480Aul);   // _IOWR('H', 10, 4 bytes)
  EXPECT_EQ(kUacceCmdQmSetQpInfo, 0xC010480Bul);  // _IOWR('H', 11, 16 bytes)
  EXPECT_EQ(ioc_dir(kUacceCmdQmSetQpCtx), kIocRead | kIocWrite);
  EXPECT_EQ(ioc_type(kUacceCmdQmSetQpInfo), static_cast<uint32_t>('H'));
  EXPECT_EQ(ioc_nr(kUacceCmdQmSetQpInfo), 11u);
  EXPECT_EQ(ioc_size(kUacceCmdQmSetQpInfo), 16u);
  EXPECT_EQ(ioc_dir(kUacceCmdStartQ), kIocNone);
  EXPECT_EQ(kUacceDevSva, 1u);
  EXPECT_EQ(kUacceQfrtMmio, 0u);
  EXPECT_EQ(kUacceQfrtDus, 1u);
}

TEST(UacceSysfs, ParsesIntegersAndLists) {
  int64_t v = 0;
  EXPECT_TRUE(parse_sysfs_int("151552\n", &v));
  EXPECT_EQ(v, 151552);
  EXPECT_TRUE(parse_sysfs_int(" -3 ", &v));
  EXPECT_EQ(v, -3);
  EXPECT_FALSE(parse_sysfs_int("", &v));
  EXPECT_FALSE(parse_sysfs_int("12abc", &v));
  EXPECT_FALSE(parse_sysfs_int("99999999999999999999999", &v));
  auto algs = split_sysfs_list("zlib\ngzip\n deflate\n");
  ASSERT_EQ(algs.size(), 3u);
  EXPECT_EQ(algs[2], "deflate");
}

FakeUacceDevice zip_device(const std::string& name) {
  FakeUacceDevice d;
  d.name = name;
  return d;
}

TEST(UacceDiscovery, PicksUsableDeviceWithMostInstances) {
  FakeOs os;
  FakeUacceDevice sec = zip_device("hisi_sec2-0");
  sec.algorithms = "cbc(aes)\nsha256\n";
  sec.available_instances = 100;
  os.add_uacce_device(sec);
  FakeUacceDevice isolated = zip_device("hisi_zip-0");
  isolated.isolate = 1;
  isolated.available_instances = 50;
  os.add_uacce_device(isolated);
  FakeUacceDevice nosva = zip_device("hisi_zip-1");
  nosva.flags = 0;
  nosva.available_instances = 50;
  os.add_uacce_device(nosva);
  FakeUacceDevice other_api = zip_device("hisi_zip-2");
  other_api.api = "other_v1";
  other_api.available_instances = 50;
  os.add_uacce_device(other_api);
  FakeUacceDevice empty = zip_device("hisi_zip-3");
  empty.available_instances = 0;
  os.add_uacce_device(empty);
  FakeUacceDevice good_small = zip_device("hisi_zip-4");
  good_small.available_instances = 2;
  os.add_uacce_device(good_small);
  FakeUacceDevice good_big = zip_device("hisi_zip-5");
  good_big.available_instances = 5;
  good_big.has_isolate_attr = false;  // older kernels: no attribute means not isolated
  os.add_uacce_device(good_big);

  UacceQueueRequest req;
  req.algorithm = "zlib";
  UacceDeviceInfo picked;
  std::string why;
  ASSERT_EQ(UacceQueue::pick_device(os, req, &picked, &why), 0) << why;
  EXPECT_EQ(picked.name, "hisi_zip-5");
  EXPECT_EQ(picked.api, "hisi_qm_v2");
  EXPECT_EQ(picked.region_dus_size, 151552u);
  EXPECT_EQ(picked.region_mmio_size, 8192u);
  EXPECT_TRUE(picked.has_algorithm("gzip"));

  std::string reason;
  std::vector<UacceDeviceInfo> all;
  ASSERT_EQ(UacceQueue::list_devices(os, &all), 0);
  ASSERT_EQ(all.size(), 7u);
  EXPECT_FALSE(UacceQueue::usable(all[0], req, &reason));  // hisi_sec2-0
  EXPECT_NE(reason.find("no algorithm"), std::string::npos);
  EXPECT_FALSE(UacceQueue::usable(all[1], req, &reason));
  EXPECT_NE(reason.find("isolated"), std::string::npos);
  EXPECT_FALSE(UacceQueue::usable(all[2], req, &reason));
  EXPECT_NE(reason.find("SVA"), std::string::npos);
  EXPECT_FALSE(UacceQueue::usable(all[3], req, &reason));
  EXPECT_NE(reason.find("api"), std::string::npos);
  EXPECT_FALSE(UacceQueue::usable(all[4], req, &reason));
  EXPECT_NE(reason.find("instances"), std::string::npos);

  // When the only other good device is gone, hisi_zip-4 wins.
  os.set_device_attr("hisi_zip-5", kUacceAttrIsolate, "1\n");
  ASSERT_EQ(UacceQueue::pick_device(os, req, &picked, &why), 0);
  EXPECT_EQ(picked.name, "hisi_zip-4");
}

TEST(UacceDiscovery, NoUsableDeviceIsEnodevWithReasons) {
  FakeOs os;
  FakeUacceDevice isolated = zip_device("hisi_zip-0");
  isolated.isolate = 1;
  os.add_uacce_device(isolated);
  os.add_file("/sys/class/uacce/broken-0/api", "hisi_qm_v2\n");  // missing attributes

  UacceQueue q(os, FakeOs::kPageSize);
  UacceQueueRequest req;
  req.algorithm = "zlib";
  EXPECT_EQ(q.open(req), -ENODEV);
  EXPECT_NE(q.last_error().find("isolated"), std::string::npos) << q.last_error();
  EXPECT_FALSE(q.is_open());

  std::vector<UacceDeviceInfo> devs;
  std::vector<std::string> skipped;
  ASSERT_EQ(UacceQueue::list_devices(os, &devs, &skipped), 0);
  EXPECT_EQ(devs.size(), 1u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("broken-0"), std::string::npos);

  FakeOs empty_os;
  UacceQueue q2(empty_os, FakeOs::kPageSize);
  EXPECT_EQ(q2.open(req), -ENOENT);
}

TEST(UacceQueueLifecycle, OpenMapsSetsCtxStartsAndCloseUndoes) {
  FakeOs os;
  FakeUacceDevice dev = zip_device("hisi_zip-0");
  dev.first_qp_id = 7;
  dev.qp_info = HisiQpInfo{128, 512, 512, 0};
  os.add_uacce_device(dev);

  UacceQueue q(os, FakeOs::kPageSize);
  UacceQueueRequest req;
  req.algorithm = "gzip";
  req.qc_type = 1;
  ASSERT_EQ(q.open(req), 0) << q.last_error();
  EXPECT_TRUE(q.is_open());
  EXPECT_EQ(q.device().name, "hisi_zip-0");
  EXPECT_EQ(q.qp_id(), 7);
  EXPECT_EQ(q.qc_type(), 1);
  EXPECT_TRUE(q.qp_info_from_driver());
  EXPECT_EQ(q.qp_info().sq_depth, 512);
  EXPECT_NE(q.mmio_base(), 0u);
  EXPECT_NE(q.dus_base(), 0u);

  testing::FakeQueue* fq = os.queue(q.fd());
  ASSERT_NE(fq, nullptr);
  EXPECT_EQ(fq->state, FakeQueueState::kStarted);
  EXPECT_EQ(fq->qc_type, 1);
  EXPECT_EQ(fq->region_va[kUacceQfrtMmio], q.mmio_base());
  EXPECT_EQ(fq->region_va[kUacceQfrtDus], q.dus_base());
  EXPECT_EQ(fq->region_size[kUacceQfrtDus], 151552u);
  std::string avail;
  ASSERT_GE(os.read_text("/sys/class/uacce/hisi_zip-0/available_instances", &avail), 0);
  EXPECT_EQ(avail, "3\n");
  std::vector<unsigned long> expected = {kUacceCmdQmSetQpCtx, kUacceCmdQmSetQpInfo,
                                         kUacceCmdStartQ};
  EXPECT_EQ(os.ioctl_log(), expected);

  const int fd = q.fd();
  EXPECT_EQ(q.close(), 0);
  EXPECT_FALSE(q.is_open());
  EXPECT_EQ(os.ioctl_log().back(), kUacceCmdPutQ);
  EXPECT_EQ(os.queue(fd), nullptr);
  EXPECT_EQ(os.mapping_count(), 0u);
  ASSERT_GE(os.read_text("/sys/class/uacce/hisi_zip-0/available_instances", &avail), 0);
  EXPECT_EQ(avail, "4\n");
  EXPECT_EQ(os.access_faults(), 0u);
}

TEST(UacceQueueLifecycle, OldDriverWithoutQpInfoUsesDefaults) {
  FakeOs os;
  FakeUacceDevice dev = zip_device("hisi_zip-0");
  dev.supports_qp_info = false;
  os.add_uacce_device(dev);
  UacceQueue q(os, FakeOs::kPageSize);
  UacceQueueRequest req;
  req.algorithm = "zlib";
  ASSERT_EQ(q.open(req), 0) << q.last_error();
  EXPECT_FALSE(q.qp_info_from_driver());
  EXPECT_EQ(q.qp_info().sqe_size, 128u);
  EXPECT_EQ(q.qp_info().sq_depth, 1024);
  EXPECT_EQ(q.qp_info().cq_depth, 1024);
}

TEST(UacceQueueLifecycle, FailuresAreErrnoAndLeaveNothingBehind) {
  FakeOs os;
  os.add_uacce_device(zip_device("hisi_zip-0"));
  UacceQueue q(os, FakeOs::kPageSize);
  UacceQueueRequest req;
  req.algorithm = "zlib";
  req.qc_type = 2;  // the driver accepts 0 or 1 only
  EXPECT_EQ(q.open(req), -EINVAL);
  EXPECT_FALSE(q.is_open());
  EXPECT_EQ(os.mapping_count(), 0u);
  EXPECT_EQ(os.open_fd_count(), 0u);

  // A device node that refuses to open (no queue left): -EBUSY, nothing mapped.
  UacceDeviceInfo info;
  std::string why;
  req.qc_type = 0;
  ASSERT_EQ(UacceQueue::pick_device(os, req, &info, &why), 0);
  info.name = "hisi_zip-9";  // no such node
  EXPECT_EQ(q.open_device(info, req), -ENOENT);
  EXPECT_NE(q.last_error().find("/dev/hisi_zip-9"), std::string::npos) << q.last_error();
  EXPECT_EQ(os.mapping_count(), 0u);

  // Two queues on one device both work; a second open on an open UacceQueue is refused.
  ASSERT_EQ(q.open(req), 0);
  EXPECT_EQ(q.open(req), -EBUSY);
  UacceQueue q2(os, FakeOs::kPageSize);
  ASSERT_EQ(q2.open(req), 0);
  EXPECT_NE(q.qp_id(), q2.qp_id());
}

}  // namespace
}  // namespace wdsim::rt
