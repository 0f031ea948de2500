/*
 * tests/unit/nested/test_vmcs.c - the VMCS field table against the encoding layout
 * of SDM vol. 3 appendix B / 25.11.2, and the VMX capability MSRs (appendix A):
 * every allowed-1 control is one nested/ implements.
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/cpufix.h"
#include "nested/nested.h"
#include "nested/vmx_internal.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_field_layout)
{
	unsigned hi = 0;

	for (unsigned k = 0; k < vmcs_field_count(); k++) {
		const struct vmcs_field_info *f = vmcs_field_at(k);
		bool high;

		ck_assert_uint_eq(f->encoding >> 13, f->width);         /* 14:13 width */
		ck_assert_uint_eq((f->encoding >> 10) & 3, f->type);    /* 11:10 type */
		ck_assert_uint_eq(f->encoding & 0x1001, 0);             /* full, bit 12 = 0 */
		ck_assert_int_eq(vmcs_lookup(f->encoding, &high), (int)k);
		ck_assert(!high);
		/* only 64-bit fields have a high half */
		ck_assert_int_eq(vmcs_lookup(f->encoding | 1, &high), f->width == VMCS_W64 ? (int)k : -1);
		/* read-only exactly for the VM-exit information type */
		ck_assert_int_eq(f->read_only, f->type == VMCS_T_RO);
		for (unsigned j = 0; j < k; j++)
			ck_assert_uint_ne(vmcs_field_at(j)->encoding, f->encoding);
		if (((f->encoding >> 1) & 0x1ff) > hi)
			hi = (f->encoding >> 1) & 0x1ff;
	}
	ck_assert_int_eq(vmcs_lookup(0x0000ffffull << 32, &(bool){ 0 }), -1);
	ck_assert_int_eq(vmcs_lookup(0x4401, &(bool){ 0 }), -1);       /* 32-bit has no high */
	ck_assert_uint_eq(hi, 0x17);    /* GUEST_PREEMPT_TIMER, 482EH */
}
END_TEST

static struct vcpu *vmx_vcpu(const char *model)
{
	g_fix->v.model = cpu_model_find(model);
	ck_assert_ptr_nonnull(g_fix->v.model);
	ck_assert_int_eq(nested_attach(&g_fix->v), 0);
	return &g_fix->v;
}

/* The controls nested/ handles (SDM 25.6-25.8); anything else must not be allowed. */
#define HANDLED_PIN (PIN_EXT_INT | PIN_NMI | PIN_VNMI | PIN_PREEMPT | PIN_POSTED | 0x16u)
#define HANDLED_PROC (PROC_INTR_WINDOW | PROC_TSC_OFFSET | PROC_HLT | PROC_INVLPG | PROC_MWAIT | \
		      PROC_RDPMC | PROC_RDTSC | PROC_CR3_LOAD | PROC_CR3_STORE | PROC_CR8_LOAD | \
		      PROC_CR8_STORE | PROC_TPR_SHADOW | PROC_NMI_WINDOW | PROC_MOV_DR | PROC_UNCOND_IO | \
		      PROC_IO_BITMAPS | PROC_MTF | PROC_MSR_BITMAPS | PROC_MONITOR | PROC_PAUSE | \
		      PROC_SECONDARY | 0x04006172u)
#define HANDLED_PROC2 (SEC_DESC_TABLE | SEC_RDTSCP | SEC_WBINVD | SEC_RDRAND | SEC_INVPCID | \
		       SEC_RDSEED | SEC_PLE | SEC_XSAVES | SEC_APIC_ACCESS | SEC_X2APIC | SEC_APIC_REG | \
		       SEC_VID)
#define HANDLED_EXIT (EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_ACK_INT | EXIT_SAVE_PAT | \
		      EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PREEMPT | \
		      EXIT_LOAD_PERF | 0x00036dffu)
#define HANDLED_ENTRY (ENTRY_LOAD_DEBUG | ENTRY_IA32E | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER | \
		       ENTRY_LOAD_PERF | 0x11ffu)

static void check_ctl(struct vcpu *v, uint32_t msr, uint32_t true_msr, uint32_t handled)
{
	uint64_t val, tval;

	ck_assert_int_eq(cpu_rdmsr(v, msr, &val), 0);
	ck_assert_uint_eq((uint32_t)val & ~(uint32_t)(val >> 32), 0);  /* must1 within may1 */
	ck_assert_uint_eq((uint32_t)(val >> 32) & ~handled, 0);
	ck_assert_int_eq(cpu_wrmsr(v, msr, val), -1);                   /* read-only */
	if (!true_msr)
		return;
	ck_assert_int_eq(cpu_rdmsr(v, true_msr, &tval), 0);
	ck_assert_uint_eq(tval >> 32, val >> 32);                       /* same allowed-1 */
	ck_assert_uint_eq((uint32_t)tval & ~(uint32_t)val, 0);          /* fewer must-1 */
}

START_TEST(test_cap_msrs)
{
	struct vcpu *v = vmx_vcpu("elzero-intel");
	uint64_t val;

	ck_assert_int_eq(cpu_rdmsr(v, 0x480, &val), 0);
	ck_assert_uint_eq(val & 0x7fffffff, VMX_REVISION);
	ck_assert_uint_eq((val >> 32) & 0x1fff, 4096);                  /* region size */
	ck_assert_uint_eq((val >> 50) & 15, 6);                         /* write-back */
	ck_assert(val & (1ull << 54));                                  /* INS/OUTS info */
	ck_assert(val & (1ull << 55));                                  /* TRUE controls */
	ck_assert(!(val & (1ull << 48)));
	check_ctl(v, 0x481, 0x48d, HANDLED_PIN);
	check_ctl(v, 0x482, 0x48e, HANDLED_PROC);
	check_ctl(v, 0x483, 0x48f, HANDLED_EXIT);
	check_ctl(v, 0x484, 0x490, HANDLED_ENTRY);
	check_ctl(v, 0x48b, 0, HANDLED_PROC2 |
		  (ept_vpid_cap() ? SEC_EPT | SEC_UNRESTRICTED | SEC_VPID : 0));
	/* no VMFUNC, EPT/VPID per nested/ept.c */
	ck_assert_int_eq(cpu_rdmsr(v, 0x491, &val), -1);
	ck_assert_int_eq(cpu_rdmsr(v, 0x48c, &val), ept_vpid_cap() ? 0 : -1);
	ck_assert_int_eq(cpu_rdmsr(v, 0x485, &val), 0);
	ck_assert_uint_eq(val & 0x1f, 0);
	ck_assert_uint_eq((val >> 6) & 7, 7);                           /* HLT, shutdown, SIPI */
	ck_assert_uint_eq((val >> 16) & 0x1ff, 4);                      /* CR3 targets */
	ck_assert_int_eq(cpu_rdmsr(v, 0x486, &val), 0);
	ck_assert_uint_eq(val, CR0_PE | CR0_NE | CR0_PG);
	ck_assert_int_eq(cpu_rdmsr(v, 0x488, &val), 0);
	ck_assert_uint_eq(val, CR4_VMXE);
	ck_assert_int_eq(cpu_rdmsr(v, 0x489, &val), 0);
	ck_assert(val & CR4_VMXE);
	ck_assert_int_eq(cpu_rdmsr(v, 0x48a, &val), 0);
	ck_assert_uint_eq(val, 0x17 << 1);     /* A.9: highest index in bits 9:1 */
	nested_detach(v);
}
END_TEST

START_TEST(test_no_vmx_no_msrs)
{
	struct vcpu *v = vmx_vcpu("max");       /* VMX only with +vmx */
	uint64_t val;

	ck_assert_int_eq(cpu_rdmsr(v, 0x480, &val), -1);
	nested_detach(v);
}
END_TEST

START_TEST(test_max_plus_vmx)
{
	char err[128];
	struct cpu_model *m = cpu_model_edit(cpu_model_find("max"), "+vmx", err, sizeof(err));
	uint64_t val;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(cpu_model_vendor(m), VENDOR_INTEL);
	g_fix->v.model = m;
	ck_assert_int_eq(nested_attach(&g_fix->v), 0);
	ck_assert_int_eq(cpu_rdmsr(&g_fix->v, 0x480, &val), 0);
	/* max has INVPCID and RDTSCP: their secondary controls are allowed */
	ck_assert_int_eq(cpu_rdmsr(&g_fix->v, 0x48b, &val), 0);
	ck_assert((val >> 32) & SEC_INVPCID);
	ck_assert((val >> 32) & SEC_RDTSCP);
	nested_detach(&g_fix->v);
	g_fix->v.model = NULL;
	cpu_model_free(m);
}
END_TEST

/* "load IA32_PERF_GLOBAL_CTRL" (exit bit 12, entry bit 13) and its two VMCS fields
 * exist exactly when the model has the PMU (cpu/pmu.c). */
START_TEST(test_perf_global_ctrl_caps)
{
	char err[128];
	struct cpu_model *m = cpu_model_edit(cpu_model_find("elzero-intel"), "pmu=off", err,
					     sizeof(err));
	uint64_t ex, en;

	for (unsigned k = 0; k < 2; k++) {
		struct vcpu *v = vmx_vcpu("elzero-intel");

		if (k)
			v->model = m;
		ck_assert_int_eq(cpu_rdmsr(v, 0x48f, &ex), 0);
		ck_assert_int_eq(cpu_rdmsr(v, 0x490, &en), 0);
		ck_assert_uint_eq(!!((ex >> 32) & EXIT_LOAD_PERF), !k);
		ck_assert_uint_eq(!!((en >> 32) & ENTRY_LOAD_PERF), !k);
		ck_assert_int_eq(vmcs_field_supported(v, VMCS_GUEST_PERF_GLOBAL_CTRL), !k);
		ck_assert_int_eq(vmcs_field_supported(v, VMCS_HOST_PERF_GLOBAL_CTRL), !k);
		ck_assert_uint_eq(cpu_pmu_global_ctrl_valid(v), k ? 0 : 0x70000000full);
		nested_detach(v);
	}
	g_fix->v.model = NULL;
	cpu_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nested_vmcs");
	TCase *tc = tcase_create("vmcs");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_field_layout);
	tcase_add_test(tc, test_cap_msrs);
	tcase_add_test(tc, test_no_vmx_no_msrs);
	tcase_add_test(tc, test_max_plus_vmx);
	tcase_add_test(tc, test_perf_global_ctrl_caps);
	suite_add_tcase(s, tc);
	return check_run(s);
}
