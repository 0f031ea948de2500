/*
 * monitor/monitor.h - the public face of monitor/: disassembly for traces, the
 * interactive monitor and the gdb stub (these two arrive with their issue).
 */
#ifndef ELZERO_MONITOR_MONITOR_H
#define ELZERO_MONITOR_MONITOR_H

#include <stddef.h>
#include <stdint.h>

/* Disassemble one instruction with Capstone. mode is the code size (2, 4, 8).
 * Writes "mnemonic operands" to out and returns its length in bytes, or 0 if
 * Capstone cannot decode it (out then says so). */
size_t monitor_disas(const uint8_t *code, size_t len, unsigned mode, uint64_t addr,
		     char *out, size_t outlen);

#endif
