/*
 * tests/bench/bench.c - guest MIPS of the execution engine on small flat-mode kernels
 * (kernels.S), against the same code run natively.
 *
 *     elzero-bench [-n SCALE] [--no-inline] [kernel...]
 *
 * Each kernel is copied into a 64-bit test machine (tests/unit/common/emu.h), called
 * from a stub, and timed; then called natively with the same arguments. The guest's
 * result must equal the native one (the exit status says if one differed). Times are
 * the thread's CPU time, so that other load on the machine counts less.
 */
#include "tests/unit/common/emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t (*kernel_fn)(void *buf, uint64_t n);

#define KERNEL(name) extern uint8_t bench_##name[], bench_##name##_end[];
KERNEL(int) KERNEL(mem) KERNEL(str) KERNEL(call) KERNEL(x87)
#undef KERNEL

struct kernel {
	const char *name;
	const char *what;
	uint8_t *start, *end;
	uint64_t iters;         /* at scale 1 */
};

static const struct kernel kernels[] = {
	{ "int", "integer loop (ALU, LEA, shifts, Jcc)", bench_int, bench_int_end, 20000000 },
	{ "mem", "memory read-modify-write, MOVZX, PUSH/POP", bench_mem, bench_mem_end, 10000000 },
	{ "call", "CALL/RET pairs", bench_call, bench_call_end, 20000000 },
	{ "str", "REP MOVSB + REP STOSQ, 4 KiB", bench_str, bench_str_end, 20000 },
	{ "x87", "x87 FMUL/FADD/FSQRT", bench_x87, bench_x87_end, 2000000 },
};

#define BUF_SIZE 65536

/* CPU time of this thread: the machine is shared, wall time says more about the
 * other load than about us. wall() is reported beside it. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill(uint8_t *buf)
{
	for (unsigned k = 0; k < BUF_SIZE; k++)
		buf[k] = (uint8_t)(k * 7 + 3);
}

/* Run kernel k in the guest; returns its RAX, or ~0 on an unexpected stop. */
static uint64_t run_guest(const struct kernel *k, uint64_t n, bool inl, uint64_t *insns, double *secs,
			  double *wall_secs)
{
	struct emu *e = emu_new(EMU_LONG64, 0);
	uint64_t kaddr = EMU_CODE + 0x1000, end = EMU_CODE + 25, ret;
	static uint8_t buf[BUF_SIZE];
	uint8_t stub[25] = { 0x48, 0xbf }, *p = stub + 2;
	int32_t rel = (int32_t)(kaddr - end);
	double t0, w0;

	memcpy(p, &(uint64_t){ EMU_DATA }, 8);
	p += 8;
	*p++ = 0x48;
	*p++ = 0xbe;
	memcpy(p, &n, 8);
	p += 8;
	*p++ = 0xe8;
	memcpy(p, &rel, 4);
	emu_load(e, EMU_CODE, stub, sizeof(stub));
	emu_load(e, kaddr, k->start, (size_t)(k->end - k->start));
	fill(buf);
	emu_load(e, EMU_DATA, buf, BUF_SIZE);
	translate_set_inline(&e->v, inl);
	t0 = now();
	w0 = wall();
	emu_run_until(e, EMU_CODE, end, 0);
	*secs = now() - t0;
	*wall_secs = wall() - w0;
	*insns = e->icount;
	ret = e->exit == RUN_EXIT_BREAKPOINT ? e->v.s.gpr[0] : ~0ull;
	if (e->exit != RUN_EXIT_BREAKPOINT)
		fprintf(stderr, "%s: guest stopped: exit %d, exception %d at %#llx\n", k->name, e->exit,
			e->exc_vector, (unsigned long long)e->v.s.rip);
	emu_free(e);
	return ret;
}

static uint64_t run_native(const struct kernel *k, uint64_t n, double *secs)
{
	static uint8_t buf[BUF_SIZE] __attribute__((aligned(64)));
	kernel_fn fn = (kernel_fn)(void *)k->start;
	double t0;
	uint64_t ret;

	fill(buf);
	t0 = now();
	ret = fn(buf, n);
	*secs = now() - t0;
	return ret;
}

int main(int argc, char **argv)
{
	double scale = 1.0;
	bool inl = true, any = false;
	int status = 0;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-n") && a + 1 < argc)
			scale = atof(argv[++a]);
		else if (!strcmp(argv[a], "--no-inline"))
			inl = false;
	}
	printf("%-5s %12s %8s %8s %8s %11s %9s  %s\n", "kernel", "guest insns", "cpu s", "wall s",
	       "MIPS", "native MIPS", "slowdown", "what");
	for (unsigned i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		const struct kernel *k = &kernels[i];
		uint64_t n = (uint64_t)(k->iters * scale) + 1, insns, rg, rn;
		double tg, tn, wg;
		bool wanted = true;

		for (int a = 1; a < argc; a++) {
			if (argv[a][0] == '-') {
				a += !strcmp(argv[a], "-n");
				continue;
			}
			wanted = any = false;
			break;
		}
		for (int a = 1; a < argc; a++)
			if (!strcmp(argv[a], k->name))
				wanted = any = true;
		if (!wanted)
			continue;
		rg = run_guest(k, n, inl, &insns, &tg, &wg);
		rn = run_native(k, n, &tn);
		printf("%-5s %12llu %8.3f %8.3f %8.1f %11.1f %8.1fx  %s%s\n", k->name,
		       (unsigned long long)insns, tg, wg, insns / tg / 1e6, insns / tn / 1e6, tg / tn, k->what,
		       rg == rn ? "" : "  RESULT DIFFERS");
		if (rg != rn)
			status = 1;
	}
	(void)any;
	return status;
}
