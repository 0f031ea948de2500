/*
 * tests/guest/smp/smp.c - bringing up the application processors and talking
 * to them (SDM vol. 3, 10.4 MP initialization; 11.6 issuing IPIs).
 *
 * The BSP finds the CPU count in fw_cfg and the ACPI MADT, copies a real-mode
 * trampoline to 0x8000 and wakes every AP with INIT-SIPI-SIPI (10.4.4.1). Each AP
 * switches to the kernel's protected (and, for the 64-bit kernel, long) mode, takes
 * a slot and a stack, reports its APIC ID and CPUID topology, adds to a LOCKed
 * counter and then waits with interrupts on. The BSP then sends fixed IPIs
 * (physical, logical flat, shorthands self / all including self / all excluding
 * self), a lowest-priority IPI and an NMI, and checks who received what.
 * Run with -smp 4 (any count from 2 up works).
 */
#include "guest.h"

#define APIC ((volatile uint32_t *)0xfee00000ul)
#define REG(off) APIC[(off) / 4]
#define MAX_CPUS 32
#define TRAMP_BASE 0x8000
#define LOCK_ROUNDS 20000
#define STR_(x) #x
#define STR(x) STR_(x)

#define VEC_PHYS 0x40
#define VEC_ALL_BUT_SELF 0x41
#define VEC_ALL 0x42
#define VEC_SELF 0x43
#define VEC_LOGICAL 0x44
#define VEC_LOWEST 0x45

struct ap_info {
	uint32_t apic_id;               /* APIC ID register */
	uint32_t cpuid_apic_id;         /* CPUID.01H:EBX[31:24] */
	uint32_t x2apic_id;             /* CPUID.0BH:EDX (~0: no leaf 0BH) */
	uint32_t logical_count;         /* CPUID.01H:EBX[23:16] */
	uint32_t apic_base;             /* IA32_APIC_BASE: bit 8 is BSP */
};

volatile uint32_t ap_slot;              /* taken by the trampoline with LOCK XADD */
static volatile uint32_t ap_started, ap_done;
static volatile uint32_t lock_counter;
static volatile struct ap_info info[MAX_CPUS];
/* Interrupts received, by APIC ID and vector (0 = NMI). */
static volatile uint32_t got[MAX_CPUS][8];
static struct { uint16_t limit; unsigned long base; } __attribute__((packed)) bsp_idtr;
uint8_t ap_stacks[MAX_CPUS][4096] __attribute__((aligned(4096)));

void ap_main(uint32_t slot);

/*
 * The trampoline, run by each AP from TRAMP_BASE (CS = 0800H, IP = 0). Real mode:
 * load the kernel's GDT (its GDTR copied into tramp_gdtr by the BSP), set CR0.PE,
 * far-jump to 32-bit code at its copied address. 32-bit: flat data segments, a slot
 * number and a stack. The 64-bit kernel goes on: CR4.PAE, the BSP's CR3, EFER.LME,
 * CR0.PG, far jump to the 64-bit code segment. Then ap_main(slot).
 */
extern char tramp_start[], tramp_end[], tramp_gdtr[], tramp_cr3[];
#define TRAMP_ADDR(sym) STR(TRAMP_BASE) " + " #sym " - tramp_start"

asm(".pushsection .text\n"
    ".code16\n"
    ".globl tramp_start, tramp_end, tramp_gdtr, tramp_cr3\n"
    "tramp_start:\n"
    "	cli\n"
    "	mov %cs, %ax\n"
    "	mov %ax, %ds\n"
    "	lgdtl tramp_gdtr - tramp_start\n"
    "	mov %cr0, %eax\n"
    "	or $1, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmpl $" STR(KERNEL_CS32) ", $" TRAMP_ADDR(tramp32) "\n"
    ".code32\n"
    "tramp32:\n"
    "	mov $" STR(KERNEL_DS) ", %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov %ax, %fs\n"
    "	mov %ax, %gs\n"
    "	mov $1, %esi\n"
    "	lock xadd %esi, ap_slot\n"
    "	mov %esi, %eax\n"
    "	inc %eax\n"
    "	shl $12, %eax\n"
    "	lea ap_stacks(%eax), %esp\n"
#ifdef __x86_64__
    "	mov %cr4, %eax\n"
    "	or $0x20, %eax\n"
    "	mov %eax, %cr4\n"
    "	mov " TRAMP_ADDR(tramp_cr3) ", %eax\n"
    "	mov %eax, %cr3\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	or $0x100, %eax\n"
    "	wrmsr\n"
    "	mov %cr0, %eax\n"
    "	or $0x80010000, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmpl $" STR(KERNEL_CS64) ", $" TRAMP_ADDR(tramp64) "\n"
    ".code64\n"
    "tramp64:\n"
    "	movl %esp, %esp\n"
    "	movl %esi, %edi\n"
    "	movabs $ap_main, %rax\n"
    "	call *%rax\n"
    "1:	cli\n"
    "	hlt\n"
    "	jmp 1b\n"
#else
    "	push %esi\n"
    "	mov $ap_main, %eax\n"
    "	call *%eax\n"
    "1:	cli\n"
    "	hlt\n"
    "	jmp 1b\n"
#endif
    ".balign 4\n"
    "tramp_gdtr: .word 0\n"
    "	.long 0\n"
    ".balign 4\n"
    "tramp_cr3: .long 0\n"
    "tramp_end:\n"
    ".popsection\n");

static uint32_t apic_id(void) { return REG(0x20) >> 24; }
static void apic_eoi(void) { REG(0xb0) = 0; }

static void count(unsigned slot)
{
	uint32_t id = apic_id();

	if (id < MAX_CPUS)
		__atomic_fetch_add(&got[id][slot], 1, __ATOMIC_SEQ_CST);
}

static void nmi_handler(struct excp_frame *f) { (void)f; count(0); }
static void ipi_handler(struct excp_frame *f)
{
	count((f->vector & 0xff) - VEC_PHYS + 1);
	apic_eoi();
}

void ap_main(uint32_t slot)
{
	volatile struct ap_info *me = &info[slot < MAX_CPUS ? slot : 0];
	struct cpuid_regs r = cpuid(1);
	uint32_t id;

	asm volatile("lidt %0" : : "m"(bsp_idtr));
	REG(0xf0) = 0x1ff;                      /* software enable, spurious 0xff */
	id = apic_id();
	REG(0xe0) = 0xffffffffu;                /* flat logical model */
	REG(0xd0) = id < 8 ? 1u << (24 + id) : 0;
	me->apic_id = id;
	me->cpuid_apic_id = r.b >> 24;
	me->logical_count = (r.b >> 16) & 0xff;
	me->x2apic_id = cpuid(0).a >= 0xb ? cpuid_count(0xb, 0).d : ~0u;
	me->apic_base = (uint32_t)rdmsr(MSR_IA32_APIC_BASE);
	__atomic_fetch_add(&ap_started, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < LOCK_ROUNDS; i++)
		asm volatile("lock incl %0" : "+m"(lock_counter));
	__atomic_fetch_add(&ap_done, 1, __ATOMIC_SEQ_CST);
	for (;;)
		asm volatile("sti; hlt; cli" : : : "memory");
}

/* ---------------------------------------------------------------- BSP side */

static uint16_t fwcfg_u16(uint16_t key)
{
	outw(0x510, key);
	return (uint16_t)(inb(0x511) | inb(0x511) << 8);
}

static const uint8_t *find_rsdp(void)
{
	for (uintptr_t p = 0xe0000; p < 0x100000; p += 16)
		if (!memcmp((const void *)p, "RSD PTR ", 8))
			return (const uint8_t *)p;
	return NULL;
}

/* The MADT's enabled processor local APICs (ACPI 6.4, 5.2.12.2): count and IDs. */
static int madt_cpus(uint8_t ids[MAX_CPUS])
{
	const uint8_t *rsdp = find_rsdp(), *rsdt, *madt = NULL;
	uint32_t len;
	int n = 0;

	if (!rsdp)
		return -1;
	rsdt = (const uint8_t *)(uintptr_t)*(const uint32_t *)(rsdp + 16);
	len = *(const uint32_t *)(rsdt + 4);
	for (uint32_t off = 36; off + 4 <= len; off += 4) {
		const uint8_t *t = (const uint8_t *)(uintptr_t)*(const uint32_t *)(rsdt + off);

		if (!memcmp(t, "APIC", 4))
			madt = t;
	}
	if (!madt)
		return -1;
	len = *(const uint32_t *)(madt + 4);
	for (uint32_t off = 44; off + 2 <= len && madt[off + 1]; off += madt[off + 1])
		if (madt[off] == 0 && (madt[off + 4] & 1) && n < MAX_CPUS)
			ids[n++] = madt[off + 3];
	return n;
}

static void delay(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		pause();
}

/* Send an IPI and wait for the delivery status to go idle (11.6.1). */
static bool send_ipi(uint32_t lo, uint32_t dest)
{
	REG(0x310) = dest << 24;
	REG(0x300) = lo;
	for (unsigned i = 0; i < 1000000; i++)
		if (!(REG(0x300) & (1u << 12)))
			return true;
	return false;
}

static bool wait_for(volatile uint32_t *p, uint32_t want)
{
	for (unsigned i = 0; i < 20000000 && *p < want; i++)
		pause();
	return *p >= want;
}

/* Let the BSP take what is pending for it, then give the APs time to take theirs. */
static void settle(void)
{
	asm volatile("sti; nop; nop; cli" : : : "memory");
	delay(200000);
}

static unsigned got_total(unsigned slot)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += got[i][slot];
	return n;
}

static void start_aps(unsigned ncpus)
{
	struct { uint16_t limit; unsigned long base; } __attribute__((packed)) gdtr;

	asm volatile("sgdt %0" : "=m"(gdtr));
	asm volatile("sidt %0" : "=m"(bsp_idtr));
	memcpy((void *)TRAMP_BASE, tramp_start, (size_t)(tramp_end - tramp_start));
	memcpy((void *)(TRAMP_BASE + (tramp_gdtr - tramp_start)), &gdtr, 6);
	*(volatile uint32_t *)(TRAMP_BASE + (tramp_cr3 - tramp_start)) = (uint32_t)read_cr3();

	/* INIT (assert), INIT level de-assert, SIPI twice: 10.4.4.1's sequence. */
	report(send_ipi(0xc4500, 0), "INIT to all but self: delivered");
	delay(100000);
	report(send_ipi(0xc8500, 0), "INIT level de-assert: delivered");
	report(send_ipi(0xc4600 | (TRAMP_BASE >> 12), 0), "first SIPI: delivered");
	delay(20000);
	report(send_ipi(0xc4600 | (TRAMP_BASE >> 12), 0), "second SIPI: delivered");
	report(wait_for(&ap_started, ncpus - 1), "all %u APs started (%u)", ncpus - 1, ap_started);
	expect_eq(ap_slot, ncpus - 1, "the second SIPI started no AP twice");
}

static void check_aps(unsigned ncpus, const uint8_t *madt_ids)
{
	uint32_t seen = 1u << apic_id();

	for (unsigned s = 0; s < ncpus - 1; s++) {
		volatile struct ap_info *a = &info[s];

		report(a->apic_id < MAX_CPUS && !(seen & (1u << a->apic_id)),
		       "AP %u: APIC ID %u is unique", s, a->apic_id);
		if (a->apic_id < MAX_CPUS)
			seen |= 1u << a->apic_id;
		expect_eq(a->cpuid_apic_id, a->apic_id, "AP: CPUID initial APIC ID = APIC ID");
		if (a->x2apic_id != ~0u)
			expect_eq(a->x2apic_id, a->apic_id, "AP: CPUID.0BH x2APIC ID = APIC ID");
		expect_eq(a->logical_count, cpuid(1).b >> 16 & 0xff, "AP: logical count as the BSP's");
		expect_eq(a->apic_base & 0x900, 0x800, "AP: APIC enabled, not BSP");
	}
	for (unsigned i = 0; i < ncpus; i++)
		report(seen & (1u << madt_ids[i]), "MADT APIC ID %u is a running CPU", madt_ids[i]);
}

static void check_ipis(unsigned ncpus)
{
	uint32_t bsp = apic_id(), ap1 = info[0].apic_id, lmask = 0;

	for (unsigned s = 0; s < ncpus - 1; s++)
		if (info[s].apic_id < 8)
			lmask |= 1u << info[s].apic_id;

	for (unsigned s = 0; s < ncpus - 1; s++)
		send_ipi(VEC_PHYS, info[s].apic_id);            /* fixed, physical */
	settle();
	for (unsigned s = 0; s < ncpus - 1; s++)
		expect_eq(got[info[s].apic_id][1], 1, "fixed physical IPI reaches its AP");
	expect_eq(got[bsp][1], 0, "fixed physical IPI: not the BSP");

	send_ipi(0xc0000 | VEC_ALL_BUT_SELF, 0);
	settle();
	expect_eq(got_total(2), ncpus - 1, "all excluding self: every AP once");
	expect_eq(got[bsp][2], 0, "all excluding self: not the sender");

	send_ipi(0x80000 | VEC_ALL, 0);
	settle();
	expect_eq(got_total(3), ncpus, "all including self: every CPU once");
	expect_eq(got[bsp][3], 1, "all including self: the sender too");

	send_ipi(0x40000 | VEC_SELF, 0);
	settle();
	expect_eq(got_total(4), 1, "self IPI: one CPU");
	expect_eq(got[bsp][4], 1, "self IPI: the sender");

	/* Logical, flat model: every other AP by its LDR bit. */
	send_ipi(0x800 | VEC_LOGICAL, lmask & 0xaa);
	settle();
	for (unsigned s = 0; s < ncpus - 1; s++) {
		uint32_t id = info[s].apic_id;

		if (id < 8)
			expect_eq(got[id][5], (lmask & 0xaa) >> id & 1, "logical flat IPI: by LDR bit");
	}

	send_ipi(0x800 | 0x100 | VEC_LOWEST, lmask);           /* lowest priority */
	settle();
	expect_eq(got_total(6), 1, "lowest priority: exactly one CPU");

	send_ipi(0x400, ap1);                                   /* NMI */
	settle();
	expect_eq(got[ap1][0], 1, "NMI IPI reaches its AP");
	expect_eq(got_total(0), 1, "NMI IPI: no one else");
}

int main(void)
{
	unsigned ncpus;
	uint8_t madt_ids[MAX_CPUS];
	int nmadt;

	if (!(cpuid(1).d & (1u << 9))) {
		report_skip("smp", "no local APIC");
		return 0;
	}
	outb(0x21, 0xff);               /* the PICs out of the way */
	outb(0xa1, 0xff);
	ncpus = fwcfg_u16(0x05);
	nmadt = madt_cpus(madt_ids);
	expect_eq(nmadt, (int)ncpus, "MADT lists every CPU of fw_cfg");
	if (ncpus < 2 || ncpus > MAX_CPUS || nmadt != (int)ncpus) {
		report_skip("smp", "needs 2 to 32 CPUs (-smp N)");
		return 0;
	}
	expect_eq(rdmsr(MSR_IA32_APIC_BASE) & 0x900, 0x900, "BSP: APIC enabled, BSP flag");
	expect_eq(cpuid(1).b >> 24, apic_id(), "BSP: CPUID initial APIC ID = APIC ID");
	idt_set_handler(2, nmi_handler);
	for (unsigned v = VEC_PHYS; v <= VEC_LOWEST; v++)
		idt_set_handler(v, ipi_handler);
	REG(0xf0) = 0x1ff;
	REG(0xe0) = 0xffffffffu;
	REG(0xd0) = apic_id() < 8 ? 1u << (24 + apic_id()) : 0;

	start_aps(ncpus);
	if (ap_started != ncpus - 1)
		report_abort("smp", "APs did not start");
	check_aps(ncpus, madt_ids);

	for (unsigned i = 0; i < LOCK_ROUNDS; i++)
		asm volatile("lock incl %0" : "+m"(lock_counter));
	report(wait_for(&ap_done, ncpus - 1), "every AP finished its LOCK INC rounds");
	expect_eq(lock_counter, ncpus * LOCK_ROUNDS, "LOCKed counter: exact total");

	check_ipis(ncpus);
	return 0;
}
