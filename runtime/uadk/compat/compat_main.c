/*
 * Runs each header's compat function (compat.h) and checks the count of items it referenced
 * and that the device-free calls behaved; exit 0 only when all did.
 */
#include <stdio.h>

#include "compat.h"

struct compat_case {
	const char *header;
	int (*fn)(void);
	int expected; /* functions and typedef'd callbacks referenced (+ checks it counts) */
};

int main(void)
{
	static const struct compat_case cases[] = {
		{ "wd.h", compat_wd, 39 },
		{ "wd_alg_common.h + wd_sched.h", compat_alg_common, 6 },
		{ "wd_comp.h", compat_comp, 19 },
		{ "wd_cipher.h", compat_cipher, 17 },
		{ "wd_digest.h", compat_digest, 17 },
		{ "wd_aead.h", compat_aead, 21 },
		{ "wd_bmm.h", compat_bmm, 13 },
	};
	int failed = 0;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = cases[i].fn();

		if (got != cases[i].expected) {
			fprintf(stderr, "FAIL %s: %d (want %d)\n", cases[i].header, got,
				cases[i].expected);
			failed = 1;
		} else {
			printf("ok %s: %d items\n", cases[i].header, got);
		}
	}
	return failed;
}
