/*
 * nested/ept.c - EPT and VPID (nested/ept.h). Not built yet: the capability is 0,
 * so the VMX core never allows "enable EPT" or "enable VPID" and nothing below is
 * reached with either on.
 */
#include "nested/ept.h"

#include <stdlib.h>

uint64_t ept_vpid_cap(void)
{
	return 0;
}

void ept_enter(struct vcpu *v, bool ept_on, uint64_t eptp, uint16_t vpid)
{
	(void)v; (void)eptp;
	/* The capability forbids both; a caller passing them on is a VMX-core bug. */
	if (ept_on || vpid)
		abort();
}

void ept_leave(struct vcpu *v)
{
	(void)v;
}

void ept_invept(struct vcpu *v, unsigned type, uint64_t eptp)
{
	(void)type; (void)eptp;
	cpu_tlb_flush(v);
}

void ept_invvpid(struct vcpu *v, unsigned type, uint16_t vpid, uint64_t lin)
{
	(void)type; (void)vpid; (void)lin;
	cpu_tlb_flush(v);
}
