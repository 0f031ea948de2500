/*
 * cpu/cr.c - loading control registers with the architectural checks and side
 * effects: IA-32e activation, PDPTE loads, TLB flushes. Used by MOV CR / LMSW /
 * CLTS and by VM entry/exit in nested/.
 *
 * Intel SDM vol. 3 (edition in docs/spec-versions.md): 2.5 (control registers),
 * 4.1.1-4.1.3 (paging modes and their changes), 4.10.4.1 (flushes), 10.8.5
 * (IA-32e initialization); vol. 2, MOV (control registers).
 */
#include "cpu/internal.h"

#include <pthread.h>
#include <string.h>

/* CR0 bits that exist (2.5); the others read as 0 and writes of them are ignored. */
#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | \
		     CR0_AM | CR0_NW | CR0_CD | CR0_PG)

/* CR4 bits and the CPUID feature each needs; resolved to feature bits once, since
 * every VM entry checks CR4 twice (nested/). */
static const struct { uint64_t bit; const char *feat; } g_cr4_map[] = {
	{ CR4_VME, "vme" }, { CR4_PVI, "vme" }, { CR4_TSD, "tsc" }, { CR4_DE, "de" },
	{ CR4_PSE, "pse" }, { CR4_PAE, "pae" }, { CR4_MCE, "mce" }, { CR4_PGE, "pge" },
	{ CR4_OSFXSR, "fxsr" }, { CR4_OSXMMEXCPT, "sse" }, { CR4_UMIP, "umip" },
	{ CR4_LA57, "la57" }, { CR4_VMXE, "vmx" }, { CR4_SMXE, "smx" },
	{ CR4_FSGSBASE, "fsgsbase" }, { CR4_PCIDE, "pcid" }, { CR4_OSXSAVE, "xsave" },
	{ CR4_SMEP, "smep" }, { CR4_SMAP, "smap" }, { CR4_PKE, "pku" },
};
#define CR4_MAP_N (sizeof(g_cr4_map) / sizeof(g_cr4_map[0]))
static struct { enum feat_word word; unsigned bit; bool known; } g_cr4_feat[CR4_MAP_N];
static pthread_once_t g_cr4_once = PTHREAD_ONCE_INIT;

static void cr4_map_resolve(void)
{
	for (unsigned k = 0; k < CR4_MAP_N; k++)
		g_cr4_feat[k].known = model_feature_bit(g_cr4_map[k].feat, &g_cr4_feat[k].word,
							&g_cr4_feat[k].bit);
}

/* The last model's answer, per thread; checked against the model's feature words. */
static _Thread_local struct {
	const struct cpu_model *m;
	uint32_t feat[FW_COUNT];
	uint64_t ok;
} g_cr4_memo;

/* CR4 bits the model supports: anything else is reserved (#GP). */
uint64_t cpu_cr4_valid(const struct vcpu *v)
{
	const struct cpu_model *m = v->model ? v->model : cpu_model_default();
	uint64_t ok = CR4_PCE;

	if (g_cr4_memo.m == m && !memcmp(g_cr4_memo.feat, m->feat, sizeof(m->feat)))
		return g_cr4_memo.ok;
	pthread_once(&g_cr4_once, cr4_map_resolve);
	for (unsigned k = 0; k < CR4_MAP_N; k++)
		if (g_cr4_feat[k].known && model_has(m, g_cr4_feat[k].word, g_cr4_feat[k].bit))
			ok |= g_cr4_map[k].bit;
	g_cr4_memo.m = m;
	memcpy(g_cr4_memo.feat, m->feat, sizeof(m->feat));
	g_cr4_memo.ok = ok;
	return ok;
}

/* PAE paging outside IA-32e mode keeps PDPTE registers (4.4.1). */
static bool legacy_pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

int cpu_set_cr0(struct vcpu *v, uint64_t val)
{
	struct cpu_state *s = &v->s;
	uint64_t old = s->cr0, efer = s->efer;

	if (val >> 32)
		return -1;
	val = (val & CR0_DEFINED) | CR0_ET;     /* ET is hardwired to 1 (2.5) */
	if (((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)))
		return -1;
	if ((val & v->cr0_must1) != v->cr0_must1)     /* VMX operation (SDM vol. 3, 24.8) */
		return -1;
	if (!(old & CR0_PG) && (val & CR0_PG) && (efer & EFER_LME)) {
		/* 10.8.5: IA-32e activation needs CR4.PAE and must not run from a
		 * 64-bit code segment. */
		if (!(s->cr4 & CR4_PAE) || (s->seg[SEG_CS].attr & SEGA_L))
			return -1;
		efer |= EFER_LMA;
	}
	if ((old & CR0_PG) && !(val & CR0_PG)) {
		/* Leaving paging from 64-bit mode, or with PCIDE set, faults (MOV CR). */
		if (cpu_64bit_mode(s) || (s->cr4 & CR4_PCIDE))
			return -1;
		efer &= ~EFER_LMA;
	}
	if (legacy_pae_paging(val, s->cr4, efer) && !legacy_pae_paging(old, s->cr4, s->efer)) {
		uint64_t save = s->cr0;

		s->cr0 = val;
		if (!cpu_load_pdptes(v)) {
			s->cr0 = save;
			return -1;
		}
	}
	s->cr0 = val;
	s->efer = efer;
	if ((old ^ val) & (CR0_PG | CR0_PE | CR0_WP | CR0_CD))
		cpu_tlb_flush_current(v);
	return 0;
}

/*
 * With CR4.PCIDE the TLB space follows CR3[11:0] (SDM vol. 3, 4.10.1): the current
 * key's PCID changes, entries of other PCIDs stay tagged with theirs.
 */
static void pcid_switch(struct vcpu *v)
{
	struct tlb_space_key k = *cpu_tlb_key(v);

	k.pcid = (v->s.cr4 & CR4_PCIDE) ? (uint16_t)(v->s.cr3 & 0xfff) : 0;
	if (k.pcid != cpu_tlb_key(v)->pcid)
		cpu_tlb_set_space(v, &k);
}

int cpu_set_cr3(struct vcpu *v, uint64_t val)
{
	struct cpu_state *s = &v->s;
	uint64_t old = s->cr3;
	bool noflush = false;

	if (cpu_long_mode(s)) {
		/* Bit 63 with PCIDE: do not flush this PCID; it is not stored. */
		if (s->cr4 & CR4_PCIDE) {
			noflush = val >> 63;
			val &= ~(1ull << 63);
		}
		if (val & ~((1ull << v->phys_bits) - 1))
			return -1;
	} else {
		val = (uint32_t)val;
	}
	s->cr3 = val;
	if (legacy_pae_paging(s->cr0, s->cr4, s->efer) && !cpu_load_pdptes(v)) {
		s->cr3 = old;
		return -1;
	}
	if (!(s->cr4 & CR4_PCIDE)) {
		cpu_tlb_flush_current(v);
		return 0;
	}
	/* SDM vol. 3, 4.10.4.1: MOV to CR3 with PCIDE invalidates the new PCID's
	 * non-global mappings unless bit 63 was set (its globals go too: more than
	 * required, which is allowed); other PCIDs keep theirs. */
	pcid_switch(v);
	if (!noflush)
		cpu_tlb_flush_spaces(v, 1ull << v->tlb_cur);
	return 0;
}

int cpu_set_cr4(struct vcpu *v, uint64_t val)
{
	struct cpu_state *s = &v->s;
	uint64_t old = s->cr4;

	if ((val & ~cpu_cr4_valid(v)) || (val & v->cr4_must1) != v->cr4_must1)
		return -1;
	if (cpu_long_mode(s) && (!(val & CR4_PAE) || ((val ^ old) & CR4_LA57)))
		return -1;
	/* PCIDE can be set only in IA-32e mode with CR3[11:0] = 0 (MOV CR). */
	if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (!cpu_long_mode(s) || (s->cr3 & 0xfff)))
		return -1;
	if (legacy_pae_paging(s->cr0, val, s->efer) &&
	    ((val ^ old) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP | CR4_SMAP))) {
		s->cr4 = val;
		if (!cpu_load_pdptes(v)) {
			s->cr4 = old;
			return -1;
		}
	}
	s->cr4 = val;
	if ((old ^ val) & CR4_PCIDE)
		pcid_switch(v);
	if ((old ^ val) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_PCIDE | CR4_SMEP | CR4_SMAP |
			   CR4_PKE | CR4_LA57))
		cpu_tlb_flush_current(v);
	return 0;
}

int cpu_set_cr8(struct vcpu *v, uint64_t val)
{
	if (val & ~0xfull)
		return -1;
	v->s.cr8 = val;
	return 0;
}
