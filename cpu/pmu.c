/*
 * cpu/pmu.c - Intel architectural performance monitoring, version 2 (SDM vol. 3,
 * 20.2.1 "Architectural Performance Monitoring Version 1", 20.2.2 "... Version 2";
 * MSRs in vol. 4, table 2-2; RDPMC in vol. 2; edition in docs/spec-versions.md).
 *
 * Four general-purpose counters (IA32_PMC0-3 with IA32_PERFEVTSEL0-3) and three fixed
 * counters (IA32_FIXED_CTR0-2: instructions retired, unhalted core cycles, unhalted
 * reference cycles), all 48 bits wide, under IA32_PERF_GLOBAL_CTRL/STATUS/OVF_CTRL.
 *
 * Counting is deterministic and exact. The events elzero counts are the three whose
 * rate it knows exactly, and leaf 0AH advertises only those:
 *   - instructions retired (fixed 0; event C0H umask 00H): v->icount, the emulator's
 *     count. A REP string instruction counts once per batch of up to 4096 iterations
 *     (translate/ops/string.c restarts it), so long repeated strings count more than once.
 *   - unhalted core cycles (fixed 1; event 3CH umask 00H) and unhalted reference cycles
 *     (fixed 2; event 3CH umask 01H): the TSC advances one tick per retired instruction
 *     (cpu_tsc) and HLT time adds to the TSC only, so each unhalted cycle is one retired
 *     instruction: both count exactly what instructions retired counts.
 * Every other event (branches, cache events, model-specific ones) counts nothing, and
 * leaf 0AH EBX says the architectural ones are unavailable.
 *
 * Counts are computed lazily: the counters in struct msr_state hold their value as of
 * v->pmu.icount; the instructions retired since then all ran in one CPL class (0, or
 * 1-3), which says which counters they go to (the USR/OS filters). cpu_pmu_update folds
 * them in at MSR accesses, RDPMC, and at the run loop's boundaries where the CPL class
 * changed (only while some counter's USR/OS filter makes that matter: v->pmu.split) or
 * the first overflow is due (the run loop ends blocks at v->pmu.deadline).
 * An instruction counts at the CPL it started at; a WRMSR that enables counting counts
 * itself, one that disables it does not; RDPMC/RDMSR read what retired before them.
 *
 * CMASK/INV/E: one event per cycle at most (one instruction per cycle), so CMASK = 1
 * counts every cycle, CMASK > 1 none; INV inverts that comparison; E (edge) with a
 * CMASK counts transitions of it, of which a running vCPU has none. PC (pin control)
 * has no pins to drive. Freeze-on-PMI and IA32_PERF_CAPABILITIES are not advertised
 * (CPUID.1:ECX.PDCM = 0, DEBUGCTL bit 12 stays reserved).
 *
 * The last-branch-record stack of the family-6 models (SDM vol. 3, chapter 19 "Last
 * Branch Records", the Skylake section: 32 entries of FROM_IP/TO_IP/LBR_INFO, TOS
 * 0-31; vol. 4, the MSR tables of those models) goes with the PMU:
 * Linux's perf driver knows these models have it and resets it at boot. Its MSRs are
 * registers that keep what is written; branches are not recorded into them
 * (IA32_DEBUGCTL.LBR is accepted and logged as unimplemented by cpu/msr.c).
 */
#include "cpu/internal.h"

#define MSR_IA32_PMC0             0xc1
#define MSR_IA32_PERFEVTSEL0      0x186
#define MSR_IA32_FIXED_CTR0       0x309
#define MSR_IA32_FIXED_CTR_CTRL   0x38d
#define MSR_IA32_PERF_GLOBAL_STATUS   0x38e
#define MSR_IA32_PERF_GLOBAL_CTRL     0x38f
#define MSR_IA32_PERF_GLOBAL_OVF_CTRL 0x390

#define MSR_LBR_SELECT            0x1c8
#define MSR_LBR_TOS               0x1c9
#define MSR_LBR_FROM0             0x680
#define MSR_LBR_TO0               0x6c0
#define MSR_LBR_INFO0             0xdc0

#define PMU_VERSION 2
#define PMU_WIDTH   48
#define PMU_MASK    ((1ull << PMU_WIDTH) - 1)

/* IA32_PERFEVTSELx (SDM vol. 3, 20.2.1.1, figure 20-1) */
#define EVTSEL_USR   (1ull << 16)
#define EVTSEL_OS    (1ull << 17)
#define EVTSEL_E     (1ull << 18)
#define EVTSEL_INT   (1ull << 20)
#define EVTSEL_EN    (1ull << 22)
#define EVTSEL_INV   (1ull << 23)
/* Writable: event select, umask, USR, OS, E, PC, INT, EN, INV, CMASK. Bit 21
 * (AnyThread) is version 3's; bits 63:32 are reserved. */
#define EVTSEL_VALID 0xffdfffffull

/* IA32_FIXED_CTR_CTRL: 4 bits per counter, EN (1:0: OS, USR) and PMI (3); bit 2 is
 * AnyThread, version 3 (SDM vol. 3, 20.2.2, figure 20-2). */
#define FIXED_CTRL_VALID 0xbbbull

/* IA32_PERF_GLOBAL_CTRL/STATUS/OVF_CTRL bits: PMCs 3:0, fixed 34:32 (20.2.2, figure
 * 20-3); STATUS/OVF_CTRL also have OvfBuffer (62) and CondChgd (63). */
#define GLOBAL_GP      ((1ull << CPU_PMU_GP) - 1)
#define GLOBAL_FIXED   (((1ull << CPU_PMU_FIXED) - 1) << 32)
#define GLOBAL_VALID   (GLOBAL_GP | GLOBAL_FIXED)
#define OVF_CTRL_VALID (GLOBAL_VALID | (3ull << 62))

#define NCOUNTERS (CPU_PMU_GP + CPU_PMU_FIXED)

bool cpu_pmu_present(const struct vcpu *v)
{
	const struct cpu_model *m = v->model ? v->model : cpu_model_default();

	return m->pmu_version && m->vendor == VENDOR_INTEL;
}

/* Counter k: 0-3 the PMCs, 4-6 the fixed counters. Its IA32_PERF_GLOBAL_* bit. */
static uint64_t global_bit(unsigned k)
{
	return k < CPU_PMU_GP ? 1ull << k : 1ull << (32 + k - CPU_PMU_GP);
}

static uint64_t *counter(struct vcpu *v, unsigned k)
{
	return k < CPU_PMU_GP ? &v->s.msr.pmc[k] : &v->s.msr.fixed_ctr[k - CPU_PMU_GP];
}

/* The events of a PERFEVTSEL that elzero counts (SDM vol. 3, 20.2.1.2, table 20-1). */
static bool event_known(uint64_t sel)
{
	unsigned ev = sel & 0xff, umask = (sel >> 8) & 0xff;

	return (ev == 0xc0 && umask == 0) || (ev == 0x3c && umask <= 1);
}

/* Does counter k count instructions retired at CPL 0 (user false) or 1-3 (user true)?
 * All counted events advance by one per retired instruction. */
static bool counts(const struct vcpu *v, unsigned k, bool user)
{
	const struct msr_state *m = &v->s.msr;

	if (!(m->perf_global_ctrl & global_bit(k)))
		return false;
	if (k >= CPU_PMU_GP) {
		unsigned en = (m->fixed_ctr_ctrl >> (4 * (k - CPU_PMU_GP))) & 3;

		return en & (user ? 2 : 1);
	}
	uint64_t sel = m->perfevtsel[k];
	unsigned cmask = (unsigned)(sel >> 24) & 0xff;

	if (!(sel & EVTSEL_EN) || !(sel & (user ? EVTSEL_USR : EVTSEL_OS)) || !event_known(sel))
		return false;
	if (cmask)      /* one event per cycle: "count >= CMASK" holds iff CMASK = 1 */
		return !(sel & EVTSEL_E) && ((cmask == 1) != !!(sel & EVTSEL_INV));
	return true;
}

static bool wants_pmi(const struct vcpu *v, unsigned k)
{
	if (k < CPU_PMU_GP)
		return v->s.msr.perfevtsel[k] & EVTSEL_INT;
	return (v->s.msr.fixed_ctr_ctrl >> (4 * (k - CPU_PMU_GP))) & 8;
}

/* Add the instructions retired since the last fold to the counters that count at the
 * CPL they ran at; an overflow sets its status bit and, with INT/PMI, signals a PMI
 * through the local APIC (SDM vol. 3, 20.2.1.1 INT flag, 20.2.2). */
static void fold(struct vcpu *v)
{
	uint64_t now = cpu_icount(v), delta = now > v->pmu.icount ? now - v->pmu.icount : 0;
	bool pmi = false;

	v->pmu.icount = now;
	if (!delta)
		return;
	for (unsigned k = 0; k < NCOUNTERS; k++) {
		uint64_t *c = counter(v, k);

		if (!counts(v, k, v->pmu.user))
			continue;
		if (delta > PMU_MASK - *c) {    /* wrapped past 2^48 - 1 */
			v->s.msr.perf_global_status |= global_bit(k);
			pmi |= wants_pmi(v, k);
		}
		*c = (*c + delta) & PMU_MASK;
	}
	if (pmi && v->pmi_hook)
		v->pmi_hook(v, v->pmi_opaque);
}

/* After a fold: the CPL class from now on, whether the run loop must watch, and the
 * icount at which the first counter counting at this CPL overflows. */
static void rearm(struct vcpu *v)
{
	bool user = cpu_cpl(&v->s) != 0, watch = false, split = false;
	uint64_t deadline = ~0ull;

	for (unsigned k = 0; k < NCOUNTERS; k++) {
		bool here = counts(v, k, user), there = counts(v, k, !user);
		uint64_t left;

		watch |= here || there;
		split |= here != there;
		if (!here)
			continue;
		left = (PMU_MASK - *counter(v, k)) + 1;
		if (v->pmu.icount + left < deadline)
			deadline = v->pmu.icount + left;
	}
	v->pmu.user = user;
	v->pmu.watch = watch;
	v->pmu.split = split;
	v->pmu.deadline = deadline;
}

void cpu_pmu_update(struct vcpu *v)
{
	fold(v);
	rearm(v);
}

/* Power-up state: counters and controls 0, IA32_PERF_GLOBAL_CTRL with every PMC
 * enabled ("sets bits n-1:0 and clears the upper bits", vol. 4 table 2-2). */
void pmu_reset(struct vcpu *v)
{
	struct msr_state *m = &v->s.msr;

	for (unsigned k = 0; k < CPU_PMU_GP; k++)
		m->pmc[k] = m->perfevtsel[k] = 0;
	for (unsigned k = 0; k < CPU_PMU_FIXED; k++)
		m->fixed_ctr[k] = 0;
	m->fixed_ctr_ctrl = 0;
	m->perf_global_status = 0;
	m->perf_global_ctrl = GLOBAL_GP;
	for (unsigned k = 0; k < CPU_LBR_ENTRIES; k++)
		m->lbr[0][k] = m->lbr[1][k] = m->lbr[2][k] = 0;
	m->lbr_tos = m->lbr_select = 0;
	v->pmu.icount = cpu_icount(v);
	rearm(v);
}

/* CPUID leaf 0AH (SDM vol. 2, CPUID, table 3-8; vol. 3, 20.2.1.1, 20.2.2): version,
 * PMC count and width, EBX vector length 7 with events 0-2 available (a set bit means
 * unavailable), fixed counters and their width. */
void pmu_cpuid(const struct vcpu *v, uint32_t *r)
{
	if (!cpu_pmu_present(v))
		return;
	r[0] = PMU_VERSION | CPU_PMU_GP << 8 | PMU_WIDTH << 16 | 7u << 24;
	r[1] = 0x7f & ~7u;
	r[3] = CPU_PMU_FIXED | PMU_WIDTH << 5;
}

/* A 32-bit write to IA32_PMCx (no full-width writes: IA32_PERF_CAPABILITIES is not
 * advertised): bits 31:0 are written and sign-extended to the counter's width
 * (SDM vol. 3, 20.2.6 "Full-Width Writes to Performance Counter Registers"). */
static uint64_t pmc_value(uint64_t val)
{
	return (uint64_t)(int64_t)(int32_t)val & PMU_MASK;
}

static int pmu_write(struct vcpu *v, uint32_t index, uint64_t val)
{
	struct msr_state *m = &v->s.msr;

	if (index >= MSR_IA32_PMC0 && index < MSR_IA32_PMC0 + CPU_PMU_GP) {
		m->pmc[index - MSR_IA32_PMC0] = pmc_value(val);
	} else if (index >= MSR_IA32_PERFEVTSEL0 && index < MSR_IA32_PERFEVTSEL0 + CPU_PMU_GP) {
		if (val & ~EVTSEL_VALID)
			return -1;
		if ((val & EVTSEL_EN) && !event_known(val))
			cpu_log_unimp("performance event (counts nothing)", val & 0xffff, NULL);
		m->perfevtsel[index - MSR_IA32_PERFEVTSEL0] = val;
	} else if (index >= MSR_IA32_FIXED_CTR0 && index < MSR_IA32_FIXED_CTR0 + CPU_PMU_FIXED) {
		/* bits beyond the width are reserved (20.2.2) */
		if (val & ~PMU_MASK)
			return -1;
		m->fixed_ctr[index - MSR_IA32_FIXED_CTR0] = val;
	} else if (index == MSR_IA32_FIXED_CTR_CTRL) {
		if (val & ~FIXED_CTRL_VALID)
			return -1;
		m->fixed_ctr_ctrl = val;
	} else if (index == MSR_IA32_PERF_GLOBAL_CTRL) {
		if (val & ~GLOBAL_VALID)
			return -1;
		m->perf_global_ctrl = val;
	} else if (index == MSR_IA32_PERF_GLOBAL_OVF_CTRL) {
		if (val & ~OVF_CTRL_VALID)
			return -1;
		m->perf_global_status &= ~val;
	} else {
		return -1;      /* IA32_PERF_GLOBAL_STATUS is read-only */
	}
	return 0;
}

static bool pmu_index(uint32_t index)
{
	return (index >= MSR_IA32_PMC0 && index < MSR_IA32_PMC0 + CPU_PMU_GP) ||
	       (index >= MSR_IA32_PERFEVTSEL0 && index < MSR_IA32_PERFEVTSEL0 + CPU_PMU_GP) ||
	       (index >= MSR_IA32_FIXED_CTR0 && index < MSR_IA32_FIXED_CTR0 + CPU_PMU_FIXED) ||
	       (index >= MSR_IA32_FIXED_CTR_CTRL && index <= MSR_IA32_PERF_GLOBAL_OVF_CTRL);
}

/* The LBR stack registers: *slot and its writable bits, or NULL if index is not one. */
static uint64_t *lbr_slot(struct vcpu *v, uint32_t index, uint64_t *valid)
{
	static const uint32_t base[3] = { MSR_LBR_FROM0, MSR_LBR_TO0, MSR_LBR_INFO0 };

	*valid = ~0ull;
	for (unsigned k = 0; k < 3; k++)
		if (index >= base[k] && index < base[k] + CPU_LBR_ENTRIES)
			return &v->s.msr.lbr[k][index - base[k]];
	if (index == MSR_LBR_TOS) {
		*valid = CPU_LBR_ENTRIES - 1;
		return &v->s.msr.lbr_tos;
	}
	if (index == MSR_LBR_SELECT) {
		*valid = 0x3ff;         /* CPL_EQ_0 ... EN_CALLSTACK (chapter 19, LBR filtering) */
		return &v->s.msr.lbr_select;
	}
	return NULL;
}

static int lbr_msr(struct vcpu *v, uint32_t index, uint64_t *val, bool write)
{
	uint64_t valid, *slot = lbr_slot(v, index, &valid);
	const struct cpu_model *m = v->model ? v->model : cpu_model_default();

	if (!slot || m->family != 6)
		return 1;
	if (!cpu_pmu_present(v))
		return -1;
	if (!write) {
		*val = *slot;
		return 0;
	}
	if (*val & ~valid)
		return -1;
	*slot = *val;
	return 0;
}

int pmu_msr(struct vcpu *v, uint32_t index, uint64_t *val, bool write)
{
	const struct msr_state *m = &v->s.msr;

	if (v->vendor != VENDOR_INTEL)
		return 1;
	if (!pmu_index(index))
		return lbr_msr(v, index, val, write);
	if (!cpu_pmu_present(v))
		return -1;
	fold(v);
	if (write) {
		int r = pmu_write(v, index, *val);

		rearm(v);
		return r;
	}
	if (index >= MSR_IA32_PMC0 && index < MSR_IA32_PMC0 + CPU_PMU_GP)
		*val = m->pmc[index - MSR_IA32_PMC0];
	else if (index >= MSR_IA32_PERFEVTSEL0 && index < MSR_IA32_PERFEVTSEL0 + CPU_PMU_GP)
		*val = m->perfevtsel[index - MSR_IA32_PERFEVTSEL0];
	else if (index >= MSR_IA32_FIXED_CTR0 && index < MSR_IA32_FIXED_CTR0 + CPU_PMU_FIXED)
		*val = m->fixed_ctr[index - MSR_IA32_FIXED_CTR0];
	else if (index == MSR_IA32_FIXED_CTR_CTRL)
		*val = m->fixed_ctr_ctrl;
	else if (index == MSR_IA32_PERF_GLOBAL_STATUS)
		*val = m->perf_global_status;
	else if (index == MSR_IA32_PERF_GLOBAL_CTRL)
		*val = m->perf_global_ctrl;
	else
		*val = 0;       /* IA32_PERF_GLOBAL_OVF_CTRL reads as 0 */
	rearm(v);
	return 0;
}

uint64_t cpu_pmu_global_ctrl_valid(const struct vcpu *v)
{
	return cpu_pmu_present(v) ? GLOBAL_VALID : 0;
}

void cpu_pmu_set_global_ctrl(struct vcpu *v, uint64_t val)
{
	fold(v);
	v->s.msr.perf_global_ctrl = val & cpu_pmu_global_ctrl_valid(v);
	rearm(v);
}

/* RDPMC (SDM vol. 2, RDPMC; vol. 3, 20.2.2): ECX[30] selects the fixed counters,
 * ECX[29:0] the counter; anything else is invalid (#GP). The full 48-bit value. */
int cpu_rdpmc(struct vcpu *v, uint32_t ecx, uint64_t *val)
{
	bool fixed = ecx & (1u << 30);
	uint32_t idx = ecx & ~(1u << 30);

	if (!cpu_pmu_present(v) || idx >= (fixed ? CPU_PMU_FIXED : CPU_PMU_GP))
		return -1;
	fold(v);
	rearm(v);
	*val = fixed ? v->s.msr.fixed_ctr[idx] : v->s.msr.pmc[idx];
	return 0;
}
