/*
 * cpu/debug.c - DR0-DR3 breakpoints (SDM vol. 3, 18.2 debug registers, 18.3.1 debug
 * exception conditions). DR7 holds per breakpoint n the enables L<n>/G<n> (bits 2n,
 * 2n+1), R/W<n> (bits 16+4n: 00 execute, 01 write, 10 I/O, 11 read or write) and
 * LEN<n> (bits 18+4n: 00 1 byte, 01 2, 11 4, 10 8). Data breakpoints are traps taken
 * after the instruction (the run loop raises them from v->db_trap); instruction
 * breakpoints are faults taken before it, suppressed by RFLAGS.RF.
 */
#include "cpu/cpu.h"

static unsigned dr7_rw(uint64_t dr7, unsigned n) { return (dr7 >> (16 + 4 * n)) & 3; }

/* SDM vol. 3, 18.2.5: LEN encodings. */
static unsigned dr7_len(uint64_t dr7, unsigned n)
{
	static const unsigned len[4] = { 1, 2, 8, 4 };

	return len[(dr7 >> (18 + 4 * n)) & 3];
}

static bool dr7_enabled(uint64_t dr7, unsigned n) { return (dr7 >> (2 * n)) & 3; }

void cpu_dr7_changed(struct vcpu *v)
{
	uint64_t dr7 = v->s.dr[7];
	bool data = false, active = false;
	unsigned n;

	for (n = 0; n < 4; n++) {
		if (!dr7_enabled(dr7, n))
			continue;
		active = true;
		if (dr7_rw(dr7, n) & 1)
			data = true;
		else if (dr7_rw(dr7, n) == 2 && (v->s.cr4 & CR4_DE))
			cpu_log_unimp("I/O breakpoints", 2, "DR7 R/W = 10 with CR4.DE: not triggered");
	}
	v->dr_active = active;
	if (data && !v->dr_data)
		cpu_tlb_flush(v);       /* data accesses must reach the slow path */
	v->dr_data = data;
}

/* A data access hits breakpoint n when it overlaps the breakpoint's bytes; the
 * address in DRn is taken aligned to the length (18.2.5). */
void cpu_dr_data_access(struct vcpu *v, uint64_t lin, unsigned len, bool write)
{
	uint64_t dr7 = v->s.dr[7];
	unsigned n;

	for (n = 0; n < 4; n++) {
		unsigned rw = dr7_rw(dr7, n), blen = dr7_len(dr7, n);
		uint64_t a = v->s.dr[n] & ~(uint64_t)(blen - 1);

		if (!dr7_enabled(dr7, n) || !(rw & 1) || (rw == 1 && !write))
			continue;
		if (lin < a + blen && a < lin + len)
			v->db_trap |= (uint8_t)(1u << n);
	}
}

void cpu_dr_exec_check(struct vcpu *v)
{
	struct cpu_state *s = &v->s;
	uint64_t dr7 = s->dr[7], lin = s->seg[SEG_CS].base + s->rip;
	unsigned n, hit = 0;

	if (!cpu_64bit_mode(s))
		lin &= 0xffffffffull;
	for (n = 0; n < 4; n++)
		if (dr7_enabled(dr7, n) && dr7_rw(dr7, n) == 0 && s->dr[n] == lin)
			hit |= 1u << n;
	if (!hit)
		return;
	if (s->rflags & RFLAGS_RF) {
		/* 18.3.1.1: RF lets the instruction run once; it is cleared after it. */
		s->rflags &= ~(uint64_t)RFLAGS_RF;
		return;
	}
	s->dr[6] = (s->dr[6] & ~0xfull) | hit;
	/* A fault: the pushed EFLAGS image has RF = 1 (6.12.1), so the handler's IRET
	 * resumes the instruction without hitting the breakpoint again. */
	s->rflags |= RFLAGS_RF;
	cpu_raise(v, EXC_DB, EXC_NO_ERROR);
}
