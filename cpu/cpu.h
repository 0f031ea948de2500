/*
 * cpu/cpu.h - the public face of cpu/: architectural state, the vCPU, the bus the
 * CPU sees, memory access, exceptions and lazy flags.
 *
 * Other folders (translate/, nested/, hw/, monitor/) include this header and nothing
 * else from cpu/. cpu/ includes nothing from them: the machine reaches the CPU through
 * struct cpu_bus, translate/ through the hooks in struct vcpu.
 *
 * Manual editions: see docs/spec-versions.md.
 */
#ifndef ELZERO_CPU_CPU_H
#define ELZERO_CPU_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- constants */

/* RFLAGS (SDM vol. 1, 3.4.3) */
#define RFLAGS_CF   (1u << 0)
#define RFLAGS_FIXED1 (1u << 1)
#define RFLAGS_PF   (1u << 2)
#define RFLAGS_AF   (1u << 4)
#define RFLAGS_ZF   (1u << 6)
#define RFLAGS_SF   (1u << 7)
#define RFLAGS_TF   (1u << 8)
#define RFLAGS_IF   (1u << 9)
#define RFLAGS_DF   (1u << 10)
#define RFLAGS_OF   (1u << 11)
#define RFLAGS_IOPL (3u << 12)
#define RFLAGS_NT   (1u << 14)
#define RFLAGS_RF   (1u << 16)
#define RFLAGS_VM   (1u << 17)
#define RFLAGS_AC   (1u << 18)
#define RFLAGS_VIF  (1u << 19)
#define RFLAGS_VIP  (1u << 20)
#define RFLAGS_ID   (1u << 21)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* CR0 / CR4 / EFER (SDM vol. 3, 2.5; 2.2.1) */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_VME        (1ull << 0)
#define CR4_PVI        (1ull << 1)
#define CR4_TSD        (1ull << 2)
#define CR4_DE         (1ull << 3)
#define CR4_PSE        (1ull << 4)
#define CR4_PAE        (1ull << 5)
#define CR4_MCE        (1ull << 6)
#define CR4_PGE        (1ull << 7)
#define CR4_PCE        (1ull << 8)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP       (1ull << 11)
#define CR4_LA57       (1ull << 12)
#define CR4_VMXE       (1ull << 13)
#define CR4_SMXE       (1ull << 14)
#define CR4_FSGSBASE   (1ull << 16)
#define CR4_PCIDE      (1ull << 17)
#define CR4_OSXSAVE    (1ull << 18)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)
#define CR4_PKE        (1ull << 22)
#define CR4_PKS        (1ull << 24)

#define EFER_SCE   (1ull << 0)
#define EFER_LME   (1ull << 8)
#define EFER_LMA   (1ull << 10)
#define EFER_NXE   (1ull << 11)
#define EFER_SVME  (1ull << 12)
#define EFER_FFXSR (1ull << 14)

/* Exception vectors (SDM vol. 3, table 6-1) */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
	EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
	EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
	EXC_VE = 20, EXC_CP = 21,
};
#define EXC_NO_ERROR 0xffffffffu   /* error-code argument for vectors that push none */

/* #PF error code bits (SDM vol. 3, 4.7) */
#define PFEC_P    (1u << 0)
#define PFEC_W    (1u << 1)
#define PFEC_U    (1u << 2)
#define PFEC_RSVD (1u << 3)
#define PFEC_I    (1u << 4)
#define PFEC_PK   (1u << 5)
#define PFEC_FAULT (1u << 31)   /* not architectural: marks a failed cpu_translate */
#define PFEC_SLAT  (1u << 30)   /* not architectural: cpu_translate failed in the second-level
				 * translation (EPT violation/misconfiguration, no VM exit taken) */

/* Segment registers, in the encoding of the ModRM reg field / VMX order. */
enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
#define SEG_NONE 0xff   /* linear address: no segmentation applied */

/* Segment attributes in the VMX access-rights layout (SDM vol. 3, 25.4.1, table 25-2) */
#define SEGA_TYPE_MASK 0x000f
#define SEGA_S         0x0010
#define SEGA_DPL_SHIFT 5
#define SEGA_DPL_MASK  0x0060
#define SEGA_P         0x0080
#define SEGA_AVL       0x1000
#define SEGA_L         0x2000
#define SEGA_DB        0x4000
#define SEGA_G         0x8000
#define SEGA_UNUSABLE  0x10000

/* ---------------------------------------------------------------- state */

struct seg_cache {
	uint64_t base;
	uint32_t limit;     /* byte-granular, already scaled by G */
	uint32_t attr;      /* SEGA_* */
	uint16_t sel;
};

struct dtable {
	uint64_t base;
	uint32_t limit;
};

/* One x87 register in its 80-bit extended-precision form. */
struct fpreg {
	uint64_t mant;      /* explicit integer bit in bit 63 */
	uint16_t sexp;      /* sign in bit 15, biased exponent in 14:0 */
};

/* A vector register, wide enough for AVX (YMM). XMM is the low 16 bytes. */
union vreg {
	uint8_t  b[32];
	uint16_t w[16];
	uint32_t d[8];
	uint64_t q[4];
	float    f[8];
	double   f64[4];
};

/*
 * Lazy arithmetic flags. Instructions that only produce flags record what they
 * computed (cc_op, cc_dst = result, cc_src = second source, cc_src2 = carry-in or
 * first source as the op says) and the six arithmetic flags are computed from that
 * on demand (cpu_get_rflags, cc_eval). CC_OP_EFLAGS means rflags holds them all.
 * Sizes: the _B/_W/_L/_Q variants are 8/16/32/64-bit, in that order, so
 * CC_OP_ADDB + log2(size) is the right op. Recorded values may carry bits above the
 * operand size (cpu/flags.c masks them); carry-in/borrow-in is bit 0 of cc_src2.
 * SHL/SAR: "value shifted by count-1" is the operand after all but the last 1-bit
 * shift (SHR uses CC_OP_SAR with a logical shift: OF comes out as the old MSB). OF is
 * the SDM's count-1 rule; Intel's OF for counts > 1 (first 1-bit step, undefined by
 * the SDM) is recorded eagerly by translate/ops/shift.c.
 * Undefined flags follow Intel (docs/undefined-flags.md).
 */
enum cc_op {
	CC_OP_EFLAGS = 0,       /* arithmetic flags are in rflags */
#define CC_SIZES(x) x##B, x##W, x##L, x##Q
	CC_SIZES(CC_OP_ADD),    /* dst = res, src = src2 (dst-before = res - src) */
	CC_SIZES(CC_OP_ADC),    /* dst = res, src = src2, src2 = carry-in */
	CC_SIZES(CC_OP_SUB),    /* dst = res, src = src2 (dst-before = res + src); CMP too */
	CC_SIZES(CC_OP_SBB),    /* dst = res, src = src2, src2 = borrow-in */
	CC_SIZES(CC_OP_LOGIC),  /* dst = res; CF = OF = 0; AF undefined (0) */
	CC_SIZES(CC_OP_INC),    /* dst = res, src = old CF (INC keeps CF) */
	CC_SIZES(CC_OP_DEC),    /* dst = res, src = old CF */
	CC_SIZES(CC_OP_SHL),    /* dst = res, src = value shifted by count-1 */
	CC_SIZES(CC_OP_SAR),    /* dst = res, src = value shifted by count-1 (SAR and SHR) */
	CC_SIZES(CC_OP_MUL),    /* dst = low result, src = nonzero when CF=OF=1 */
#undef CC_SIZES
	CC_OP_COUNT
};

#define CPU_MCA_BANKS 4          /* IA32_MCG_CAP.Count */
#define CPU_PMU_GP 4             /* general-purpose performance counters (CPUID.0AH:EAX[15:8]) */
#define CPU_PMU_FIXED 3          /* fixed-function performance counters (CPUID.0AH:EDX[4:0]) */
#define CPU_LBR_ENTRIES 32       /* last-branch record stack of the Intel models (cpu/pmu.c) */

/* Model-specific registers that live in the architectural state. */
struct msr_state {
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t tsc_aux, tsc_adjust, tsc_deadline, pat, apic_base, misc_enable;
	uint64_t feature_control, spec_ctrl, mtrr_def_type;
	uint64_t mtrr_fixed[11];
	uint64_t mtrr_var[16];          /* base/mask pairs */
	uint64_t debugctl;
	/* Machine-check architecture (cpu/mca.c; SDM vol. 3, 15.3): global status and
	 * control, and per bank CTL, STATUS, ADDR, MISC. */
	uint64_t mcg_status, mcg_ctl;
	uint64_t mc_bank[CPU_MCA_BANKS][4];
	/* Architectural performance monitoring (cpu/pmu.c; SDM vol. 3, 20.2). The counters
	 * hold their value as of v->pmu.icount: cpu/pmu.c folds in what retired since. */
	uint64_t pmc[CPU_PMU_GP], perfevtsel[CPU_PMU_GP];
	uint64_t fixed_ctr[CPU_PMU_FIXED], fixed_ctr_ctrl;
	uint64_t perf_global_ctrl, perf_global_status;
	/* The LBR stack's MSRs (FROM_IP, TO_IP, LBR_INFO per entry; TOS; LBR_SELECT):
	 * registers only, branches are not recorded (cpu/pmu.c). */
	uint64_t lbr[3][CPU_LBR_ENTRIES], lbr_tos, lbr_select;
};

/*
 * struct cpu_state: everything architectural, and nothing else (SDM vol. 3, ch. 2-3).
 * The translator reaches fields by offsetof; keep the hot ones (gpr, rip, cc_*) first.
 */
struct cpu_state {
	uint64_t gpr[16];               /* RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15 */
	uint64_t rip;
	uint64_t rflags;                /* arithmetic bits valid only when cc_op == CC_OP_EFLAGS */
	uint32_t cc_op;
	uint64_t cc_dst, cc_src, cc_src2;

	struct seg_cache seg[SEG_COUNT];
	struct dtable gdtr, idtr;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t dr[8];                 /* DR4/DR5 alias DR6/DR7 per CR4.DE; slots unused */
	uint64_t efer;
	uint64_t xcr0;
	uint32_t pkru;
	struct msr_state msr;

	/* x87 (SDM vol. 1, ch. 8). st[] holds physical registers R0..R7; ST(i) is
	 * st[(top + i) & 7], top = (fsw >> 11) & 7. ftw is the full 2-bit-per-register tag. */
	struct fpreg st[8];
	uint16_t fcw, fsw, ftw, fop;
	uint64_t fip, fdp;
	uint16_t fcs, fds;

	/* SSE/AVX (SDM vol. 1, ch. 10-14). MMX registers alias st[i].mant. */
	union vreg vr[16];
	uint32_t mxcsr;

	uint64_t pdpte[4];              /* PAE PDPTE registers (SDM vol. 3, 4.4.1); cpu_load_pdptes */
	/* Interrupt shadow and NMI state (SDM vol. 3, 6.8.3, 6.7.1) */
	uint8_t intr_shadow;            /* 1 = STI shadow, 2 = MOV SS shadow */
	bool nmi_blocked;
	bool halted;
	/* Activity state wait-for-SIPI (SDM vol. 3, 10.4.1): an AP after INIT runs nothing
	 * until a SIPI starts it (the run loop returns RUN_EXIT_HALT meanwhile). */
	bool wait_for_sipi;
	uint64_t tsc_offset;            /* IA32_TSC = clock + tsc_offset */
};

/* Current privilege level: CS.DPL (SDM vol. 3, 5.5) */
static inline unsigned cpu_cpl(const struct cpu_state *s)
{
	return (s->seg[SEG_CS].attr & SEGA_DPL_MASK) >> SEGA_DPL_SHIFT;
}

static inline bool cpu_long_mode(const struct cpu_state *s) { return s->efer & EFER_LMA; }

/* 64-bit mode: IA-32e active and CS.L = 1 (SDM vol. 3, 2.2) */
static inline bool cpu_64bit_mode(const struct cpu_state *s)
{
	return cpu_long_mode(s) && (s->seg[SEG_CS].attr & SEGA_L);
}

static inline bool cpu_real_mode(const struct cpu_state *s) { return !(s->cr0 & CR0_PE); }
static inline bool cpu_v86_mode(const struct cpu_state *s) { return s->rflags & RFLAGS_VM; }

/* The default code size in bytes (2, 4 or 8) from the mode and CS.D/CS.L. */
static inline unsigned cpu_code_size(const struct cpu_state *s)
{
	if (cpu_64bit_mode(s))
		return 8;
	if (cpu_real_mode(s) || cpu_v86_mode(s))
		return 2;
	return (s->seg[SEG_CS].attr & SEGA_DB) ? 4 : 2;
}

/* ---------------------------------------------------------------- the bus */

/*
 * What the CPU needs of the machine. hw/ fills this in; cpu/ never sees a device.
 * RAM is one host block at guest-physical [0, ram_size) less any holes the machine
 * routes to MMIO (mmio_hole_start..4G). Everything that is not RAM goes to mmio_*.
 * code_pages has one bit per 4 KiB RAM page: set while translated code comes from it.
 * Bit i covers bus->ram[i * 4096 ...] (so paddr >> 12 below 4 GiB; RAM above 4 GiB
 * follows ram_below_4g). A CPU write to such a page completes and THEN calls
 * v->code_write_hook(v, paddr, len) for the bytes written in that page; the hook must
 * not unwind (it may set v->exit_request to stop after the current instruction).
 */
struct cpu_bus {
	void *opaque;
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t ram_below_4g;          /* RAM at [0, ram_below_4g); the rest starts at 4 GiB */
	uint8_t *code_pages;            /* bitmap, (ram_size >> 12) bits; may be NULL */
	uint64_t (*mmio_read)(void *opaque, uint64_t paddr, unsigned size);
	void (*mmio_write)(void *opaque, uint64_t paddr, unsigned size, uint64_t val);
	uint32_t (*pio_in)(void *opaque, uint16_t port, unsigned size);
	void (*pio_out)(void *opaque, uint16_t port, unsigned size, uint32_t val);
	/* The interrupt controller's INTR line (may be NULL: never pending). intr_pending
	 * says whether a maskable interrupt waits for this CPU; intr_ack is the INTA cycle:
	 * it acknowledges it and returns the vector (SDM vol. 3, 6.3.1; 8259A/LAPIC). */
	bool (*intr_pending)(void *opaque);
	uint8_t (*intr_ack)(void *opaque);
};

/* Host pointer for guest-physical RAM [paddr, paddr+len), or NULL if not all RAM. */
uint8_t *cpu_bus_ram_ptr(const struct cpu_bus *bus, uint64_t paddr, uint64_t len);

/* ---------------------------------------------------------------- CPU model */

struct vcpu;
struct cpu_model;       /* cpu/model.c: CPUID leaves, MSR values, vendor quirks as data */

enum cpu_vendor { VENDOR_INTEL, VENDOR_AMD };

/* The built-in models, as data rows (cpu/model.c). */
unsigned cpu_model_count(void);
const struct cpu_model *cpu_model_at(unsigned i);
const struct cpu_model *cpu_model_find(const char *name);   /* NULL if unknown */
const char *cpu_model_name(const struct cpu_model *m);
const char *cpu_model_desc(const struct cpu_model *m);
/* Feature names understood by -cpu +feat/-feat/feat=on|off (QEMU's spelling:
 * "vmx", "svm", "sse4.2", "x2apic", ...). */
bool cpu_feature_known(const char *name);
unsigned cpu_feature_count(void);
const char *cpu_feature_name(unsigned i);
/* A model with edits applied: returns a newly allocated model (free with
 * cpu_model_free), or NULL and a message in err. edits is the -cpu text after the
 * model name: "+vmx,-sse4.2,x2apic=on,vendor=AuthenticAMD" (may be empty). */
struct cpu_model *cpu_model_edit(const struct cpu_model *base, const char *edits,
				 char *err, size_t errlen);
void cpu_model_free(struct cpu_model *m);
/* CPUID as the model answers it (before any VMX/SVM intercept). */
void cpu_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* Does the vCPU's model (the default "max" when v->model is NULL) have the feature
 * named as in -cpu ("sse4.2", "vmx")? For the engine's per-row #UD checks. */
bool cpu_has_feature(const struct vcpu *v, const char *name);
/* Turn a feature on/off in an edited model (the machine clears "apic" when it has no
 * LAPIC; nested/ may set "vmx"). Returns false for an unknown name. */
bool cpu_model_set_feature(struct cpu_model *m, const char *name, bool on);
enum cpu_vendor cpu_model_vendor(const struct cpu_model *m);
/* CPUID.1:EAX of the model (NULL: the default), also EDX after reset. */
uint32_t cpu_model_signature(const struct cpu_model *m);

/* ---------------------------------------------------------------- the vCPU */

struct vcpu;
typedef void (*code_write_fn)(struct vcpu *v, uint64_t paddr, unsigned len);
/* Debugger watchpoints (struct vcpu's watch_hook): a data access of len bytes at linear
 * lin (write or read) has been translated and is about to happen. Must not unwind. */
typedef void (*watch_fn)(struct vcpu *v, uint64_t lin, unsigned len, bool write);

/*
 * Intercept points (../shared/DESIGN.md, "The flow of one instruction", step 4).
 * Every instruction or event VMX/SVM may intercept calls cpu_intercept() before it
 * acts. nested/ installs v->intercept; when the vCPU is in VMX non-root or SVM guest
 * mode and the event is intercepted, the hook performs the VM exit and unwinds with
 * cpu_loop_exit(). Otherwise it returns and the instruction proceeds.
 */
enum intercept_kind {
	ICPT_CPUID, ICPT_HLT, ICPT_INVLPG, ICPT_CR_READ, ICPT_CR_WRITE, ICPT_DR_ACCESS,
	ICPT_RDMSR, ICPT_WRMSR, ICPT_IO, ICPT_RDTSC, ICPT_RDTSCP, ICPT_RDPMC, ICPT_PAUSE,
	ICPT_MWAIT, ICPT_MONITOR, ICPT_XSETBV, ICPT_INVD, ICPT_WBINVD, ICPT_INVPCID,
	ICPT_VMX_INSN, ICPT_SVM_INSN, ICPT_EXCEPTION, ICPT_INTR, ICPT_NMI, ICPT_INIT,
	ICPT_SIPI, ICPT_TRIPLE_FAULT, ICPT_TASK_SWITCH, ICPT_DESC_TABLE, ICPT_RDRAND,
	ICPT_RDSEED, ICPT_INT_N, ICPT_IRET, ICPT_SHUTDOWN,
	ICPT_XSAVES,    /* XSAVES/XRSTORS: called twice, see the info below */
	ICPT_EVENTS,    /* instruction boundary while v->nested_events (window exits, MTF) */
	ICPT_COUNT
};
/* info: kind-specific. CR_READ/CR_WRITE: CR number (LMSW/CLTS/SMSW: 0); DR_ACCESS:
 * DR number | 0x10 for writes; RDMSR/WRMSR: ECX; CPUID: EAX; INVLPG: linear address;
 * IO: port | size << 16 | in << 24 | string << 25 | rep << 26; DESC_TABLE: 0 SGDT,
 * 1 SIDT, 2 LGDT, 3 LIDT, 4 SLDT, 5 STR, 6 LLDT, 7 LTR; EXCEPTION: vector (the whole
 * event is in v->pending_vector/error/type/next_rip during the call); INT_N: vector;
 * TASK_SWITCH: TSS selector | enum task_src << 16; INVPCID: the type (register);
 * IRET: 0 before it acts (it unblocks NMIs even if it then faults), 1 once it completed;
 * EVENTS: bit 0 when an STI/MOV SS shadow blocks events at this boundary;
 * ICPT_EVENTS_DEBUG_TRAP when called before a pending single-step/data-breakpoint trap
 * is raised, for what has priority over it (VMX MTF exits), with nested_step set;
 * XSAVES: bit 0 = XRSTORS, bit 1 = 0 right after the #UD checks (an invalid-opcode
 * result), 1 after the privilege/#NM checks (a VM exit, before the memory checks).
 * insn: the decoded instruction (const struct x86_insn *) or NULL for events. */
#define ICPT_EVENTS_DEBUG_TRAP 2u
typedef void (*intercept_fn)(struct vcpu *v, enum intercept_kind kind, uint64_t info,
			     const void *insn);

/*
 * MSRs owned outside cpu/ (nested/: VMX capability MSRs, SVM's VM_CR/HSAVE; hw/:
 * x2APIC 800H-8FFH) are served by hooks, asked before cpu/'s own MSRs. A hook
 * returns 1 (handled: *val read or written), -1 (handled: #GP) or 0 (not mine).
 */
typedef int (*msr_hook_fn)(struct vcpu *v, void *opaque, uint32_t index, uint64_t *val,
			   bool write);
#define VCPU_MSR_HOOKS 4

/*
 * Second-level address translation (nested/: EPT in VMX non-root operation, SDM vol. 3,
 * 29.3). While v->slat is set, every guest-physical address the CPU uses - guest
 * paging-structure entries, PAE PDPTEs, the final address of an access, linear
 * addresses with CR0.PG = 0 - goes through it (cpu/paging.c). It returns the
 * host-physical address. When the translation fails it performs the VM exit (EPT
 * violation/misconfiguration) and unwinds with cpu_loop_exit, except with SLAT_PEEK
 * or SLAT_NOEXIT, when it returns SLAT_FAIL. gla: the linear address being translated.
 */
#define SLAT_READ   0x01u
#define SLAT_WRITE  0x02u
#define SLAT_EXEC   0x04u
#define SLAT_PT     0x08u       /* a guest paging-structure access, not the final address */
#define SLAT_NO_GLA 0x10u       /* no linear address goes with it (PAE PDPTE loads) */
#define SLAT_PEEK   0x20u       /* debugger: no accessed/dirty updates, no VM exit */
#define SLAT_NOEXIT 0x40u       /* a probe: on failure return SLAT_FAIL, no VM exit */
#define SLAT_FAIL   (~0ull)
typedef uint64_t (*slat_fn)(struct vcpu *v, uint64_t gpa, uint64_t gla, unsigned flags);

/*
 * The VMX APIC-access page (nested/: "virtualize APIC accesses", SDM vol. 3, 30.4).
 * While v->apic_access_tag is that page's physical address | 1 (0: none), a TLB miss
 * whose translation ends on the page is never cached: cpu/mem.c calls v->apic_access
 * with the linear and physical address, the access type (ACC_*) and the size of the
 * whole access in bytes (0: it crosses a page or is a bulk copy). The hook performs
 * the APIC-access VM exit (and unwinds), or returns the host pointer the access uses
 * instead (on the virtual-APIC page), never NULL.
 */
typedef uint8_t *(*apic_access_fn)(struct vcpu *v, uint64_t lin, uint64_t paddr, unsigned acc,
				   unsigned size);

#define TLB_SIZE 256

/*
 * Soft TLB (cpu/mem.c). Three direct-mapped arrays (read, write, fetch), indexed by
 * cpu_tlb_index: ((linear >> 12) ^ the current space's offset) & (TLB_SIZE - 1), at
 * 4 KiB granularity (large pages fill 4 KiB slices). The offset (0 for space 0) puts
 * one page of different address spaces (below) in different slots, so that L1 and
 * L2 running at the same linear addresses do not evict each other at every VM entry
 * and exit. The tag is the linear page | access class | TLB_VALID, so a lookup is
 *   e->vpage == ((lin & ~0xfff) | tlb_class | TLB_VALID)
 * and then host = lin + e->addend when !(e->flags & TLB_F_MMIO).
 * The class separates user accesses, supervisor accesses and supervisor accesses
 * that SMAP lets through (EFLAGS.AC = 1), whose permissions differ (SDM vol. 3, 4.6).
 * An entry in tlb_write exists only once the leaf's dirty bit is set and only for
 * RAM pages whose code_pages bit is clear.
 */
#define TLB_VALID       1ull
#define TLB_CLASS_SUP   0ull            /* supervisor (explicit AC=0, or implicit) */
#define TLB_CLASS_SUPAC 2ull            /* supervisor, CR4.SMAP=1 and EFLAGS.AC=1 */
#define TLB_CLASS_USER  4ull            /* CPL 3 */
#define TLB_F_MMIO      1u              /* not RAM: go through the bus */

/*
 * TLB address spaces (SDM vol. 3, 29.4.1-29.4.2 for VPID and EPT; 4.10.1 for PCID):
 * every cached translation belongs to the address space that was current when it was
 * filled, named by a small tag in vpage bits 8:3 (TLB_SPACE_MASK) that v->tlb_space
 * holds for the current space. A space is keyed by (EPT PML4 address, VPID, PCID), so
 * L2 translations tagged with their VPID/EPTP survive VM exits and L1's CR3 writes.
 * cpu_tlb_set_space switches (nested/ at VM entry and exit); flushes name the spaces
 * they apply to (a bitmap of tags). Flushing more than the SDM asks is always allowed.
 */
#define TLB_SPACES      64
#define TLB_SPACE_SHIFT 3
#define TLB_SPACE_MASK  ((uint64_t)(TLB_SPACES - 1) << TLB_SPACE_SHIFT)

struct tlb_space_key {
	uint64_t ep4ta;                 /* EPT PML4 address | 1 while EPT is on; 0 without EPT */
	uint16_t vpid;                  /* 0: VMX root operation, or VPID off */
	uint16_t pcid;                  /* CR3's PCID with CR4.PCIDE; 0 otherwise */
};

struct tlb_entry {
	uint64_t vpage;                 /* linear page | space | class | TLB_VALID; 0 = empty */
	uintptr_t addend;               /* host = guest linear + addend, for RAM pages */
	uint64_t ppage;                 /* physical page */
	uint32_t flags;                 /* TLB_F_* */
};

/*
 * Bookkeeping around the architectural state: the bus, the exception unwinder,
 * the soft TLB, and hooks that translate/ and nested/ install.
 */
struct vcpu {
	struct cpu_state s;
	int index;                      /* APIC ID */
	struct cpu_bus *bus;
	const struct cpu_model *model;
	enum cpu_vendor vendor;

	/* Exception unwinding: helpers call cpu_raise(), which longjmps here. */
	jmp_buf *exit_jmp;
	int pending_vector;             /* -1 if none */
	uint32_t pending_error;         /* EXC_NO_ERROR if none */
	bool pending_is_sw;             /* INT n / INT3 / INTO: software interrupt */
	uint64_t pending_next_rip;      /* for software interrupts */
	uint8_t pending_type;           /* enum event_type; cpu_raise sets EVT_HWEXC */

	/* Events (cpu/excp.c, cpu_check_events) */
	bool nmi_pending;               /* cpu_inject_nmi */
	bool shutdown;                  /* triple fault: the run loop stops (RUN_EXIT_SHUTDOWN) */
	uint64_t shadow_rip;            /* RIP of the instruction in the STI/MOV SS shadow */
	uint64_t shadow_icount;         /* icount when the shadow began */
	/* icount at the first event check with RIP at shadow_rip (~0 until then): the
	 * shadow lasts while no instruction retires from there. icount is counted per
	 * block, so shadow_icount alone cannot tell where STI sat in its block. */
	uint64_t shadow_boundary;
	/* Single-step (RFLAGS.TF, SDM vol. 3, 18.3.1.4): the run loop arms it before an
	 * instruction that starts with TF = 1 and raises the #DB trap (DR6.BS) once it
	 * retired; delivering an event through the IDT disarms it (TF is cleared). */
	bool step_armed;
	uint64_t step_icount;           /* icount when it was armed */
	/* DR0-DR3 breakpoints (cpu/debug.c; SDM vol. 3, 18.2-18.3), derived from DR7 by
	 * cpu_dr7_changed: any enabled (the run loop then runs one instruction per block
	 * and checks instruction breakpoints at each boundary), data ones enabled (data
	 * accesses take cpu/mem.c's slow path, like watch_hook). db_trap: DR6.B0-B3 of
	 * data breakpoints hit by the running instruction, raised as a #DB trap after it. */
	bool dr_active, dr_data;
	uint8_t db_trap;
	/* The last debug exception's DR6 update (cpu_db_dr6): DR6 before it and the bits
	 * it reported, for a #DB that causes a VM exit instead (DR6 then unchanged). */
	uint64_t db_dr6_old;
	uint32_t db_dr6_bits;

	/* INIT and SIPI messages received (hw/lapic.c sets them; the run loop takes them at
	 * the next instruction boundary: cpu_init_event, then the SIPI if the vCPU waits for
	 * one; SDM vol. 3, 10.4). init_hook resets what hw/ owns (the local APIC). */
	bool init_pending, sipi_pending;
	uint8_t sipi_vector;
	/* Set by nested/: INIT stays pending, not taken (VMX root operation and the
	 * wait-for-SIPI guest state, SDM vol. 3, 24.8, 26.2); maskable interrupts are not
	 * delivered (a VMX guest in the shutdown activity state, 27.7.2). */
	bool init_blocked, intr_masked;
	void (*init_hook)(struct vcpu *v, void *opaque);
	void *init_opaque;
	/* CPUID topology (-smp): threads per core and cores per package, each a power of two
	 * (0 means 1); APIC ID = index, so its low bits are thread and core numbers. */
	uint8_t topo_threads, topo_cores;
	/* Set by the machine when other vCPUs share the host thread: PAUSE (a spin-wait
	 * hint) ends the vCPU's slice so the one it waits for can run. */
	bool pause_yields;

	uint64_t icount;                /* retired instructions */
	uint32_t exit_request;          /* nonzero: leave the block at the next boundary */
	/* translate/'s hook: instructions retired before the one running. v->icount is
	 * counted per block, so mid-block it lags; NULL means v->icount is exact. */
	uint64_t (*icount_now)(const struct vcpu *v);
	/* Performance counters (cpu/pmu.c): counted lazily from icount. Instructions since
	 * pmu.icount all ran at CPL 0 (user false) or above (user true); the run loop calls
	 * cpu_pmu_boundary while watch is set (a counter is enabled) and ends blocks at
	 * pmu.deadline, the icount at which the first counter overflows (~0: none). split:
	 * some counter counts at one CPL class and not the other (so CPL changes matter).
	 * A PMI goes to pmi_hook (hw/: the local APIC's LVT performance-counter entry). */
	struct vcpu_pmu {
		uint64_t icount, deadline;
		bool user, watch, split;
	} pmu;
	void (*pmi_hook)(struct vcpu *v, void *opaque);
	void *pmi_opaque;

	struct tlb_entry tlb_read[TLB_SIZE], tlb_write[TLB_SIZE], tlb_code[TLB_SIZE];
	bool tlb_has_large;             /* a 2M/4M/1G page is cached: INVLPG flushes all */
	/* Slots (array * TLB_SIZE + index) filled since the TLB was last swept, so that
	 * flushes clear only those (VM entries and exits without VPID flush each time);
	 * tlb_log_n > TLB_LOG_SIZE: too many, flushes scan every slot (cpu/mem.c). */
#define TLB_LOG_SIZE 64
	uint16_t tlb_log[TLB_LOG_SIZE];
	unsigned tlb_log_n;
	/* Address spaces (cpu_tlb_set_space): key of each tag in use, which are in use, the
	 * current one (tlb_space = its tag << TLB_SPACE_SHIFT, ORed into every lookup). */
	struct tlb_space_key tlb_keys[TLB_SPACES];
	uint64_t tlb_mode[TLB_SPACES];  /* paging-mode bits each space's entries were filled under */
	uint64_t tlb_spaces_used;
	uint64_t tlb_space;
	unsigned tlb_cur, tlb_victim;
	unsigned tlb_index_xor;         /* cpu_tlb_space_offset(tlb_cur) */
	/* Second-level address translation (SLAT_* below): NULL = guest-physical is
	 * host-physical; slat_root belongs to whoever installs slat (nested/: the EPTP). */
	slat_fn slat;
	uint64_t slat_root;
	/* The APIC-access page (apic_access_fn above); set by nested/ in guest mode. */
	uint64_t apic_access_tag;
	apic_access_fn apic_access;
	uint8_t phys_bits;              /* MAXPHYADDR (CPUID 80000008H EAX[7:0]) */

	struct { msr_hook_fn fn; void *opaque; } msr_hooks[VCPU_MSR_HOOKS];

	bool guest_mode;                /* VMX non-root or SVM guest: intercepts are live */
	/* Set by nested/ in guest mode: cpu_check_events calls ICPT_EVENTS at every
	 * boundary (nested_events), and the run loop runs one instruction per block
	 * (nested_step, for the monitor trap flag). */
	bool nested_events, nested_step;
	/* The event cpu/excp.c is delivering through the IDT, from the exception intercept
	 * until delivery completes (VMX IDT-vectoring information, SDM vol. 3, 28.2.3):
	 * a fault during delivery finds it here. deliver_len: instruction length of the
	 * software types. */
	bool deliver_valid;
	uint8_t deliver_vector, deliver_type;
	uint32_t deliver_error;
	uint32_t deliver_len;
	uint64_t pf_old_cr2;            /* CR2 before cpu_raise_pf set it (VMX #PF exits keep it) */
	/* CR0/CR4 bits that must stay 1 (nested/ sets them in VMX operation, SDM vol. 3,
	 * 24.8): MOV CR / LMSW clearing one #GPs in cpu_set_cr0/cpu_set_cr4. */
	uint64_t cr0_must1, cr4_must1;
	intercept_fn intercept;         /* set by nested/ */
	code_write_fn code_write_hook;  /* set by translate/: a write hit a code page */
	void *tb_cache;                 /* owned by translate/ */
	void *nested;                   /* owned by nested/ */
	void *log;                      /* owned by monitor/ */
	/* Set by monitor/ while watchpoints exist: data accesses then never fill the read
	 * and write TLBs (the setter flushes them), so each one takes cpu/mem.c's slow path,
	 * which calls the hook. NULL costs nothing on the fast path. */
	watch_fn watch_hook;
};

static inline void cpu_intercept(struct vcpu *v, enum intercept_kind kind, uint64_t info,
				 const void *insn)
{
	if (__builtin_expect(v->guest_mode, 0) && v->intercept)
		v->intercept(v, kind, info, insn);
}

/* Canonical for the current linear-address width: 48 bits, or 57 with CR4.LA57
 * (SDM vol. 1, 3.3.7.1). */
static inline bool cpu_canonical_addr(const struct vcpu *v, uint64_t lin)
{
	unsigned bits = (v->s.cr4 & CR4_LA57) ? 57 : 48;
	int64_t x = (int64_t)(lin << (64 - bits)) >> (64 - bits);

	return (uint64_t)x == lin;
}

/* ---------------------------------------------------------------- lifecycle */

/* Reset to the SDM power-up state (SDM vol. 3, 10.1.1, table 10-1). */
void cpu_reset(struct vcpu *v);
void vcpu_init(struct vcpu *v, int index, struct cpu_bus *bus, const struct cpu_model *model);
/* The INIT state (SDM vol. 3, 10.1, table 10-1, INIT column): RESET's, except that the
 * x87/SSE state, the MSRs, the TSC and CR0.CD/NW are kept; an AP (not the BSP of
 * IA32_APIC_BASE) then waits for SIPI. The caller has run the ICPT_INIT intercept. */
void cpu_init_event(struct vcpu *v);
/* SIPI with vector vec (SDM vol. 3, 10.4.4.1): leave wait-for-SIPI and start in real
 * mode at vec << 12 (CS = vec << 8, IP = 0). */
void cpu_sipi(struct vcpu *v, uint8_t vec);

/* ---------------------------------------------------------------- exceptions */

/*
 * Raise an exception from inside instruction execution. State must not have been
 * modified by the faulting instruction (helpers check before they commit). The
 * run loop restores RIP to the faulting instruction and delivers the event.
 * err is EXC_NO_ERROR for vectors that push no error code.
 */
__attribute__((noreturn)) void cpu_raise(struct vcpu *v, int vector, uint32_t err);
__attribute__((noreturn)) void cpu_raise_pf(struct vcpu *v, uint64_t lin, uint32_t pfec);
/* Unwind to the run loop with no exception (e.g. after a mode change, HLT, a VM exit);
 * it sets pending_vector = -1.
 * The caller has completed the instruction, RIP included (insn_next_rip() for one that
 * does not branch): the run loop counts it as retired and resumes at v->s.rip. */
__attribute__((noreturn)) void cpu_loop_exit(struct vcpu *v);

/* Event types, in the encoding of the VMX interruption-information field (SDM vol. 3,
 * 25.8.3, table 25-17), so nested/ can copy them. */
enum event_type {
	EVT_EXTINT = 0,         /* external (maskable) interrupt */
	EVT_NMI = 2,
	EVT_HWEXC = 3,          /* hardware exception (cpu_raise) */
	EVT_SWINT = 4,          /* INT n */
	EVT_PRIVSW = 5,         /* INT1 (ICEBP) */
	EVT_SWEXC = 6,          /* INT3, INTO */
};

/*
 * Deliver the pending event (v->pending_vector/error/type, and pending_next_rip for the
 * software types; pending_is_sw = true means EVT_SWINT) through the IVT (real mode) or
 * IDT (protected, IA-32e), cpu/excp.c. Called by the run loop after cpu_raise unwound,
 * with RIP at the faulting instruction. Faults during delivery are combined here as
 * SDM vol. 3, 6.15 table 6-5 says (serially, #DF, or triple fault); nothing unwinds out.
 * On a triple fault it sets v->shutdown and v->exit_request: the run loop must then
 * return RUN_EXIT_SHUTDOWN. On return pending_vector is -1.
 */
void cpu_deliver_pending(struct vcpu *v);
/* Deliver one event now (the INT n/INT3/INTO/INT1 handlers use it, then cpu_loop_exit).
 * next_rip is the return address of software types. Faults raise through cpu_raise. */
void cpu_deliver_event(struct vcpu *v, int vector, enum event_type type, uint32_t err,
		       uint64_t next_rip);
/*
 * The run loop calls this at every block boundary (an instruction boundary), before
 * running the next block: it delivers a pending NMI (unless blocked) or, with
 * RFLAGS.IF = 1, a maskable interrupt from bus->intr_pending/intr_ack, honouring the
 * STI/MOV SS shadow (SDM vol. 3, 6.8.3; priorities 6.9); a delivered event wakes the
 * CPU from HLT. Returns false when the vCPU is halted and nothing woke it (the run loop
 * returns RUN_EXIT_HALT; the machine advances time and runs it again). Faults while
 * delivering are handled inside (cpu_deliver_pending).
 */
bool cpu_check_events(struct vcpu *v);
/* A cheap test the run loop makes before calling cpu_check_events (and to chain
 * blocks without returning to it): false only when cpu_check_events would certainly
 * neither deliver nor change anything. Keep it in step with cpu_check_events. */
static inline bool cpu_events_maybe(const struct vcpu *v)
{
	const struct cpu_bus *bus = v->bus;

	return v->nmi_pending || v->s.intr_shadow || v->s.halted || v->shutdown || v->nested_events ||
	       (v->s.rflags & RFLAGS_TF) || v->step_armed || v->dr_active ||
	       ((v->s.rflags & RFLAGS_IF) && bus && bus->intr_pending && bus->intr_pending(bus->opaque));
}
/* The inner stack for privilege level dpl from the TSS (SDM vol. 3, 8.2.1, 8.7), for
 * event delivery and call gates: a 16/32-bit TSS gives SS:ESP with the SS checks of
 * vol. 2 INT n/CALL (#TS/#SS with error code | ext); a 64-bit TSS gives RSPn, or ISTn
 * when ist != 0. Raises on failure. */
void cpu_tss_stack32(struct vcpu *v, unsigned dpl, uint32_t ext, struct seg_cache *ss,
		     uint64_t *ss_raw, uint64_t *sp);
uint64_t cpu_tss_stack64(struct vcpu *v, unsigned dpl, unsigned ist, uint32_t ext);
/* Hardware task switch (cpu/task.c, SDM vol. 3, 8.3) to the TSS selected by sel, for
 * a JMP, CALL, IRET (NT = 1: back link) or an event through a task gate; next_rip is
 * the EIP saved in the old TSS. Faults raise (#GP/#TS/#NP/#SS as table 8-1 says).
 * cpu_task_push_error pushes an event's error code on the new task's stack. */
enum task_src { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
void cpu_task_switch(struct vcpu *v, uint16_t sel, enum task_src src, uint64_t next_rip);
void cpu_task_push_error(struct vcpu *v, uint32_t err);
/* Make an NMI pending (machine: NMI button, LAPIC LINT1/NMI IPI). */
void cpu_inject_nmi(struct vcpu *v);
/* Start an interrupt shadow for the instruction at next_rip (STI when IF was 0, MOV SS,
 * POP SS): kind 1 = STI, 2 = MOV SS (SDM vol. 3, 6.8.3). */
void cpu_set_intr_shadow(struct vcpu *v, unsigned kind, uint64_t next_rip);

/*
 * Debug registers (cpu/debug.c; SDM vol. 3, 18.2, 18.3.1). Whoever writes s.dr[7]
 * calls cpu_dr7_changed (it recomputes dr_active/dr_data, flushing the TLB when data
 * breakpoints appear). cpu_dr_data_access: a data access of len bytes at linear lin
 * (cpu/mem.c calls it while dr_data). cpu_dr_exec_check: at an instruction boundary,
 * the instruction breakpoints matching CS.base + RIP raise the #DB fault unless
 * RFLAGS.RF suppresses them (RF is then cleared: the instruction runs).
 */
void cpu_dr7_changed(struct vcpu *v);
void cpu_dr_data_access(struct vcpu *v, uint64_t lin, unsigned len, bool write);
void cpu_dr_exec_check(struct vcpu *v);
/* An I/O instruction's port access (translate/ops/sys_io.c calls it while dr_active). */
void cpu_dr_io_access(struct vcpu *v, uint16_t port, unsigned size);
/* A debug exception's DR6 update before its #DB is raised: B3-B0 cleared when
 * clear_b is set, then bits (Bn, BD, BS) set. Every #DB the CPU raises itself does it
 * here, so a VM exit for the #DB can undo it (v->db_dr6_old, db_dr6_bits). */
void cpu_db_dr6(struct vcpu *v, bool clear_b, uint32_t bits);

/* ---------------------------------------------------------------- memory */

enum mem_access { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };

/*
 * Virtual memory access: segment (SEG_* or SEG_NONE for linear) plus offset,
 * with segmentation checks, paging, and the soft TLB. Faults raise through
 * cpu_raise. size is 1, 2, 4 or 8. Accesses that cross a page are handled.
 */
uint64_t cpu_ld(struct vcpu *v, unsigned seg, uint64_t off, unsigned size);
void cpu_st(struct vcpu *v, unsigned seg, uint64_t off, unsigned size, uint64_t val);
/* Arbitrary-length accesses (x87 80-bit, XMM, FXSAVE area). */
void cpu_ld_buf(struct vcpu *v, unsigned seg, uint64_t off, void *buf, size_t len);
void cpu_st_buf(struct vcpu *v, unsigned seg, uint64_t off, const void *buf, size_t len);
/* Check that [off, off+len) is accessible for acc without touching it, faulting as the
 * access would. Multi-part instructions probe before they commit anything. */
void cpu_probe(struct vcpu *v, unsigned seg, uint64_t off, size_t len, enum mem_access acc);
/* Segmentation only: offset -> linear address, faulting (#GP/#SS) as the SDM says. */
uint64_t cpu_seg_linear(struct vcpu *v, unsigned seg, uint64_t off, size_t len, enum mem_access acc);
/* cpu_seg_linear without the fault: false where cpu_seg_linear would raise. */
bool cpu_seg_linear_try(struct vcpu *v, unsigned seg, uint64_t off, size_t len,
			enum mem_access acc, uint64_t *lin) __attribute__((warn_unused_result));
/* Bulk access for the string instructions (translate/ops/string.c): the host pointer
 * of the linear range [lin, lin+len) when it lies in one page that the soft TLB
 * already holds as RAM for an explicit access acc at the current privilege (for
 * writes: dirty and not a code page) and no per-access work applies (watchpoints,
 * data breakpoints, alignment checking). NULL otherwise: the caller then takes
 * cpu_ld/cpu_st, which walk, fill the TLB and fault. Never faults, never walks. */
void *cpu_tlb_host_range(struct vcpu *v, uint64_t lin, size_t len, enum mem_access acc);
/* Instruction fetch for the translator: copies up to len bytes from linear address
 * lin; returns the number copied before the first inaccessible byte (a fault on the
 * first byte raises). *paddr receives the physical address of the first byte. */
size_t cpu_fetch_code(struct vcpu *v, uint64_t lin, uint8_t *buf, size_t len, uint64_t *paddr);
/* Translate without faulting: returns 0 and *paddr, or PFEC_FAULT | the #PF error code
 * (a not-present supervisor read has error code 0, hence the marker bit). Sets the
 * accessed/dirty flags as the access would. user: a CPL-3 access; a supervisor access
 * gets SMAP's EFLAGS.AC exemption only when CPL < 3 (SDM vol. 3, 4.6). */
uint32_t cpu_translate(struct vcpu *v, uint64_t lin, enum mem_access acc, bool user, uint64_t *paddr);
/* cpu_tlb_flush: every space (state changes the TLB must forget whatever the tag:
 * debugger watchpoints, tests). cpu_tlb_flush_current: the architectural flush of MOV
 * CR3/CR0/CR4, task switches and INVPCID - the spaces of the current VPID (SDM vol. 3,
 * 29.4.3.1: only the current VPID's mappings, for all EPTPs). cpu_tlb_flush_page: INVLPG
 * of lin in the current VPID's spaces. */
void cpu_tlb_flush(struct vcpu *v);
void cpu_tlb_flush_current(struct vcpu *v);
void cpu_tlb_flush_page(struct vcpu *v, uint64_t lin);
/* Address spaces (struct tlb_space_key): make key's space current (allocating a tag,
 * evicting another space when all are taken; the space is flushed only if the paging
 * mode - CR0.PG/PE/WP, CR4's paging bits, EFER.NXE/LMA - differs from the one its
 * entries were filled under, so call it once the new CR0/CR4/EFER are loaded); the
 * current key; the tags (bitmap) of the spaces in use whose key has the given VPID
 * (match_vpid) / EPT PML4 address (match_ep4ta, ep4ta | 1) / any; flush those spaces
 * whole or one linear page in them. */
void cpu_tlb_set_space(struct vcpu *v, const struct tlb_space_key *key);
/* The TLB slot offset of space tag `tag`, and the slot of lin in the current space. */
static inline unsigned cpu_tlb_space_offset(unsigned tag)
{
	return (tag * 167u) & (TLB_SIZE - 1);
}
static inline unsigned cpu_tlb_index(const struct vcpu *v, uint64_t lin)
{
	return (unsigned)((lin >> 12) ^ v->tlb_index_xor) & (TLB_SIZE - 1);
}
static inline const struct tlb_space_key *cpu_tlb_key(const struct vcpu *v)
{
	return &v->tlb_keys[v->tlb_cur];
}
/* TLB_MATCH_PCID: the spaces of the current VPID (any EP4TA) whose PCID is val. */
enum tlb_match { TLB_MATCH_VPID, TLB_MATCH_EP4TA, TLB_MATCH_EPT_ANY, TLB_MATCH_VPID_NONZERO,
		 TLB_MATCH_PCID };
uint64_t cpu_tlb_spaces(const struct vcpu *v, enum tlb_match how, uint64_t val);
void cpu_tlb_flush_spaces(struct vcpu *v, uint64_t spaces);
void cpu_tlb_flush_page_spaces(struct vcpu *v, uint64_t spaces, uint64_t lin);
/* translate/ calls this after it sets the code_pages bit of paddr's page: drops the
 * write-TLB entries of that page so that every later write takes the slow path and
 * calls v->code_write_hook. (With several vCPUs, call it for each.) */
void cpu_tlb_protect_code(struct vcpu *v, uint64_t paddr);
/* Drop every cached translation (any space, any access) to paddr's page (nested/: a
 * page that became the VMX APIC-access page). */
void cpu_tlb_flush_phys_page(struct vcpu *v, uint64_t paddr);
/* Like cpu_translate but with no side effects (no A/D updates) and the current
 * privilege, for the monitor and the gdb stub. Returns true and *paddr on success. */
bool cpu_debug_translate(struct vcpu *v, uint64_t lin, uint64_t *paddr);
/* Load the four PAE PDPTE registers from CR3 (SDM vol. 3, 4.4.1). Returns false if a
 * present PDPTE has reserved bits set (the caller raises #GP(0) and changes nothing). */
bool cpu_load_pdptes(struct vcpu *v) __attribute__((warn_unused_result));
/* Implicit supervisor-mode accesses at a linear address (descriptor tables, TSS,
 * IDT): supervisor privilege whatever the CPL, SMAP applies as with EFLAGS.AC = 0
 * (SDM vol. 3, 4.6). Faults raise like cpu_ld/cpu_st. */
uint64_t cpu_sys_ld(struct vcpu *v, uint64_t lin, unsigned size);
void cpu_sys_st(struct vcpu *v, uint64_t lin, unsigned size, uint64_t val);
/* Is paddr in a RAM page whose code_pages bit is set? The bit index is the page's
 * offset in bus->ram >> 12 (equal to paddr >> 12 below 4 GiB). */
bool cpu_bus_code_page(const struct cpu_bus *bus, uint64_t paddr);
/* Physical access (no paging), for page walks, loaders and devices' DMA. */
uint64_t cpu_phys_ld(struct vcpu *v, uint64_t paddr, unsigned size);
void cpu_phys_st(struct vcpu *v, uint64_t paddr, unsigned size, uint64_t val);

/* ---------------------------------------------------------------- segments (cpu/seg.c) */

/* Read the descriptor of selector sel from the GDT or LDT (8 bytes, or 16 for the
 * 64-bit system descriptors when wide). Returns false if it lies beyond the table's
 * limit (or the LDT is unusable): the caller raises the fault its instruction wants. */
bool cpu_desc_read(struct vcpu *v, uint16_t sel, uint64_t *raw, bool wide)
	__attribute__((warn_unused_result));
/* Descriptor -> segment cache (attr in the SEGA_* layout, limit scaled by G). */
void cpu_desc_decode(const uint64_t *raw, uint16_t sel, struct seg_cache *sc, bool wide);
/* Set the accessed bit of sel's descriptor in memory if raw has it clear. */
void cpu_desc_set_accessed(struct vcpu *v, uint16_t sel, uint64_t raw);
/* Loading a data/stack segment register (DS, ES, FS, GS, SS) as MOV/POP/LxS do, in two
 * steps so that multi-part instructions check everything before committing:
 * cpu_seg_check_load faults (#GP/#SS/#NP with the selector) or fills *sc and *raw;
 * cpu_seg_commit sets the accessed bit and loads the register. Real and virtual-8086
 * mode: base = sel << 4. cpu_load_seg does both. CS is loaded by the far transfers. */
void cpu_seg_check_load(struct vcpu *v, unsigned seg, uint16_t sel, struct seg_cache *sc,
			uint64_t *raw);
void cpu_seg_commit(struct vcpu *v, unsigned seg, const struct seg_cache *sc, uint64_t raw);
void cpu_load_seg(struct vcpu *v, unsigned seg, uint16_t sel);

/* ---------------------------------------------------------------- control registers */

/* Load CR0/CR3/CR4/CR8 with the checks of MOV CR (cpu/cr.c): 0, or -1 when the write
 * #GPs (nothing changed). Side effects: EFER.LMA on paging changes with EFER.LME,
 * PAE PDPTE loads, TLB flushes. Privilege and intercepts are the caller's. */
int cpu_set_cr0(struct vcpu *v, uint64_t val) __attribute__((warn_unused_result));
int cpu_set_cr3(struct vcpu *v, uint64_t val) __attribute__((warn_unused_result));
int cpu_set_cr4(struct vcpu *v, uint64_t val) __attribute__((warn_unused_result));
int cpu_set_cr8(struct vcpu *v, uint64_t val) __attribute__((warn_unused_result));
/* The CR4 bits the vCPU's model allows (the rest are reserved). */
uint64_t cpu_cr4_valid(const struct vcpu *v);

/* ---------------------------------------------------------------- MSRs (cpu/msr.c) */

/* RDMSR/WRMSR semantics without raising: 0 on success, -1 when the access #GPs
 * (unknown MSR - logged once under -d unimp - , reserved bits, locked register). The
 * instruction handlers raise #GP(0); VM-entry/exit MSR lists use the result. */
int cpu_rdmsr(struct vcpu *v, uint32_t index, uint64_t *val) __attribute__((warn_unused_result));
int cpu_wrmsr(struct vcpu *v, uint32_t index, uint64_t val) __attribute__((warn_unused_result));
void cpu_msr_add_hook(struct vcpu *v, msr_hook_fn fn, void *opaque);
/* IA32_TIME_STAMP_COUNTER as the guest sees it (before VMX/SVM offsetting). */
uint64_t cpu_tsc(const struct vcpu *v);

/* ---------------------------------------------------------------- performance monitoring */

/* Retired instructions up to (not including) the one running: exact mid-block too. */
static inline uint64_t cpu_icount(const struct vcpu *v)
{
	return v->icount_now ? v->icount_now(v) : v->icount;
}
/* Does the vCPU have the architectural PMU (cpu/pmu.c: leaf 0AH, its MSRs, RDPMC)? */
bool cpu_pmu_present(const struct vcpu *v);
/* RDPMC's counter read (SDM vol. 2, RDPMC): 0 and *val, or -1 for an invalid ECX. The
 * CR4.PCE/CPL check is the caller's. */
int cpu_rdpmc(struct vcpu *v, uint32_t ecx, uint64_t *val) __attribute__((warn_unused_result));
/* IA32_PERF_GLOBAL_CTRL: the bits that are not reserved (0 without the PMU), and a
 * load of a value within them (VMX "load IA32_PERF_GLOBAL_CTRL" at entry and exit). */
uint64_t cpu_pmu_global_ctrl_valid(const struct vcpu *v);
void cpu_pmu_set_global_ctrl(struct vcpu *v, uint64_t val);
/* Fold the instructions retired so far into the counters, raise what overflowed, and
 * note the current CPL and the next overflow deadline. */
void cpu_pmu_update(struct vcpu *v);
/* The run loop, at every block boundary: cheap unless a counter is live and the CPL
 * class changed or the overflow deadline is reached. */
static inline void cpu_pmu_boundary(struct vcpu *v)
{
	if (__builtin_expect(v->pmu.watch, 0) &&
	    (v->icount >= v->pmu.deadline || (v->pmu.split && (cpu_cpl(&v->s) != 0) != v->pmu.user)))
		cpu_pmu_update(v);
}

/* Port I/O with the permission checks of SDM vol. 1, 19.5 (IOPL, TSS bitmap): #GP(0)
 * when denied. cpu_pio_check is the check alone (IN/OUT run it before the intercept). */
void cpu_pio_check(struct vcpu *v, uint16_t port, unsigned size);
uint32_t cpu_pio_in(struct vcpu *v, uint16_t port, unsigned size);
void cpu_pio_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

/* ---------------------------------------------------------------- flags */

/* Full RFLAGS with the lazy arithmetic flags folded in. */
uint64_t cpu_get_rflags(const struct cpu_state *s);
/* Set all of RFLAGS (arithmetic bits included); leaves cc_op = CC_OP_EFLAGS. */
void cpu_set_rflags(struct cpu_state *s, uint64_t rflags);
/* Only the six arithmetic flags, from the lazy state. */
uint32_t cc_compute_all(const struct cpu_state *s);
uint32_t cc_compute_cf(const struct cpu_state *s);
/* Condition code cc (the low nibble of Jcc/SETcc/CMOVcc, SDM vol. 1, B.1) */
bool cc_eval(const struct cpu_state *s, unsigned cc);
/* Set only the six arithmetic flags (others kept); leaves cc_op = CC_OP_EFLAGS. For
 * instructions whose flags have no lazy form (rotates, BMI, ADX, BCD, BT...): start from
 * cc_compute_all(), change what the instruction defines, store with this. */
void cc_set_arith(struct cpu_state *s, uint32_t arith);
/* Record the flags of an arithmetic op lazily. */
static inline void cc_set(struct cpu_state *s, enum cc_op op, uint64_t dst, uint64_t src, uint64_t src2)
{
	s->cc_op = op;
	s->cc_dst = dst;
	s->cc_src = src;
	s->cc_src2 = src2;
}
/* log2 of an operand size in bytes (1,2,4,8 -> 0..3), for CC_OP_xxxB + size index */
static inline unsigned size_log2(unsigned size)
{
	return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
}

/* ---------------------------------------------------------------- x87 (cpu/fpu.c) */

/* x87 status word (SDM vol. 1, 8.1.3, figure 8-4) */
#define FSW_IE  0x0001u
#define FSW_DE  0x0002u
#define FSW_ZE  0x0004u
#define FSW_OE  0x0008u
#define FSW_UE  0x0010u
#define FSW_PE  0x0020u
#define FSW_SF  0x0040u
#define FSW_ES  0x0080u
#define FSW_C0  0x0100u
#define FSW_C1  0x0200u
#define FSW_C2  0x0400u
#define FSW_TOP_SHIFT 11
#define FSW_TOP 0x3800u
#define FSW_C3  0x4000u
#define FSW_B   0x8000u
#define FSW_EXC 0x003fu         /* the six exception flags; masks in FCW bits 5:0 */
#define FSW_CC  (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

/* x87 control word (SDM vol. 1, 8.1.5) */
#define FCW_PC_SHIFT 8
#define FCW_RC_SHIFT 10
#define FCW_INIT 0x037fu        /* after FINIT */

/* x87 tags, 2 bits per physical register (SDM vol. 1, 8.1.7) */
enum { FPU_TAG_VALID = 0, FPU_TAG_ZERO = 1, FPU_TAG_SPECIAL = 2, FPU_TAG_EMPTY = 3 };

static inline unsigned fpu_top(const struct cpu_state *s) { return (s->fsw >> FSW_TOP_SHIFT) & 7; }

/*
 * The tag word. Only "empty" (11) versus "not empty" in s->ftw is authoritative, as
 * on the hardware since the P6 (FLDENV/FRSTOR/FXRSTOR keep only that bit); the
 * other codes are derived from the register contents whenever they are stored.
 * fpu_tag_word() recomputes the full word; fpu_set_tags_from_abridged() and
 * fpu_abridged_tags() convert from/to FXSAVE's one bit per register (1 = not empty).
 */
unsigned fpu_reg_tag(const struct fpreg *r);    /* FPU_TAG_VALID/ZERO/SPECIAL */
uint16_t fpu_tag_word(const struct cpu_state *s);
uint8_t fpu_abridged_tags(const struct cpu_state *s);
void fpu_set_tags_from_abridged(struct cpu_state *s, uint8_t abridged);
/* FSW.ES and FSW.B from the exception flags and the masks (SDM vol. 1, 8.1.3). */
void fpu_update_es(struct cpu_state *s);
/* FNINIT's state (SDM vol. 1, 8.1.1 / FINIT: FCW 037FH, FSW 0, all empty, pointers 0). */
void fpu_init(struct cpu_state *s);

/*
 * MMX aliasing, for the MMX handlers (SDM vol. 1, 9.5.1): MMi is st[i].mant. Every MMX
 * instruction except EMMS sets TOP to 0 and all tags valid; a write also sets bits
 * 79:64 of the register to all ones. EMMS marks every register empty.
 */
static inline void fpu_mmx_enter(struct cpu_state *s)
{
	s->fsw &= ~FSW_TOP;
	s->ftw = 0;
}
static inline void fpu_mmx_write(struct cpu_state *s, unsigned r, uint64_t val)
{
	s->st[r & 7].mant = val;
	s->st[r & 7].sexp = 0xffff;
}
static inline void fpu_emms(struct cpu_state *s) { s->ftw = 0xffff; }

/*
 * Availability checks every x87 instruction makes first (SDM vol. 3, 2.5, table 2-2
 * "Action taken by x87 FPU instructions for different combinations of EM, MP, TS"):
 * #NM when CR0.EM or CR0.TS is set; WAIT/FWAIT (wait_insn) only when both MP and TS
 * are set. fpu_check_pending then raises #MF for a pending unmasked exception (SDM
 * vol. 1, 8.6); with CR0.NE clear the error is left to FERR#/IGNNE# (not wired; see
 * cpu/fpu.c) and execution continues.
 */
void fpu_check_avail(struct vcpu *v, bool wait_insn);
void fpu_check_pending(struct vcpu *v);

/*
 * Run one x87 instruction, given by its opcode byte (D8H-DFH) and ModRM byte, on the
 * host's x87 unit against the guest's x87 state (registers, TOP, tags, FCW, condition
 * codes), so that results, rounding, exception flags and the masked and unmasked
 * responses are those of the hardware. mem is a 16-byte buffer holding the memory
 * operand of a memory form (modrm.mod != 3), or receiving what it stores; NULL for
 * register forms. *rflags carries the guest's arithmetic flags in (FCMOVcc reads them)
 * and out (FCOMI/FUCOMI write them). Updates st[], ftw and fsw (C0-C3, TOP, sticky
 * flags, SF, ES/B); not FOP/FIP/FDP. Returns the exception flags (FSW_EXC | FSW_SF)
 * this instruction raised. Forms for which fpu_host_form_ok() is false must not be
 * passed (they would fault on the host, or are control instructions done in C).
 */
bool fpu_host_form_ok(uint8_t op, uint8_t modrm);
uint16_t fpu_host_exec(struct cpu_state *s, uint8_t op, uint8_t modrm, void *mem, uint64_t *rflags);
/* Size in bytes of the memory operand of x87 memory form op /reg handled by
 * fpu_host_exec, and whether it is stored (true) or loaded. 0 if not such a form. */
unsigned fpu_mem_form(uint8_t op, unsigned reg, bool *store);

/* ---------------------------------------------------------------- GPR helpers */

/* Read/write a GPR of the given size (1, 2, 4, 8). For size 1, reg 4-7 means
 * AH/CH/DH/BH unless rex is set. 32-bit writes zero-extend (SDM vol. 1, 3.4.1.1). */
static inline uint64_t gpr_read(const struct cpu_state *s, unsigned reg, unsigned size, bool rex)
{
	if (size == 1 && !rex && reg >= 4 && reg < 8)
		return (s->gpr[reg - 4] >> 8) & 0xff;
	switch (size) {
	case 1: return s->gpr[reg] & 0xff;
	case 2: return s->gpr[reg] & 0xffff;
	case 4: return s->gpr[reg] & 0xffffffffu;
	default: return s->gpr[reg];
	}
}

static inline void gpr_write(struct cpu_state *s, unsigned reg, unsigned size, bool rex, uint64_t val)
{
	if (size == 1 && !rex && reg >= 4 && reg < 8) {
		s->gpr[reg - 4] = (s->gpr[reg - 4] & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	switch (size) {
	case 1: s->gpr[reg] = (s->gpr[reg] & ~0xffull) | (val & 0xff); break;
	case 2: s->gpr[reg] = (s->gpr[reg] & ~0xffffull) | (val & 0xffff); break;
	case 4: s->gpr[reg] = val & 0xffffffffu; break;
	default: s->gpr[reg] = val; break;
	}
}

static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* ---------------------------------------------------------------- logging */

/*
 * The -d log items (cpu/log.c). Every folder logs through these; the output goes to
 * stderr or the -D file. log_on() is one load and test, cheap when off.
 */
enum log_item {
	LOG_IN_ASM, LOG_EXEC, LOG_CPU, LOG_INT, LOG_MMU, LOG_UNIMP, LOG_VMX, LOG_SVM,
	LOG_STATS,      /* the machine's totals when it stops (hw/pc.c) */
	LOG_ITEM_COUNT
};
extern uint32_t g_log_mask;
static inline bool log_on(enum log_item item) { return g_log_mask & (1u << item); }
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse "item,item,..." into a mask; on error returns -1 and writes a message. */
int log_parse_items(const char *spec, uint32_t *mask, char *err, size_t errlen);
const char *log_item_name(enum log_item item);
const char *log_item_help(enum log_item item);
/* Send the log to a file (NULL: stderr). Returns 0 or -errno. */
int log_set_file(const char *path);

/* Something the guest used that elzero does not implement (an instruction, MSR, port,
 * device register): logged once per (what, key) under -d unimp. The caller then
 * raises the architectural fault. */
void cpu_log_unimp(const char *what, uint64_t key, const char *detail);

#endif /* ELZERO_CPU_CPU_H */
