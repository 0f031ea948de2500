/*
 * cpu/model.c - CPU models as data rows: vendor, signature, brand, CPUID feature
 * bits (by QEMU's feature names), cache geometry, vendor quirks; -cpu edits.
 * CPUID leaves are computed from a model in cpu/cpuid.c.
 *
 * Only what elzero implements is advertised. The Intel model has VMX (nested/);
 * "max" has it with "-cpu max,+vmx" (QEMU's spelling), SVM is a known name that no
 * model sets yet; XSAVE covers x87 and SSE state only (leaf 0DH in cpu/cpuid.c).
 */
#include "cpu/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- feature names */

struct feat_def {
	const char *name;       /* QEMU's spelling */
	uint8_t word, bit;
};

/* SDM vol. 2, CPUID (tables 3-8 .. 3-11 and the leaf 07H/80000001H listings);
 * APM vol. 3, appendix E for the AMD-only bits. */
static const struct feat_def g_feats[] = {
	{ "fpu", FW_1_EDX, 0 }, { "vme", FW_1_EDX, 1 }, { "de", FW_1_EDX, 2 },
	{ "pse", FW_1_EDX, 3 }, { "tsc", FW_1_EDX, 4 }, { "msr", FW_1_EDX, 5 },
	{ "pae", FW_1_EDX, 6 }, { "mce", FW_1_EDX, 7 }, { "cx8", FW_1_EDX, 8 },
	{ "apic", FW_1_EDX, 9 }, { "sep", FW_1_EDX, 11 }, { "mtrr", FW_1_EDX, 12 },
	{ "pge", FW_1_EDX, 13 }, { "mca", FW_1_EDX, 14 }, { "cmov", FW_1_EDX, 15 },
	{ "pat", FW_1_EDX, 16 }, { "pse36", FW_1_EDX, 17 }, { "pn", FW_1_EDX, 18 },
	{ "clflush", FW_1_EDX, 19 }, { "ds", FW_1_EDX, 21 }, { "acpi", FW_1_EDX, 22 },
	{ "mmx", FW_1_EDX, 23 }, { "fxsr", FW_1_EDX, 24 }, { "sse", FW_1_EDX, 25 },
	{ "sse2", FW_1_EDX, 26 }, { "ss", FW_1_EDX, 27 }, { "ht", FW_1_EDX, 28 },
	{ "tm", FW_1_EDX, 29 }, { "pbe", FW_1_EDX, 31 },

	{ "pni", FW_1_ECX, 0 }, { "pclmulqdq", FW_1_ECX, 1 }, { "dtes64", FW_1_ECX, 2 },
	{ "monitor", FW_1_ECX, 3 }, { "ds-cpl", FW_1_ECX, 4 }, { "vmx", FW_1_ECX, 5 },
	{ "smx", FW_1_ECX, 6 }, { "est", FW_1_ECX, 7 }, { "tm2", FW_1_ECX, 8 },
	{ "ssse3", FW_1_ECX, 9 }, { "cid", FW_1_ECX, 10 }, { "fma", FW_1_ECX, 12 },
	{ "cx16", FW_1_ECX, 13 }, { "xtpr", FW_1_ECX, 14 }, { "pdcm", FW_1_ECX, 15 },
	{ "pcid", FW_1_ECX, 17 }, { "dca", FW_1_ECX, 18 }, { "sse4.1", FW_1_ECX, 19 },
	{ "sse4.2", FW_1_ECX, 20 }, { "x2apic", FW_1_ECX, 21 }, { "movbe", FW_1_ECX, 22 },
	{ "popcnt", FW_1_ECX, 23 }, { "tsc-deadline", FW_1_ECX, 24 }, { "aes", FW_1_ECX, 25 },
	{ "xsave", FW_1_ECX, 26 }, { "avx", FW_1_ECX, 28 }, { "f16c", FW_1_ECX, 29 },
	{ "rdrand", FW_1_ECX, 30 }, { "hypervisor", FW_1_ECX, 31 },

	{ "fsgsbase", FW_7_EBX, 0 }, { "tsc-adjust", FW_7_EBX, 1 }, { "bmi1", FW_7_EBX, 3 },
	{ "hle", FW_7_EBX, 4 }, { "avx2", FW_7_EBX, 5 }, { "smep", FW_7_EBX, 7 },
	{ "bmi2", FW_7_EBX, 8 }, { "erms", FW_7_EBX, 9 }, { "invpcid", FW_7_EBX, 10 },
	{ "rtm", FW_7_EBX, 11 }, { "mpx", FW_7_EBX, 14 }, { "avx512f", FW_7_EBX, 16 },
	{ "rdseed", FW_7_EBX, 18 }, { "adx", FW_7_EBX, 19 }, { "smap", FW_7_EBX, 20 },
	{ "clflushopt", FW_7_EBX, 23 }, { "clwb", FW_7_EBX, 24 }, { "sha-ni", FW_7_EBX, 29 },

	{ "umip", FW_7_ECX, 2 }, { "pku", FW_7_ECX, 3 }, { "waitpkg", FW_7_ECX, 5 },
	{ "la57", FW_7_ECX, 16 }, { "rdpid", FW_7_ECX, 22 },

	{ "md-clear", FW_7_EDX, 10 }, { "spec-ctrl", FW_7_EDX, 26 }, { "stibp", FW_7_EDX, 27 },
	{ "arch-capabilities", FW_7_EDX, 29 }, { "ssbd", FW_7_EDX, 31 },

	{ "syscall", FW_X1_EDX, 11 }, { "nx", FW_X1_EDX, 20 }, { "mmxext", FW_X1_EDX, 22 },
	{ "fxsr-opt", FW_X1_EDX, 25 }, { "pdpe1gb", FW_X1_EDX, 26 }, { "rdtscp", FW_X1_EDX, 27 },
	{ "lm", FW_X1_EDX, 29 }, { "3dnowext", FW_X1_EDX, 30 }, { "3dnow", FW_X1_EDX, 31 },

	{ "lahf-lm", FW_X1_ECX, 0 }, { "cmp-legacy", FW_X1_ECX, 1 }, { "svm", FW_X1_ECX, 2 },
	{ "extapic", FW_X1_ECX, 3 }, { "cr8legacy", FW_X1_ECX, 4 }, { "abm", FW_X1_ECX, 5 },
	{ "sse4a", FW_X1_ECX, 6 }, { "misalignsse", FW_X1_ECX, 7 },
	{ "3dnowprefetch", FW_X1_ECX, 8 }, { "osvw", FW_X1_ECX, 9 }, { "ibs", FW_X1_ECX, 10 },
	{ "xop", FW_X1_ECX, 11 }, { "skinit", FW_X1_ECX, 12 }, { "wdt", FW_X1_ECX, 13 },
	{ "lwp", FW_X1_ECX, 15 }, { "fma4", FW_X1_ECX, 16 }, { "tce", FW_X1_ECX, 17 },
	{ "nodeid-msr", FW_X1_ECX, 19 }, { "tbm", FW_X1_ECX, 21 }, { "topoext", FW_X1_ECX, 22 },
	{ "perfctr-core", FW_X1_ECX, 23 },

	{ "xsaveopt", FW_D1_EAX, 0 }, { "xsavec", FW_D1_EAX, 1 }, { "xgetbv1", FW_D1_EAX, 2 },
	{ "xsaves", FW_D1_EAX, 3 },

	{ "arat", FW_6_EAX, 2 },
	{ "invtsc", FW_X7_EDX, 8 },

	/* SVM features, leaf 8000000AH EDX (APM vol. 3, E.4.10) */
	{ "npt", FW_XA_EDX, 0 }, { "lbrv", FW_XA_EDX, 1 }, { "svm-lock", FW_XA_EDX, 2 },
	{ "nrip-save", FW_XA_EDX, 3 }, { "tsc-scale", FW_XA_EDX, 4 },
	{ "vmcb-clean", FW_XA_EDX, 5 }, { "flushbyasid", FW_XA_EDX, 6 },
	{ "decodeassists", FW_XA_EDX, 7 }, { "pause-filter", FW_XA_EDX, 10 },
	{ "pfthreshold", FW_XA_EDX, 12 }, { "avic", FW_XA_EDX, 13 },
	{ "v-vmsave-vmload", FW_XA_EDX, 15 }, { "vgif", FW_XA_EDX, 16 },
};

#define NFEATS (sizeof(g_feats) / sizeof(g_feats[0]))

/* QEMU accepts '_' for '-' and "sse4_1" for "sse4.1": compare modulo those. */
static bool feat_name_eq(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen && a[i]; i++) {
		char x = a[i], y = b[i];

		if (x == '.' || x == '_')
			x = '-';
		if (y == '.' || y == '_')
			y = '-';
		if (x != y)
			return false;
	}
	return i == blen && !a[i];
}

static const struct feat_def *feat_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < NFEATS; i++)
		if (feat_name_eq(g_feats[i].name, name, len))
			return &g_feats[i];
	return NULL;
}

bool cpu_feature_known(const char *name)
{
	return feat_lookup(name, strlen(name)) != NULL;
}

unsigned cpu_feature_count(void) { return NFEATS; }

const char *cpu_feature_name(unsigned i) { return i < NFEATS ? g_feats[i].name : NULL; }

bool model_has(const struct cpu_model *m, enum feat_word w, unsigned bit)
{
	return (m->feat[w] >> bit) & 1;
}

/* ---------------------------------------------------------------- the rows */

struct model_row {
	const char *name, *alias_of, *desc, *vendor_id;
	uint32_t family, model, stepping;
	const char *brand;
	uint32_t level, xlevel;
	uint8_t phys_bits;
	uint32_t cache_kb[4], cache_ways[4];
	const char *features;   /* space-separated feature names */
	uint8_t pmu_version;    /* architectural PMU (cpu/pmu.c), 0: none */
};

/* What every 64-bit model here has: the base ISA the project implements. */
#define BASE_FEATS "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 " \
		   "clflush mmx fxsr sse sse2 pni ssse3 cx16 sse4.1 sse4.2 popcnt " \
		   "syscall nx lm lahf-lm "

static const struct model_row g_rows[] = {
	{ "elzero-intel", NULL, "Intel Skylake-like family 6 (elzero's Intel model)",
	  "GenuineIntel", 6, 0x5e, 3, "elzero Intel CPU (Skylake-like)", 0xd, 0x80000008, 39,
	  { 32, 32, 256, 8192 }, { 8, 8, 4, 16 },
	  BASE_FEATS "pcid movbe xsave rdrand bmi1 bmi2 adx rdseed smep smap umip "
	  "xsaveopt xsavec pdpe1gb rdtscp abm fsgsbase vmx x2apic tsc-deadline", 2 },
	{ "elzero-amd", NULL, "AMD Zen-like family 17h (elzero's AMD model)",
	  "AuthenticAMD", 0x17, 0x01, 2, "elzero AMD CPU (Zen-like)", 0xd, 0x8000000a, 48,
	  { 32, 64, 512, 8192 }, { 8, 4, 8, 16 },
	  BASE_FEATS "movbe xsave rdrand bmi1 bmi2 adx rdseed smep smap xsaveopt xsavec "
	  "pdpe1gb rdtscp abm cr8legacy", 0 },
	{ "max", NULL, "everything elzero implements (Intel vendor)",
	  "GenuineIntel", 6, 0x6a, 6, "elzero max CPU", 0xd, 0x80000008, 40,
	  { 32, 32, 1024, 16384 }, { 8, 8, 16, 16 },
	  BASE_FEATS "pcid movbe xsave rdrand bmi1 bmi2 adx rdseed smep smap umip la57 "
	  "xsaveopt xsavec pdpe1gb rdtscp abm fsgsbase pku invpcid rdpid x2apic tsc-deadline", 2 },
	{ "qemu64", NULL, "QEMU's default 64-bit CPU (AMD vendor, family 15)",
	  "AuthenticAMD", 15, 107, 1, "QEMU Virtual CPU version 2.5+", 0xd, 0x8000000a, 40,
	  { 64, 64, 512, 16384 }, { 2, 2, 16, 16 },
	  "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx "
	  "fxsr sse sse2 pni cx16 syscall nx lm lahf-lm abm sse4a popcnt", 0 },
	{ "kvm64", NULL, "QEMU's kvm64 (Intel vendor, family 15)",
	  "GenuineIntel", 15, 6, 1, "Common KVM processor", 0xd, 0x80000008, 40,
	  { 32, 32, 4096, 0 }, { 8, 8, 16, 0 },
	  "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx "
	  "fxsr sse sse2 pni cx16 syscall nx lm", 0 },
	{ .name = "host", .alias_of = "max",
	  .desc = "alias of max (elzero does not pass the host CPU through)" },
};

#define NROWS (sizeof(g_rows) / sizeof(g_rows[0]))

static struct cpu_model g_models[NROWS];
static bool g_models_ready;

/* AMD repeats leaf 1 EDX bits 0-9, 12-17, 23-24 in 80000001H EDX (APM vol. 3, E.4.2). */
#define AMD_EDX_ALIASES 0x0183f3ffu

static void model_set_feats(struct cpu_model *m, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, " ");
		const struct feat_def *f;

		if (n) {
			f = feat_lookup(p, n);
			if (!f)
				abort();        /* a row names an unknown feature: table bug */
			m->feat[f->word] |= 1u << f->bit;
		}
		p += n;
		p += strspn(p, " ");
	}
}

/* The AMD aliases and leaf 0DH follow from the other bits. */
static void model_fixup(struct cpu_model *m)
{
	m->vendor = !strcmp(m->vendor_id, "AuthenticAMD") ? VENDOR_AMD : VENDOR_INTEL;
	m->clamp_to_highest = m->vendor == VENDOR_INTEL;
	m->feat[FW_X1_EDX] &= ~AMD_EDX_ALIASES;
	if (m->vendor == VENDOR_AMD)
		m->feat[FW_X1_EDX] |= m->feat[FW_1_EDX] & AMD_EDX_ALIASES;
	if (!model_has(m, FW_1_ECX, 26))
		m->feat[FW_D1_EAX] = 0;
}

static void model_from_row(struct cpu_model *m, const struct model_row *r)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", r->name);
	m->desc = r->desc;
	snprintf(m->vendor_id, sizeof(m->vendor_id), "%s", r->vendor_id);
	m->family = r->family;
	m->model = r->model;
	m->stepping = r->stepping;
	snprintf(m->brand, sizeof(m->brand), "%s", r->brand);
	m->level = r->level;
	m->xlevel = r->xlevel;
	m->phys_bits = r->phys_bits;
	memcpy(m->cache_kb, r->cache_kb, sizeof(m->cache_kb));
	memcpy(m->cache_ways, r->cache_ways, sizeof(m->cache_ways));
	m->svm_asids = 16;
	m->svm_rev = 1;
	m->pmu_version = r->pmu_version;
	model_set_feats(m, r->features);
	model_fixup(m);
}

static void models_init(void)
{
	if (g_models_ready)
		return;
	for (unsigned i = 0; i < NROWS; i++) {
		const struct model_row *r = &g_rows[i];

		if (r->alias_of) {
			for (unsigned j = 0; j < i; j++)
				if (!strcmp(g_rows[j].name, r->alias_of))
					g_models[i] = g_models[j];
			snprintf(g_models[i].name, sizeof(g_models[i].name), "%s", r->name);
			g_models[i].desc = r->desc;
		} else {
			model_from_row(&g_models[i], r);
		}
	}
	g_models_ready = true;
}

unsigned cpu_model_count(void) { return NROWS; }

const struct cpu_model *cpu_model_at(unsigned i)
{
	models_init();
	return i < NROWS ? &g_models[i] : NULL;
}

const struct cpu_model *cpu_model_find(const char *name)
{
	models_init();
	for (unsigned i = 0; i < NROWS; i++)
		if (!strcmp(g_models[i].name, name))
			return &g_models[i];
	return NULL;
}

const struct cpu_model *cpu_model_default(void) { return cpu_model_find("max"); }

const char *cpu_model_name(const struct cpu_model *m) { return m->name; }
const char *cpu_model_desc(const struct cpu_model *m) { return m->desc; }

/* ---------------------------------------------------------------- -cpu edits */

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* QEMU -cpu properties that are not CPUID bits and that elzero accepts and ignores:
 * they tune KVM or QEMU-internal behaviour that has no meaning here. */
static bool ignored_prop(const char *key)
{
	static const char *const names[] = {
		"check", "enforce", "migratable", "kvm", "l3-cache", "host-phys-bits",
		"host-cache-info", "legacy-cache", "tsc-frequency", "hv-passthrough",
		"kvmclock", "kvm-asyncpf", "kvm-pv-eoi", "full-cpuid-auto-level", "lbr-fmt",
	};

	if (!strncmp(key, "hv-", 3) || !strncmp(key, "hv_", 3) || !strncmp(key, "x-", 2) ||
	    !strncmp(key, "kvm-", 4) || !strncmp(key, "kvm_", 4))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (feat_name_eq(names[i], key, strlen(key)))
			return true;
	return false;
}

static int edit_number(const char *key, const char *val, uint32_t lo, uint32_t hi,
		       uint32_t *out, char *err, size_t errlen)
{
	char *end = NULL;
	unsigned long x = val ? strtoul(val, &end, 0) : 0;

	if (!val || !*val || *end || x < lo || x > hi) {
		snprintf(err, errlen, "%s=%s: expected a number in %#x..%#x", key, val ? val : "",
			 lo, hi);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

/* One "key[=value]" or "+feat"/"-feat" item. */
static int edit_one(struct cpu_model *m, char *item, char *err, size_t errlen)
{
	char *eq = strchr(item, '=');
	const char *val = eq ? eq + 1 : NULL;
	const struct feat_def *f;
	bool on = true;
	uint32_t n;

	if (eq)
		*eq = '\0';
	if (!strcmp(item, "pmu") || ((item[0] == '+' || item[0] == '-') && !strcmp(item + 1, "pmu"))) {
		/* QEMU's pmu property: the architectural PMU (cpu/pmu.c; Intel vendor only) */
		if (val && parse_bool(val, &on)) {
			snprintf(err, errlen, "pmu=%s: expected on or off", val);
			return -1;
		}
		m->pmu_version = (item[0] == '-' || !on) ? 0 : 2;
		return 0;
	}
	if ((item[0] == '+' || item[0] == '-') && !eq) {
		f = feat_lookup(item + 1, strlen(item + 1));
		if (!f) {
			snprintf(err, errlen, "unknown CPU feature '%s' (see -cpu help)", item + 1);
			return -1;
		}
		on = item[0] == '+';
	} else if (!strcmp(item, "vendor")) {
		if (!val || strlen(val) != 12) {
			snprintf(err, errlen, "vendor=%s: the vendor string has 12 characters",
				 val ? val : "");
			return -1;
		}
		snprintf(m->vendor_id, sizeof(m->vendor_id), "%s", val);
		return 0;
	} else if (!strcmp(item, "model-id")) {
		snprintf(m->brand, sizeof(m->brand), "%s", val ? val : "");
		return 0;
	} else if (!strcmp(item, "family")) {
		return edit_number(item, val, 0, 0xff + 0xf, &m->family, err, errlen);
	} else if (!strcmp(item, "model")) {
		return edit_number(item, val, 0, 0xff, &m->model, err, errlen);
	} else if (!strcmp(item, "stepping")) {
		return edit_number(item, val, 0, 0xf, &m->stepping, err, errlen);
	} else if (!strcmp(item, "level")) {
		return edit_number(item, val, 0, 0xff, &m->level, err, errlen);
	} else if (!strcmp(item, "xlevel")) {
		return edit_number(item, val, 0x80000000u, 0x800000ffu, &m->xlevel, err, errlen);
	} else if (!strcmp(item, "phys-bits")) {
		if (edit_number(item, val, 32, 52, &n, err, errlen))
			return -1;
		m->phys_bits = (uint8_t)n;
		return 0;
	} else if ((f = feat_lookup(item, strlen(item))) != NULL) {
		if (val && parse_bool(val, &on)) {
			snprintf(err, errlen, "%s=%s: expected on or off", item, val);
			return -1;
		}
	} else if (ignored_prop(item)) {
		return 0;
	} else {
		snprintf(err, errlen, "unknown CPU property '%s' (see -cpu help)", item);
		return -1;
	}
	if (on)
		m->feat[f->word] |= 1u << f->bit;
	else
		m->feat[f->word] &= ~(1u << f->bit);
	return 0;
}

struct cpu_model *cpu_model_edit(const struct cpu_model *base, const char *edits,
				 char *err, size_t errlen)
{
	struct cpu_model *m = malloc(sizeof(*m));
	char *copy, *p;

	if (!m || !(copy = strdup(edits ? edits : ""))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*m = *base;
	for (p = copy; *p;) {
		size_t len = strcspn(p, ",");
		bool last = p[len] == '\0';

		p[len] = '\0';
		if (!len) {
			snprintf(err, errlen, "empty item in the -cpu list");
			goto fail;
		}
		if (edit_one(m, p, err, errlen))
			goto fail;
		p += len + !last;
	}
	model_fixup(m);
	free(copy);
	return m;
fail:
	free(copy);
	free(m);
	return NULL;
}

void cpu_model_free(struct cpu_model *m)
{
	/* Built-in rows are static; only cpu_model_edit copies are freed. */
	if (m && (m < g_models || m >= g_models + NROWS))
		free(m);
}

bool cpu_has_feature(const struct vcpu *v, const char *name)
{
	const struct cpu_model *m = v->model ? v->model : cpu_model_default();
	const struct feat_def *f = feat_lookup(name, strlen(name));

	return f && model_has(m, f->word, f->bit);
}

bool cpu_model_set_feature(struct cpu_model *m, const char *name, bool on)
{
	const struct feat_def *f = feat_lookup(name, strlen(name));

	if (!f)
		return false;
	if (on)
		m->feat[f->word] |= 1u << f->bit;
	else
		m->feat[f->word] &= ~(1u << f->bit);
	model_fixup(m);
	return true;
}

enum cpu_vendor cpu_model_vendor(const struct cpu_model *m)
{
	return m ? m->vendor : VENDOR_INTEL;
}
