/*
 * cpu/state.c - vCPU creation and the power-up/reset state.
 * Intel SDM vol. 3 (edition in docs/spec-versions.md), 10.1.1, table 10-1.
 */
#include "cpu/internal.h"

#include <stdio.h>
#include <string.h>

static void seg_reset(struct seg_cache *sc, uint16_t sel, uint64_t base, uint32_t attr)
{
	sc->sel = sel;
	sc->base = base;
	sc->limit = 0xffff;
	sc->attr = attr;
}

/* SDM vol. 3, 10.1.1, table 10-1: state after RESET (INIT keeps x87/SSE, MSRs). */
void cpu_reset(struct vcpu *v)
{
	struct cpu_state *s = &v->s;
	struct msr_state keep_msr = s->msr;

	memset(s, 0, sizeof(*s));
	s->rflags = RFLAGS_FIXED1;
	s->cc_op = CC_OP_EFLAGS;
	s->rip = 0xfff0;
	s->cr0 = CR0_ET | CR0_NW | CR0_CD;          /* 60000010H */
	/* CS: selector F000H, base FFFF0000H, limit FFFFH, present R/W accessed code. */
	seg_reset(&s->seg[SEG_CS], 0xf000, 0xffff0000ull, SEGA_P | SEGA_S | 0xb);
	for (unsigned i = 0; i < 6; i++)
		if (i != SEG_CS)
			seg_reset(&s->seg[i], 0, 0, SEGA_P | SEGA_S | 0x3);
	seg_reset(&s->seg[SEG_LDTR], 0, 0, SEGA_P | 0x2);
	seg_reset(&s->seg[SEG_TR], 0, 0, SEGA_P | 0xb);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	/* EDX holds the processor signature (table 10-1). */
	s->gpr[2] = cpu_model_signature(v->model);
	s->dr[6] = 0xffff0ff0;
	s->dr[7] = 0x400;
	s->fcw = 0x40;          /* x87 after RESET: FINIT would give 037FH (table 10-1) */
	s->ftw = 0xffff;        /* all empty, in the full 2-bit form */
	s->mxcsr = 0x1f80;
	s->xcr0 = 1;
	s->msr = keep_msr;
	msr_reset(v);
	v->pending_vector = -1;
	v->pending_error = EXC_NO_ERROR;
	v->shutdown = false;            /* RESET leaves the shutdown state (SDM vol. 3, 6.15, #DF) */
	memset(v->tlb_read, 0, sizeof(v->tlb_read));
	memset(v->tlb_write, 0, sizeof(v->tlb_write));
	memset(v->tlb_code, 0, sizeof(v->tlb_code));
	/* One address space: no VPID, no EPT, PCID 0 (cpu/mem.c, cpu_tlb_set_space). */
	memset(v->tlb_keys, 0, sizeof(v->tlb_keys));
	v->tlb_spaces_used = 1;
	v->tlb_cur = 0;
	v->tlb_space = 0;
	v->slat = NULL;
}

/* SDM vol. 3, 10.1 and table 10-1: "during an INIT, the internal caches, MSRs, MTRRs,
 * and x87 FPU state are left unchanged" (and the SSE state, vol. 1, 11.6.4); CR0.CD and
 * CR0.NW keep their values; the rest is RESET's. EFER (an MSR) is cleared all the same:
 * the processor is back in real mode. */
void cpu_init_event(struct vcpu *v)
{
	struct cpu_state *s = &v->s;
	struct cpu_state old;

	cpu_pmu_update(v);              /* the counters keep what retired before INIT */
	old = *s;
	cpu_reset(v);
	s->msr = old.msr;
	s->tsc_offset = old.tsc_offset;
	s->cr0 = (s->cr0 & ~(CR0_CD | CR0_NW)) | (old.cr0 & (CR0_CD | CR0_NW));
	memcpy(s->st, old.st, sizeof(s->st));
	s->fcw = old.fcw;
	s->fsw = old.fsw;
	s->ftw = old.ftw;
	s->fop = old.fop;
	s->fip = old.fip;
	s->fdp = old.fdp;
	s->fcs = old.fcs;
	s->fds = old.fds;
	memcpy(s->vr, old.vr, sizeof(s->vr));
	s->mxcsr = old.mxcsr;
	s->pkru = old.pkru;
	cpu_dr7_changed(v);
	cpu_pmu_update(v);              /* the kept PMU MSRs count on at CPL 0 */
	v->nmi_pending = false;
	v->step_armed = false;
	v->db_trap = 0;
	v->init_pending = false;
	/* APs wait for a SIPI; the BSP fetches at the reset vector (10.4.1, 10.4.2). */
	s->wait_for_sipi = !(s->msr.apic_base & (1u << 8));
}

void cpu_sipi(struct vcpu *v, uint8_t vec)
{
	struct seg_cache *cs = &v->s.seg[SEG_CS];

	v->sipi_pending = false;
	if (!v->s.wait_for_sipi)
		return;                 /* a SIPI outside wait-for-SIPI is ignored (10.4.4.1) */
	v->s.wait_for_sipi = false;
	cs->sel = (uint16_t)(vec << 8);
	cs->base = (uint64_t)vec << 12;
	v->s.rip = 0;
}

void vcpu_init(struct vcpu *v, int index, struct cpu_bus *bus, const struct cpu_model *model)
{
	memset(v, 0, sizeof(*v));
	v->index = index;
	v->bus = bus;
	v->model = model;
	if (!model)
		model = cpu_model_default();
	v->vendor = model->vendor;
	v->phys_bits = model->phys_bits;        /* MAXPHYADDR */
	cpu_reset(v);
}

uint8_t *cpu_bus_ram_ptr(const struct cpu_bus *bus, uint64_t paddr, uint64_t len)
{
	uint64_t below = bus->ram_below_4g ? bus->ram_below_4g : bus->ram_size;
	uint64_t end = paddr + len;

	if (end < paddr)
		return NULL;
	if (end <= below)
		return bus->ram + paddr;
	/* RAM above the PCI hole continues at 4 GiB. */
	if (paddr >= (1ull << 32) && end - (1ull << 32) <= bus->ram_size - below)
		return bus->ram + below + (paddr - (1ull << 32));
	return NULL;
}

