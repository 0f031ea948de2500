/*
 * tests/unit/nested/test_ept_run.c - guest code run by the translator with EPT on
 * (nested/ept.c's hook in cpu/ paging): loads, stores and fetches go through the
 * combined GVA -> HPA translation, and the TLB fast paths (cpu/mem.c, the IR
 * interpreter's inline lookup) hit with a nonzero address-space tag.
 * SDM vol. 3, 29.3.2 (EPT translation) and 29.4 (caching).
 */
#include "tests/unit/common/check_run.h"
#include "tests/unit/common/emu.h"
#include "nested/ept.h"

#include <check.h>
#include <string.h>

#define HALF  0x400000ull               /* EPT maps gpa [0, 4M) to hpa [4M, 8M) */
#define EPT_ROOT 0x300000ull            /* in the low half, unused by the guest then */

START_TEST(test_l2_code_runs_through_ept)
{
	static const uint8_t code[] = {
		0xb9, 0xe8, 0x03, 0x00, 0x00,   /* mov ecx, 1000 */
		0x48, 0x8b, 0x03,               /* 1: mov rax, [rbx] */
		0x48, 0x83, 0xc0, 0x01,         /* add rax, 1 */
		0x48, 0x89, 0x03,               /* mov [rbx], rax */
		0xff, 0xc9,                     /* dec ecx */
		0x75, 0xf2,                     /* jnz 1b */
		0x48, 0x89, 0x43, 0x08,         /* mov [rbx + 8], rax */
		0xf4,                           /* hlt */
	};
	struct emu *e = emu_new(EMU_LONG64, 0);

	emu_load(e, EMU_CODE, code, sizeof(code));
	/* The guest's world (tables, GDT, code, stack) moves to the high half. */
	memcpy(e->ram + HALF, e->ram, HALF);
	memset(e->ram + EPT_ROOT, 0, 0x3000);
	emu_write64(e, EPT_ROOT, (EPT_ROOT + 0x1000) | 7);
	emu_write64(e, EPT_ROOT + 0x1000, (EPT_ROOT + 0x2000) | 7);
	emu_write64(e, EPT_ROOT + 0x2000, HALF | 0x80 | 0x30 | 7);             /* 2M, WB */
	emu_write64(e, EPT_ROOT + 0x2008, (HALF + 0x200000) | 0x80 | 0x30 | 7);
	ept_enter(&e->v, true, EPT_ROOT | 0x1e, 1);
	ck_assert_uint_ne(e->v.tlb_space, 0);
	e->v.s.gpr[3] = EMU_DATA;
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100000), RUN_EXIT_HALT);
	ck_assert_uint_eq(emu_read64(e, HALF + EMU_DATA), 1000);
	ck_assert_uint_eq(emu_read64(e, HALF + EMU_DATA + 8), 1000);
	ck_assert_uint_eq(emu_read64(e, EMU_DATA), 0);           /* gpa as hpa: untouched */
	/* EPT A/D are off: the EPT entries are unchanged. */
	ck_assert_uint_eq(emu_read64(e, EPT_ROOT + 0x2008), (HALF + 0x200000) | 0xb7);
	/* Again from the cached translations, after L1 has run (VPID 1 kept them). */
	ept_leave(&e->v);
	ept_enter(&e->v, true, EPT_ROOT | 0x1e, 1);
	ck_assert_int_eq(emu_run(e, EMU_CODE, 100000), RUN_EXIT_HALT);
	ck_assert_uint_eq(emu_read64(e, HALF + EMU_DATA + 8), 2000);
	ept_leave(&e->v);
	emu_free(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nested_ept_run");
	TCase *tc = tcase_create("run");

	tcase_add_test(tc, test_l2_code_runs_through_ept);
	suite_add_tcase(s, tc);
	return check_run(s);
}
