/*
 * nested/vmx_exit.c - VM exits (SDM vol. 3, edition in docs/spec-versions.md,
 * chapter 28 "VM Exits"): recording the exit information (28.2), saving guest state
 * (28.3) and MSRs (28.4), loading host state (28.5) and MSRs (28.6), VMX aborts
 * (28.7). A VM exit is a state switch inside the emulator: the caller unwinds with
 * cpu_loop_exit() and the run loop continues in the host (L1).
 */
#include "nested/vmx_internal.h"

#include "translate/opcodes.h"

void vmx_clear_exit_info(struct vmx *x)
{
	static const enum vmcs_field fields[] = {
		VMCS_EXIT_QUALIFICATION, VMCS_EXIT_INTR_INFO, VMCS_EXIT_INTR_ERROR,
		VMCS_IDT_VECTORING_INFO, VMCS_IDT_VECTORING_ERROR, VMCS_EXIT_INSN_LEN,
		VMCS_EXIT_INSN_INFO, VMCS_GUEST_LINEAR_ADDR, VMCS_GUEST_PHYSICAL_ADDR,
		VMCS_IO_RCX, VMCS_IO_RSI, VMCS_IO_RDI, VMCS_IO_RIP,
	};

	for (unsigned k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
		x->vmcs.f[fields[k]] = 0;
}

/* 28.2.5: the memory-operand part of the instruction-information field (scaling,
 * address size, segment, index, base) or, for a register operand, bit 10 and reg1. */
uint32_t vmx_insn_info(const struct x86_insn *i, unsigned reg2)
{
	uint32_t info = size_code(i->addrsize) << 7 | (uint32_t)(reg2 & 15) << 28;

	if (i->mod == 3)
		return info | 1u << 10 | (uint32_t)(i->rm & 15) << 3;
	info |= (uint32_t)size_log2(i->scale) | (uint32_t)(i->seg & 7) << 15;
	info |= i->index == 0xff ? 1u << 22 : (uint32_t)(i->index & 15) << 18;
	info |= i->base == 0xff || i->rip_rel ? 1u << 27 : (uint32_t)(i->base & 15) << 23;
	return info;
}

/* ---------------------------------------------------------------- MSR lists */

/* 27.4 / 28.6: entries of 16 bytes (index, reserved, data); FS/GS base, x2APIC
 * MSRs, IA32_SMM_MONITOR_CTL and microcode-update MSRs may not be loaded. */
uint32_t vmx_load_msrs(struct vcpu *v, uint64_t addr, uint32_t count)
{
	if (count > 512)        /* IA32_VMX_MISC bits 27:25: 512 entries at most */
		return 1;
	for (uint32_t k = 0; k < count; k++) {
		uint64_t lo = cpu_phys_ld(v, addr + 16 * k, 8), data = cpu_phys_ld(v, addr + 16 * k + 8, 8);
		uint32_t idx = (uint32_t)lo;

		if ((lo >> 32) || idx == 0xc0000100u || idx == 0xc0000101u || (idx >> 8) == 8 ||
		    idx == 0x9b || idx == 0x79 || cpu_wrmsr(v, idx, data))
			return k + 1;
	}
	return 0;
}

/* 28.4: store guest MSR values; returns false when an entry is bad (VMX abort). */
static bool store_msrs(struct vcpu *v, uint64_t addr, uint32_t count)
{
	if (count > 512)
		return false;
	for (uint32_t k = 0; k < count; k++) {
		uint64_t lo = cpu_phys_ld(v, addr + 16 * k, 8), val;
		uint32_t idx = (uint32_t)lo;

		if ((lo >> 32) || (idx >> 8) == 8 || idx == 0x9b || cpu_rdmsr(v, idx, &val))
			return false;
		cpu_phys_st(v, addr + 16 * k + 8, 8, val);
	}
	return true;
}

/* 28.7: a VMX abort writes the indicator and shuts the logical processor down. */
static void vmx_abort(struct vcpu *v, uint32_t indicator)
{
	struct vmx *x = vmx_of(v);

	if (x->current != VMX_NO_VMCS)
		cpu_phys_st(v, x->current + 4, 4, indicator);
	if (log_on(LOG_VMX))
		log_printf("vmx: VMX abort %u\n", indicator);
	v->shutdown = true;
	v->exit_request = 1;
}

/* ---------------------------------------------------------------- 28.3 guest state */

/* 28.3.4: debug traps pending at the boundary where the exit happens (an exit that
 * takes priority over them: MTF, or one during/after entry before delivery): BS of a
 * single step whose instruction retired, B3-B0 of data breakpoints hit by it, and
 * what VM entry left pending. A fault-like exit leaves none (nothing retired). */
static uint32_t pending_dbg(const struct vcpu *v, const struct vmx *x)
{
	uint32_t bits = x->pending_dbg | (v->db_trap & PDBG_B0_3);

	if (v->step_armed && v->icount != v->step_icount)
		bits |= PDBG_BS;
	if (v->db_trap)
		bits |= PDBG_ENABLED_BP;
	return bits;
}

static void save_guest(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	struct cpu_state *s = &v->s;
	uint32_t exitc = (uint32_t)vmcs_get(x, VMCS_EXIT_CONTROLS), intr = 0;
	bool shadow = s->intr_shadow && s->rip == v->shadow_rip;

	vmcs_set(x, VMCS_GUEST_CR0, s->cr0);
	vmcs_set(x, VMCS_GUEST_CR3, s->cr3);
	vmcs_set(x, VMCS_GUEST_CR4, s->cr4);
	if (exitc & EXIT_SAVE_DEBUG) {
		vmcs_set(x, VMCS_GUEST_DR7, s->dr[7]);
		vmcs_set(x, VMCS_GUEST_DEBUGCTL, s->msr.debugctl);
	}
	vmcs_set(x, VMCS_GUEST_SYSENTER_CS, s->msr.sysenter_cs);
	vmcs_set(x, VMCS_GUEST_SYSENTER_ESP, s->msr.sysenter_esp);
	vmcs_set(x, VMCS_GUEST_SYSENTER_EIP, s->msr.sysenter_eip);
	if (exitc & EXIT_SAVE_PAT)
		vmcs_set(x, VMCS_GUEST_PAT, s->msr.pat);
	if (exitc & EXIT_SAVE_EFER)
		vmcs_set(x, VMCS_GUEST_EFER, s->efer);
	for (unsigned r = 0; r < SEG_COUNT; r++) {
		vmcs_set(x, VMCS_GUEST_ES_SEL + r, s->seg[r].sel);
		vmcs_set(x, VMCS_GUEST_ES_BASE + r, s->seg[r].base);
		vmcs_set(x, VMCS_GUEST_ES_LIMIT + r, s->seg[r].limit);
		vmcs_set(x, VMCS_GUEST_ES_AR + r, s->seg[r].attr & 0x1f0ff);
	}
	vmcs_set(x, VMCS_GUEST_GDTR_BASE, s->gdtr.base);
	vmcs_set(x, VMCS_GUEST_GDTR_LIMIT, s->gdtr.limit);
	vmcs_set(x, VMCS_GUEST_IDTR_BASE, s->idtr.base);
	vmcs_set(x, VMCS_GUEST_IDTR_LIMIT, s->idtr.limit);
	vmcs_set(x, VMCS_GUEST_RIP, s->rip);
	vmcs_set(x, VMCS_GUEST_RSP, s->gpr[4]);
	vmcs_set(x, VMCS_GUEST_RFLAGS, cpu_get_rflags(s));
	/* 28.3.4: activity and interruptibility state, pending debug exceptions */
	vmcs_set(x, VMCS_GUEST_ACTIVITY_STATE, x->activity > ACT_HLT ? x->activity :
					       s->halted ? ACT_HLT : ACT_ACTIVE);
	if (shadow)
		intr |= s->intr_shadow == 1 ? INTR_STI : INTR_MOV_SS;
	if ((vmcs_get(x, VMCS_PIN_CONTROLS) & PIN_VNMI) ? x->vnmi_blocked : s->nmi_blocked)
		intr |= INTR_NMI;
	vmcs_set(x, VMCS_GUEST_INTERRUPTIBILITY, intr);
	vmcs_set(x, VMCS_GUEST_PENDING_DBG, pending_dbg(v, x));
	if (exitc & EXIT_SAVE_PREEMPT)  /* 28.3.4: the timer's value at the exit */
		vmcs_set(x, VMCS_GUEST_PREEMPT_TIMER, x->mtf_fresh ? x->preempt_deadline :
			 x->preempt_deadline > cpu_tsc(v) ? x->preempt_deadline - cpu_tsc(v) : 0);
	/* 28.2 / A.6 bit 5: "IA-32e mode guest" receives EFER.LMA. */
	vmcs_set(x, VMCS_ENTRY_CONTROLS, (vmcs_get(x, VMCS_ENTRY_CONTROLS) & ~(uint64_t)ENTRY_IA32E) |
					 ((s->efer & EFER_LMA) ? ENTRY_IA32E : 0));
	if ((vmcs_get(x, VMCS_PROC_CONTROLS2) & SEC_EPT) && (s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE) &&
	    !(s->efer & EFER_LMA))
		for (unsigned k = 0; k < 4; k++)
			vmcs_set(x, VMCS_GUEST_PDPTE0 + k, s->pdpte[k]);
}

/* ---------------------------------------------------------------- 28.5 host state */

static void host_seg(struct seg_cache *sc, uint16_t sel, uint64_t base, uint32_t attr)
{
	sc->sel = sel;
	sc->base = base;
	sc->limit = 0xffffffffu;
	sc->attr = sel ? attr : SEGA_UNUSABLE;
}

static void load_host_segs(struct vcpu *v, const struct vmx *x, bool h64)
{
	struct cpu_state *s = &v->s;
	uint32_t data = 3 | SEGA_S | SEGA_P | SEGA_DB | SEGA_G;
	static const struct { unsigned seg; enum vmcs_field sel; } segs[] = {
		{ SEG_ES, VMCS_HOST_ES_SEL }, { SEG_SS, VMCS_HOST_SS_SEL }, { SEG_DS, VMCS_HOST_DS_SEL },
		{ SEG_FS, VMCS_HOST_FS_SEL }, { SEG_GS, VMCS_HOST_GS_SEL },
	};

	for (unsigned k = 0; k < sizeof(segs) / sizeof(segs[0]); k++)
		host_seg(&s->seg[segs[k].seg], (uint16_t)vmcs_get(x, segs[k].sel), 0, data);
	s->seg[SEG_FS].base = vmcs_get(x, VMCS_HOST_FS_BASE);
	s->seg[SEG_GS].base = vmcs_get(x, VMCS_HOST_GS_BASE);
	/* SS with a null selector stays usable in 64-bit mode's sense: DPL 0. */
	host_seg(&s->seg[SEG_CS], (uint16_t)vmcs_get(x, VMCS_HOST_CS_SEL), 0,
		 11 | SEGA_S | SEGA_P | SEGA_G | (h64 ? SEGA_L : SEGA_DB));
	s->seg[SEG_TR] = (struct seg_cache){ .sel = (uint16_t)vmcs_get(x, VMCS_HOST_TR_SEL),
		.base = vmcs_get(x, VMCS_HOST_TR_BASE), .limit = 0x67, .attr = 11 | SEGA_P };
	s->seg[SEG_LDTR] = (struct seg_cache){ .attr = SEGA_UNUSABLE };
	s->gdtr = (struct dtable){ vmcs_get(x, VMCS_HOST_GDTR_BASE), 0xffff };
	s->idtr = (struct dtable){ vmcs_get(x, VMCS_HOST_IDTR_BASE), 0xffff };
}

/* CR0 bits a VM exit leaves alone (28.5.1): ET, CD, NW, 28:19, 17, 15:6. */
#define CR0_KEEP (CR0_ET | CR0_CD | CR0_NW | 0x1ff80000ull | 0x20000ull | 0xffc0ull)

static void load_host(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	struct cpu_state *s = &v->s;
	uint32_t exitc = (uint32_t)vmcs_get(x, VMCS_EXIT_CONTROLS);
	bool h64 = exitc & EXIT_HOST_64;

	s->cr0 = ((s->cr0 & CR0_KEEP) | (vmcs_get(x, VMCS_HOST_CR0) & ~CR0_KEEP) | vmx_cr0_fixed0()) &
		 0xffffffffull;
	s->cr3 = vmcs_get(x, VMCS_HOST_CR3);
	s->cr4 = vmcs_get(x, VMCS_HOST_CR4) | vmx_cr4_fixed0() | (h64 ? CR4_PAE : 0);
	s->dr[7] = 0x400;
	s->msr.debugctl = 0;
	cpu_dr7_changed(v);
	s->msr.sysenter_cs = vmcs_get(x, VMCS_HOST_SYSENTER_CS);
	s->msr.sysenter_esp = vmcs_get(x, VMCS_HOST_SYSENTER_ESP);
	s->msr.sysenter_eip = vmcs_get(x, VMCS_HOST_SYSENTER_EIP);
	if (exitc & EXIT_LOAD_PERF)             /* 28.5.1 */
		cpu_pmu_set_global_ctrl(v, vmcs_get(x, VMCS_HOST_PERF_GLOBAL_CTRL));
	if (exitc & EXIT_LOAD_PAT)
		s->msr.pat = vmcs_get(x, VMCS_HOST_PAT);
	if (exitc & EXIT_LOAD_EFER)
		s->efer = vmcs_get(x, VMCS_HOST_EFER);
	else if (h64)
		s->efer |= EFER_LMA | EFER_LME;
	else
		s->efer &= ~(EFER_LMA | EFER_LME);
	load_host_segs(v, x, h64);
	s->rip = vmcs_get(x, VMCS_HOST_RIP);
	s->gpr[4] = vmcs_get(x, VMCS_HOST_RSP);
	cpu_set_rflags(s, RFLAGS_FIXED1);
	s->intr_shadow = 0;
	s->halted = false;
	s->wait_for_sipi = false;
	v->init_blocked = true;         /* 24.8: back in VMX root operation */
	v->intr_masked = false;
}

/* ---------------------------------------------------------------- the exit */

/* 28.2.3: an exit while an event was being delivered records it. */
static void record_vectoring(struct vcpu *v, struct vmx *x)
{
	uint32_t info;

	if (!v->deliver_valid)
		return;
	info = INTR_INFO_VALID | (uint32_t)v->deliver_type << 8 | v->deliver_vector;
	if (v->deliver_type == EVT_HWEXC && v->deliver_error != EXC_NO_ERROR) {
		info |= INTR_INFO_ERR;
		vmcs_set(x, VMCS_IDT_VECTORING_ERROR, v->deliver_error);
	}
	vmcs_set(x, VMCS_IDT_VECTORING_INFO, info);
	if (v->deliver_type >= EVT_SWINT && !vmcs_get(x, VMCS_EXIT_INSN_LEN))
		vmcs_set(x, VMCS_EXIT_INSN_LEN, v->deliver_len);
	v->deliver_valid = false;
}

void vmx_vmexit(struct vcpu *v, uint32_t reason, uint64_t qual)
{
	struct vmx *x = vmx_of(v);
	bool entry_fail = reason & EXIT_REASON_ENTRY_FAIL;

	vmcs_set(x, VMCS_EXIT_REASON, reason);
	vmcs_set(x, VMCS_EXIT_QUALIFICATION, qual);
	if (!entry_fail) {
		record_vectoring(v, x);
		save_guest(v);
		if (!store_msrs(v, vmcs_get(x, VMCS_EXIT_MSR_STORE_ADDR),
				(uint32_t)vmcs_get(x, VMCS_EXIT_MSR_STORE_COUNT)))
			vmx_abort(v, 1);
	}
	v->deliver_valid = false;
	/* 28.2: every VM exit clears the valid bit of the VM-entry interruption info. */
	vmcs_set(x, VMCS_ENTRY_INTR_INFO, vmcs_get(x, VMCS_ENTRY_INTR_INFO) & ~(uint64_t)INTR_INFO_VALID);
	if (log_on(LOG_VMX))
		log_printf("vmx: VM exit reason %u%s qual %#llx at guest %#llx\n", reason & 0xffff,
			   entry_fail ? " (entry failure)" : "", (unsigned long long)qual,
			   (unsigned long long)vmcs_get(x, VMCS_GUEST_RIP));
	load_host(v);
	if (v->guest_mode) {
		v->s.tsc_offset -= x->tsc_offset;
		x->tsc_offset = 0;
		v->guest_mode = false;
		v->cr0_must1 = vmx_cr0_fixed0();
	}
	ept_leave(v);           /* with the host's CRs in place (nested/ept.h) */
	vmx_apic_leave(v);
	x->mtf_pending = false;
	x->iret_unblocked = false;
	x->pending_dbg = 0;
	v->step_armed = false;          /* saved in the pending debug exceptions field */
	v->db_trap = 0;
	x->preempt_on = false;
	x->activity = ACT_ACTIVE;
	x->exit_count++;
	vmx_update_events(v);
	/* 28.5.4: PAE paging in the host loads PDPTEs from its CR3. */
	if (!(vmcs_get(x, VMCS_EXIT_CONTROLS) & EXIT_HOST_64) && (v->s.cr0 & CR0_PG) &&
	    (v->s.cr4 & CR4_PAE) && !cpu_load_pdptes(v))
		vmx_abort(v, 2);
	if (vmx_load_msrs(v, vmcs_get(x, VMCS_EXIT_MSR_LOAD_ADDR),
			  (uint32_t)vmcs_get(x, VMCS_EXIT_MSR_LOAD_COUNT)))
		vmx_abort(v, 4);
}

/* ---------------------------------------------------------------- EPT (nested/ept.h) */

/*
 * EPT violations and misconfigurations are fault-like (28.2.1): the guest RIP saved
 * is the faulting instruction's. The access may come from inline code whose RIP the
 * run loop restores only when an exception unwinds, so the exit is recorded here and
 * taken as a benign exception (vector 2, hardware type) that the exception intercept
 * turns into the VM exit (vmx_intercept, before the exception bitmap).
 */
_Noreturn void vmx_exit_ept(struct vcpu *v, unsigned reason, uint64_t qual, uint64_t gla,
			    uint64_t gpa)
{
	struct vmx *x = vmx_of(v);

	x->ept_exit = true;
	x->ept_reason = reason;
	x->ept_qual = qual;
	x->ept_gla = gla;
	x->ept_gpa = gpa;
	cpu_raise(v, EXC_NMI, EXC_NO_ERROR);
}

bool vmx_iret_unblocked(const struct vcpu *v)
{
	return vmx_of(v)->iret_unblocked && !v->deliver_valid;
}

void vmx_take_ept_exit(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	bool violation = x->ept_reason == EXIT_REASON_EPT_VIOLATION;

	x->ept_exit = false;
	vmx_clear_exit_info(x);
	/* 28.2.1: the guest-linear address only when qualification bit 7 says so. */
	if (violation && (x->ept_qual & (1u << 7)))
		vmcs_set(x, VMCS_GUEST_LINEAR_ADDR, x->ept_gla);
	vmcs_set(x, VMCS_GUEST_PHYSICAL_ADDR, x->ept_gpa);
	/* Table 28-7 bit 12: NMI unblocking due to IRET, as for exception exits (28.2.2). */
	if (violation && vmx_iret_unblocked(v))
		x->ept_qual |= 1u << 12;
	/* APIC-access exits (nested/vmx_apic.c) come this way too, with their own
	 * qualification (28.2.1 table 28-6). */
	vmx_vmexit(v, x->ept_reason, x->ept_reason == EXIT_REASON_EPT_MISCONFIG ? 0 : x->ept_qual);
	cpu_loop_exit(v);
}
