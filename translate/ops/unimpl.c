/*
 * translate/ops/unimpl.c - the fallback for opcode-table rows whose handler no
 * instruction group defines: log once under -d unimp, then #UD (SDM vol. 2, UD).
 *
 * Every exec_NAME of translate/opcodes.def is defined here as a weak alias of
 * exec_unimpl; a group file's strong definition wins at link time (translate/ is
 * linked as a whole archive, cli/CMakeLists.txt elzero_all).
 */
#include "translate/opcodes.h"

#include <stdio.h>

void exec_unimpl(struct vcpu *v, const struct x86_insn *i)
{
	char detail[96];

	snprintf(detail, sizeof(detail), "%s: map %u opcode %02x /%u prefix %02x%s",
		 x86_op_name(i->op), i->map, i->opcode, i->has_modrm ? (i->regf & 7) : 0,
		 i->mandatory_prefix, i->vex == 4 ? " evex" : i->vex ? " vex" : "");
	cpu_log_unimp("instruction", ((uint64_t)i->vex << 24) | ((uint64_t)i->map << 16) |
			  ((uint64_t)i->mandatory_prefix << 8) | i->opcode, detail);
	cpu_raise(v, EXC_UD, EXC_NO_ERROR);
}

#define X86_NAME(n) \
	void exec_##n(struct vcpu *v, const struct x86_insn *i) \
		__attribute__((weak, alias("exec_unimpl")));
#include "translate/opcodes.def"
#undef X86_NAME
