/*
 * monitor/gdbstub.c - the gdb remote stub ("Debugging with GDB", appendix E
 * "Remote Protocol": "Packets", "Stop Reply Packets", "General Query Packets").
 *
 * All-stop mode. Each vCPU is a thread (id = index + 1). Memory addresses are guest
 * linear addresses, translated through the current page tables of the selected
 * vCPU without side effects. gdb's connecting stops the machine, as with QEMU.
 */
#include "monitor/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gdb_stub {
	struct dbg *d;
	struct chan ch;
	bool has_chan;
	struct gdb_rx rx;
	bool running;           /* gdb resumed the machine and waits for a stop reply */
	bool noack;
	unsigned gcpu, ccpu;    /* the Hg and Hc threads, as indexes */
	char out[GDB_MAX_PACKET + 1];           /* reply payload */
	char frame[2 * GDB_MAX_PACKET + 8];     /* last framed packet (resent on '-') */
	size_t frame_len;
};

struct gdb_stub *gdb_new(struct dbg *d)
{
	struct gdb_stub *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->d = d;
	g->ch.listen_fd = g->ch.in_fd = g->ch.out_fd = -1;
	gdb_rx_init(&g->rx);
	return g;
}

struct gdb_stub *gdb_open(struct dbg *d, const char *spec, char *err, size_t errlen)
{
	struct gdb_stub *g = gdb_new(d);

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (chan_open(&g->ch, spec, true, true, err, errlen)) {
		free(g);
		return NULL;
	}
	g->has_chan = true;
	return g;
}

static void gdb_send(struct gdb_stub *g, const char *payload)
{
	g->frame_len = gdb_frame(payload, strlen(payload), g->frame, sizeof(g->frame));
	if (g->has_chan)
		chan_write(&g->ch, g->frame, g->frame_len);
}

void gdb_close(struct gdb_stub *g, int status)
{
	if (g->has_chan) {
		if (status >= 0 && chan_connected(&g->ch)) {
			char w[8];

			snprintf(w, sizeof(w), "W%02x", status & 0xff);
			gdb_send(g, w);
		}
		chan_close(&g->ch);
	}
	free(g);
}

int gdb_poll_fd(const struct gdb_stub *g)
{
	return g->has_chan ? chan_poll_fd(&g->ch) : -1;
}

static struct vcpu *cpu_of(struct gdb_stub *g, unsigned idx)
{
	return g->d->m.cpus[idx < g->d->m.ncpus ? idx : 0];
}

/* The stop reply for the session's last stop. */
static const char *stop_reply(struct gdb_stub *g)
{
	struct dbg *d = g->d;
	unsigned tid = d->stop_cpu + 1;

	g->gcpu = g->ccpu = d->stop_cpu;
	if (d->why == STOP_WATCH) {
		const char *k = d->watch_hit_kind == WATCH_WRITE ? "watch" :
				d->watch_hit_kind == WATCH_READ ? "rwatch" : "awatch";

		snprintf(g->out, sizeof(g->out), "T05%s:%llx;thread:%x;", k,
			 (unsigned long long)d->watch_hit_addr, tid);
	} else {
		snprintf(g->out, sizeof(g->out), "T%02xthread:%x;", d->why == STOP_INTR ? 2 : 5, tid);
	}
	return g->out;
}

void gdb_report_stop(struct gdb_stub *g)
{
	if (!g->running)
		return;
	g->running = false;
	gdb_send(g, stop_reply(g));
}

/* Thread id in H/T/vCont: -1 (all), 0 (any) or id. Returns the index, or -1 if bad;
 * *all says "-1" or "0". */
static int parse_tid(struct gdb_stub *g, const char *p, bool *all)
{
	uint64_t id;

	*all = false;
	if (!strcmp(p, "-1") || !strcmp(p, "0")) {
		*all = true;
		return 0;
	}
	if (!gdb_parse_hex(p, &id) || id == 0 || id > g->d->m.ncpus)
		return -1;
	return (int)(id - 1);
}

static const char *hex_reply(struct gdb_stub *g, const uint8_t *buf, size_t n)
{
	gdb_tohex(g->out, buf, n);
	return g->out;
}

static const char *read_regs(struct gdb_stub *g)
{
	struct vcpu *v = cpu_of(g, g->gcpu);
	uint8_t buf[1024];
	size_t o = 0;

	for (unsigned n = 0; n < gdb_reg_count(); n++)
		o += gdb_reg_get(v, n, buf + o);
	return hex_reply(g, buf, o);
}

static const char *write_regs(struct gdb_stub *g, const char *hex)
{
	struct vcpu *v = cpu_of(g, g->gcpu);
	size_t have = strlen(hex) / 2, o = 0;
	uint8_t buf[16];
	int bad = 0;

	/* gdb may send fewer registers than the table has: set those it sent. */
	for (unsigned n = 0; n < gdb_reg_count() && o + gdb_reg_size(n) <= have; n++) {
		unsigned sz = gdb_reg_size(n);

		if (gdb_fromhex(buf, hex + 2 * o, sz))
			return "E22";
		bad |= gdb_reg_set(v, n, buf);
		o += sz;
	}
	return bad ? "E22" : "OK";
}

static const char *reg_p(struct gdb_stub *g, const char *p)
{
	uint64_t n;
	uint8_t buf[16];

	if (!gdb_parse_hex(p, &n) || n >= gdb_reg_count())
		return "E22";
	return hex_reply(g, buf, gdb_reg_get(cpu_of(g, g->gcpu), (unsigned)n, buf));
}

static const char *reg_P(struct gdb_stub *g, const char *p)
{
	uint64_t n;
	uint8_t buf[16];

	p = gdb_parse_hex(p, &n);
	if (!p || *p != '=' || n >= gdb_reg_count() || strlen(p + 1) != 2 * gdb_reg_size((unsigned)n) ||
	    gdb_fromhex(buf, p + 1, gdb_reg_size((unsigned)n)))
		return "E22";
	return gdb_reg_set(cpu_of(g, g->gcpu), (unsigned)n, buf) ? "E22" : "OK";
}

/* "ADDR,LEN" then what follows; NULL if malformed. */
static const char *parse_addr_len(const char *p, uint64_t *addr, uint64_t *len)
{
	p = gdb_parse_hex(p, addr);
	if (!p || *p != ',')
		return NULL;
	return gdb_parse_hex(p + 1, len);
}

static const char *mem_m(struct gdb_stub *g, const char *p)
{
	uint64_t addr, len;
	uint8_t buf[GDB_MAX_PACKET / 2];

	p = parse_addr_len(p, &addr, &len);
	if (!p || *p)
		return "E22";
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (dbg_read_virt(cpu_of(g, g->gcpu), addr, buf, len))
		return "E14";
	return hex_reply(g, buf, len);
}

static const char *mem_M(struct gdb_stub *g, const char *p)
{
	uint64_t addr, len;
	uint8_t buf[GDB_MAX_PACKET / 2];

	p = parse_addr_len(p, &addr, &len);
	if (!p || *p != ':' || len > sizeof(buf) || strlen(p + 1) != 2 * len ||
	    gdb_fromhex(buf, p + 1, len))
		return "E22";
	return dbg_write_virt(cpu_of(g, g->gcpu), addr, buf, len) ? "E14" : "OK";
}

/* Z/z TYPE,ADDR,KIND: 0 software and 1 hardware breakpoints, 2-4 watchpoints. */
static const char *point(struct gdb_stub *g, const char *p, bool insert)
{
	uint64_t type, addr, kind;
	int r;

	p = gdb_parse_hex(p, &type);
	if (!p || *p != ',' || !(p = parse_addr_len(p + 1, &addr, &kind)) || (*p && *p != ';'))
		return "E22";
	if (type <= 1) {
		if (!insert) {
			dbg_remove_breakpoint(g->d, addr);
			return "OK";
		}
		return dbg_add_breakpoint(g->d, addr) ? "E28" : "OK";
	}
	if (type > 4)
		return "";
	if (insert)
		r = dbg_add_watch(g->d, addr, kind, (enum watch_kind)type);
	else
		r = dbg_remove_watch(g->d, addr, kind, (enum watch_kind)type);
	return r ? "E22" : "OK";
}

/* c/s/C/S with an optional address to resume at. */
static const char *resume(struct gdb_stub *g, const char *p, bool step, bool sig)
{
	uint64_t addr;

	if (sig) {
		p = gdb_parse_hex(p, &addr);    /* the signal: ignored, as QEMU does */
		if (!p)
			return "E22";
		p = *p == ';' ? p + 1 : p;
	}
	if (*p) {
		if (!gdb_parse_hex(p, &addr))
			return "E22";
		cpu_of(g, g->ccpu)->s.rip = addr;
	}
	g->running = true;
	dbg_resume(g->d, step ? (int)(g->ccpu < g->d->m.ncpus ? g->ccpu : 0) : -1);
	return NULL;
}

/* vCont;ACTION[:TID];... - all-stop: a step action steps its thread (the others stay
 * stopped, as gdb's scheduler-locking step expects); else everything continues. */
static const char *vcont(struct gdb_stub *g, const char *p)
{
	int step = -1;

	while (*p == ';') {
		char act = p[1];
		const char *colon = strchr(p + 1, ':'), *next = strchr(p + 1, ';');
		int idx = g->ccpu;
		bool all = true;

		if (act != 'c' && act != 's' && act != 'C' && act != 'S')
			return "E22";
		if (colon && (!next || colon < next)) {
			char tid[24];
			size_t n = next ? (size_t)(next - colon - 1) : strlen(colon + 1);

			if (n >= sizeof(tid))
				return "E22";
			memcpy(tid, colon + 1, n);
			tid[n] = '\0';
			idx = parse_tid(g, tid, &all);
			if (idx < 0)
				return "E22";
		}
		if ((act == 's' || act == 'S') && step < 0)
			step = all ? (int)g->ccpu : idx;
		p = next ? next : p + strlen(p);
	}
	g->running = true;
	dbg_resume(g->d, step);
	return NULL;
}

static const char *query_xfer(struct gdb_stub *g, const char *p)
{
	const char *xml = gdb_target_xml();
	uint64_t off, len, total = strlen(xml);

	if (strncmp(p, "target.xml:", 11))
		return "E00";
	p = parse_addr_len(p + 11, &off, &len);
	if (!p || *p)
		return "E22";
	if (off >= total)
		return "l";
	if (len > GDB_MAX_PACKET - 2)
		len = GDB_MAX_PACKET - 2;
	if (len > total - off)
		len = total - off;
	g->out[0] = off + len < total ? 'm' : 'l';
	memcpy(g->out + 1, xml + off, len);
	g->out[1 + len] = '\0';
	return g->out;
}

static const char *query(struct gdb_stub *g, const char *p)
{
	if (!strncmp(p, "qSupported", 10)) {
		snprintf(g->out, sizeof(g->out), "PacketSize=%x;qXfer:features:read+;vContSupported+;"
			 "QStartNoAckMode+", GDB_MAX_PACKET);
		return g->out;
	}
	if (!strcmp(p, "qAttached"))
		return "1";
	if (!strcmp(p, "qC")) {
		snprintf(g->out, sizeof(g->out), "QC%x", g->gcpu + 1);
		return g->out;
	}
	if (!strcmp(p, "qfThreadInfo")) {
		size_t o = 0;

		g->out[o++] = 'm';
		for (unsigned i = 0; i < g->d->m.ncpus && o < sizeof(g->out) - 12; i++)
			o += (size_t)snprintf(g->out + o, sizeof(g->out) - o, "%s%x", i ? "," : "", i + 1);
		g->out[o] = '\0';
		return g->out;
	}
	if (!strcmp(p, "qsThreadInfo"))
		return "l";
	if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		char text[64];
		bool all;
		int idx = parse_tid(g, p + 17, &all);

		if (idx < 0)
			return "E22";
		snprintf(text, sizeof(text), "CPU#%d [%s]", idx,
			 g->d->m.cpus[idx]->s.wait_for_sipi ? "wait-for-SIPI" :
			 g->d->m.cpus[idx]->s.halted ? "halted" : "running");
		return hex_reply(g, (const uint8_t *)text, strlen(text));
	}
	if (!strncmp(p, "qXfer:features:read:", 20))
		return query_xfer(g, p + 20);
	if (!strcmp(p, "qSymbol::"))
		return "OK";
	return "";
}

static const char *set_thread(struct gdb_stub *g, const char *p)
{
	bool all;
	int idx = parse_tid(g, p + 1, &all);

	if (idx < 0 || (p[0] != 'g' && p[0] != 'c'))
		return "E22";
	if (p[0] == 'g')
		g->gcpu = (unsigned)idx;
	else
		g->ccpu = (unsigned)idx;
	return "OK";
}

const char *gdb_handle(struct gdb_stub *g, const char *pkt, size_t len)
{
	bool all;

	if (!len)
		return "";
	switch (pkt[0]) {
	case '?': return stop_reply(g);
	case 'g': return read_regs(g);
	case 'G': return write_regs(g, pkt + 1);
	case 'p': return reg_p(g, pkt + 1);
	case 'P': return reg_P(g, pkt + 1);
	case 'm': return mem_m(g, pkt + 1);
	case 'M': return mem_M(g, pkt + 1);
	case 'c': return resume(g, pkt + 1, false, false);
	case 's': return resume(g, pkt + 1, true, false);
	case 'C': return resume(g, pkt + 1, false, true);
	case 'S': return resume(g, pkt + 1, true, true);
	case 'Z': return point(g, pkt + 1, true);
	case 'z': return point(g, pkt + 1, false);
	case 'H': return set_thread(g, pkt + 1);
	case 'T': return parse_tid(g, pkt + 1, &all) < 0 || all ? "E22" : "OK";
	case 'q': return query(g, pkt);
	case 'D':
		dbg_clear_points(g->d);
		dbg_resume(g->d, -1);
		return "OK";
	case 'k':
		dbg_clear_points(g->d);
		g->d->quit = true;
		if (g->d->m.quit)
			g->d->m.quit(g->d->m.opaque);
		return NULL;
	case 'v':
		if (!strcmp(pkt, "vCont?"))
			return "vCont;c;C;s;S";
		if (!strncmp(pkt, "vCont;", 5) && pkt[5] == ';')
			return vcont(g, pkt + 5);
		return "";              /* vMustReplyEmpty and everything unknown */
	case 'Q':
		if (!strcmp(pkt, "QStartNoAckMode"))
			return "OK";
		return "";
	default:
		return "";
	}
}

static void on_packet(struct gdb_stub *g)
{
	const char *reply;

	if (!g->noack)
		chan_write(&g->ch, "+", 1);
	reply = gdb_handle(g, g->rx.buf, g->rx.len);
	if (reply)
		gdb_send(g, reply);
	if (!strcmp(g->rx.buf, "QStartNoAckMode"))
		g->noack = true;
	if (g->rx.buf[0] == 'D')
		chan_drop_client(&g->ch);
}

void gdb_service(struct gdb_stub *g)
{
	uint8_t buf[4096];
	ssize_t n;

	if (!g->has_chan)
		return;
	if (!chan_connected(&g->ch)) {
		if (!chan_accept(&g->ch))
			return;
		/* A new debugger: stop the machine for it (QEMU does the same). */
		gdb_rx_init(&g->rx);
		g->noack = false;
		g->running = false;
		dbg_stop(g->d, STOP_ATTACH);
	}
	while (chan_connected(&g->ch) && (n = chan_read(&g->ch, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n && chan_connected(&g->ch); i++) {
			switch (gdb_rx_feed(&g->rx, buf[i])) {
			case GDB_RX_PACKET: on_packet(g); break;
			case GDB_RX_BADSUM: chan_write(&g->ch, "-", 1); break;
			case GDB_RX_NAK: chan_write(&g->ch, g->frame, g->frame_len); break;
			case GDB_RX_INTR:
				if (g->running)
					dbg_stop(g->d, STOP_INTR);
				break;
			default: break;
			}
		}
	}
	if (!chan_connected(&g->ch) && !g->d->quit) {
		/* The debugger went away: forget its points and let the guest run on. */
		g->running = false;
		dbg_clear_points(g->d);
		dbg_resume(g->d, -1);
	}
}
