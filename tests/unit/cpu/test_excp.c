/*
 * tests/unit/cpu/test_excp.c - event delivery (cpu/excp.c) with constructed state:
 * IVT, 32-bit IDT (same and outer privilege), IA-32e IDT with IST, #DF and triple
 * fault (SDM vol. 3, 6.15 table 6-5), and cpu_check_events (NMI, INTR, STI shadow).
 */
#include "tests/unit/common/check_run.h"
#include "../common/cpufix.h"

#include <check.h>
#include <stdlib.h>

#define GDT 0x1000
#define IDT 0x2000
#define TSS 0x3000

/* A code/data descriptor from base, limit (in the descriptor's units) and SEGA_* attr. */
static uint64_t desc(uint32_t base, uint32_t limit, uint32_t attr)
{
	return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)(attr & 0xff) << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)((attr >> 12) & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t gate_lo(uint16_t sel, uint64_t off, unsigned type, unsigned dpl, unsigned ist)
{
	return (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)ist << 32) |
	       ((uint64_t)(type | 0x80 | (dpl << 5)) << 40) | (((off >> 16) & 0xffff) << 48);
}

#define CODE32(dpl) (SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0xa | ((dpl) << SEGA_DPL_SHIFT))
#define DATA32(dpl) (SEGA_P | SEGA_S | SEGA_DB | SEGA_G | 0x2 | ((dpl) << SEGA_DPL_SHIFT))
#define CODE64(dpl) (SEGA_P | SEGA_S | SEGA_L | SEGA_G | 0xa | ((dpl) << SEGA_DPL_SHIFT))

/* GDT: 08 code0, 10 data0, 18 code3, 20 data3, 28 TSS32, 30 code64 0, 38 code64 3,
 * 40 TSS64 (16 bytes). */
static void build_gdt(void)
{
	struct cpu_state *s = &g_fix->v.s;

	cpufix_put64(GDT + 0x08, desc(0, 0xfffff, CODE32(0)));
	cpufix_put64(GDT + 0x10, desc(0, 0xfffff, DATA32(0)));
	cpufix_put64(GDT + 0x18, desc(0, 0xfffff, CODE32(3)));
	cpufix_put64(GDT + 0x20, desc(0, 0xfffff, DATA32(3)));
	cpufix_put64(GDT + 0x28, desc(TSS, 0x67, SEGA_P | 0x9));
	cpufix_put64(GDT + 0x30, desc(0, 0xfffff, CODE64(0)));
	cpufix_put64(GDT + 0x38, desc(0, 0xfffff, CODE64(3)));
	cpufix_put64(GDT + 0x40, desc(TSS, 0x67, SEGA_P | 0x9));
	cpufix_put64(GDT + 0x48, 0);
	s->gdtr.base = GDT;
	s->gdtr.limit = 0x4f;
	s->idtr.base = IDT;
	s->idtr.limit = 0x7ff;
	s->seg[SEG_TR] = (struct seg_cache){ .sel = 0x28, .base = TSS, .limit = 0x67,
					     .attr = SEGA_P | 0xb };
}

static void prot_cpl(unsigned cpl)
{
	struct cpu_state *s = &g_fix->v.s;

	cpufix_flat32(cpl);
	build_gdt();
	s->seg[SEG_CS].sel = cpl ? 0x1b : 0x08;
	s->seg[SEG_SS].sel = cpl ? 0x23 : 0x10;
	cpu_set_rflags(s, RFLAGS_FIXED1 | RFLAGS_IF);
}

static void set_pending(int vector, unsigned type, uint32_t err, uint64_t next)
{
	g_fix->v.pending_vector = vector;
	g_fix->v.pending_type = (uint8_t)type;
	g_fix->v.pending_error = err;
	g_fix->v.pending_next_rip = next;
}

START_TEST(test_real_mode_ivt)
{
	struct cpu_state *s = &g_fix->v.s;

	cpufix_put32(0x21 * 4, 0x20001234);     /* 2000:1234 */
	s->seg[SEG_CS].sel = 0;
	s->seg[SEG_CS].base = 0;
	s->rip = 0x100;
	s->gpr[4] = 0x7000;
	cpu_set_rflags(s, RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
	set_pending(0x21, EVT_SWINT, EXC_NO_ERROR, 0x102);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_int_eq(g_fix->v.pending_vector, -1);
	ck_assert_uint_eq(s->seg[SEG_CS].sel, 0x2000);
	ck_assert_uint_eq(s->seg[SEG_CS].base, 0x20000);
	ck_assert_uint_eq(s->rip, 0x1234);
	ck_assert_uint_eq(s->gpr[4], 0x6ffa);
	ck_assert_uint_eq(cpu_phys_ld(&g_fix->v, 0x6ffa, 2), 0x102);
	ck_assert_uint_eq(cpu_phys_ld(&g_fix->v, 0x6ffc, 2), 0);
	ck_assert_uint_eq(cpu_phys_ld(&g_fix->v, 0x6ffe, 2), RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_CF);
	ck_assert_uint_eq(cpu_get_rflags(s) & RFLAGS_IF, 0);
}
END_TEST

START_TEST(test_prot_same_privilege)
{
	struct cpu_state *s = &g_fix->v.s;

	prot_cpl(0);
	cpufix_put64(IDT + 13 * 8, gate_lo(0x08, 0x5000, 0xe, 0, 0));
	s->rip = 0x4444;
	s->gpr[4] = 0x8000;
	set_pending(EXC_GP, EVT_HWEXC, 0x10, 0);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_uint_eq(s->rip, 0x5000);
	ck_assert_uint_eq(s->gpr[4], 0x7ff0);
	ck_assert_uint_eq(cpufix_get32(0x7ff0), 0x10);          /* error code */
	ck_assert_uint_eq(cpufix_get32(0x7ff4), 0x4444);        /* faulting EIP */
	ck_assert_uint_eq(cpufix_get32(0x7ff8), 0x08);
	/* fault-class: RF = 1 in the image (6.12.1); IF cleared by the interrupt gate */
	ck_assert_uint_eq(cpufix_get32(0x7ffc), RFLAGS_FIXED1 | RFLAGS_IF | RFLAGS_RF);
	ck_assert_uint_eq(cpu_get_rflags(s) & (RFLAGS_IF | RFLAGS_RF), 0);
	ck_assert_uint_eq(cpufix_get64(GDT + 0x08) >> 40 & 1, 1);  /* accessed */
}
END_TEST

START_TEST(test_prot_outer_privilege)
{
	struct cpu_state *s = &g_fix->v.s;

	prot_cpl(3);
	cpufix_put64(IDT + 0x80 * 8, gate_lo(0x08, 0x6000, 0xf, 3, 0));   /* trap gate */
	cpufix_put32(TSS + 4, 0x8000);          /* ESP0 */
	cpufix_put32(TSS + 8, 0x10);            /* SS0 */
	s->rip = 0x1000;
	s->gpr[4] = 0x9000;
	cpu_deliver_event(&g_fix->v, 0x80, EVT_SWINT, EXC_NO_ERROR, 0x1002);
	ck_assert_uint_eq(cpu_cpl(s), 0);
	ck_assert_uint_eq(s->seg[SEG_CS].sel, 0x08);
	ck_assert_uint_eq(s->seg[SEG_SS].sel, 0x10);
	ck_assert_uint_eq(s->gpr[4], 0x7fec);
	ck_assert_uint_eq(cpufix_get32(0x7ffc), 0x23);
	ck_assert_uint_eq(cpufix_get32(0x7ff8), 0x9000);
	ck_assert_uint_eq(cpufix_get32(0x7ff4), RFLAGS_FIXED1 | RFLAGS_IF);
	ck_assert_uint_eq(cpufix_get32(0x7ff0), 0x1b);
	ck_assert_uint_eq(cpufix_get32(0x7fec), 0x1002);
	ck_assert_uint_eq(cpu_get_rflags(s) & RFLAGS_IF, RFLAGS_IF);       /* trap gate */
}
END_TEST

START_TEST(test_sw_int_gate_dpl)
{
	struct cpu_state *s = &g_fix->v.s;

	/* INT 80h from CPL 3 through a DPL-0 gate: #GP(80h*8+2), EXT = 0 (vol. 2, INT n) */
	prot_cpl(3);
	cpufix_put64(IDT + 0x80 * 8, gate_lo(0x08, 0x6000, 0xe, 0, 0));
	cpufix_put64(IDT + 13 * 8, gate_lo(0x08, 0x7000, 0xe, 0, 0));
	cpufix_put32(TSS + 4, 0x8000);
	cpufix_put32(TSS + 8, 0x10);
	s->rip = 0x1000;
	s->gpr[4] = 0x9000;
	set_pending(0x80, EVT_SWINT, EXC_NO_ERROR, 0x1002);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_uint_eq(s->rip, 0x7000);
	ck_assert_uint_eq(cpufix_get32(0x7fe8), 0x80 * 8 + 2);
	ck_assert_uint_eq(cpufix_get32(0x7fec), 0x1000);        /* the INT instruction */
}
END_TEST

START_TEST(test_double_and_triple_fault)
{
	struct cpu_state *s = &g_fix->v.s;

	prot_cpl(0);
	cpufix_put64(IDT + 8 * 8, gate_lo(0x08, 0x8888, 0xe, 0, 0));
	s->idtr.limit = 13 * 8 - 1;             /* vector 13 lies beyond the limit */
	s->rip = 0x4444;
	s->gpr[4] = 0x8000;
	set_pending(EXC_GP, EVT_HWEXC, 0, 0);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_uint_eq(s->rip, 0x8888);      /* #GP while delivering #GP: #DF(0) */
	ck_assert_uint_eq(cpufix_get32(0x7ff0), 0);
	ck_assert_uint_eq(cpufix_get32(0x7ff4), 0x4444);
	ck_assert(!g_fix->v.shutdown);

	/* No usable IDT at all: #GP, #GP -> #DF, #GP -> triple fault. */
	s->idtr.limit = 0;
	s->rip = 0x4444;
	set_pending(EXC_GP, EVT_HWEXC, 0, 0);
	cpu_deliver_pending(&g_fix->v);
	ck_assert(g_fix->v.shutdown);           /* #GP, #GP -> #DF, #GP -> shutdown */
	ck_assert(g_fix->v.exit_request);
	ck_assert_uint_eq(s->rip, 0x4444);
	ck_assert_int_eq(g_fix->v.pending_vector, -1);
}
END_TEST

/* IA-32e: identity map the first 8 MiB with 2-MByte pages. */
static void long_mode(unsigned cpl)
{
	struct cpu_state *s = &g_fix->v.s;

	cpufix_long64(cpl);
	build_gdt();
	s->seg[SEG_TR] = (struct seg_cache){ .sel = 0x40, .base = TSS, .limit = 0x67,
					     .attr = SEGA_P | 0xb };
	s->seg[SEG_CS].sel = cpl ? 0x3b : 0x30;
	s->seg[SEG_CS].attr = CODE64(cpl) | 1;
	s->seg[SEG_SS].sel = cpl ? 0x23 : 0x10;
	s->idtr.limit = 0xfff;
	s->cr3 = 0x10000;
	cpufix_put64(0x10000, 0x11000 | 7);
	cpufix_put64(0x11000, 0x12000 | 7);
	for (unsigned i = 0; i < 4; i++)
		cpufix_put64(0x12000 + 8 * i, ((uint64_t)i << 21) | 0x87);
	cpu_set_rflags(s, RFLAGS_FIXED1 | RFLAGS_IF);
}

static void gate64(unsigned vec, uint64_t off, unsigned type, unsigned dpl, unsigned ist)
{
	cpufix_put64(IDT + vec * 16, gate_lo(0x30, off, type, dpl, ist));
	cpufix_put64(IDT + vec * 16 + 8, off >> 32);
}

static void int80_long(void *arg)
{
	cpu_deliver_event(&g_fix->v, 0x80, EVT_SWINT, EXC_NO_ERROR, 0x4002);
}

START_TEST(test_long_mode_ist_and_outer)
{
	struct cpu_state *s = &g_fix->v.s;

	long_mode(0);
	gate64(14, 0x123456, 0xe, 0, 1);
	cpufix_put64(TSS + 0x24, 0x50008);      /* IST1, aligned down to 0x50000 */
	s->rip = 0x4000;
	s->gpr[4] = 0x9000;
	s->cr2 = 0xdead;
	set_pending(EXC_PF, EVT_HWEXC, PFEC_W, 0);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_uint_eq(s->rip, 0x123456);
	ck_assert_uint_eq(s->gpr[4], 0x50000 - 48);
	ck_assert_uint_eq(cpufix_get64(0x50000 - 8), 0x10);     /* SS */
	ck_assert_uint_eq(cpufix_get64(0x50000 - 16), 0x9000);  /* RSP */
	ck_assert_uint_eq(cpufix_get64(0x50000 - 32), 0x30);    /* CS */
	ck_assert_uint_eq(cpufix_get64(0x50000 - 40), 0x4000);  /* RIP */
	ck_assert_uint_eq(cpufix_get64(0x50000 - 48), PFEC_W);
	ck_assert_uint_eq(s->cr2, 0xdead);

	/* CPL 3 -> 0: RSP0, SS becomes NULL with RPL 0 */
	long_mode(3);
	gate64(0x80, 0x200000, 0xf, 3, 0);
	cpufix_put64(TSS + 4, 0x60000);
	s->rip = 0x4000;
	s->gpr[4] = 0x9008;
	ck_assert_int_eq(cpufix_try(int80_long, NULL), -1);
	ck_assert_uint_eq(cpu_cpl(s), 0);
	ck_assert_uint_eq(s->seg[SEG_SS].sel, 0);
	ck_assert(s->seg[SEG_SS].attr & SEGA_UNUSABLE);
	ck_assert_uint_eq(s->gpr[4], 0x60000 - 40);
	ck_assert_uint_eq(cpufix_get64(0x60000 - 8), 0x23);
	ck_assert_uint_eq(cpufix_get64(0x60000 - 16), 0x9008);
	ck_assert_uint_eq(cpufix_get64(0x60000 - 32), 0x3b);
	ck_assert_uint_eq(cpufix_get64(0x60000 - 40), 0x4002);
}
END_TEST

START_TEST(test_long_mode_pf_pf_df)
{
	struct cpu_state *s = &g_fix->v.s;

	long_mode(0);
	gate64(14, 0x5000, 0xe, 0, 0);
	gate64(8, 0x6000, 0xe, 0, 2);
	cpufix_put64(TSS + 0x2c, 0x70000);       /* IST2 */
	s->rip = 0x4000;
	s->gpr[4] = 0x40000000;                  /* unmapped stack: #PF while pushing */
	set_pending(EXC_PF, EVT_HWEXC, 0, 0);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_uint_eq(s->rip, 0x6000);
	ck_assert_uint_eq(s->cr2, 0x40000000 - 8);
	ck_assert_uint_eq(cpufix_get64(0x70000 - 48), 0);        /* #DF error code */
	ck_assert_uint_eq(cpufix_get64(0x70000 - 40), 0x4000);
}
END_TEST

START_TEST(test_long_mode_bad_gate)
{
	struct cpu_state *s = &g_fix->v.s;

	/* A 32-bit-style gate type in IA-32e: #GP(vector*8+2+EXT) */
	long_mode(0);
	gate64(6, 0x5000, 0x6, 0, 0);
	gate64(13, 0x7000, 0xe, 0, 0);
	s->rip = 0x4000;
	s->gpr[4] = 0x9000;
	set_pending(EXC_UD, EVT_HWEXC, EXC_NO_ERROR, 0);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_uint_eq(s->rip, 0x7000);
	ck_assert_uint_eq(cpufix_get64(0x9000 - 48), 6 * 8 + 2 + 1);
}
END_TEST

START_TEST(test_task_gate_with_error_code)
{
	struct cpu_state *s = &g_fix->v.s;

	/* #GP through a task gate to TSS B (GDT 0x50): the switch saves the faulting
	 * EIP in TSS A, nests (NT, back link) and pushes the error code on B's stack. */
	prot_cpl(0);
	cpufix_put64(GDT + 0x50, desc(0x6000, 0x67, SEGA_P | 0x9));
	s->gdtr.limit = 0x57;
	s->seg[SEG_TR].attr = SEGA_P | 0xb;
	cpufix_put64(GDT + 0x28, desc(TSS, 0x67, SEGA_P | 0xb));
	cpufix_put64(IDT + 13 * 8, gate_lo(0x50, 0, 0x5, 0, 0));
	cpufix_put32(0x6020, 0x7777);                   /* EIP */
	cpufix_put32(0x6024, 2);                        /* EFLAGS */
	cpufix_put32(0x6038, 0x9000);                   /* ESP */
	cpufix_put32(0x6048, 0x10);                     /* ES */
	cpufix_put32(0x604c, 0x08);                     /* CS */
	cpufix_put32(0x6050, 0x10);                     /* SS */
	cpufix_put32(0x6054, 0x10);                     /* DS */
	s->rip = 0x4444;
	s->gpr[0] = 0xaaaa;
	set_pending(EXC_GP, EVT_HWEXC, 0x18, 0);
	cpu_deliver_pending(&g_fix->v);
	ck_assert_uint_eq(s->seg[SEG_TR].sel, 0x50);
	ck_assert_uint_eq(s->rip, 0x7777);
	ck_assert_uint_eq(s->gpr[4], 0x9000 - 4);
	ck_assert_uint_eq(cpufix_get32(0x9000 - 4), 0x18);             /* error code */
	ck_assert_uint_eq(cpu_get_rflags(s) & RFLAGS_NT, RFLAGS_NT);
	ck_assert_uint_eq(cpufix_get32(0x6000) & 0xffff, 0x28);        /* back link */
	ck_assert_uint_eq(cpufix_get32(TSS + 0x20), 0x4444);            /* faulting EIP */
	ck_assert_uint_eq(cpufix_get32(TSS + 0x28), 0xaaaa);            /* EAX */
	ck_assert_uint_eq((cpufix_get64(GDT + 0x50) >> 40) & 0xf, 0xb);  /* B busy */
	ck_assert_uint_eq((cpufix_get64(GDT + 0x28) >> 40) & 0xf, 0xb);  /* A still busy */
}
END_TEST

static bool fake_pending;
static unsigned fake_acks;
static bool fake_intr_pending(void *opaque) { return fake_pending; }
static uint8_t fake_intr_ack(void *opaque)
{
	fake_pending = false;
	fake_acks++;
	return 0x30;
}

START_TEST(test_check_events)
{
	struct cpu_state *s = &g_fix->v.s;

	prot_cpl(0);
	g_fix->bus.intr_pending = fake_intr_pending;
	g_fix->bus.intr_ack = fake_intr_ack;
	cpufix_put64(IDT + 0x30 * 8, gate_lo(0x08, 0x3030, 0xe, 0, 0));
	cpufix_put64(IDT + 2 * 8, gate_lo(0x08, 0x0202, 0xe, 0, 0));
	s->gpr[4] = 0x8000;
	s->rip = 0x1000;
	fake_pending = true;
	cpu_set_rflags(s, RFLAGS_FIXED1);               /* IF = 0: not taken */
	ck_assert(cpu_check_events(&g_fix->v));
	ck_assert_uint_eq(fake_acks, 0);
	/* STI shadow: not taken while RIP is at the shadowed instruction */
	cpu_set_rflags(s, RFLAGS_FIXED1 | RFLAGS_IF);
	cpu_set_intr_shadow(&g_fix->v, 1, 0x1000);
	ck_assert(cpu_check_events(&g_fix->v));
	ck_assert_uint_eq(fake_acks, 0);
	s->rip = 0x1001;
	g_fix->v.icount++;
	ck_assert(cpu_check_events(&g_fix->v));
	ck_assert_uint_eq(fake_acks, 1);
	ck_assert_uint_eq(s->rip, 0x3030);
	ck_assert_uint_eq(cpufix_get32(0x7ff4), 0x1001);
	/* NMI: delivered with IF = 0, then blocked until IRET; wakes HLT */
	s->halted = true;
	ck_assert(!cpu_check_events(&g_fix->v));        /* halted, nothing pending */
	cpu_inject_nmi(&g_fix->v);
	ck_assert(cpu_check_events(&g_fix->v));
	ck_assert_uint_eq(s->rip, 0x0202);
	ck_assert(s->nmi_blocked);
	ck_assert(!s->halted);
	cpu_inject_nmi(&g_fix->v);
	ck_assert(cpu_check_events(&g_fix->v));
	ck_assert_uint_eq(s->rip, 0x0202);
	ck_assert(g_fix->v.nmi_pending);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_excp");
	TCase *tc = tcase_create("delivery");

	tcase_add_checked_fixture(tc, cpufix_setup, cpufix_teardown);
	tcase_add_test(tc, test_real_mode_ivt);
	tcase_add_test(tc, test_prot_same_privilege);
	tcase_add_test(tc, test_prot_outer_privilege);
	tcase_add_test(tc, test_sw_int_gate_dpl);
	tcase_add_test(tc, test_double_and_triple_fault);
	tcase_add_test(tc, test_long_mode_ist_and_outer);
	tcase_add_test(tc, test_long_mode_pf_pf_df);
	tcase_add_test(tc, test_long_mode_bad_gate);
	tcase_add_test(tc, test_check_events);
	tcase_add_test(tc, test_task_gate_with_error_code);
	suite_add_tcase(s, tc);
	return check_run(s);
}
