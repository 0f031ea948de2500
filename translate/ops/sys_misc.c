/*
 * translate/ops/sys_misc.c - INVLPG, WBINVD, INVD, CLFLUSH, MONITOR, MWAIT,
 * RD/WR FS/GS BASE, RDPKRU/WRPKRU, INVPCID. Intel SDM vol. 2 (edition in
 * docs/spec-versions.md), the instruction pages. There are no caches to write
 * back: the cache instructions keep only their checks and intercepts.
 */
#include "translate/ops/sys.h"

void exec_INVLPG(struct vcpu *v, const struct x86_insn *i)
{
	uint64_t off = insn_ea(v, i), lin;
	unsigned seg = i->seg;

	sys_need_cpl0(v);
	/* The linear address of the operand, without access checks: INVLPG of a
	 * non-canonical address is a no-op (vol. 2, INVLPG). */
	if (cpu_64bit_mode(&v->s))
		lin = off + ((seg == SEG_FS || seg == SEG_GS) ? v->s.seg[seg].base : 0);
	else
		lin = (uint32_t)(v->s.seg[seg].base + off);
	cpu_intercept(v, ICPT_INVLPG, lin, i);
	if (cpu_64bit_mode(&v->s) && !cpu_canonical_addr(v, lin))
		return;
	cpu_tlb_flush_page(v, lin);
}

void exec_WBINVD(struct vcpu *v, const struct x86_insn *i)
{
	sys_need_cpl0(v);
	cpu_intercept(v, ICPT_WBINVD, 0, i);
}

void exec_INVD(struct vcpu *v, const struct x86_insn *i)
{
	sys_need_cpl0(v);
	cpu_intercept(v, ICPT_INVD, 0, i);
}

/* CLFLUSH faults like a byte read of its operand (vol. 2, CLFLUSH). */
void exec_CLFLUSH(struct vcpu *v, const struct x86_insn *i)
{
	cpu_probe(v, i->seg, insn_ea(v, i), 1, ACC_READ);
}

/* MONITOR/MWAIT: #UD unless the model advertises them; then CPL 0 only (no
 * MONITOR_MISC_ENABLE user-mode option), and MWAIT returns at once (an allowed
 * spurious wake-up). */
static void monitor_checks(struct vcpu *v)
{
	if (!cpu_has_feature(v, "monitor"))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	sys_need_cpl0(v);
}

void exec_MONITOR(struct vcpu *v, const struct x86_insn *i)
{
	monitor_checks(v);
	if ((uint32_t)v->s.gpr[1] != 0)
		cpu_raise(v, EXC_GP, 0);        /* no extensions defined in ECX */
	cpu_intercept(v, ICPT_MONITOR, 0, i);
	cpu_probe(v, i->seg == SEG_NONE ? SEG_DS : i->seg,
		  v->s.gpr[0] & size_mask(i->addrsize), 1, ACC_READ);
}

void exec_MWAIT(struct vcpu *v, const struct x86_insn *i)
{
	monitor_checks(v);
	if ((uint32_t)v->s.gpr[1] > 1)
		cpu_raise(v, EXC_GP, 0);        /* only ECX[0] (interrupt break) is defined */
	cpu_intercept(v, ICPT_MWAIT, 0, i);
}

/* RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE: 64-bit mode, CR4.FSGSBASE, canonical bases
 * (SDM vol. 2, RDFSBASE/WRFSBASE). */
static void fsgs_check(struct vcpu *v)
{
	if (!(v->s.cr4 & CR4_FSGSBASE))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
}

static void rd_base(struct vcpu *v, const struct x86_insn *i, unsigned seg)
{
	fsgs_check(v);
	opnd_write(v, i, 0, v->s.seg[seg].base);
}

static void wr_base(struct vcpu *v, const struct x86_insn *i, unsigned seg)
{
	uint64_t base;

	fsgs_check(v);
	base = opnd_read(v, i, 0);
	if (!cpu_canonical_addr(v, base))
		cpu_raise(v, EXC_GP, 0);
	v->s.seg[seg].base = base;
}

void exec_RDFSBASE(struct vcpu *v, const struct x86_insn *i) { rd_base(v, i, SEG_FS); }
void exec_RDGSBASE(struct vcpu *v, const struct x86_insn *i) { rd_base(v, i, SEG_GS); }
void exec_WRFSBASE(struct vcpu *v, const struct x86_insn *i) { wr_base(v, i, SEG_FS); }
void exec_WRGSBASE(struct vcpu *v, const struct x86_insn *i) { wr_base(v, i, SEG_GS); }

/* RDPKRU/WRPKRU: CR4.PKE, ECX (and EDX for WRPKRU) must be 0 (SDM vol. 2). A PKRU
 * change alters access rights: the TLB entries built under the old one go. */
void exec_RDPKRU(struct vcpu *v, const struct x86_insn *i)
{
	if (!(v->s.cr4 & CR4_PKE))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if ((uint32_t)v->s.gpr[1])
		cpu_raise(v, EXC_GP, 0);
	v->s.gpr[0] = v->s.pkru;
	v->s.gpr[2] = 0;
}

void exec_WRPKRU(struct vcpu *v, const struct x86_insn *i)
{
	if (!(v->s.cr4 & CR4_PKE))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if ((uint32_t)v->s.gpr[1] || (uint32_t)v->s.gpr[2])
		cpu_raise(v, EXC_GP, 0);
	v->s.pkru = (uint32_t)v->s.gpr[0];
	cpu_tlb_flush_current(v);
}

/*
 * INVPCID (SDM vol. 2, INVPCID): type in the register operand, a 128-bit descriptor
 * in memory (PCID in bits 11:0, bits 63:12 reserved, linear address in 127:64).
 * Type 0 one address in one PCID, 1 one PCID, 2 all with globals, 3 all but globals.
 * The TLB is tagged by PCID (cpu/cr.c) but does not mark global entries: types 0 and
 * 1 drop what that PCID's space holds (its globals too), 2 and 3 every space of the
 * current VPID (flushing more is allowed, vol. 3, 4.10.4).
 */
void exec_INVPCID(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	unsigned size = cpu_64bit_mode(s) ? 8 : 4;
	uint64_t type, ea = insn_ea(v, i), pcid, lin;

	if (cpu_v86_mode(s))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	sys_need_cpl0(v);
	type = gpr_read(s, i->opnd[0].reg, size, false);
	cpu_intercept(v, ICPT_INVPCID, type, i);
	cpu_probe(v, i->seg, ea, 16, ACC_READ);
	pcid = cpu_ld(v, i->seg, ea, 8);
	lin = cpu_ld(v, i->seg, ea + 8, 8);
	if (type > 3 || (pcid >> 12))
		cpu_raise(v, EXC_GP, 0);
	if (type <= 1 && !(s->cr4 & CR4_PCIDE) && (pcid & 0xfff))
		cpu_raise(v, EXC_GP, 0);
	if (type == 0) {
		if (cpu_64bit_mode(s) && !cpu_canonical_addr(v, lin))
			cpu_raise(v, EXC_GP, 0);
		cpu_tlb_flush_page_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_PCID, pcid),
					  cpu_64bit_mode(s) ? lin : (uint32_t)lin);
		return;
	}
	if (type == 1) {
		cpu_tlb_flush_spaces(v, cpu_tlb_spaces(v, TLB_MATCH_PCID, pcid));
		return;
	}
	cpu_tlb_flush_current(v);
}
