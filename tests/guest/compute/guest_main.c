/*
 * tests/guest/compute/guest_main.c - the guest side: print every computation's
 * result as "RESULT name value", and PASS if the run completes.
 */
#include "guest.h"
#include "compute.h"

void compute_emit(const char *name, uint64_t value)
{
	printf("RESULT %s %016" PRIx64 "\n", name, value);
}

int main(void)
{
	/* SSE for the compiler's floating-point code (SDM vol. 3, 13.1.3). */
	write_cr0((read_cr0() & ~X86_CR0_EM) | X86_CR0_MP);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	compute_all();
	report_pass("compute completed");
	return 0;
}
