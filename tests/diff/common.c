/*
 * tests/diff/common.c - random states, comparison and mismatch reports of the
 * differential tester.
 */
#include "diff.h"

#include "monitor/monitor.h"

#include <cpuid.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define F_CF 0x001u
#define F_PF 0x004u
#define F_AF 0x010u
#define F_ZF 0x040u
#define F_SF 0x080u
#define F_DF 0x400u
#define F_OF 0x800u
/* RFLAGS bits a CPL3 snippet can change and the comparison looks at */
#define F_COMPARED (F_CF | F_PF | F_AF | F_ZF | F_SF | F_DF | F_OF)

uint64_t diff_rand(struct diff_rng *r)
{
	/* xorshift64* */
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545f4914f6cdd1dull;
}

/* Boundary values for every operand size, and random ones. */
static uint64_t gen_value(struct diff_rng *r)
{
	static const uint64_t edge[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000ull,
		0xffffffffull, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0x0f, 0x10,
		0x8000000000000001ull, 0xfffffffffffffffeull, 0x100000000ull,
	};
	uint64_t x = diff_rand(r), hi = diff_rand(r);

	switch (x % 8) {
	case 0: case 1:
		return edge[(x >> 8) % (sizeof(edge) / sizeof(edge[0]))];
	case 2:         /* boundary in the low bits, random above: narrow ops keep these */
		return (hi & ~0xffffull) | (edge[(x >> 8) % 12] & 0xffff);
	case 3:
		return (hi & ~0xffffffffull) | (edge[(x >> 8) % 12] & 0xffffffffull);
	case 4:
		return (x >> 8) % 70;
	case 5:
		return (uint64_t)-(int64_t)((x >> 8) % 70);
	default:
		return hi;
	}
}

/* An address for a pointer register: mostly inside the read/write pages with room
 * on both sides, sometimes in the read-only page or just before the unmapped guard. */
static uint64_t gen_pointer(struct diff_rng *r, bool aligned)
{
	uint64_t x = diff_rand(r);
	uint64_t rw = DIFF_MEM_RW_PAGES * DIFF_PAGE, p;

	switch (x % 16) {
	case 0:
		p = DIFF_MEM_RO_ADDR + (x >> 8) % DIFF_PAGE;
		break;
	case 1:
		p = DIFF_GUARD_ADDR - 1 - (x >> 8) % 16;
		break;
	default:
		/* aligned to 8 most of the time, unaligned sometimes */
		p = DIFF_MEM_ADDR + 0x400 + (x >> 8) % (rw - 0x800);
		if (x & 0x70)
			p &= ~7ull;
		break;
	}
	return aligned ? p & ~15ull : p;
}

/* An 80-bit extended value: zeros, denormals, infinities, NaNs, unnormals, normal
 * numbers near 1 and random bit patterns. */
static void gen_x87(struct diff_rng *r, uint8_t out[10])
{
	static const struct { uint64_t mant; uint16_t sexp; } edge[] = {
		{ 0, 0 }, { 0, 0x8000 }, { 1, 0 }, { 0x8000000000000000ull, 0x7fff },
		{ 0xc000000000000000ull, 0xffff }, { 0x8000000000000001ull, 0x7fff },
		{ 0x8000000000000000ull, 0x3fff }, { 0xffffffffffffffffull, 0x3ffe },
		{ 0x4000000000000000ull, 0x3fff }, { 0x8000000000000000ull, 0x0001 },
	};
	uint64_t x = diff_rand(r), mant;
	uint16_t sexp;

	if (x & 1) {
		mant = edge[(x >> 8) % 10].mant;
		sexp = edge[(x >> 8) % 10].sexp ^ (uint16_t)((x & 2) << 14);
	} else {
		mant = diff_rand(r) | 0x8000000000000000ull;
		sexp = (uint16_t)(0x3fff - 64 + (x >> 8) % 128) | (uint16_t)((x & 2) << 14);
	}
	memcpy(out, &mant, 8);
	memcpy(out + 8, &sexp, 2);
}

void diff_gen_state(struct diff_rng *r, const struct diff_form *f, struct diff_state *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned n = 0; n < 16; n++) {
		if (f->ptr_regs & (1u << n))
			s->gpr[n] = gen_pointer(r, f->flags & DIFF_F_ALIGNED);
		else if (f->small_regs & (1u << n))
			s->gpr[n] = diff_rand(r) % 71;
		else
			s->gpr[n] = gen_value(r);
	}
	/* The stack: inside the read/write pages, 8-aligned mostly. */
	s->gpr[DR_RSP] = DIFF_MEM_ADDR + 0x1000 + (diff_rand(r) % 0x1000) / 8 * 8;
	if ((diff_rand(r) & 15) == 0)
		s->gpr[DR_RSP] += diff_rand(r) % 8;
	if (f->flags & DIFF_F_DIVIDE) {
		/* Half the time a dividend whose quotient fits: rDX below the divisor's
		 * magnitude (the forms divide by rCX or rBX). */
		if (diff_rand(r) & 1)
			s->gpr[DR_RDX] = (diff_rand(r) & 1) ? 0 : ~0ull;
	}
	s->rip = DIFF_CODE_ADDR;
	s->rflags = 0x202 | (diff_rand(r) & (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF));
	if ((diff_rand(r) & 7) == 0)
		s->rflags |= F_DF;
	s->fcw = 0x37f;
	s->mxcsr = 0x1f80;
	if (f->flags & DIFF_F_X87_FULL) {
		s->ftw = 0xff;
		s->fsw = (uint16_t)((diff_rand(r) & 7) << 11);
		for (unsigned n = 0; n < 8; n++)
			gen_x87(r, s->st[n]);
	}
	if (f->flags & DIFF_F_X87_RANDOM)
		diff_gen_x87_random(r, s);
	if (f->flags & DIFF_F_MXCSR_RANDOM)     /* RC, FTZ, DAZ, masks (SDM vol. 1, 10.2.3) */
		s->mxcsr = (uint32_t)(diff_rand(r) & 0xffc0);
	for (unsigned n = 0; n < 16; n++)
		for (unsigned b = 0; b < 16; b += 8) {
			uint64_t v = gen_value(r);

			memcpy(&s->xmm[n][b], &v, 8);
		}
	for (unsigned b = 0; b < DIFF_MEM_SIZE; b += 8) {
		uint64_t v = (b & 0x38) == 0 ? gen_value(r) : diff_rand(r);

		memcpy(&s->mem[b], &v, 8);
	}
}

uint32_t diff_host_vendor(void)
{
	unsigned a, b, c, d;

	__cpuid(0, a, b, c, d);
	/* "AuthenticAMD" / "HygonGenuine" behave as AMD; everything else as Intel. */
	return (b == 0x68747541 || b == 0x6f677948) ? DIFF_MODEL_AMD : DIFF_MODEL_INTEL;
}

/* RFLAGS bits to compare for form f on this host. */
static uint64_t cmp_flag_mask(const struct diff_form *f)
{
	uint64_t m = F_COMPARED;

	if (!(f->model & diff_host_vendor()))
		m &= ~(uint64_t)f->undef;
	return m;
}

static const char *const g_reg_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* #PF error-code bits to compare: all of P/W/U/RSVD/I, but P only inside the test
 * layout (beyond it the host has its own kernel mappings, the test machine none). */
static uint32_t pf_mask(uint64_t addr)
{
	return addr < DIFF_CODE_ADDR + 0x100000 ? 0x1f : 0x1e;
}

#define OUT(...) do { if (pos < len) pos += (size_t)snprintf(buf + pos, len - pos, __VA_ARGS__); } while (0)

bool diff_compare(const struct diff_form *f, const struct diff_result *a,
		  const struct diff_result *b, char *buf, size_t len)
{
	size_t pos = 0;
	uint64_t fm = cmp_flag_mask(f);

	buf[0] = 0;
	if (a->runner_failed || b->runner_failed) {
		OUT("runner failed (native %d, emu %d)\n", a->runner_failed, b->runner_failed);
		return false;
	}
	if (a->vector != b->vector)
		OUT("vector: native %d emu %d\n", a->vector, b->vector);
	else if (a->vector == 14 && (a->fault_addr != b->fault_addr ||
				     (a->error & pf_mask(a->fault_addr)) != (b->error & pf_mask(a->fault_addr))))
		OUT("#PF: native cr2 %#" PRIx64 " err %#x, emu cr2 %#" PRIx64 " err %#x\n",
		    a->fault_addr, a->error, b->fault_addr, b->error);
	else if (a->vector == 13 && a->error != b->error)
		OUT("#GP error: native %#x emu %#x\n", a->error, b->error);
	for (unsigned n = 0; n < 16; n++)
		if (a->s.gpr[n] != b->s.gpr[n])
			OUT("%s: native %016" PRIx64 " emu %016" PRIx64 "\n", g_reg_names[n],
			    a->s.gpr[n], b->s.gpr[n]);
	if (a->s.rip != b->s.rip)
		OUT("rip: native %#" PRIx64 " emu %#" PRIx64 "\n", a->s.rip, b->s.rip);
	if ((a->s.rflags ^ b->s.rflags) & fm)
		OUT("rflags: native %#" PRIx64 " emu %#" PRIx64 " (compared bits %#" PRIx64 ")\n",
		    a->s.rflags & F_COMPARED, b->s.rflags & F_COMPARED, fm);
	if (a->s.mxcsr != b->s.mxcsr)
		OUT("mxcsr: native %#x emu %#x\n", a->s.mxcsr, b->s.mxcsr);
	if (a->s.fcw != b->s.fcw || a->s.fsw != b->s.fsw || a->s.ftw != b->s.ftw)
		OUT("x87 cw/sw/tw: native %04x/%04x/%02x emu %04x/%04x/%02x\n", a->s.fcw, a->s.fsw,
		    a->s.ftw, b->s.fcw, b->s.fsw, b->s.ftw);
	for (unsigned n = 0; n < 8; n++)
		if (memcmp(a->s.st[n], b->s.st[n], 10))
			OUT("st(%u) differs\n", n);
	for (unsigned n = 0; n < 16; n++)
		if (memcmp(a->s.xmm[n], b->s.xmm[n], 16))
			OUT("xmm%u differs\n", n);
	for (unsigned k = 0, shown = 0; k < DIFF_MEM_SIZE; k++)
		if (a->s.mem[k] != b->s.mem[k] && shown++ < 8)
			OUT("mem[%#" PRIx64 "]: native %02x emu %02x\n", DIFF_MEM_ADDR + k,
			    a->s.mem[k], b->s.mem[k]);
	return pos == 0;
}

static void report_state(const char *title, const struct diff_state *s, int vector)
{
	printf("  %s (vector %d):\n", title, vector);
	for (unsigned n = 0; n < 16; n += 4)
		printf("    %-3s %016" PRIx64 "  %-3s %016" PRIx64 "  %-3s %016" PRIx64
		       "  %-3s %016" PRIx64 "\n",
		       g_reg_names[n], s->gpr[n], g_reg_names[n + 1], s->gpr[n + 1],
		       g_reg_names[n + 2], s->gpr[n + 2], g_reg_names[n + 3], s->gpr[n + 3]);
	printf("    rip %016" PRIx64 "  rflags %08" PRIx64 "  mxcsr %08x  fcw %04x fsw %04x\n",
	       s->rip, s->rflags, s->mxcsr, s->fcw, s->fsw);
}

void diff_report(const struct diff_form *f, const struct diff_state *in,
		 const struct diff_result *native, const struct diff_result *emu, const char *why)
{
	size_t len = (size_t)(f->code_end - f->code), off = 0;
	char text[160];

	printf("MISMATCH in form %s\n", f->name);
	while (off < len) {
		size_t n = monitor_disas(f->code + off, len - off, 8, DIFF_CODE_ADDR + off, text,
					 sizeof(text));

		printf("  %08" PRIx64 ":", DIFF_CODE_ADDR + off);
		for (size_t k = 0; k < (n ? n : len - off); k++)
			printf(" %02x", f->code[off + k]);
		printf("    %s\n", text);
		if (!n)
			break;
		off += n;
	}
	report_state("input", in, -1);
	report_state("native", &native->s, native->vector);
	report_state("elzero", &emu->s, emu->vector);
	printf("  differences:\n%s", why);
}
