/*
 * tests/guest/fpu/fpu.c - x87 floating point on bare metal: the FNINIT state,
 * correctly rounded results under precision and rounding control, stack
 * overflow, integer stores out of range, FCOMI flags, #NM (CR0.TS/MP), the
 * deferred #MF (CR0.NE), FXSAVE's layout and, where CPUID has it, XSETBV/XSAVE.
 * Built as fpu32 and fpu64. The code is compiled with -mgeneral-regs-only, so all
 * floating point is inline x87 on memory operands. Every check holds on real
 * hardware (Intel SDM vol. 1, ch. 8 and 13; edition in docs/spec-versions.md).
 */
#include "guest.h"

struct f80 {
	uint64_t mant;
	uint16_t sexp;
} __attribute__((packed));

static uint16_t fnstsw(void)
{
	uint16_t sw;

	asm volatile("fnstsw %0" : "=m"(sw));
	return sw;
}

static void fldcw(uint16_t cw)
{
	asm volatile("fldcw %0" : : "m"(cw));
}

static void test_init_state(void)
{
	uint16_t cw;
	uint8_t env[28];

	asm volatile("fninit; fnstcw %0; fnstenv %1" : "=m"(cw), "=m"(env));
	expect_eq(cw, 0x037f, "FNINIT: FCW 037FH");
	expect_eq(env[4] | env[5] << 8, 0, "FNINIT: FSW 0");
	expect_eq(env[8] | env[9] << 8, 0xffff, "FNINIT: all tags empty");
}

static void test_rounding(void)
{
	struct f80 r;
	uint16_t two = 2, three = 3;

	asm volatile("fninit; fild %1; fsqrt; fstpt %0" : "=m"(r) : "m"(two));
	report(r.sexp == 0x3fff && r.mant == 0xb504f333f9de6484ull, "sqrt(2) correctly rounded (%x %llx)",
	       r.sexp, (unsigned long long)r.mant);
	/* Precision control: double (PC = 10B). */
	asm volatile("fninit; fldcw %2; fld1; fild %1; fdivrp; fstpt %0" : "=m"(r)
		     : "m"(three), "m"((uint16_t){ 0x027f }));
	report(r.sexp == 0x3ffd && r.mant == 0xaaaaaaaaaaaaa800ull, "1/3 rounded to double precision");
	/* Rounding control on the constant: FLDPI chops to ...C234 under RC = 11B. */
	asm volatile("fninit; fldcw %1; fldpi; fstpt %0" : "=m"(r) : "m"((uint16_t){ 0x0f7f }));
	report(r.mant == 0xc90fdaa22168c234ull, "FLDPI under round-toward-zero");
	asm volatile("fninit; fldpi; fstpt %0" : "=m"(r));
	report(r.mant == 0xc90fdaa22168c235ull, "FLDPI under round-to-nearest");
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

/* SDM vol. 1, 8.5.1.1: pushing onto a full stack. */
static void test_stack_fault(void)
{
	struct f80 r;
	uint16_t sw;

	if (under_qemu_tcg()) {
		report_skip("stack overflow", "QEMU TCG does not model x87 stack faults");
		return;
	}

	asm volatile("fninit\n\t"
		     "fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1\n\t"
		     "fnstsw %1\n\t"
		     "fstpt %0\n\t"
		     "fninit" : "=m"(r), "=m"(sw));
	expect_eq(sw & 0x0247, 0x0241, "stack overflow: IE, SF, C1");
	report(r.sexp == 0xffff && r.mant == 0xc000000000000000ull, "stack overflow: QNaN indefinite");
}

static void test_int_store(void)
{
	uint16_t i16 = 0x1234;
	uint32_t big = 100000;

	asm volatile("fninit; fildl %1; fistps %0" : "+m"(i16) : "m"(big));
	expect_eq(i16, 0x8000, "FISTP m16 out of range: integer indefinite");
	expect_eq(fnstsw() & 1, 1, "FISTP m16 out of range: IE");
}

static void test_fcomi(void)
{
	unsigned long fl;

	asm volatile("fninit; fld1; fld1; faddp; fld1; fcomip %%st(1), %%st; fstp %%st(0)\n\t"
		     "pushf; pop %0" : "=r"(fl));
	expect_eq(fl & 0x45, 0x01, "FCOMIP 1 vs 2: CF=1 ZF=0 PF=0");
}

/* SDM vol. 3, 2.5, table 2-2. */
static void test_nm(void)
{
	unsigned long cr0 = read_cr0();

	write_cr0(cr0 | X86_CR0_TS | X86_CR0_MP);
	excp_clear();
	asm volatile(ASM_TRY("fld1"));
	expect_excp(NM_VECTOR, "CR0.TS: x87 instruction raises #NM");
	excp_clear();
	asm volatile(ASM_TRY("fwait"));
	expect_excp(NM_VECTOR, "CR0.TS and MP: WAIT raises #NM");
	write_cr0((cr0 | X86_CR0_TS) & ~X86_CR0_MP);
	excp_clear();
	asm volatile(ASM_TRY("fwait"));
	expect_no_excp("CR0.TS without MP: WAIT runs");
	write_cr0(cr0);
}

/* SDM vol. 1, 8.6: the exception is reported by the next waiting instruction. */
static void test_mf(void)
{
	write_cr0(read_cr0() | X86_CR0_NE);
	asm volatile("fninit");
	fldcw(0x037b);                          /* ZE unmasked */
	excp_clear();
	asm volatile(ASM_TRY("fld1; fldz; fdivrp"));
	expect_no_excp("1/0 with ZE unmasked: no exception yet");
	expect_eq(fnstsw() & 0x8084, 0x8084, "FSW: ZE, ES and B set");
	excp_clear();
	asm volatile(ASM_TRY("fwait"));
	expect_excp(MF_VECTOR, "next FWAIT raises #MF");
	asm volatile("fninit");
}

static uint8_t g_area[1024] __attribute__((aligned(64)));

static void test_fxsave(void)
{
	write_cr4(read_cr4() | X86_CR4_OSFXSR);
	memset(g_area, 0, sizeof(g_area));
	asm volatile("fninit; fld1; fldz; fxsave %0; fninit" : "=m"(g_area));
	expect_eq(g_area[0] | g_area[1] << 8, 0x037f, "FXSAVE: FCW");
	expect_eq(g_area[2] | g_area[3] << 8, 0x3000, "FXSAVE: FSW, TOP 6");
	expect_eq(g_area[4], 0xc0, "FXSAVE: abridged tags R6, R7");
	expect_eq(g_area[41] << 8 | g_area[40], 0x0000, "FXSAVE: ST(0) = +0");
	expect_eq(g_area[57] << 8 | g_area[56], 0x3fff, "FXSAVE: ST(1) = 1.0");
	asm volatile("fxrstor %0; fstp %%st(0); fnstsw %%ax; fninit" : : "m"(g_area) : "ax");
	excp_clear();
	asm volatile(ASM_TRY("fxsave %0") : "=m"(g_area[8]));
	expect_excp_err(GP_VECTOR, 0, "FXSAVE to a misaligned area: #GP(0)");
}

#define X86_CR4_OSXSAVE_BIT (1ul << 18)

static void test_xsave(void)
{
	uint32_t lo, hi;
	uint64_t bv;

	if (!(cpuid(1).c & (1u << 26))) {
		report_skip("xsave", "no XSAVE");
		return;
	}
	write_cr4(read_cr4() | X86_CR4_OSXSAVE_BIT | X86_CR4_OSFXSR);
	asm volatile("xsetbv" : : "a"(3), "d"(0), "c"(0));
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	expect_eq(lo, 3, "XGETBV reads XCR0 = 3");
	excp_clear();
	asm volatile(ASM_TRY("xsetbv") : : "a"(2), "d"(0), "c"(0));
	expect_excp_err(GP_VECTOR, 0, "XSETBV without the x87 bit: #GP(0)");
	memset(g_area, 0, sizeof(g_area));
	asm volatile("fninit; fld1; xsave %0; fninit" : "+m"(g_area) : "a"(1), "d"(0));
	bv = *(volatile uint64_t *)(g_area + 512);
	expect_eq(bv & 1, 1, "XSAVE: XSTATE_BV x87 bit");
	expect_eq(g_area[4], 0x80, "XSAVE: abridged tag R7");
	asm volatile("xrstor %0; fnstsw %%ax; fninit" : : "m"(g_area), "a"(1), "d"(0));
}

int main(void)
{
	test_init_state();
	test_rounding();
	test_stack_fault();
	test_int_store();
	test_fcomi();
	test_nm();
	test_mf();
	test_fxsave();
	test_xsave();
	return 0;
}
