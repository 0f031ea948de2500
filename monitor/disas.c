/*
 * monitor/disas.c - Capstone disassembly for traces, the monitor and test reports.
 */
#include "monitor/monitor.h"

#include <capstone/capstone.h>
#include <stdio.h>

size_t monitor_disas(const uint8_t *code, size_t len, unsigned mode, uint64_t addr,
		     char *out, size_t outlen)
{
	cs_mode cm = mode == 8 ? CS_MODE_64 : mode == 4 ? CS_MODE_32 : CS_MODE_16;
	csh h;
	cs_insn *insn;
	size_t n, ilen = 0;

	if (cs_open(CS_ARCH_X86, cm, &h) != CS_ERR_OK) {
		snprintf(out, outlen, "(capstone unavailable)");
		return 0;
	}
	n = cs_disasm(h, code, len, addr, 1, &insn);
	if (n == 1) {
		snprintf(out, outlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
			 insn->op_str);
		ilen = insn->size;
		cs_free(insn, n);
	} else {
		snprintf(out, outlen, "(bad)");
	}
	cs_close(&h);
	return ilen;
}
