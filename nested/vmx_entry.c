/*
 * nested/vmx_entry.c - VM entry (SDM vol. 3, chapter 27 "VM Entries", edition in
 * docs/spec-versions.md): the checks on the VMX controls (27.2.1), on the host-state
 * area (27.2.2-27.2.4) and on the guest-state area (27.3.1), one function per rule,
 * run from tables in the SDM's order; then loading guest state (27.3.2), the MSR-load
 * list (27.4), event injection (27.6) and the entry's special features (27.7).
 *
 * Checks read only the cached VMCS and what struct entry_ctx loaded before them.
 */
#include "nested/vmx_internal.h"

#include <setjmp.h>

static bool ctl_ok(uint32_t val, struct vmx_ctl_caps c)
{
	return (val & c.must1) == c.must1 && !(val & ~c.may1);
}

/* ---------------------------------------------------------------- 27.2.1 controls */

CHECK(pin_reserved) { return ctl_ok(e->pin, vmx_ctl_caps(e->v, CTL_PIN, true)); }
CHECK(proc_reserved) { return ctl_ok(e->proc, vmx_ctl_caps(e->v, CTL_PROC, true)); }
CHECK(proc2_reserved)
{
	return !(e->proc & PROC_SECONDARY) || ctl_ok(e->proc2, vmx_ctl_caps(e->v, CTL_PROC2, true));
}
CHECK(cr3_target_count) { return F(CR3_TARGET_COUNT) <= 4; }
CHECK(io_bitmaps)
{
	return !(e->proc & PROC_IO_BITMAPS) ||
	       (addr_ok(e->v, F(IO_BITMAP_A), 4096) && addr_ok(e->v, F(IO_BITMAP_B), 4096));
}
CHECK(msr_bitmap) { return !(e->proc & PROC_MSR_BITMAPS) || addr_ok(e->v, F(MSR_BITMAP), 4096); }
/* "use TPR shadow": the virtual-APIC page and the TPR threshold, which virtual-
 * interrupt delivery (and, for the VTPR rule, APIC-access virtualization) replaces. */
CHECK(virtual_apic_page)
{
	return !(e->proc & PROC_TPR_SHADOW) || addr_ok(e->v, F(VIRTUAL_APIC_ADDR), 4096);
}
CHECK(tpr_threshold_reserved)
{
	return !(e->proc & PROC_TPR_SHADOW) || (e->proc2 & SEC_VID) || !(F(TPR_THRESHOLD) >> 4);
}
CHECK(tpr_threshold_vtpr)
{
	return !(e->proc & PROC_TPR_SHADOW) || (e->proc2 & (SEC_APIC_ACCESS | SEC_VID)) ||
	       (F(TPR_THRESHOLD) & 15) <= ((e->vtpr >> 4) & 15);
}
CHECK(apic_virt_needs_tpr_shadow)
{
	return (e->proc & PROC_TPR_SHADOW) || !(e->proc2 & (SEC_X2APIC | SEC_APIC_REG | SEC_VID));
}
CHECK(vnmi_needs_nmi_exiting) { return (e->pin & PIN_NMI) || !(e->pin & PIN_VNMI); }
CHECK(nmi_window_needs_vnmi) { return (e->pin & PIN_VNMI) || !(e->proc & PROC_NMI_WINDOW); }
CHECK(apic_access_page)
{
	return !(e->proc2 & SEC_APIC_ACCESS) || addr_ok(e->v, F(APIC_ACCESS_ADDR), 4096);
}
CHECK(x2apic_not_apic_access) { return !(e->proc2 & SEC_X2APIC) || !(e->proc2 & SEC_APIC_ACCESS); }
CHECK(vid_needs_ext_int) { return !(e->proc2 & SEC_VID) || (e->pin & PIN_EXT_INT); }
CHECK(posted_interrupts)
{
	uint64_t desc = F(POSTED_INTR_DESC);

	return !(e->pin & PIN_POSTED) ||
	       ((e->proc2 & SEC_VID) && (e->exit & EXIT_ACK_INT) && !(F(POSTED_INTR_NV) >> 8) &&
		addr_ok(e->v, desc, 64));
}
CHECK(vpid_nonzero) { return !(e->proc2 & SEC_VPID) || (F(VPID) & 0xffff) != 0; }
CHECK(eptp_valid) { return !(e->proc2 & SEC_EPT) || ept_eptp_valid(e->v, F(EPT_POINTER)); }
CHECK(unrestricted_needs_ept) { return !(e->proc2 & SEC_UNRESTRICTED) || (e->proc2 & SEC_EPT); }
CHECK(exit_reserved) { return ctl_ok(e->exit, vmx_ctl_caps(e->v, CTL_EXIT, true)); }
static bool msr_area_ok(const struct vcpu *v, uint64_t addr, uint64_t count)
{
	return !count || (!(addr & 15) && !((addr + count * 16 - 1) >> v->phys_bits));
}
CHECK(save_preempt_needs_timer) { return (e->pin & PIN_PREEMPT) || !(e->exit & EXIT_SAVE_PREEMPT); }
CHECK(exit_msr_store) { return msr_area_ok(e->v, F(EXIT_MSR_STORE_ADDR), F(EXIT_MSR_STORE_COUNT)); }
CHECK(exit_msr_load) { return msr_area_ok(e->v, F(EXIT_MSR_LOAD_ADDR), F(EXIT_MSR_LOAD_COUNT)); }
CHECK(entry_reserved) { return ctl_ok(e->entry, vmx_ctl_caps(e->v, CTL_ENTRY, true)); }

/* 27.2.1.3: the VM-entry interruption-information field. */
static bool vec_has_error(unsigned vec)
{
	return vec == EXC_DF || vec == EXC_TS || vec == EXC_NP || vec == EXC_SS ||
	       vec == EXC_GP || vec == EXC_PF || vec == EXC_AC;
}
CHECK(inject_type)
{
	uint32_t info = (uint32_t)F(ENTRY_INTR_INFO);
	unsigned type = (info >> 8) & 7, vec = info & 0xff;

	if (!(info & INTR_INFO_VALID))
		return true;
	if (type == 1 || (type == 7 && !(vmx_ctl_caps(e->v, CTL_PROC, true).may1 & PROC_MTF)))
		return false;
	return (type != EVT_NMI || vec == EXC_NMI) && (type != EVT_HWEXC || vec <= 31) &&
	       (type != 7 || vec == 0);
}
CHECK(inject_error_code)
{
	uint32_t info = (uint32_t)F(ENTRY_INTR_INFO);
	bool want = (!(e->proc2 & SEC_UNRESTRICTED) || (F(GUEST_CR0) & CR0_PE)) &&
		    ((info >> 8) & 7) == EVT_HWEXC && vec_has_error(info & 0xff);

	return !(info & INTR_INFO_VALID) || !!(info & INTR_INFO_ERR) == want;
}
CHECK(inject_reserved)
{
	uint32_t info = (uint32_t)F(ENTRY_INTR_INFO);

	return !(info & INTR_INFO_VALID) || !(info & 0x7ffff000u);
}
CHECK(inject_error_reserved)
{
	uint32_t info = (uint32_t)F(ENTRY_INTR_INFO);

	return !(info & INTR_INFO_VALID) || !(info & INTR_INFO_ERR) ||
	       !(F(ENTRY_EXC_ERROR) & 0xffff8000u);
}
CHECK(inject_insn_len)
{
	uint32_t info = (uint32_t)F(ENTRY_INTR_INFO);
	unsigned type = (info >> 8) & 7;

	/* IA32_VMX_MISC bit 30 is 0: length 0 is not allowed either. */
	return !(info & INTR_INFO_VALID) || (type != 4 && type != 5 && type != 6) ||
	       (F(ENTRY_INSN_LEN) >= 1 && F(ENTRY_INSN_LEN) <= 15);
}
CHECK(entry_msr_load) { return msr_area_ok(e->v, F(ENTRY_MSR_LOAD_ADDR), F(ENTRY_MSR_LOAD_COUNT)); }

static const struct entry_check g_ctl_checks[] = {
	ROW(pin_reserved, "SDM 27.2.1.1"), ROW(proc_reserved, "SDM 27.2.1.1"),
	ROW(proc2_reserved, "SDM 27.2.1.1"), ROW(cr3_target_count, "SDM 27.2.1.1"),
	ROW(io_bitmaps, "SDM 27.2.1.1"), ROW(msr_bitmap, "SDM 27.2.1.1"),
	ROW(virtual_apic_page, "SDM 27.2.1.1"), ROW(tpr_threshold_reserved, "SDM 27.2.1.1"),
	ROW(tpr_threshold_vtpr, "SDM 27.2.1.1"), ROW(apic_virt_needs_tpr_shadow, "SDM 27.2.1.1"),
	ROW(vnmi_needs_nmi_exiting, "SDM 27.2.1.1"), ROW(nmi_window_needs_vnmi, "SDM 27.2.1.1"),
	ROW(apic_access_page, "SDM 27.2.1.1"), ROW(x2apic_not_apic_access, "SDM 27.2.1.1"),
	ROW(vid_needs_ext_int, "SDM 27.2.1.1"), ROW(posted_interrupts, "SDM 27.2.1.1"),
	ROW(vpid_nonzero, "SDM 27.2.1.1"), ROW(eptp_valid, "SDM 27.2.1.1"),
	ROW(unrestricted_needs_ept, "SDM 27.2.1.1"),
	ROW(exit_reserved, "SDM 27.2.1.2"), ROW(save_preempt_needs_timer, "SDM 27.2.1.2"),
	ROW(exit_msr_store, "SDM 27.2.1.2"),
	ROW(exit_msr_load, "SDM 27.2.1.2"),
	ROW(entry_reserved, "SDM 27.2.1.3"), ROW(inject_type, "SDM 27.2.1.3"),
	ROW(inject_error_code, "SDM 27.2.1.3"), ROW(inject_reserved, "SDM 27.2.1.3"),
	ROW(inject_error_reserved, "SDM 27.2.1.3"), ROW(inject_insn_len, "SDM 27.2.1.3"),
	ROW(entry_msr_load, "SDM 27.2.1.3"),
};

/* ---------------------------------------------------------------- 27.2.2-27.2.4 host */

bool vmx_pat_ok(uint64_t pat)
{
	for (unsigned k = 0; k < 8; k++) {
		unsigned t = (pat >> (8 * k)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

CHECK(host_cr0_fixed)
{
	return (F(HOST_CR0) & vmx_cr0_fixed0()) == vmx_cr0_fixed0() && !(F(HOST_CR0) & ~vmx_cr0_fixed1());
}
CHECK(host_cr4_fixed)
{
	return (F(HOST_CR4) & vmx_cr4_fixed0()) == vmx_cr4_fixed0() &&
	       !(F(HOST_CR4) & ~vmx_cr4_fixed1(e->v));
}
CHECK(host_cr3) { return !(F(HOST_CR3) >> e->v->phys_bits); }
CHECK(host_sysenter) { return canon(e, F(HOST_SYSENTER_ESP)) && canon(e, F(HOST_SYSENTER_EIP)); }
CHECK(host_perf_global_ctrl)
{
	return !(e->exit & EXIT_LOAD_PERF) ||
	       !(F(HOST_PERF_GLOBAL_CTRL) & ~cpu_pmu_global_ctrl_valid(e->v));
}
CHECK(host_pat) { return !(e->exit & EXIT_LOAD_PAT) || vmx_pat_ok(F(HOST_PAT)); }
CHECK(host_efer)
{
	bool h64 = e->exit & EXIT_HOST_64;

	return !(e->exit & EXIT_LOAD_EFER) ||
	       (!(F(HOST_EFER) & ~EFER_VALID) && !!(F(HOST_EFER) & EFER_LMA) == h64 &&
		!!(F(HOST_EFER) & EFER_LME) == h64);
}
/* 27.2.3 */
CHECK(host_sel_rpl_ti)
{
	return !((F(HOST_ES_SEL) | F(HOST_CS_SEL) | F(HOST_SS_SEL) | F(HOST_DS_SEL) |
		  F(HOST_FS_SEL) | F(HOST_GS_SEL) | F(HOST_TR_SEL)) & 7);
}
CHECK(host_cs_nonnull) { return F(HOST_CS_SEL) != 0; }
CHECK(host_tr_nonnull) { return F(HOST_TR_SEL) != 0; }
CHECK(host_ss_nonnull) { return F(HOST_SS_SEL) != 0 || (e->exit & EXIT_HOST_64); }
CHECK(host_bases_canonical)
{
	return canon(e, F(HOST_FS_BASE)) && canon(e, F(HOST_GS_BASE)) && canon(e, F(HOST_GDTR_BASE)) &&
	       canon(e, F(HOST_IDTR_BASE)) && canon(e, F(HOST_TR_BASE));
}
/* 27.2.4 */
CHECK(host_addr_size_mode)
{
	bool lma = e->v->s.efer & EFER_LMA, h64 = e->exit & EXIT_HOST_64;

	if (!lma)
		return !h64 && !(e->entry & ENTRY_IA32E);
	return h64;
}
CHECK(host_32bit_state)
{
	return (e->exit & EXIT_HOST_64) ||
	       (!(e->entry & ENTRY_IA32E) && !(F(HOST_CR4) & CR4_PCIDE) && !(F(HOST_RIP) >> 32));
}
CHECK(host_64bit_state)
{
	return !(e->exit & EXIT_HOST_64) || ((F(HOST_CR4) & CR4_PAE) && canon(e, F(HOST_RIP)));
}

static const struct entry_check g_host_checks[] = {
	ROW(host_cr0_fixed, "SDM 27.2.2"), ROW(host_cr4_fixed, "SDM 27.2.2"),
	ROW(host_cr3, "SDM 27.2.2"), ROW(host_sysenter, "SDM 27.2.2"),
	ROW(host_perf_global_ctrl, "SDM 27.2.2"),
	ROW(host_pat, "SDM 27.2.2"), ROW(host_efer, "SDM 27.2.2"),
	ROW(host_sel_rpl_ti, "SDM 27.2.3"), ROW(host_cs_nonnull, "SDM 27.2.3"),
	ROW(host_tr_nonnull, "SDM 27.2.3"), ROW(host_ss_nonnull, "SDM 27.2.3"),
	ROW(host_bases_canonical, "SDM 27.2.3"),
	ROW(host_addr_size_mode, "SDM 27.2.4"), ROW(host_32bit_state, "SDM 27.2.4"),
	ROW(host_64bit_state, "SDM 27.2.4"),
};

/* Run a table of checks; returns the first that fails, or NULL. */
static const struct entry_check *run_checks(const struct entry_ctx *e, const struct entry_check *t,
					    size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!t[k].fn(e)) {
			if (log_on(LOG_VMX))
				log_printf("vmx: entry check %s failed (%s)\n", t[k].name, t[k].sdm);
			return &t[k];
		}
	return NULL;
}

#define NCHECKS(t) (sizeof(t) / sizeof(t[0]))

/* Load first (27.3.1.5 link pointer, 27.3.1.6 PDPTEs), then check. */
static void entry_ctx_load(struct vcpu *v, struct entry_ctx *e)
{
	const struct vmx *x = vmx_of(v);
	uint64_t link, cr3;

	e->v = v;
	e->f = x->vmcs.f;
	e->pin = (uint32_t)F(PIN_CONTROLS);
	e->proc = (uint32_t)F(PROC_CONTROLS);
	e->proc2 = (e->proc & PROC_SECONDARY) ? (uint32_t)F(PROC_CONTROLS2) : 0;
	e->exit = (uint32_t)F(EXIT_CONTROLS);
	e->entry = (uint32_t)F(ENTRY_CONTROLS);
	link = F(VMCS_LINK_PTR);
	e->link_rev = 0;
	if (link != ~0ull && addr_ok(v, link, 4096))
		e->link_rev = (uint32_t)cpu_phys_ld(v, link, 4);
	e->vtpr = 0;
	if ((e->proc & PROC_TPR_SHADOW) && addr_ok(v, F(VIRTUAL_APIC_ADDR), 4096))
		e->vtpr = (uint32_t)cpu_phys_ld(v, F(VIRTUAL_APIC_ADDR) + 0x80, 4);
	cr3 = F(GUEST_CR3) & 0xffffffe0u;
	for (unsigned k = 0; k < 4; k++)
		e->pdpte[k] = (e->proc2 & SEC_EPT) ? e->f[VMCS_GUEST_PDPTE0 + k] :
			      cpu_phys_ld(v, cr3 + 8 * k, 8);
}

/* 27.8: a failure during or after loading guest state: a VM exit with bit 31 of the
 * exit reason set, which loads host state but saves no guest state. */
static void entry_fail_exit(struct vcpu *v, uint32_t reason, uint64_t qual)
{
	vmx_clear_exit_info(vmx_of(v));
	vmx_vmexit(v, reason | EXIT_REASON_ENTRY_FAIL, qual);
	cpu_loop_exit(v);
}

void vmx_entry(struct vcpu *v, const struct x86_insn *i, bool launch)
{
	struct vmx *x = vmx_of(v);
	struct entry_ctx e;
	const struct entry_check *bad;
	uint32_t msr_fail;

	/* 27.1: basic checks, in the order of VMLAUNCH/VMRESUME's operation (31.3). */
	if (x->current == VMX_NO_VMCS) {
		vmx_fail_invalid(v);
		return;
	}
	if (v->s.intr_shadow == 2 && v->shadow_rip == v->s.rip) {
		vmx_fail(v, VMXERR_ENTRY_MOV_SS);
		return;
	}
	if (launch && x->vmcs.launched) {
		vmx_fail(v, VMXERR_VMLAUNCH_NOT_CLEAR);
		return;
	}
	if (!launch && !x->vmcs.launched) {
		vmx_fail(v, VMXERR_VMRESUME_NOT_LAUNCHED);
		return;
	}
	entry_ctx_load(v, &e);
	if (run_checks(&e, g_ctl_checks, NCHECKS(g_ctl_checks))) {
		vmx_fail(v, VMXERR_ENTRY_BAD_CTL);
		return;
	}
	if (run_checks(&e, g_host_checks, NCHECKS(g_host_checks))) {
		vmx_fail(v, VMXERR_ENTRY_BAD_HOST);
		return;
	}
	/* From here on a failure is a VM exit to the host: RIP must be past VMLAUNCH. */
	v->s.rip = insn_next_rip(v, i);
	bad = run_checks(&e, g_vmx_guest_checks, g_vmx_guest_nchecks);
	if (bad)
		entry_fail_exit(v, EXIT_REASON_BAD_GUEST, bad->qual);
	vmx_load_guest(v, &e);
	msr_fail = vmx_load_msrs(v, e.f[VMCS_ENTRY_MSR_LOAD_ADDR], (uint32_t)e.f[VMCS_ENTRY_MSR_LOAD_COUNT]);
	if (msr_fail)
		entry_fail_exit(v, EXIT_REASON_MSR_LOAD, msr_fail);
	if (launch)
		x->vmcs.launched = true;
	vmx_start_guest(v, &e);
	cpu_loop_exit(v);
}
