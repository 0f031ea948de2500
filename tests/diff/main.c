/*
 * tests/diff/main.c - the differential tester's driver (README.md).
 *
 *   elzero-diff [--seed N] [--count N] [--filter SUBSTR] [--group G] [--list] [--native-only]
 *               [--ir-only | --handlers-only] [--selftest] [--keep-going]
 *
 * For every form whose name contains SUBSTR (and, with --group, that comes from the
 * section diff_forms_G of forms_G.S): COUNT random states (from SEED and the
 * form's name, so one form's cases do not depend on which others ran), run on the
 * host and on elzero, compare. elzero runs each case twice: through the translator's
 * inline IR and with every instruction sent to its exec_X handler (the reference).
 * Exit status 0 when everything matched.
 */
#include "diff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X(sec) extern const struct diff_form __start_##sec[], __stop_##sec[];
DIFF_FORM_SECTIONS(X)
#undef X

struct form_range { const char *name; const struct diff_form *start, *stop; };

static const struct form_range g_ranges[] = {
#define X(sec) { #sec, __start_##sec, __stop_##sec },
	DIFF_FORM_SECTIONS(X)
#undef X
};

struct options {
	uint64_t seed;
	unsigned count;
	const char *filter;
	const char *group;              /* only the section diff_forms_<group> */
	bool list, native_only, selftest, keep_going;
	bool ir, handlers;              /* which elzero paths to compare */
};

static uint64_t hash_name(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Compare the native results with one emulator mode; returns the mismatches. */
static unsigned compare_all(const struct diff_form *f, const struct options *o, const char *mode,
			    const struct diff_state *in, const struct diff_result *nat,
			    const struct diff_result *emu)
{
	unsigned bad = 0;
	char why[4096];

	for (unsigned k = 0; k < o->count; k++) {
		if (diff_compare(f, &nat[k], &emu[k], why, sizeof(why)))
			continue;
		if (bad++ == 0 || o->keep_going) {
			printf("case %u of %s, elzero %s (seed %" PRIu64 "):\n", k, f->name, mode,
			       o->seed);
			diff_report(f, &in[k], &nat[k], &emu[k], why);
		}
		if (!o->keep_going)
			break;
	}
	return bad;
}

/* Run one form; returns the number of mismatching cases (or 1 on a runner error). */
static unsigned run_form(const struct diff_form *f, const struct options *o)
{
	size_t len = (size_t)(f->code_end - f->code);
	struct diff_rng rng = { hash_name(f->name, o->seed) };
	struct diff_state *in = calloc(o->count, sizeof(*in));
	struct diff_result *nat = calloc(o->count, sizeof(*nat));
	struct diff_result *emu = calloc(o->count, sizeof(*emu));
	unsigned bad = 0;
	int rc;

	if (!in || !nat || !emu) {
		fprintf(stderr, "%s: out of memory\n", f->name);
		bad = 1;
		goto out;
	}
	for (unsigned k = 0; k < o->count; k++)
		diff_gen_state(&rng, f, &in[k]);
	rc = diff_native_run(f->code, len, in, nat, o->count);
	if (rc) {
		fprintf(stderr, "%s: native runner: %s\n", f->name, strerror(-rc));
		bad = 1;
		goto out;
	}
	if (o->native_only) {
		unsigned faults = 0;

		for (unsigned k = 0; k < o->count; k++) {
			faults += nat[k].vector >= 0;
			bad += nat[k].runner_failed;
		}
		printf("%-24s %u cases, %u faulted natively\n", f->name, o->count, faults);
		goto out;
	}
#ifdef DIFF_HAVE_EMU
	for (int ir = 1; ir >= 0; ir--) {
		if ((ir && !o->ir) || (!ir && !o->handlers))
			continue;
		diff_emu_run(f->code, len, in, emu, o->count, ir);
		bad += compare_all(f, o, ir ? "inline IR" : "handlers", in, nat, emu);
		if (bad && !o->keep_going)
			break;
	}
#endif
out:
	free(in);
	free(nat);
	free(emu);
	return bad;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int a = 1; a < argc; a++) {
		const char *s = argv[a];

		if (!strcmp(s, "--seed") && a + 1 < argc)
			o->seed = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(s, "--count") && a + 1 < argc)
			o->count = (unsigned)strtoul(argv[++a], NULL, 0);
		else if (!strcmp(s, "--filter") && a + 1 < argc)
			o->filter = argv[++a];
		else if (!strcmp(s, "--group") && a + 1 < argc)
			o->group = argv[++a];
		else if (!strcmp(s, "--list"))
			o->list = true;
		else if (!strcmp(s, "--native-only"))
			o->native_only = true;
		else if (!strcmp(s, "--selftest"))
			o->selftest = true;
		else if (!strcmp(s, "--keep-going"))
			o->keep_going = true;
		else if (!strcmp(s, "--ir-only"))
			o->handlers = false;
		else if (!strcmp(s, "--handlers-only"))
			o->ir = false;
		else {
			fprintf(stderr, "usage: %s [--seed N] [--count N] [--filter SUBSTR] [--group G] [--list] "
				"[--native-only] [--ir-only|--handlers-only] [--selftest] [--keep-going]\n",
				argv[0]);
			return -1;
		}
	}
	if (o->count == 0 || o->count > 100000) {
		fprintf(stderr, "--count must be 1..100000\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .seed = 1, .count = 32, .ir = true, .handlers = true };
	unsigned forms = 0, failed = 0;

	if (parse_args(argc, argv, &o))
		return 2;
#ifndef DIFF_HAVE_EMU
	o.native_only = true;   /* built without the emulator harness */
#endif
	if (o.selftest)
		return diff_selftest() ? 1 : 0;
	for (size_t r = 0; r < sizeof(g_ranges) / sizeof(g_ranges[0]); r++)
		for (const struct diff_form *f = g_ranges[r].start; f < g_ranges[r].stop; f++) {
			if (o.group && strcmp(g_ranges[r].name + strlen("diff_forms_"), o.group))
				break;
			if (o.filter && !strstr(f->name, o.filter))
				continue;
			forms++;
			if (o.list) {
				printf("%s\n", f->name);
				continue;
			}
			if (run_form(f, &o)) {
				failed++;
				printf("FAIL %s\n", f->name);
			}
		}
	if (!o.list)
		printf("%u forms, %u failed (seed %" PRIu64 ", %u cases each)\n", forms, failed,
		       o.seed, o.count);
	return failed ? 1 : 0;
}
