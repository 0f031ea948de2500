/*
 * cpu/internal.h - declarations shared by the files of cpu/ and nobody else.
 */
#ifndef ELZERO_CPU_INTERNAL_H
#define ELZERO_CPU_INTERNAL_H

#include "cpu/cpu.h"

/* Access description for a page walk: ACC_WRITE / ACC_EXEC in the low bits. */
#define MA_WRITE  ACC_WRITE
#define MA_EXEC   ACC_EXEC
#define MA_USER   0x04u         /* user-mode access (CPL 3, not implicit) */
#define MA_SMAP_AC 0x08u        /* supervisor data access that SMAP allows (EFLAGS.AC=1) */
#define MA_PEEK   0x10u         /* no accessed/dirty updates (debugger) */
#define MA_NOEXIT 0x20u         /* a probe: a failing second-level translation returns
				 * PFEC_SLAT instead of taking the VM exit */

struct walk_result {
	uint64_t paddr;             /* physical address of the byte */
	bool large;                 /* mapped by a 2M/4M/1G page */
};

/* cpu/paging.c: translate lin for access ma. Returns 0 and fills *res, or the #PF
 * error code | PFEC_FAULT. */
uint32_t paging_walk(struct vcpu *v, uint64_t lin, unsigned ma, struct walk_result *res);

/* cpu/mem.c: linear access at a given privilege (user: CPL 3; else supervisor with
 * SMAP as for AC = 0), no segmentation, no #AC. For frames pushed by event delivery. */
uint64_t mem_lin_ld(struct vcpu *v, uint64_t lin, unsigned size, bool user);
void mem_lin_st(struct vcpu *v, uint64_t lin, unsigned size, uint64_t val, bool user);

/* Physical-address width mask for page-table addresses: bits (M-1):12. */
static inline uint64_t paging_addr_mask(const struct vcpu *v)
{
	return ((1ull << v->phys_bits) - 1) & ~0xfffull;
}

/* Access class bits for the TLB tag of an explicit data access at the current CPL. */
static inline unsigned mem_explicit_ma(const struct vcpu *v)
{
	if (cpu_cpl(&v->s) == 3)
		return MA_USER;
	if ((v->s.cr4 & CR4_SMAP) && (v->s.rflags & RFLAGS_AC))
		return MA_SMAP_AC;
	return 0;
}

/* ---------------------------------------------------------------- CPU models */

/* Feature words: one CPUID register each (cpu/model.c names their bits). */
enum feat_word {
	FW_1_EDX, FW_1_ECX, FW_7_EBX, FW_7_ECX, FW_7_EDX, FW_X1_EDX, FW_X1_ECX,
	FW_D1_EAX, FW_6_EAX, FW_X7_EDX, FW_XA_EDX, FW_COUNT
};

/* A CPU model as data: what CPUID reports, and the MSR values that go with it. */
struct cpu_model {
	char name[32];
	const char *desc;
	enum cpu_vendor vendor;
	char vendor_id[13];
	uint32_t family, model, stepping;
	char brand[49];
	uint32_t level, xlevel;         /* highest basic / extended leaf */
	uint32_t feat[FW_COUNT];
	uint8_t phys_bits;
	/* caches: L1D, L1I, L2, L3 size in KiB and ways (line size 64) */
	uint32_t cache_kb[4], cache_ways[4];
	uint32_t svm_asids, svm_rev;    /* leaf 8000000AH when SVM is on */
	uint64_t arch_capabilities;     /* IA32_ARCH_CAPABILITIES when advertised */
	uint8_t pmu_version;            /* architectural PMU version (leaf 0AH), 0: none */
	/* vendor quirks */
	bool clamp_to_highest;          /* Intel: leaves above `level` answer as `level` */
};

/* cpu/mca.c: machine-check MSRs. 0 done, -1 #GP, 1 not one of them. */
int mca_msr(struct vcpu *v, uint32_t index, uint64_t *val, bool write);

/* cpu/pmu.c: performance-monitoring MSRs (0 done, -1 #GP, 1 not one of them), their
 * power-up state, CPUID leaf 0AH. */
int pmu_msr(struct vcpu *v, uint32_t index, uint64_t *val, bool write);
void pmu_reset(struct vcpu *v);
void pmu_cpuid(const struct vcpu *v, uint32_t *r);

/* cpu/msr.c: power-up values */
void msr_reset(struct vcpu *v);

/* cpu/model.c */
const struct cpu_model *cpu_model_default(void);
bool model_has(const struct cpu_model *m, enum feat_word w, unsigned bit);

#endif
