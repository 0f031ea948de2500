/*
 * nested/vmx_intercept.c - VMX non-root operation (SDM vol. 3, chapter 26, edition
 * in docs/spec-versions.md): which instructions and events cause VM exits under the
 * controls (26.1, 26.2), the changed behaviour of those that do not (26.3: CR0/CR4
 * guest/host masks and read shadows, TSC offsetting), the window and MTF exits
 * (27.7 / 26.7), and the exit information each one records (28.2).
 *
 * Reached through cpu_intercept() (cpu/cpu.h) while v->guest_mode is set.
 */
#include "nested/vmx_internal.h"

#include "translate/opcodes.h"

static uint32_t pin(const struct vmx *x) { return (uint32_t)vmcs_get(x, VMCS_PIN_CONTROLS); }
static uint32_t proc(const struct vmx *x) { return (uint32_t)vmcs_get(x, VMCS_PROC_CONTROLS); }
static uint32_t proc2(const struct vmx *x)
{
	return (proc(x) & PROC_SECONDARY) ? (uint32_t)vmcs_get(x, VMCS_PROC_CONTROLS2) : 0;
}

/* An exit caused by instruction i (26.1): length, optional information, then unwind. */
static _Noreturn void insn_exit(struct vcpu *v, const struct x86_insn *i, uint32_t reason,
				uint64_t qual, uint32_t info)
{
	struct vmx *x = vmx_of(v);

	vmx_clear_exit_info(x);
	if (i)
		vmcs_set(x, VMCS_EXIT_INSN_LEN, i->len);
	vmcs_set(x, VMCS_EXIT_INSN_INFO, info);
	vmx_vmexit(v, reason, qual);
	cpu_loop_exit(v);
}

/* The instruction completed here (26.3 emulation of masked CR accesses). */
static _Noreturn void insn_done(struct vcpu *v, const struct x86_insn *i)
{
	v->s.rip = insn_next_rip(v, i);
	cpu_loop_exit(v);
}

/* ---------------------------------------------------------------- CR access */

/* 28.2.1, table 28-3: CR number, access type, LMSW operand, GPR, LMSW data. */
static uint64_t cr_qual(unsigned cr, unsigned type, unsigned gpr, bool lmsw_mem, uint16_t data)
{
	return cr | type << 4 | (uint64_t)lmsw_mem << 6 | (uint64_t)gpr << 8 | (uint64_t)data << 16;
}

static uint16_t lmsw_source(struct vcpu *v, const struct x86_insn *i)
{
	if (i->mod == 3)
		return (uint16_t)v->s.gpr[i->rm];
	return (uint16_t)cpu_ld(v, i->seg, vmx_insn_ea(v, i), 2);
}

/* 26.1.3 / 26.3: MOV to CR0/CR4 exits when a bit set in the mask differs from the
 * read shadow; otherwise the masked bits keep their value. */
static void cr_write_masked(struct vcpu *v, const struct x86_insn *i, unsigned cr, unsigned gpr)
{
	struct vmx *x = vmx_of(v);
	uint64_t mask = vmcs_get(x, cr ? VMCS_CR4_GUEST_HOST_MASK : VMCS_CR0_GUEST_HOST_MASK);
	uint64_t shadow = vmcs_get(x, cr ? VMCS_CR4_READ_SHADOW : VMCS_CR0_READ_SHADOW);
	uint64_t val = cpu_64bit_mode(&v->s) ? v->s.gpr[gpr] : (uint32_t)v->s.gpr[gpr];
	uint64_t cur = cr ? v->s.cr4 : v->s.cr0;
	int r;

	if ((val ^ shadow) & mask)
		insn_exit(v, i, EXIT_REASON_CR, cr_qual(cr, 0, gpr, false, 0), 0);
	if (!mask)
		return;
	val = (val & ~mask) | (cur & mask);
	r = cr ? cpu_set_cr4(v, val) : cpu_set_cr0(v, val);
	if (r)
		cpu_raise(v, EXC_GP, 0);
	insn_done(v, i);
}

static uint64_t cr_shadowed(const struct vcpu *v, unsigned cr)
{
	const struct vmx *x = vmx_of(v);
	uint64_t mask = vmcs_get(x, cr ? VMCS_CR4_GUEST_HOST_MASK : VMCS_CR0_GUEST_HOST_MASK);
	uint64_t shadow = vmcs_get(x, cr ? VMCS_CR4_READ_SHADOW : VMCS_CR0_READ_SHADOW);

	return ((cr ? v->s.cr4 : v->s.cr0) & ~mask) | (shadow & mask);
}

/*
 * MOV to CR8 with "use TPR shadow" (26.3, 30.3): the value goes to VTPR (offset 80H
 * of the virtual-APIC page, bits 7:4; the rest of the dword cleared), then TPR
 * virtualization (30.1.2, nested/vmx_apic.c), whose VM exit is trap-like.
 */
static _Noreturn void tpr_write(struct vcpu *v, const struct x86_insn *i, uint64_t val)
{
	struct vmx *x = vmx_of(v);

	if (val >> 4)
		cpu_raise(v, EXC_GP, 0);        /* reserved bits, as MOV to CR8 */
	cpu_phys_st(v, vmcs_get(x, VMCS_VIRTUAL_APIC_ADDR) + 0x80, 4, (val & 15) << 4);
	v->s.rip = insn_next_rip(v, i);
	vmx_apic_tpr_virt(v);
	cpu_loop_exit(v);
}

static void cr_write(struct vcpu *v, const struct x86_insn *i, unsigned cr)
{
	struct vmx *x = vmx_of(v);
	uint64_t mask = vmcs_get(x, VMCS_CR0_GUEST_HOST_MASK);
	uint64_t shadow = vmcs_get(x, VMCS_CR0_READ_SHADOW);
	unsigned gpr = i ? i->opnd[1].reg : 0;

	if (!i)
		return;
	if (i->op == X86_OP_CLTS) {
		/* CLTS exits when TS is host-owned and its shadow is 1. */
		if ((mask & CR0_TS) && (shadow & CR0_TS))
			insn_exit(v, i, EXIT_REASON_CR, cr_qual(0, 2, 0, false, 0), 0);
		if (mask & CR0_TS)
			insn_done(v, i);
		return;
	}
	if (i->op == X86_OP_LMSW) {
		uint16_t src = lmsw_source(v, i);
		uint64_t m = mask & 0xf, cr0;

		if (((m & CR0_PE) && !(shadow & CR0_PE) && (src & CR0_PE)) ||
		    ((src ^ shadow) & m & (CR0_MP | CR0_EM | CR0_TS))) {
			if (i->mod != 3)
				vmcs_set(x, VMCS_GUEST_LINEAR_ADDR, 0);
			insn_exit(v, i, EXIT_REASON_CR, cr_qual(0, 3, 0, i->mod != 3, src), 0);
		}
		if (!m)
			return;
		/* LMSW sets PE but never clears it; masked bits stay. */
		cr0 = (v->s.cr0 & ~(0xeull & ~m)) | (src & 0xe & ~m) | (src & CR0_PE & ~m);
		if (cpu_set_cr0(v, cr0))
			cpu_raise(v, EXC_GP, 0);
		insn_done(v, i);
	}
	switch (cr) {
	case 0: case 4:
		cr_write_masked(v, i, cr, gpr);
		return;
	case 3:
		if (proc(x) & PROC_CR3_LOAD) {
			uint64_t val = v->s.gpr[gpr], n = vmcs_get(x, VMCS_CR3_TARGET_COUNT);

			for (unsigned k = 0; k < n && k < 4; k++)
				if (vmcs_get(x, VMCS_CR3_TARGET0 + k) == val)
					return;
			insn_exit(v, i, EXIT_REASON_CR, cr_qual(3, 0, gpr, false, 0), 0);
		}
		return;
	case 8:
		if (proc(x) & PROC_CR8_LOAD)
			insn_exit(v, i, EXIT_REASON_CR, cr_qual(8, 0, gpr, false, 0), 0);
		if (proc(x) & PROC_TPR_SHADOW)
			tpr_write(v, i, v->s.gpr[gpr]);
		return;
	}
}

static void cr_read(struct vcpu *v, const struct x86_insn *i, unsigned cr)
{
	struct vmx *x = vmx_of(v);
	unsigned size = cpu_64bit_mode(&v->s) ? 8 : 4;
	uint64_t val;

	if (!i)
		return;
	if (i->op == X86_OP_SMSW) {
		if (!vmcs_get(x, VMCS_CR0_GUEST_HOST_MASK))
			return;
		val = cr_shadowed(v, 0);
		if (i->mod == 3)
			gpr_write(&v->s, i->rm, i->opsize, false, val);
		else
			cpu_st(v, i->seg, vmx_insn_ea(v, i), 2, val & 0xffff);
		insn_done(v, i);
	}
	switch (cr) {
	case 0: case 4:
		if (!vmcs_get(x, cr ? VMCS_CR4_GUEST_HOST_MASK : VMCS_CR0_GUEST_HOST_MASK))
			return;
		gpr_write(&v->s, i->opnd[0].reg, size, false, cr_shadowed(v, cr));
		insn_done(v, i);
	case 3:
		if (proc(x) & PROC_CR3_STORE)
			insn_exit(v, i, EXIT_REASON_CR, cr_qual(3, 1, i->opnd[0].reg, false, 0), 0);
		return;
	case 8:
		if (proc(x) & PROC_CR8_STORE)
			insn_exit(v, i, EXIT_REASON_CR, cr_qual(8, 1, i->opnd[0].reg, false, 0), 0);
		if (proc(x) & PROC_TPR_SHADOW) {
			/* 26.3 / 30.3: MOV from CR8 reads VTPR[7:4] */
			uint64_t vtpr = cpu_phys_ld(v, vmcs_get(x, VMCS_VIRTUAL_APIC_ADDR) + 0x80, 4);

			gpr_write(&v->s, i->opnd[0].reg, 8, false, (vtpr >> 4) & 15);
			insn_done(v, i);
		}
		return;
	}
}

/* ---------------------------------------------------------------- MSRs, I/O */

/* 25.6.9: read bitmap low/high at 0/1024, write bitmap low/high at 2048/3072. */
static bool msr_exits(struct vcpu *v, uint32_t index, bool write)
{
	const struct vmx *x = vmx_of(v);
	uint64_t base = vmcs_get(x, VMCS_MSR_BITMAP) + (write ? 2048 : 0);

	if (!(proc(x) & PROC_MSR_BITMAPS))
		return true;
	if (index >= 0xc0000000u && index <= 0xc0001fffu)
		base += 1024;
	else if (index > 0x1fff)
		return true;
	index &= 0x1fff;
	return (cpu_phys_ld(v, base + index / 8, 1) >> (index & 7)) & 1;
}

/* 26.1.3: unconditional I/O exiting, or the I/O bitmaps (25.6.4) for every port the
 * access touches; an access that wraps past FFFFH exits. */
static bool io_exits(struct vcpu *v, uint16_t port, unsigned size)
{
	const struct vmx *x = vmx_of(v);

	if (!(proc(x) & PROC_IO_BITMAPS))
		return proc(x) & PROC_UNCOND_IO;
	for (unsigned p = port; p < (unsigned)port + size; p++) {
		uint64_t bm;

		if (p > 0xffff)
			return true;
		bm = vmcs_get(x, p < 0x8000 ? VMCS_IO_BITMAP_A : VMCS_IO_BITMAP_B);
		if ((cpu_phys_ld(v, bm + (p & 0x7fff) / 8, 1) >> (p & 7)) & 1)
			return true;
	}
	return false;
}

/* 28.2.1 table 28-5 and 28.2.5 (INS/OUTS information, IA32_VMX_BASIC bit 54). */
static void io_exit(struct vcpu *v, const struct x86_insn *i, uint64_t info)
{
	struct vmx *x = vmx_of(v);
	uint16_t port = (uint16_t)info;
	unsigned size = (info >> 16) & 0xff;
	bool in = info >> 24 & 1, str = info >> 25 & 1, rep = info >> 26 & 1;
	bool imm = i && i->opcode >= 0xe4 && i->opcode <= 0xe7;
	uint64_t qual = (size - 1) | (uint64_t)in << 3 | (uint64_t)str << 4 | (uint64_t)rep << 5 |
			(uint64_t)imm << 6 | (uint64_t)port << 16;
	uint32_t iinfo = 0;

	vmx_clear_exit_info(x);
	if (str && i) {
		unsigned seg = in ? SEG_ES : i->seg;
		uint64_t off = v->s.gpr[in ? 7 : 6] & size_mask(i->addrsize);

		vmcs_set(x, VMCS_GUEST_LINEAR_ADDR, v->s.seg[seg].base + off);
		iinfo = size_code(i->addrsize) << 7 | (uint32_t)(seg & 7) << 15;
	}
	if (i)
		vmcs_set(x, VMCS_EXIT_INSN_LEN, i->len);
	vmcs_set(x, VMCS_EXIT_INSN_INFO, iinfo);
	vmx_vmexit(v, EXIT_REASON_IO, qual);
	cpu_loop_exit(v);
}

/* ---------------------------------------------------------------- exceptions */

/* 25.6.3: the exception bitmap; #PF also through the error-code mask and match. */
static bool exception_exits(const struct vmx *x, unsigned vec, uint32_t err)
{
	uint32_t bitmap = (uint32_t)vmcs_get(x, VMCS_EXCEPTION_BITMAP);
	bool bit = vec < 32 && ((bitmap >> vec) & 1);

	if (vec == EXC_PF) {
		bool match = (err & (uint32_t)vmcs_get(x, VMCS_PF_ERROR_MASK)) ==
			     (uint32_t)vmcs_get(x, VMCS_PF_ERROR_MATCH);

		return bit ? match : !match;
	}
	return bit;
}

/* 28.2.2: an exception (hardware, INT1, INT3/INTO) that the bitmap intercepts. */
static void exception_exit(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	unsigned vec = (unsigned)v->pending_vector, type = v->pending_type;
	uint32_t err = v->pending_error, info = INTR_INFO_VALID | type << 8 | vec;
	uint64_t qual = 0;

	if (!exception_exits(x, vec, err == EXC_NO_ERROR ? 0 : err))
		return;
	vmx_clear_exit_info(x);
	if (type == EVT_HWEXC && err != EXC_NO_ERROR) {
		info |= INTR_INFO_ERR;
		vmcs_set(x, VMCS_EXIT_INTR_ERROR, err);
	}
	/* 28.2.2: bit 12, a fault on an IRET that unblocked NMIs (not a #DF, nor
	 * during event delivery: undefined then). */
	if (vmx_iret_unblocked(v) && vec != EXC_DF)
		info |= INTR_INFO_NMI_UNBLOCK;
	vmcs_set(x, VMCS_EXIT_INTR_INFO, info);
	if (type == EVT_SWEXC || type == EVT_PRIVSW)
		vmcs_set(x, VMCS_EXIT_INSN_LEN, v->pending_next_rip - v->s.rip);
	if (vec == EXC_PF && type == EVT_HWEXC) {
		/* 28.1: a #PF that exits leaves CR2 alone; the address is the qualification. */
		qual = v->s.cr2;
		v->s.cr2 = v->pf_old_cr2;
	} else if (vec == EXC_DB && type == EVT_HWEXC) {
		/* B0-B3, BD, BS (table 28-1); DR6 keeps its value (27.1). */
		qual = v->db_dr6_bits & 0x600f;
		v->s.dr[6] = v->db_dr6_old;
	}
	v->pending_vector = -1;
	vmx_vmexit(v, EXIT_REASON_EXCEPTION, qual);
	cpu_loop_exit(v);
}

/* ---------------------------------------------------------------- events */

/* 26.2: an external interrupt; with "acknowledge interrupt on exit" the vector is
 * taken from the controller and recorded (28.2.2), unless it is the posted-interrupt
 * notification vector, which is processed without an exit (30.6). */
static void extint_exit(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	struct cpu_bus *bus = v->bus;
	uint32_t info = 0;

	if ((vmcs_get(x, VMCS_EXIT_CONTROLS) & EXIT_ACK_INT) && bus && bus->intr_ack) {
		uint8_t vec = bus->intr_ack(bus->opaque);

		if (vmx_apic_posted(v, vec))
			cpu_loop_exit(v);       /* back to this boundary, now with RVI */
		info = INTR_INFO_VALID | vec;
	}
	vmx_clear_exit_info(x);
	vmcs_set(x, VMCS_EXIT_INTR_INFO, info);
	vmx_vmexit(v, EXIT_REASON_EXTINT, 0);
	cpu_loop_exit(v);
}

static void nmi_exit(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);

	vmx_clear_exit_info(x);
	v->nmi_pending = false;
	vmcs_set(x, VMCS_EXIT_INTR_INFO, INTR_INFO_VALID | EVT_NMI << 8 | EXC_NMI);
	vmx_vmexit(v, EXIT_REASON_EXCEPTION, 0);
	v->s.nmi_blocked = true;        /* 28.5: an NMI exit leaves NMIs blocked */
	cpu_loop_exit(v);
}

static _Noreturn void event_exit(struct vcpu *v, uint32_t reason)
{
	vmx_clear_exit_info(vmx_of(v));
	vmx_vmexit(v, reason, 0);
	cpu_loop_exit(v);
}

/*
 * 27.7.3: the debug exception VM entry left pending, with the priority of a trap on
 * the previous instruction. It exits when the exception bitmap says so (qualification
 * B3-B0, BS as table 28-1 puts them; DR6 untouched); otherwise it updates DR6 and is
 * delivered through the guest IDT.
 */
static void entry_debug_trap(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	uint32_t bits = x->pending_dbg;

	x->pending_dbg = 0;
	vmx_update_events(v);
	if ((uint32_t)vmcs_get(x, VMCS_EXCEPTION_BITMAP) & (1u << EXC_DB)) {
		vmx_clear_exit_info(x);
		vmcs_set(x, VMCS_EXIT_INTR_INFO, INTR_INFO_VALID | EVT_HWEXC << 8 | EXC_DB);
		vmx_vmexit(v, EXIT_REASON_EXCEPTION, bits & (PDBG_B0_3 | PDBG_BS));
		cpu_loop_exit(v);
	}
	cpu_db_dr6(v, true, bits & (PDBG_B0_3 | PDBG_BS));
	cpu_raise(v, EXC_DB, EXC_NO_ERROR);
}

/*
 * At an instruction boundary (cpu_check_events, ICPT_EVENTS), in priority order:
 * pending MTF (27.7.8 / 26.7.2), NMI-window (27.7.6), NMIs (left to the CPU, which
 * calls ICPT_NMI), interrupt-window (27.7.5), external interrupts with "external-
 * interrupt exiting", which RFLAGS.IF does not block then (26.3.1.1).
 */
static void boundary_events(struct vcpu *v, uint64_t info)
{
	struct vmx *x = vmx_of(v);
	struct cpu_bus *bus = v->bus;
	bool shadow = info & 1, movss = shadow && v->s.intr_shadow == 2;

	/* icount is exact at boundaries only: the first one after entry is the base. */
	if (x->mtf_fresh) {
		x->mtf_fresh = false;
		x->mtf_icount = v->icount;
		x->preempt_deadline += cpu_tsc(v);
	}
	/* 30.4.3.2: APIC-write emulation ranks above SMI, INIT and lower events. */
	vmx_apic_write_emulation(v);
	if (x->mtf_pending || ((proc(x) & PROC_MTF) && v->icount != x->mtf_icount))
		event_exit(v, EXIT_REASON_MTF);
	if (info & ICPT_EVENTS_DEBUG_TRAP)
		return;         /* 26.7.2: MTF before debug traps; the rest after them */
	if (x->pending_dbg && !movss)
		entry_debug_trap(v);
	/* 26.5.1: the timer reached 0. A halted guest lets no time pass in elzero's
	 * instruction-count clock, so HLT skips ahead to the expiry. */
	if (x->preempt_on && (cpu_tsc(v) >= x->preempt_deadline || v->s.halted) &&
	    x->activity != ACT_WAIT_SIPI) {
		x->preempt_deadline = cpu_tsc(v);
		event_exit(v, EXIT_REASON_PREEMPT);
	}
	if (x->activity == ACT_SHUTDOWN && v->nmi_pending && !v->s.nmi_blocked && !(pin(x) & PIN_NMI)) {
		/* An NMI delivered through the guest IDT leaves shutdown (27.7.2). */
		x->activity = ACT_ACTIVE;
		v->intr_masked = false;
		vmx_update_events(v);
	}
	if (x->activity > ACT_HLT)
		return;         /* shutdown / wait-for-SIPI: only NMI, INIT, SIPI act */
	if ((proc(x) & PROC_NMI_WINDOW) && !x->vnmi_blocked && !movss)
		event_exit(v, EXIT_REASON_NMI_WINDOW);
	if (v->nmi_pending && !v->s.nmi_blocked && !movss)
		return;
	if (shadow)
		return;
	if ((proc(x) & PROC_INTR_WINDOW) && (v->s.rflags & RFLAGS_IF))
		event_exit(v, EXIT_REASON_INTR_WINDOW);
	if ((pin(x) & PIN_EXT_INT) && bus && bus->intr_pending && bus->intr_pending(bus->opaque))
		extint_exit(v);
	vmx_apic_deliver(v, shadow);    /* 30.2.2: below external interrupts */
}

void vmx_update_events(struct vcpu *v)
{
	struct vmx *x = vmx_of(v);
	bool on = v->guest_mode;

	v->nested_step = on && (x->mtf_pending || (proc(x) & PROC_MTF));
	v->nested_events = on && (v->nested_step || x->activity > ACT_HLT || x->preempt_on ||
				  x->pending_dbg ||
				  (proc(x) & (PROC_INTR_WINDOW | PROC_NMI_WINDOW)) ||
				  (pin(x) & PIN_EXT_INT) || x->apic_write || x->vint);
}

/* ---------------------------------------------------------------- dispatch */

static uint32_t rdrand_info(const struct x86_insn *i)
{
	return (uint32_t)(i->rm & 15) << 3 | size_code(i->opsize) << 11;
}

/* 28.2.5 tables 28-10/28-11: descriptor-table instructions. */
static void desc_exit(struct vcpu *v, const struct x86_insn *i, unsigned id)
{
	uint32_t info = vmx_insn_info(i, 0) & ~(0xfu << 28);

	info |= (uint32_t)(id & 3) << 28;
	if (id < 4)
		info = (info & ~(1u << 10)) | (i->opsize == 2 ? 0 : 1u << 11);
	insn_exit(v, i, id < 4 ? EXIT_REASON_GDTR_IDTR : EXIT_REASON_LDTR_TR,
		  i->mod == 3 ? 0 : (uint64_t)i->disp, info);
}

/* 28.2.1 table 28-2: task-switch source (0 CALL, 1 IRET, 2 JMP, 3 IDT task gate). */
static uint64_t task_qual(uint64_t info)
{
	static const unsigned src[] = { [TASK_JMP] = 2, [TASK_CALL] = 0, [TASK_IRET] = 1, [TASK_INT] = 3 };
	unsigned s = (info >> 16) & 3;

	return (info & 0xffff) | (uint64_t)src[s] << 30;
}

/*
 * 26.1.3, PAUSE: "PAUSE exiting" exits at any CPL. Otherwise, at CPL 0, "PAUSE-loop
 * exiting" measures time (at the TSC rate: elzero's TSC, which counts retired
 * instructions, so the outcome is deterministic) between PAUSEs: a gap above PLE_Gap,
 * or the first PAUSE after VM entry, starts a loop; a PAUSE more than PLE_Window after
 * the start of its loop exits (reason 40).
 */
static void pause_exits(struct vcpu *v, const struct x86_insn *i, uint32_t p, uint32_t p2)
{
	struct vmx *x = vmx_of(v);
	uint64_t now;

	if (p & PROC_PAUSE)
		insn_exit(v, i, EXIT_REASON_PAUSE, 0, 0);
	if (!(p2 & SEC_PLE) || cpu_cpl(&v->s) != 0)
		return;
	now = cpu_tsc(v);
	if (x->ple_fresh || now - x->ple_last > (uint32_t)vmcs_get(x, VMCS_PLE_GAP)) {
		x->ple_fresh = false;
		x->ple_first = now;
	} else if (now - x->ple_first > (uint32_t)vmcs_get(x, VMCS_PLE_WINDOW)) {
		insn_exit(v, i, EXIT_REASON_PAUSE, 0, 0);
	}
	x->ple_last = now;
}

/* 26.3: "enable XSAVES/XRSTORS" 0 makes XSAVES and XRSTORS #UD. 26.1.3: with 1, they
 * exit when EDX:EAX AND IA32_XSS AND the XSS-exiting bitmap is not 0; 28.2.1 and
 * 28.2.5: qualification = displacement, instruction information of table 28-9. */
static void xsaves_exits(struct vcpu *v, const struct x86_insn *i, uint64_t info, uint32_t p2)
{
	uint64_t xss = 0, mask = (v->s.gpr[2] & 0xffffffffu) << 32 | (v->s.gpr[0] & 0xffffffffu);

	if (!(p2 & SEC_XSAVES))
		cpu_raise(v, EXC_UD, EXC_NO_ERROR);
	if (!(info & 2) || !i || cpu_rdmsr(v, 0xda0, &xss))     /* IA32_XSS */
		return;
	if (mask & xss & vmcs_get(vmx_of(v), VMCS_XSS_EXIT_BITMAP))
		insn_exit(v, i, (info & 1) ? EXIT_REASON_XRSTORS : EXIT_REASON_XSAVES,
			  (uint64_t)i->disp, vmx_insn_info(i, 0));
}

static void insn_intercepts(struct vcpu *v, enum intercept_kind kind, uint64_t info,
			    const struct x86_insn *i)
{
	struct vmx *x = vmx_of(v);
	uint32_t p = proc(x), p2 = proc2(x);

	switch (kind) {
	case ICPT_CPUID: insn_exit(v, i, EXIT_REASON_CPUID, 0, 0);
	case ICPT_INVD: insn_exit(v, i, EXIT_REASON_INVD, 0, 0);
	case ICPT_XSETBV: insn_exit(v, i, EXIT_REASON_XSETBV, 0, 0);
	case ICPT_HLT: if (p & PROC_HLT) insn_exit(v, i, EXIT_REASON_HLT, 0, 0); return;
	case ICPT_INVLPG: if (p & PROC_INVLPG) insn_exit(v, i, EXIT_REASON_INVLPG, info, 0); return;
	case ICPT_RDPMC: if (p & PROC_RDPMC) insn_exit(v, i, EXIT_REASON_RDPMC, 0, 0); return;
	case ICPT_RDTSC: if (p & PROC_RDTSC) insn_exit(v, i, EXIT_REASON_RDTSC, 0, 0); return;
	case ICPT_RDTSCP:
		if (!(p2 & SEC_RDTSCP))         /* 26.3: "enable RDTSCP" = 0 -> #UD */
			cpu_raise(v, EXC_UD, EXC_NO_ERROR);
		if (p & PROC_RDTSC)
			insn_exit(v, i, EXIT_REASON_RDTSCP, 0, 0);
		return;
	case ICPT_PAUSE: pause_exits(v, i, p, p2); return;
	case ICPT_MWAIT: if (p & PROC_MWAIT) insn_exit(v, i, EXIT_REASON_MWAIT, 0, 0); return;
	case ICPT_MONITOR: if (p & PROC_MONITOR) insn_exit(v, i, EXIT_REASON_MONITOR, 0, 0); return;
	case ICPT_WBINVD: if (p2 & SEC_WBINVD) insn_exit(v, i, EXIT_REASON_WBINVD, 0, 0); return;
	case ICPT_INVPCID:
		if (!(p2 & SEC_INVPCID))        /* 26.3: "enable INVPCID" = 0 -> #UD */
			cpu_raise(v, EXC_UD, EXC_NO_ERROR);
		if ((p & PROC_INVLPG) && i)
			insn_exit(v, i, EXIT_REASON_INVPCID, (uint64_t)i->disp, vmx_insn_info(i, i->regf));
		return;
	case ICPT_RDRAND:
		if ((p2 & SEC_RDRAND) && i)
			insn_exit(v, i, EXIT_REASON_RDRAND, 0, rdrand_info(i));
		return;
	case ICPT_RDSEED:
		if ((p2 & SEC_RDSEED) && i)
			insn_exit(v, i, EXIT_REASON_RDSEED, 0, rdrand_info(i));
		return;
	case ICPT_XSAVES: xsaves_exits(v, i, info, p2); return;
	case ICPT_DESC_TABLE: if ((p2 & SEC_DESC_TABLE) && i) desc_exit(v, i, (unsigned)info); return;
	case ICPT_RDMSR:
	case ICPT_WRMSR:
		if (msr_exits(v, (uint32_t)info, kind == ICPT_WRMSR))
			insn_exit(v, i, kind == ICPT_WRMSR ? EXIT_REASON_WRMSR : EXIT_REASON_RDMSR, 0, 0);
		vmx_apic_msr(v, i, (uint32_t)info, kind == ICPT_WRMSR);        /* 30.5 */
		return;
	case ICPT_IO:
		if (io_exits(v, (uint16_t)info, (info >> 16) & 0xff))
			io_exit(v, i, info);
		return;
	case ICPT_CR_WRITE: cr_write(v, i, (unsigned)info); return;
	case ICPT_CR_READ: cr_read(v, i, (unsigned)info); return;
	case ICPT_DR_ACCESS:
		/* table 28-4: DR number, direction (1 = MOV from DR), GPR */
		if ((p & PROC_MOV_DR) && i)
			insn_exit(v, i, EXIT_REASON_DR, (info & 7) | (info & 0x10 ? 0 : 0x10) |
				  (uint64_t)(i->rm & 15) << 8, 0);
		return;
	default:
		return;
	}
}

void vmx_intercept(struct vcpu *v, enum intercept_kind kind, uint64_t info, const void *insn)
{
	struct vmx *x = vmx_of(v);

	switch (kind) {
	case ICPT_EXCEPTION:
		if (x->ept_exit)
			vmx_take_ept_exit(v);
		if (!x->injecting)
			exception_exit(v);
		x->iret_unblocked = false;      /* delivered to the guest */
		return;
	case ICPT_EVENTS: boundary_events(v, info); return;
	case ICPT_INTR: if (pin(x) & PIN_EXT_INT) extint_exit(v); return;
	case ICPT_NMI: if (pin(x) & PIN_NMI) nmi_exit(v); return;
	case ICPT_INIT: event_exit(v, EXIT_REASON_INIT);
	case ICPT_SIPI:
		if (x->activity == ACT_WAIT_SIPI) {
			vmx_clear_exit_info(x);
			vmx_vmexit(v, EXIT_REASON_SIPI, info & 0xff);
			cpu_loop_exit(v);
		}
		return;
	case ICPT_TRIPLE_FAULT:
		/* 28.2.3: a VM exit caused by a triple fault does not occur during
		 * event delivery: no IDT-vectoring information. */
		v->deliver_valid = false;
		event_exit(v, EXIT_REASON_TRIPLE_FAULT);
	case ICPT_TASK_SWITCH:
		vmx_clear_exit_info(x);
		vmx_vmexit(v, EXIT_REASON_TASK_SWITCH, task_qual(info));
		cpu_loop_exit(v);
	case ICPT_IRET:
		/* 26.3.1.5: IRET ends virtual-NMI blocking (6.7.1: NMI blocking without
		 * virtual NMIs), before it can fault (28.1). */
		x->iret_unblocked = !info && ((pin(x) & PIN_VNMI) ? x->vnmi_blocked : v->s.nmi_blocked);
		if (pin(x) & PIN_VNMI)
			x->vnmi_blocked = false;
		return;
	default:
		insn_intercepts(v, kind, info, insn);
		return;
	}
}
