// FakeOs: an OsInterface for runtime unit tests. It models just enough of a process and a
// kernel for the runtime to run against: a flat fake virtual memory (4 KiB pages in a std::map,
// reachable only inside mappings), a fake sysfs tree, fake /dev/<uacce> nodes that follow the
// uacce driver's rules (open allocates a qp, mmap by region index, SET_QP_CTX/SET_QP_INFO/
// START_Q/PUT_Q), a time counter advanced by compute() and by polling, and a programmable
// "device": every mmio_write64 into a queue's MMIO region is recorded and handed to a callback,
// so a test can emulate hardware that consumes SQEs and writes CQEs.
//
// Does not model: timing of memory or MMIO accesses (free), page faults, fork, several
// processes. Accesses outside any mapping are counted in access_faults() and ignored (reads
// return zeros) so a test can assert there were none.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/uacce/hisi_qm.h"
#include "runtime/os_interface.h"

namespace wdsim::rt::testing {

// One fake uacce device; add_uacce_device() publishes it in sysfs and /dev.
struct FakeUacceDevice {
  std::string name = "hisi_zip-0";
  std::string api = "hisi_qm_v2";
  uint32_t flags = kUacceDevSva;
  std::string algorithms = "zlib\ngzip\ndeflate\n";
  int64_t available_instances = 4;
  uint64_t region_mmio_size = 8192;   // V2 without doorbell isolation
  uint64_t region_dus_size = 151552;  // 128 B SQE, depth 1024 (see FORMATS.md)
  int64_t isolate = 0;
  bool has_isolate_attr = true;
  // What SET_QP_INFO reports; when supports_qp_info is false it returns -EINVAL.
  HisiQpInfo qp_info{128, 1024, 1024, 0};
  bool supports_qp_info = true;
  uint16_t first_qp_id = 0;  // qp numbers are handed out from here, one per open()
};

enum class FakeQueueState { kInit, kStarted, kZombie };

// One open uacce fd (one qp).
struct FakeQueue {
  int fd = -1;
  std::string device;
  uint16_t qp_id = 0;
  uint16_t qc_type = 0;
  FakeQueueState state = FakeQueueState::kInit;
  VirtAddr region_va[kUacceMaxRegion] = {};
  uint64_t region_size[kUacceMaxRegion] = {};
  bool irq_pending = false;
};

struct FakeMmioWrite {
  int fd;
  uint64_t offset;  // from the start of the queue's MMIO region
  uint64_t value;
  Picoseconds at;
};

class FakeOs : public OsInterface {
 public:
  static constexpr uint64_t kPageSize = 4096;

  FakeOs();
  ~FakeOs() override;

  // ---- setup ----
  void add_file(const std::string& path, const std::string& text);
  void remove_file(const std::string& path);
  void add_uacce_device(const FakeUacceDevice& dev);
  // Called for every mmio_write64 that lands in a queue's MMIO region (after it is recorded).
  using MmioHandler = std::function<void(int fd, uint64_t offset, uint64_t value)>;
  void set_mmio_handler(MmioHandler h) { mmio_handler_ = std::move(h); }
  // Called once per poll interval while poll_memory / wait_interrupt wait, so a test device
  // can complete work "later". Without one, a wait that is not satisfied jumps to its timeout.
  using IdleHandler = std::function<void()>;
  void set_idle_handler(IdleHandler h) { idle_handler_ = std::move(h); }
  // Anonymous memory for buffers (a convenience over mmap(-1, ...)).
  VirtAddr alloc(size_t len);

  // ---- device side: free, unrecorded accesses ----
  void dev_read(VirtAddr va, void* dst, size_t len);
  void dev_write(VirtAddr va, const void* src, size_t len);
  FakeQueue* queue(int fd);
  // The device an fd was opened on; nullptr for an unknown fd.
  const FakeUacceDevice* device_of(int fd);
  // Changes what sysfs reports (e.g. isolate) for a device added before.
  void set_device_attr(const std::string& device, const std::string& attr, const std::string& text);
  void raise_interrupt(int fd);

  // ---- introspection ----
  const std::vector<FakeMmioWrite>& mmio_writes() const { return mmio_writes_; }
  const std::vector<unsigned long>& ioctl_log() const { return ioctl_log_; }
  Picoseconds compute_total() const { return compute_total_; }
  Picoseconds busy_poll_total() const { return busy_poll_total_; }
  uint64_t barriers() const { return barriers_; }
  uint64_t access_faults() const { return access_faults_; }
  uint64_t poll_calls() const { return poll_calls_; }
  uint64_t interrupt_waits() const { return interrupt_waits_; }
  size_t mapping_count() const { return mappings_.size(); }
  size_t open_fd_count() const { return queues_.size(); }
  void advance(Picoseconds t) { now_ += t; }

  // ---- OsInterface ----
  int open(const std::string& path) override;
  int close(int fd) override;
  long ioctl(int fd, unsigned long cmd, void* arg) override;
  long read_text(const std::string& path, std::string* out) override;
  long list_dir(const std::string& path, std::vector<std::string>* names) override;
  VirtAddr mmap(int fd, size_t len, int prot, uint64_t offset, int* err) override;
  int munmap(VirtAddr va, size_t len) override;
  void load(VirtAddr va, void* dst, size_t len) override;
  void store(VirtAddr va, const void* src, size_t len) override;
  void mmio_write64(VirtAddr va, uint64_t value) override;
  uint32_t mmio_read32(VirtAddr va) override;
  void barrier() override { ++barriers_; }
  void compute(Picoseconds cost) override;
  Picoseconds now() override { return now_; }
  bool poll_memory(VirtAddr va, size_t len, const std::function<bool(const uint8_t*)>& ready,
                   Picoseconds poll_interval, Picoseconds timeout) override;
  int wait_interrupt(int fd, Picoseconds timeout) override;

 private:
  struct Mapping {
    size_t len = 0;
    int fd = -1;  // -1 for anonymous memory
    uint32_t region = 0;
  };
  struct DeviceEntry {
    FakeUacceDevice dev;
    uint16_t next_qp = 0;
  };

  // Finds the mapping holding [va, va+len); nullptr when none does.
  const Mapping* find_mapping(VirtAddr va, size_t len, VirtAddr* base) const;
  uint8_t* page(uint64_t page_number);
  void copy_out(VirtAddr va, void* dst, size_t len);
  void copy_in(VirtAddr va, const void* src, size_t len);
  void publish_available(const DeviceEntry& e);
  VirtAddr reserve_va(size_t len);

  std::map<std::string, std::string> files_;
  std::map<std::string, DeviceEntry> devices_;  // by name
  std::map<int, FakeQueue> queues_;             // by fd
  std::map<VirtAddr, Mapping> mappings_;        // by start VA
  std::map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
  MmioHandler mmio_handler_;
  IdleHandler idle_handler_;
  std::vector<FakeMmioWrite> mmio_writes_;
  std::vector<unsigned long> ioctl_log_;
  VirtAddr next_va_ = 0x0000400000000000ull;
  int next_fd_ = 3;
  Picoseconds now_ = 0;
  Picoseconds compute_total_ = 0;
  Picoseconds busy_poll_total_ = 0;
  uint64_t barriers_ = 0;
  uint64_t access_faults_ = 0;
  uint64_t poll_calls_ = 0;
  uint64_t interrupt_waits_ = 0;
};

}  // namespace wdsim::rt::testing
