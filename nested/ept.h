/*
 * nested/ept.h - EPT and VPID: the contract between the VMX core (nested/vmx*.c:
 * VMCS, VM entry, VM exit, INVEPT/INVVPID decoding and checks) and the second-level
 * translation (nested/ept.c plus its hook into cpu/ paging and the soft TLB).
 *
 * SDM vol. 3, chapter 29 (EPT, VPID) in the edition pinned in docs/spec-versions.md.
 */
#ifndef ELZERO_NESTED_EPT_H
#define ELZERO_NESTED_EPT_H

#include <stdint.h>
#include <stdbool.h>

#include "cpu/cpu.h"

/* IA32_VMX_EPT_VPID_CAP (SDM appendix A.10) as far as ept.c implements it; the VMX
 * core advertises exactly this value and allows "enable EPT" / "enable VPID" only
 * when the matching bits say so. 0 = neither EPT nor VPID. */
uint64_t ept_vpid_cap(void);

/* VM entry, after every check passed and guest state is loaded: from now on the
 * vCPU's guest-physical addresses go through the EPT rooted at eptp (ept_on) and
 * its linear translations are tagged with vpid (0 = VPID off: SDM 29.1, entries
 * and exits then flush as if VPID 0). */
void ept_enter(struct vcpu *v, bool ept_on, uint64_t eptp, uint16_t vpid);
/* VM exit (or VMX abort): back to untranslated guest-physical = host-physical. */
void ept_leave(struct vcpu *v);

/* INVEPT (type 1 single-context, 2 all-context) and INVVPID (types 0-3), after the
 * VMX core checked the operands (SDM 31, INVEPT/INVVPID): flush what they name. */
void ept_invept(struct vcpu *v, unsigned type, uint64_t eptp);
void ept_invvpid(struct vcpu *v, unsigned type, uint16_t vpid, uint64_t lin);

/* Implemented by the VMX core: an EPT violation (reason 48) or misconfiguration
 * (reason 49) met during an access in VMX non-root operation. Records the exit
 * qualification, guest-linear address (valid per qual bit 7) and guest-physical
 * address, performs the VM exit and unwinds with cpu_loop_exit(). */
_Noreturn void vmx_exit_ept(struct vcpu *v, unsigned reason, uint64_t qual, uint64_t gla,
			    uint64_t gpa);

#endif
