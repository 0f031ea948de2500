/*
 * nested/vmx.h - software VMX: what translate/ (the VMX instruction handlers) and
 * monitor/ (`info vmcs`) call. Intel SDM vol. 3, chapters 24-31 and appendices A-C,
 * edition pinned in docs/spec-versions.md.
 */
#ifndef ELZERO_NESTED_VMX_H
#define ELZERO_NESTED_VMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

struct x86_insn;

/* The VMX instructions (SDM 31.3), as translate/ops/vmx.c hands them over. */
enum vmx_insn {
	VMX_I_VMXON, VMX_I_VMXOFF, VMX_I_VMCLEAR, VMX_I_VMPTRLD, VMX_I_VMPTRST,
	VMX_I_VMREAD, VMX_I_VMWRITE, VMX_I_VMLAUNCH, VMX_I_VMRESUME, VMX_I_INVEPT,
	VMX_I_INVVPID, VMX_I_VMCALL, VMX_I_VMFUNC,
};

/* Execute VMX instruction k (decoded as i) on v: faults raise, VM exits and VM
 * entries unwind with cpu_loop_exit(); otherwise it returns and the engine moves on
 * to the next instruction (RFLAGS already carry VMsucceed/VMfail). */
void vmx_exec(struct vcpu *v, const struct x86_insn *i, enum vmx_insn k);

/* The field table (nested/vmcs_fields.def), for the monitor and the tests. */
enum vmcs_width { VMCS_W16, VMCS_W64, VMCS_W32, VMCS_WNAT };
enum vmcs_type { VMCS_T_CTL, VMCS_T_RO, VMCS_T_GUEST, VMCS_T_HOST };
struct vmcs_field_info {
	const char *name;
	uint32_t encoding;
	uint8_t width;          /* enum vmcs_width */
	uint8_t type;           /* enum vmcs_type */
	bool read_only;
	uint8_t feature;        /* enum vmcs_feat (nested/vmx_internal.h) */
};
unsigned vmcs_field_count(void);
const struct vmcs_field_info *vmcs_field_at(unsigned idx);

/* VMX state of a vCPU for the monitor: false when the vCPU is not in VMX operation.
 * Otherwise *vmxon / *current receive the VMXON and current-VMCS pointers (current
 * is ~0 when there is none) and *guest whether it runs in VMX non-root operation. */
bool vmx_status(struct vcpu *v, uint64_t *vmxon, uint64_t *current, bool *guest);
/* Value of field idx of the current VMCS; false when there is none or the model does
 * not support the field. */
bool vmx_read_field(struct vcpu *v, unsigned idx, uint64_t *val);
/* Write `info vmcs` (every supported field of the current VMCS, decoded from the
 * table) to buf; returns the length it needed (snprintf-style). */
size_t vmx_format_vmcs(struct vcpu *v, char *buf, size_t len);

/* The capability MSR value (IA32_VMX_BASIC 480H .. IA32_VMX_VMFUNC 491H) the vCPU's
 * model reports; false when that MSR does not exist (RDMSR #GPs). */
bool vmx_cap_msr(const struct vcpu *v, uint32_t index, uint64_t *val);

#endif
