/*
 * monitor/mon.c - the human monitor: a line of text in, its answer out, on stdio or
 * a socket (QEMU's -monitor; commands spelled as QEMU's where they exist).
 *
 * Commands never change the machine except stop/cont/system_reset/quit, and never
 * crash it: every address a user types is checked (dbg_read_virt/phys).
 */
#include "monitor/internal.h"
#include "nested/vmx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mon {
	struct dbg *d;
	struct chan ch;
	GString *line;
	unsigned cpu;           /* the current vCPU (the cpu command) */
};

static const char banner[] = "elzero monitor - type 'help' for more information\n";
static const char prompt[] = "(elzero) ";

static struct vcpu *mon_cpu(struct dbg *d)
{
	unsigned idx = d->mon ? d->mon->cpu : 0;

	return d->m.cpus[idx < d->m.ncpus ? idx : 0];
}

/* ---------------------------------------------------------------- addresses */

static const char *const reg_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* A number (0x hex, else decimal, as strtoull base 0) or $reg ($pc is CS base + RIP).
 * Returns 0, or -1 with a message in out. */
static int parse_addr(struct dbg *d, const char *s, uint64_t *val, GString *out)
{
	struct vcpu *v = mon_cpu(d);
	char *end;

	if (s[0] == '$') {
		if (!strcmp(s + 1, "pc")) {
			*val = v->s.seg[SEG_CS].base + v->s.rip;
			return 0;
		}
		if (!strcmp(s + 1, "rip")) {
			*val = v->s.rip;
			return 0;
		}
		for (unsigned i = 0; i < 16; i++) {
			if (!strcmp(s + 1, reg_names[i])) {
				*val = v->s.gpr[i];
				return 0;
			}
		}
		g_string_append_printf(out, "unknown register '%s'\n", s);
		return -1;
	}
	if (!*s || *s == '-') {
		g_string_append_printf(out, "invalid address '%s'\n", s);
		return -1;
	}
	*val = strtoull(s, &end, 0);
	if (*end) {
		g_string_append_printf(out, "invalid address '%s'\n", s);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- x / xp */

struct xfmt {
	unsigned count;
	char fmt;               /* x d u c i */
	unsigned size;          /* 1 2 4 8 */
};

/* "/Nfs" in any order after the count, QEMU's syntax. 0, or -1 with a message. */
static int parse_xfmt(const char *s, struct xfmt *f, GString *out)
{
	char *end;

	f->count = 1;
	f->fmt = 'x';
	f->size = 4;
	if (*s++ != '/')
		return 0;
	if (*s >= '0' && *s <= '9') {
		unsigned long n = strtoul(s, &end, 10);

		if (n == 0 || n > 4096) {
			g_string_append(out, "count must be 1..4096\n");
			return -1;
		}
		f->count = (unsigned)n;
		s = end;
	}
	for (; *s; s++) {
		if (strchr("xduci", *s))
			f->fmt = *s;
		else if (*s == 'b')
			f->size = 1;
		else if (*s == 'h')
			f->size = 2;
		else if (*s == 'w')
			f->size = 4;
		else if (*s == 'g')
			f->size = 8;
		else {
			g_string_append_printf(out, "invalid format letter '%c' (x d u c i, b h w g)\n", *s);
			return -1;
		}
	}
	if (f->fmt == 'c')
		f->size = 1;
	return 0;
}

static int mem_read(struct dbg *d, bool phys, uint64_t addr, uint8_t *buf, size_t len)
{
	struct vcpu *v = mon_cpu(d);

	return phys ? dbg_read_phys(v, addr, buf, len) : dbg_read_virt(v, addr, buf, len);
}

static void x_disas(struct dbg *d, bool phys, uint64_t addr, unsigned count, GString *out)
{
	unsigned mode = cpu_code_size(&mon_cpu(d)->s);

	for (unsigned i = 0; i < count; i++) {
		uint8_t code[16];
		char text[160];
		size_t got = 0, n;

		/* Fewer bytes near the end of a mapping are fine: take what can be read. */
		while (got < sizeof(code) && !mem_read(d, phys, addr + got, code + got, 1))
			got++;
		if (!got) {
			g_string_append_printf(out, "Cannot access memory at 0x%llx\n", (unsigned long long)addr);
			return;
		}
		n = monitor_disas(code, got, mode, addr, text, sizeof(text));
		g_string_append_printf(out, "0x%016llx:  %s\n", (unsigned long long)addr, text);
		addr += n ? n : 1;
	}
}

static void x_values(uint64_t addr, const uint8_t *buf, const struct xfmt *f, GString *out)
{
	unsigned per_line = f->fmt == 'c' ? 16 : 16 / f->size;

	for (unsigned i = 0; i < f->count; i++) {
		uint64_t val = 0;

		if (i % per_line == 0)
			g_string_append_printf(out, "%s%016llx:", i ? "\n" : "",
					       (unsigned long long)(addr + (uint64_t)i * f->size));
		for (unsigned b = 0; b < f->size; b++)
			val |= (uint64_t)buf[i * f->size + b] << (8 * b);
		if (f->fmt == 'x')
			g_string_append_printf(out, " 0x%0*llx", (int)f->size * 2, (unsigned long long)val);
		else if (f->fmt == 'u')
			g_string_append_printf(out, " %llu", (unsigned long long)val);
		else if (f->fmt == 'd') {
			unsigned sh = 64 - 8 * f->size;

			g_string_append_printf(out, " %lld", (long long)((int64_t)(val << sh) >> sh));
		} else
			g_string_append_printf(out, (val >= 0x20 && val < 0x7f) ? " '%c'" : " '\\x%02x'",
					       (int)val);
	}
	g_string_append_c(out, '\n');
}

static void cmd_x(struct dbg *d, char **argv, int argc, bool phys, GString *out)
{
	struct xfmt f;
	uint64_t addr;
	const char *a;
	uint8_t *buf;

	if (argc < 2 || argc > 3 || (argc == 3 && argv[1][0] != '/')) {
		g_string_append_printf(out, "usage: %s /Nfmt ADDR (fmt x d u c i, size b h w g)\n",
				       argv[0]);
		return;
	}
	a = argc == 3 ? argv[2] : argv[1];
	if (parse_xfmt(argc == 3 ? argv[1] : "", &f, out) || parse_addr(d, a, &addr, out))
		return;
	if (f.fmt == 'i') {
		x_disas(d, phys, addr, f.count, out);
		return;
	}
	buf = g_malloc((size_t)f.count * f.size);
	if (mem_read(d, phys, addr, buf, (size_t)f.count * f.size))
		g_string_append_printf(out, "Cannot access memory at 0x%llx (%s)\n",
				       (unsigned long long)addr, phys ? "not RAM" : "unmapped or not RAM");
	else
		x_values(addr, buf, &f, out);
	g_free(buf);
}

/* ---------------------------------------------------------------- info */

static void info_registers(struct dbg *d, GString *out)
{
	for (unsigned i = 0; i < d->m.ncpus; i++) {
		char buf[2048];

		monitor_dump_cpu(d->m.cpus[i], buf, sizeof(buf));
		if (d->m.ncpus > 1)
			g_string_append_printf(out, "CPU#%u\n", i);
		g_string_append(out, buf);
	}
}

static void info_cpus(struct dbg *d, GString *out)
{
	for (unsigned i = 0; i < d->m.ncpus; i++) {
		const struct vcpu *v = d->m.cpus[i];

		g_string_append_printf(out, "%c CPU #%u: pc=0x%016llx%s%s\n",
				       (d->mon ? d->mon->cpu : 0) == i ? '*' : ' ', i,
				       (unsigned long long)(v->s.seg[SEG_CS].base + v->s.rip),
				       v->s.wait_for_sipi ? " (wait-for-SIPI)" : v->s.halted ? " (halted)" : "",
				       d->stopped ? " (stopped)" : "");
	}
}

#define INFO_TLB_MAX 20000      /* lines; a page table can map far more */

struct tlb_out {
	GString *out;
	unsigned lines;
	bool merge;             /* info mem: ranges with the same rights */
	struct pw_map cur;
	bool have;
};

static void tlb_flush_range(struct tlb_out *t)
{
	const struct pw_map *m = &t->cur;

	if (!t->have)
		return;
	g_string_append_printf(t->out, "%016llx-%016llx %016llx %c%c%c\n", (unsigned long long)m->lin,
			       (unsigned long long)(m->lin + m->size), (unsigned long long)m->size,
			       m->user ? 'u' : '-', 'r', m->write ? 'w' : '-');
	t->have = false;
}

static bool tlb_visit(void *opaque, const struct pw_map *m)
{
	struct tlb_out *t = opaque;

	if (!t->merge) {
		g_string_append_printf(t->out, "%016llx: %016llx %s %c%c%c\n", (unsigned long long)m->lin,
				       (unsigned long long)m->phys,
				       m->size == (1ull << 30) ? "1G" : m->size == (1ull << 22) ? "4M" :
				       m->size == (1ull << 21) ? "2M" : "4K",
				       m->user ? 'U' : '-', m->write ? 'W' : '-', m->nx ? '-' : 'X');
	} else if (t->have && t->cur.lin + t->cur.size == m->lin && t->cur.user == m->user &&
		   t->cur.write == m->write) {
		t->cur.size += m->size;
		return true;
	} else {
		tlb_flush_range(t);
		t->cur = *m;
		t->have = true;
	}
	if (++t->lines >= INFO_TLB_MAX) {
		g_string_append(t->out, "... (more mappings not shown)\n");
		return false;
	}
	return true;
}

static void info_tlb(struct dbg *d, GString *out, bool merge)
{
	struct tlb_out t = { .out = out, .merge = merge };

	if (pw_walk(mon_cpu(d), tlb_visit, &t))
		g_string_append(out, "PG disabled\n");
	if (merge)
		tlb_flush_range(&t);
}

static void info_tb(struct dbg *d, GString *out)
{
	for (unsigned i = 0; i < d->m.ncpus; i++) {
		const struct translate_stats *st = translate_get_stats(d->m.cpus[i]);

		g_string_append_printf(out, "CPU#%u: blocks translated %llu, insns translated %llu, "
				       "invalidated %llu, flushes %llu, slow lookups %llu\n", i,
				       (unsigned long long)st->blocks_translated,
				       (unsigned long long)st->insns_translated,
				       (unsigned long long)st->blocks_invalidated,
				       (unsigned long long)st->flushes,
				       (unsigned long long)st->slow_lookups);
	}
}

static void info_breakpoints(struct dbg *d, GString *out)
{
	if (!d->nbps && !d->nwatch)
		g_string_append(out, "no breakpoints or watchpoints\n");
	for (unsigned i = 0; i < d->nbps; i++)
		g_string_append_printf(out, "breakpoint at 0x%llx\n", (unsigned long long)d->bps[i]);
	for (unsigned i = 0; i < d->nwatch; i++)
		g_string_append_printf(out, "%s watchpoint at 0x%llx, %llu bytes\n",
				       d->watch[i].kind == WATCH_WRITE ? "write" :
				       d->watch[i].kind == WATCH_READ ? "read" : "access",
				       (unsigned long long)d->watch[i].addr,
				       (unsigned long long)d->watch[i].len);
}

/* The current VMCS of the current vCPU, field by field from nested/'s table. */
static void info_vmcs(struct dbg *d, GString *out)
{
	struct vcpu *v = mon_cpu(d);
	size_t n = vmx_format_vmcs(v, NULL, 0);
	char *buf = malloc(n + 1);

	if (!buf)
		return;
	vmx_format_vmcs(v, buf, n + 1);
	g_string_append(out, buf);
	free(buf);
}

/* info ept [EPTP] GPA (monitor/ept_info.c) */
static void info_ept(struct dbg *d, char **argv, int argc, GString *out)
{
	uint64_t eptp = 0, gpa;

	if (argc != 3 && argc != 4) {
		g_string_append(out, "usage: info ept [EPTP] GPA\n");
		return;
	}
	if ((argc == 4 && parse_addr(d, argv[2], &eptp, out)) ||
	    parse_addr(d, argv[argc - 1], &gpa, out))
		return;
	mon_info_ept(mon_cpu(d), argc == 4, eptp, gpa, out);
}

static void cmd_info(struct dbg *d, char **argv, int argc, GString *out)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "registers"))
		info_registers(d, out);
	else if (!strcmp(what, "cpus"))
		info_cpus(d, out);
	else if (!strcmp(what, "tlb"))
		info_tlb(d, out, false);
	else if (!strcmp(what, "mem"))
		info_tlb(d, out, true);
	else if (!strcmp(what, "tb"))
		info_tb(d, out);
	else if (!strcmp(what, "breakpoints"))
		info_breakpoints(d, out);
	else if (!strcmp(what, "ept"))
		info_ept(d, argv, argc, out);
	else if (!strcmp(what, "vmcs"))
		info_vmcs(d, out);
	else if (!strcmp(what, "vmcb"))
		g_string_append_printf(out, "info %s: not available: no SVM yet\n", what);
	else
		g_string_append_printf(out, "info: unknown item '%s' (registers, cpus, tlb, mem, tb, "
				       "breakpoints, vmcs, vmcb, ept)\n", what);
}

/* ---------------------------------------------------------------- commands */

static const char help_text[] =
	"info registers        registers of every vCPU\n"
	"info cpus             the vCPUs and where they are\n"
	"info tlb              every page mapping (linear: physical size rights)\n"
	"info mem              mapped linear ranges and their rights\n"
	"info tb               translation-cache statistics\n"
	"info breakpoints      the debugger's breakpoints and watchpoints\n"
	"info vmcs             the current VMCS, field by field\n"
	"info vmcb             nested state (not available yet)\n"
	"info ept [EPTP] GPA   the EPT walk of GPA (EPTP: default the running guest's)\n"
	"x /Nfs ADDR           N units at linear ADDR; f: x d u c i, s: b h w g\n"
	"xp /Nfs ADDR          the same at a physical address\n"
	"cpu N                 make vCPU N current\n"
	"stop                  stop the machine\n"
	"cont | c              let it run\n"
	"system_reset          reset the machine\n"
	"quit | q              stop elzero\n"
	"help | ?              this text\n"
	"ADDR: a number (0x... hex) or $pc, $rip, $rsp, $rax...\n";

static void cmd_cpu(struct dbg *d, char **argv, int argc, GString *out)
{
	char *end;
	unsigned long n = argc == 2 ? strtoul(argv[1], &end, 0) : 0;

	if (argc != 2 || *end || n >= d->m.ncpus) {
		g_string_append_printf(out, "usage: cpu N (0..%u)\n", d->m.ncpus - 1);
		return;
	}
	if (d->mon)
		d->mon->cpu = (unsigned)n;
}

void mon_exec(struct dbg *d, const char *line, GString *out)
{
	gchar **argv = NULL;
	gint argc = 0;
	const char *c;

	if (!g_shell_parse_argv(line, &argc, &argv, NULL) || argc == 0) {
		g_strfreev(argv);
		return;                 /* an empty line */
	}
	c = argv[0];
	if (!strcmp(c, "help") || !strcmp(c, "?"))
		g_string_append(out, help_text);
	else if (!strcmp(c, "info"))
		cmd_info(d, argv, argc, out);
	else if (!strcmp(c, "x") || !strcmp(c, "xp"))
		cmd_x(d, argv, argc, c[1] == 'p', out);
	else if (!strncmp(c, "x/", 2) || !strncmp(c, "xp/", 3)) {
		/* x/4xw ADDR written without the space */
		char *alt[4] = { c[1] == 'p' ? "xp" : "x", (char *)strchr(c, '/'),
				 argc > 1 ? argv[1] : "", NULL };

		cmd_x(d, alt, argc > 1 ? 3 : 2, c[1] == 'p', out);
	} else if (!strcmp(c, "cpu"))
		cmd_cpu(d, argv, argc, out);
	else if (!strcmp(c, "stop"))
		dbg_stop(d, STOP_INTR);
	else if (!strcmp(c, "cont") || !strcmp(c, "c"))
		dbg_resume(d, -1);
	else if (!strcmp(c, "system_reset")) {
		if (d->m.reset)
			d->m.reset(d->m.opaque);
		else
			g_string_append(out, "system_reset: this machine cannot reset\n");
	} else if (!strcmp(c, "quit") || !strcmp(c, "q")) {
		d->quit = true;
		if (d->m.quit)
			d->m.quit(d->m.opaque);
	} else
		g_string_append_printf(out, "unknown command: '%s' (try 'help')\n", c);
	g_strfreev(argv);
}

/* ---------------------------------------------------------------- I/O */

struct mon *mon_open(struct dbg *d, const char *spec, char *err, size_t errlen)
{
	struct mon *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->d = d;
	if (chan_open(&m->ch, spec, false, false, err, errlen)) {
		free(m);
		return NULL;
	}
	m->line = g_string_new(NULL);
	if (chan_connected(&m->ch)) {
		chan_write(&m->ch, banner, sizeof(banner) - 1);
		chan_write(&m->ch, prompt, sizeof(prompt) - 1);
	}
	return m;
}

void mon_close(struct mon *m)
{
	chan_close(&m->ch);
	g_string_free(m->line, TRUE);
	free(m);
}

int mon_poll_fd(const struct mon *m)
{
	return chan_poll_fd(&m->ch);
}

static void mon_line(struct mon *m)
{
	GString *out = g_string_new(NULL);

	mon_exec(m->d, m->line->str, out);
	g_string_truncate(m->line, 0);
	if (!m->d->quit)
		g_string_append(out, prompt);
	chan_write(&m->ch, out->str, out->len);
	g_string_free(out, TRUE);
}

void mon_service(struct mon *m)
{
	char buf[1024];
	ssize_t n;

	if (!chan_connected(&m->ch)) {
		if (!chan_accept(&m->ch))
			return;
		g_string_truncate(m->line, 0);
		chan_write(&m->ch, banner, sizeof(banner) - 1);
		chan_write(&m->ch, prompt, sizeof(prompt) - 1);
	}
	while (!m->d->quit && (n = chan_read(&m->ch, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n && !m->d->quit; i++) {
			if (buf[i] == '\n')
				mon_line(m);
			else if (buf[i] != '\r' && m->line->len < 4096)
				g_string_append_c(m->line, buf[i]);
		}
	}
}
