/*
 * tests/unit/nested/test_vmx.c - the VMX instructions (SDM vol. 3, 31.3: #UD/#GP,
 * VMsucceed/VMfail and the error numbers of 31.4), VMREAD/VMWRITE/VMPTRLD/VMCLEAR
 * semantics, and VM entry/exit through the flat test machine: entry checks (VMfail
 * 7/8, exit 33), CPUID/HLT/VMCALL exits with their information fields, CR0 shadows,
 * TPR shadow and APIC virtualization (SDM 30.3-30.5).
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"
#include "nested/nested.h"
#include "nested/vmx_internal.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define VMXON_PA  0x300000ull
#define VMCS_PA   0x301000ull
#define VMCS2_PA  0x302000ull
#define PTRS      0x303000ull   /* [0] = VMXON_PA, [8] = VMCS_PA, [16] = VMCS2_PA */
#define GUEST_CODE 0x180000ull
#define HOST_STACK 0x3f0000ull

#define LOAD(e, addr, ...) do { const uint8_t c_[] = { __VA_ARGS__ }; \
	emu_load(e, addr, c_, sizeof(c_)); } while (0)

/* Instruction bytes (64-bit mode). */
#define VMXON_RAX   0xf3, 0x0f, 0xc7, 0x30
#define VMPTRLD_RAX 0x0f, 0xc7, 0x30
#define VMCLEAR_RAX 0x66, 0x0f, 0xc7, 0x30
#define VMPTRST_RAX 0x0f, 0xc7, 0x38
#define VMREAD_RAX_RBX  0x0f, 0x78, 0xd8        /* vmread rax, rbx (field in rbx) */
#define VMWRITE_RBX_RAX 0x0f, 0x79, 0xd8        /* vmwrite rbx, rax (value in rax) */
#define VMLAUNCH    0x0f, 0x01, 0xc2
#define VMRESUME    0x0f, 0x01, 0xc3
#define VMXOFF      0x0f, 0x01, 0xc4
#define VMCALL      0x0f, 0x01, 0xc1
#define PUSHF_POP_RDX 0x9c, 0x5a
#define HLT         0xf4

#define FLAGS6 (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

static struct emu *vmx_emu(void)
{
	struct emu *e = emu_new(EMU_LONG64, 0);

	e->v.model = cpu_model_find("elzero-intel");
	ck_assert_ptr_nonnull(e->v.model);
	translate_flush(&e->v);
	ck_assert_int_eq(nested_attach(&e->v), 0);
	e->v.s.cr4 |= CR4_VMXE;
	e->v.s.msr.feature_control = 5;         /* locked, VMX outside SMX */
	emu_write64(e, PTRS, VMXON_PA);
	emu_write64(e, PTRS + 8, VMCS_PA);
	emu_write64(e, PTRS + 16, VMCS2_PA);
	emu_write64(e, VMXON_PA, VMX_REVISION);
	emu_write64(e, VMCS_PA, VMX_REVISION);
	emu_write64(e, VMCS2_PA, VMX_REVISION);
	e->v.s.gpr[0] = PTRS;
	return e;
}

static void vmx_free(struct emu *e)
{
	nested_detach(&e->v);
	emu_free(e);
}

/* Run code at EMU_CODE to its HLT; returns the vector of an exception, or -1. */
static int run(struct emu *e)
{
	emu_run(e, EMU_CODE, 1000);
	return e->exit == RUN_EXIT_HALT ? -1 : e->exc_vector;
}

START_TEST(test_vmxon_faults)
{
	struct emu *e = vmx_emu();

	LOAD(e, EMU_CODE, VMXON_RAX, PUSHF_POP_RDX, HLT);
	e->v.s.cr4 &= ~CR4_VMXE;
	ck_assert_int_eq(run(e), EXC_UD);               /* CR4.VMXE = 0 */
	e->v.s.cr4 |= CR4_VMXE;
	e->v.s.msr.feature_control = 1;
	ck_assert_int_eq(run(e), EXC_GP);               /* VMX outside SMX disabled */
	e->v.s.msr.feature_control = 5;
	emu_write64(e, VMXON_PA, VMX_REVISION + 1);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_CF);   /* VMfailInvalid */
	emu_write64(e, VMXON_PA, VMX_REVISION);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, 0);           /* VMsucceed */
	ck_assert_int_eq(run(e), -1);                           /* VMXON in root, no VMCS */
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_CF);
	vmx_free(e);
}
END_TEST

/* RESET takes the vCPU out of VMX operation (nested_reset): CR4.VMXE may be cleared
 * again, INIT is no longer blocked and a VMXON starts afresh. */
START_TEST(test_reset_leaves_vmx)
{
	struct emu *e = vmx_emu();

	LOAD(e, EMU_CODE, VMXON_RAX, PUSHF_POP_RDX, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, 0);
	ck_assert(vmx_of(&e->v)->on);
	ck_assert(e->v.init_blocked);
	ck_assert(e->v.cr4_must1 & CR4_VMXE);
	nested_reset(&e->v);
	ck_assert(!vmx_of(&e->v)->on);
	ck_assert_uint_eq(vmx_of(&e->v)->current, VMX_NO_VMCS);
	ck_assert(!e->v.init_blocked);
	ck_assert_uint_eq(e->v.cr4_must1, 0);
	ck_assert_uint_eq(e->v.cr0_must1, 0);
	/* Out of VMX operation, VMXON succeeds again instead of failing as in root. */
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, 0);
	vmx_free(e);
}
END_TEST

START_TEST(test_not_in_vmx_ud)
{
	struct emu *e = vmx_emu();

	LOAD(e, EMU_CODE, VMPTRLD_RAX, HLT);
	ck_assert_int_eq(run(e), EXC_UD);
	LOAD(e, EMU_CODE, VMCALL, HLT);
	ck_assert_int_eq(run(e), EXC_UD);
	vmx_free(e);
}
END_TEST

START_TEST(test_vmread_vmwrite)
{
	struct emu *e = vmx_emu();
	struct vmx *x = vmx_of(&e->v);

	/* vmxon [ptrs]; vmread (no VMCS) -> VMfailInvalid */
	LOAD(e, EMU_CODE, VMXON_RAX, 0x48, 0xbb, 0x1e, 0x68, 0, 0, 0, 0, 0, 0, /* mov rbx, 681eh */
	     VMREAD_RAX_RBX, PUSHF_POP_RDX, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_CF);
	/* vmptrld [ptrs+8]; vmwrite GUEST_RIP; vmread it back into rcx */
	e->v.s.gpr[0] = PTRS + 8;
	LOAD(e, EMU_CODE, VMPTRLD_RAX, 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	     VMWRITE_RBX_RAX, 0x0f, 0x78, 0xd9 /* vmread rcx, rbx */, PUSHF_POP_RDX, HLT);
	e->v.s.gpr[3] = 0x681e;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, 0);
	ck_assert_uint_eq(e->v.s.gpr[1], 0x1122334455667788ull);
	ck_assert_uint_eq(x->current, VMCS_PA);
	{       /* `info vmcs` decodes it from the field table */
		char buf[8192];

		ck_assert_uint_lt(vmx_format_vmcs(&e->v, buf, sizeof(buf)), sizeof(buf));
		ck_assert_ptr_nonnull(strstr(buf, "current VMCS 0x301000 (clear)"));
		ck_assert_ptr_nonnull(strstr(buf, "681e nat GUEST_RIP                0x1122334455667788"));
	}
	/* unsupported field -> VMfailValid(12) */
	LOAD(e, EMU_CODE, VMREAD_RAX_RBX, PUSHF_POP_RDX, HLT);
	e->v.s.gpr[3] = 0x6c18;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_ZF);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_UNSUPPORTED_FIELD);
	/* high half of a 64-bit field: TSC offset high (2011H) */
	LOAD(e, EMU_CODE, VMWRITE_RBX_RAX, PUSHF_POP_RDX, HLT);
	e->v.s.gpr[3] = 0x2011;
	e->v.s.gpr[0] = 0xabcdef01;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_TSC_OFFSET], 0xabcdef0100000000ull);
	/* a 16-bit field keeps 16 bits */
	e->v.s.gpr[3] = 0x0802;
	e->v.s.gpr[0] = 0x12345;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_GUEST_CS_SEL], 0x2345);
	vmx_free(e);
}
END_TEST

START_TEST(test_vmclear_vmptrld)
{
	struct emu *e = vmx_emu();
	struct vmx *x = vmx_of(&e->v);

	LOAD(e, EMU_CODE, VMXON_RAX, HLT);
	ck_assert_int_eq(run(e), -1);
	/* VMPTRLD of the VMXON region -> VMfailInvalid (no current VMCS yet) */
	LOAD(e, EMU_CODE, VMPTRLD_RAX, PUSHF_POP_RDX, HLT);
	e->v.s.gpr[0] = PTRS;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_CF);
	e->v.s.gpr[0] = PTRS + 8;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, 0);
	x->vmcs.f[VMCS_GUEST_RSP] = 0x4242;
	/* VMPTRLD of a region with the wrong revision -> VMfailValid(11) */
	emu_write64(e, VMCS2_PA, 7);
	e->v.s.gpr[0] = PTRS + 16;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_ZF);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_VMPTRLD_BAD_REV);
	/* VMCLEAR the VMXON region -> error 3; VMCLEAR the current one flushes it */
	LOAD(e, EMU_CODE, VMCLEAR_RAX, PUSHF_POP_RDX, HLT);
	e->v.s.gpr[0] = PTRS;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_VMCLEAR_VMXON);
	e->v.s.gpr[0] = PTRS + 8;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, 0);
	ck_assert_uint_eq(x->current, VMX_NO_VMCS);
	/* VMPTRST stores FFFF...; VMPTRLD reloads the flushed data */
	LOAD(e, EMU_CODE, VMPTRST_RAX, HLT);
	e->v.s.gpr[0] = EMU_DATA;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA), ~0ull);
	LOAD(e, EMU_CODE, VMPTRLD_RAX, HLT);
	e->v.s.gpr[0] = PTRS + 8;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_GUEST_RSP], 0x4242);
	ck_assert(!x->vmcs.launched);
	vmx_free(e);
}
END_TEST

/* A VMCS that enters 64-bit guest code at GUEST_CODE and exits to HLT at host_rip. */
static void setup_vmcs(struct emu *e, uint64_t host_rip)
{
	struct vmx *x = vmx_of(&e->v);
	struct cpu_state *s = &e->v.s;
	uint64_t *f = x->vmcs.f;

	f[VMCS_PIN_CONTROLS] = vmx_ctl_caps(&e->v, CTL_PIN, true).must1;
	f[VMCS_PROC_CONTROLS] = vmx_ctl_caps(&e->v, CTL_PROC, true).must1 | PROC_HLT;
	f[VMCS_EXIT_CONTROLS] = vmx_ctl_caps(&e->v, CTL_EXIT, true).must1 | EXIT_HOST_64;
	f[VMCS_ENTRY_CONTROLS] = vmx_ctl_caps(&e->v, CTL_ENTRY, true).must1 | ENTRY_IA32E;
	f[VMCS_HOST_CR0] = s->cr0;
	f[VMCS_HOST_CR3] = s->cr3;
	f[VMCS_HOST_CR4] = s->cr4;
	f[VMCS_HOST_CS_SEL] = EMU_SEL_CODE64;
	f[VMCS_HOST_SS_SEL] = f[VMCS_HOST_DS_SEL] = f[VMCS_HOST_ES_SEL] = EMU_SEL_DATA;
	f[VMCS_HOST_TR_SEL] = 0x30;
	f[VMCS_HOST_GDTR_BASE] = EMU_GDT;
	f[VMCS_HOST_RIP] = host_rip;
	f[VMCS_HOST_RSP] = HOST_STACK;
	f[VMCS_GUEST_CR0] = s->cr0;
	f[VMCS_GUEST_CR3] = s->cr3;
	f[VMCS_GUEST_CR4] = s->cr4;
	for (unsigned r = 0; r < SEG_COUNT; r++) {
		f[VMCS_GUEST_ES_SEL + r] = EMU_SEL_DATA;
		f[VMCS_GUEST_ES_LIMIT + r] = 0xffffffffu;
		f[VMCS_GUEST_ES_AR + r] = 0xc093;
	}
	f[VMCS_GUEST_CS_SEL] = EMU_SEL_CODE64;
	f[VMCS_GUEST_CS_AR] = 0xa09b;
	f[VMCS_GUEST_LDTR_SEL] = 0;
	f[VMCS_GUEST_LDTR_AR] = 0x10000;
	f[VMCS_GUEST_TR_SEL] = 0x30;
	f[VMCS_GUEST_TR_AR] = 0x8b;
	f[VMCS_GUEST_TR_LIMIT] = 0x67;
	f[VMCS_GUEST_GDTR_BASE] = EMU_GDT;
	f[VMCS_GUEST_GDTR_LIMIT] = 0x3f;
	f[VMCS_GUEST_IDTR_LIMIT] = 0xfff;
	f[VMCS_GUEST_RIP] = GUEST_CODE;
	f[VMCS_GUEST_RSP] = 0x380000;
	f[VMCS_GUEST_RFLAGS] = RFLAGS_FIXED1;
	f[VMCS_VMCS_LINK_PTR] = ~0ull;
}

/* vmxon; vmptrld; (VMCS set up by the test between the runs) vmlaunch; pushf; hlt */
static struct emu *vmx_ready(void)
{
	struct emu *e = vmx_emu();

	LOAD(e, EMU_CODE, VMXON_RAX, 0x48, 0x83, 0xc0, 0x08 /* add rax, 8 */, VMPTRLD_RAX, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(vmx_of(&e->v)->current, VMCS_PA);
	LOAD(e, EMU_CODE, VMLAUNCH, PUSHF_POP_RDX, HLT, HLT /* host RIP: EMU_CODE + 6 */);
	setup_vmcs(e, EMU_CODE + 6);
	return e;
}

START_TEST(test_entry_exit_cpuid)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);

	LOAD(e, GUEST_CODE, 0x90, 0x0f, 0xa2 /* nop; cpuid */, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 7);       /* the host's HLT ran */
	ck_assert(!e->v.guest_mode);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_CPUID);
	ck_assert_uint_eq(x->vmcs.f[VMCS_GUEST_RIP], GUEST_CODE + 1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_INSN_LEN], 2);
	ck_assert_uint_eq(e->v.s.gpr[4], HOST_STACK);
	ck_assert(x->vmcs.launched);
	/* VMLAUNCH again -> VMfailValid(4); VMRESUME continues at the CPUID */
	LOAD(e, EMU_CODE, VMLAUNCH, PUSHF_POP_RDX, HLT, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_ZF);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_VMLAUNCH_NOT_CLEAR);
	x->vmcs.f[VMCS_GUEST_RIP] += 2;                  /* past CPUID: the guest HLT exits */
	LOAD(e, EMU_CODE, VMRESUME, PUSHF_POP_RDX, HLT, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_HLT);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_INSN_LEN], 1);
	vmx_free(e);
}
END_TEST

START_TEST(test_entry_fail_ctl_host_guest)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);

	LOAD(e, GUEST_CODE, HLT);
	x->vmcs.f[VMCS_PIN_CONTROLS] = 0;               /* default1 bits clear */
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.gpr[2] & FLAGS6, RFLAGS_ZF);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_ENTRY_BAD_CTL);
	setup_vmcs(e, EMU_CODE + 6);
	x->vmcs.f[VMCS_HOST_CS_SEL] = 0;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_ENTRY_BAD_HOST);
	setup_vmcs(e, EMU_CODE + 6);
	x->vmcs.f[VMCS_GUEST_RFLAGS] = 0;               /* bit 1 must be 1 */
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(e->v.s.rip, EMU_CODE + 7);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_BAD_GUEST | EXIT_REASON_ENTRY_FAIL);
	ck_assert(!x->vmcs.launched);
	vmx_free(e);
}
END_TEST

/* "load IA32_PERF_GLOBAL_CTRL" (SDM 27.3.2.1, 28.5.1): the guest reads the guest
 * field's value (RDMSR passed through by an empty MSR bitmap), the host gets the host
 * field's; reserved bits fail the host check (VMfail 8) and the guest check (exit 33). */
START_TEST(test_load_perf_global_ctrl)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);
	uint64_t *f = x->vmcs.f;

	LOAD(e, GUEST_CODE, 0xb9, 0x8f, 0x03, 0x00, 0x00, 0x0f, 0x32 /* rdmsr 38FH */, HLT);
	f[VMCS_PROC_CONTROLS] |= PROC_MSR_BITMAPS;
	f[VMCS_MSR_BITMAP] = 0x304000;
	f[VMCS_ENTRY_CONTROLS] |= ENTRY_LOAD_PERF;
	f[VMCS_EXIT_CONTROLS] |= EXIT_LOAD_PERF;
	f[VMCS_GUEST_PERF_GLOBAL_CTRL] = 0x9;
	f[VMCS_HOST_PERF_GLOBAL_CTRL] = 0x700000005ull;
	ck_assert_uint_eq(e->v.s.msr.perf_global_ctrl, 0xf);    /* reset value */
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(f[VMCS_EXIT_REASON], EXIT_REASON_HLT);
	ck_assert_uint_eq(e->v.s.gpr[0], 0x9);
	ck_assert_uint_eq(e->v.s.msr.perf_global_ctrl, 0x700000005ull);
	f[VMCS_HOST_PERF_GLOBAL_CTRL] = 1ull << 35;
	LOAD(e, EMU_CODE, VMRESUME, PUSHF_POP_RDX, HLT, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_ENTRY_BAD_HOST);
	f[VMCS_HOST_PERF_GLOBAL_CTRL] = 0;
	f[VMCS_GUEST_PERF_GLOBAL_CTRL] = 1ull << 4;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(f[VMCS_EXIT_REASON], EXIT_REASON_BAD_GUEST | EXIT_REASON_ENTRY_FAIL);
	ck_assert_uint_eq(e->v.s.msr.perf_global_ctrl, 0);      /* the host value loaded */
	vmx_free(e);
}
END_TEST

START_TEST(test_vmcall_and_cr0_shadow)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);

	/* mov rax, cr0; vmcall */
	LOAD(e, GUEST_CODE, 0x0f, 0x20, 0xc0, VMCALL, HLT);
	x->vmcs.f[VMCS_CR0_GUEST_HOST_MASK] = CR0_TS | CR0_MP;
	x->vmcs.f[VMCS_CR0_READ_SHADOW] = CR0_TS;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], 18);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_INSN_LEN], 3);
	ck_assert_uint_eq(x->vmcs.f[VMCS_GUEST_RIP], GUEST_CODE + 3);
	/* the guest read its shadow for the masked bits (SDM 26.3) */
	ck_assert_uint_eq(e->v.s.gpr[0] & (CR0_TS | CR0_MP), CR0_TS);   /* RAX is not host state */
	vmx_free(e);
}
END_TEST

START_TEST(test_cr0_write_exit)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);

	/* mov rax, cr0; mov cr0, rax with TS host-owned and a shadow that differs */
	LOAD(e, GUEST_CODE, 0x0f, 0x20, 0xc0, 0x0f, 0x22, 0xc0, HLT);
	x->vmcs.f[VMCS_CR0_GUEST_HOST_MASK] = CR0_TS;
	x->vmcs.f[VMCS_CR0_READ_SHADOW] = 0;
	x->vmcs.f[VMCS_GUEST_CR0] |= CR0_TS;
	ck_assert_int_eq(run(e), -1);
	/* the read gave TS = 0 (shadow), so the write matches the shadow: no exit; HLT exits */
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_HLT);
	ck_assert(x->vmcs.f[VMCS_GUEST_CR0] & CR0_TS);                  /* host-owned bit kept */
	/* now with shadow TS = 1 the write of TS = 0 exits: qualification CR0, MOV to CR, RAX */
	setup_vmcs(e, EMU_CODE + 6);
	LOAD(e, EMU_CODE, VMCLEAR_RAX, VMPTRLD_RAX, VMLAUNCH, HLT);
	x->vmcs.f[VMCS_CR0_GUEST_HOST_MASK] = CR0_TS;
	x->vmcs.f[VMCS_CR0_READ_SHADOW] = CR0_TS;
	LOAD(e, GUEST_CODE, 0x31, 0xc0 /* xor eax, eax */, 0x0f, 0x22, 0xc0, HLT);
	x->vmcs.f[VMCS_HOST_RIP] = EMU_CODE + 10;
	e->v.s.gpr[0] = PTRS + 8;
	emu_run(e, EMU_CODE, 1000);
	ck_assert_int_eq(e->exit, RUN_EXIT_HALT);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_CR);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_QUALIFICATION], 0);       /* CR0, MOV to CR, RAX */
	vmx_free(e);
}
END_TEST

START_TEST(test_tpr_shadow)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);
	const uint64_t vapic = 0x304000;

	/* mov rcx, cr8 (VTPR 0x50 -> 5); mov cr8, rax (2 < threshold 3: exit 43) */
	LOAD(e, GUEST_CODE, 0x44, 0x0f, 0x20, 0xc1, 0x44, 0x0f, 0x22, 0xc0, HLT);
	emu_write64(e, vapic + 0x80, 0x50);
	x->vmcs.f[VMCS_PROC_CONTROLS] |= PROC_TPR_SHADOW;
	x->vmcs.f[VMCS_VIRTUAL_APIC_ADDR] = vapic;
	x->vmcs.f[VMCS_TPR_THRESHOLD] = 3;
	e->v.s.gpr[0] = 2;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_TPR_BELOW);
	ck_assert_uint_eq(x->vmcs.f[VMCS_GUEST_RIP], GUEST_CODE + 8);  /* trap-like */
	ck_assert_uint_eq(e->v.s.gpr[1], 5);
	ck_assert_uint_eq(emu_read64(e, vapic + 0x80), 0x20);
	/* entry check: threshold above VTPR[7:4] -> VMfailValid(7) */
	LOAD(e, EMU_CODE, VMRESUME, PUSHF_POP_RDX, HLT, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_VM_INSN_ERROR], VMXERR_ENTRY_BAD_CTL);
	vmx_free(e);
}
END_TEST

/* SDM 28.7: a failure while loading the VM-exit MSR-load list (FS_BASE may not be in
 * it, 28.6) is a VMX abort: indicator 4 in bytes 4-7 of the VMCS region, and the
 * logical processor shuts down. */
START_TEST(test_vmx_abort)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);

	LOAD(e, GUEST_CODE, HLT);
	emu_write64(e, 0x304000, 0xc0000100u);
	emu_write64(e, 0x304008, 0);
	x->vmcs.f[VMCS_EXIT_MSR_LOAD_ADDR] = 0x304000;
	x->vmcs.f[VMCS_EXIT_MSR_LOAD_COUNT] = 1;
	emu_run(e, EMU_CODE, 1000);
	ck_assert_int_eq(e->exit, RUN_EXIT_SHUTDOWN);
	ck_assert(e->v.shutdown);
	ck_assert_uint_eq(emu_read64(e, VMCS_PA) >> 32, 4);
	ck_assert_uint_eq((uint32_t)emu_read64(e, VMCS_PA), VMX_REVISION);
	vmx_free(e);
}
END_TEST

/* Regression: a translation to a page cached while it was not the APIC-access page
 * (same VPID, an earlier entry) must not bypass APIC-access exits (SDM 30.4). */
START_TEST(test_apic_access_tlb)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);
	const uint64_t page = 0x305000;

	/* The exit is taken through the exception path (nested/vmx_exit.c, fault-like
	 * exits): let the run loop deliver instead of stopping at it. */
	translate_set_stop_on_exception(&e->v, false);
	/* mov eax, [0x305080]; hlt */
	LOAD(e, GUEST_CODE, 0x8b, 0x04, 0x25, 0x80, 0x50, 0x30, 0x00, HLT);
	emu_write64(e, page + 0x80, 0x1234);
	x->vmcs.f[VMCS_PROC_CONTROLS] |= PROC_SECONDARY;
	x->vmcs.f[VMCS_PROC_CONTROLS2] = SEC_VPID;
	x->vmcs.f[VMCS_VPID] = 1;
	x->vmcs.f[VMCS_APIC_ACCESS_ADDR] = page;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_HLT);
	ck_assert_uint_eq(e->v.s.gpr[0], 0x1234);
	x->vmcs.f[VMCS_PROC_CONTROLS2] |= SEC_APIC_ACCESS;
	x->vmcs.f[VMCS_GUEST_RIP] = GUEST_CODE;
	LOAD(e, EMU_CODE, VMRESUME, PUSHF_POP_RDX, HLT, HLT);
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_APIC_ACCESS);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_QUALIFICATION], 0x080);  /* offset, linear read */
	ck_assert_uint_eq(x->vmcs.f[VMCS_GUEST_RIP], GUEST_CODE);      /* fault-like */
	ck_assert_uint_eq(e->v.apic_access_tag, 0);                     /* off in the host */
	vmx_free(e);
}
END_TEST

/* "virtualize x2APIC mode" (SDM 30.5): RDMSR/WRMSR 808H use VTPR, no exit. */
START_TEST(test_x2apic_tpr_msr)
{
	struct emu *e = vmx_ready();
	struct vmx *x = vmx_of(&e->v);
	const uint64_t vapic = 0x304000, bitmap = 0x306000;

	/* mov ecx, 808h; rdmsr; mov ebx, eax; mov eax, 30h; xor edx, edx; wrmsr; hlt */
	LOAD(e, GUEST_CODE, 0xb9, 0x08, 0x08, 0x00, 0x00, 0x0f, 0x32, 0x89, 0xc3,
	     0xb8, 0x30, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30, HLT);
	for (unsigned k = 0; k < 4096; k += 8)
		emu_write64(e, bitmap + k, 0);
	emu_write64(e, vapic + 0x80, 0x50);
	x->vmcs.f[VMCS_PROC_CONTROLS] |= PROC_SECONDARY | PROC_TPR_SHADOW | PROC_MSR_BITMAPS;
	x->vmcs.f[VMCS_PROC_CONTROLS2] = SEC_X2APIC;
	x->vmcs.f[VMCS_VIRTUAL_APIC_ADDR] = vapic;
	x->vmcs.f[VMCS_MSR_BITMAP] = bitmap;
	ck_assert_int_eq(run(e), -1);
	ck_assert_uint_eq(x->vmcs.f[VMCS_EXIT_REASON], EXIT_REASON_HLT);
	ck_assert_uint_eq(e->v.s.gpr[3], 0x50);
	ck_assert_uint_eq(emu_read64(e, vapic + 0x80), 0x30);
	vmx_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nested_vmx");
	TCase *tc = tcase_create("vmx");

	tcase_add_test(tc, test_vmxon_faults);
	tcase_add_test(tc, test_reset_leaves_vmx);
	tcase_add_test(tc, test_not_in_vmx_ud);
	tcase_add_test(tc, test_vmread_vmwrite);
	tcase_add_test(tc, test_vmclear_vmptrld);
	tcase_add_test(tc, test_entry_exit_cpuid);
	tcase_add_test(tc, test_entry_fail_ctl_host_guest);
	tcase_add_test(tc, test_load_perf_global_ctrl);
	tcase_add_test(tc, test_vmcall_and_cr0_shadow);
	tcase_add_test(tc, test_cr0_write_exit);
	tcase_add_test(tc, test_tpr_shadow);
	tcase_add_test(tc, test_vmx_abort);
	tcase_add_test(tc, test_apic_access_tlb);
	tcase_add_test(tc, test_x2apic_tpr_msr);
	suite_add_tcase(s, tc);
	return check_run(s);
}
