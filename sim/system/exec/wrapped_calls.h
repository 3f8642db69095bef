// The C library and pthread calls `wdsim cc` links a program to wdsim's versions of
// (-Wl,--wrap=NAME: the program's calls to NAME go to __wrap_NAME, posix_shim.cc).
#pragma once

#include <string_view>

namespace wdsim::exec {

inline constexpr std::string_view kWrappedCalls[] = {
    "pthread_create",
    "pthread_join",
    "pthread_detach",
    "pthread_self",
    "pthread_equal",
    "pthread_exit",
    "sched_yield",
    "pthread_mutex_init",
    "pthread_mutex_destroy",
    "pthread_mutex_lock",
    "pthread_mutex_trylock",
    "pthread_mutex_unlock",
    "pthread_cond_init",
    "pthread_cond_destroy",
    "pthread_cond_wait",
    "pthread_cond_timedwait",
    "pthread_cond_signal",
    "pthread_cond_broadcast",
    "pthread_spin_init",
    "pthread_spin_destroy",
    "pthread_spin_lock",
    "pthread_spin_trylock",
    "pthread_spin_unlock",
    "clock_gettime",
    "gettimeofday",
    "time",
    "clock",
    "nanosleep",
    "clock_nanosleep",
    "usleep",
    "sleep",
    "exit",
    "_exit",
    "abort",
    "__assert_fail",
    "munmap",
    "mprotect",
    "free",
    "realloc",
};

}  // namespace wdsim::exec
