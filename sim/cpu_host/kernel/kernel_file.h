// The kernel model's file abstraction: a character device opened by a process yields a
// KernelFile whose ioctl/mmap/poll run in the calling thread's context (SyscallContext),
// charging CPU time as they go. Like Linux's file_operations, reduced to what the uacce and
// syscall-path drivers need.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <systemc>

#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/host_costs.h"
#include "sim/cpu_host/kernel/process.h"

namespace wdsim {

class Kernel;

struct SyscallContext {
  Kernel& kernel;
  Process& process;
  CpuContext& cpu;
  const HostCostParams& costs;
  int fd;
};

class KernelFile {
 public:
  virtual ~KernelFile() = default;
  virtual long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) = 0;
  // Returns the user VA, or 0 with *err set to -errno.
  virtual uint64_t mmap(SyscallContext& ctx, uint64_t length, int prot, uint64_t offset,
                        int* err) = 0;
  // Sleeps until the file has an event (poll/epoll). > 0 woken, 0 timeout, -errno error.
  virtual int wait_event(SyscallContext& ctx, const sc_core::sc_time& timeout) {
    (void)ctx;
    (void)timeout;
    return -EINVAL;
  }
  // Last close.
  virtual void release(SyscallContext& ctx) = 0;
};

class CharDevice {
 public:
  virtual ~CharDevice() = default;
  // Returns a new open file, or nullptr with *err = -errno.
  virtual std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) = 0;
};

}  // namespace wdsim
