/*
 * tests/guest/sys/mca.c - the machine-check architecture as far as elzero models
 * it: CPUID MCE/MCA, CR4.MCE, IA32_MCG_CAP/STATUS/CTL and every bank's
 * IA32_MCi_CTL/STATUS/ADDR/MISC readable, STATUS writable only with 0, nothing
 * past the last bank. 64-bit kernel.
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md), 15.2-15.3
 * (MCA registers), 2.5 (CR4.MCE); vol. 2 CPUID (leaf 1 EDX bits 7 and 14).
 */
#include "guest.h"

#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MCG_CTL 0x17b
#define MSR_MC0_CTL 0x400
#define CR4_MCE (1ul << 6)

int main(void)
{
	uint64_t cap = 0, v = 0;
	unsigned banks;
	bool ok = true;

	report(cpuid(1).d & (1u << 7), "CPUID.01H:EDX.MCE");
	if (!(cpuid(1).d & (1u << 14))) {
		report_skip("mca", "CPUID.01H:EDX.MCA = 0");
		return 0;
	}
	write_cr4(read_cr4() | CR4_MCE);
	report(read_cr4() & CR4_MCE, "CR4.MCE can be set");
	expect_eq(try_rdmsr(MSR_MCG_CAP, &cap), -1, "IA32_MCG_CAP readable");
	banks = cap & 0xff;
	report(banks >= 1, "IA32_MCG_CAP.Count = %u banks", banks);
	expect_eq(try_rdmsr(MSR_MCG_STATUS, &v), -1, "IA32_MCG_STATUS readable");
	expect_eq(v, 0, "IA32_MCG_STATUS = 0 (no machine check in progress)");
	if (cap & (1u << 8)) {
		expect_eq(try_wrmsr(MSR_MCG_CTL, ~0ull), -1, "IA32_MCG_CTL (MCG_CTL_P): write all 1s");
		expect_eq(try_rdmsr(MSR_MCG_CTL, &v), -1, "IA32_MCG_CTL readable");
		expect_eq(v, ~0ull, "IA32_MCG_CTL reads back");
	}
	expect_eq(try_wrmsr(MSR_MCG_CAP, 0), GP_VECTOR, "IA32_MCG_CAP is read-only: #GP");
	for (unsigned b = 0; b < banks; b++) {
		for (unsigned r = 0; r < 4; r++)
			ok &= try_rdmsr(MSR_MC0_CTL + 4 * b + r, &v) == -1;
		ok &= try_rdmsr(MSR_MC0_CTL + 4 * b + 1, &v) == -1 && v == 0;
		ok &= try_wrmsr(MSR_MC0_CTL + 4 * b, ~0ull) == -1;
	}
	report(ok, "every bank's CTL/STATUS/ADDR/MISC readable, STATUS 0, CTL writable");
	expect_eq(try_wrmsr(MSR_MC0_CTL + 1, 1), GP_VECTOR, "IA32_MC0_STATUS: nonzero write #GP");
	expect_eq(try_wrmsr(MSR_MC0_CTL + 1, 0), -1, "IA32_MC0_STATUS: writing 0 is allowed");
	write_cr4(read_cr4() & ~CR4_MCE);
	return 0;
}
