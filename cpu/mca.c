/*
 * cpu/mca.c - the machine-check architecture, minimal: IA32_MCG_CAP (CPU_MCA_BANKS
 * banks, MCG_CTL_P), IA32_MCG_STATUS, IA32_MCG_CTL and the banks' IA32_MCi_CTL/
 * STATUS/ADDR/MISC are kept and readable. Nothing raises #MC: elzero models no
 * hardware errors, so every STATUS stays 0 unless software writes it.
 *
 * Intel SDM vol. 3 (edition in docs/spec-versions.md), 15.3.1 (global registers),
 * 15.3.2 (error-reporting banks); AMD APM vol. 2, 9.3 (the same MSR numbers).
 */
#include "cpu/internal.h"

#define MSR_IA32_MCG_CAP    0x179
#define MSR_IA32_MCG_STATUS 0x17a
#define MSR_IA32_MCG_CTL    0x17b
#define MSR_IA32_MC0_CTL    0x400
#define MCG_CTL_P           (1ull << 8)
#define MCG_STATUS_BITS     0x7ull          /* RIPV, EIPV, MCIP (15.3.1.2) */

/* Returns 0 (done), -1 (#GP) or 1 (not an MCA MSR). */
int mca_msr(struct vcpu *v, uint32_t index, uint64_t *val, bool write)
{
	struct msr_state *m = &v->s.msr;
	uint64_t *slot;

	if (!cpu_has_feature(v, "mca"))
		return 1;
	switch (index) {
	case MSR_IA32_MCG_CAP:
		if (write)
			return -1;                      /* read-only */
		*val = CPU_MCA_BANKS | MCG_CTL_P;
		return 0;
	case MSR_IA32_MCG_STATUS:
		if (!write) {
			*val = m->mcg_status;
			return 0;
		}
		if (*val & ~MCG_STATUS_BITS)
			return -1;
		m->mcg_status = *val;
		return 0;
	case MSR_IA32_MCG_CTL:
		/* Present with MCG_CTL_P; all 1s enables, all 0s disables (15.3.1.3). */
		if (!write) {
			*val = m->mcg_ctl;
			return 0;
		}
		if (*val != 0 && *val != ~0ull)
			return -1;
		m->mcg_ctl = *val;
		return 0;
	}
	if (index < MSR_IA32_MC0_CTL || index >= MSR_IA32_MC0_CTL + 4 * CPU_MCA_BANKS)
		return 1;
	slot = &m->mc_bank[(index - MSR_IA32_MC0_CTL) / 4][(index - MSR_IA32_MC0_CTL) % 4];
	if (!write) {
		*val = *slot;
		return 0;
	}
	/* IA32_MCi_STATUS: only 0 may be written (15.3.2.2; no MCG_SER_P). */
	if ((index - MSR_IA32_MC0_CTL) % 4 == 1 && *val)
		return -1;
	*slot = *val;
	return 0;
}
