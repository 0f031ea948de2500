/*
 * cpu/debug.c - DR0-DR3 breakpoints (SDM vol. 3, 18.2 debug registers, 18.3.1 debug
 * exception conditions). DR7 holds per breakpoint n the enables L<n>/G<n> (bits 2n,
 * 2n+1), R/W<n> (bits 16+4n: 00 execute, 01 write, 10 I/O, 11 read or write) and
 * LEN<n> (bits 18+4n: 00 1 byte, 01 2, 11 4, 10 8). Data and I/O breakpoints are traps taken
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

	if (s->rflags & RFLAGS_RF) {
		/* 18.3.1.1: RF suppresses the instruction's breakpoints; the processor
		 * clears it as the instruction completes (IRET/POPF load it anew). */
		s->rflags &= ~(uint64_t)RFLAGS_RF;
		return;
	}
	if (!cpu_64bit_mode(s))
		lin &= 0xffffffffull;
	for (n = 0; n < 4; n++)
		if (dr7_enabled(dr7, n) && dr7_rw(dr7, n) == 0 && s->dr[n] == lin)
			hit |= 1u << n;
	if (!hit)
		return;
	/* A fault, but the only one whose pushed EFLAGS image has RF = 0 (6.12.1,
	 * 18.3.1.1): the handler sets RF in the image to resume the instruction. */
	cpu_db_dr6(v, true, hit);
	cpu_raise(v, EXC_DB, EXC_NO_ERROR);
}

/* I/O breakpoints (R/W = 10, only with CR4.DE; 18.2.4): an IN/OUT/INS/OUTS of size
 * bytes at port overlapping DRn[15:0] aligned to its length. A REP string form
 * reports them after its current batch of iterations, not each one. */
void cpu_dr_io_access(struct vcpu *v, uint16_t port, unsigned size)
{
	uint64_t dr7 = v->s.dr[7];
	unsigned n;

	if (!(v->s.cr4 & CR4_DE))
		return;
	for (n = 0; n < 4; n++) {
		unsigned blen = dr7_len(dr7, n);
		uint64_t a = (v->s.dr[n] & 0xffff) & ~(uint64_t)(blen - 1);

		if (dr7_enabled(dr7, n) && dr7_rw(dr7, n) == 2 && port < a + blen &&
		    a < (uint64_t)port + size)
			v->db_trap |= (uint8_t)(1u << n);
	}
}

/* SDM vol. 3, 18.2.3: a debug exception sets its DR6 bits; B3-B0 are rewritten for
 * breakpoint conditions, BD and BS are only ever set by the processor. A #DB that
 * causes a VM exit does not touch DR6 (27.1): nested/ restores db_dr6_old then. */
void cpu_db_dr6(struct vcpu *v, bool clear_b, uint32_t bits)
{
	v->db_dr6_old = v->s.dr[6];
	v->db_dr6_bits = bits;
	v->s.dr[6] = (clear_b ? v->s.dr[6] & ~0xfull : v->s.dr[6]) | bits;
}
