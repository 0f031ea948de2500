/*
 * tests/guest/vmx/vmx_ept.c - EPT and VPID: an identity EPT for L2, EPT
 * violations (read, write, instruction fetch) with their exit qualification,
 * guest-physical and guest-linear addresses, EPT misconfigurations, accessed
 * and dirty flags, the EPTP and VPID entry checks, INVEPT/INVVPID outcomes.
 * Expectations: Intel SDM vol. 3, 325462-084US: 29.3 (EPT: 29.3.2 translation
 * and entry formats, 29.3.3.1 misconfigurations, 29.3.3.2 violations, 29.3.5
 * accessed and dirty flags), 28.2.1 table 28-7 (EPT-violation qualification),
 * 25.6.11 (EPTP), 27.2.1.1 (EPTP/VPID checks), 31.3 INVEPT/INVVPID, A.10.
 */
#include "vmx.h"


/* IA32_VMX_EPT_VPID_CAP bits (SDM A.10). */
#define CAP_WALK4 (1ull << 6)
#define CAP_WB (1ull << 14)
#define CAP_2M (1ull << 16)
#define CAP_AD (1ull << 21)
#define CAP_INVEPT (1ull << 20)
#define CAP_INVEPT_SINGLE (1ull << 25)
#define CAP_INVEPT_ALL (1ull << 26)
#define CAP_INVVPID (1ull << 32)
#define CAP_INVVPID_ADDR (1ull << 40)
#define CAP_INVVPID_SINGLE (1ull << 41)
#define CAP_INVVPID_ALL (1ull << 42)

static uint64_t *g_pt;                  /* 4 KiB entries for the 2 MiB around g_test */
static uint8_t g_test[3][4096] __attribute__((aligned(4096)));

static unsigned long l2_nothing(unsigned long arg) { return arg; }
static unsigned long l2_read(unsigned long va) { return *(volatile uint32_t *)va; }

static unsigned long l2_write(unsigned long va)
{
	*(volatile uint32_t *)va = 0x5a5a;
	return 0;
}

static unsigned long l2_call(unsigned long va)
{
	return ((unsigned long (*)(void))va)();
}

/* The identity EPT with the 2 MiB region holding g_test in 4 KiB pages (g_pt). */
static uint64_t ept_build(bool ad)
{
	return vmx_ept_identity(g_test, &g_pt) | EPTP_WB | EPTP_WALK4 | (ad ? EPTP_AD : 0);
}

static uint64_t *ept_pte(const void *va)
{
	return &g_pt[((unsigned long)va >> 12) & 511];
}

/* After changing EPT entries: drop cached translations (SDM 29.4.3.1). */
static void ept_flush(void)
{
	if ((g_vmx_caps.ept_vpid & CAP_INVEPT_ALL) && invept(2, 0) != VMX_OK)
		report_fail("INVEPT all-context", "failed");
}

static void ept_set(const void *page, uint64_t entry)
{
	*ept_pte(page) = entry;
	ept_flush();
}

static bool ept_setup(bool ad)
{
	vmx_vmcs_setup();
	if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT))
		return false;
	vmcs_write(EPT_POINTER, ept_build(ad));
	ept_flush();
	return true;
}

static void violation(const char *name, unsigned long (*fn)(unsigned long), void *page, uint64_t perms,
		      uint64_t want_qual)
{
	struct vmx_exit e;
	char buf[120];

	if (!ept_setup(false))
		return;
	ept_set(page, (unsigned long)page | perms | EPT_MT_WB);
	/* Data accesses at offset 0x10; the fetch case calls the page's first byte. */
	vmx_l2_start(fn, (unsigned long)page + (fn == l2_call ? 0 : 0x10));
	snprintf(buf, sizeof(buf), "%s: exit reason 48", name);
	if (!vmx_expect_exit(&e, 48, buf))
		return;
	/* SDM 28.2.1 table 28-7: bits 2:0 access, 5:3 permissions, 7 GLA valid,
	 * 8 the access was to the translated address (not a paging structure). */
	report((e.qual & 0x1bf) == want_qual, "%s: qualification %#lx (got %#lx)", name, want_qual, e.qual);
	expect_eq(vmcs_read(GUEST_PHYSICAL_ADDRESS), (unsigned long)page + (fn == l2_call ? 0 : 0x10),
		  "EPT violation: guest-physical address of the access");
	expect_eq(e.gla, (unsigned long)page + (fn == l2_call ? 0 : 0x10), "EPT violation: guest-linear address");
	/* Fix the entry, flush, and let L2 retry. */
	ept_set(page, *ept_pte(page) | EPT_RWX);
	vmx_run_to_done(name);
}

static void test_violations(void)
{
	g_test[2][0] = 0xb8;                            /* mov $0x42, %eax; ret */
	memcpy(&g_test[2][1], &(uint32_t){ 0x42 }, 4);
	g_test[2][5] = 0xc3;
	violation("EPT read of a page with no permission", l2_read, g_test[0], 0, 0x181);
	violation("EPT write to a read-only page", l2_write, g_test[0], EPT_R, 0x18a);
	violation("EPT fetch from a read/write page", l2_call, g_test[2], EPT_R | EPT_W, 0x19c);
}

static void test_identity_and_ad(void)
{
	const uint64_t caps = g_vmx_caps.ept_vpid;

	if (!ept_setup(false)) {
		report_skip("EPT", "enable EPT not supported");
		return;
	}
	vmx_l2_start(l2_nothing, 5);
	expect_eq(vmx_run_to_done("L2 under identity EPT"), 5, "L2 runs under an identity EPT");
	if (!(caps & CAP_AD)) {
		report_skip("EPT accessed/dirty flags", "not supported");
		return;
	}
	/* SDM 29.3.5: with EPTP bit 6, accesses set the leaf's accessed flag, writes its dirty flag. */
	ept_setup(true);
	vmx_l2_start(l2_read, (unsigned long)g_test[1]);
	vmx_run_to_done("EPT A/D read");
	report((*ept_pte(g_test[1]) & (EPT_A | EPT_D)) == EPT_A, "EPT A/D: a read sets accessed, not dirty");
	vmx_l2_start(l2_write, (unsigned long)g_test[1]);
	vmx_run_to_done("EPT A/D write");
	report((*ept_pte(g_test[1]) & (EPT_A | EPT_D)) == (EPT_A | EPT_D), "EPT A/D: a write sets dirty");
}

static void test_misconfig(void)
{
	struct vmx_exit e;

	/* SDM 29.3.3.1: write permission without read permission is a misconfiguration. */
	if (!ept_setup(false))
		return;
	ept_set(g_test[0], (unsigned long)g_test[0] | EPT_W | EPT_MT_WB);
	vmx_l2_start(l2_read, (unsigned long)g_test[0]);
	if (vmx_expect_exit(&e, 49, "EPT entry write-only: EPT misconfiguration, exit reason 49"))
		expect_eq(vmcs_read(GUEST_PHYSICAL_ADDRESS), (unsigned long)g_test[0], "EPT misconfiguration: guest-physical address");
	/* Reserved memory type 2 in a leaf. */
	ept_setup(false);
	ept_set(g_test[0], (unsigned long)g_test[0] | EPT_RWX | (2ull << 3));
	vmx_l2_start(l2_read, (unsigned long)g_test[0]);
	vmx_expect_exit(&e, 49, "EPT leaf with memory type 2: EPT misconfiguration, exit reason 49");
}

static void test_eptp_checks(void)
{
	struct vmx_exit e;

	/* SDM 27.2.1.1: EPTP memory type must be supported, walk length 4. */
	if (!ept_setup(false))
		return;
	vmcs_write(EPT_POINTER, (vmcs_read(EPT_POINTER) & ~7ull) | 2);
	vmx_l2_start(l2_nothing, 0);
	vmx_enter(&e);
	report(e.entry == VMX_FAIL_VALID && e.insn_error == VMXERR_ENTRY_INVALID_CONTROLS,
	       "EPTP memory type 2: VMfailValid, error 7 (got %s, %u)", vmx_result_name(e.entry), e.insn_error);
	ept_setup(false);
	vmcs_write(EPT_POINTER, (vmcs_read(EPT_POINTER) & ~0x38ull) | (1ull << 3));
	vmx_l2_start(l2_nothing, 0);
	vmx_enter(&e);
	report(e.entry == VMX_FAIL_VALID && e.insn_error == VMXERR_ENTRY_INVALID_CONTROLS,
	       "EPTP walk length 2: VMfailValid, error 7 (got %s, %u)", vmx_result_name(e.entry), e.insn_error);
}

static void test_invept_invvpid(void)
{
	const uint64_t caps = g_vmx_caps.ept_vpid;
	struct vmx_exit e;

	vmx_vmcs_setup();
	if (caps & CAP_INVEPT) {
		/* SDM 31.3 INVEPT: an unsupported type: VMfailValid(28). */
		enum vmx_result r = invept(0, 0);

		report(r == VMX_FAIL_VALID && vmx_insn_error() == VMXERR_INVALID_INVEPT_INVVPID,
		       "INVEPT type 0: VMfailValid, error 28 (got %s)", vmx_result_name(r));
		if (caps & CAP_INVEPT_ALL)
			report(invept(2, 0) == VMX_OK, "INVEPT all-context: VMsucceed");
		if (caps & CAP_INVEPT_SINGLE)
			report(invept(1, ept_build(false)) == VMX_OK, "INVEPT single-context: VMsucceed");
	} else {
		report_skip("INVEPT", "not supported");
	}
	if (!(caps & CAP_INVVPID) || !vmx_ctl_can_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_VPID)) {
		report_skip("VPID", "not supported");
		return;
	}
	if (caps & CAP_INVVPID_SINGLE)
		report(invvpid(1, 0, 0) == VMX_FAIL_VALID && vmx_insn_error() == VMXERR_INVALID_INVEPT_INVVPID,
		       "INVVPID single-context with VPID 0: VMfailValid, error 28");
	if (caps & CAP_INVVPID_ADDR)
		report(invvpid(0, 1, 0x8000000000000000ull) == VMX_FAIL_VALID &&
		       vmx_insn_error() == VMXERR_INVALID_INVEPT_INVVPID,
		       "INVVPID individual address, non-canonical: VMfailValid, error 28");
	if (caps & CAP_INVVPID_ALL)
		report(invvpid(2, 0, 0) == VMX_OK, "INVVPID all-context: VMsucceed");
	/* SDM 27.2.1.1: "enable VPID" with VPID 0 fails with error 7. */
	vmx_vmcs_setup();
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_VPID);
	vmcs_write(VPID, 0);
	vmx_l2_start(l2_nothing, 0);
	vmx_enter(&e);
	report(e.entry == VMX_FAIL_VALID && e.insn_error == VMXERR_ENTRY_INVALID_CONTROLS,
	       "enable VPID with VPID 0: VMfailValid, error 7 (got %s, %u)", vmx_result_name(e.entry), e.insn_error);
	vmx_vmcs_setup();
	vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_VPID);
	vmcs_write(VPID, 1);
	vmx_l2_start(l2_nothing, 9);
	expect_eq(vmx_run_to_done("L2 with VPID 1"), 9, "L2 runs with VPID 1");
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	if (!(g_vmx_caps.ept_vpid & CAP_WALK4) || !(g_vmx_caps.ept_vpid & CAP_WB)) {
		report_skip("EPT", "no 4-level walk or WB EPT structures");
	} else {
		test_identity_and_ad();
		test_violations();
		test_misconfig();
		test_eptp_checks();
	}
	test_invept_invvpid();
	return 0;
}
