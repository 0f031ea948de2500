/*
 * nested/nested.h - the public face of nested/: software VMX and SVM.
 *
 * The CPU reaches nested/ only through the intercept hook in struct vcpu
 * (cpu_intercept() in cpu/cpu.h). VMX and SVM themselves arrive with their issues;
 * until then nested_attach() installs a hook that never intercepts, and VMX/SVM
 * instructions raise #UD because the CPU models do not advertise VMX or SVM.
 */
#ifndef ELZERO_NESTED_NESTED_H
#define ELZERO_NESTED_NESTED_H

#include "cpu/cpu.h"

/* Attach nested-virtualization state to a vCPU. Returns 0 or -errno. */
int nested_attach(struct vcpu *v);
void nested_detach(struct vcpu *v);
/* RESET: the vCPU leaves VMX operation, with no current VMCS (call with cpu_reset). */
void nested_reset(struct vcpu *v);

#endif
