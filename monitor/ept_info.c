/*
 * monitor/ept_info.c - `info ept [EPTP] GPA`: the EPT walk of a guest-physical address
 * (nested/ept.h's ept_translate, without side effects), entry by entry.
 *
 * Entry formats: SDM vol. 3, 29.3.2, tables 29-1 to 29-6 (edition in
 * docs/spec-versions.md).
 */
#include "monitor/internal.h"
#include "nested/ept.h"

static const char *const level_names[4] = { "PML4E", "PDPTE", "PDE", "PTE" };

static void show_entry(GString *out, unsigned i, uint64_t gpa, uint64_t addr, uint64_t e)
{
	unsigned shift = 39 - 9 * i;
	bool leaf = i == 3 || ((i == 1 || i == 2) && (e & 0x80));

	g_string_append_printf(out, "  %-5s[%3u] @%#llx = %016llx %c%c%c", level_names[i],
			       (unsigned)((gpa >> shift) & 511), (unsigned long long)addr,
			       (unsigned long long)e, (e & 1) ? 'R' : '-', (e & 2) ? 'W' : '-',
			       (e & 4) ? 'X' : '-');
	if (e & 0x100)
		g_string_append(out, " A");
	if (leaf) {
		if (e & 0x200)
			g_string_append(out, " D");
		g_string_append_printf(out, " MT=%u%s", (unsigned)((e >> 3) & 7),
				       i < 3 ? (i == 1 ? " 1G" : " 2M") : "");
	}
	g_string_append_c(out, '\n');
}

void mon_info_ept(struct vcpu *v, bool have_eptp, uint64_t eptp, uint64_t gpa, GString *out)
{
	struct ept_trace t;
	uint64_t hpa = 0, qual = 0;
	unsigned r, perm = 7;

	if (!have_eptp && !ept_current_eptp(v, &eptp)) {
		g_string_append(out, "info ept: no EPT in use and no current VMCS enabling it; "
				"give the EPTP: info ept EPTP GPA\n");
		return;
	}
	g_string_append_printf(out, "EPTP %#llx (memory type %u, %u levels, A/D %s)%s\n",
			       (unsigned long long)eptp, (unsigned)(eptp & 7),
			       (unsigned)((eptp >> 3) & 7) + 1, (eptp & 0x40) ? "on" : "off",
			       ept_eptp_valid(v, eptp) ? "" : " - not a valid EPTP");
	r = ept_translate(v, eptp, gpa, SLAT_READ | SLAT_PEEK, &hpa, &qual, &t);
	g_string_append_printf(out, "GPA %#llx:\n", (unsigned long long)gpa);
	for (unsigned i = 0; i < t.n; i++) {
		show_entry(out, i, gpa, t.addr[i], t.entry[i]);
		perm &= (unsigned)t.entry[i] & 7;
	}
	if (r == EPT_EXIT_MISCONFIG)
		g_string_append_printf(out, "EPT misconfiguration at the %s\n", level_names[t.n - 1]);
	else if (t.n && !(t.entry[t.n - 1] & 7))
		g_string_append_printf(out, "not present at the %s: EPT violation\n",
				       level_names[t.n - 1]);
	else
		g_string_append_printf(out, "-> HPA %#llx, access %c%c%c\n",
				       (unsigned long long)(r ? 0 : hpa), (perm & 1) ? 'R' : '-',
				       (perm & 2) ? 'W' : '-', (perm & 4) ? 'X' : '-');
}
