/*
 * tests/unit/hw/test_lapic_ipi.c - IPIs between local APICs on one APIC bus (hw/lapic.c,
 * SDM vol. 3, 11.6): the ICR's delivery modes, destination modes and shorthands in
 * xAPIC and x2APIC mode, lowest-priority arbitration, INIT/SIPI left in the target
 * vCPU, IOAPIC-style messages. Four bare vCPUs, no translator.
 */
#include "tests/unit/common/check_run.h"
#include "hw/lapic.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define N 4

static struct vcpu *cpu[N];
static struct lapic apic[N];
static struct lapic_bus bus;
static uint64_t test_now(void *opaque) { (void)opaque; return 0; }
static const struct hw_clock clk = { test_now, NULL };

static uint32_t rd(unsigned i, unsigned off) { return (uint32_t)lapic_mmio_read(&apic[i], off, 4); }
static void wr(unsigned i, unsigned off, uint32_t v) { lapic_mmio_write(&apic[i], off, 4, v); }

static void setup(void)
{
	memset(&bus, 0, sizeof(bus));
	for (unsigned i = 0; i < N; i++) {
		cpu[i] = calloc(1, sizeof(*cpu[i]));
		ck_assert_ptr_nonnull(cpu[i]);
		vcpu_init(cpu[i], (int)i, NULL, NULL);
		lapic_init(&apic[i], cpu[i], &clk);
		apic[i].bus = &bus;
		bus.apic[bus.n++] = &apic[i];
		wr(i, 0xf0, 0x1ff);             /* software enable */
		wr(i, 0xe0, 0xffffffffu);       /* flat model */
		wr(i, 0xd0, 1u << (24 + i));    /* logical ID: bit i */
	}
}

static void teardown(void)
{
	for (unsigned i = 0; i < N; i++)
		free(cpu[i]);
}

static bool irr(unsigned i, uint8_t vec) { return rd(i, 0x200 + 0x10 * (vec / 32)) & (1u << (vec % 32)); }

/* Which APICs have vec in their IRR, as a bitmap. */
static unsigned who(uint8_t vec)
{
	unsigned m = 0;

	for (unsigned i = 0; i < N; i++)
		m |= irr(i, vec) ? 1u << i : 0;
	return m;
}

static void send(unsigned from, uint32_t lo, uint32_t dest)
{
	wr(from, 0x310, dest << 24);
	wr(from, 0x300, lo);
	ck_assert_uint_eq(rd(from, 0x300) & (1u << 12), 0);     /* delivered: idle */
}

START_TEST(fixed_physical_and_broadcast)
{
	send(0, 0x40, 2);
	ck_assert_uint_eq(who(0x40), 1u << 2);
	send(1, 0x41, 0xff);                    /* physical broadcast */
	ck_assert_uint_eq(who(0x41), 0xf);
	send(1, 0x42, 7);                       /* nobody has ID 7 */
	ck_assert_uint_eq(who(0x42), 0);
}
END_TEST

START_TEST(shorthands)
{
	send(2, 0x40000 | 0x50, 0);             /* self */
	ck_assert_uint_eq(who(0x50), 1u << 2);
	send(2, 0x80000 | 0x51, 3);             /* all including self: dest ignored */
	ck_assert_uint_eq(who(0x51), 0xf);
	send(2, 0xc0000 | 0x52, 2);             /* all excluding self */
	ck_assert_uint_eq(who(0x52), 0xf & ~(1u << 2));
}
END_TEST

START_TEST(logical_flat_and_cluster)
{
	send(0, 0x800 | 0x60, 0x0a);            /* flat: bits 1 and 3 */
	ck_assert_uint_eq(who(0x60), 0x0a);
	/* Cluster model (DFR 0x0fffffff): cluster in 7:4, members in 3:0 (11.6.2.2). */
	for (unsigned i = 0; i < N; i++) {
		wr(i, 0xe0, 0x0fffffffu);
		wr(i, 0xd0, (i < 2 ? 0x10u : 0x20u) << 24 | (1u << (i & 1)) << 24);
	}
	send(0, 0x800 | 0x61, 0x23);            /* cluster 2, members 0 and 1 */
	ck_assert_uint_eq(who(0x61), 0xc);
	send(0, 0x800 | 0x62, 0xf2);            /* broadcast cluster, member 1 */
	ck_assert_uint_eq(who(0x62), 0xa);
}
END_TEST

START_TEST(lowest_priority)
{
	wr(0, 0x80, 0x20);
	wr(1, 0x80, 0x10);
	wr(2, 0x80, 0x30);
	wr(3, 0x80, 0x10);
	send(0, 0x800 | 0x100 | 0x70, 0x0f);    /* lowest TPR class wins, lowest index on ties */
	ck_assert_uint_eq(who(0x70), 1u << 1);
	send(0, 0x800 | 0x100 | 0x71, 0x0c);
	ck_assert_uint_eq(who(0x71), 1u << 3);
}
END_TEST

START_TEST(nmi_init_sipi)
{
	send(0, 0x400, 3);                      /* NMI */
	ck_assert(cpu[3]->nmi_pending);
	ck_assert(!cpu[1]->nmi_pending && !cpu[0]->nmi_pending);

	send(0, 0xc8500, 0);                    /* INIT level de-assert: nothing */
	for (unsigned i = 0; i < N; i++)
		ck_assert(!cpu[i]->init_pending);
	send(0, 0xc4500, 0);                    /* INIT to all but self */
	ck_assert(!cpu[0]->init_pending);
	for (unsigned i = 1; i < N; i++)
		ck_assert(cpu[i]->init_pending && cpu[i]->exit_request);
	send(0, 0x4600 | 0x9a, 2);              /* SIPI, vector 9AH, to APIC 2 */
	ck_assert(cpu[2]->sipi_pending);
	ck_assert_uint_eq(cpu[2]->sipi_vector, 0x9a);
	ck_assert(!cpu[1]->sipi_pending);
}
END_TEST

START_TEST(init_state_and_sipi)
{
	struct vcpu *v = cpu[1];

	v->s.cr0 |= CR0_PE;
	v->s.mxcsr = 0x1f00;
	v->s.msr.pat = 0x1234;
	v->s.rip = 0x5555;
	wr(1, 0x80, 0x40);
	cpu_init_event(v);
	v->init_hook(v, v->init_opaque);
	ck_assert(v->s.wait_for_sipi);          /* an AP: no BSP flag */
	ck_assert_uint_eq(v->s.cr0 & CR0_PE, 0);
	ck_assert_uint_eq(v->s.rip, 0xfff0);
	ck_assert_uint_eq(v->s.mxcsr, 0x1f00);  /* kept (SDM vol. 3, 10.1) */
	ck_assert_uint_eq(v->s.msr.pat, 0x1234);
	ck_assert_uint_eq(rd(1, 0x80), 0);      /* the APIC is in its INIT state */
	ck_assert_uint_eq(rd(1, 0x20), 1u << 24);
	cpu_sipi(v, 0x9a);
	ck_assert(!v->s.wait_for_sipi);
	ck_assert_uint_eq(v->s.seg[SEG_CS].sel, 0x9a00);
	ck_assert_uint_eq(v->s.seg[SEG_CS].base, 0x9a000);
	ck_assert_uint_eq(v->s.rip, 0);
	cpu_sipi(v, 0x10);                      /* ignored outside wait-for-SIPI */
	ck_assert_uint_eq(v->s.seg[SEG_CS].base, 0x9a000);
	cpu_init_event(cpu[0]);                 /* the BSP does not wait */
	ck_assert(!cpu[0]->s.wait_for_sipi);
}
END_TEST

START_TEST(illegal_vector)
{
	send(0, 0x05, 1);
	wr(0, 0x280, 0);
	ck_assert_uint_eq(rd(0, 0x280) & 0x20, 0x20);           /* send illegal vector */
	wr(1, 0x280, 0);
	ck_assert_uint_eq(rd(1, 0x280) & 0x40, 0x40);           /* receive illegal vector */
}
END_TEST

START_TEST(x2apic_icr)
{
	uint64_t val;

	for (unsigned i = 0; i < N; i++)
		cpu[i]->s.msr.apic_base |= 0xc00;       /* x2APIC mode (EN | EXTD) */
	val = (uint64_t)3 << 32 | 0x80;         /* physical, 32-bit destination 3 */
	ck_assert_int_eq(cpu_wrmsr(cpu[0], 0x830, val), 0);
	for (unsigned i = 0; i < N; i++) {      /* the IRR, through the MSRs */
		ck_assert_int_eq(cpu_rdmsr(cpu[i], 0x820 + 0x80 / 32, &val), 0);
		ck_assert_uint_eq(val & 1, i == 3);
	}
	/* Logical: cluster 0 in 31:16, bitmap in 15:0: IDs 1 and 2. */
	ck_assert_int_eq(cpu_wrmsr(cpu[0], 0x830, (uint64_t)0x6 << 32 | 0x800 | 0x81), 0);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_int_eq(cpu_rdmsr(cpu[i], 0x820 + 0x81 / 32, &val), 0);
		ck_assert_uint_eq(!!(val & 2), i == 1 || i == 2);
	}
	/* Broadcast 0xffffffff. */
	ck_assert_int_eq(cpu_wrmsr(cpu[2], 0x830, (uint64_t)0xffffffffu << 32 | 0x82), 0);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_int_eq(cpu_rdmsr(cpu[i], 0x820 + 0x82 / 32, &val), 0);
		ck_assert(val & 4);
	}
}
END_TEST

START_TEST(ioapic_message)
{
	lapic_bus_send(&bus, NULL, 0x90 | 0x8000, 3);           /* level, physical 3 */
	ck_assert_uint_eq(who(0x90), 1u << 3);
	ck_assert(rd(3, 0x180 + 0x10 * (0x90 / 32)) & (1u << (0x90 % 32)));    /* TMR */
	lapic_bus_send(&bus, NULL, 0x800 | 0x100 | 0x91, 0x06); /* lowest of logical 1, 2 */
	ck_assert_uint_eq(who(0x91), 1u << 1);
	lapic_bus_send(&bus, NULL, 0x400, 0xff);                /* NMI to all */
	for (unsigned i = 0; i < N; i++)
		ck_assert(cpu[i]->nmi_pending);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lapic_ipi");
	TCase *tc = tcase_create("ipi");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fixed_physical_and_broadcast);
	tcase_add_test(tc, shorthands);
	tcase_add_test(tc, logical_flat_and_cluster);
	tcase_add_test(tc, lowest_priority);
	tcase_add_test(tc, nmi_init_sipi);
	tcase_add_test(tc, init_state_and_sipi);
	tcase_add_test(tc, illegal_vector);
	tcase_add_test(tc, x2apic_icr);
	tcase_add_test(tc, ioapic_message);
	suite_add_tcase(s, tc);
	return check_run(s);
}
