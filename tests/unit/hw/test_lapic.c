/*
 * tests/unit/hw/test_lapic.c - the local APIC through its MMIO and MSR interfaces on
 * a bare vCPU (no translator) and a test clock: priorities, TPR/PPR, EOI, the timer
 * in its three modes, self-IPIs, x2APIC mode and the global disable.
 */
#include "tests/unit/common/check_run.h"
#include "hw/lapic.h"
#include "tests/unit/common/cpufix.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct lapic apic;
static struct cpu_model *model;
static uint64_t now;
static uint64_t test_now(void *opaque) { (void)opaque; return now; }
static const struct hw_clock clk = { test_now, NULL };

static uint32_t rd(unsigned off) { return (uint32_t)lapic_mmio_read(&apic, off, 4); }
static void wr(unsigned off, uint32_t v) { lapic_mmio_write(&apic, off, 4, v); }

static void setup(void)
{
	char err[128];

	cpufix_setup();
	model = cpu_model_edit(cpu_model_find("max"), "+x2apic,+tsc-deadline", err, sizeof(err));
	ck_assert_ptr_nonnull(model);
	g_fix->v.model = model;
	ck_assert(cpu_has_feature(&g_fix->v, "x2apic") && cpu_has_feature(&g_fix->v, "tsc-deadline"));
	now = 5000;
	lapic_init(&apic, &g_fix->v, &clk);
}

static void teardown(void)
{
	cpufix_teardown();
	cpu_model_free(model);
}

START_TEST(reset_state)
{
	ck_assert_uint_eq(rd(0x20), 0);
	ck_assert_uint_eq(rd(0x30) & 0xff, 0x14);
	ck_assert_uint_eq(rd(0xf0), 0xff);
	ck_assert_uint_eq(rd(0x350), 0x700);            /* BSP: LINT0 ExtINT */
	ck_assert_uint_eq(rd(0x320), 0x10000);
	ck_assert(lapic_accepts_pic(&apic));
	ck_assert(!lapic_intr_pending(&apic));
	/* Software-disabled: LVT writes stay masked. */
	wr(0x320, 0x40);
	ck_assert_uint_eq(rd(0x320), 0x10040);
}
END_TEST

START_TEST(priority_tpr_eoi)
{
	wr(0xf0, 0x1ff);
	lapic_accept(&apic, 0x30, false);
	lapic_accept(&apic, 0x41, false);
	ck_assert_uint_eq(rd(0x200 + 0x10 * (0x41 >> 5)), 1u << (0x41 & 31));
	ck_assert(lapic_intr_pending(&apic));
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x41);
	ck_assert_uint_eq(rd(0xa0), 0x40);              /* PPR from ISR */
	ck_assert(!lapic_intr_pending(&apic));          /* 0x30 is a lower class */
	wr(0xb0, 0);
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x30);
	wr(0xb0, 0);
	/* TPR holds back classes at or below it. */
	wr(0x80, 0x50);
	lapic_accept(&apic, 0x5f, false);
	ck_assert(!lapic_intr_pending(&apic));
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0xff); /* spurious vector */
	wr(0x80, 0x40);
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x5f);
	wr(0xb0, 0);
	/* Illegal vectors set the ESR (read after a write). */
	lapic_accept(&apic, 3, false);
	wr(0x280, 0);
	ck_assert_uint_eq(rd(0x280), 0x40);
	/* Self-IPI through the ICR shorthand. */
	wr(0x300, 0x40000 | 0x66);
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x66);
}
END_TEST

START_TEST(timer_one_shot_and_periodic)
{
	wr(0xf0, 0x1ff);
	wr(0x3e0, 0xb);                 /* divide by 1 */
	wr(0x320, 0x50);                /* one-shot, vector 0x50 */
	wr(0x380, 1000);
	ck_assert_uint_eq(lapic_next_deadline(&apic), 6000);
	now = 5400;
	ck_assert_uint_eq(rd(0x390), 600);
	lapic_poll(&apic);
	ck_assert(!lapic_intr_pending(&apic));
	now = 6000;
	lapic_poll(&apic);
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x50);
	wr(0xb0, 0);
	ck_assert_uint_eq(rd(0x390), 0);
	ck_assert_uint_eq(lapic_next_deadline(&apic), HW_NO_DEADLINE);
	/* Periodic, divide by 4: period 400 ns */
	wr(0x3e0, 0x1);
	wr(0x320, 0x20051);
	wr(0x380, 100);
	ck_assert_uint_eq(lapic_next_deadline(&apic), 6400);
	now = 6400 + 900;
	lapic_poll(&apic);
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x51);
	wr(0xb0, 0);
	ck_assert_uint_eq(lapic_next_deadline(&apic), 6000 + 4 * 400);
	ck_assert_uint_eq(rd(0x390), 100 - 100 / 4);    /* 100 ns into the period: 25 counts */
	/* Masked: no interrupt, the count goes on. */
	wr(0x320, 0x30051);
	now += 4000;
	lapic_poll(&apic);
	ck_assert(!lapic_intr_pending(&apic));
}
END_TEST

START_TEST(tsc_deadline)
{
	struct vcpu *v = &g_fix->v;
	uint64_t tsc;

	wr(0xf0, 0x1ff);
	wr(0x320, 0x40052);             /* TSC-deadline mode */
	tsc = cpu_tsc(v);
	ck_assert_int_eq(cpu_wrmsr(v, 0x6e0, tsc + 500), 0);
	ck_assert_uint_eq(lapic_next_deadline(&apic), now + 500);
	v->icount += 499;
	lapic_poll(&apic);
	ck_assert(!lapic_intr_pending(&apic));
	v->icount += 1;
	lapic_poll(&apic);
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x52);
	{
		uint64_t val = 1;

		ck_assert_int_eq(cpu_rdmsr(v, 0x6e0, &val), 0);
		ck_assert_uint_eq(val, 0);              /* disarmed once it fired */
	}
}
END_TEST

START_TEST(x2apic_mode)
{
	struct vcpu *v = &g_fix->v;
	uint64_t base = v->s.msr.apic_base, val;

	ck_assert_int_ne(cpu_rdmsr(v, 0x802, &val), 0);          /* #GP in xAPIC mode */
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, base | (1u << 10)), 0);
	ck_assert_uint_eq(rd(0x20), 0xffffffffu);               /* no MMIO in x2APIC mode */
	ck_assert_int_eq(cpu_rdmsr(v, 0x802, &val), 0);
	ck_assert_uint_eq(val, 0);
	ck_assert_int_eq(cpu_rdmsr(v, 0x80d, &val), 0);
	ck_assert_uint_eq(val, 1);                              /* cluster 0, bit 0 */
	ck_assert_int_ne(cpu_rdmsr(v, 0x80e, &val), 0);          /* no DFR */
	ck_assert_int_eq(cpu_wrmsr(v, 0x80f, 0x1ff), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x83f, 0x77), 0);          /* SELF IPI */
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x77);
	ck_assert_int_ne(cpu_wrmsr(v, 0x80b, 1), 0);             /* EOI must write 0 */
	ck_assert_int_eq(cpu_wrmsr(v, 0x80b, 0), 0);
	ck_assert_int_eq(cpu_wrmsr(v, 0x830, 0x44000 | 0x78), 0); /* ICR, self shorthand */
	ck_assert_uint_eq(lapic_intr_ack(&apic), 0x78);
	ck_assert_int_ne(cpu_wrmsr(v, 0x803, 0), 0);             /* version is read-only */
}
END_TEST

START_TEST(global_disable_resets)
{
	struct vcpu *v = &g_fix->v;
	uint64_t base = v->s.msr.apic_base;

	wr(0xf0, 0x1ff);
	wr(0x80, 0x20);
	wr(0x350, 0x10700);             /* LINT0 masked: the PIC is cut off */
	ck_assert(!lapic_accepts_pic(&apic));
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, base & ~(1ull << 11)), 0);
	ck_assert(lapic_accepts_pic(&apic));            /* globally off: the PIC goes direct */
	ck_assert_int_eq(cpu_wrmsr(v, 0x1b, base), 0);
	ck_assert_uint_eq(rd(0xf0), 0xff);
	ck_assert_uint_eq(rd(0x80), 0);
	ck_assert_uint_eq(rd(0x350), 0x10000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lapic");
	TCase *tc = tcase_create("regs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reset_state);
	tcase_add_test(tc, priority_tpr_eoi);
	tcase_add_test(tc, timer_one_shot_and_periodic);
	tcase_add_test(tc, tsc_deadline);
	tcase_add_test(tc, x2apic_mode);
	tcase_add_test(tc, global_disable_resets);
	suite_add_tcase(s, tc);
	return check_run(s);
}
