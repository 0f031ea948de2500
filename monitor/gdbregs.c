/*
 * monitor/gdbregs.c - the registers gdb sees: one table gives the g/G layout, the
 * p/P numbers and the target description.
 *
 * Rows 0-56 are gdb's amd64 layout (features org.gnu.gdb.i386.core and
 * org.gnu.gdb.i386.sse, "Debugging with GDB", appendix G.5.5 "i386 Features"), in
 * that order, so a gdb that never reads target.xml agrees on the g packet. The
 * segment bases (org.gnu.gdb.i386.segments) and the system registers (our own
 * feature, org.elzero.x86.sys) follow.
 */
#include "monitor/internal.h"

#include <stdio.h>
#include <string.h>

enum reg_kind { R_GPR, R_RIP, R_FLAGS, R_SEL, R_ST, R_FPU, R_XMM, R_MXCSR, R_SEGBASE, R_CR,
		R_EFER, R_KGSBASE };
enum { FEAT_CORE, FEAT_SSE, FEAT_SEGS, FEAT_SYS };

struct gdb_reg {
	const char *name;
	uint8_t kind;           /* enum reg_kind */
	uint8_t idx;            /* GPR / SEG / x87 control / XMM / CR number */
	uint8_t size;           /* bytes */
	uint8_t feat;
	const char *type;       /* tdesc type */
	const char *group;      /* NULL: default */
};

/* x87 control registers in gdb's order */
enum { FPU_FCTRL, FPU_FSTAT, FPU_FTAG, FPU_FISEG, FPU_FIOFF, FPU_FOSEG, FPU_FOOFF, FPU_FOP };

#define GPR(n, i)  { n, R_GPR, i, 8, FEAT_CORE, "int64", NULL }
#define SEL(n, i)  { n, R_SEL, i, 4, FEAT_CORE, "int32", NULL }
#define ST(i)      { "st" #i, R_ST, i, 10, FEAT_CORE, "i387_ext", NULL }
#define FPU(n, i)  { n, R_FPU, i, 4, FEAT_CORE, "int", "float" }
#define XMM(i)     { "xmm" #i, R_XMM, i, 16, FEAT_SSE, "vec128", NULL }
#define CR(n, i)   { n, R_CR, i, 8, FEAT_SYS, "int64", "system" }

static const struct gdb_reg regs[] = {
	GPR("rax", 0), GPR("rbx", 3), GPR("rcx", 1), GPR("rdx", 2),
	GPR("rsi", 6), GPR("rdi", 7),
	{ "rbp", R_GPR, 5, 8, FEAT_CORE, "data_ptr", NULL },
	{ "rsp", R_GPR, 4, 8, FEAT_CORE, "data_ptr", NULL },
	GPR("r8", 8), GPR("r9", 9), GPR("r10", 10), GPR("r11", 11),
	GPR("r12", 12), GPR("r13", 13), GPR("r14", 14), GPR("r15", 15),
	{ "rip", R_RIP, 0, 8, FEAT_CORE, "code_ptr", NULL },
	{ "eflags", R_FLAGS, 0, 4, FEAT_CORE, "i386_eflags", NULL },
	SEL("cs", SEG_CS), SEL("ss", SEG_SS), SEL("ds", SEG_DS), SEL("es", SEG_ES),
	SEL("fs", SEG_FS), SEL("gs", SEG_GS),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	FPU("fctrl", FPU_FCTRL), FPU("fstat", FPU_FSTAT), FPU("ftag", FPU_FTAG),
	FPU("fiseg", FPU_FISEG), FPU("fioff", FPU_FIOFF), FPU("foseg", FPU_FOSEG),
	FPU("fooff", FPU_FOOFF), FPU("fop", FPU_FOP),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	{ "mxcsr", R_MXCSR, 0, 4, FEAT_SSE, "i386_mxcsr", "vector" },
	{ "fs_base", R_SEGBASE, SEG_FS, 8, FEAT_SEGS, "int64", NULL },
	{ "gs_base", R_SEGBASE, SEG_GS, 8, FEAT_SEGS, "int64", NULL },
	{ "k_gs_base", R_KGSBASE, 0, 8, FEAT_SYS, "int64", "system" },
	CR("cr0", 0), CR("cr2", 2), CR("cr3", 3), CR("cr4", 4), CR("cr8", 8),
	{ "efer", R_EFER, 0, 8, FEAT_SYS, "int64", "system" },
};
#define NREGS (sizeof(regs) / sizeof(regs[0]))

unsigned gdb_reg_count(void) { return NREGS; }
unsigned gdb_reg_size(unsigned n) { return n < NREGS ? regs[n].size : 0; }
const char *gdb_reg_name(unsigned n) { return n < NREGS ? regs[n].name : NULL; }

size_t gdb_regs_size(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < NREGS; i++)
		n += regs[i].size;
	return n;
}

static void put_le(uint8_t *buf, uint64_t val, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		buf[i] = (uint8_t)(val >> (8 * i));
}

static uint64_t get_le(const uint8_t *buf, unsigned size)
{
	uint64_t val = 0;

	for (unsigned i = 0; i < size && i < 8; i++)
		val |= (uint64_t)buf[i] << (8 * i);
	return val;
}

static uint64_t fpu_get(const struct cpu_state *s, unsigned i)
{
	switch (i) {
	case FPU_FCTRL: return s->fcw;
	case FPU_FSTAT: return s->fsw;
	case FPU_FTAG:  return fpu_tag_word(s);
	case FPU_FISEG: return s->fcs;
	case FPU_FIOFF: return (uint32_t)s->fip;
	case FPU_FOSEG: return s->fds;
	case FPU_FOOFF: return (uint32_t)s->fdp;
	default:        return s->fop;
	}
}

static uint64_t cr_get(const struct cpu_state *s, unsigned n)
{
	return n == 0 ? s->cr0 : n == 2 ? s->cr2 : n == 3 ? s->cr3 : n == 4 ? s->cr4 : s->cr8;
}

unsigned gdb_reg_get(struct vcpu *v, unsigned n, uint8_t *buf)
{
	const struct gdb_reg *r = &regs[n];
	struct cpu_state *s = &v->s;
	uint64_t val = 0;

	if (n >= NREGS)
		return 0;
	switch (r->kind) {
	case R_GPR:     val = s->gpr[r->idx]; break;
	case R_RIP:     val = s->rip; break;
	case R_FLAGS:   val = cpu_get_rflags(s); break;
	case R_SEL:     val = s->seg[r->idx].sel; break;
	case R_ST: {
		const struct fpreg *f = &s->st[(fpu_top(s) + r->idx) & 7];

		put_le(buf, f->mant, 8);
		put_le(buf + 8, f->sexp, 2);
		return r->size;
	}
	case R_FPU:     val = fpu_get(s, r->idx); break;
	case R_XMM:
		memcpy(buf, s->vr[r->idx].b, 16);
		return r->size;
	case R_MXCSR:   val = s->mxcsr; break;
	case R_SEGBASE: val = s->seg[r->idx].base; break;
	case R_CR:      val = cr_get(s, r->idx); break;
	case R_EFER:    val = s->efer; break;
	case R_KGSBASE: val = s->msr.kernel_gs_base; break;
	}
	put_le(buf, val, r->size);
	return r->size;
}

/* A selector written by the debugger: the segment cache is loaded from the
 * descriptor as MOV would (without its checks), or sel << 4 in real/v86 mode. */
static int set_selector(struct vcpu *v, unsigned seg, uint16_t sel)
{
	struct seg_cache *sc = &v->s.seg[seg];
	uint64_t raw[2];

	if (sc->sel == sel)
		return 0;
	if (cpu_real_mode(&v->s) || cpu_v86_mode(&v->s)) {
		sc->sel = sel;
		sc->base = (uint64_t)sel << 4;
		return 0;
	}
	if ((sel & ~3u) == 0 && seg != SEG_CS && seg != SEG_SS) {
		sc->sel = sel;
		sc->attr |= SEGA_UNUSABLE;
		return 0;
	}
	if (!cpu_desc_read(v, sel, raw, false))
		return -1;
	cpu_desc_decode(raw, sel, sc, false);
	return 0;
}

static int fpu_set(struct cpu_state *s, unsigned i, uint64_t val)
{
	switch (i) {
	case FPU_FCTRL: s->fcw = (uint16_t)val; break;
	case FPU_FSTAT: s->fsw = (uint16_t)val; fpu_update_es(s); break;
	case FPU_FTAG:  s->ftw = (uint16_t)val; break;
	case FPU_FISEG: s->fcs = (uint16_t)val; break;
	case FPU_FIOFF: s->fip = (uint32_t)val; break;
	case FPU_FOSEG: s->fds = (uint16_t)val; break;
	case FPU_FOOFF: s->fdp = (uint32_t)val; break;
	default:        s->fop = (uint16_t)(val & 0x7ff); break;
	}
	return 0;
}

static int cr_set(struct vcpu *v, unsigned n, uint64_t val)
{
	if (cr_get(&v->s, n) == val)
		return 0;
	switch (n) {
	case 0: return cpu_set_cr0(v, val);
	case 2: v->s.cr2 = val; return 0;
	case 3: return cpu_set_cr3(v, val);
	case 4: return cpu_set_cr4(v, val);
	default: return cpu_set_cr8(v, val);
	}
}

int gdb_reg_set(struct vcpu *v, unsigned n, const uint8_t *buf)
{
	const struct gdb_reg *r = &regs[n];
	struct cpu_state *s = &v->s;
	uint64_t val;

	if (n >= NREGS)
		return -1;
	val = get_le(buf, r->size);
	switch (r->kind) {
	case R_GPR:     s->gpr[r->idx] = val; return 0;
	case R_RIP:     s->rip = val; return 0;
	case R_FLAGS:   cpu_set_rflags(s, (val & 0x3f7fd7) | RFLAGS_FIXED1); return 0;
	case R_SEL:     return set_selector(v, r->idx, (uint16_t)val);
	case R_ST: {
		struct fpreg *f = &s->st[(fpu_top(s) + r->idx) & 7];

		f->mant = val;
		f->sexp = (uint16_t)get_le(buf + 8, 2);
		return 0;
	}
	case R_FPU:     return fpu_set(s, r->idx, val);
	case R_XMM:     memcpy(s->vr[r->idx].b, buf, 16); return 0;
	case R_MXCSR:   s->mxcsr = (uint32_t)val; return 0;
	case R_SEGBASE: s->seg[r->idx].base = val; return 0;
	case R_CR:      return cr_set(v, r->idx, val);
	case R_EFER:    return val == s->efer ? 0 : cpu_wrmsr(v, 0xc0000080u, val);
	case R_KGSBASE: s->msr.kernel_gs_base = val; return 0;
	}
	return -1;
}

/* ---------------------------------------------------------------- target.xml */

static const char *const feat_names[] = {
	"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.gnu.gdb.i386.segments",
	"org.elzero.x86.sys",
};

/* Types the core and sse features use (gdb predefines only the scalar ones); a
 * feature sees only its own types. */
static const char xml_core_types[] =
	"<flags id=\"i386_eflags\" size=\"4\">"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
	"<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
	"<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
	"<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
	"<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
	"<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
	"<field name=\"ID\" start=\"21\" end=\"21\"/></flags>";
static const char xml_sse_types[] =
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>"
	"<flags id=\"i386_mxcsr\" size=\"4\">"
	"<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
	"<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
	"<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
	"<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
	"<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
	"<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
	"<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>"
	"</flags>";

const char *gdb_target_xml(void)
{
	static char *xml;
	GString *s;

	if (xml)
		return xml;
	s = g_string_new("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
			 "<target><architecture>i386:x86-64</architecture>");
	for (unsigned f = 0; f < sizeof(feat_names) / sizeof(feat_names[0]); f++) {
		g_string_append_printf(s, "<feature name=\"%s\">", feat_names[f]);
		if (f == FEAT_CORE)
			g_string_append(s, xml_core_types);
		if (f == FEAT_SSE)
			g_string_append(s, xml_sse_types);
		for (unsigned n = 0; n < NREGS; n++) {
			if (regs[n].feat != f)
				continue;
			g_string_append_printf(s, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"",
					       regs[n].name, regs[n].size * 8u, regs[n].type, n);
			if (regs[n].group)
				g_string_append_printf(s, " group=\"%s\"", regs[n].group);
			g_string_append(s, "/>");
		}
		g_string_append(s, "</feature>");
	}
	g_string_append(s, "</target>");
	xml = g_string_free(s, FALSE);
	return xml;
}
