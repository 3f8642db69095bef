/* wdsim exec test: threads, mutexes, condition variables, spin locks, sleeps and clocks on
 * simulated time. Prints figures tools/wdsim/exec_test.sh checks against formulas. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <wdsim.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_spinlock_t spin;
static long counter;
static long spin_counter;
static int queue_items;
static int consumed;
static pthread_cond_t go_cv = PTHREAD_COND_INITIALIZER;
static int go_waiting;
static int go_woke;

static long long now_ns(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void* adder(void* arg) {
  long n = (long)arg;
  for (long i = 0; i < n; i++) {
    pthread_mutex_lock(&mu);
    long v = counter;
    usleep(1); /* hold the lock across a sleep: the others must wait */
    counter = v + 1;
    pthread_mutex_unlock(&mu);
    pthread_spin_lock(&spin);
    spin_counter++;
    pthread_spin_unlock(&spin);
  }
  return (void*)(n * 10);
}

static void* consumer(void* arg) {
  (void)arg;
  for (int i = 0; i < 4; i++) {
    pthread_mutex_lock(&mu);
    while (queue_items == 0) pthread_cond_wait(&cv, &mu);
    queue_items--;
    consumed++;
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

/* Waits once on go_cv (no predicate): only a wake-up given to it ends the wait. */
static void* go_waiter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&mu);
  go_waiting = 1;
  pthread_cond_wait(&go_cv, &mu);
  go_woke = 1;
  pthread_mutex_unlock(&mu);
  return NULL;
}

static sem_t items;
static int sem_taken;
static void* sem_consumer(void* arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    sem_wait(&items);
    sem_taken++;
  }
  return NULL;
}

/* Three threads arrive at a barrier at different times; each notes when it left. */
static pthread_barrier_t barrier;
static long long left_at[3];
static int serial_threads;
static void* barrier_member(void* arg) {
  long i = (long)arg;
  usleep((useconds_t)(10 * (i + 1)));
  if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) serial_threads++;
  left_at[i] = now_ns(CLOCK_MONOTONIC);
  return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int writer_done;
static void* writer(void* arg) {
  (void)arg;
  pthread_rwlock_wrlock(&rw);
  writer_done = 1;
  pthread_rwlock_unlock(&rw);
  return NULL;
}

/* CLOCK_REALTIME now + `ns`, for pthread_cond_timedwait. */
static struct timespec deadline_in(long ns) {
  struct timespec d;
  clock_gettime(CLOCK_REALTIME, &d);
  d.tv_nsec += ns;
  while (d.tv_nsec >= 1000000000L) {
    d.tv_sec++;
    d.tv_nsec -= 1000000000L;
  }
  return d;
}

int main(void) {
  pthread_spin_init(&spin, 0);
  /* One sleep: its length is the request plus the timer slack (and the scenario's costs). */
  long long t0 = now_ns(CLOCK_MONOTONIC);
  usleep(100);
  long long t1 = now_ns(CLOCK_MONOTONIC);
  printf("usleep100_ns=%lld\n", t1 - t0);
  /* wdsim_compute_ns is CPU time: the clock moves by it. */
  t0 = now_ns(CLOCK_MONOTONIC);
  wdsim_compute_ns(12345);
  t1 = now_ns(CLOCK_MONOTONIC);
  printf("compute_ns=%lld\n", t1 - t0);

  pthread_t t[3];
  for (long i = 0; i < 3; i++) {
    if (pthread_create(&t[i], NULL, adder, (void*)(i + 2)) != 0) return 10;
  }
  long joined = 0;
  for (int i = 0; i < 3; i++) {
    void* r;
    if (pthread_join(t[i], &r) != 0) return 11;
    joined += (long)r;
  }
  printf("counter=%ld spin_counter=%ld joined=%ld\n", counter, spin_counter, joined);

  pthread_t c;
  pthread_create(&c, NULL, consumer, NULL);
  for (int i = 0; i < 4; i++) {
    usleep(20);
    pthread_mutex_lock(&mu);
    queue_items++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
  }
  pthread_join(c, NULL);
  printf("consumed=%d\n", consumed);

  /* A timed wait nobody signals ends with ETIMEDOUT at its deadline (CLOCK_REALTIME). */
  struct timespec deadline = deadline_in(500000); /* 500 us */
  pthread_mutex_lock(&mu);
  int rc = pthread_cond_timedwait(&cv, &mu, &deadline);
  pthread_mutex_unlock(&mu);
  struct timespec after;
  clock_gettime(CLOCK_REALTIME, &after);
  long long late = ((long long)after.tv_sec - deadline.tv_sec) * 1000000000LL +
                   (after.tv_nsec - deadline.tv_nsec);
  printf("timedwait=%s late_ns=%lld\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "other", late);
  printf("trylock_held=%s\n", (pthread_mutex_lock(&mu), pthread_mutex_trylock(&mu) == EBUSY)
                                  ? "EBUSY" : "other");
  pthread_mutex_unlock(&mu);

  /* A broadcast wakes the threads waiting at the time; a thread that starts waiting after it
   * (here main itself, at once) cannot take their wake-up: it times out, and they run. */
  pthread_t g;
  pthread_create(&g, NULL, go_waiter, NULL);
  for (;;) {
    pthread_mutex_lock(&mu);
    int waiting = go_waiting;
    pthread_mutex_unlock(&mu);
    if (waiting) break;
    usleep(10);
  }
  pthread_mutex_lock(&mu);
  pthread_cond_broadcast(&go_cv);
  struct timespec late_deadline = deadline_in(100000); /* 100 us */
  int late_rc = pthread_cond_timedwait(&go_cv, &mu, &late_deadline);
  pthread_mutex_unlock(&mu);
  pthread_join(g, NULL);
  printf("broadcast_woke=%d late_waiter=%s\n", go_woke,
         late_rc == ETIMEDOUT ? "ETIMEDOUT" : "other");

  /* Semaphores: posts wake a waiting consumer; an empty one is EAGAIN to trywait and ETIMEDOUT
   * to timedwait at its deadline. */
  sem_init(&items, 0, 0);
  pthread_t sc;
  pthread_create(&sc, NULL, sem_consumer, NULL);
  for (int i = 0; i < 3; i++) {
    usleep(10);
    sem_post(&items);
  }
  pthread_join(sc, NULL);
  int sem_value = -1;
  sem_getvalue(&items, &sem_value);
  int try_rc = sem_trywait(&items);
  int try_errno = errno;
  struct timespec sem_deadline = deadline_in(200000); /* 200 us */
  int timed_rc = sem_timedwait(&items, &sem_deadline);
  int timed_errno = errno;
  struct timespec sem_after;
  clock_gettime(CLOCK_REALTIME, &sem_after);
  long long sem_late = ((long long)sem_after.tv_sec - sem_deadline.tv_sec) * 1000000000LL +
                       (sem_after.tv_nsec - sem_deadline.tv_nsec);
  printf("sem_taken=%d value=%d trywait=%s timedwait=%s late_ns=%lld\n", sem_taken, sem_value,
         try_rc == -1 && try_errno == EAGAIN ? "EAGAIN" : "other",
         timed_rc == -1 && timed_errno == ETIMEDOUT ? "ETIMEDOUT" : "other", sem_late);
  sem_destroy(&items);

  /* A barrier of three: one serial thread, and nobody leaves before the last one arrived. */
  pthread_barrier_init(&barrier, NULL, 3);
  pthread_t bt[3];
  long long barrier_start = now_ns(CLOCK_MONOTONIC);
  for (long i = 0; i < 3; i++) pthread_create(&bt[i], NULL, barrier_member, (void*)i);
  for (int i = 0; i < 3; i++) pthread_join(bt[i], NULL);
  int after_last = 1;
  for (int i = 0; i < 3; i++) after_last &= left_at[i] - barrier_start >= 30000;
  printf("barrier_serial=%d left_after_last_arrival=%d\n", serial_threads, after_last);
  pthread_barrier_destroy(&barrier);

  /* A read-write lock: readers share it, a writer waits for them. */
  pthread_rwlock_rdlock(&rw);
  int second_reader = pthread_rwlock_tryrdlock(&rw);
  int try_writer = pthread_rwlock_trywrlock(&rw);
  pthread_t wt;
  pthread_create(&wt, NULL, writer, NULL);
  usleep(50);
  int writer_waited = !writer_done;
  pthread_rwlock_unlock(&rw);
  pthread_rwlock_unlock(&rw);
  pthread_join(wt, NULL);
  pthread_rwlock_wrlock(&rw);
  int relock = pthread_rwlock_wrlock(&rw);
  pthread_rwlock_unlock(&rw);
  printf("rwlock: second_reader=%d trywrlock=%s writer_waited=%d writer_done=%d relock=%s\n",
         second_reader, try_writer == EBUSY ? "EBUSY" : "other", writer_waited, writer_done,
         relock == EDEADLK ? "EDEADLK" : "other");
  printf("self=%lu\n", (unsigned long)pthread_self());
  return 0;
}
