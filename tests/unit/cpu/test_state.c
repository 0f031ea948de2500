/*
 * tests/unit/cpu/test_state.c - reset state and the log item parser.
 */
#include "tests/unit/common/check_run.h"
#include "cpu/cpu.h"

#include <check.h>
#include <stdlib.h>

START_TEST(test_log_items)
{
	uint32_t mask = 0;
	char err[128];

	ck_assert_int_eq(log_parse_items("in_asm,int", &mask, err, sizeof(err)), 0);
	ck_assert_uint_eq(mask, (1u << LOG_IN_ASM) | (1u << LOG_INT));
	ck_assert_int_eq(log_parse_items("in_asm,bogus", &mask, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown log item 'bogus' (see -d help)");
	ck_assert_int_eq(log_parse_items("int,", &mask, err, sizeof(err)), -1);
	ck_assert_int_eq(log_parse_items("", &mask, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_ram_ptr)
{
	static uint8_t ram[8192];
	struct cpu_bus bus = { .ram = ram, .ram_size = sizeof(ram) };

	ck_assert_ptr_eq(cpu_bus_ram_ptr(&bus, 0, 8192), ram);
	ck_assert_ptr_eq(cpu_bus_ram_ptr(&bus, 4096, 16), ram + 4096);
	ck_assert_ptr_null(cpu_bus_ram_ptr(&bus, 8190, 4));
	ck_assert_ptr_null(cpu_bus_ram_ptr(&bus, ~0ull - 1, 4));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_state");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_log_items);
	tcase_add_test(tc, test_ram_ptr);
	suite_add_tcase(s, tc);
	return check_run(s);
}
