/*
 * nested/vmx_guest.c - the guest half of VM entry (SDM vol. 3, edition in
 * docs/spec-versions.md): checks on the guest-state area (27.3.1.1-27.3.1.6) in the
 * SDM's order, loading guest state (27.3.2), event injection (27.6) and the special
 * features of VM entry (27.7: interruptibility, activity state, pending MTF).
 */
#include "nested/vmx_internal.h"

#include <setjmp.h>

static bool unrestricted(const struct entry_ctx *e) { return e->proc2 & SEC_UNRESTRICTED; }
static bool ia32e(const struct entry_ctx *e) { return e->entry & ENTRY_IA32E; }
static uint32_t ar(const struct entry_ctx *e, unsigned seg) { return (uint32_t)e->f[VMCS_GUEST_ES_AR + seg]; }
static uint64_t sel(const struct entry_ctx *e, unsigned seg) { return e->f[VMCS_GUEST_ES_SEL + seg]; }
static uint64_t sbase(const struct entry_ctx *e, unsigned seg) { return e->f[VMCS_GUEST_ES_BASE + seg]; }
static uint32_t slimit(const struct entry_ctx *e, unsigned seg) { return (uint32_t)e->f[VMCS_GUEST_ES_LIMIT + seg]; }
static bool usable(const struct entry_ctx *e, unsigned seg) { return !(ar(e, seg) & SEGA_UNUSABLE); }
static unsigned dpl(const struct entry_ctx *e, unsigned seg) { return (ar(e, seg) >> 5) & 3; }
static bool v86(const struct entry_ctx *e) { return F(GUEST_RFLAGS) & RFLAGS_VM; }
static uint32_t intr_info(const struct entry_ctx *e) { return (uint32_t)F(ENTRY_INTR_INFO); }
static bool injecting(const struct entry_ctx *e, unsigned type)
{
	return (intr_info(e) & INTR_INFO_VALID) && ((intr_info(e) >> 8) & 7) == type;
}

/* ---------------------------------------------------------------- 27.3.1.1 */

static uint64_t guest_cr0_fixed0(const struct entry_ctx *e)
{
	return vmx_cr0_fixed0() & ~(unrestricted(e) ? CR0_PE | CR0_PG : 0);
}
CHECK(guest_cr0_fixed)
{
	return (F(GUEST_CR0) & guest_cr0_fixed0(e)) == guest_cr0_fixed0(e) &&
	       !(F(GUEST_CR0) & ~vmx_cr0_fixed1());
}
CHECK(guest_cr0_pg_pe) { return !(F(GUEST_CR0) & CR0_PG) || (F(GUEST_CR0) & CR0_PE); }
CHECK(guest_cr4_fixed)
{
	return (F(GUEST_CR4) & vmx_cr4_fixed0()) == vmx_cr4_fixed0() &&
	       !(F(GUEST_CR4) & ~vmx_cr4_fixed1(e->v));
}
CHECK(guest_debugctl) { return !(e->entry & ENTRY_LOAD_DEBUG) || !(F(GUEST_DEBUGCTL) & ~0xffc3ull); }
CHECK(guest_ia32e_paging)
{
	return !ia32e(e) || ((F(GUEST_CR0) & CR0_PG) && (F(GUEST_CR4) & CR4_PAE));
}
CHECK(guest_pcide) { return ia32e(e) || !(F(GUEST_CR4) & CR4_PCIDE); }
CHECK(guest_cr3) { return !(F(GUEST_CR3) >> e->v->phys_bits); }
CHECK(guest_dr7) { return !(e->entry & ENTRY_LOAD_DEBUG) || !(F(GUEST_DR7) >> 32); }
CHECK(guest_sysenter) { return canon(e, F(GUEST_SYSENTER_ESP)) && canon(e, F(GUEST_SYSENTER_EIP)); }
CHECK(guest_perf_global_ctrl)
{
	return !(e->entry & ENTRY_LOAD_PERF) ||
	       !(F(GUEST_PERF_GLOBAL_CTRL) & ~cpu_pmu_global_ctrl_valid(e->v));
}
CHECK(guest_pat) { return !(e->entry & ENTRY_LOAD_PAT) || vmx_pat_ok(F(GUEST_PAT)); }
CHECK(guest_efer)
{
	uint64_t efer = F(GUEST_EFER);

	if (!(e->entry & ENTRY_LOAD_EFER))
		return true;
	return !(efer & ~EFER_VALID) && !!(efer & EFER_LMA) == ia32e(e) &&
	       (!(F(GUEST_CR0) & CR0_PG) || !!(efer & EFER_LME) == ia32e(e));
}

/* ---------------------------------------------------------------- 27.3.1.2 */

static const unsigned g_data_segs[] = { SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };
#define NDATA (sizeof(g_data_segs) / sizeof(g_data_segs[0]))

CHECK(seg_tr_ti) { return !(sel(e, SEG_TR) & 4); }
CHECK(seg_ldtr_ti) { return !usable(e, SEG_LDTR) || !(sel(e, SEG_LDTR) & 4); }
CHECK(seg_ss_rpl) { return v86(e) || unrestricted(e) || (sel(e, SEG_SS) & 3) == (sel(e, SEG_CS) & 3); }
CHECK(seg_v86)
{
	static const unsigned segs[] = { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };

	if (!v86(e))
		return true;
	for (unsigned k = 0; k < 6; k++)
		if (sbase(e, segs[k]) != sel(e, segs[k]) << 4 || slimit(e, segs[k]) != 0xffff ||
		    ar(e, segs[k]) != 0xf3)
			return false;
	return true;
}
CHECK(seg_cs_type)
{
	unsigned t = ar(e, SEG_CS) & 15;

	return v86(e) || t == 9 || t == 11 || t == 13 || t == 15 || (unrestricted(e) && t == 3);
}
CHECK(seg_ss_type)
{
	unsigned t = ar(e, SEG_SS) & 15;

	return v86(e) || !usable(e, SEG_SS) || t == 3 || t == 7;
}
CHECK(seg_data_type)
{
	if (v86(e))
		return true;
	for (unsigned k = 1; k < NDATA; k++) {
		unsigned s = g_data_segs[k], t = ar(e, s) & 15;

		if (usable(e, s) && (!(t & 1) || ((t & 8) && !(t & 2))))
			return false;
	}
	return true;
}
CHECK(seg_s_bit)
{
	if (v86(e))
		return true;
	if (!(ar(e, SEG_CS) & SEGA_S))
		return false;
	for (unsigned k = 0; k < NDATA; k++)
		if (usable(e, g_data_segs[k]) && !(ar(e, g_data_segs[k]) & SEGA_S))
			return false;
	return true;
}
CHECK(seg_cs_dpl)
{
	unsigned t = ar(e, SEG_CS) & 15;

	if (v86(e))
		return true;
	if (t == 3)
		return dpl(e, SEG_CS) == 0;
	if (t == 9 || t == 11)
		return dpl(e, SEG_CS) == dpl(e, SEG_SS);
	return dpl(e, SEG_CS) <= dpl(e, SEG_SS);
}
CHECK(seg_ss_dpl)
{
	if (v86(e))
		return true;
	if (!unrestricted(e) && dpl(e, SEG_SS) != (sel(e, SEG_SS) & 3))
		return false;
	return !((ar(e, SEG_CS) & 15) == 3 || !(F(GUEST_CR0) & CR0_PE)) || dpl(e, SEG_SS) == 0;
}
CHECK(seg_data_dpl)
{
	if (v86(e) || unrestricted(e))
		return true;
	for (unsigned k = 1; k < NDATA; k++) {
		unsigned s = g_data_segs[k];

		if (usable(e, s) && (ar(e, s) & 15) <= 11 && dpl(e, s) < (sel(e, s) & 3))
			return false;
	}
	return true;
}
/* P, reserved bits 11:8 and 31:17, and the limit/G consistency of one segment. */
static bool seg_ar_ok(const struct entry_ctx *e, unsigned s)
{
	uint32_t a = ar(e, s), lim = slimit(e, s);

	if (!(a & SEGA_P) || (a & 0xfffe0f00u))
		return false;
	if ((lim & 0xfff) != 0xfff && (a & SEGA_G))
		return false;
	return !(lim >> 20) || (a & SEGA_G);
}
CHECK(seg_present_reserved_g)
{
	if (v86(e))
		return true;
	if (!seg_ar_ok(e, SEG_CS))
		return false;
	for (unsigned k = 0; k < NDATA; k++)
		if (usable(e, g_data_segs[k]) && !seg_ar_ok(e, g_data_segs[k]))
			return false;
	return true;
}
CHECK(seg_cs_l_db) { return !ia32e(e) || !(ar(e, SEG_CS) & SEGA_L) || !(ar(e, SEG_CS) & SEGA_DB); }
CHECK(seg_tr)
{
	unsigned t = ar(e, SEG_TR) & 15;

	if (!usable(e, SEG_TR) || (ar(e, SEG_TR) & SEGA_S))
		return false;
	if (!(t == 11 || (!ia32e(e) && t == 3)))
		return false;
	return seg_ar_ok(e, SEG_TR);
}
CHECK(seg_ldtr)
{
	if (!usable(e, SEG_LDTR))
		return true;
	return (ar(e, SEG_LDTR) & 15) == 2 && !(ar(e, SEG_LDTR) & SEGA_S) && seg_ar_ok(e, SEG_LDTR);
}
CHECK(seg_bases)
{
	if (!canon(e, sbase(e, SEG_TR)) || !canon(e, sbase(e, SEG_FS)) || !canon(e, sbase(e, SEG_GS)))
		return false;
	if (usable(e, SEG_LDTR) && !canon(e, sbase(e, SEG_LDTR)))
		return false;
	if (sbase(e, SEG_CS) >> 32)
		return false;
	for (unsigned k = 0; k < 3; k++) {
		unsigned s = (unsigned[]){ SEG_SS, SEG_DS, SEG_ES }[k];

		if (usable(e, s) && (sbase(e, s) >> 32))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- 27.3.1.3-27.3.1.4 */

CHECK(dtr_bases) { return canon(e, F(GUEST_GDTR_BASE)) && canon(e, F(GUEST_IDTR_BASE)); }
CHECK(dtr_limits) { return !(F(GUEST_GDTR_LIMIT) >> 16) && !(F(GUEST_IDTR_LIMIT) >> 16); }
CHECK(guest_rip)
{
	if (ia32e(e) && (ar(e, SEG_CS) & SEGA_L))
		return canon(e, F(GUEST_RIP));
	return !(F(GUEST_RIP) >> 32);
}
CHECK(guest_rflags_reserved)
{
	uint64_t fl = F(GUEST_RFLAGS);

	return !(fl & ~0x3f7fd7ull) && (fl & RFLAGS_FIXED1);
}
CHECK(guest_rflags_vm) { return !v86(e) || (!ia32e(e) && (F(GUEST_CR0) & CR0_PE)); }
CHECK(guest_rflags_if) { return !injecting(e, EVT_EXTINT) || (F(GUEST_RFLAGS) & RFLAGS_IF); }

/* ---------------------------------------------------------------- 27.3.1.5 */

CHECK(activity_valid) { return F(GUEST_ACTIVITY_STATE) <= ACT_WAIT_SIPI; }
CHECK(activity_hlt_dpl) { return F(GUEST_ACTIVITY_STATE) != ACT_HLT || dpl(e, SEG_SS) == 0; }
CHECK(activity_blocking)
{
	return !(F(GUEST_INTERRUPTIBILITY) & (INTR_STI | INTR_MOV_SS)) ||
	       F(GUEST_ACTIVITY_STATE) == ACT_ACTIVE;
}
CHECK(activity_injection)
{
	uint32_t info = intr_info(e);
	unsigned type = (info >> 8) & 7, vec = info & 0xff;

	if (!(info & INTR_INFO_VALID))
		return true;
	switch (F(GUEST_ACTIVITY_STATE)) {
	case ACT_HLT:
		return type == EVT_EXTINT || type == EVT_NMI || type == 7 ||
		       (type == EVT_HWEXC && (vec == EXC_DB || vec == EXC_MC));
	case ACT_SHUTDOWN:
		return type == EVT_NMI || (type == EVT_HWEXC && vec == EXC_MC);
	case ACT_WAIT_SIPI:
		return false;
	default:
		return true;
	}
}
CHECK(intr_reserved) { return !(F(GUEST_INTERRUPTIBILITY) & ~0xfull); }
CHECK(intr_sti_movss)
{
	return (F(GUEST_INTERRUPTIBILITY) & (INTR_STI | INTR_MOV_SS)) != (INTR_STI | INTR_MOV_SS);
}
CHECK(intr_sti_if) { return (F(GUEST_RFLAGS) & RFLAGS_IF) || !(F(GUEST_INTERRUPTIBILITY) & INTR_STI); }
CHECK(intr_injection)
{
	return !(injecting(e, EVT_EXTINT) || injecting(e, EVT_NMI)) ||
	       !(F(GUEST_INTERRUPTIBILITY) & (INTR_STI | INTR_MOV_SS));
}
CHECK(intr_smi) { return !(F(GUEST_INTERRUPTIBILITY) & INTR_SMI); }
CHECK(intr_vnmi)
{
	return !(e->pin & PIN_VNMI) || !injecting(e, EVT_NMI) || !(F(GUEST_INTERRUPTIBILITY) & INTR_NMI);
}
CHECK(pending_dbg_reserved) { return !(F(GUEST_PENDING_DBG) & ~0x1500full); }
CHECK(pending_dbg_bs)
{
	bool blocked = (F(GUEST_INTERRUPTIBILITY) & (INTR_STI | INTR_MOV_SS)) ||
		       F(GUEST_ACTIVITY_STATE) == ACT_HLT;
	bool tf = F(GUEST_RFLAGS) & RFLAGS_TF, btf = F(GUEST_DEBUGCTL) & 2;
	bool bs = F(GUEST_PENDING_DBG) & (1u << 14);

	if (!blocked)
		return true;
	return (tf && !btf) ? bs : !bs;
}
CHECK(link_pointer)
{
	uint64_t link = F(VMCS_LINK_PTR);

	return link == ~0ull || (addr_ok(e->v, link, 4096) && e->link_rev == VMX_REVISION);
}

/* ---------------------------------------------------------------- 27.3.1.6 */

CHECK(pdptes)
{
	uint64_t rsvd = 0x1e6ull | ~((1ull << e->v->phys_bits) - 1);

	if (ia32e(e) || !(F(GUEST_CR0) & CR0_PG) || !(F(GUEST_CR4) & CR4_PAE))
		return true;
	for (unsigned k = 0; k < 4; k++)
		if ((e->pdpte[k] & 1) && (e->pdpte[k] & rsvd))
			return false;
	return true;
}

#define GROW(n, sdm, q) { chk_##n, #n, sdm, q }
const struct entry_check g_vmx_guest_checks[] = {
	ROW(guest_cr0_fixed, "SDM 27.3.1.1"), ROW(guest_cr0_pg_pe, "SDM 27.3.1.1"),
	ROW(guest_cr4_fixed, "SDM 27.3.1.1"), ROW(guest_debugctl, "SDM 27.3.1.1"),
	ROW(guest_ia32e_paging, "SDM 27.3.1.1"), ROW(guest_pcide, "SDM 27.3.1.1"),
	ROW(guest_cr3, "SDM 27.3.1.1"), ROW(guest_dr7, "SDM 27.3.1.1"),
	ROW(guest_sysenter, "SDM 27.3.1.1"), ROW(guest_perf_global_ctrl, "SDM 27.3.1.1"),
	ROW(guest_pat, "SDM 27.3.1.1"),
	ROW(guest_efer, "SDM 27.3.1.1"),
	ROW(seg_tr_ti, "SDM 27.3.1.2"), ROW(seg_ldtr_ti, "SDM 27.3.1.2"),
	ROW(seg_ss_rpl, "SDM 27.3.1.2"), ROW(seg_v86, "SDM 27.3.1.2"),
	ROW(seg_cs_type, "SDM 27.3.1.2"), ROW(seg_ss_type, "SDM 27.3.1.2"),
	ROW(seg_data_type, "SDM 27.3.1.2"), ROW(seg_s_bit, "SDM 27.3.1.2"),
	ROW(seg_cs_dpl, "SDM 27.3.1.2"), ROW(seg_ss_dpl, "SDM 27.3.1.2"),
	ROW(seg_data_dpl, "SDM 27.3.1.2"), ROW(seg_present_reserved_g, "SDM 27.3.1.2"),
	ROW(seg_cs_l_db, "SDM 27.3.1.2"), ROW(seg_tr, "SDM 27.3.1.2"),
	ROW(seg_ldtr, "SDM 27.3.1.2"), ROW(seg_bases, "SDM 27.3.1.2"),
	ROW(dtr_bases, "SDM 27.3.1.3"), ROW(dtr_limits, "SDM 27.3.1.3"),
	ROW(guest_rip, "SDM 27.3.1.4"), ROW(guest_rflags_reserved, "SDM 27.3.1.4"),
	ROW(guest_rflags_vm, "SDM 27.3.1.4"), ROW(guest_rflags_if, "SDM 27.3.1.4"),
	ROW(activity_valid, "SDM 27.3.1.5"), ROW(activity_hlt_dpl, "SDM 27.3.1.5"),
	ROW(activity_blocking, "SDM 27.3.1.5"), ROW(activity_injection, "SDM 27.3.1.5"),
	ROW(intr_reserved, "SDM 27.3.1.5"), ROW(intr_sti_movss, "SDM 27.3.1.5"),
	ROW(intr_sti_if, "SDM 27.3.1.5"), ROW(intr_injection, "SDM 27.3.1.5"),
	ROW(intr_smi, "SDM 27.3.1.5"), ROW(intr_vnmi, "SDM 27.3.1.5"),
	ROW(pending_dbg_reserved, "SDM 27.3.1.5"), ROW(pending_dbg_bs, "SDM 27.3.1.5"),
	GROW(link_pointer, "SDM 27.3.1.5", 4),
	GROW(pdptes, "SDM 27.3.1.6", 2),
};
const size_t g_vmx_guest_nchecks = sizeof(g_vmx_guest_checks) / sizeof(g_vmx_guest_checks[0]);

/* ---------------------------------------------------------------- 27.3.2 loading */

static void load_segs(struct vcpu *v, const struct entry_ctx *e)
{
	struct cpu_state *s = &v->s;

	for (unsigned r = 0; r < SEG_COUNT; r++) {
		s->seg[r].sel = (uint16_t)sel(e, r);
		s->seg[r].base = sbase(e, r);
		s->seg[r].limit = slimit(e, r);
		s->seg[r].attr = ar(e, r) & 0x1f0ff;
	}
	/* 27.3.2.2: unusable registers keep a base of 0 for CS-relative use only in
	 * 64-bit mode; in other modes their bases are loaded as given. */
	s->gdtr.base = F(GUEST_GDTR_BASE);
	s->gdtr.limit = (uint32_t)F(GUEST_GDTR_LIMIT);
	s->idtr.base = F(GUEST_IDTR_BASE);
	s->idtr.limit = (uint32_t)F(GUEST_IDTR_LIMIT);
}

void vmx_load_guest(struct vcpu *v, const struct entry_ctx *e)
{
	struct cpu_state *s = &v->s;

	s->cr0 = (F(GUEST_CR0) & 0xffffffffull) | CR0_ET;
	s->cr3 = F(GUEST_CR3);
	s->cr4 = F(GUEST_CR4);
	if (e->entry & ENTRY_LOAD_DEBUG) {
		s->dr[7] = F(GUEST_DR7);
		s->msr.debugctl = F(GUEST_DEBUGCTL);
		cpu_dr7_changed(v);
	}
	s->msr.sysenter_cs = F(GUEST_SYSENTER_CS);
	s->msr.sysenter_esp = F(GUEST_SYSENTER_ESP);
	s->msr.sysenter_eip = F(GUEST_SYSENTER_EIP);
	if (e->entry & ENTRY_LOAD_PERF)         /* 27.3.2.1 */
		cpu_pmu_set_global_ctrl(v, F(GUEST_PERF_GLOBAL_CTRL));
	if (e->entry & ENTRY_LOAD_PAT)
		s->msr.pat = F(GUEST_PAT);
	if (e->entry & ENTRY_LOAD_EFER)
		s->efer = F(GUEST_EFER);
	else if (ia32e(e))      /* 27.3.2.1: LMA and LME follow "IA-32e mode guest" */
		s->efer |= EFER_LMA | EFER_LME;
	else
		s->efer &= ~(EFER_LMA | EFER_LME);
	load_segs(v, e);
	s->rip = F(GUEST_RIP);
	s->gpr[4] = F(GUEST_RSP);
	cpu_set_rflags(s, F(GUEST_RFLAGS));
	if (!ia32e(e) && (s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE))
		for (unsigned k = 0; k < 4; k++)
			s->pdpte[k] = e->pdpte[k];
	/* No TLB flush here: ept_enter switches (and, without VPID, flushes) the
	 * address space once the guest's control registers are in place. */
}

/* ---------------------------------------------------------------- 27.6 injection */

/* Deliver the injected event through the guest IDT. Injection itself is not subject
 * to the exception bitmap (27.6.1); a fault while delivering it is, with the
 * injected event as IDT-vectoring information (28.2.3). */
static void inject_event(struct vcpu *v, const struct entry_ctx *e)
{
	struct vmx *x = vmx_of(v);
	uint32_t info = intr_info(e);
	unsigned type = (info >> 8) & 7, vec = info & 0xff;
	uint32_t err = (info & INTR_INFO_ERR) ? (uint32_t)F(ENTRY_EXC_ERROR) : EXC_NO_ERROR;
	uint64_t len = (type >= 4 && type <= 6) ? F(ENTRY_INSN_LEN) : 0;
	const uint64_t next = (v->s.rip + len) & (cpu_64bit_mode(&v->s) ? ~0ull : 0xffffffffull);
	jmp_buf jb, *outer = v->exit_jmp;
	const bool was_blocked = v->s.nmi_blocked;

	v->exit_jmp = &jb;
	x->injecting = true;
	if (setjmp(jb) == 0) {
		cpu_deliver_event(v, (int)vec, (enum event_type)type, err, next);
		x->injecting = false;
		v->exit_jmp = outer;
		if (type == EVT_NMI && (e->pin & PIN_VNMI)) {
			x->vnmi_blocked = true;     /* 26.3.1.5: a virtual NMI was delivered */
			v->s.nmi_blocked = was_blocked;
		}
		return;
	}
	/* cpu_raise while delivering: handle it as the run loop would, with the
	 * injected event still recorded as the one being delivered. */
	x->injecting = false;
	v->exit_jmp = outer;
	if (v->pending_vector >= 0)
		cpu_deliver_pending(v);
}

static void set_blocking(struct vcpu *v, const struct entry_ctx *e, bool vectoring)
{
	struct vmx *x = vmx_of(v);
	uint64_t intr = F(GUEST_INTERRUPTIBILITY);

	/* 27.7.1: a vectoring entry leaves no blocking by STI or MOV SS. */
	v->s.intr_shadow = 0;
	if (!vectoring && (intr & (INTR_STI | INTR_MOV_SS)))
		cpu_set_intr_shadow(v, (intr & INTR_STI) ? 1 : 2, v->s.rip);
	if (e->pin & PIN_VNMI) {
		x->vnmi_blocked = intr & INTR_NMI;
		v->s.nmi_blocked = false;
	} else {
		v->s.nmi_blocked = intr & INTR_NMI;
	}
}

/*
 * 27.7.3: the pending debug exceptions VM entry leaves for after it: ignored when the
 * entry is vectoring or the activity state is shutdown/wait-for-SIPI; valid when BS
 * or "enabled breakpoint" is 1. With blocking by MOV SS they are held pending (until
 * the shadow ends, as a trap after MOV SS would be).
 */
static uint32_t entry_pending_dbg(const struct entry_ctx *e, bool vectoring)
{
	uint32_t bits = (uint32_t)F(GUEST_PENDING_DBG);

	if (vectoring || F(GUEST_ACTIVITY_STATE) > ACT_HLT || !(bits & (PDBG_BS | PDBG_ENABLED_BP)))
		return 0;
	return bits;
}

void vmx_start_guest(struct vcpu *v, const struct entry_ctx *e)
{
	struct vmx *x = vmx_of(v);
	uint32_t info = intr_info(e);
	bool valid = info & INTR_INFO_VALID, mtf_inject = valid && ((info >> 8) & 7) == 7;
	bool vectoring = valid && !mtf_inject;

	x->tsc_offset = (e->proc & PROC_TSC_OFFSET) ? F(TSC_OFFSET) : 0;
	v->s.tsc_offset += x->tsc_offset;
	v->guest_mode = true;
	v->cr0_must1 = guest_cr0_fixed0(e);     /* unrestricted guest relaxes PE/PG */
	x->entry_count++;
	ept_enter(v, e->proc2 & SEC_EPT, F(EPT_POINTER),
		  (e->proc2 & SEC_VPID) ? (uint16_t)F(VPID) : 0);
	set_blocking(v, e, vectoring);
	/* 27.7.2: the activity state; a vectoring entry makes the CPU active. HLT and
	 * shutdown halt (shutdown takes no maskable interrupt: only NMIs, INIT, SMIs
	 * act, 26.2); wait-for-SIPI waits as after INIT, with INIT blocked (26.2). */
	x->activity = vectoring ? ACT_ACTIVE : (unsigned)F(GUEST_ACTIVITY_STATE);
	v->s.halted = x->activity == ACT_HLT || x->activity == ACT_SHUTDOWN;
	v->s.wait_for_sipi = x->activity == ACT_WAIT_SIPI;
	v->init_blocked = x->activity == ACT_WAIT_SIPI;
	v->intr_masked = x->activity == ACT_SHUTDOWN;
	/* 27.6.2 / 27.7.8: a pending MTF VM exit, injected or by the control. */
	x->mtf_pending = mtf_inject;
	x->mtf_fresh = true;
	x->ple_fresh = true;
	x->pending_dbg = entry_pending_dbg(e, vectoring);
	x->iret_unblocked = false;            /* 26.1.3: the next PAUSE starts a loop */
	/* 27.7.4: the VMX-preemption timer starts with the field's value. */
	x->preempt_on = e->pin & PIN_PREEMPT;
	x->preempt_deadline = F(GUEST_PREEMPT_TIMER);  /* made absolute at the first boundary */
	vmx_apic_enter(v);      /* 27.3.2.5: RVI/SVI, virtual-interrupt evaluation */
	vmx_update_events(v);
	if (log_on(LOG_VMX))
		log_printf("vmx: VM entry to %04x:%#llx%s (inject %#x)\n", v->s.seg[SEG_CS].sel,
			   (unsigned long long)v->s.rip, x->activity ? " (not active)" : "", info);
	if (vectoring)
		inject_event(v, e);
}
