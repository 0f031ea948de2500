/*
 * monitor/disas.c - Capstone disassembly for traces, the monitor and test reports.
 * One Capstone handle per code size stays open (opening one costs more than
 * disassembling a block); they are only used from the machine's thread.
 */
#include "monitor/monitor.h"

#include <capstone/capstone.h>
#include <stdio.h>

static csh g_cs[3];
static bool g_cs_open[3];

static bool disas_handle(unsigned mode, csh *h)
{
	unsigned k = mode == 8 ? 2 : mode == 4 ? 1 : 0;
	cs_mode cm = k == 2 ? CS_MODE_64 : k == 1 ? CS_MODE_32 : CS_MODE_16;

	if (!g_cs_open[k]) {
		if (cs_open(CS_ARCH_X86, cm, &g_cs[k]) != CS_ERR_OK)
			return false;
		g_cs_open[k] = true;
	}
	*h = g_cs[k];
	return true;
}

size_t monitor_disas(const uint8_t *code, size_t len, unsigned mode, uint64_t addr,
		     char *out, size_t outlen)
{
	cs_insn *insn;
	size_t n, ilen = 0;
	csh h;

	if (!disas_handle(mode, &h)) {
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
	return ilen;
}
