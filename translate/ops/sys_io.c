/*
 * translate/ops/sys_io.c - IN, OUT, INS, OUTS. Intel SDM vol. 2 (edition in
 * docs/spec-versions.md), the instruction pages; vol. 1, 19.5 (permission checks, in
 * cpu/pio.c). The permission check comes before the VMX/SVM intercept.
 *
 * Intercept info (ICPT_IO): port | size << 16 | in << 24 | string << 25 | rep << 26.
 *
 * INS/OUTS are control-transfer handlers like the other string instructions: each
 * iteration commits (port access, memory, rDI/rSI, rCX), a repeated one runs at most
 * IO_BATCH iterations per call and leaves rip on itself until rCX reaches 0.
 */
#include "translate/ops/sys.h"

#define IO_BATCH 4096

static uint64_t io_info(uint16_t port, unsigned size, bool in, bool str, bool rep)
{
	return port | ((uint64_t)size << 16) | ((uint64_t)in << 24) | ((uint64_t)str << 25) |
	       ((uint64_t)rep << 26);
}

static uint16_t port_of(const struct vcpu *v, const struct x86_insn *i, unsigned n)
{
	if (i->opnd[n].kind == OPND_IMM)
		return (uint16_t)(i->imm & 0xff);
	return (uint16_t)v->s.gpr[2];
}

void exec_IN(struct vcpu *v, const struct x86_insn *i)
{
	uint16_t port = port_of(v, i, 1);
	unsigned size = i->opnd[0].size;

	cpu_pio_check(v, port, size);
	if (v->dr_active)
		cpu_dr_io_access(v, port, size);
	cpu_intercept(v, ICPT_IO, io_info(port, size, true, false, false), i);
	opnd_write(v, i, 0, cpu_pio_in(v, port, size));
}

void exec_OUT(struct vcpu *v, const struct x86_insn *i)
{
	uint16_t port = port_of(v, i, 0);
	unsigned size = i->opnd[1].size;

	cpu_pio_check(v, port, size);
	if (v->dr_active)
		cpu_dr_io_access(v, port, size);
	cpu_intercept(v, ICPT_IO, io_info(port, size, false, false, false), i);
	cpu_pio_out(v, port, size, (uint32_t)opnd_read(v, i, 1));
}

/* rSI/rDI/rCX at the address size: a 16- or 32-bit update keeps/zeroes as MOVS does. */
static void set_areg(struct vcpu *v, const struct x86_insn *i, unsigned reg, uint64_t val)
{
	gpr_write(&v->s, reg, i->addrsize, false, val & size_mask(i->addrsize));
}

static void str_io(struct vcpu *v, const struct x86_insn *i, bool in)
{
	struct cpu_state *s = &v->s;
	uint16_t port = (uint16_t)s->gpr[2];
	unsigned size = in ? i->opnd[0].size : i->opnd[1].size;
	unsigned reg = in ? 7 : 6;
	uint64_t am = size_mask(i->addrsize);
	uint64_t step = (s->rflags & RFLAGS_DF) ? (uint64_t)-(int64_t)size : size;
	bool rep = i->rep != REP_NONE;

	cpu_pio_check(v, port, size);
	if (v->dr_active)
		cpu_dr_io_access(v, port, size);
	cpu_intercept(v, ICPT_IO, io_info(port, size, in, true, rep), i);
	for (unsigned n = 0; n < IO_BATCH; n++) {
		uint64_t ptr = s->gpr[reg] & am;

		if (rep && !(s->gpr[1] & am)) {
			s->rip = insn_next_rip(v, i);
			return;
		}
		if (in) {
			/* the destination is checked before the port is read */
			cpu_probe(v, SEG_ES, ptr, size, ACC_WRITE);
			cpu_st(v, SEG_ES, ptr, size, cpu_pio_in(v, port, size));
		} else {
			cpu_pio_out(v, port, size, (uint32_t)cpu_ld(v, i->seg, ptr, size));
		}
		set_areg(v, i, reg, ptr + step);
		if (!rep) {
			s->rip = insn_next_rip(v, i);
			return;
		}
		set_areg(v, i, 1, (s->gpr[1] & am) - 1);
	}
	if (!(s->gpr[1] & am))
		s->rip = insn_next_rip(v, i);
}

void exec_INS(struct vcpu *v, const struct x86_insn *i) { str_io(v, i, true); }
void exec_OUTS(struct vcpu *v, const struct x86_insn *i) { str_io(v, i, false); }
