/*
 * tests/guest/lib/excp.c - what happens when a guest test takes an exception:
 * a handler the test installed runs, or the exception is recorded in g_excp and
 * execution resumes after the ASM_TRY sequence that raised it (fixup table in
 * section .ex_table, bounded by the linker script's __ex_table_start/_end).
 * Anything else is an unexpected exception: reported as a failure, then exit.
 */
#include "guest.h"

struct ex_entry {
	unsigned long ip;       /* first instruction of the ASM_TRY sequence */
	unsigned long fixup;    /* the end of the sequence */
};

extern const struct ex_entry __ex_table_start[], __ex_table_end[];

volatile struct excp_record g_excp;
static guest_handler_fn g_handlers[256];

static const char *const g_excp_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF-old", "#TS",
	"#NP", "#SS", "#GP", "#PF", "vec15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	"vec22", "vec23", "vec24", "vec25", "vec26", "vec27", "#HV", "#VC", "#SX", "vec31",
};

const char *excp_name(unsigned vector)
{
	return vector < 32 ? g_excp_names[vector] : "interrupt";
}

void excp_clear(void)
{
	g_excp.taken = false;
	g_excp.count = 0;
	g_excp.vector = 0;
	g_excp.error_code = 0;
	g_excp.ip = 0;
	g_excp.cr2 = 0;
}

void idt_set_handler(unsigned vec, guest_handler_fn fn)
{
	if (vec > 255)
		report_abort("idt_set_handler", "vector %u out of range", vec);
	g_handlers[vec] = fn;
}

/* Trap-class exceptions report the instruction after the one that trapped
 * (SDM vol. 3, 6.5): #BP, #OF and the trap kinds of #DB. */
static bool excp_is_trap(unsigned vector)
{
	return vector == BP_VECTOR || vector == OF_VECTOR || vector == DB_VECTOR;
}

static const struct ex_entry *excp_find_fixup(unsigned long ip, unsigned vector)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->ip == ip || (excp_is_trap(vector) && e->fixup == ip))
			return e;
	}
	return NULL;
}

/* An exception while reporting an unexpected one: say so with nothing but port
 * writes (printf may be what faults) and exit, instead of recursing until the
 * stack overflows into a triple fault. */
static void excp_nested_abort(unsigned vector)
{
	static const char msg[] = "\nFAIL nested-exception: vector ";

	for (const char *c = msg; *c; c++)
		outb(0x3f8, *c);
	outb(0x3f8, '0' + vector / 100 % 10);
	outb(0x3f8, '0' + vector / 10 % 10);
	outb(0x3f8, '0' + vector % 10);
	outb(0x3f8, '\n');
	guest_exit(1);
}

void excp_dispatch(struct excp_frame *f);

void excp_dispatch(struct excp_frame *f)
{
	static bool aborting;
	unsigned vector = f->vector & 0xff;
	const struct ex_entry *e;

	if (aborting)
		excp_nested_abort(vector);

	if (g_handlers[vector]) {
		g_handlers[vector](f);
		return;
	}
	g_excp.taken = true;
	g_excp.count++;
	g_excp.vector = vector;
	g_excp.error_code = f->error_code;
	g_excp.ip = f->ip;
	g_excp.cr2 = vector == PF_VECTOR ? read_cr2() : 0;
	e = excp_find_fixup(f->ip, vector);
	if (e) {
		f->ip = e->fixup;
		return;
	}
	aborting = true;
	report_abort("unexpected-exception", "vector %u (%s) error code %#lx at ip %#lx cs %#lx, cr2 %#lx",
		     vector, excp_name(vector), (unsigned long)f->error_code, (unsigned long)f->ip,
		     (unsigned long)f->cs, (unsigned long)g_excp.cr2);
}

static bool excp_check(int want_vector, bool check_err, unsigned long err, const char *name_fmt,
		       va_list ap)
{
	char name[160];
	bool ok;

	vsnprintf(name, sizeof(name), name_fmt, ap);
	if (want_vector < 0)
		ok = !g_excp.taken;
	else
		ok = g_excp.taken && g_excp.vector == (unsigned)want_vector &&
		     (!check_err || g_excp.error_code == err);
	if (ok) {
		report_pass("%s", name);
	} else if (!g_excp.taken) {
		report_fail(name, "no exception, expected %s", excp_name(want_vector));
	} else {
		report_fail(name, "got %s (vector %u) error code %#lx at ip %#lx cr2 %#lx, expected %s%s",
			    excp_name(g_excp.vector), g_excp.vector, g_excp.error_code, g_excp.ip,
			    g_excp.cr2, want_vector < 0 ? "none" : excp_name(want_vector),
			    check_err ? " with that error code" : "");
	}
	return ok;
}

bool expect_excp(unsigned vector, const char *name_fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, name_fmt);
	ok = excp_check((int)vector, false, 0, name_fmt, ap);
	va_end(ap);
	return ok;
}

bool expect_excp_err(unsigned vector, unsigned long err, const char *name_fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, name_fmt);
	ok = excp_check((int)vector, true, err, name_fmt, ap);
	va_end(ap);
	return ok;
}

bool expect_no_excp(const char *name_fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, name_fmt);
	ok = excp_check(-1, false, 0, name_fmt, ap);
	va_end(ap);
	return ok;
}

static int excp_result(void)
{
	return g_excp.taken ? (int)g_excp.vector : -1;
}

int try_rdmsr(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	excp_clear();
	asm volatile(ASM_TRY("rdmsr") : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (uint64_t)hi << 32 | lo;
	return excp_result();
}

int try_wrmsr(uint32_t msr, uint64_t val)
{
	excp_clear();
	asm volatile(ASM_TRY("wrmsr") : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
	return excp_result();
}

int try_read8(const volatile void *p, uint8_t *val)
{
	uint8_t v = 0;

	excp_clear();
	asm volatile(ASM_TRY("movb (%1), %0") : "+q"(v) : "r"(p) : "memory");
	*val = v;
	return excp_result();
}

int try_write8(volatile void *p, uint8_t val)
{
	excp_clear();
	asm volatile(ASM_TRY("movb %0, (%1)") : : "q"(val), "r"(p) : "memory");
	return excp_result();
}

int try_read32(const volatile void *p, uint32_t *val)
{
	uint32_t v = 0;

	excp_clear();
	asm volatile(ASM_TRY("movl (%1), %0") : "+r"(v) : "r"(p) : "memory");
	*val = v;
	return excp_result();
}

int try_write32(volatile void *p, uint32_t val)
{
	excp_clear();
	asm volatile(ASM_TRY("movl %0, (%1)") : : "r"(val), "r"(p) : "memory");
	return excp_result();
}
