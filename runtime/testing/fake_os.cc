#include "runtime/testing/fake_os.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wdsim::rt::testing {

namespace {

constexpr const char* kDevPrefix = "/dev/";

uint64_t round_up_pages(uint64_t len) {
  return (len + FakeOs::kPageSize - 1) / FakeOs::kPageSize * FakeOs::kPageSize;
}

}  // namespace

FakeOs::FakeOs() = default;
FakeOs::~FakeOs() = default;

void FakeOs::add_file(const std::string& path, const std::string& text) { files_[path] = text; }

void FakeOs::remove_file(const std::string& path) { files_.erase(path); }

void FakeOs::add_uacce_device(const FakeUacceDevice& dev) {
  devices_[dev.name] = DeviceEntry{dev, dev.first_qp_id};
  const std::string dir = std::string(kUacceSysfsClassDir) + "/" + dev.name + "/";
  add_file(dir + kUacceAttrApi, dev.api + "\n");
  add_file(dir + kUacceAttrFlags, std::to_string(dev.flags) + "\n");
  add_file(dir + kUacceAttrAlgorithms, dev.algorithms);
  add_file(dir + kUacceAttrRegionMmioSize, std::to_string(dev.region_mmio_size) + "\n");
  add_file(dir + kUacceAttrRegionDusSize, std::to_string(dev.region_dus_size) + "\n");
  if (dev.has_isolate_attr) add_file(dir + kUacceAttrIsolate, std::to_string(dev.isolate) + "\n");
  publish_available(devices_[dev.name]);
}

void FakeOs::publish_available(const DeviceEntry& e) {
  add_file(std::string(kUacceSysfsClassDir) + "/" + e.dev.name + "/" + kUacceAttrAvailableInstances,
           std::to_string(e.dev.available_instances) + "\n");
}

VirtAddr FakeOs::reserve_va(size_t len) {
  VirtAddr va = next_va_;
  // Leave a guard page between mappings so overruns show up as access faults.
  next_va_ += round_up_pages(len) + kPageSize;
  return va;
}

VirtAddr FakeOs::alloc(size_t len) {
  int err = 0;
  return mmap(-1, len, kProtRead | kProtWrite, 0, &err);
}

FakeQueue* FakeOs::queue(int fd) {
  auto it = queues_.find(fd);
  return it == queues_.end() ? nullptr : &it->second;
}

const FakeUacceDevice* FakeOs::device_of(int fd) {
  FakeQueue* q = queue(fd);
  if (!q) return nullptr;
  auto it = devices_.find(q->device);
  return it == devices_.end() ? nullptr : &it->second.dev;
}

void FakeOs::set_device_attr(const std::string& device, const std::string& attr,
                             const std::string& text) {
  add_file(std::string(kUacceSysfsClassDir) + "/" + device + "/" + attr, text);
}

void FakeOs::raise_interrupt(int fd) {
  if (FakeQueue* q = queue(fd)) q->irq_pending = true;
}

// ---------------- files ----------------

int FakeOs::open(const std::string& path) {
  if (path.rfind(kDevPrefix, 0) != 0) return -ENOENT;
  auto it = devices_.find(path.substr(std::strlen(kDevPrefix)));
  if (it == devices_.end()) return -ENOENT;
  DeviceEntry& e = it->second;
  if (e.dev.available_instances <= 0) return -EBUSY;
  --e.dev.available_instances;
  publish_available(e);
  FakeQueue q;
  q.fd = next_fd_++;
  q.device = e.dev.name;
  q.qp_id = e.next_qp++;
  queues_[q.fd] = q;
  return q.fd;
}

int FakeOs::close(int fd) {
  auto it = queues_.find(fd);
  if (it == queues_.end()) return -EBADF;
  auto dev = devices_.find(it->second.device);
  if (dev != devices_.end()) {
    ++dev->second.dev.available_instances;
    publish_available(dev->second);
  }
  queues_.erase(it);
  return 0;
}

long FakeOs::ioctl(int fd, unsigned long cmd, void* arg) {
  FakeQueue* q = queue(fd);
  if (!q) return -EBADF;
  ioctl_log_.push_back(cmd);
  const FakeUacceDevice& dev = devices_[q->device].dev;
  if (cmd == kUacceCmdStartQ) {
    if (q->state != FakeQueueState::kInit) return -EINVAL;
    q->state = FakeQueueState::kStarted;
    return 0;
  }
  if (cmd == kUacceCmdPutQ) {
    q->state = FakeQueueState::kZombie;
    return 0;
  }
  if (cmd == kUacceCmdQmSetQpCtx) {
    if (!arg) return -EFAULT;
    HisiQpCtx ctx;
    std::memcpy(&ctx, arg, sizeof(ctx));
    if (ctx.qc_type > kHisiQpQcTypeMax) return -EINVAL;
    q->qc_type = ctx.qc_type;
    ctx.id = q->qp_id;
    std::memcpy(arg, &ctx, sizeof(ctx));
    return 0;
  }
  if (cmd == kUacceCmdQmSetQpInfo) {
    if (!dev.supports_qp_info) return -EINVAL;
    if (!arg) return -EFAULT;
    HisiQpInfo info = dev.qp_info;
    std::memcpy(arg, &info, sizeof(info));
    return 0;
  }
  return -EINVAL;
}

long FakeOs::read_text(const std::string& path, std::string* out) {
  auto it = files_.find(path);
  if (it == files_.end()) return -ENOENT;
  *out = it->second;
  return static_cast<long>(out->size());
}

long FakeOs::list_dir(const std::string& path, std::vector<std::string>* names) {
  names->clear();
  const std::string prefix = path + "/";
  bool found = false;
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    found = true;
    std::string rest = it->first.substr(prefix.size());
    std::string child = rest.substr(0, rest.find('/'));
    if (names->empty() || names->back() != child) names->push_back(child);
  }
  return found ? 0 : -ENOENT;
}

// ---------------- memory ----------------

VirtAddr FakeOs::mmap(int fd, size_t len, int /*prot*/, uint64_t offset, int* err) {
  auto fail = [&](int e) {
    if (err) *err = e;
    return VirtAddr{0};
  };
  if (len == 0) return fail(-EINVAL);
  if (fd < 0) {
    VirtAddr va = reserve_va(len);
    mappings_[va] = Mapping{static_cast<size_t>(round_up_pages(len)), -1, 0};
    return va;
  }
  FakeQueue* q = queue(fd);
  if (!q) return fail(-EBADF);
  if (offset % kPageSize != 0) return fail(-EINVAL);
  uint64_t region = offset / kPageSize;
  if (region > kUacceQfrtDus) return fail(-EINVAL);  // the fake has no static share region
  if (q->state == FakeQueueState::kZombie) return fail(-ENXIO);
  if (q->region_va[region] != 0) return fail(-EEXIST);
  const FakeUacceDevice& dev = devices_[q->device].dev;
  uint64_t size = region == kUacceQfrtMmio ? dev.region_mmio_size : dev.region_dus_size;
  if (len > size) return fail(-EINVAL);
  VirtAddr va = reserve_va(len);
  mappings_[va] =
      Mapping{static_cast<size_t>(round_up_pages(len)), fd, static_cast<uint32_t>(region)};
  q->region_va[region] = va;
  q->region_size[region] = len;
  return va;
}

int FakeOs::munmap(VirtAddr va, size_t /*len*/) {
  auto it = mappings_.find(va);
  if (it == mappings_.end()) return -EINVAL;
  const Mapping m = it->second;
  if (m.fd >= 0) {
    if (FakeQueue* q = queue(m.fd)) {
      q->region_va[m.region] = 0;
      q->region_size[m.region] = 0;
    }
  }
  for (uint64_t p = va / kPageSize; p < (va + m.len) / kPageSize; ++p) pages_.erase(p);
  mappings_.erase(it);
  return 0;
}

const FakeOs::Mapping* FakeOs::find_mapping(VirtAddr va, size_t len, VirtAddr* base) const {
  auto it = mappings_.upper_bound(va);
  if (it == mappings_.begin()) return nullptr;
  --it;
  if (va - it->first + len > it->second.len) return nullptr;
  if (base) *base = it->first;
  return &it->second;
}

uint8_t* FakeOs::page(uint64_t page_number) {
  auto& p = pages_[page_number];
  if (!p) {
    p.reset(new uint8_t[kPageSize]);
    std::memset(p.get(), 0, kPageSize);
  }
  return p.get();
}

void FakeOs::copy_out(VirtAddr va, void* dst, size_t len) {
  auto* out = static_cast<uint8_t*>(dst);
  if (!find_mapping(va, len, nullptr)) {
    ++access_faults_;
    std::memset(out, 0, len);
    return;
  }
  while (len > 0) {
    uint64_t off = va % kPageSize;
    size_t n = std::min<size_t>(len, kPageSize - off);
    std::memcpy(out, page(va / kPageSize) + off, n);
    va += n;
    out += n;
    len -= n;
  }
}

void FakeOs::copy_in(VirtAddr va, const void* src, size_t len) {
  const auto* in = static_cast<const uint8_t*>(src);
  if (!find_mapping(va, len, nullptr)) {
    ++access_faults_;
    return;
  }
  while (len > 0) {
    uint64_t off = va % kPageSize;
    size_t n = std::min<size_t>(len, kPageSize - off);
    std::memcpy(page(va / kPageSize) + off, in, n);
    va += n;
    in += n;
    len -= n;
  }
}

void FakeOs::dev_read(VirtAddr va, void* dst, size_t len) { copy_out(va, dst, len); }
void FakeOs::dev_write(VirtAddr va, const void* src, size_t len) { copy_in(va, src, len); }
void FakeOs::load(VirtAddr va, void* dst, size_t len) { copy_out(va, dst, len); }
void FakeOs::store(VirtAddr va, const void* src, size_t len) { copy_in(va, src, len); }

void FakeOs::mmio_write64(VirtAddr va, uint64_t value) {
  VirtAddr base = 0;
  const Mapping* m = find_mapping(va, sizeof(value), &base);
  if (!m || m->fd < 0 || m->region != kUacceQfrtMmio) {
    ++access_faults_;
    return;
  }
  FakeMmioWrite w{m->fd, va - base, value, now_};
  mmio_writes_.push_back(w);
  if (mmio_handler_) mmio_handler_(w.fd, w.offset, w.value);
}

uint32_t FakeOs::mmio_read32(VirtAddr va) {
  uint32_t v = 0;
  copy_out(va, &v, sizeof(v));
  return v;
}

// ---------------- time ----------------

void FakeOs::compute(Picoseconds cost) {
  now_ += cost;
  compute_total_ += cost;
}

bool FakeOs::poll_memory(VirtAddr va, size_t len, const std::function<bool(const uint8_t*)>& ready,
                         Picoseconds poll_interval, Picoseconds timeout) {
  ++poll_calls_;
  const Picoseconds start = now_;
  const Picoseconds deadline = now_ + timeout;
  std::vector<uint8_t> bytes(len);
  for (;;) {
    copy_out(va, bytes.data(), len);
    if (ready(bytes.data())) break;
    if (now_ >= deadline) {
      busy_poll_total_ += now_ - start;
      return false;
    }
    if (idle_handler_ && poll_interval > 0) {
      now_ = std::min(deadline, now_ + poll_interval);
      idle_handler_();
    } else {
      now_ = deadline;
    }
  }
  busy_poll_total_ += now_ - start;
  return true;
}

int FakeOs::wait_interrupt(int fd, Picoseconds timeout) {
  ++interrupt_waits_;
  FakeQueue* q = queue(fd);
  if (!q) return -EBADF;
  const Picoseconds deadline = now_ + timeout;
  // The idle handler runs at this granularity while sleeping.
  constexpr Picoseconds kSleepStep = 1000000;  // 1 us
  for (;;) {
    q = queue(fd);
    if (!q) return -EBADF;
    if (q->irq_pending) {
      q->irq_pending = false;
      return 1;
    }
    if (now_ >= deadline) return 0;
    if (idle_handler_) {
      now_ = std::min(deadline, now_ + kSleepStep);
      idle_handler_();
    } else {
      now_ = deadline;
    }
  }
}

}  // namespace wdsim::rt::testing
