/*
 * The UADK 2.10 source-compatibility check (docs/uadk-compat.md): each compat_*.c includes one
 * of the UADK-compatible headers (runtime/include/uadk) the way a UADK program does ("wd_comp.h",
 * include path to the header directory), builds as C (gnu11) with -Wall -Wextra -Werror, and
 * - static_asserts every macro's and enum value's value, every struct's LP64 size and every
 *   member's offset (worked out from UADK 2.10's headers: the LP64 ABI on their members);
 * - assigns every function to a pointer of the exact UADK prototype (a mismatch is an
 *   incompatible-pointer error under -Werror) and references it, so the test binary links
 *   only when the runtime library defines it;
 * - returns from compat_<header>() what it checked at run time (see compat_main.c).
 */
#ifndef WDSIM_UADK_COMPAT_H
#define WDSIM_UADK_COMPAT_H

#include <stddef.h>

#define CHECK_SIZE(T, n) _Static_assert(sizeof(T) == (n), "sizeof " #T)
#define CHECK_OFF(T, m, n) _Static_assert(offsetof(T, m) == (n), "offsetof " #T "." #m)
#define CHECK_VAL(x, v) _Static_assert((x) == (v), #x)

/* Adds 1 to *n when function pointer f is set (it always is: the point is the reference). */
#define USE_FN(n, f) ((n) += (f) != NULL)

int compat_wd(void);
int compat_alg_common(void);
int compat_sched(void);
int compat_comp(void);
int compat_cipher(void);
int compat_digest(void);
int compat_aead(void);
int compat_bmm(void);

#endif
