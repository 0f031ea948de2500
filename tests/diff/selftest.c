/*
 * tests/diff/selftest.c - checks of the native runner itself: results, faults with
 * their vector/CR2/error code, memory, SSE and x87 state, and the comparison.
 */
#include "diff.h"

#include <stdio.h>
#include <string.h>

static int g_failures;

#define CHECK(cond, ...) do { if (!(cond)) { g_failures++; printf("selftest: " __VA_ARGS__); \
	printf("  [%s:%d]\n", __FILE__, __LINE__); } } while (0)

static void base_state(struct diff_state *s)
{
	memset(s, 0, sizeof(*s));
	s->rip = DIFF_CODE_ADDR;
	s->rflags = 0x202;
	s->gpr[DR_RSP] = DIFF_MEM_ADDR + 0x2000;
	s->fcw = 0x37f;
	s->mxcsr = 0x1f80;
	for (unsigned k = 0; k < DIFF_MEM_SIZE; k++)
		s->mem[k] = (uint8_t)(k * 7);
}

static int run1(const uint8_t *code, size_t len, const struct diff_state *in, struct diff_result *out)
{
	int rc = diff_native_run(code, len, in, out, 1);

	CHECK(rc == 0, "native run failed: %d\n", rc);
	CHECK(!out->runner_failed, "runner failed\n");
	return rc;
}

static void test_add(void)
{
	static const uint8_t code[] = { 0x48, 0x01, 0xc8 };       /* add %rcx, %rax */
	struct diff_state in;
	struct diff_result out;

	base_state(&in);
	in.gpr[DR_RAX] = 0xffffffffffffffffull;
	in.gpr[DR_RCX] = 2;
	in.gpr[DR_R15] = 0x1234;
	if (run1(code, sizeof(code), &in, &out))
		return;
	CHECK(out.vector == -1, "add: vector %d\n", out.vector);
	CHECK(out.s.gpr[DR_RAX] == 1, "add: rax %lx\n", (unsigned long)out.s.gpr[DR_RAX]);
	CHECK(out.s.gpr[DR_R15] == 0x1234, "add: r15 lost\n");
	CHECK((out.s.rflags & 0x8d5) == 0x11, "add: flags %lx\n", (unsigned long)out.s.rflags);
	CHECK(out.s.rip == DIFF_CODE_ADDR + 3, "add: rip %lx\n", (unsigned long)out.s.rip);
	CHECK(out.s.gpr[DR_RSP] == DIFF_MEM_ADDR + 0x2000, "add: rsp\n");
}

static void test_faults(void)
{
	static const uint8_t ud2[] = { 0x90, 0x0f, 0x0b };
	static const uint8_t load[] = { 0x8a, 0x03 };              /* mov (%rbx), %al */
	static const uint8_t store[] = { 0x88, 0x03 };             /* mov %al, (%rbx) */
	static const uint8_t div[] = { 0x48, 0xf7, 0xf1 };         /* div %rcx */
	struct diff_state in;
	struct diff_result out;

	base_state(&in);
	if (!run1(ud2, sizeof(ud2), &in, &out))
		CHECK(out.vector == 6 && out.s.rip == DIFF_CODE_ADDR + 1, "ud2: vector %d rip %lx\n",
		      out.vector, (unsigned long)out.s.rip);
	in.gpr[DR_RBX] = DIFF_GUARD_ADDR + 5;
	if (!run1(load, sizeof(load), &in, &out))
		CHECK(out.vector == 14 && out.fault_addr == DIFF_GUARD_ADDR + 5 &&
		      (out.error & 7) == 4, "load guard: vector %d cr2 %lx err %x\n", out.vector,
		      (unsigned long)out.fault_addr, out.error);
	in.gpr[DR_RBX] = DIFF_MEM_RO_ADDR + 9;
	if (!run1(store, sizeof(store), &in, &out))
		CHECK(out.vector == 14 && out.fault_addr == DIFF_MEM_RO_ADDR + 9 &&
		      (out.error & 7) == 7, "store ro: vector %d err %x\n", out.vector, out.error);
	in.gpr[DR_RBX] = 0x8000000000000000ull;
	if (!run1(load, sizeof(load), &in, &out))
		CHECK(out.vector == 13, "non-canonical: vector %d\n", out.vector);
	in.gpr[DR_RCX] = 0;
	if (!run1(div, sizeof(div), &in, &out))
		CHECK(out.vector == 0 && out.s.rip == DIFF_CODE_ADDR, "div0: vector %d\n", out.vector);
}

static void test_memory_and_vectors(void)
{
	/* mov %rax, 8(%rbx); paddq %xmm1, %xmm0; fld1 */
	static const uint8_t code[] = { 0x48, 0x89, 0x43, 0x08, 0x66, 0x0f, 0xd4, 0xc1, 0xd9, 0xe8 };
	struct diff_state in;
	struct diff_result out;
	uint64_t q;

	base_state(&in);
	in.gpr[DR_RAX] = 0x1122334455667788ull;
	in.gpr[DR_RBX] = DIFF_MEM_ADDR + 0x100;
	q = 5;
	memcpy(in.xmm[0], &q, 8);
	q = 7;
	memcpy(in.xmm[1], &q, 8);
	if (run1(code, sizeof(code), &in, &out))
		return;
	memcpy(&q, &out.s.mem[0x108], 8);
	CHECK(out.vector == -1 && q == 0x1122334455667788ull, "store: %lx\n", (unsigned long)q);
	memcpy(&q, out.s.xmm[0], 8);
	CHECK(q == 12, "paddq: %lu\n", (unsigned long)q);
	memcpy(&q, out.s.st[0], 8);
	CHECK(q == 0x8000000000000000ull && out.s.st[0][8] == 0xff && out.s.st[0][9] == 0x3f,
	      "fld1: mantissa %lx\n", (unsigned long)q);
	CHECK(out.s.ftw == 0x80 && ((out.s.fsw >> 11) & 7) == 7, "fld1: ftw %x fsw %x\n",
	      out.s.ftw, out.s.fsw);
}

static void test_compare(void)
{
	static const uint8_t code[] = { 0x90 };
	struct diff_form f = { .name = "nop", .code = code, .code_end = code + 1,
			       .undef = 0x10, .model = 0 };
	static struct diff_result a, b;
	char why[512];

	memset(&a, 0, sizeof(a));
	a.vector = -1;
	b = a;
	CHECK(diff_compare(&f, &a, &b, why, sizeof(why)), "equal results differ: %s\n", why);
	b.s.rflags ^= 0x10;     /* an undefined flag not modelled: ignored */
	CHECK(diff_compare(&f, &a, &b, why, sizeof(why)), "masked AF compared\n");
	b.s.rflags ^= 0x1;
	CHECK(!diff_compare(&f, &a, &b, why, sizeof(why)), "CF difference missed\n");
	b = a;
	b.s.mem[77] ^= 1;
	CHECK(!diff_compare(&f, &a, &b, why, sizeof(why)), "memory difference missed\n");
}

/* A case that kills the child (exit syscall) is reported; the next case still runs. */
static void test_child_death(void)
{
	/* test %rbx,%rbx; jz 1f; mov $60,%eax; xor %edi,%edi; syscall; 1: inc %rcx */
	static const uint8_t code[] = { 0x48, 0x85, 0xdb, 0x74, 0x09, 0xb8, 0x3c, 0x00, 0x00, 0x00,
					0x31, 0xff, 0x0f, 0x05, 0x48, 0xff, 0xc1 };
	static struct diff_state in[3];
	static struct diff_result out[3];
	int rc;

	for (unsigned k = 0; k < 3; k++) {
		base_state(&in[k]);
		in[k].gpr[DR_RBX] = k == 1;
		in[k].gpr[DR_RCX] = 10 * k;
	}
	rc = diff_native_run(code, sizeof(code), in, out, 3);
	CHECK(rc == 0, "death: run failed %d\n", rc);
	CHECK(!out[0].runner_failed && out[0].vector == -1 && out[0].s.gpr[DR_RCX] == 1,
	      "death: case 0 %d %d\n", out[0].runner_failed, out[0].vector);
	CHECK(out[1].runner_failed, "death: case 1 not reported\n");
	CHECK(!out[2].runner_failed && out[2].vector == -1 && out[2].s.gpr[DR_RCX] == 21,
	      "death: case 2 %d %d\n", out[2].runner_failed, out[2].vector);
}

int diff_selftest(void)
{
	test_add();
	test_child_death();
	test_faults();
	test_memory_and_vectors();
	test_compare();
	printf("selftest: %s\n", g_failures ? "FAILED" : "ok");
	return g_failures;
}
