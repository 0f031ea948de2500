/*
 * nested/vmx_insn.c - the VMX instructions (SDM vol. 3, chapter 31 "VMX Instruction
 * Reference", edition in docs/spec-versions.md): their #UD/#GP checks, VM exits in
 * VMX non-root operation, VMsucceed/VMfail (31.2) and error numbers (31.4).
 */
#include "nested/vmx_internal.h"

#include "translate/opcodes.h"

#define VMX_FLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* 31.2: VMsucceed clears CF, PF, AF, ZF, SF, OF. */
void vmx_succeed(struct vcpu *v)
{
	cpu_set_rflags(&v->s, cpu_get_rflags(&v->s) & ~(uint64_t)VMX_FLAGS);
}

void vmx_fail_invalid(struct vcpu *v)
{
	cpu_set_rflags(&v->s, (cpu_get_rflags(&v->s) & ~(uint64_t)VMX_FLAGS) | RFLAGS_CF);
}

/* 31.2: VMfail is VMfailValid with the error number when there is a current VMCS,
 * VMfailInvalid otherwise. */
void vmx_fail(struct vcpu *v, unsigned err)
{
	struct vmx *x = vmx_of(v);

	if (x->current == VMX_NO_VMCS) {
		vmx_fail_invalid(v);
		return;
	}
	cpu_set_rflags(&v->s, (cpu_get_rflags(&v->s) & ~(uint64_t)VMX_FLAGS) | RFLAGS_ZF);
	vmcs_set(x, VMCS_VM_INSN_ERROR, err);
	if (log_on(LOG_VMX))
		log_printf("vmx: VMfailValid(%u) at %#llx\n", err, (unsigned long long)v->s.rip);
}

uint64_t vmx_insn_ea(const struct vcpu *v, const struct x86_insn *i)
{
	uint64_t ea = (uint64_t)i->disp;

	if (i->rip_rel)
		ea += v->s.rip + i->len;
	else {
		if (i->base != 0xff)
			ea += v->s.gpr[i->base];
		if (i->index != 0xff)
			ea += v->s.gpr[i->index] * i->scale;
	}
	return ea & size_mask(i->addrsize);
}

/* A physical-address operand: 4 KiB aligned and within MAXPHYADDR (31.3, VMXON etc.) */
static bool vmx_page_addr_ok(const struct vcpu *v, uint64_t pa)
{
	return !(pa & 0xfff) && !(pa >> v->phys_bits);
}

static uint64_t ld_operand64(struct vcpu *v, const struct x86_insn *i)
{
	return cpu_ld(v, i->seg, vmx_insn_ea(v, i), 8);
}

/* The #UD conditions every VMX instruction but VMXON and VMCALL starts with (31.3):
 * not in VMX operation, real mode, virtual-8086 mode, compatibility mode. */
static bool vmx_mode_ud(const struct vcpu *v)
{
	const struct cpu_state *s = &v->s;

	return cpu_real_mode(s) || cpu_v86_mode(s) ||
	       (cpu_long_mode(s) && !(s->seg[SEG_CS].attr & SEGA_L));
}

/* A VMX instruction in VMX non-root operation: VM exit with the row's reason (26.1.2);
 * qualification = displacement of a memory operand, instruction information
 * (28.2.1, 28.2.5). */
static void vmx_insn_exit(struct vcpu *v, const struct x86_insn *i, enum vmx_insn k)
{
	struct vmx *x = vmx_of(v);
	unsigned reason = x86_insn_info(i)->vmx_exit;
	uint64_t qual = 0;

	vmx_clear_exit_info(x);
	if (k != VMX_I_VMCALL && k != VMX_I_VMLAUNCH && k != VMX_I_VMRESUME &&
	    k != VMX_I_VMXOFF) {
		if (i->mod != 3)
			qual = (uint64_t)i->disp;
		vmcs_set(x, VMCS_EXIT_INSN_INFO, vmx_insn_info(i, i->regf));
	}
	vmcs_set(x, VMCS_EXIT_INSN_LEN, i->len);
	vmx_vmexit(v, reason, qual);
	cpu_loop_exit(v);
}

/* The common prologue (31.3): #UD, VM exit in non-root operation, #GP(0) at CPL > 0.
 * Returns with the instruction to be executed in VMX root operation. */
static void vmx_prologue(struct vcpu *v, const struct x86_insn *i, enum vmx_insn k)
{
	if (!vmx_of(v)->on || vmx_mode_ud(v))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (v->guest_mode)
		vmx_insn_exit(v, i, k);
	if (cpu_cpl(&v->s) > 0)
		cpu_raise(v, EXC_GP, 0);
}

/* 31.3 VMXON */
static void vmx_vmxon(struct vcpu *v, const struct x86_insn *i)
{
	struct vmx *x = vmx_of(v);
	struct cpu_state *s = &v->s;
	uint64_t pa, fc = s->msr.feature_control;

	if (i->mod == 3 || !(s->cr4 & CR4_VMXE) || vmx_mode_ud(v))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (x->on) {
		if (v->guest_mode)
			vmx_insn_exit(v, i, VMX_I_VMXON);
		if (cpu_cpl(s) > 0)
			cpu_raise(v, EXC_GP, 0);
		vmx_fail(v, VMXERR_VMXON_ROOT);
		return;
	}
	/* #GP(0): CPL > 0, CR0/CR4 outside the fixed bits (A.7, A.8), or
	 * IA32_FEATURE_CONTROL not locked with VMX outside SMX enabled (24.7). */
	if (cpu_cpl(s) > 0 ||
	    (s->cr0 & vmx_cr0_fixed0()) != vmx_cr0_fixed0() || (s->cr0 & ~vmx_cr0_fixed1()) ||
	    (s->cr4 & vmx_cr4_fixed0()) != vmx_cr4_fixed0() || (s->cr4 & ~vmx_cr4_fixed1(v)) ||
	    !(fc & 1) || !(fc & 4))
		cpu_raise(v, EXC_GP, 0);
	pa = ld_operand64(v, i);
	if (!vmx_page_addr_ok(v, pa) || (cpu_phys_ld(v, pa, 4) & 0xffffffffu) != VMX_REVISION) {
		vmx_fail_invalid(v);
		return;
	}
	x->on = true;
	v->init_blocked = true;                 /* 24.8: INIT is blocked in VMX root operation */
	x->vmxon_ptr = pa;
	x->current = VMX_NO_VMCS;
	v->cr0_must1 = vmx_cr0_fixed0();        /* 24.8: fixed bits hold in VMX operation */
	v->cr4_must1 = vmx_cr4_fixed0();
	if (log_on(LOG_VMX))
		log_printf("vmx: VMXON %#llx\n", (unsigned long long)pa);
	vmx_succeed(v);
}

/* Write the current VMCS back to its region and forget it. */
static void vmx_drop_current(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);

	if (x->current == VMX_NO_VMCS)
		return;
	vmcs_flush(v, x->current, &x->vmcs);
	x->current = VMX_NO_VMCS;
}

/* 31.3 VMXOFF (no dual-monitor treatment here). */
static void vmx_vmxoff(struct vcpu *v, const struct x86_insn *i)
{
	struct vmx *x = vmx_of(v);

	vmx_prologue(v, i, VMX_I_VMXOFF);
	vmx_drop_current(v);
	x->on = false;
	v->init_blocked = false;
	v->cr0_must1 = v->cr4_must1 = 0;
	if (log_on(LOG_VMX))
		log_printf("vmx: VMXOFF\n");
	vmx_succeed(v);
}

/* The VMCS-pointer operand of VMCLEAR and VMPTRLD (31.3): a 4 KiB-aligned address
 * within the physical-address width, and not the VMXON pointer; each instruction
 * fails with its own error number. */
static bool vmx_vmcs_ptr_ok(struct vcpu *v, uint64_t pa, unsigned bad_addr, unsigned is_vmxon)
{
	if (!vmx_page_addr_ok(v, pa)) {
		vmx_fail(v, bad_addr);
		return false;
	}
	if (pa == vmx_of(v)->vmxon_ptr) {
		vmx_fail(v, is_vmxon);
		return false;
	}
	return true;
}

/* 31.3 VMCLEAR */
static void vmx_vmclear(struct vcpu *v, const struct x86_insn *i)
{
	struct vmx *x = vmx_of(v);
	uint64_t pa;

	vmx_prologue(v, i, VMX_I_VMCLEAR);
	pa = ld_operand64(v, i);
	if (!vmx_vmcs_ptr_ok(v, pa, VMXERR_VMCLEAR_BAD_ADDR, VMXERR_VMCLEAR_VMXON))
		return;
	if (pa == x->current) {
		x->vmcs.launched = false;
		vmx_drop_current(v);
	} else {
		cpu_phys_st(v, pa + VMCS_OFF_LAUNCH, 4, 0);     /* launch state "clear" */
	}
	vmx_succeed(v);
}

/* 31.3 VMPTRLD */
static void vmx_vmptrld(struct vcpu *v, const struct x86_insn *i)
{
	struct vmx *x = vmx_of(v);
	uint64_t pa;
	uint32_t rev;

	vmx_prologue(v, i, VMX_I_VMPTRLD);
	pa = ld_operand64(v, i);
	if (!vmx_vmcs_ptr_ok(v, pa, VMXERR_VMPTRLD_BAD_ADDR, VMXERR_VMPTRLD_VMXON))
		return;
	/* Bit 31 (shadow VMCS) fails too: VMCS shadowing is not supported (25.2). */
	rev = (uint32_t)cpu_phys_ld(v, pa, 4);
	if (rev != VMX_REVISION) {
		vmx_fail(v, VMXERR_VMPTRLD_BAD_REV);
		return;
	}
	if (pa != x->current) {
		vmx_drop_current(v);
		vmcs_load(v, pa, &x->vmcs);
		x->current = pa;
	}
	vmx_succeed(v);
}

/* 31.3 VMPTRST */
static void vmx_vmptrst(struct vcpu *v, const struct x86_insn *i)
{
	vmx_prologue(v, i, VMX_I_VMPTRST);
	cpu_st(v, i->seg, vmx_insn_ea(v, i), 8, vmx_of(v)->current);
	vmx_succeed(v);
}

/* The current-VMCS field named by a VMREAD/VMWRITE encoding register (31.3): -1
 * after VMfailInvalid without a current VMCS, or VMfailValid(12) for a field this
 * CPU does not support. */
static int vmx_field_of(struct vcpu *v, const struct x86_insn *i, unsigned size, bool *high)
{
	int idx;

	if (vmx_of(v)->current == VMX_NO_VMCS) {
		vmx_fail_invalid(v);
		return -1;
	}
	idx = vmcs_lookup(gpr_read(&v->s, i->regf, size, false), high);
	if (idx < 0 || !vmcs_field_supported(v, (unsigned)idx)) {
		vmx_fail(v, VMXERR_UNSUPPORTED_FIELD);
		return -1;
	}
	return idx;
}

/* 31.3 VMREAD: 64-bit operands in 64-bit mode, 32-bit otherwise. */
static void vmx_vmread(struct vcpu *v, const struct x86_insn *i)
{
	struct vmx *x = vmx_of(v);
	unsigned size = cpu_64bit_mode(&v->s) ? 8 : 4;
	uint64_t val;
	bool high;
	int idx;

	vmx_prologue(v, i, VMX_I_VMREAD);
	idx = vmx_field_of(v, i, size, &high);
	if (idx < 0)
		return;
	val = x->vmcs.f[idx];
	if (high)
		val >>= 32;
	if (i->mod == 3)
		gpr_write(&v->s, i->rm, size, false, val);
	else
		cpu_st(v, i->seg, vmx_insn_ea(v, i), size, val & size_mask(size));
	vmx_succeed(v);
}

/* 31.3 VMWRITE. IA32_VMX_MISC bit 29 is set: the VM-exit information fields are
 * writable too, so error 13 never happens here. */
static void vmx_vmwrite(struct vcpu *v, const struct x86_insn *i)
{
	struct vmx *x = vmx_of(v);
	unsigned size = cpu_64bit_mode(&v->s) ? 8 : 4;
	uint64_t val;
	bool high;
	int idx;

	vmx_prologue(v, i, VMX_I_VMWRITE);
	if (i->mod == 3)
		val = gpr_read(&v->s, i->rm, size, false);
	else
		val = cpu_ld(v, i->seg, vmx_insn_ea(v, i), size);
	idx = vmx_field_of(v, i, size, &high);
	if (idx < 0)
		return;
	if (vmcs_field_at((unsigned)idx)->read_only && !(vmx_misc() & (1ull << 29))) {
		vmx_fail(v, VMXERR_WRITE_RO);
		return;
	}
	if (high)
		val = (x->vmcs.f[idx] & 0xffffffffu) | (val << 32);
	vmcs_set(x, (enum vmcs_field)idx, val);
	vmx_succeed(v);
}

/* 31.3 INVEPT and INVVPID: #UD unless the capability MSR reports them (A.10). */
static void vmx_inv(struct vcpu *v, const struct x86_insn *i, enum vmx_insn k)
{
	uint64_t cap = ept_vpid_cap(), type, desc[2];
	unsigned size = cpu_64bit_mode(&v->s) ? 8 : 4;
	bool ok;

	if (!(cap & (k == VMX_I_INVEPT ? 1ull << 20 : 1ull << 32)))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	vmx_prologue(v, i, k);
	type = gpr_read(&v->s, i->regf, size, false);
	cpu_ld_buf(v, i->seg, vmx_insn_ea(v, i), desc, 16);
	if (k == VMX_I_INVEPT) {
		/* Types 1 (single-context, cap bit 25) and 2 (all-context, bit 26). */
		ok = (type == 1 || type == 2) && (cap >> (24 + type) & 1);
		if (ok && type == 1)
			ok = ept_eptp_valid(v, desc[0]);
		if (!ok) {
			vmx_fail(v, VMXERR_BAD_INVEPT);
			return;
		}
		ept_invept(v, (unsigned)type, desc[0]);
	} else {
		/* Types 0-3 (cap bits 40-43); VPID bits 63:16 reserved; types 0, 1, 3
		 * need a nonzero VPID, type 0 a canonical address. */
		ok = type <= 3 && (cap >> (40 + type) & 1) && !(desc[0] >> 16);
		if (ok && type != 2)
			ok = (desc[0] & 0xffff) != 0;
		if (ok && type == 0)
			ok = cpu_canonical_addr(v, desc[1]);
		if (!ok) {
			vmx_fail(v, VMXERR_BAD_INVEPT);
			return;
		}
		ept_invvpid(v, (unsigned)type, (uint16_t)desc[0], desc[1]);
	}
	vmx_succeed(v);
}

/* 31.3 VMCALL: exits in VMX non-root operation at any CPL; in VMX root operation
 * (no dual-monitor treatment) it fails with error 1. */
static void vmx_vmcall(struct vcpu *v, const struct x86_insn *i)
{
	if (!vmx_of(v)->on)
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (v->guest_mode)
		vmx_insn_exit(v, i, VMX_I_VMCALL);
	if (cpu_v86_mode(&v->s) || (cpu_long_mode(&v->s) && !(v->s.seg[SEG_CS].attr & SEGA_L)))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (cpu_cpl(&v->s) > 0)
		cpu_raise(v, EXC_GP, 0);
	vmx_fail(v, VMXERR_VMCALL_ROOT);
}

void vmx_exec(struct vcpu *v, const struct x86_insn *i, enum vmx_insn k)
{
	if (!v->nested || !cpu_has_feature(v, "vmx"))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	switch (k) {
	case VMX_I_VMXON: vmx_vmxon(v, i); break;
	case VMX_I_VMXOFF: vmx_vmxoff(v, i); break;
	case VMX_I_VMCLEAR: vmx_vmclear(v, i); break;
	case VMX_I_VMPTRLD: vmx_vmptrld(v, i); break;
	case VMX_I_VMPTRST: vmx_vmptrst(v, i); break;
	case VMX_I_VMREAD: vmx_vmread(v, i); break;
	case VMX_I_VMWRITE: vmx_vmwrite(v, i); break;
	case VMX_I_INVEPT: case VMX_I_INVVPID: vmx_inv(v, i, k); break;
	case VMX_I_VMCALL: vmx_vmcall(v, i); break;
	case VMX_I_VMLAUNCH: case VMX_I_VMRESUME:
		vmx_prologue(v, i, k);
		vmx_entry(v, i, k == VMX_I_VMLAUNCH);
		/* VMfail: the rows are branches, so the handler moves RIP on. */
		v->s.rip = insn_next_rip(v, i);
		break;
	default:
		/* VMFUNC: "enable VM functions" is not supported, so #UD (26.1.1, 31.3). */
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	}
}
