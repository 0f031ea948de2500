/*
 * monitor/internal.h - declarations shared by the files of monitor/ and its unit tests.
 */
#ifndef ELZERO_MONITOR_INTERNAL_H
#define ELZERO_MONITOR_INTERNAL_H

#include "monitor/monitor.h"

#include <glib.h>

/* ---------------------------------------------------------------- gdbproto.c */

/*
 * GDB remote serial protocol framing ("Debugging with GDB", appendix E "Remote
 * Protocol", section "Overview"): $payload#cc with cc the modulo-256 sum of the
 * payload bytes in two hex digits; '}' escapes the next byte (xor 0x20); the
 * receiver answers + or -; 0x03 outside a packet is an interrupt request.
 */
#define GDB_MAX_PACKET 16384

enum gdb_rx_event {
	GDB_RX_NONE,            /* byte consumed, nothing complete */
	GDB_RX_PACKET,          /* rx->buf/len hold a packet with a good checksum */
	GDB_RX_BADSUM,          /* a packet with a bad checksum: answer '-' */
	GDB_RX_INTR,            /* 0x03 */
	GDB_RX_ACK,             /* '+' */
	GDB_RX_NAK,             /* '-': send the last packet again */
};

struct gdb_rx {
	int state;
	uint8_t sum, got_sum;
	size_t len;
	bool escape, overflow;
	char buf[GDB_MAX_PACKET + 1];   /* NUL-terminated payload, escapes undone */
};

void gdb_rx_init(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte);
uint8_t gdb_checksum(const char *p, size_t len);
/* "$payload#cc", escaping # $ } *. Returns the length written (out is NUL-terminated),
 * or 0 if it does not fit. */
size_t gdb_frame(const char *payload, size_t len, char *out, size_t outlen);

int gdb_hexval(char c);         /* -1 if not a hex digit */
/* n bytes -> 2n hex digits (NUL-terminated). */
void gdb_tohex(char *out, const uint8_t *in, size_t n);
/* 2n hex digits -> n bytes; -1 if malformed. */
int gdb_fromhex(uint8_t *out, const char *in, size_t n);
/* A hex number up to a delimiter: returns the position after it, NULL if malformed. */
const char *gdb_parse_hex(const char *p, uint64_t *val);

/*
 * Registers, as one table (gdbregs.c) that gives the g/G packet layout, p/P numbers
 * and the target description (qXfer:features:read:target.xml). The first part is
 * gdb's built-in amd64 layout (core + sse), so a gdb that does not read the target
 * description still agrees; the rest (segment bases, control registers, EFER) is in
 * the description only.
 */
unsigned gdb_reg_count(void);
unsigned gdb_reg_size(unsigned n);      /* bytes */
const char *gdb_reg_name(unsigned n);
/* Read register n of v into buf (target byte order); returns its size. */
unsigned gdb_reg_get(struct vcpu *v, unsigned n, uint8_t *buf);
/* Write register n from buf. Returns 0, or -1 if the value is refused (a control
 * register load that would #GP). */
int gdb_reg_set(struct vcpu *v, unsigned n, const uint8_t *buf);
/* Bytes of the g packet's raw data (all registers). */
size_t gdb_regs_size(void);
/* The target description, NUL-terminated, static. */
const char *gdb_target_xml(void);

/* ---------------------------------------------------------------- debug.c */

enum watch_kind { WATCH_WRITE = 2, WATCH_READ = 3, WATCH_ACCESS = 4 };      /* Z2..Z4 */

#define DBG_MAX_WATCH 16

struct dbg_watch {
	uint64_t addr, len;
	enum watch_kind kind;
};

/* Why the session stopped the machine (for gdb's stop reply). */
/* STOP_ATTACH: -S, or a debugger connecting (gdb hears SIGTRAP, as from QEMU). */
enum dbg_stop_why { STOP_NONE, STOP_INTR, STOP_STEP, STOP_BREAK, STOP_WATCH, STOP_ATTACH };

struct gdb_stub;
struct mon;

struct dbg {
	struct dbg_machine m;
	bool stopped;                   /* no vCPU runs until resumed */
	bool quit;
	int step_cpu;                   /* >= 0: single-step this vCPU on resume */
	enum dbg_stop_why why;
	unsigned stop_cpu;              /* the vCPU that stopped */
	uint64_t watch_hit_addr;
	enum watch_kind watch_hit_kind;
	struct dbg_watch watch[DBG_MAX_WATCH];
	unsigned nwatch;
	uint64_t bps[TRANSLATE_MAX_BREAKPOINTS];
	unsigned nbps;
	unsigned next_cpu;              /* round robin */
	struct gdb_stub *gdb;
	struct mon *mon;
};

/* Breakpoints go to every vCPU (gdb sees one address space). 0, or -1 when full. */
int dbg_add_breakpoint(struct dbg *d, uint64_t lin);
void dbg_remove_breakpoint(struct dbg *d, uint64_t lin);
int dbg_add_watch(struct dbg *d, uint64_t addr, uint64_t len, enum watch_kind kind);
int dbg_remove_watch(struct dbg *d, uint64_t addr, uint64_t len, enum watch_kind kind);
void dbg_clear_points(struct dbg *d);
/* Resume: step >= 0 single-steps that vCPU (the others stay), else all run. */
void dbg_resume(struct dbg *d, int step);
void dbg_stop(struct dbg *d, enum dbg_stop_why why);
/* One turn of dbg_run without the sockets: run a slice (or the step) unless stopped.
 * True when the machine must act on *out (vcpu_run's exit); false to go on. */
bool dbg_run_slice(struct dbg *d, enum run_exit *out);

/* Guest-virtual (linear) memory as the debugger sees it: through v's current page
 * tables without side effects, RAM only. Return 0, or -1 at the first byte that is
 * unmapped or not RAM. Writes drop the translations of the bytes they change. */
int dbg_read_virt(struct vcpu *v, uint64_t lin, uint8_t *buf, size_t len);
int dbg_write_virt(struct vcpu *v, uint64_t lin, const uint8_t *buf, size_t len);
int dbg_read_phys(struct vcpu *v, uint64_t pa, uint8_t *buf, size_t len);

/* ---------------------------------------------------------------- chan.c */

/* One byte stream: stdio, or a listening socket with at most one client. */
struct chan {
	int listen_fd;          /* -1: none */
	int in_fd, out_fd;      /* -1: no client */
	bool is_stdio;
	char *unix_path;        /* unlinked on close */
};

/* spec: "stdio", "tcp:[HOST]:PORT[,server][,nowait]", "unix:PATH[,server][,nowait]".
 * Sockets must be servers unless always_server; wait for a client unless nowait
 * (never_wait: as if nowait). 0, or -1 with a message in err. */
int chan_open(struct chan *c, const char *spec, bool always_server, bool never_wait,
	      char *err, size_t errlen);
void chan_close(struct chan *c);
bool chan_connected(const struct chan *c);
/* Accept a pending client if none (non-blocking). True if one was accepted. */
bool chan_accept(struct chan *c);
/* Non-blocking read: bytes read, 0 if none ready, -1 when the client went away. */
ssize_t chan_read(struct chan *c, void *buf, size_t len);
void chan_write(struct chan *c, const void *buf, size_t len);
void chan_drop_client(struct chan *c);
/* The fd to poll: the client, else the listening socket. -1 if none. */
int chan_poll_fd(const struct chan *c);

/* ---------------------------------------------------------------- gdbstub.c */

struct gdb_stub *gdb_open(struct dbg *d, const char *spec, char *err, size_t errlen);
void gdb_close(struct gdb_stub *g, int status);
int gdb_poll_fd(const struct gdb_stub *g);
/* Read and handle what the client sent (non-blocking). */
void gdb_service(struct gdb_stub *g);
/* The machine stopped while gdb waited for it: send the stop reply. */
void gdb_report_stop(struct gdb_stub *g);
/* For tests: handle one packet payload, return the reply payload (static buffer); a
 * resume packet returns NULL (the reply comes when the machine stops). */
const char *gdb_handle(struct gdb_stub *g, const char *pkt, size_t len);
struct gdb_stub *gdb_new(struct dbg *d);        /* no socket: for tests */

/* ---------------------------------------------------------------- mon.c */

struct mon *mon_open(struct dbg *d, const char *spec, char *err, size_t errlen);
void mon_close(struct mon *m);
int mon_poll_fd(const struct mon *m);
void mon_service(struct mon *m);
/* Run one command line; output (each line ending in \n) appended to out. */
void mon_exec(struct dbg *d, const char *line, GString *out);

/* ---------------------------------------------------------------- pagewalk.c */

/* A leaf mapping of the current page tables: [lin, lin + size) -> phys. */
struct pw_map {
	uint64_t lin, phys, size;
	bool write, user, nx;
};
typedef bool (*pw_visit_fn)(void *opaque, const struct pw_map *m);  /* false: stop */
/* Visit every present leaf of v's page tables (32-bit, PAE, 4- and 5-level) in
 * address order. Returns -1 when paging is off. */
int pw_walk(struct vcpu *v, pw_visit_fn fn, void *opaque);

/* ---------------------------------------------------------------- ept_info.c */

/* `info ept`: the EPT walk of gpa through eptp, or through the EPTP the vCPU runs
 * with (VMX non-root operation with EPT on) when have_eptp is false. */
void mon_info_ept(struct vcpu *v, bool have_eptp, uint64_t eptp, uint64_t gpa, GString *out);

#endif
