/*
 * translate/ops/xsave.c - FXSAVE/FXRSTOR and the XSAVE feature set (XSAVE, XSAVEOPT,
 * XSAVEC, XSAVES, XRSTOR, XRSTORS, XGETBV, XSETBV) for the x87 (XCR0 bit 0), SSE
 * (bit 1) and, when the CPU model enumerates it, AVX (bit 2) state components.
 * Intel SDM vol. 1 (edition in docs/spec-versions.md), 10.5 and chapter 13; vol. 2,
 * the instruction pages.
 *
 * The layouts: legacy region (SDM vol. 1, 10.5.1, table 10-2) bytes 0-159 x87, 24-31
 * MXCSR/MXCSR_MASK, 160-415 XMM0-15; XSAVE header at 512 (XSTATE_BV, XCOMP_BV); the
 * AVX component (YMM0_H-YMM15_H) at 576 in both the standard and compacted formats,
 * being the first extended component (CPUID.(EAX=0DH,ECX=2) must say 256 bytes at
 * offset 576, which cpu/model.c provides).
 */
#include "translate/ops/x87.h"
#include "translate/opcodes.h"

#include <string.h>

EXEC_PROTOS

#define XFEATURE_X87 (1ull << 0)
#define XFEATURE_SSE (1ull << 1)
#define XFEATURE_AVX (1ull << 2)
#define XFEATURES_IMPLEMENTED (XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX)
#define XCOMP_BV_COMPACT (1ull << 63)

#define FXSAVE_SIZE 512
#define XSAVE_HDR 512
#define XSAVE_AVX 576
#define XSAVE_MAX (XSAVE_AVX + 256)

/* The writable MXCSR bits (DAZ included): FXSAVE's MXCSR_MASK (SDM vol. 1, 11.6.6);
 * the same value as the SSE handlers' MXCSR_WRITABLE. */
#define XS_MXCSR_MASK 0x0000ffffu

static void put16(uint8_t *p, uint64_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint64_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static bool rex_w(const struct x86_insn *i) { return i->has_rex && (i->rex & 8); }

static bool cpuid_bit(const struct vcpu *v, uint32_t leaf, uint32_t sub, unsigned reg, unsigned bit)
{
	uint32_t r[4];

	cpu_cpuid(v, leaf, sub, r);
	return (r[reg] >> bit) & 1;
}

/* XCR0 bits the model supports (CPUID.(EAX=0DH,ECX=0):EDX:EAX) that elzero implements. */
static uint64_t xcr0_supported(const struct vcpu *v)
{
	uint32_t r[4];

	cpu_cpuid(v, 0xd, 0, r);
	return ((uint64_t)r[3] << 32 | r[0]) & XFEATURES_IMPLEMENTED;
}

/* XMM (and YMM_H) registers a save/restore covers: XMM8-15 only in 64-bit mode
 * (SDM vol. 1, 13.13). */
static unsigned xmm_count(const struct vcpu *v) { return cpu_64bit_mode(&v->s) ? 16 : 8; }

/* ------------------------------------------------------------ the legacy region */

/* SDM vol. 1, 10.5.1.1 / 13.5.1: bytes 0-23 and 32-159. Reserved bytes in them are 0. */
static void x87_store(const struct cpu_state *s, uint8_t *img, bool w)
{
	unsigned top = fpu_top(s);

	memset(img, 0, 24);
	memset(img + 32, 0, 128);
	put16(img + 0, s->fcw);
	put16(img + 2, s->fsw);
	img[4] = fpu_abridged_tags(s);
	put16(img + 6, s->fop & 0x7ff);
	if (w) {
		put64(img + 8, s->fip);
		put64(img + 16, s->fdp);
	} else {
		put32(img + 8, s->fip);
		put16(img + 12, s->fcs);
		put32(img + 16, s->fdp);
		put16(img + 20, s->fds);
	}
	for (unsigned k = 0; k < 8; k++) {
		const struct fpreg *r = &s->st[(top + k) & 7];

		put64(img + 32 + 16 * k, r->mant);
		put16(img + 40 + 16 * k, r->sexp);
	}
}

static void x87_load(struct cpu_state *s, const uint8_t *img, bool w)
{
	unsigned top;

	s->fcw = x87_fcw_value(get16(img + 0));
	s->fsw = get16(img + 2);
	s->fop = get16(img + 6) & 0x7ff;
	if (w) {
		s->fip = get64(img + 8);
		s->fdp = get64(img + 16);
		s->fcs = s->fds = 0;
	} else {
		s->fip = get32(img + 8);
		s->fcs = get16(img + 12);
		s->fdp = get32(img + 16);
		s->fds = get16(img + 20);
	}
	top = fpu_top(s);
	for (unsigned k = 0; k < 8; k++) {
		struct fpreg *r = &s->st[(top + k) & 7];

		r->mant = get64(img + 32 + 16 * k);
		r->sexp = get16(img + 40 + 16 * k);
	}
	fpu_set_tags_from_abridged(s, img[4]);
	fpu_update_es(s);
}

/* x87 init configuration (SDM vol. 1, 13.6). */
static void x87_init_state(struct cpu_state *s)
{
	fpu_init(s);
	memset(s->st, 0, sizeof(s->st));
}

static bool x87_in_use(const struct cpu_state *s)
{
	for (unsigned r = 0; r < 8; r++)
		if (s->st[r].mant || s->st[r].sexp)
			return true;
	return s->fcw != FCW_INIT || s->fsw || s->ftw != 0xffff || s->fop || s->fip ||
	       s->fdp || s->fcs || s->fds;
}

static bool sse_in_use(const struct vcpu *v)
{
	for (unsigned r = 0; r < xmm_count(v); r++)
		if (v->s.vr[r].q[0] || v->s.vr[r].q[1])
			return true;
	return v->s.mxcsr != 0x1f80;
}

static bool avx_in_use(const struct vcpu *v)
{
	for (unsigned r = 0; r < xmm_count(v); r++)
		if (v->s.vr[r].q[2] || v->s.vr[r].q[3])
			return true;
	return false;
}

/* XINUSE (SDM vol. 1, 13.6), conservatively: 1 unless the component is in its init
 * configuration. */
static uint64_t xinuse(const struct vcpu *v)
{
	return (x87_in_use(&v->s) ? XFEATURE_X87 : 0) | (sse_in_use(v) ? XFEATURE_SSE : 0) |
	       (avx_in_use(v) ? XFEATURE_AVX : 0);
}

/*
 * Linear address of the area, with the alignment #GP(0) of FXSAVE (16) / XSAVE (64).
 * Then the first byte the hardware touches is checked, since a page fault reports
 * it in CR2 (seen on the host by the differential tester): the area's last byte,
 * except for XRSTOR, which reads XCOMP_BV (header bytes 8-15) first.
 */
static uint64_t area_check(struct vcpu *v, const struct x86_insn *i, uint64_t ea, unsigned align,
			   size_t len, enum mem_access acc)
{
	uint64_t lin = cpu_seg_linear(v, i->seg, ea, len, acc);

	if (lin & (align - 1))
		cpu_raise(v, EXC_GP, 0);
	if (len > FXSAVE_SIZE && acc == ACC_READ)
		cpu_probe(v, i->seg, ea + XSAVE_HDR + 8, 8, acc);
	else
		cpu_probe(v, i->seg, ea + len - 1, 1, acc);
	return lin;
}

/* ------------------------------------------------------------ FXSAVE / FXRSTOR */

/* SDM vol. 2, FXSAVE: #NM on CR0.TS or CR0.EM; no #MF check. */
static void fx_begin(struct vcpu *v)
{
	if (v->s.cr0 & (CR0_TS | CR0_EM))
		cpu_raise(v, EXC_NM, EXC_NO_ERROR);
}

/* SDM vol. 2, FXSAVE: "fast FXSAVE/FXRSTOR" skips the XMM registers in 64-bit mode
 * at CPL 0 with EFER.FFXSR set (AMD; the bit cannot be set on Intel models). */
static bool fx_fast(const struct vcpu *v)
{
	return (v->s.efer & EFER_FFXSR) && cpu_64bit_mode(&v->s) && cpu_cpl(&v->s) == 0;
}

void exec_FXSAVE(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint8_t img[FXSAVE_SIZE];
	uint64_t ea = insn_ea(v, i);
	unsigned n = fx_fast(v) ? 0 : xmm_count(v);
	/* Bytes past the last XMM register saved (416-511, or 288-511 outside 64-bit
	 * mode) are not written, as on the hardware. */
	size_t len = 160 + 16 * n;

	fx_begin(v);
	area_check(v, i, ea, 16, FXSAVE_SIZE, ACC_WRITE);
	cpu_probe(v, i->seg, ea, len, ACC_WRITE);
	memset(img, 0, sizeof(img));
	x87_store(s, img, rex_w(i));
	put32(img + 24, s->mxcsr);
	put32(img + 28, XS_MXCSR_MASK);
	for (unsigned r = 0; r < n; r++)
		memcpy(img + 160 + 16 * r, s->vr[r].b, 16);
	cpu_st_buf(v, i->seg, ea, img, len);
}

void exec_FXRSTOR(struct vcpu *v, const struct x86_insn *i)
{
	struct cpu_state *s = &v->s;
	uint8_t img[FXSAVE_SIZE];
	uint64_t ea = insn_ea(v, i);
	unsigned n = fx_fast(v) ? 0 : xmm_count(v);
	uint32_t mxcsr;

	fx_begin(v);
	area_check(v, i, ea, 16, FXSAVE_SIZE, ACC_READ);
	cpu_ld_buf(v, i->seg, ea, img, 160 + 16 * n);
	mxcsr = get32(img + 24);
	if (mxcsr & ~XS_MXCSR_MASK)     /* SDM vol. 2, FXRSTOR: reserved MXCSR bits */
		cpu_raise(v, EXC_GP, 0);
	x87_load(s, img, rex_w(i));
	s->mxcsr = mxcsr;
	for (unsigned r = 0; r < n; r++)
		memcpy(s->vr[r].b, img + 160 + 16 * r, 16);
}

/* ------------------------------------------------------------ XSAVE family */

enum xsave_kind { XS_PLAIN, XS_OPT, XS_COMPACT, XS_SUPERVISOR };

/* SDM vol. 2, XSAVE: #UD without CR4.OSXSAVE or the feature, #NM on CR0.TS,
 * #GP(0) for XSAVES/XRSTORS above CPL 0. */
static void xs_begin(struct vcpu *v, int d1_bit, bool cpl0)
{
	if (!(v->s.cr4 & CR4_OSXSAVE) || (d1_bit >= 0 && !cpuid_bit(v, 0xd, 1, 0, (unsigned)d1_bit)))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (v->s.cr0 & CR0_TS)
		cpu_raise(v, EXC_NM, EXC_NO_ERROR);
	if (cpl0 && cpu_cpl(&v->s) != 0)
		cpu_raise(v, EXC_GP, 0);
}

/* XSAVES/XRSTORS in VMX non-root operation (SDM vol. 3, 26.1.1, 26.1.3, 26.3): #UD
 * with "enable XSAVES/XRSTORS" 0, with the other #UD causes; a VM exit after the
 * privilege faults, before the memory-operand checks. */
static void xs_supervisor_begin(struct vcpu *v, const struct x86_insn *i, unsigned rstor)
{
	if (!(v->s.cr4 & CR4_OSXSAVE) || !cpuid_bit(v, 0xd, 1, 0, 3))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	cpu_intercept(v, ICPT_XSAVES, rstor, i);
	xs_begin(v, 3, true);
	cpu_intercept(v, ICPT_XSAVES, rstor | 2, i);
}

/* RFBM: XCR0 (| IA32_XSS, which has no supported bit) AND EDX:EAX (SDM vol. 1, 13.7). */
static uint64_t xs_rfbm(const struct vcpu *v)
{
	return v->s.xcr0 & ((v->s.gpr[2] & 0xffffffffu) << 32 | (v->s.gpr[0] & 0xffffffffu));
}

static void xsave_common(struct vcpu *v, const struct x86_insn *i, enum xsave_kind kind)
{
	struct cpu_state *s = &v->s;
	uint8_t img[XSAVE_MAX];
	uint64_t ea = insn_ea(v, i), rfbm = xs_rfbm(v), inuse = xinuse(v), save, bv;
	bool compact = kind == XS_COMPACT || kind == XS_SUPERVISOR;
	size_t len = (rfbm & XFEATURE_AVX) ? XSAVE_MAX : XSAVE_AVX;

	area_check(v, i, ea, 64, len, ACC_WRITE);
	cpu_probe(v, i->seg, ea, len, ACC_WRITE);
	cpu_ld_buf(v, i->seg, ea + XSAVE_HDR, img + XSAVE_HDR, 64);
	/* SDM vol. 1, 13.8-13.11: XSAVE writes every requested component; XSAVEOPT,
	 * XSAVEC and XSAVES skip those in their init configuration. */
	save = (kind == XS_PLAIN) ? rfbm : rfbm & inuse;
	memset(img, 0, XSAVE_HDR);
	if (save & XFEATURE_X87)
		x87_store(s, img, rex_w(i));
	for (unsigned r = 0; r < xmm_count(v); r++) {
		memcpy(img + 160 + 16 * r, s->vr[r].b, 16);
		memcpy(img + XSAVE_AVX + 16 * r, s->vr[r].b + 16, 16);
	}
	put32(img + 24, s->mxcsr);
	put32(img + 28, XS_MXCSR_MASK);
	if (compact) {
		bv = rfbm & inuse;
		put64(img + XSAVE_HDR, bv);
		put64(img + XSAVE_HDR + 8, XCOMP_BV_COMPACT | rfbm);
	} else {
		bv = (get64(img + XSAVE_HDR) & ~rfbm) | (rfbm & inuse);
		put64(img + XSAVE_HDR, bv);
	}
	if (save & XFEATURE_X87) {
		cpu_st_buf(v, i->seg, ea, img, 24);
		cpu_st_buf(v, i->seg, ea + 32, img + 32, 128);
	}
	/* MXCSR goes with the SSE and AVX components (SDM vol. 1, 13.7). */
	if (rfbm & (XFEATURE_SSE | XFEATURE_AVX) && (!compact || (save & XFEATURE_SSE)))
		cpu_st_buf(v, i->seg, ea + 24, img + 24, 8);
	if (save & XFEATURE_SSE)
		cpu_st_buf(v, i->seg, ea + 160, img + 160, 16 * xmm_count(v));
	if (save & XFEATURE_AVX)
		cpu_st_buf(v, i->seg, ea + XSAVE_AVX, img + XSAVE_AVX, 16 * xmm_count(v));
	cpu_st_buf(v, i->seg, ea + XSAVE_HDR, img + XSAVE_HDR, compact ? 16 : 8);
}

void exec_XSAVE(struct vcpu *v, const struct x86_insn *i)
{
	xs_begin(v, -1, false);
	xsave_common(v, i, XS_PLAIN);
}

void exec_XSAVEOPT(struct vcpu *v, const struct x86_insn *i)
{
	xs_begin(v, 0, false);
	xsave_common(v, i, XS_OPT);
}

void exec_XSAVEC(struct vcpu *v, const struct x86_insn *i)
{
	xs_begin(v, 1, false);
	xsave_common(v, i, XS_COMPACT);
}

void exec_XSAVES(struct vcpu *v, const struct x86_insn *i)
{
	xs_supervisor_begin(v, i, 0);
	xsave_common(v, i, XS_SUPERVISOR);
}

/*
 * SDM vol. 1, 13.8.1 (standard form) and 13.8.2 (compacted form): the header checks
 * of XRSTOR/XRSTORS, all #GP(0). hdr is the 64-byte XSAVE header.
 */
static bool xrstor_header_ok(const struct vcpu *v, const uint8_t *hdr, bool supervisor)
{
	uint64_t bv = get64(hdr), comp = get64(hdr + 8);
	uint64_t allowed = v->s.xcr0;

	if (!(comp & XCOMP_BV_COMPACT)) {
		if (supervisor)
			return false;           /* XRSTORS requires the compacted form */
		for (unsigned b = 8; b < 24; b++)
			if (hdr[b])
				return false;
		return !(bv & ~allowed);
	}
	if (!cpuid_bit(v, 0xd, 1, 0, 1))
		return false;                   /* compacted form without XSAVEC */
	comp &= ~XCOMP_BV_COMPACT;
	if ((comp & ~allowed) || (bv & ~comp))
		return false;
	for (unsigned b = 16; b < 64; b++)
		if (hdr[b])
			return false;
	return true;
}

static void xrstor_common(struct vcpu *v, const struct x86_insn *i, bool supervisor)
{
	static const uint8_t zero[16];
	struct cpu_state *s = &v->s;
	uint8_t img[XSAVE_MAX];
	uint64_t ea = insn_ea(v, i), rfbm = xs_rfbm(v), bv;
	size_t len = (rfbm & XFEATURE_AVX) ? XSAVE_MAX : XSAVE_AVX;
	unsigned n = xmm_count(v);
	bool compact, load_mxcsr;
	uint32_t mxcsr = s->mxcsr;

	area_check(v, i, ea, 64, len, ACC_READ);
	cpu_ld_buf(v, i->seg, ea, img, len);
	if (!xrstor_header_ok(v, img + XSAVE_HDR, supervisor))
		cpu_raise(v, EXC_GP, 0);
	bv = get64(img + XSAVE_HDR);
	compact = get64(img + XSAVE_HDR + 8) & XCOMP_BV_COMPACT;
	/* MXCSR: in the standard form it is loaded whenever RFBM[1] or RFBM[2]; in the
	 * compacted form with the SSE component, or initialised with it. */
	load_mxcsr = compact ? (rfbm & bv & XFEATURE_SSE) != 0
			     : (rfbm & (XFEATURE_SSE | XFEATURE_AVX)) != 0;
	if (load_mxcsr) {
		mxcsr = get32(img + 24);
		if (mxcsr & ~XS_MXCSR_MASK)
			cpu_raise(v, EXC_GP, 0);
	} else if (compact && (rfbm & XFEATURE_SSE)) {
		mxcsr = 0x1f80;
	}
	/* Checks done: commit. */
	if (rfbm & XFEATURE_X87) {
		if (bv & XFEATURE_X87)
			x87_load(s, img, rex_w(i));
		else
			x87_init_state(s);
	}
	s->mxcsr = mxcsr;
	for (unsigned r = 0; r < n; r++) {
		if (rfbm & XFEATURE_SSE)
			memcpy(s->vr[r].b, (bv & XFEATURE_SSE) ? img + 160 + 16 * r : zero, 16);
		if (rfbm & XFEATURE_AVX)
			memcpy(s->vr[r].b + 16, (bv & XFEATURE_AVX) ? img + XSAVE_AVX + 16 * r : zero, 16);
	}
}

void exec_XRSTOR(struct vcpu *v, const struct x86_insn *i)
{
	xs_begin(v, -1, false);
	xrstor_common(v, i, false);
}

void exec_XRSTORS(struct vcpu *v, const struct x86_insn *i)
{
	xs_supervisor_begin(v, i, 1);
	xrstor_common(v, i, true);
}

/* SDM vol. 2, XGETBV: ECX 0 is XCR0; ECX 1 is XCR0 AND XINUSE where enumerated. */
void exec_XGETBV(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t ecx = (uint32_t)v->s.gpr[1];
	uint64_t val;

	if (!(v->s.cr4 & CR4_OSXSAVE))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (ecx == 0)
		val = v->s.xcr0;
	else if (ecx == 1 && cpuid_bit(v, 0xd, 1, 0, 2))
		val = v->s.xcr0 & xinuse(v);
	else
		cpu_raise(v, EXC_GP, 0);
	v->s.gpr[0] = (uint32_t)val;
	v->s.gpr[2] = (uint32_t)(val >> 32);
}

/*
 * SDM vol. 2, XSETBV: #UD without CR4.OSXSAVE; #GP(0) above CPL 0 (these two come
 * before the VM exit, SDM vol. 3, 26.1.1), then the intercept, then #GP(0) for an
 * unknown XCR, bit 0 clear, an unsupported bit, or AVX without SSE.
 */
void exec_XSETBV(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t ecx = (uint32_t)v->s.gpr[1];
	uint64_t val = (v->s.gpr[2] & 0xffffffffu) << 32 | (v->s.gpr[0] & 0xffffffffu);

	if (!(v->s.cr4 & CR4_OSXSAVE))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (cpu_cpl(&v->s) != 0 || cpu_v86_mode(&v->s))
		cpu_raise(v, EXC_GP, 0);
	cpu_intercept(v, ICPT_XSETBV, ecx, i);
	if (ecx != 0 || !(val & XFEATURE_X87) || (val & ~xcr0_supported(v)) ||
	    ((val & XFEATURE_AVX) && !(val & XFEATURE_SSE)))
		cpu_raise(v, EXC_GP, 0);
	v->s.xcr0 = val;
}
