/*
 * tests/guest/vmx/vmx_tlb.c - what L2 must see after each TLB-invalidating operation
 * with VPID and EPT: L1 remaps a page L2 has already used, performs one operation,
 * and L2 must then read the new page. (Whether the old translation was still cached
 * before the operation is not architectural, so only the outcome after it is
 * checked.) Expectations: Intel SDM vol. 3, 325462-084US, 29.4.3.1 (operations that
 * invalidate cached mappings: VM entry without VPID, INVLPG for the current VPID,
 * INVVPID types 0-3, INVEPT types 1-2 for all VPIDs), 31.3 INVEPT/INVVPID, A.10.
 */
#include "vmx.h"


#define CAP_INVEPT_SINGLE (1ull << 25)
#define CAP_INVEPT_ALL (1ull << 26)
#define CAP_INVVPID (1ull << 32)

/* A linear page L1 itself never uses, mapped to one of two pages by L1's tables
 * (L2 runs on the same CR3). */
#define ALIAS 0xc0000000ul

static uint8_t g_pg[2][4096] __attribute__((aligned(4096)));
static uint64_t *g_pt;

static unsigned long l2_read(unsigned long va) { return *(volatile uint32_t *)va; }

static unsigned long l2_invlpg_read(unsigned long va)
{
	invlpg((void *)va);
	return *(volatile uint32_t *)va;
}

/* How L1 (or L2) makes the new mapping visible. */
enum how {
	HOW_ENTRY,              /* VPID off: VM entry itself */
	HOW_INVVPID_ADDR, HOW_INVVPID_SINGLE, HOW_INVVPID_ALL, HOW_INVVPID_SINGLE_NG,
	HOW_L2_INVLPG,          /* L2 executes INVLPG (for its own VPID) */
};
static const char *const how_names[] = {
	"VM entry without VPID", "INVVPID individual address", "INVVPID single context",
	"INVVPID all contexts", "INVVPID single context retaining globals", "INVLPG in L2",
};

static void vpid_case(enum how how)
{
	const char *name = how_names[how];
	/* A VPID of its own per case: translations L2 cached under another case's VPID
	 * may legitimately survive L1's INVLPG and later entries. */
	uint16_t vpid = (uint16_t)how;
	unsigned long (*fn)(unsigned long) = how == HOW_L2_INVLPG ? l2_invlpg_read : l2_read;
	enum vmx_result r = VMX_OK;

	if (how >= HOW_INVVPID_ADDR && how <= HOW_INVVPID_SINGLE_NG &&
	    !((g_vmx_caps.ept_vpid >> (40 + how - HOW_INVVPID_ADDR)) & 1)) {
		report_skip(name, "INVVPID type %u not supported", how - HOW_INVVPID_ADDR);
		return;
	}
	vmx_vmcs_setup();
	if (vpid) {
		if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_VPID)) {
			report_skip(name, "enable VPID not supported");
			return;
		}
		vmcs_write(VPID, vpid);
	}
	pt_map(ALIAS, (unsigned long)g_pg[0], PTE_RW);
	vmx_l2_start(l2_read, ALIAS);
	expect_eq(vmx_run_to_done(name), 0x1111, name);
	/* L1's INVLPG (in pt_map) invalidates VPID 0's mappings only. */
	pt_map(ALIAS, (unsigned long)g_pg[1], PTE_RW);
	switch (how) {
	case HOW_INVVPID_ADDR: r = invvpid(0, vpid, ALIAS); break;
	case HOW_INVVPID_SINGLE: r = invvpid(1, vpid, 0); break;
	case HOW_INVVPID_ALL: r = invvpid(2, 0, 0); break;
	case HOW_INVVPID_SINGLE_NG: r = invvpid(3, vpid, 0); break;
	default: break;
	}
	report(r == VMX_OK, "%s: VMsucceed (got %s)", name, vmx_result_name(r));
	vmx_l2_start(fn, ALIAS);
	report(vmx_run_to_done(name) == 0x2222, "%s: L2 then sees the new mapping", name);
}

/* The identity EPT with the 2 MiB region holding g_pg in 4 KiB pages (g_pt), so
 * one page can be remapped. */
static uint64_t ept_identity(void)
{
	return vmx_ept_identity(g_pg, &g_pt) | EPTP_WB | EPTP_WALK4;
}

/* L2 reads g_pg[0] through EPT; L1 points that guest-physical page at g_pg[1] and
 * runs INVEPT (type 1 or 2), with or without VPID: INVEPT invalidates the combined
 * mappings of every VPID (29.4.3.1). */
static void ept_case(unsigned type, uint16_t vpid)
{
	char name[96];
	uint64_t eptp;
	enum vmx_result r;

	snprintf(name, sizeof(name), "EPT remap, INVEPT %s, VPID %u",
		 type == 1 ? "single context" : "all contexts", vpid);
	if (!(g_vmx_caps.ept_vpid & (type == 1 ? CAP_INVEPT_SINGLE : CAP_INVEPT_ALL))) {
		report_skip(name, "INVEPT type %u not supported", type);
		return;
	}
	vmx_vmcs_setup();
	if (!vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_EPT) ||
	    (vpid && !vmx_ctl_set(SECONDARY_VM_EXEC_CONTROL, CPU2_ENABLE_VPID))) {
		report_skip(name, "enable EPT/VPID not supported");
		return;
	}
	if (vpid)
		vmcs_write(VPID, vpid);
	eptp = ept_identity();
	vmcs_write(EPT_POINTER, eptp);
	invept(2, 0);
	vmx_l2_start(l2_read, (unsigned long)g_pg[0]);
	expect_eq(vmx_run_to_done(name), 0x1111, name);
	g_pt[((unsigned long)g_pg[0] >> 12) & 511] = (unsigned long)g_pg[1] | EPT_RWX | EPT_MT_WB;
	r = invept(type, eptp);
	report(r == VMX_OK, "%s: VMsucceed (got %s)", name, vmx_result_name(r));
	vmx_l2_start(l2_read, (unsigned long)g_pg[0]);
	report(vmx_run_to_done(name) == 0x2222, "%s: L2 then sees the new page", name);
}

int main(void)
{
	if (!vmx_enable())
		return 0;
	*(uint32_t *)g_pg[0] = 0x1111;
	*(uint32_t *)g_pg[1] = 0x2222;
	vpid_case(HOW_ENTRY);
	if (g_vmx_caps.ept_vpid & CAP_INVVPID) {
		for (enum how h = HOW_INVVPID_ADDR; h <= HOW_L2_INVLPG; h++)
			vpid_case(h);
	} else {
		report_skip("VPID", "INVVPID not supported");
	}
	ept_case(1, 0);
	ept_case(2, 0);
	ept_case(1, 9);
	ept_case(2, 9);
	return 0;
}
