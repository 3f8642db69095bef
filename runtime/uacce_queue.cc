#include "runtime/uacce_queue.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace wdsim::rt {

namespace {

std::string errno_text(int err) {
  // strerror is not thread-safe in general, but only reads a static table for valid errnos.
  return std::string(std::strerror(err < 0 ? -err : err)) + " (" + std::to_string(err) + ")";
}

}  // namespace

bool parse_sysfs_int(const std::string& text, int64_t* out) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  size_t digits_start = i;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    uint64_t next = value * 10 + static_cast<uint64_t>(text[i] - '0');
    if (next / 10 != value || next > static_cast<uint64_t>(INT64_MAX)) return false;
    value = next;
    ++i;
  }
  if (i == digits_start) return false;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i != text.size()) return false;
  *out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return true;
}

std::vector<std::string> split_sysfs_list(const std::string& text) {
  std::vector<std::string> names;
  std::string cur;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) names.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) names.push_back(cur);
  return names;
}

bool UacceDeviceInfo::has_algorithm(const std::string& alg) const {
  return std::find(algorithms.begin(), algorithms.end(), alg) != algorithms.end();
}

std::string UacceDeviceInfo::sysfs_dir() const {
  return std::string(kUacceSysfsClassDir) + "/" + name;
}

std::string UacceDeviceInfo::dev_path() const { return std::string(kUacceDevDir) + "/" + name; }

UacceQueue::UacceQueue(OsInterface& os, uint64_t page_size) : os_(&os), page_size_(page_size) {}

UacceQueue::~UacceQueue() {
  // A destructor never throws: the OS reports errors as return codes, and whatever else a
  // close meets here (the thread being torn down) must not escape an unwinding stack.
  try {
    if (is_open()) close();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing is left to report it to
  }
}

int UacceQueue::list_devices(OsInterface& os, std::vector<UacceDeviceInfo>* out,
                             std::vector<std::string>* skipped) {
  out->clear();
  std::vector<std::string> names;
  long ret = os.list_dir(kUacceSysfsClassDir, &names);
  if (ret < 0) return static_cast<int>(ret);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    UacceDeviceInfo dev;
    dev.name = name;
    const std::string dir = dev.sysfs_dir() + "/";
    std::string text;
    std::string problem;
    auto read_int = [&](const char* attr, int64_t* v, bool required) {
      if (!problem.empty()) return;
      long r = os.read_text(dir + attr, &text);
      if (r < 0) {
        if (required) problem = std::string(attr) + ": " + errno_text(static_cast<int>(r));
        return;
      }
      if (!parse_sysfs_int(text, v)) problem = std::string(attr) + ": not a number";
    };
    if (long r = os.read_text(dir + kUacceAttrApi, &text); r < 0) {
      problem = std::string(kUacceAttrApi) + ": " + errno_text(static_cast<int>(r));
    } else {
      auto words = split_sysfs_list(text);
      dev.api = words.empty() ? "" : words.front();
    }
    if (problem.empty()) {
      if (long r = os.read_text(dir + kUacceAttrAlgorithms, &text); r < 0) {
        problem = std::string(kUacceAttrAlgorithms) + ": " + errno_text(static_cast<int>(r));
      } else {
        dev.algorithms = split_sysfs_list(text);
      }
    }
    int64_t flags = 0, mmio = 0, dus = 0;
    read_int(kUacceAttrFlags, &flags, true);
    read_int(kUacceAttrAvailableInstances, &dev.available_instances, true);
    read_int(kUacceAttrRegionMmioSize, &mmio, true);
    read_int(kUacceAttrRegionDusSize, &dus, true);
    read_int(kUacceAttrIsolate, &dev.isolate, false);
    if (problem.empty() && (flags < 0 || mmio < 0 || dus < 0)) problem = "negative attribute";
    if (!problem.empty()) {
      if (skipped) skipped->push_back(name + ": " + problem);
      continue;
    }
    dev.flags = static_cast<uint32_t>(flags);
    dev.region_mmio_size = static_cast<uint64_t>(mmio);
    dev.region_dus_size = static_cast<uint64_t>(dus);
    out->push_back(std::move(dev));
  }
  return 0;
}

bool UacceQueue::usable(const UacceDeviceInfo& dev, const UacceQueueRequest& req,
                        std::string* why) {
  auto no = [&](const std::string& reason) {
    if (why) *why = dev.name + ": " + reason;
    return false;
  };
  if (!dev.has_algorithm(req.algorithm)) return no("no algorithm '" + req.algorithm + "'");
  if (dev.api.rfind(req.api_prefix, 0) != 0) return no("api '" + dev.api + "' not supported");
  if (req.require_sva && (dev.flags & kUacceDevSva) == 0) return no("no SVA");
  if (dev.isolate != 0) return no("isolated");
  if (dev.available_instances <= 0) return no("no available instances");
  if (dev.region_mmio_size == 0 || dev.region_dus_size == 0) return no("empty region");
  return true;
}

int UacceQueue::pick_device(OsInterface& os, const UacceQueueRequest& req, UacceDeviceInfo* out,
                            std::string* why) {
  std::vector<UacceDeviceInfo> devs;
  std::vector<std::string> reasons;
  int ret = list_devices(os, &devs, &reasons);
  if (ret < 0) {
    if (why) *why = std::string("cannot list ") + kUacceSysfsClassDir + ": " + errno_text(ret);
    return ret;
  }
  const UacceDeviceInfo* best = nullptr;
  for (const UacceDeviceInfo& dev : devs) {
    std::string reason;
    if (!usable(dev, req, &reason)) {
      reasons.push_back(reason);
      continue;
    }
    if (!best || dev.available_instances > best->available_instances) best = &dev;
  }
  if (!best) {
    if (why) {
      *why = "no usable uacce device for '" + req.algorithm + "'";
      for (const std::string& r : reasons) *why += "; " + r;
    }
    return -ENODEV;
  }
  *out = *best;
  return 0;
}

int UacceQueue::fail(int err, const std::string& what) {
  last_error_ = device_.name + ": " + what + ": " + errno_text(err);
  return err;
}

int UacceQueue::open(const UacceQueueRequest& req) {
  if (is_open()) {
    last_error_ = "queue already open on " + device_.name;
    return -EBUSY;
  }
  UacceDeviceInfo dev;
  std::string why;
  int ret = pick_device(*os_, req, &dev, &why);
  if (ret < 0) {
    last_error_ = why;
    return ret;
  }
  return open_device(dev, req);
}

int UacceQueue::open_device(const UacceDeviceInfo& dev, const UacceQueueRequest& req) {
  int ret = open_fd(dev);
  if (ret < 0) return ret;
  ret = start(req);
  if (ret < 0) {
    std::string why = last_error_;
    undo_open();
    last_error_ = why;
  }
  return ret;
}

int UacceQueue::open_fd(const UacceDeviceInfo& dev) {
  if (is_open()) {
    last_error_ = "queue already open on " + device_.name;
    return -EBUSY;
  }
  device_ = dev;
  last_error_.clear();
  int fd = os_->open(dev.dev_path());
  if (fd < 0) return fail(fd, "open " + dev.dev_path());
  fd_ = fd;
  return 0;
}

int UacceQueue::start(const UacceQueueRequest& req) {
  if (!is_open()) {
    last_error_ = "start on a queue that is not open";
    return -EINVAL;
  }
  if (started_) {
    last_error_ = device_.name + ": queue already started";
    return -EBUSY;
  }
  if (req.qc_type > kHisiQpQcTypeMax) {
    last_error_ = device_.name + ": qc_type " + std::to_string(req.qc_type) + " out of range";
    return -EINVAL;
  }
  int err = 0;
  dus_base_ = os_->mmap(fd_, device_.region_dus_size, kProtRead | kProtWrite,
                        kUacceQfrtDus * page_size_, &err);
  if (dus_base_ == 0) {
    int e = err < 0 ? err : -ENOMEM;
    undo_start();
    return fail(e, "mmap DUS");
  }
  mmio_base_ = os_->mmap(fd_, device_.region_mmio_size, kProtRead | kProtWrite,
                         kUacceQfrtMmio * page_size_, &err);
  if (mmio_base_ == 0) {
    int e = err < 0 ? err : -ENOMEM;
    undo_start();
    return fail(e, "mmap MMIO");
  }

  HisiQpCtx ctx;
  ctx.qc_type = req.qc_type;
  long r = os_->ioctl(fd_, kUacceCmdQmSetQpCtx, &ctx);
  if (r < 0) {
    undo_start();
    return fail(static_cast<int>(r), "UACCE_CMD_QM_SET_QP_CTX");
  }
  qp_ctx_ = ctx;

  HisiQpInfo info;
  r = os_->ioctl(fd_, kUacceCmdQmSetQpInfo, &info);
  if (r >= 0 && info.sqe_size != 0 && info.sq_depth >= 2 && info.cq_depth >= 2) {
    qp_info_ = info;
    qp_info_from_driver_ = true;
  } else if (r < 0 && r != -EINVAL && r != -ENOTTY) {
    undo_start();
    return fail(static_cast<int>(r), "UACCE_CMD_QM_SET_QP_INFO");
  } else {
    // Older drivers: fixed geometry (UADK's QM_Q_DEPTH and the caller's SQE size).
    qp_info_ = HisiQpInfo{req.default_sqe_size, req.default_depth, req.default_depth, 0};
    qp_info_from_driver_ = false;
  }

  r = os_->ioctl(fd_, kUacceCmdStartQ, nullptr);
  if (r < 0) {
    undo_start();
    return fail(static_cast<int>(r), "UACCE_CMD_START_Q");
  }
  started_ = true;
  return 0;
}

void UacceQueue::undo_start() {
  if (mmio_base_ != 0) os_->munmap(mmio_base_, device_.region_mmio_size);
  if (dus_base_ != 0) os_->munmap(dus_base_, device_.region_dus_size);
  mmio_base_ = 0;
  dus_base_ = 0;
  started_ = false;
  qp_ctx_ = HisiQpCtx{};
  qp_info_ = HisiQpInfo{};
  qp_info_from_driver_ = false;
}

void UacceQueue::undo_open() {
  undo_start();
  if (fd_ >= 0) os_->close(fd_);
  fd_ = -1;
}

int UacceQueue::stop() {
  if (!is_open()) return 0;
  int first = 0;
  if (started_) {
    long r = os_->ioctl(fd_, kUacceCmdPutQ, nullptr);
    if (r < 0 && first == 0) first = fail(static_cast<int>(r), "UACCE_CMD_PUT_Q");
  }
  if (mmio_base_ != 0) {
    int r = os_->munmap(mmio_base_, device_.region_mmio_size);
    if (r < 0 && first == 0) first = fail(r, "munmap MMIO");
  }
  if (dus_base_ != 0) {
    int r = os_->munmap(dus_base_, device_.region_dus_size);
    if (r < 0 && first == 0) first = fail(r, "munmap DUS");
  }
  mmio_base_ = 0;
  dus_base_ = 0;
  started_ = false;
  return first;
}

int UacceQueue::close() {
  if (!is_open()) return 0;
  int first = stop();
  int r = os_->close(fd_);
  if (r < 0 && first == 0) first = fail(r, "close");
  fd_ = -1;
  return first;
}

}  // namespace wdsim::rt
