/*
 * tests/guest/compute/compute.h - computations built twice: into a bare-metal
 * 64-bit guest kernel and into a host program. Both print the same lines; the
 * test compares them (tests/guest/compute/check-compute).
 */
#ifndef COMPUTE_H
#define COMPUTE_H

#include <stdint.h>

/* Each build provides its own line printer (the guest library's or stdio's). */
void compute_emit(const char *name, uint64_t value);
/* Runs every computation, emitting one "name value" line per result. */
void compute_all(void);

#endif
