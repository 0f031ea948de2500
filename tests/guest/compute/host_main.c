/*
 * tests/guest/compute/host_main.c - the host side: the same computations, the
 * same lines.
 */
#include "compute.h"

#include <inttypes.h>
#include <stdio.h>

void compute_emit(const char *name, uint64_t value)
{
	printf("RESULT %s %016" PRIx64 "\n", name, value);
}

int main(void)
{
	compute_all();
	return 0;
}
