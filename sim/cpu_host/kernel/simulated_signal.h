// A signal the kernel model delivers to a simulated thread, thrown as a C++ exception out of
// the thread's OsInterface call (HostThread) instead of taking the whole simulator down:
// SIGSEGV when the thread touches an address its process has not mapped (or maps with the
// wrong kind: a load from a doorbell page, an MMIO access to ordinary memory), SIGKILL when
// its process is exiting or was killed while the thread ran. The system layer catches it per
// thread, ends that process (Kernel::kill_process with `signo`) and carries on with the
// others. The message keeps the text the simulator printed before ("... SIGSEGV in the
// simulated process"), so a run that does not catch it reports the same error.
// Not modelled: signal handlers, masks, siginfo codes (SEGV_MAPERR/SEGV_ACCERR), delivery to
// one thread of several, core dumps. Facts: signal numbers are Linux's (arm64 uses the
// generic asm-generic/signal.h numbers, which the host's <csignal> also has).
#pragma once

#include <csignal>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace wdsim {

struct SimulatedSignal : std::runtime_error {
  SimulatedSignal(const std::string& message, int signo, uint64_t address, std::string what_thread)
      : std::runtime_error(message),
        signo(signo),
        address(address),
        what_thread(std::move(what_thread)) {}

  int signo;                // SIGSEGV, SIGKILL
  uint64_t address;         // the faulting virtual address (0 for SIGKILL)
  std::string what_thread;  // the simulated thread's name
};

}  // namespace wdsim
