/* wdsim.h: what a program run by `wdsim exec` may call besides UADK and the C library.
 * `wdsim cc` puts this header on the include path. Outside wdsim, define WDSIM_NO_EXEC to make
 * the calls no-ops, so the same source builds for real hardware. */
#ifndef WDSIM_H
#define WDSIM_H

#ifdef __cplusplus
extern "C" {
#endif

#ifdef WDSIM_NO_EXEC
static inline void wdsim_compute_ns(unsigned long long ns) { (void)ns; }
#else
/* Charges `ns` nanoseconds of CPU time to the calling simulated thread: where the program's own
 * code computes (the simulator does not time the program's instructions). */
void wdsim_compute_ns(unsigned long long ns);
#endif

#ifdef __cplusplus
}
#endif

#endif /* WDSIM_H */
