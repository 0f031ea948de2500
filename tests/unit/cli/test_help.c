/*
 * tests/unit/cli/test_help.c - the help texts scripts read: -help's first line, the
 * -device list (only types -device accepts), -device DRIVER,help, -cpu help, -d help.
 */
#include "tests/unit/common/check_run.h"
#include "cli/cli.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* What cli_print_info prints for action (and driver, for CLI_DEVICE_PROPS). */
static char *info_text(enum cli_action action, const char *driver)
{
	struct cli c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	cli_init(&c);
	c.action = action;
	c.help_driver = driver;
	cli_print_info(&c, f);
	fclose(f);
	cli_free(&c);
	return buf;
}

START_TEST(test_help_first_line)
{
	char *t = info_text(CLI_HELP, NULL);
	char *nl = strchr(t, '\n');

	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	ck_assert_msg(!strncmp(t, "elzero ", 7) && strstr(t, "QEMU"), "first line: %s", t);
	/* every listed option is in the text, aliases are not */
	*nl = '\n';
	for (unsigned i = 0; i < g_cli_noptions; i++) {
		char want[48];

		snprintf(want, sizeof(want), "\n  -%s%s", g_cli_options[i].name,
			 g_cli_options[i].argname ? " " : "");
		if (g_cli_options[i].help)
			ck_assert_msg(strstr(t, want), "-help lacks -%s", g_cli_options[i].name);
	}
	ck_assert_ptr_null(strstr(t, "\n  -M "));
	free(t);
}
END_TEST

START_TEST(test_version)
{
	char *t = info_text(CLI_VERSION, NULL);

	ck_assert_str_eq(t, "elzero version " ELZERO_VERSION " (QEMU-compatible command line)\n");
	free(t);
}
END_TEST

START_TEST(test_device_list)
{
	char *t = info_text(CLI_DEVICE_LIST, NULL);

	for (unsigned i = 0; i < devtype_count(); i++) {
		const struct devtype *dt = devtype_at(i);
		char quoted[64];

		snprintf(quoted, sizeof(quoted), "name \"%s\", bus %s", dt->name, devbus_name(dt->bus));
		if (dt->implemented)
			ck_assert_msg(strstr(t, quoted), "%s not listed", dt->name);
		else    /* scripts pass what is listed: a refused type must not appear at all */
			ck_assert_msg(!strstr(t, dt->name), "%s listed", dt->name);
	}
	free(t);
}
END_TEST

START_TEST(test_device_props)
{
	char *t = info_text(CLI_DEVICE_PROPS, "isa-debug-exit");

	ck_assert_ptr_nonnull(strstr(t, "isa-debug-exit options:\n"));
	ck_assert_ptr_nonnull(strstr(t, "  iobase=<int>"));
	ck_assert_ptr_nonnull(strstr(t, "(default: 0x501)"));
	free(t);
	t = info_text(CLI_DEVICE_PROPS, "virtio-net-pci");
	ck_assert_ptr_nonnull(strstr(t, "[device not yet supported]"));
	ck_assert_ptr_nonnull(strstr(t, "  netdev=<str>"));
	free(t);
}
END_TEST

START_TEST(test_cpu_and_log_help)
{
	char *t = info_text(CLI_CPU_HELP, NULL);

	for (unsigned i = 0; i < cpu_model_count(); i++)
		ck_assert_ptr_nonnull(strstr(t, cpu_model_name(cpu_model_at(i))));
	ck_assert_ptr_nonnull(strstr(t, " vmx"));
	free(t);
	t = info_text(CLI_LOG_HELP, NULL);
	for (unsigned i = 0; i < LOG_ITEM_COUNT; i++)
		ck_assert_ptr_nonnull(strstr(t, log_item_name((enum log_item)i)));
	free(t);
	t = info_text(CLI_MACHINE_HELP, NULL);
	ck_assert_ptr_nonnull(strstr(t, "\npc "));
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli_help");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_help_first_line);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_device_list);
	tcase_add_test(tc, test_device_props);
	tcase_add_test(tc, test_cpu_and_log_help);
	suite_add_tcase(s, tc);
	return check_run(s);
}
