/*
 * cpu/log.c - the -d log items, the -D log file, and log-once for unimplemented things.
 */
#include "cpu/cpu.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint32_t g_log_mask;
static FILE *g_log_file;

static const struct {
	const char *name;
	const char *help;
} log_items[LOG_ITEM_COUNT] = {
	[LOG_IN_ASM] = { "in_asm", "each new translation block, disassembled" },
	[LOG_EXEC]   = { "exec",   "each executed block: RIP, CS, CPL, mode" },
	[LOG_CPU]    = { "cpu",    "full register dump at each block" },
	[LOG_INT]    = { "int",    "exceptions and interrupts and their delivery" },
	[LOG_MMU]    = { "mmu",    "page walks and page faults" },
	[LOG_UNIMP]  = { "unimp",  "unimplemented instructions, MSRs, ports, device registers (once each)" },
	[LOG_VMX]    = { "vmx",    "VMX entries, exits and failures" },
	[LOG_SVM]    = { "svm",    "SVM VMRUN, #VMEXIT and failures" },
	[LOG_STATS]  = { "stats",  "at exit: guest instructions retired, guest time, host CPU and wall time" },
};

const char *log_item_name(enum log_item item) { return log_items[item].name; }
const char *log_item_help(enum log_item item) { return log_items[item].help; }

int log_parse_items(const char *spec, uint32_t *mask, char *err, size_t errlen)
{
	uint32_t m = 0;
	const char *p = spec;

	if (!*spec) {
		snprintf(err, errlen, "empty log item list (see -d help)");
		return -1;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned i;

		for (i = 0; i < LOG_ITEM_COUNT; i++)
			if (strlen(log_items[i].name) == n && !strncmp(p, log_items[i].name, n))
				break;
		if (i == LOG_ITEM_COUNT) {
			snprintf(err, errlen, "unknown log item '%.*s' (see -d help)", (int)n, p);
			return -1;
		}
		m |= 1u << i;
		p += n;
		if (*p == ',' && *++p == '\0') {
			snprintf(err, errlen, "empty log item after ','");
			return -1;
		}
	}
	*mask = m;
	return 0;
}

int log_set_file(const char *path)
{
	FILE *f = NULL;

	if (path) {
		f = fopen(path, "w");
		if (!f)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	if (g_log_file)
		fclose(g_log_file);
	g_log_file = f;
	return 0;
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(g_log_file ? g_log_file : stderr, fmt, ap);
	va_end(ap);
}

/* A small open-addressed set of (what, key) already reported. When it fills up,
 * further reports are still printed, just not deduplicated. */
#define UNIMP_SEEN 1024
static struct { const char *what; uint64_t key; } unimp_seen[UNIMP_SEEN];

static bool unimp_first_time(const char *what, uint64_t key)
{
	uint64_t h = (key ^ (uintptr_t)what) * 0x9e3779b97f4a7c15ull;

	for (unsigned n = 0; n < UNIMP_SEEN; n++) {
		unsigned slot = (unsigned)((h >> 40) + n) % UNIMP_SEEN;

		if (!unimp_seen[slot].what) {
			unimp_seen[slot].what = what;
			unimp_seen[slot].key = key;
			return true;
		}
		if (unimp_seen[slot].what == what && unimp_seen[slot].key == key)
			return false;
	}
	return true;
}

void cpu_log_unimp(const char *what, uint64_t key, const char *detail)
{
	if (!log_on(LOG_UNIMP) || !unimp_first_time(what, key))
		return;
	log_printf("unimplemented %s %#llx%s%s\n", what, (unsigned long long)key,
		   detail ? ": " : "", detail ? detail : "");
}
