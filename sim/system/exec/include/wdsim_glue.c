/* Linked into every program `wdsim cc` builds. The program's pthread_create calls become calls
 * of __wrap_pthread_create (-Wl,--wrap=pthread_create); libgcc.a defines a __wrap_pthread_create
 * of its own (split-stack support), which the linker would take from there, so the program gets
 * this definition instead, handing the call to wdsim's. */
#include <pthread.h>

int wdsim_pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                         void* arg);

__attribute__((visibility("hidden"))) int __wrap_pthread_create(pthread_t* thread,
                                                                const pthread_attr_t* attr,
                                                                void* (*start)(void*), void* arg) {
  return wdsim_pthread_create(thread, attr, start, arg);
}
