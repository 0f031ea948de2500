/*
 * nested/vmcs.c - the VMCS field table and the VMCS cache. Intel SDM vol. 3
 * (edition in docs/spec-versions.md), 25.2 (VMCS region format), 25.11.2 and
 * appendix B (field encodings), 25.11.3 (VMCLEAR/VMPTRLD and the cache).
 *
 * The current VMCS lives in struct vmx; memory holds the others in the layout of
 * vmx_internal.h (VMCLEAR and VMPTRLD of another VMCS write the cached copy back).
 */
#include "nested/vmx_internal.h"

#include <stdio.h>

/* Encoding layout (25.11.2): bit 0 high access, 9:1 index, 11:10 type, 14:13 width. */
#define ENC(w, t, idx) ((uint32_t)(w) << 13 | (uint32_t)(t) << 10 | (uint32_t)(idx) << 1)

#define W16 VMCS_W16
#define W64 VMCS_W64
#define W32 VMCS_W32
#define WNAT VMCS_WNAT
#define CTL VMCS_T_CTL
#define GUEST VMCS_T_GUEST
#define HOST VMCS_T_HOST

static const struct vmcs_field_info g_fields[VMCS_NFIELDS] = {
#define RO VMCS_T_RO
#define VMCS_FIELD(name, enc, w, t, a, f) \
	{ #name, enc, w, t, a##_ACC, VF_##f },
#define RW_ACC false
#define RO_ACC true
#include "nested/vmcs_fields.def"
#undef VMCS_FIELD
#undef RO
};

/* Appendix B: every encoding's width and type bits are those its row declares, bit 12
 * and bits 31:15 are 0, and only full (bit 0 = 0) encodings are listed. */
#define VMCS_FIELD(name, enc, w, t, a, f) \
	_Static_assert(((enc) >> 13) == (unsigned)(w) && (((enc) >> 10) & 3) == (unsigned)(t##_T) && \
		       !((enc) & 0x1001), "VMCS encoding " #name " disagrees with its row");
#define CTL_T VMCS_T_CTL
#define RO_T VMCS_T_RO
#define GUEST_T VMCS_T_GUEST
#define HOST_T VMCS_T_HOST
#include "nested/vmcs_fields.def"
#undef VMCS_FIELD

unsigned vmcs_field_count(void) { return VMCS_NFIELDS; }

const struct vmcs_field_info *vmcs_field_at(unsigned idx)
{
	return idx < VMCS_NFIELDS ? &g_fields[idx] : NULL;
}

int vmcs_lookup(uint64_t encoding, bool *high)
{
	uint32_t full;

	if (encoding >> 32)
		return -1;
	full = (uint32_t)encoding & ~1u;
	*high = encoding & 1;
	for (unsigned k = 0; k < VMCS_NFIELDS; k++) {
		if (g_fields[k].encoding != full)
			continue;
		/* Only 64-bit fields have a high half (25.11.2). */
		if (*high && g_fields[k].width != VMCS_W64)
			return -1;
		return (int)k;
	}
	return -1;
}

uint64_t vmcs_width_mask(unsigned idx)
{
	switch (g_fields[idx].width) {
	case VMCS_W16: return 0xffff;
	case VMCS_W32: return 0xffffffffu;
	default: return ~0ull;
	}
}

/* A field exists when the model supports what it belongs to (appendix B notes). */
bool vmcs_field_supported(const struct vcpu *v, unsigned idx)
{
	struct vmx_ctl_caps proc = vmx_ctl_caps(v, CTL_PROC, false);
	struct vmx_ctl_caps proc2 = vmx_ctl_caps(v, CTL_PROC2, false);
	struct vmx_ctl_caps ex = vmx_ctl_caps(v, CTL_EXIT, false);

	switch (g_fields[idx].feature) {
	case VF_EPT: return proc2.may1 & SEC_EPT;
	case VF_VPID: return proc2.may1 & SEC_VPID;
	case VF_TPR: return proc.may1 & PROC_TPR_SHADOW;
	case VF_PAT: return ex.may1 & (EXIT_SAVE_PAT | EXIT_LOAD_PAT);
	case VF_EFER: return ex.may1 & (EXIT_SAVE_EFER | EXIT_LOAD_EFER);
	case VF_SEC: return proc.may1 & PROC_SECONDARY;
	case VF_PREEMPT: return vmx_ctl_caps(v, CTL_PIN, false).may1 & PIN_PREEMPT;
	case VF_PERF: return ex.may1 & EXIT_LOAD_PERF;
	case VF_APIC: return proc2.may1 & SEC_APIC_ACCESS;
	case VF_VID: return proc2.may1 & SEC_VID;
	case VF_PI: return vmx_ctl_caps(v, CTL_PIN, false).may1 & PIN_POSTED;
	case VF_PLE: return proc2.may1 & SEC_PLE;
	case VF_XSAVES: return proc2.may1 & SEC_XSAVES;
	default: return true;
	}
}

void vmcs_load(struct vcpu *v, uint64_t paddr, struct vmcs *vmcs)
{
	vmcs->launched = cpu_phys_ld(v, paddr + VMCS_OFF_LAUNCH, 4) == 1;
	for (unsigned k = 0; k < VMCS_NFIELDS; k++)
		vmcs->f[k] = cpu_phys_ld(v, paddr + VMCS_OFF_FIELDS + 8 * k, 8) & vmcs_width_mask(k);
}

void vmcs_flush(struct vcpu *v, uint64_t paddr, const struct vmcs *vmcs)
{
	cpu_phys_st(v, paddr + VMCS_OFF_LAUNCH, 4, vmcs->launched);
	for (unsigned k = 0; k < VMCS_NFIELDS; k++)
		cpu_phys_st(v, paddr + VMCS_OFF_FIELDS + 8 * k, 8, vmcs->f[k]);
}

/* ---------------------------------------------------------------- monitor */

bool vmx_status(struct vcpu *v, uint64_t *vmxon, uint64_t *current, bool *guest)
{
	const struct vmx *x;

	if (!v->nested)
		return false;
	x = vmx_of(v);
	if (!x->on)
		return false;
	*vmxon = x->vmxon_ptr;
	*current = x->current;
	*guest = v->guest_mode;
	return true;
}

bool vmx_read_field(struct vcpu *v, unsigned idx, uint64_t *val)
{
	const struct vmx *x;

	if (!v->nested || idx >= VMCS_NFIELDS)
		return false;
	x = vmx_of(v);
	if (!x->on || x->current == VMX_NO_VMCS || !vmcs_field_supported(v, idx))
		return false;
	*val = x->vmcs.f[idx];
	return true;
}

size_t vmx_format_vmcs(struct vcpu *v, char *buf, size_t len)
{
	static const char *const widths[] = { "16", "64", "32", "nat" };
	uint64_t vmxon, cur, val;
	bool guest;
	size_t n = 0;

#define OUT(...) do { \
		int r_ = snprintf(buf ? buf + (n < len ? n : len) : NULL, \
				  n < len ? len - n : 0, __VA_ARGS__); \
		if (r_ > 0) n += (size_t)r_; \
	} while (0)
	if (!vmx_status(v, &vmxon, &cur, &guest)) {
		OUT("not in VMX operation\n");
		return n;
	}
	OUT("VMXON region %#llx, %s operation\n", (unsigned long long)vmxon,
	    guest ? "non-root" : "root");
	if (cur == VMX_NO_VMCS) {
		OUT("no current VMCS\n");
		return n;
	}
	OUT("current VMCS %#llx (%s)\n", (unsigned long long)cur,
	    vmx_of(v)->vmcs.launched ? "launched" : "clear");
	for (unsigned k = 0; k < VMCS_NFIELDS; k++) {
		const struct vmcs_field_info *f = &g_fields[k];

		if (!vmx_read_field(v, k, &val))
			continue;
		OUT("  %04x %-3s %-24s %#llx\n", f->encoding, widths[f->width], f->name,
		    (unsigned long long)val);
	}
#undef OUT
	return n;
}
