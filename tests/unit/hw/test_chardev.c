/*
 * tests/unit/hw/test_chardev.c - character backends without a machine: spec errors,
 * file:, null, and unix: sockets as server (nowait; clients coming and going) and
 * client.
 */
#include "tests/unit/common/check_run.h"
#include "hw/chardev.h"

#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[64], path[128], err[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/elzero-chardev-XXXXXX");
	ck_assert_ptr_nonnull(g_mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static int connect_unix(const char *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_uint_lt(strlen(p), sizeof(sun.sun_path));
	memcpy(sun.sun_path, p, strlen(p) + 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static int read_byte_within(struct chardev *cd, int ms)
{
	int c = -1;

	for (int i = 0; i < ms && c < 0; i++) {
		c = chardev_read_byte(cd);
		if (c < 0)
			usleep(1000);
	}
	return c;
}

static int read_byte_soon(struct chardev *cd) { return read_byte_within(cd, 1000); }

START_TEST(bad_specs)
{
	struct chardev cd;

	ck_assert_int_eq(chardev_open(&cd, "bogus", err, sizeof(err)), -1);
	ck_assert(strstr(err, "not yet supported"));
	ck_assert_int_eq(chardev_open(&cd, "file:", err, sizeof(err)), -1);
	ck_assert_int_eq(chardev_open(&cd, "unix:", err, sizeof(err)), -1);
	ck_assert_int_eq(chardev_open(&cd, "unix:/x,server,frob", err, sizeof(err)), -1);
	ck_assert(strstr(err, "frob"));
	ck_assert_int_eq(chardev_open(&cd, "tcp:nocolon,server,nowait", err, sizeof(err)), -1);
	ck_assert_int_eq(chardev_open(&cd, "unix:/nonexistent/dir/s", err, sizeof(err)), -1);
	ck_assert(strstr(err, "cannot connect"));
}
END_TEST

START_TEST(null_and_file)
{
	struct chardev cd;
	char spec[160], buf[8] = { 0 };
	FILE *f;

	ck_assert_int_eq(chardev_open(&cd, "null", err, sizeof(err)), 0);
	chardev_write(&cd, (const uint8_t *)"x", 1);
	ck_assert_int_eq(chardev_read_byte(&cd), -1);
	ck_assert(!chardev_has_input(&cd));
	chardev_close(&cd);
	snprintf(spec, sizeof(spec), "file:%s", path);
	ck_assert_int_eq(chardev_open(&cd, spec, err, sizeof(err)), 0);
	chardev_write(&cd, (const uint8_t *)"abc", 3);
	chardev_close(&cd);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(buf, 1, sizeof(buf), f), 3);
	fclose(f);
	ck_assert_str_eq(buf, "abc");
}
END_TEST

START_TEST(unix_server_clients_come_and_go)
{
	struct chardev cd;
	char spec[160], c;
	int fd;

	snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
	ck_assert_int_eq(chardev_open(&cd, spec, err, sizeof(err)), 0);
	ck_assert(chardev_has_input(&cd));
	chardev_write(&cd, (const uint8_t *)"lost", 4);         /* no client: dropped */
	ck_assert_int_eq(chardev_read_byte(&cd), -1);
	for (int round = 0; round < 2; round++) {
		fd = connect_unix(path);
		ck_assert_int_eq(write(fd, "k", 1), 1);
		ck_assert_int_eq(read_byte_soon(&cd), 'k');
		chardev_write(&cd, (const uint8_t *)"o", 1);
		ck_assert_int_eq(read(fd, &c, 1), 1);
		ck_assert_int_eq(c, 'o');
		close(fd);
		ck_assert_int_eq(read_byte_within(&cd, 20), -1);  /* hangup: back to listening */
		chardev_write(&cd, (const uint8_t *)"x", 1);    /* no SIGPIPE, no crash */
	}
	chardev_close(&cd);
}
END_TEST

START_TEST(unix_client)
{
	struct chardev server, client;
	char spec[160];

	snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
	ck_assert_int_eq(chardev_open(&server, spec, err, sizeof(err)), 0);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	ck_assert_int_eq(chardev_open(&client, spec, err, sizeof(err)), 0);
	chardev_write(&client, (const uint8_t *)"z", 1);
	ck_assert_int_eq(read_byte_soon(&server), 'z');
	chardev_close(&client);
	chardev_close(&server);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("chardev");
	TCase *tc = tcase_create("backends");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bad_specs);
	tcase_add_test(tc, null_and_file);
	tcase_add_test(tc, unix_server_clients_come_and_go);
	tcase_add_test(tc, unix_client);
	suite_add_tcase(s, tc);
	return check_run(s);
}
