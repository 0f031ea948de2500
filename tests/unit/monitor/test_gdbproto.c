/*
 * tests/unit/monitor/test_gdbproto.c - the gdb remote protocol's framing, checksums,
 * hex encoding and register table (monitor/gdbproto.c, monitor/gdbregs.c).
 */
#include "tests/unit/common/check_run.h"
#include "monitor/internal.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* Feed a whole string; return the last event. */
static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s, size_t n)
{
	enum gdb_rx_event ev = GDB_RX_NONE;

	for (size_t i = 0; i < n; i++)
		ev = gdb_rx_feed(rx, (uint8_t)s[i]);
	return ev;
}

START_TEST(checksum_and_frame)
{
	char out[64];

	ck_assert_uint_eq(gdb_checksum("OK", 2), 0x9a);
	ck_assert_uint_eq(gdb_frame("OK", 2, out, sizeof(out)), 6);
	ck_assert_str_eq(out, "$OK#9a");
	ck_assert_uint_eq(gdb_frame("", 0, out, sizeof(out)), 4);
	ck_assert_str_eq(out, "$#00");
	/* '#', '$', '}' and '*' are escaped as '}' then the byte xor 0x20 */
	gdb_frame("a#b", 3, out, sizeof(out));
	ck_assert_int_eq(memcmp(out, "$a}\x03" "b#", 6), 0);
	ck_assert_uint_eq(gdb_frame("OK", 2, out, 6), 0);       /* does not fit */
}
END_TEST

START_TEST(rx_packets)
{
	struct gdb_rx rx;
	char frame[64];
	size_t n;

	gdb_rx_init(&rx);
	ck_assert_int_eq(feed(&rx, "$OK#9a", 6), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "OK");
	ck_assert_uint_eq(rx.len, 2);
	ck_assert_int_eq(feed(&rx, "$OK#9b", 6), GDB_RX_BADSUM);
	ck_assert_int_eq(feed(&rx, "$OK#z", 5), GDB_RX_BADSUM);
	ck_assert_int_eq(gdb_rx_feed(&rx, 0x03), GDB_RX_INTR);
	ck_assert_int_eq(gdb_rx_feed(&rx, '+'), GDB_RX_ACK);
	ck_assert_int_eq(gdb_rx_feed(&rx, '-'), GDB_RX_NAK);
	ck_assert_int_eq(gdb_rx_feed(&rx, 'x'), GDB_RX_NONE);        /* noise between packets */
	/* escapes survive a round trip, and 0x03 inside a packet is data */
	n = gdb_frame("M1,2:}#$*\x03", 10, frame, sizeof(frame));
	ck_assert_int_eq(feed(&rx, frame, n), GDB_RX_PACKET);
	ck_assert_uint_eq(rx.len, 10);
	ck_assert_int_eq(memcmp(rx.buf, "M1,2:}#$*\x03", 10), 0);
}
END_TEST

START_TEST(rx_overflow)
{
	static char big[GDB_MAX_PACKET + 10];
	struct gdb_rx rx;
	char tail[4];

	gdb_rx_init(&rx);
	memset(big, 'a', sizeof(big));
	big[0] = '$';
	ck_assert_int_eq(feed(&rx, big, sizeof(big)), GDB_RX_NONE);
	snprintf(tail, sizeof(tail), "#%02x", gdb_checksum(big + 1, sizeof(big) - 1));
	ck_assert_int_eq(feed(&rx, tail, 3), GDB_RX_BADSUM);        /* too long: refused */
	ck_assert_int_eq(feed(&rx, "$OK#9a", 6), GDB_RX_PACKET);    /* and the next is fine */
}
END_TEST

START_TEST(hex)
{
	uint8_t in[4] = { 0x00, 0x7f, 0xa5, 0xff }, back[4];
	char out[9];
	uint64_t v;

	gdb_tohex(out, in, 4);
	ck_assert_str_eq(out, "007fa5ff");
	ck_assert_int_eq(gdb_fromhex(back, "007FA5ff", 4), 0);
	ck_assert_int_eq(memcmp(in, back, 4), 0);
	ck_assert_int_eq(gdb_fromhex(back, "0g", 1), -1);
	ck_assert_str_eq(gdb_parse_hex("1f2,", &v), ",");
	ck_assert_uint_eq(v, 0x1f2);
	ck_assert_ptr_null(gdb_parse_hex(",", &v));
	ck_assert_ptr_null(gdb_parse_hex("11112222333344445", &v));  /* more than 64 bits */
}
END_TEST

START_TEST(register_table)
{
	static const char *const core[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
		"r12", "r13", "r14", "r15", "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
		"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7", "fctrl", "fstat", "ftag",
		"fiseg", "fioff", "foseg", "fooff", "fop", "xmm0",
	};
	size_t total = 0;

	/* gdb's built-in amd64 g layout comes first, in its order */
	for (unsigned n = 0; n < sizeof(core) / sizeof(core[0]); n++)
		ck_assert_str_eq(gdb_reg_name(n), core[n]);
	ck_assert_str_eq(gdb_reg_name(56), "mxcsr");
	ck_assert_uint_eq(gdb_reg_size(16), 8);
	ck_assert_uint_eq(gdb_reg_size(17), 4);
	ck_assert_uint_eq(gdb_reg_size(24), 10);
	ck_assert_uint_eq(gdb_reg_size(40), 16);
	for (unsigned n = 0; n < gdb_reg_count(); n++)
		total += gdb_reg_size(n);
	ck_assert_uint_eq(total, gdb_regs_size());
	ck_assert_uint_eq(gdb_regs_size(), 536 + 9 * 8);
	ck_assert_ptr_null(gdb_reg_name(gdb_reg_count()));
}
END_TEST

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

START_TEST(target_xml)
{
	const char *xml = gdb_target_xml();

	ck_assert_ptr_nonnull(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	ck_assert_ptr_nonnull(strstr(xml, "<feature name=\"org.gnu.gdb.i386.core\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<feature name=\"org.gnu.gdb.i386.sse\">"));
	ck_assert_ptr_nonnull(strstr(xml, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\""));
	ck_assert_ptr_nonnull(strstr(xml, "<reg name=\"cr3\""));
	ck_assert_uint_eq(count(xml, "<reg "), gdb_reg_count());
	ck_assert_uint_eq(count(xml, "<feature "), count(xml, "</feature>"));
	/* vec128 is defined in the feature that uses it */
	ck_assert(strstr(xml, "org.gnu.gdb.i386.sse") < strstr(xml, "<union id=\"vec128\">"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gdbproto");
	TCase *t = tcase_create("proto");

	tcase_add_test(t, checksum_and_frame);
	tcase_add_test(t, rx_packets);
	tcase_add_test(t, rx_overflow);
	tcase_add_test(t, hex);
	tcase_add_test(t, register_table);
	tcase_add_test(t, target_xml);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
