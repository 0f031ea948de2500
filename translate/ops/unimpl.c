/*
 * translate/ops/unimpl.c - the fallback for opcode-table rows whose handler no
 * instruction group defines: log once under -d unimp, then #UD (SDM vol. 2, UD).
 */
#include "translate/insn.h"

#include <stdio.h>

void exec_unimpl(struct vcpu *v, const struct x86_insn *i);

void exec_unimpl(struct vcpu *v, const struct x86_insn *i)
{
	char detail[64];

	snprintf(detail, sizeof(detail), "map %u opcode %02x /%u prefix %02x", i->map, i->opcode,
		 i->has_modrm ? (i->regf & 7) : 0, i->mandatory_prefix);
	cpu_log_unimp("instruction", ((uint64_t)i->map << 16) | ((uint64_t)i->mandatory_prefix << 8) |
			  i->opcode, detail);
	cpu_raise(v, EXC_UD, EXC_NO_ERROR);
}
