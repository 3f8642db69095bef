#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char** argv) {
  printf("before\n");
  fflush(stdout);
  if (argc > 1 && !strcmp(argv[1], "segv")) { volatile int* p = (int*)16; *p = 1; }
  if (argc > 1 && !strcmp(argv[1], "abort")) abort();
  if (argc > 1 && !strcmp(argv[1], "exit")) exit(42);
  return 0;
}
