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

/* IA32_VMX_EPT_VPID_CAP bits (SDM appendix A.10) */
#define EPT_CAP_XONLY        (1ull << 0)    /* execute-only translations */
#define EPT_CAP_PWL4         (1ull << 6)    /* page-walk length 4 */
#define EPT_CAP_UC           (1ull << 8)    /* EPTP memory type UC */
#define EPT_CAP_WB           (1ull << 14)   /* EPTP memory type WB */
#define EPT_CAP_2M           (1ull << 16)
#define EPT_CAP_1G           (1ull << 17)
#define EPT_CAP_INVEPT       (1ull << 20)
#define EPT_CAP_AD           (1ull << 21)   /* accessed/dirty flags (EPTP bit 6) */
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL   (1ull << 26)
#define EPT_CAP_INVVPID      (1ull << 32)
#define EPT_CAP_INVVPID_ADDR (1ull << 40)   /* type 0: individual address */
#define EPT_CAP_INVVPID_SINGLE (1ull << 41) /* type 1 */
#define EPT_CAP_INVVPID_ALL  (1ull << 42)   /* type 2 */
#define EPT_CAP_INVVPID_SINGLE_NG (1ull << 43) /* type 3: single context, retaining globals */

/* Is eptp a valid EPT pointer for this implementation (SDM vol. 3, 27.2.1.1: memory
 * type UC or WB as advertised, page-walk length 4, bit 6 only with A/D support, bits
 * 11:7 and 63:MAXPHYADDR zero)? For VM entry and INVEPT's descriptor check. */
bool ept_eptp_valid(const struct vcpu *v, uint64_t eptp);

/* VM entry, after every check passed and guest state is loaded: from now on the
 * vCPU's guest-physical addresses go through the EPT rooted at eptp (ept_on) and
 * its linear translations are tagged with vpid (0 = VPID off: SDM 29.1, entries
 * and exits then flush as if VPID 0).
 * Call it (and ept_leave) once the new CR0/CR3/CR4/EFER are in place; load them by
 * assignment (cpu_set_cr* during the switch would flush the space being left). */
void ept_enter(struct vcpu *v, bool ept_on, uint64_t eptp, uint16_t vpid);
/* VM exit (or VMX abort): back to untranslated guest-physical = host-physical. */
void ept_leave(struct vcpu *v);

/* INVEPT (type 1 single-context, 2 all-context) and INVVPID (types 0-3), after the
 * VMX core checked the operands (SDM 31, INVEPT/INVVPID): flush what they name. */
void ept_invept(struct vcpu *v, unsigned type, uint64_t eptp);
void ept_invvpid(struct vcpu *v, unsigned type, uint16_t vpid, uint64_t lin);

/* EPT-induced VM exit reasons (SDM vol. 3, appendix C) */
#define EPT_EXIT_VIOLATION 48
#define EPT_EXIT_MISCONFIG 49

/* EPT-violation exit qualification (SDM vol. 3, 28.2.1, table 28-7) */
#define EPT_QUAL_READ      (1ull << 0)
#define EPT_QUAL_WRITE     (1ull << 1)
#define EPT_QUAL_EXEC      (1ull << 2)
#define EPT_QUAL_READABLE  (1ull << 3)      /* bits 5:3: AND of bits 2:0 over the walk */
#define EPT_QUAL_WRITABLE  (1ull << 4)
#define EPT_QUAL_EXECUTABLE (1ull << 5)
#define EPT_QUAL_GLA_VALID (1ull << 7)
#define EPT_QUAL_FINAL     (1ull << 8)      /* the translation of the linear address */
#define EPT_QUAL_NMI_UNBLOCK (1ull << 12)   /* NMI unblocking due to IRET */

/*
 * The walk (SDM vol. 3, 29.3.2), without VM exits: translate gpa for an access
 * described by SLAT_* flags (cpu/cpu.h) through the EPT rooted at eptp. Returns 0 and
 * *hpa, or EPT_EXIT_VIOLATION with *qual (bits 0-8; bit 12 is the VMX core's), or
 * EPT_EXIT_MISCONFIG (*qual = 0). Sets accessed/dirty flags when eptp[6] = 1 unless
 * SLAT_PEEK. trace (may be NULL) receives the entries read, for the monitor.
 */
struct ept_trace {
	unsigned n;                     /* entries read */
	uint64_t addr[4], entry[4];     /* host-physical address and value, PML4E first */
};
unsigned ept_translate(struct vcpu *v, uint64_t eptp, uint64_t gpa, unsigned flags,
		       uint64_t *hpa, uint64_t *qual, struct ept_trace *trace);

/* The EPTP in use when the vCPU runs in VMX non-root operation with EPT on, else the
 * current VMCS's when it enables EPT. Returns false otherwise (the monitor then needs
 * an EPTP from the user). */
bool ept_current_eptp(const struct vcpu *v, uint64_t *eptp);

/* Implemented by the VMX core: an EPT violation (reason 48) or misconfiguration
 * (reason 49) met during an access in VMX non-root operation. Records the exit
 * qualification, guest-linear address (valid per qual bit 7) and guest-physical
 * address, performs the VM exit and unwinds with cpu_loop_exit().
 * qual carries bits 0-8 from the walk; the VMX core ORs in bit 12 (NMI unblocking due
 * to IRET: the access belongs to an IRET that began with (virtual-)NMI blocking,
 * SDM vol. 3, 28.2.1), which only it can tell from its IRET/virtual-NMI state. ept.c
 * has a weak fallback that aborts (EPT cannot be on without the VMX core). */
_Noreturn void vmx_exit_ept(struct vcpu *v, unsigned reason, uint64_t qual, uint64_t gla,
			    uint64_t gpa);

#endif
