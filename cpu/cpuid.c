/*
 * cpu/cpuid.c - CPUID leaves computed from a CPU model (cpu/model.c) and the few
 * bits that follow the vCPU's state (OSXSAVE, OSPKE, APIC, APIC ID).
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), CPUID; vol. 1, 13.2 (leaf
 * 0DH). AMD APM vol. 3, appendix E (extended leaves, 8000000AH).
 */
#include "cpu/internal.h"

#include <string.h>

/* Leaf 1 EAX / 80000001H EAX: stepping, model, family with the extended fields. */
static uint32_t signature(const struct cpu_model *m)
{
	uint32_t fam = m->family < 0xf ? m->family : 0xf;
	uint32_t xfam = m->family < 0xf ? 0 : m->family - 0xf;

	return (m->stepping & 0xf) | ((m->model & 0xf) << 4) | (fam << 8) |
	       (((m->model >> 4) & 0xf) << 16) | ((xfam & 0xff) << 20);
}

uint32_t cpu_model_signature(const struct cpu_model *m)
{
	return signature(m ? m : cpu_model_default());
}

static void put_str(uint32_t *regs, const char *s, size_t n)
{
	char buf[16] = { 0 };

	memcpy(buf, s, strnlen(s, n));
	memcpy(regs, buf, n);
}

/* The -smp topology of the vCPU: threads per core, logical processors per package
 * (both powers of two, so the APIC ID = index splits into bit fields), and log2. */
static unsigned topo_threads(const struct vcpu *v) { return v->topo_threads ? v->topo_threads : 1; }
static unsigned topo_per_pkg(const struct vcpu *v)
{
	return topo_threads(v) * (v->topo_cores ? v->topo_cores : 1);
}
static unsigned ilog2(unsigned n) { return n > 1 ? 31 - (unsigned)__builtin_clz(n) : 0; }

/* Leaf 04H: deterministic cache parameters, subleaf i = L1D, L1I, L2, L3. EAX[25:14]:
 * logical processors sharing the cache - 1 (L1, L2: the core's threads; L3: the
 * package), EAX[31:26]: cores in the package - 1. */
static void leaf_4(const struct vcpu *v, const struct cpu_model *m, uint32_t sub, uint32_t *r)
{
	static const uint8_t type[4] = { 1, 2, 3, 3 }, level[4] = { 1, 1, 2, 3 };
	uint32_t ways, sets;

	if (sub >= 4 || !m->cache_kb[sub])
		return;
	ways = m->cache_ways[sub];
	sets = m->cache_kb[sub] * 1024 / (ways * 64);
	r[0] = type[sub] | (level[sub] << 5) | (1u << 8) |
	       ((sub == 3 ? topo_per_pkg(v) : topo_threads(v)) - 1) << 14 |
	       (topo_per_pkg(v) / topo_threads(v) - 1) << 26;
	r[1] = 63 | ((ways - 1) << 22);
	r[2] = sets - 1;
	r[3] = sub == 3 ? 2 : 0;        /* L3 inclusive */
}

/* Leaf 0BH (and 1FH): x2APIC topology (SDM vol. 3, 10.9.2; vol. 2 CPUID). Subleaf 0
 * is the SMT level, 1 the core level: EAX = bits to shift the x2APIC ID right to get
 * the next level's ID, EBX = logical processors at this level. */
static void leaf_b(const struct vcpu *v, uint32_t sub, uint32_t *r)
{
	r[3] = (uint32_t)v->index;
	r[2] = sub & 0xff;
	if (sub < 2) {
		unsigned n = sub == 0 ? topo_threads(v) : topo_per_pkg(v);

		r[0] = ilog2(n);
		r[1] = n;
		r[2] |= (sub + 1) << 8;         /* 1 = SMT, 2 = core */
	}
}

/* Leaf 0DH: XSAVE with x87 (bit 0) and SSE (bit 1) state only; 512-byte legacy area
 * plus the 64-byte header (SDM vol. 1, 13.2, 13.4). */
static void leaf_d(const struct vcpu *v, const struct cpu_model *m, uint32_t sub, uint32_t *r)
{
	if (!model_has(m, FW_1_ECX, 26))
		return;
	if (sub == 0) {
		r[0] = 3;
		r[1] = 576;             /* for the XCR0 bits set now: x87/SSE share the area */
		r[2] = 576;
		r[3] = 0;
	} else if (sub == 1) {
		/* EBX: the size of the XSAVE area for XCR0 | IA32_XSS in the compacted form,
		 * whatever XSAVES says (SDM vol. 2, CPUID, leaf 0DH sub-leaf 1): Linux sizes
		 * its XSAVEC buffers from it. Legacy area + header: XSS is 0, XCR0 <= 3. */
		r[0] = m->feat[FW_D1_EAX];
		r[1] = 576;
	}
}

/* 80000005H/80000006H: AMD L1 and L2/L3 descriptors (APM vol. 3, E.4.4-E.4.5). */
static uint32_t amd_assoc(uint32_t ways)
{
	switch (ways) {
	case 1: return 1;
	case 2: return 2;
	case 4: return 4;
	case 8: return 6;
	case 16: return 8;
	default: return 0xf;
	}
}

static void leaf_x5_x6(const struct cpu_model *m, uint32_t leaf, uint32_t *r)
{
	if (leaf == 0x80000005) {
		if (m->vendor != VENDOR_AMD)
			return;
		r[0] = 0xff40ff40;      /* 2M/4M TLBs: fully associative, 64 entries */
		r[1] = 0xff40ff40;      /* 4K TLBs */
		r[2] = (m->cache_kb[0] << 24) | (m->cache_ways[0] << 16) | (1 << 8) | 64;
		r[3] = (m->cache_kb[1] << 24) | (m->cache_ways[1] << 16) | (1 << 8) | 64;
		return;
	}
	r[2] = (m->cache_kb[2] << 16) | (amd_assoc(m->cache_ways[2]) << 12) | (1 << 8) | 64;
	if (m->vendor == VENDOR_AMD && m->cache_kb[3])
		r[3] = ((m->cache_kb[3] / 512) << 18) | (amd_assoc(m->cache_ways[3]) << 12) |
		       (1 << 8) | 64;
}

static void basic_leaf(const struct vcpu *v, const struct cpu_model *m, uint32_t leaf,
		       uint32_t sub, uint32_t *r)
{
	const struct cpu_state *s = &v->s;

	switch (leaf) {
	case 0:
		r[0] = m->level;
		put_str(&r[1], m->vendor_id, 4);
		put_str(&r[3], m->vendor_id + 4, 4);
		put_str(&r[2], m->vendor_id + 8, 4);
		break;
	case 1:
		r[0] = signature(m);
		/* CLFLUSH line 8 x 8 bytes, logical processors per package, initial APIC ID */
		r[1] = (8u << 8) | (topo_per_pkg(v) << 16) | ((uint32_t)v->index << 24);
		r[2] = m->feat[FW_1_ECX];
		if (s->cr4 & CR4_OSXSAVE)
			r[2] |= 1u << 27;
		r[3] = m->feat[FW_1_EDX];
		if (topo_per_pkg(v) > 1)
			r[3] |= 1u << 28;       /* HTT: EBX[23:16] is valid */
		/* IA32_APIC_BASE[11] = 0 hides the APIC (SDM vol. 3, 11.4.3) */
		if (!(s->msr.apic_base & (1u << 11)))
			r[3] &= ~(1u << 9);
		break;
	case 2:
		if (m->vendor == VENDOR_INTEL)
			r[0] = 0x0000ff01;      /* descriptor FFH: see leaf 04H */
		break;
	case 4:
		if (m->vendor == VENDOR_INTEL)
			leaf_4(v, m, sub, r);
		break;
	case 6:
		r[0] = m->feat[FW_6_EAX];
		break;
	case 7:
		if (sub == 0) {
			r[1] = m->feat[FW_7_EBX];
			r[2] = m->feat[FW_7_ECX];
			if (s->cr4 & CR4_PKE)
				r[2] |= 1u << 4;        /* OSPKE */
			r[3] = m->feat[FW_7_EDX];
		}
		break;
	case 0xa:
		pmu_cpuid(v, r);
		break;
	case 0xb:
	case 0x1f:
		if (m->vendor == VENDOR_INTEL)
			leaf_b(v, sub, r);
		break;
	case 0xd:
		leaf_d(v, m, sub, r);
		break;
	default:
		break;
	}
}

static void ext_leaf(const struct vcpu *v, const struct cpu_model *m, uint32_t leaf, uint32_t *r)
{
	switch (leaf) {
	case 0x80000000:
		r[0] = m->xlevel;
		if (m->vendor == VENDOR_AMD) {
			put_str(&r[1], m->vendor_id, 4);
			put_str(&r[3], m->vendor_id + 4, 4);
			put_str(&r[2], m->vendor_id + 8, 4);
		}
		break;
	case 0x80000001:
		if (m->vendor == VENDOR_AMD)
			r[0] = signature(m);
		r[2] = m->feat[FW_X1_ECX];
		r[3] = m->feat[FW_X1_EDX];
		break;
	case 0x80000002: case 0x80000003: case 0x80000004: {
		char brand[48] = { 0 };

		memcpy(brand, m->brand, strnlen(m->brand, sizeof(brand)));
		memcpy(r, brand + 16 * (leaf - 0x80000002), 16);
		break;
	}
	case 0x80000005: case 0x80000006:
		leaf_x5_x6(m, leaf, r);
		break;
	case 0x80000007:
		r[3] = m->feat[FW_X7_EDX];
		break;
	case 0x80000008:
		r[0] = m->phys_bits | ((model_has(m, FW_7_ECX, 16) ? 57u : 48u) << 8);
		/* NC: logical processors in the package - 1; ApicIdSize (APM vol. 3, E.4.7) */
		if (m->vendor == VENDOR_AMD)
			r[2] = (topo_per_pkg(v) - 1) | ilog2(topo_per_pkg(v)) << 12;
		break;
	case 0x8000001e:        /* extended APIC ID, core ID, threads per core - 1 */
		if (m->vendor == VENDOR_AMD) {
			r[0] = (uint32_t)v->index;
			r[1] = ((uint32_t)v->index >> ilog2(topo_threads(v)) & 0xff) |
			       (topo_threads(v) - 1) << 8;
		}
		break;
	case 0x8000000a:
		if (model_has(m, FW_X1_ECX, 2)) {
			r[0] = m->svm_rev;
			r[1] = m->svm_asids;
			r[3] = m->feat[FW_XA_EDX];
		}
		break;
	default:
		break;
	}
}

void cpu_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	const struct cpu_model *m = v->model ? v->model : cpu_model_default();

	out[0] = out[1] = out[2] = out[3] = 0;
	if (leaf >= 0x80000000u) {
		if (leaf <= m->xlevel) {
			ext_leaf(v, m, leaf, out);
			return;
		}
		/* Intel answers out-of-range leaves with the highest basic leaf. */
		if (m->clamp_to_highest)
			basic_leaf(v, m, m->level, subleaf, out);
		return;
	}
	if (leaf > m->level) {
		if (m->clamp_to_highest && (leaf < 0x40000000u || leaf > 0x4fffffffu))
			basic_leaf(v, m, m->level, subleaf, out);
		return;
	}
	basic_leaf(v, m, leaf, subleaf, out);
}
