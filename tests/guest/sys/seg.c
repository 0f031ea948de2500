/*
 * tests/guest/sys/seg.c - segmentation and privilege: segment-load faults and
 * their selector error codes, limit/type checks, IDT faults with the EXT and IDT
 * bits, LAR/LSL/VERR/VERW, ARPL, call gates (same privilege, inner privilege with
 * parameter copy, far RET and IRET back to the outer level), conforming code,
 * and UMIP. Built as seg32 and seg64 (call gates, ARPL and limits: 32-bit only).
 *
 * Expectations: Intel SDM vol. 3 (edition in docs/spec-versions.md): 3.4.5
 * (descriptors), 5.3-5.8 (limit, type and privilege checks, call gates, 5.8.5
 * stack switching, 5.8.6 returning), 6.12.1 (IDT access), 6.13 (error code: EXT,
 * IDT, TI, index), 6.15 (#NP, #SS, #GP); vol. 2: MOV, LAR, LSL, VERR, ARPL, CALL,
 * RET, IRET, INT n, SGDT (UMIP, vol. 3 2.5).
 */
#include "guest.h"

#define CR4_UMIP (1ul << 11)

/* Free GDT entries (layout.h: 11..15) */
#define E_GATE_PARAM 11
#define E_GATE_IRET 12
#define E_GATE_SAME 13
#define E_SEG_A 14
#define E_SEG_B 15
#define SEL(e) ((e) << 3)

static uint64_t g_saved_a, g_saved_b;

/* A raw code/data descriptor (SDM vol. 3, 3.4.5, figure 3-8). */
static uint64_t seg_desc(uint32_t base, uint32_t limit, unsigned access, unsigned flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)(access & 0xff) << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)(flags & 0xf) << 52 |
	       (uint64_t)(base >> 24) << 56;
}

#define CODE_X (SEG_ACCESS_P | SEG_ACCESS_S | SEG_ACCESS_CODE)          /* execute-only */
#define DATA_RW (SEG_ACCESS_P | SEG_ACCESS_S | SEG_ACCESS_RW)
#define DATA_RO (SEG_ACCESS_P | SEG_ACCESS_S)

static int try_load(int which, uint16_t sel)
{
	excp_clear();
	switch (which) {
	case 0:
		asm volatile(ASM_TRY("mov %0, %%fs") : : "r"(sel) : "memory");
		break;
	case 1:
		asm volatile(ASM_TRY("mov %0, %%ss") : : "r"(sel) : "memory");
		break;
	}
	asm volatile("mov %0, %%fs" : : "r"(0));
	return g_excp.taken ? (int)g_excp.vector : -1;
}

static void expect_load(int which, uint16_t sel, int vec, unsigned long err, const char *what)
{
	try_load(which, sel);
	if (vec < 0)
		expect_no_excp("%s: %s %#x", what, which ? "SS" : "FS", sel);
	else
		expect_excp_err(vec, err, "%s: %s %#x", what, which ? "SS" : "FS", sel);
}

/* ---------------------------------------------------- segment-register loads */

/* SDM vol. 2, MOV (protected-mode exceptions) and vol. 3, 6.13: the error code is
 * the selector with bits 1:0 replaced by IDT = 0 and EXT = 0. */
static void test_loads(void)
{
	expect_load(0, 0xfff8 | 3, GP_VECTOR, 0xfff8, "index beyond GDT limit: #GP(sel), RPL dropped");
	guest_gdt[E_SEG_A] = seg_desc(0, 0xfffff, DATA_RW & ~SEG_ACCESS_P, SEG_FLAG_G | SEG_FLAG_DB);
	expect_load(0, SEL(E_SEG_A), NP_VECTOR, SEL(E_SEG_A), "not-present data: #NP(sel)");
	expect_load(1, SEL(E_SEG_A), SS_VECTOR, SEL(E_SEG_A), "not-present stack: #SS(sel)");
	guest_gdt[E_SEG_A] = seg_desc(0, 0xfffff, DATA_RO, SEG_FLAG_G | SEG_FLAG_DB);
	expect_load(1, SEL(E_SEG_A), GP_VECTOR, SEL(E_SEG_A), "read-only data into SS: #GP(sel)");
	expect_load(0, SEL(E_SEG_A), -1, 0, "read-only data into FS");
	guest_gdt[E_SEG_A] = seg_desc(0, 0xfffff, CODE_X, SEG_FLAG_G | SEG_FLAG_DB);
	expect_load(0, SEL(E_SEG_A), GP_VECTOR, SEL(E_SEG_A), "execute-only code into FS: #GP(sel)");
	expect_load(0, USER_CS32, -1, 0, "readable code, DPL 3, into FS at CPL 0");
	expect_load(1, USER_DS, GP_VECTOR, USER_DS & ~3, "SS with DPL 3 at CPL 0: #GP(sel)");
	expect_load(0, KERNEL_DS | 3, GP_VECTOR, KERNEL_DS, "RPL 3 > DPL 0: #GP(sel)");
	expect_load(0, TSS_SEL, GP_VECTOR, TSS_SEL, "system descriptor (TSS) into FS: #GP(sel)");
	expect_load(0, 0x0c | 4, GP_VECTOR, 0x0c, "LDT selector with a null LDTR: #GP(sel)");
	expect_load(0, 0, -1, 0, "null selector into FS");
}

static unsigned long user_load_kernel_ds(unsigned long arg)
{
	excp_clear();
	asm volatile(ASM_TRY("mov %0, %%fs") : : "r"((uint16_t)arg) : "memory");
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

/* ------------------------------------------------------------ IDT faults */

static void idt_set_present(unsigned vec, bool present)
{
	struct desc_ptr idtr;
	uint8_t *gate;

	asm volatile("sidt %0" : "=m"(idtr));
#ifdef __x86_64__
	gate = (uint8_t *)idtr.base + vec * 16;
#else
	gate = (uint8_t *)idtr.base + vec * 8;
#endif
	gate[5] = present ? (gate[5] | 0x80) : (gate[5] & 0x7f);
}

static unsigned long user_int80(unsigned long arg)
{
	excp_clear();
	asm volatile(ASM_TRY("int $0x80") : : : "memory");
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

static unsigned long user_int3(unsigned long arg)
{
	excp_clear();
	asm volatile(ASM_TRY("int3") : : : "memory");
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

/* SDM vol. 3, 6.13: IDT = 1 when the index refers to a gate; EXT = 1 when an event
 * external to the program (a hardware exception here) caused it. INT n: EXT = 0. */
static void test_idt_faults(void)
{
	struct desc_ptr idtr, small;

	idt_set_present(0x81, false);
	excp_clear();
	asm volatile(ASM_TRY("int $0x81") : : : "memory");
	expect_excp_err(NP_VECTOR, 0x81 << 3 | 2, "INT 0x81, gate not present: #NP(vec*8+2)");
	idt_set_present(0x81, true);

	/* #UD is benign: the #NP during its delivery is delivered serially (6.15,
	 * table 6-5), with EXT = 1. */
	idt_set_present(UD_VECTOR, false);
	excp_clear();
	asm volatile(ASM_TRY("ud2") : : : "memory");
	idt_set_present(UD_VECTOR, true);
	expect_excp_err(NP_VECTOR, UD_VECTOR << 3 | 2 | 1, "#UD, gate not present: #NP(vec*8+IDT+EXT)");
	/* #DE and #NP are both contributory: #DF(0) (table 6-5). */
	idt_set_present(DE_VECTOR, false);
	excp_clear();
	asm volatile(ASM_TRY("divl %%ecx") : : "a"(1), "d"(0), "c"(0) : "memory");
	idt_set_present(DE_VECTOR, true);
	expect_excp_err(DF_VECTOR, 0, "#DE, gate not present: #DF(0)");

	asm volatile("sidt %0" : "=m"(idtr));
	small = idtr;
#ifdef __x86_64__
	small.limit = 0x80 * 16 - 1;
#else
	small.limit = 0x80 * 8 - 1;
#endif
	asm volatile("lidt %0" : : "m"(small));
	excp_clear();
	asm volatile(ASM_TRY("int $0x80") : : : "memory");
	asm volatile("lidt %0" : : "m"(idtr));
	expect_excp_err(GP_VECTOR, 0x80 << 3 | 2, "INT 0x80 beyond IDT limit: #GP(vec*8+2)");

	/* INT n from CPL 3 through a DPL-0 gate: #GP(vec*8+2) (INT n, 6.12.1.1). */
	expect_eq(run_user(user_int80, 0), GP_VECTOR << 16 | (0x80 << 3 | 2),
		  "INT 0x80 at CPL 3, gate DPL 0: #GP(0x402)");
	expect_eq(run_user(user_int3, 0), GP_VECTOR << 16 | (3 << 3 | 2),
		  "INT3 at CPL 3, gate DPL 0: #GP(0x1a)");
	expect_eq(run_user(user_load_kernel_ds, KERNEL_DS), GP_VECTOR << 16 | KERNEL_DS,
		  "MOV FS, DPL-0 data at CPL 3: #GP(sel)");
}

/* ------------------------------------------------ LAR, LSL, VERR, VERW, ARPL */

static bool lar(uint16_t sel, unsigned long *v)
{
	bool z;

	*v = 0;
	asm volatile("lar %2, %0\n\tsetz %1" : "+r"(*v), "=q"(z) : "r"((unsigned long)sel) : "cc");
	return z;
}

static bool lsl(uint16_t sel, unsigned long *v)
{
	bool z;

	*v = 0;
	asm volatile("lsl %2, %0\n\tsetz %1" : "+r"(*v), "=q"(z) : "r"((unsigned long)sel) : "cc");
	return z;
}

static bool verr(uint16_t sel)
{
	bool z;

	asm volatile("verr %1\n\tsetz %0" : "=q"(z) : "r"(sel) : "cc");
	return z;
}

static bool verw(uint16_t sel)
{
	bool z;

	asm volatile("verw %1\n\tsetz %0" : "=q"(z) : "r"(sel) : "cc");
	return z;
}

static unsigned long user_lar_checks(unsigned long arg)
{
	unsigned long v;
	unsigned long r = 0;

	r |= (unsigned long)lar(KERNEL_DS, &v) << 0;          /* DPL 0 < CPL 3: ZF = 0 */
	r |= (unsigned long)lar(USER_DS | 3, &v) << 1;        /* ZF = 1 */
	r |= (unsigned long)verr(KERNEL_CS32) << 2;           /* ZF = 0 */
	r |= (unsigned long)verr(SEL(E_SEG_B) | 3) << 3;      /* conforming readable: ZF = 1 */
	r |= (unsigned long)lsl(KERNEL_DS, &v) << 4;          /* ZF = 0 */
	return r;
}

static void test_lar_lsl(void)
{
	unsigned long v;
	uint64_t d = guest_gdt[KERNEL_CS32 >> 3];

	bool z = lar(KERNEL_CS32, &v);

	report(z && (v & 0x00f0ff00) == ((d >> 32) & 0x00f0ff00),
	       "LAR code segment: ZF=1, access rights %#lx", v);
	report(!lar(0, &v), "LAR null selector: ZF=0");
	report(!lar(0xfff8, &v), "LAR beyond GDT limit: ZF=0");
	report(lar(TSS_SEL, &v) && ((v >> 8) & 0xf) == 0xb, "LAR busy TSS: ZF=1, type 0xb");
	report(lsl(KERNEL_DS, &v) && (uint32_t)v == 0xffffffffu, "LSL flat data (G=1): 0xffffffff");
	guest_gdt[E_SEG_A] = seg_desc(0x1000, 0x1234, DATA_RW, 0);
	z = lsl(SEL(E_SEG_A), &v);
	report(z && v == 0x1234, "LSL byte-granular data: limit %#lx", v);
	guest_gdt[E_SEG_A] = seg_desc(0, 0x12, DATA_RW, SEG_FLAG_G);
	z = lsl(SEL(E_SEG_A), &v);
	report(z && v == 0x12fff, "LSL page-granular data: limit %#lx", v);
	report(lsl(TSS_SEL, &v), "LSL TSS: ZF=1");
	/* An interrupt-gate type in the GDT: LAR/LSL refuse it (LAR, table 3-60). */
	guest_gdt[E_SEG_A] = 0x00008e0000000000ull | (KERNEL_CS32 << 16);
	report(!lar(SEL(E_SEG_A), &v), "LAR interrupt-gate type: ZF=0");
	report(!lsl(SEL(E_SEG_A), &v), "LSL interrupt-gate type: ZF=0");
	/* Call gate: valid for LAR (both modes), never for LSL. */
	guest_gdt[E_SEG_A] = 0x00008c0000000000ull | (KERNEL_CS32 << 16);
#ifdef __x86_64__
	guest_gdt[E_SEG_A + 1] = 0;
#endif
	report(lar(SEL(E_SEG_A), &v) && ((v >> 8) & 0x1f) == 0x0c, "LAR call gate: ZF=1");
	report(!lsl(SEL(E_SEG_A), &v), "LSL call gate: ZF=0");

	report(verr(KERNEL_CS32), "VERR readable code: ZF=1");
	guest_gdt[E_SEG_A] = seg_desc(0, 0xfffff, CODE_X, SEG_FLAG_G | SEG_FLAG_DB);
	report(!verr(SEL(E_SEG_A)), "VERR execute-only code: ZF=0");
	report(verw(KERNEL_DS), "VERW writable data: ZF=1");
	report(!verw(KERNEL_CS32), "VERW code: ZF=0");
	guest_gdt[E_SEG_A] = seg_desc(0, 0xfffff, DATA_RO, SEG_FLAG_G | SEG_FLAG_DB);
	report(verr(SEL(E_SEG_A)) && !verw(SEL(E_SEG_A)), "VERR/VERW read-only data: 1/0");
	report(!verr(0) && !verw(0), "VERR/VERW null: ZF=0");

	/* At CPL 3: DPL checks (conforming readable code passes VERR). */
	guest_gdt[E_SEG_B] = seg_desc(0, 0xfffff, CODE_X | SEG_ACCESS_RW | 0x4, SEG_FLAG_G | SEG_FLAG_DB);
	expect_eq(run_user(user_lar_checks, 0), 0x0a, "LAR/VERR/LSL at CPL 3");
}

#ifndef __x86_64__
static void test_arpl(void)
{
	uint16_t dst = 0x10;
	bool z;

	asm volatile("arpl %2, %0\n\tsetz %1" : "+r"(dst), "=q"(z) : "r"((uint16_t)3) : "cc");
	report(z && dst == 0x13, "ARPL raises RPL: ZF=1, %#x", dst);
	asm volatile("arpl %2, %0\n\tsetz %1" : "+r"(dst), "=q"(z) : "r"((uint16_t)1) : "cc");
	report(!z && dst == 0x13, "ARPL keeps a higher RPL: ZF=0");
}

/* ------------------------------------------------ limits and types (32-bit) */

static uint8_t g_buf[0x2000] __attribute__((aligned(4096)));

static void test_limits(void)
{
	uint32_t v;
	uint32_t base = (uint32_t)(unsigned long)g_buf;

	guest_gdt[E_SEG_A] = seg_desc(base, 0xfff, DATA_RW, SEG_FLAG_DB);
	asm volatile("mov %0, %%fs" : : "r"(SEL(E_SEG_A)));
	excp_clear();
	asm volatile(ASM_TRY("movb %%fs:0xfff, %%al") : : : "eax", "memory");
	expect_no_excp("byte at the limit readable");
	excp_clear();
	asm volatile(ASM_TRY("movl %%fs:0xffe, %0") : "=r"(v) : : "memory");
	expect_excp_err(GP_VECTOR, 0, "dword crossing the limit: #GP(0)");
	excp_clear();
	asm volatile(ASM_TRY("movl %%fs:(%0), %%eax") : : "r"(0xfffffffful) : "eax", "memory");
	expect_excp_err(GP_VECTOR, 0, "offset 0xffffffff beyond limit: #GP(0)");

	/* Expand-down: valid offsets are limit+1 .. 0xffffffff with B = 1 (3.4.5.1). */
	guest_gdt[E_SEG_A] = seg_desc(0, 0xfff, DATA_RW | 0x4, SEG_FLAG_DB);
	asm volatile("mov %0, %%fs" : : "r"(SEL(E_SEG_A)));
	excp_clear();
	asm volatile(ASM_TRY("movl %%fs:0x800, %0") : "=r"(v) : : "memory");
	expect_excp_err(GP_VECTOR, 0, "expand-down: offset below limit: #GP(0)");
	excp_clear();
	asm volatile(ASM_TRY("movl %%fs:(%1), %0") : "=r"(v) : "r"(base) : "memory");
	expect_no_excp("expand-down: offset above limit");

	guest_gdt[E_SEG_A] = seg_desc(0, 0xfffff, DATA_RO, SEG_FLAG_G | SEG_FLAG_DB);
	asm volatile("mov %0, %%fs" : : "r"(SEL(E_SEG_A)));
	excp_clear();
	asm volatile(ASM_TRY("movb $1, %%fs:(%0)") : : "r"(base) : "memory");
	expect_excp_err(GP_VECTOR, 0, "write to read-only data: #GP(0)");
	excp_clear();
	asm volatile(ASM_TRY("movb $1, %%cs:(%0)") : : "r"(base) : "memory");
	expect_excp_err(GP_VECTOR, 0, "write through CS: #GP(0)");
	asm volatile("mov %0, %%fs" : : "r"(0));
	excp_clear();
	asm volatile(ASM_TRY("movl %%fs:(%1), %0") : "=r"(v) : "r"(base) : "memory");
	expect_excp_err(GP_VECTOR, 0, "access through a null FS: #GP(0)");
}

/* ------------------------------------------------------- call gates (32-bit) */

/* A 32-bit call gate (SDM vol. 3, 5.8.3, figure 5-8). */
static uint64_t call_gate(uint32_t off, uint16_t sel, unsigned dpl, unsigned params)
{
	return (off & 0xffff) | (uint64_t)sel << 16 | (uint64_t)(params & 31) << 32 |
	       (uint64_t)(0x8c | dpl << 5) << 40 | (uint64_t)(off >> 16) << 48;
}

volatile uint32_t g_gate_cs, g_gate_ss, g_gate_esp, g_gate_frame[6];

void gate_param_target(void);
void gate_iret_target(void);
void gate_same_target(void);
void conforming_target(void);
asm(".text\n"
    /* CPL 0 through a gate from CPL 3 with 2 parameters: record, put a DPL-0
     * selector in FS (the return to CPL 3 must null it), RET 8. */
    "gate_param_target:\n\t"
    "mov %cs, %eax\n\tmov %eax, g_gate_cs\n\t"
    "mov %ss, %eax\n\tmov %eax, g_gate_ss\n\t"
    "mov %esp, g_gate_esp\n\t"
    "mov 0(%esp), %eax\n\tmov %eax, g_gate_frame\n\t"
    "mov 4(%esp), %eax\n\tmov %eax, g_gate_frame+4\n\t"
    "mov 8(%esp), %eax\n\tmov %eax, g_gate_frame+8\n\t"
    "mov 12(%esp), %eax\n\tmov %eax, g_gate_frame+12\n\t"
    "mov 16(%esp), %eax\n\tmov %eax, g_gate_frame+16\n\t"
    "mov 20(%esp), %eax\n\tmov %eax, g_gate_frame+20\n\t"
    "mov $" "0x10" ", %eax\n\tmov %eax, %fs\n\t"
    "lret $8\n"
    /* One parameter (the caller's EFLAGS) makes the frame an IRET frame. */
    "gate_iret_target:\n\t"
    "mov $0x10, %eax\n\tmov %eax, %gs\n\t"
    "iret\n"
    "gate_same_target:\n\t"
    "mov %cs, %eax\n\tmov %eax, g_gate_cs\n\t"
    "mov %esp, g_gate_esp\n\t"
    "lret\n"
    "conforming_target:\n\t"
    "mov %cs, %eax\n\tmov %eax, g_gate_cs\n\t"
    "lret\n");

static uint32_t tss_esp0(void)
{
	uint64_t d = guest_gdt[TSS_SEL >> 3];
	uint32_t base = ((d >> 16) & 0xffffff) | ((d >> 56) << 24);

	return *(volatile uint32_t *)(unsigned long)(base + 4);
}

static unsigned long user_gate_param(unsigned long arg)
{
	unsigned long before, after, fs;

	asm volatile("mov %%esp, %0\n\t"
		     "push $0x1111\n\t"
		     "push $0x2222\n\t"
		     "lcall $" "0x5b" ", $0\n\t"
		     "mov %%esp, %1\n\t"
		     "mov %%fs, %2"
		     : "=&r"(before), "=&r"(after), "=&r"(fs) : : "eax", "memory");
	return (before == after) | ((fs & 0xffff) == 0) << 1;
}

static unsigned long user_gate_iret(unsigned long arg)
{
	unsigned long before, after, gs;

	asm volatile("mov %%esp, %0\n\t"
		     "pushf\n\t"
		     "lcall $" "0x63" ", $0\n\t"
		     "mov %%esp, %1\n\t"
		     "add $4, %%esp\n\t"
		     "mov %%gs, %2"
		     : "=&r"(before), "=&r"(after), "=&r"(gs) : : "eax", "memory");
	return (after == before - 4) | ((gs & 0xffff) == 0) << 1;
}

static unsigned long user_gate_same(unsigned long arg)
{
	excp_clear();
	asm volatile(ASM_TRY("lcall $" "0x6b" ", $0") : : : "eax", "memory");
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

static unsigned long user_conforming(unsigned long arg)
{
	asm volatile("lcall $" "0x7b" ", $conforming_target" : : : "eax", "memory");
	return g_gate_cs & 0xffff;
}

static unsigned long user_lret_inner(unsigned long arg)
{
	excp_clear();
	asm volatile("push $0x08\n\t"
		     "push $1f\n\t"
		     ASM_TRY("lret")
		     "add $8, %%esp\n"
		     "1:"
		     : : : "memory");
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

static void test_call_gates(void)
{
	unsigned long before;

	_Static_assert(SEL(E_GATE_PARAM) == 0x58 && SEL(E_GATE_IRET) == 0x60 &&
		       SEL(E_GATE_SAME) == 0x68 && SEL(E_SEG_B) == 0x78, "selectors in the asm");
	guest_gdt[E_GATE_PARAM] = call_gate((uint32_t)(unsigned long)gate_param_target, KERNEL_CS32, 3, 2);
	guest_gdt[E_GATE_IRET] = call_gate((uint32_t)(unsigned long)gate_iret_target, KERNEL_CS32, 3, 1);
	guest_gdt[E_GATE_SAME] = call_gate((uint32_t)(unsigned long)gate_same_target, KERNEL_CS32, 0, 0);

	/* Same privilege: no stack switch, CS:EIP pushed (5.8.4). */
	asm volatile("mov %%esp, %0\n\tlcall $0x68, $0" : "=&r"(before) : : "eax", "memory");
	report((g_gate_cs & 0xffff) == KERNEL_CS32 && g_gate_esp == before - 8,
	       "call gate, same privilege: CS %#x, 8 bytes pushed", g_gate_cs & 0xffff);

	/* Inner privilege: SS0:ESP0 from the TSS, caller SS:ESP, 2 parameters, CS:EIP
	 * (5.8.5, figure 5-13); RET 8 back to CPL 3 (5.8.6) nulls FS (DPL 0). */
	memset((void *)g_gate_frame, 0, sizeof(g_gate_frame));
	expect_eq(run_user(user_gate_param, 0), 3, "call gate to CPL 0 and RET 8: ESP restored, FS nulled");
	expect_eq(g_gate_cs & 0xffff, KERNEL_CS32, "call gate: CS is the gate's selector");
	expect_eq(g_gate_ss & 0xffff, KERNEL_DS, "call gate: SS from TSS.SS0");
	expect_eq(g_gate_esp, tss_esp0() - 24, "call gate: ESP = TSS.ESP0 - 24");
	expect_eq(g_gate_frame[1], USER_CS32, "call gate frame: caller CS");
	expect_eq(g_gate_frame[2], 0x2222, "call gate frame: last parameter");
	expect_eq(g_gate_frame[3], 0x1111, "call gate frame: first parameter");
	expect_eq(g_gate_frame[5], USER_DS, "call gate frame: caller SS");

	expect_eq(run_user(user_gate_iret, 0), 3, "IRET to CPL 3 from a gate frame: ESP, GS nulled");

	expect_eq(run_user(user_gate_same, 0), GP_VECTOR << 16 | SEL(E_GATE_SAME),
		  "call gate DPL 0 from CPL 3: #GP(gate)");
	guest_gdt[E_SEG_B] = seg_desc(0, 0xfffff, CODE_X & ~SEG_ACCESS_P, SEG_FLAG_G | SEG_FLAG_DB);
	guest_gdt[E_GATE_SAME] = call_gate((uint32_t)(unsigned long)gate_same_target, SEL(E_SEG_B), 0, 0);
	excp_clear();
	asm volatile(ASM_TRY("lcall $0x68, $0") : : : "eax", "memory");
	expect_excp_err(NP_VECTOR, SEL(E_SEG_B), "call gate to a not-present code segment: #NP(code)");

	/* Conforming code: CPL stays 3, CS.RPL = 3 (5.8.1.2). */
	guest_gdt[E_SEG_B] = seg_desc(0, 0xfffff, CODE_X | SEG_ACCESS_RW | 0x4, SEG_FLAG_G | SEG_FLAG_DB);
	expect_eq(run_user(user_conforming, 0), SEL(E_SEG_B) | 3, "far call to conforming DPL-0 code at CPL 3");

	/* Direct far JMP to non-conforming code of another DPL: #GP(sel) (JMP). */
	excp_clear();
	asm volatile(ASM_TRY("ljmp $0x23, $0") : : : "memory");
	expect_excp_err(GP_VECTOR, USER_CS32 & ~3, "far JMP to DPL-3 code at CPL 0: #GP(sel)");
	/* Far RET to a more privileged level: #GP(sel) (RET). */
	expect_eq(run_user(user_lret_inner, 0), GP_VECTOR << 16 | KERNEL_CS32,
		  "far RET from CPL 3 to CPL 0 code: #GP(sel)");
}
#endif

/* ----------------------------------------------------------------- UMIP */

static unsigned long user_umip(unsigned long which)
{
	struct desc_ptr d;
	unsigned long v = 0;

	excp_clear();
	switch (which) {
	case 0:
		asm volatile(ASM_TRY("sgdt %0") : "=m"(d) : : "memory");
		break;
	case 1:
		asm volatile(ASM_TRY("sidt %0") : "=m"(d) : : "memory");
		break;
	case 2:
		asm volatile(ASM_TRY("sldt %0") : "+r"(v) : : "memory");
		break;
	case 3:
		asm volatile(ASM_TRY("str %0") : "+r"(v) : : "memory");
		break;
	case 4:
		asm volatile(ASM_TRY("smsw %0") : "+r"(v) : : "memory");
		break;
	}
	return g_excp.taken ? g_excp.vector << 16 | g_excp.error_code : 0xffff;
}

static void test_umip(void)
{
	static const char *const names[] = { "SGDT", "SIDT", "SLDT", "STR", "SMSW" };
	struct desc_ptr d;

	for (unsigned i = 0; i < 5; i++)
		expect_eq(run_user(user_umip, i), 0xffff, names[i]);
	if (cpuid(0).a < 7 || !(cpuid_count(7, 0).c & (1u << 2))) {
		report_skip("umip", "CPUID.07H:ECX.UMIP = 0");
		return;
	}
	write_cr4(read_cr4() | CR4_UMIP);
	for (unsigned i = 0; i < 5; i++) {
		char name[40];

		snprintf(name, sizeof(name), "UMIP: %s at CPL 3: #GP(0)", names[i]);
		expect_eq(run_user(user_umip, i), GP_VECTOR << 16, name);
	}
	excp_clear();
	asm volatile(ASM_TRY("sgdt %0") : "=m"(d) : : "memory");
	expect_no_excp("UMIP: SGDT at CPL 0");
	write_cr4(read_cr4() & ~CR4_UMIP);
}

int main(void)
{
	g_saved_a = guest_gdt[E_SEG_A];
	g_saved_b = guest_gdt[E_SEG_B];
#ifdef __x86_64__
	pt_set_user_image(true);
#endif
	test_loads();
	test_idt_faults();
	test_lar_lsl();
#ifndef __x86_64__
	test_arpl();
	test_limits();
	test_call_gates();
#endif
	test_umip();
	guest_gdt[E_SEG_A] = g_saved_a;
	guest_gdt[E_SEG_B] = g_saved_b;
	return 0;
}
