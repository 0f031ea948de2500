/*
 * translate/ops/vmx.c - the VMX instructions (SDM vol. 3, chapter 31, edition in
 * docs/spec-versions.md). Their semantics live in nested/ (nested/vmx.h); these
 * handlers only name which instruction the table row decoded.
 */
#include "translate/insn.h"
#include "translate/opcodes.h"
#include "nested/vmx.h"

EXEC_PROTOS

void exec_VMXON(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMXON); }
void exec_VMXOFF(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMXOFF); }
void exec_VMCLEAR(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMCLEAR); }
void exec_VMPTRLD(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMPTRLD); }
void exec_VMPTRST(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMPTRST); }
void exec_VMREAD(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMREAD); }
void exec_VMWRITE(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMWRITE); }
void exec_VMLAUNCH(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMLAUNCH); }
void exec_VMRESUME(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMRESUME); }
void exec_INVEPT(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_INVEPT); }
void exec_INVVPID(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_INVVPID); }
void exec_VMCALL(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMCALL); }
void exec_VMFUNC(struct vcpu *v, const struct x86_insn *i) { vmx_exec(v, i, VMX_I_VMFUNC); }
