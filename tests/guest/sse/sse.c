/*
 * tests/guest/sse/sse.c - MMX and SSE on bare metal: known-answer results under each
 * MXCSR rounding mode and DAZ/FTZ, the SIMD floating-point exception delivered as #XM
 * (CR4.OSXMMEXCPT) or #UD, the #UD/#NM gates (CR0.EM, CR4.OSFXSR, CR0.TS), #GP(0) on a
 * misaligned 16-byte operand and on reserved MXCSR bits, MMX aliasing of the x87
 * registers, and #MF for MMX with a pending x87 exception. Built as sse32 and sse64;
 * compiled with -mgeneral-regs-only, so all SIMD code is inline asm on memory operands.
 * Every check holds on real hardware (Intel SDM vol. 1, ch. 9-12; vol. 3, 2.5, 6.15;
 * edition in docs/spec-versions.md).
 */
#include "guest.h"

struct v128 {
	uint32_t d[4];
} __attribute__((aligned(16)));

static void ldmxcsr(uint32_t v) { asm volatile("ldmxcsr %0" : : "m"(v)); }

static uint32_t stmxcsr(void)
{
	uint32_t v;

	asm volatile("stmxcsr %0" : "=m"(v));
	return v;
}

/* QEMU's TCG: the hypervisor leaf says "TCGTCGTCGTCG". */
static bool under_qemu_tcg(void)
{
	struct cpuid_regs r;

	if (!(cpuid(1).c & (1u << 31)))
		return false;
	r = cpuid(0x40000000);
	return r.b == 0x54474354 && r.c == 0x43544743 && r.d == 0x47435447;
}

/* Checks QEMU's TCG gets wrong (as of QEMU 8): skipped there, checked elsewhere. */
static bool tcg_skip(const char *name)
{
	if (!under_qemu_tcg())
		return false;
	report_skip(name, "QEMU TCG does not model this");
	return true;
}

/* a.d[0] = a.d[0] / b.d[0] (DIVSS) */
static void divss(struct v128 *a, const struct v128 *b)
{
	asm volatile("movaps %0, %%xmm1\n\tdivss %1, %%xmm1\n\tmovaps %%xmm1, %0" : "+m"(*a) : "m"(*b));
}

static void mulss(struct v128 *a, const struct v128 *b)
{
	asm volatile("movaps %0, %%xmm1\n\tmulss %1, %%xmm1\n\tmovaps %%xmm1, %0" : "+m"(*a) : "m"(*b));
}

static void addss(struct v128 *a, const struct v128 *b)
{
	asm volatile("movaps %0, %%xmm1\n\taddss %1, %%xmm1\n\tmovaps %%xmm1, %0" : "+m"(*a) : "m"(*b));
}

static void test_rounding(void)
{
	static const uint32_t want[4] = { 0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaab, 0x3eaaaaaa };

	for (unsigned rc = 0; rc < 4; rc++) {
		struct v128 a = { { 0x3f800000 } }, b = { { 0x40400000 } };    /* 1.0f, 3.0f */

		ldmxcsr(0x1f80 | rc << 13);
		divss(&a, &b);
		report(a.d[0] == want[rc] && (stmxcsr() & 0x3f) == 0x20,
		       "DIVSS 1/3 under RC=%u: %x, MXCSR %x", rc, a.d[0], stmxcsr());
	}
	ldmxcsr(0x1f80);
}

static void test_daz_ftz(void)
{
	struct v128 a = { { 0x00000001 } }, z = { { 0 } }, t = { { 0x1e3ce508 } };  /* 1e-20f */

	ldmxcsr(0x1f80);
	addss(&a, &z);
	if (!tcg_skip("denormal operand: DE"))
		report(a.d[0] == 1 && stmxcsr() == 0x1f82, "denormal operand: DE, value kept");
	a.d[0] = 1;
	ldmxcsr(0x1fc0);
	addss(&a, &z);
	report(a.d[0] == 0 && stmxcsr() == 0x1fc0, "DAZ: denormal reads as zero, no DE");
	a = t;
	ldmxcsr(0x1f80);
	mulss(&a, &t);
	report(a.d[0] != 0 && (stmxcsr() & 0x3f) == 0x30, "tiny inexact result: UE PE, denormal");
	a = t;
	ldmxcsr(0x9f80);
	mulss(&a, &t);
	report(a.d[0] == 0 && (stmxcsr() & 0x3f) == 0x30, "FTZ: flushed to zero, UE PE");
	ldmxcsr(0x1f80);
}

/* ASM_TRY's fixup covers the address of its first instruction only, so the
 * instruction that may fault stands alone in it. */
static void try_divss(struct v128 *a, const struct v128 *b)
{
	asm volatile("movaps %0, %%xmm1" : : "m"(*a));
	asm volatile(ASM_TRY("divss %0, %%xmm1") : : "m"(*b));
	asm volatile("movaps %%xmm1, %0" : "=m"(*a));
}

static void test_unmasked(void)
{
	struct v128 a = { { 0x3f800000 } }, z = { { 0 } };

	if (tcg_skip("#XM"))
		return;
	write_cr4(read_cr4() | X86_CR4_OSXMMEXCPT);
	ldmxcsr(0x1f80 & ~(1u << 9));                   /* ZM clear */
	excp_clear();
	try_divss(&a, &z);
	expect_excp(XM_VECTOR, "unmasked divide by zero: #XM");
	report(a.d[0] == 0x3f800000 && (stmxcsr() & 0x3f) == 0x04, "#XM: ZE set, destination kept");
	write_cr4(read_cr4() & ~X86_CR4_OSXMMEXCPT);
	ldmxcsr(0x1f80 & ~(1u << 9));
	excp_clear();
	try_divss(&a, &z);
	expect_excp(UD_VECTOR, "unmasked exception without CR4.OSXMMEXCPT: #UD");
	/* A precomputation exception (invalid, SNaN) masks out the post-computation ones. */
	write_cr4(read_cr4() | X86_CR4_OSXMMEXCPT);
	{
		struct v128 x = { { 0x7f800001, 0x7f000000 } }, y = { { 0, 0x7f000000 } };

		ldmxcsr(0x1f80 & ~(1u << 7));           /* IM clear */
		excp_clear();
		asm volatile("movaps %0, %%xmm1" : : "m"(x));
		asm volatile(ASM_TRY("mulps %0, %%xmm1") : : "m"(y));
		asm volatile("movaps %%xmm1, %0" : "=m"(x));
		expect_excp(XM_VECTOR, "SNaN with IM clear: #XM");
		expect_eq(stmxcsr() & 0x3f, 0x01, "only IE reported (lane 1 would overflow)");
	}
	ldmxcsr(0x1f80);
}

static void test_gates(void)
{
	struct v128 a = { { 1, 2, 3, 4 } };
	static uint8_t buf[48] __attribute__((aligned(16)));
	uint64_t mm = 0x0102030405060708ull;

	write_cr0(read_cr0() | X86_CR0_TS);
	excp_clear();
	asm volatile(ASM_TRY("addps %0, %%xmm1") : : "m"(a));
	expect_excp(NM_VECTOR, "CR0.TS: #NM");
	asm volatile("clts");
	write_cr4(read_cr4() & ~X86_CR4_OSFXSR);
	excp_clear();
	asm volatile(ASM_TRY("addps %0, %%xmm1") : : "m"(a));
	expect_excp(UD_VECTOR, "CR4.OSFXSR clear: #UD");
	excp_clear();
	asm volatile(ASM_TRY("movq %0, %%mm1\n\tpaddb %0, %%mm1\n\temms") : : "m"(mm));
	expect_no_excp("CR4.OSFXSR clear: MMX still runs");
	write_cr4(read_cr4() | X86_CR4_OSFXSR);
	excp_clear();
	asm volatile(ASM_TRY("movaps %0, %%xmm1") : : "m"(buf[4]));
	expect_excp_err(GP_VECTOR, 0, "misaligned MOVAPS: #GP(0)");
	excp_clear();
	asm volatile(ASM_TRY("movups %0, %%xmm1\n\taddss %1, %%xmm1") : : "m"(buf[4]), "m"(buf[8]));
	expect_no_excp("MOVUPS and scalar ADDSS: no alignment rule");
	if (tcg_skip("LDMXCSR reserved bit: #GP(0)"))
		return;
	excp_clear();
	asm volatile(ASM_TRY("ldmxcsr %0") : : "m"((uint32_t){ 0x11f80 }));
	expect_excp_err(GP_VECTOR, 0, "LDMXCSR reserved bit: #GP(0)");
	expect_eq(stmxcsr(), 0x1f80, "MXCSR unchanged");
}

struct fxsave_area {
	uint16_t fcw, fsw;
	uint8_t ftw, rsvd;
	uint16_t fop;
	uint8_t ptrs[16];
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t rest[96];
} __attribute__((aligned(16)));

static void test_mmx(void)
{
	static struct fxsave_area fx;
	uint64_t val = 0x1122334455667788ull, out;
	uint16_t env[14];
	uint16_t cw = 0x037b;                           /* ZM clear */

	asm volatile("fninit; fld1; fld1; movq %0, %%mm3" : : "m"(val));
	asm volatile("fxsave %0" : "=m"(fx));
	report(fx.ftw == 0xff && (fx.fsw & 0x3800) == 0, "MMX write: TOP 0, all tags valid");
	report(!memcmp(fx.st[3], &val, 8), "MM3 is R3's mantissa");
	if (!tcg_skip("MMX write: exponent all ones"))
		report(fx.st[3][8] == 0xff && fx.st[3][9] == 0xff, "MMX write: exponent all ones");
	asm volatile("paddb %1, %%mm3\n\tmovq %%mm3, %0" : "=m"(out) : "m"(val));
	expect_eq(out, 0x22446688aaccee10ull, "PADDB wraps per byte");
	asm volatile("emms; fnstenv %0" : "=m"(env));
	expect_eq(env[4], 0xffff, "EMMS: all tags empty");
	/* A pending unmasked x87 exception is reported to the next MMX instruction. */
	if (tcg_skip("MMX with a pending x87 exception: #MF"))
		return;
	write_cr0(read_cr0() | X86_CR0_NE);
	asm volatile("fninit; fldcw %0; fldz; fld1; fdivp" : : "m"(cw));
	excp_clear();
	asm volatile(ASM_TRY("movq %0, %%mm1") : : "m"(val));
	expect_excp(MF_VECTOR, "MMX with a pending x87 exception: #MF");
	asm volatile("fnclex; fninit");
}

static void test_sse42(void)
{
	static const char text[16] __attribute__((aligned(16))) = "hello, world";
	struct v128 set = { { 0x0000202c } };           /* ", " */
	unsigned long idx;

	if (!(cpuid(1).c & (1u << 20))) {
		report_skip("PCMPISTRI", "no SSE4.2");
		return;
	}
	asm volatile("movdqa %1, %%xmm1\n\tpcmpistri $0x00, %2, %%xmm1\n\tmov %%ecx, %k0"
		     : "=r"(idx) : "m"(set), "m"(text) : "ecx", "cc");
	expect_eq(idx & 0xffffffff, 5, "PCMPISTRI: first of ', ' in \"hello, world\"");
}

int main(void)
{
	struct cpuid_regs r = cpuid(1);

	if (!(r.d & (1u << 25)) || !(r.d & (1u << 26))) {
		report_skip("sse", "no SSE/SSE2");
		return 0;
	}
	write_cr0((read_cr0() & ~X86_CR0_EM) | X86_CR0_MP);
	write_cr4(read_cr4() | X86_CR4_OSFXSR);
	test_rounding();
	test_daz_ftz();
	test_unmasked();
	test_gates();
	test_mmx();
	test_sse42();
	return 0;
}
