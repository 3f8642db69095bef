/* wdsim exec test: the program's own code is charged by its basic blocks (exec.ns_per_block),
 * and a loop that polls memory another thread writes, with no call in it, ends. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define LOOP_ITERATIONS 100000L

static atomic_int flag;

static void* setter(void* arg) {
  (void)arg;
  usleep(100);
  atomic_store(&flag, 1);
  return NULL;
}

static long long cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, setter, NULL) != 0) return 10;
  long polls = 0;
  while (!atomic_load(&flag)) polls++; /* no call: only the block count lets time pass */
  pthread_join(t, NULL);
  printf("poll_loop_ended=%d\n", polls > 0);

  volatile long sink = 0;
  long long t0 = cpu_ns();
  for (long i = 0; i < LOOP_ITERATIONS; i++) sink += i;
  long long t1 = cpu_ns();
  printf("loop_cpu_ns=%lld\n", t1 - t0);
  return 0;
}
