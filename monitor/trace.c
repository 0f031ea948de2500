/*
 * monitor/trace.c - the -d items that look at blocks (in_asm, exec, cpu), -dfilter,
 * and the register dump shared with the monitor's info registers.
 *
 * The engine calls the hooks only while one of the items is on (translate.h), so
 * none of this costs anything otherwise.
 */
#define _GNU_SOURCE     /* memmem */
#include "monitor/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t g_filter_start[TRACE_MAX_RANGES], g_filter_end[TRACE_MAX_RANGES];
static unsigned g_filter_n;

static int parse_num(const char *s, size_t n, uint64_t *out)
{
	char buf[32], *end;

	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '-' || buf[0] == '+')
		return -1;
	errno = 0;
	*out = strtoull(buf, &end, 0);
	return *end || errno ? -1 : 0;
}

/* One range: START..END, START+LEN, START-LEN or ADDR. */
static int parse_range(const char *s, size_t n, uint64_t *lo, uint64_t *hi)
{
	const char *dots = memmem(s, n, "..", 2);
	const char *op = NULL;
	uint64_t a, b;

	if (dots) {
		if (parse_num(s, (size_t)(dots - s), &a) || parse_num(dots + 2, n - (size_t)(dots - s) - 2, &b) ||
		    b < a)
			return -1;
		*lo = a;
		*hi = b;
		return 0;
	}
	for (size_t i = 1; i < n; i++)
		if (s[i] == '+' || s[i] == '-')
			op = s + i;
	if (!op)
		return parse_num(s, n, lo) ? -1 : (*hi = *lo, 0);
	if (parse_num(s, (size_t)(op - s), &a) || parse_num(op + 1, n - (size_t)(op - s) - 1, &b) || !b)
		return -1;
	if (*op == '+') {
		if (a + (b - 1) < a)
			return -1;
		*lo = a;
		*hi = a + (b - 1);
	} else {
		if (b - 1 > a)
			return -1;
		*lo = a - (b - 1);
		*hi = a;
	}
	return 0;
}

int trace_parse_dfilter(const char *spec, uint64_t start[TRACE_MAX_RANGES],
			uint64_t end[TRACE_MAX_RANGES], unsigned *n, char *err, size_t errlen)
{
	const char *p = spec;

	*n = 0;
	if (!*spec) {
		snprintf(err, errlen, "empty filter");
		return -1;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		if (*n == TRACE_MAX_RANGES) {
			snprintf(err, errlen, "too many ranges (at most %d)", TRACE_MAX_RANGES);
			return -1;
		}
		if (parse_range(p, len, &start[*n], &end[*n])) {
			snprintf(err, errlen, "invalid range '%.*s' (START..END, START+LEN, START-LEN "
				 "or ADDR)", (int)len, p);
			return -1;
		}
		(*n)++;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int trace_set_dfilter(const char *spec, char *err, size_t errlen)
{
	uint64_t s[TRACE_MAX_RANGES], e[TRACE_MAX_RANGES];
	unsigned n;

	if (trace_parse_dfilter(spec, s, e, &n, err, errlen))
		return -1;
	memcpy(g_filter_start, s, sizeof(s));
	memcpy(g_filter_end, e, sizeof(e));
	g_filter_n = n;
	return 0;
}

bool trace_filter_pass(uint64_t lo, uint64_t hi)
{
	if (!g_filter_n)
		return true;
	for (unsigned i = 0; i < g_filter_n; i++)
		if (lo <= g_filter_end[i] && g_filter_start[i] <= hi)
			return true;
	return false;
}

/* ---------------------------------------------------------------- register dump */

static const char *const gpr_names[16] = {
	"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};
static const char *const seg_names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR" };

static const char *mode_name(const struct cpu_state *s)
{
	if (cpu_real_mode(s))
		return "real";
	if (cpu_v86_mode(s))
		return "vm86";
	if (cpu_64bit_mode(s))
		return "64-bit";
	if (cpu_long_mode(s))
		return "compat";
	return (s->seg[SEG_CS].attr & SEGA_DB) ? "prot32" : "prot16";
}

size_t monitor_dump_cpu(struct vcpu *v, char *buf, size_t len)
{
	const struct cpu_state *s = &v->s;
	GString *g = g_string_new(NULL);
	size_t n;

	for (unsigned i = 0; i < 16; i++)
		g_string_append_printf(g, "%-3s=%016llx%s", gpr_names[i], (unsigned long long)s->gpr[i],
				       i % 4 == 3 ? "\n" : " ");
	g_string_append_printf(g, "RIP=%016llx RFL=%08llx CPL=%u mode=%s%s icount=%llu\n",
			       (unsigned long long)s->rip, (unsigned long long)cpu_get_rflags(s),
			       cpu_cpl(s), mode_name(s), s->halted ? " HLT" : "",
			       (unsigned long long)v->icount);
	for (unsigned i = 0; i < SEG_COUNT; i++)
		g_string_append_printf(g, "%-3s=%04x %016llx %08x %05x\n", seg_names[i], s->seg[i].sel,
				       (unsigned long long)s->seg[i].base, s->seg[i].limit, s->seg[i].attr);
	g_string_append_printf(g, "GDT=     %016llx %08x\nIDT=     %016llx %08x\n",
			       (unsigned long long)s->gdtr.base, s->gdtr.limit,
			       (unsigned long long)s->idtr.base, s->idtr.limit);
	g_string_append_printf(g, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx CR8=%llx\n",
			       (unsigned long long)s->cr0, (unsigned long long)s->cr2,
			       (unsigned long long)s->cr3, (unsigned long long)s->cr4,
			       (unsigned long long)s->cr8);
	g_string_append_printf(g, "DR0=%016llx DR1=%016llx DR2=%016llx DR3=%016llx\n"
			       "DR6=%016llx DR7=%016llx EFER=%016llx\n",
			       (unsigned long long)s->dr[0], (unsigned long long)s->dr[1],
			       (unsigned long long)s->dr[2], (unsigned long long)s->dr[3],
			       (unsigned long long)s->dr[6], (unsigned long long)s->dr[7],
			       (unsigned long long)s->efer);
	g_string_append_printf(g, "FCW=%04x FSW=%04x FTW=%04x MXCSR=%08x XCR0=%llx\n", s->fcw,
			       s->fsw, fpu_tag_word(s), s->mxcsr, (unsigned long long)s->xcr0);
	n = g->len;
	snprintf(buf, len, "%s", g->str);
	g_string_free(g, TRUE);
	return n;
}

/* ---------------------------------------------------------------- hooks */

static uint64_t block_lin(struct vcpu *v, uint64_t pc, uint64_t cs_base)
{
	uint64_t lin = cs_base + pc;

	return cpu_long_mode(&v->s) ? lin : (uint32_t)lin;
}

/* -d in_asm: the new block, disassembled at its guest addresses. */
static void trace_tb_new(struct vcpu *v, uint64_t pc, uint64_t cs_base, unsigned size,
			 unsigned ninsns)
{
	unsigned mode = cpu_code_size(&v->s);
	uint8_t code[4096 + 16];
	GString *g;
	unsigned off = 0;

	if (!trace_filter_pass(pc, pc + size - 1) || size > sizeof(code) ||
	    dbg_read_virt(v, block_lin(v, pc, cs_base), code, size))
		return;
	g = g_string_new(NULL);
	g_string_append_printf(g, "IN: %u insns, %u bytes\n", ninsns, size);
	while (off < size) {
		char text[160], hex[40];
		size_t n = monitor_disas(code + off, size - off, mode, pc + off, text, sizeof(text));

		if (!n)
			n = 1;
		gdb_tohex(hex, code + off, n > 15 ? 15 : n);
		g_string_append_printf(g, "0x%016llx:  %-24s %s\n", (unsigned long long)(pc + off),
				       hex, text);
		off += (unsigned)n;
	}
	log_printf("%s\n", g->str);
	g_string_free(g, TRUE);
}

/* -d exec and -d cpu: the block about to run. */
static void trace_tb_exec(struct vcpu *v, uint64_t pc, uint64_t cs_base, unsigned size,
			  unsigned ninsns)
{
	const struct cpu_state *s = &v->s;

	if (!trace_filter_pass(pc, pc + size - 1))
		return;
	if (log_on(LOG_CPU)) {
		char buf[2048];

		monitor_dump_cpu(v, buf, sizeof(buf));
		log_printf("%s", buf);
	}
	if (log_on(LOG_EXEC))
		log_printf("Trace %d: %04x:%016llx [%u insns] CPL=%u mode=%s icount=%llu\n", v->index,
			   s->seg[SEG_CS].sel, (unsigned long long)pc, ninsns, cpu_cpl(s),
			   mode_name(s), (unsigned long long)v->icount);
	(void)cs_base;
}

void trace_init(void)
{
	translate_set_trace(trace_tb_new, trace_tb_exec);
}
