/*
 * nested/nested.c - attaching nested-virtualization state to a vCPU: the VMX state,
 * the intercept hook (nested/vmx_intercept.c while in VMX non-root operation) and
 * the VMX capability MSRs (nested/vmx_caps.c).
 */
#include "nested/nested.h"
#include "nested/vmx_internal.h"

#include <stdlib.h>
#include <string.h>

static void nested_intercept(struct vcpu *v, enum intercept_kind kind, uint64_t info,
			     const void *insn)
{
	struct nested_state *ns = v->nested;

	/* Guest mode is entered only through VM entry, which needs this state. */
	if (!ns)
		abort();
	if (ns->vmx.on)
		vmx_intercept(v, kind, info, insn);
}

int nested_attach(struct vcpu *v)
{
	struct nested_state *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return -12; /* -ENOMEM */
	ns->vmx.current = VMX_NO_VMCS;
	v->nested = ns;
	v->intercept = nested_intercept;
	cpu_msr_add_hook(v, vmx_msr_hook, NULL);
	return 0;
}

void nested_detach(struct vcpu *v)
{
	free(v->nested);
	v->nested = NULL;
	v->intercept = NULL;
	v->guest_mode = false;
	v->nested_events = v->nested_step = false;
	v->cr0_must1 = v->cr4_must1 = 0;
}

/* RESET clears CR4 (SDM vol. 3, 10.1.1 table 10-1), so CR4.VMXE, which VMX operation
 * needs (24.8), is 0 afterwards: the processor is out of VMX operation, INIT is no
 * longer blocked and no VMCS is current. Unlike INIT, RESET is never blocked. */
void nested_reset(struct vcpu *v)
{
	struct nested_state *ns = v->nested;

	if (ns) {
		memset(ns, 0, sizeof(*ns));
		ns->vmx.current = VMX_NO_VMCS;
	}
	v->guest_mode = false;
	v->nested_events = v->nested_step = false;
	v->cr0_must1 = v->cr4_must1 = 0;
	v->init_blocked = v->intr_masked = false;
	v->apic_access_tag = 0;
}
