/*
 * nested/vmx_apic.c - APIC virtualization in VMX non-root operation (SDM vol. 3,
 * edition in docs/spec-versions.md, chapter 30 "APIC Virtualization and Virtual
 * Interrupts"): the virtual-APIC page (30.1.1); TPR, PPR, EOI and self-IPI
 * virtualization (30.1.2-30.1.5); evaluation and delivery of virtual interrupts
 * (30.2); accesses to the APIC-access page: APIC-access VM exits, virtualized reads
 * and writes, APIC-write emulation and APIC-write VM exits (30.4); x2APIC MSR
 * virtualization (30.5); posted-interrupt processing (30.6).
 *
 * The virtual-APIC page and the guest interrupt status (RVI, SVI) are used in place:
 * every step reads and writes them in memory and in the cached VMCS, so VM exits
 * have nothing to save.
 *
 * Departures: physical accesses to the APIC-access page (guest paging structures
 * without EPT, 30.4.6.2) use memory, which the SDM allows. A virtualized write
 * followed in the same instruction by a read of the page, or by a write elsewhere on
 * it, exits (30.4.2, 30.4.3.1 let an instruction have only one virtualized write).
 */
#include "nested/vmx_internal.h"

#include "translate/translate.h"

/* Virtual-APIC page offsets (30.1.1) */
#define VAPIC_TPR       0x080
#define VAPIC_PPR       0x0a0
#define VAPIC_EOI       0x0b0
#define VAPIC_ISR       0x100
#define VAPIC_IRR       0x200
#define VAPIC_ICR_LO    0x300
#define VAPIC_ICR_HI    0x310
#define VAPIC_SELF_IPI  0x3f0

#define MSR_X2APIC_TPR  0x808
#define MSR_X2APIC_EOI  0x80b
#define MSR_X2APIC_ICR  0x830
#define MSR_X2APIC_SELF_IPI 0x83f

static uint32_t proc(const struct vmx *x) { return (uint32_t)vmcs_get(x, VMCS_PROC_CONTROLS); }
static uint32_t proc2(const struct vmx *x)
{
	return (proc(x) & PROC_SECONDARY) ? (uint32_t)vmcs_get(x, VMCS_PROC_CONTROLS2) : 0;
}
static bool vid(const struct vmx *x) { return proc2(x) & SEC_VID; }

static uint64_t vapic(const struct vmx *x) { return vmcs_get(x, VMCS_VIRTUAL_APIC_ADDR); }
static uint32_t vapic_ld(struct vcpu *v, unsigned off)
{
	return (uint32_t)cpu_phys_ld(v, vapic(vmx_of(v)) + off, 4);
}
static void vapic_st(struct vcpu *v, unsigned off, uint32_t val)
{
	cpu_phys_st(v, vapic(vmx_of(v)) + off, 4, val);
}

/* The guest interrupt status (25.4.2): RVI in bits 7:0, SVI in bits 15:8. */
static unsigned rvi(const struct vmx *x) { return vmcs_get(x, VMCS_GUEST_INTR_STATUS) & 0xff; }
static unsigned svi(const struct vmx *x) { return (vmcs_get(x, VMCS_GUEST_INTR_STATUS) >> 8) & 0xff; }
static void set_rvi(struct vmx *x, unsigned vec)
{
	uint64_t st = vmcs_get(x, VMCS_GUEST_INTR_STATUS);

	vmcs_set(x, VMCS_GUEST_INTR_STATUS, (st & 0xff00) | (vec & 0xff));
}
static void set_svi(struct vmx *x, unsigned vec)
{
	uint64_t st = vmcs_get(x, VMCS_GUEST_INTR_STATUS);

	vmcs_set(x, VMCS_GUEST_INTR_STATUS, (st & 0xff) | (vec & 0xff) << 8);
}

/* VISR and VIRR (30.1.1): bit n is bit n & 1FH of the dword at base + (n & E0H) / 2. */
static unsigned vreg_off(unsigned base, unsigned n) { return base + ((n & 0xe0) >> 1); }
static void vreg_set(struct vcpu *v, unsigned base, unsigned n, bool on)
{
	uint32_t w = vapic_ld(v, vreg_off(base, n)), bit = 1u << (n & 31);

	vapic_st(v, vreg_off(base, n), on ? w | bit : w & ~bit);
}
/* The highest bit set, or 0 when none (RVI/SVI then become 0). */
static unsigned vreg_highest(struct vcpu *v, unsigned base)
{
	for (int k = 7; k >= 0; k--) {
		uint32_t w = vapic_ld(v, base + 16 * (unsigned)k);

		if (w)
			return 32 * (unsigned)k + 31 - (unsigned)__builtin_clz(w);
	}
	return 0;
}

/* A trap-like VM exit (RIP already past the instruction). */
static _Noreturn void trap_exit(struct vcpu *v, uint32_t reason, uint64_t qual)
{
	vmx_clear_exit_info(vmx_of(v));
	vmx_vmexit(v, reason, qual);
	cpu_loop_exit(v);
}

/* ---------------------------------------------------------------- 30.1, 30.2 */

/* 30.1.3: PPR virtualization. */
static void ppr_virt(struct vcpu *v)
{
	uint32_t vtpr = vapic_ld(v, VAPIC_TPR) & 0xff;
	unsigned s = svi(vmx_of(v));

	vapic_st(v, VAPIC_PPR, (vtpr >> 4) >= (s >> 4) ? vtpr : (s & 0xf0));
}

/* 30.2.1: evaluation of pending virtual interrupts: recognized while RVI[7:4] >
 * VPPR[7:4] and "interrupt-window exiting" is 0. */
static void evaluate(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);

	x->vint = vid(x) && !(proc(x) & PROC_INTR_WINDOW) &&
		  (rvi(x) >> 4) > ((vapic_ld(v, VAPIC_PPR) >> 4) & 15);
	vmx_update_events(v);
}

void vmx_apic_tpr_virt(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);

	/* 30.1.2 */
	if (!vid(x)) {
		if (((vapic_ld(v, VAPIC_TPR) >> 4) & 15) < (vmcs_get(x, VMCS_TPR_THRESHOLD) & 15))
			trap_exit(v, EXIT_REASON_TPR_BELOW, 0);
		return;
	}
	ppr_virt(v);
	evaluate(v);
}

_Static_assert(VMCS_EOI_EXIT3 == VMCS_EOI_EXIT0 + 3, "EOI-exit bitmaps 0-3 are consecutive rows");

/* 30.1.4: EOI virtualization; an EOI-induced VM exit (45) when the EOI-exit bitmap
 * has the vector's bit. */
static void eoi_virt(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	unsigned vec = svi(x);

	vreg_set(v, VAPIC_ISR, vec, false);
	set_svi(x, vreg_highest(v, VAPIC_ISR));
	ppr_virt(v);
	if ((vmcs_get(x, VMCS_EOI_EXIT0 + vec / 64) >> (vec & 63)) & 1)
		trap_exit(v, EXIT_REASON_EOI, vec);
	evaluate(v);
}

/* 30.1.5: self-IPI virtualization. */
static void self_ipi_virt(struct vcpu *v, unsigned vec)
{
	struct vmx *x = vmx_of(v);

	vreg_set(v, VAPIC_IRR, vec, true);
	if (vec > rvi(x))
		set_rvi(x, vec);
	evaluate(v);
}

/* 30.2.2: deliver the recognized virtual interrupt when RFLAGS.IF = 1 and neither
 * STI nor MOV SS blocks (interrupt-window exiting is 0, or it is not recognized). */
void vmx_apic_deliver(struct vcpu *v, bool shadow)
{
	struct vmx *x = vmx_of(v);
	unsigned vec;

	if (!x->vint || shadow || !(v->s.rflags & RFLAGS_IF))
		return;
	vec = rvi(x);
	vreg_set(v, VAPIC_ISR, vec, true);
	set_svi(x, vec);
	vapic_st(v, VAPIC_PPR, vec & 0xf0);
	vreg_set(v, VAPIC_IRR, vec, false);
	set_rvi(x, vreg_highest(v, VAPIC_IRR));
	x->vint = false;
	vmx_update_events(v);
	if (log_on(LOG_VMX))
		log_printf("vmx: virtual interrupt %#x delivered\n", vec);
	/* Delivered like an external interrupt through L2's IDT; wakes from HLT. */
	v->s.halted = false;
	v->pending_vector = (int)vec;
	v->pending_error = EXC_NO_ERROR;
	v->pending_type = EVT_EXTINT;
	v->pending_is_sw = false;
	cpu_deliver_pending(v);
	cpu_loop_exit(v);
}

/* ---------------------------------------------------------------- 30.6 */

/* The local APIC's EOI (30.6 step 2 "dismisses the interrupt"): the x2APIC MSR or
 * the xAPIC register, as the APIC's mode is. */
static void lapic_eoi(struct vcpu *v)
{
	uint64_t base = v->s.msr.apic_base;

	if (base & (1u << 10)) {
		if (cpu_wrmsr(v, MSR_X2APIC_EOI, 0))
			return;         /* no x2APIC: nothing to dismiss */
	} else
		cpu_phys_st(v, (base & ~0xfffull & ((1ull << v->phys_bits) - 1)) + 0xb0, 4, 0);
}

bool vmx_apic_posted(struct vcpu *v, uint8_t vector)
{
	struct vmx *x = vmx_of(v);
	uint64_t desc = vmcs_get(x, VMCS_POSTED_INTR_DESC);
	unsigned hi = 0;

	if (!(vmcs_get(x, VMCS_PIN_CONTROLS) & PIN_POSTED) ||
	    vector != (vmcs_get(x, VMCS_POSTED_INTR_NV) & 0xff))
		return false;
	/* Outstanding-notification bit (bit 256 of the descriptor) cleared, the APIC's
	 * EOI, then PIR moved into VIRR (cleared as it is read), RVI raised. */
	cpu_phys_st(v, desc + 32, 1, cpu_phys_ld(v, desc + 32, 1) & ~1ull);
	lapic_eoi(v);
	for (unsigned k = 0; k < 8; k++) {
		uint32_t pir = (uint32_t)cpu_phys_ld(v, desc + 4 * k, 4);

		if (!pir)
			continue;
		cpu_phys_st(v, desc + 4 * k, 4, 0);
		vapic_st(v, VAPIC_IRR + 16 * k, vapic_ld(v, VAPIC_IRR + 16 * k) | pir);
		hi = 32 * k + 31 - (unsigned)__builtin_clz(pir);
	}
	if (hi > rvi(x))
		set_rvi(x, hi);
	if (log_on(LOG_VMX))
		log_printf("vmx: posted-interrupt notification, RVI %#x\n", rvi(x));
	evaluate(v);
	return true;
}

/* ---------------------------------------------------------------- 30.4 */

/* 30.4.2: registers whose reads "APIC-register virtualization" virtualizes. */
static bool reg_readable(unsigned reg)
{
	return reg == 0x020 || reg == 0x030 || reg == 0x080 || reg == 0x0b0 || reg == 0x0d0 ||
	       reg == 0x0e0 || reg == 0x0f0 || (reg >= 0x100 && reg <= 0x270) || reg == 0x280 ||
	       reg == 0x300 || reg == 0x310 || (reg >= 0x320 && reg <= 0x380) || reg == 0x3e0;
}

/* 30.4.3.1: registers whose writes are virtualized, by controls. */
static bool reg_writable(const struct vmx *x, unsigned off)
{
	unsigned reg = off & 0xff0;

	if (proc2(x) & SEC_APIC_REG)
		return reg == 0x020 || reg == 0x080 || reg == 0x0b0 || reg == 0x0d0 ||
		       reg == 0x0e0 || reg == 0x0f0 || reg == 0x280 || reg == 0x300 ||
		       reg == 0x310 || (reg >= 0x320 && reg <= 0x380) || reg == 0x3e0;
	if (vid(x))
		return off == 0x080 || off == 0x0b0 || off == 0x300;
	return off == 0x080;
}

/* Whether an access of size bytes at page offset off is virtualized, not an exit
 * (30.4.2 reads, 30.4.3.1 writes). */
static bool access_virtualized(const struct vmx *x, unsigned off, unsigned acc, unsigned size)
{
	if (!(proc(x) & PROC_TPR_SHADOW) || acc == ACC_EXEC || !size || size > 4 ||
	    (off & 15) + size > 4)
		return false;
	if (acc == ACC_WRITE)
		return (!x->apic_write || x->apic_write_off == off) && reg_writable(x, off);
	if (x->apic_write)
		return false;
	return (proc2(x) & SEC_APIC_REG) ? reg_readable(off & 0xff0) : off == 0x080;
}

/* v->apic_access (cpu/cpu.h): a linear access that translated to the page. */
static uint8_t *apic_access(struct vcpu *v, uint64_t lin, uint64_t paddr, unsigned acc,
			    unsigned size)
{
	struct vmx *x = vmx_of(v);
	unsigned off = paddr & 0xfff, type;
	uint8_t *p = NULL;

	if (access_virtualized(x, off, acc, size))
		p = cpu_bus_ram_ptr(v->bus, vapic(x) + off, size);
	if (p) {
		if (acc == ACC_WRITE) {
			/* APIC-write emulation once the instruction completes (30.4.3.2). */
			x->apic_write = true;
			x->apic_write_off = off;
			vmx_update_events(v);
			translate_exit_after_insn(v);
		}
		return p;
	}
	/* 28.2.1 table 28-6: offset, and the access type (3 = during event delivery). */
	type = v->deliver_valid ? 3 : acc == ACC_EXEC ? 2 : acc == ACC_WRITE ? 1 : 0;
	if (log_on(LOG_VMX))
		log_printf("vmx: APIC-access exit, offset %#x type %u\n", off, type);
	vmx_exit_ept(v, EXIT_REASON_APIC_ACCESS, off | type << 12, lin, 0);
}

void vmx_apic_gpa_check(struct vcpu *v, uint64_t hpa, uint64_t gpa)
{
	/* 30.4.6.1: every guest-physical access to the page exits (type 10 during
	 * event delivery, else 15; the offset bits are undefined: 0). */
	if (((hpa & ~0xfffull) | 1) != v->apic_access_tag)
		return;
	vmx_exit_ept(v, EXIT_REASON_APIC_ACCESS, (v->deliver_valid ? 10u : 15u) << 12, 0, gpa);
}

/* 30.4.3.2: self-IPI virtualization applies to a VICR_LO value with reserved bits,
 * delivery status, level trigger and delivery mode 0, shorthand "self", vector >= 16. */
static bool icr_self_ipi(uint32_t icr)
{
	return !(icr & 0xfff3b700u) && ((icr >> 18) & 3) == 1 && (icr & 0xf0);
}

void vmx_apic_write_emulation(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	unsigned off = x->apic_write_off;

	if (!x->apic_write)
		return;
	x->apic_write = false;
	vmx_update_events(v);
	switch (off & 0xff0) {
	case VAPIC_TPR:
		vapic_st(v, VAPIC_TPR, vapic_ld(v, VAPIC_TPR) & 0xff);
		vmx_apic_tpr_virt(v);
		return;
	case VAPIC_EOI:
		if (!vid(x))
			break;
		vapic_st(v, VAPIC_EOI, 0);
		eoi_virt(v);
		return;
	case VAPIC_ICR_LO:
		if (!vid(x) || !icr_self_ipi(vapic_ld(v, VAPIC_ICR_LO)))
			break;
		self_ipi_virt(v, vapic_ld(v, VAPIC_ICR_LO) & 0xff);
		return;
	case VAPIC_ICR_HI:
		vapic_st(v, VAPIC_ICR_HI, vapic_ld(v, VAPIC_ICR_HI) & 0xff000000u);
		return;
	}
	trap_exit(v, EXIT_REASON_APIC_WRITE, off);      /* 30.4.3.3 */
}

/* ---------------------------------------------------------------- 30.5 */

/* x2APIC MSRs whose RDMSR "APIC-register virtualization" virtualizes (30.5): ID,
 * version, TPR, PPR, LDR, SVR, ISR, TMR, IRR, ESR, LVT CMCI, ICR, LVTs, initial
 * count, divide configuration. */
static bool msr_readable(uint32_t index)
{
	return index == 0x802 || index == 0x803 || index == MSR_X2APIC_TPR || index == 0x80a ||
	       index == 0x80d || index == 0x80f || (index >= 0x810 && index <= 0x828) ||
	       index == 0x82f || index == MSR_X2APIC_ICR || (index >= 0x832 && index <= 0x838) ||
	       index == 0x83e;
}

static _Noreturn void msr_done(struct vcpu *v, const struct x86_insn *i)
{
	v->s.rip = insn_next_rip(v, i);
	cpu_loop_exit(v);
}

bool vmx_apic_msr(struct vcpu *v, const struct x86_insn *i, uint32_t index, bool write)
{
	struct vmx *x = vmx_of(v);
	uint64_t val = (uint32_t)v->s.gpr[0] | (v->s.gpr[2] << 32);

	if (!(proc2(x) & SEC_X2APIC) || (index >> 8) != 8 || !i)
		return false;
	if (!write) {
		if (index != MSR_X2APIC_TPR && !((proc2(x) & SEC_APIC_REG) && msr_readable(index)))
			return false;
		/* the 64 bits at offset (ECX & FFH) << 4 (x2APIC's ICR is one 64-bit
		 * register there) */
		val = cpu_phys_ld(v, vapic(x) + ((index & 0xff) << 4), 8);
		v->s.gpr[0] = (uint32_t)val;
		v->s.gpr[2] = val >> 32;
		msr_done(v, i);
	}
	switch (index) {
	case MSR_X2APIC_TPR:
		if (val >> 8)
			cpu_raise(v, EXC_GP, 0);
		cpu_phys_st(v, vapic(x) + VAPIC_TPR, 8, val);
		v->s.rip = insn_next_rip(v, i);
		vmx_apic_tpr_virt(v);
		cpu_loop_exit(v);
	case MSR_X2APIC_EOI:
		if (!vid(x))
			return false;
		if (val)
			cpu_raise(v, EXC_GP, 0);
		vapic_st(v, VAPIC_EOI, 0);
		v->s.rip = insn_next_rip(v, i);
		eoi_virt(v);
		cpu_loop_exit(v);
	case MSR_X2APIC_SELF_IPI:
		if (!vid(x))
			return false;
		if (val >> 8)
			cpu_raise(v, EXC_GP, 0);
		vapic_st(v, VAPIC_SELF_IPI, (uint32_t)val);
		self_ipi_virt(v, (unsigned)val);
		msr_done(v, i);
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- entry, exit */

void vmx_apic_enter(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	uint64_t tag = 0;

	x->apic_write = false;
	x->vint = false;
	if (proc2(x) & SEC_APIC_ACCESS)
		tag = (vmcs_get(x, VMCS_APIC_ACCESS_ADDR) & ~0xfffull) | 1;
	/* The TLB may hold a translation to the page made while it was not the
	 * APIC-access page (another entry's controls): drop those once. */
	if (tag && tag != x->apic_tag_last)
		cpu_tlb_flush_phys_page(v, tag & ~1ull);
	x->apic_tag_last = tag;
	v->apic_access_tag = tag;
	v->apic_access = tag ? apic_access : NULL;
	/* 27.3.2.5: with virtual-interrupt delivery, RVI/SVI come from the guest
	 * interrupt status; PPR virtualization, then evaluation. */
	if (vid(x)) {
		ppr_virt(v);
		evaluate(v);
		if (log_on(LOG_VMX) && (vmcs_get(x, VMCS_GUEST_INTR_STATUS) || x->vint))
			log_printf("vmx: entry with RVI %#x SVI %#x VPPR %#x%s\n", rvi(x), svi(x),
				   vapic_ld(v, VAPIC_PPR), x->vint ? ", virtual interrupt pending" : "");
	}
}

void vmx_apic_leave(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);

	/* 30.4.3.2: a VM exit before APIC-write emulation cancels it. */
	x->apic_write = false;
	x->vint = false;
	v->apic_access_tag = 0;
	v->apic_access = NULL;
}
