/*
 * nested/vmx_internal.h - declarations shared by the VMX files of nested/.
 * Intel SDM vol. 3 (edition in docs/spec-versions.md): 25 (VMCS), 26 (non-root
 * operation), 27 (VM entries), 28 (VM exits), 31 (instructions), A (capabilities).
 */
#ifndef ELZERO_NESTED_VMX_INTERNAL_H
#define ELZERO_NESTED_VMX_INTERNAL_H

#include "nested/vmx.h"
#include "nested/ept.h"
#include "translate/insn.h"

/* Features a VMCS field depends on (the FEATURE column of vmcs_fields.def). */
enum vmcs_feat { VF_ALWAYS, VF_EPT, VF_VPID, VF_TPR, VF_PAT, VF_EFER, VF_SEC, VF_PREEMPT,
		 VF_PLE, VF_XSAVES, VF_APIC, VF_VID, VF_PI, VF_PERF };

enum vmcs_field {
#define VMCS_FIELD(name, enc, w, t, a, f) VMCS_##name,
#include "nested/vmcs_fields.def"
#undef VMCS_FIELD
	VMCS_NFIELDS
};

/* Emulator-defined layout of a VMCS region (SDM 25.2 leaves all but the first 8 bytes
 * to the implementation): revision and abort indicator, launch state, then the fields
 * in table order, 8 bytes each. VMCLEAR writes it; VMPTRLD reads it. */
#define VMCS_OFF_LAUNCH 8
#define VMCS_OFF_FIELDS 16
_Static_assert(VMCS_OFF_FIELDS + 8 * VMCS_NFIELDS <= 4096, "the VMCS fits its 4 KiB region");

#define VMX_REVISION    0x454c5au       /* "ELZ" */
#define VMX_NO_VMCS     (~0ull)

/* VM-instruction error numbers (SDM 31.4, table 31-1) */
enum {
	VMXERR_VMCALL_ROOT = 1, VMXERR_VMCLEAR_BAD_ADDR = 2, VMXERR_VMCLEAR_VMXON = 3,
	VMXERR_VMLAUNCH_NOT_CLEAR = 4, VMXERR_VMRESUME_NOT_LAUNCHED = 5,
	VMXERR_VMRESUME_AFTER_VMXOFF = 6, VMXERR_ENTRY_BAD_CTL = 7, VMXERR_ENTRY_BAD_HOST = 8,
	VMXERR_VMPTRLD_BAD_ADDR = 9, VMXERR_VMPTRLD_VMXON = 10, VMXERR_VMPTRLD_BAD_REV = 11,
	VMXERR_UNSUPPORTED_FIELD = 12, VMXERR_WRITE_RO = 13, VMXERR_VMXON_ROOT = 15,
	VMXERR_ENTRY_MOV_SS = 26, VMXERR_BAD_INVEPT = 28,
};

/* Pin-based controls (SDM 25.6.1) */
#define PIN_EXT_INT     (1u << 0)
#define PIN_NMI         (1u << 3)
#define PIN_VNMI        (1u << 5)
#define PIN_PREEMPT     (1u << 6)
#define PIN_POSTED      (1u << 7)
/* Primary processor-based controls (SDM 25.6.2, table 25-6) */
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT        (1u << 7)
#define PROC_INVLPG     (1u << 9)
#define PROC_MWAIT      (1u << 10)
#define PROC_RDPMC      (1u << 11)
#define PROC_RDTSC      (1u << 12)
#define PROC_CR3_LOAD   (1u << 15)
#define PROC_CR3_STORE  (1u << 16)
#define PROC_CR8_LOAD   (1u << 19)
#define PROC_CR8_STORE  (1u << 20)
#define PROC_TPR_SHADOW (1u << 21)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_MOV_DR     (1u << 23)
#define PROC_UNCOND_IO  (1u << 24)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MTF        (1u << 27)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR    (1u << 29)
#define PROC_PAUSE      (1u << 30)
#define PROC_SECONDARY  (1u << 31)
/* Secondary processor-based controls (SDM 25.6.2, table 25-7) */
#define SEC_APIC_ACCESS (1u << 0)
#define SEC_EPT         (1u << 1)
#define SEC_DESC_TABLE  (1u << 2)
#define SEC_RDTSCP      (1u << 3)
#define SEC_X2APIC      (1u << 4)
#define SEC_VPID        (1u << 5)
#define SEC_WBINVD      (1u << 6)
#define SEC_UNRESTRICTED (1u << 7)
#define SEC_APIC_REG    (1u << 8)
#define SEC_VID         (1u << 9)
#define SEC_RDRAND      (1u << 11)
#define SEC_PLE         (1u << 10)
#define SEC_INVPCID     (1u << 12)
#define SEC_RDSEED      (1u << 16)
#define SEC_XSAVES      (1u << 20)
/* VM-exit controls (SDM 25.7.1, table 25-13) */
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_64    (1u << 9)
#define EXIT_LOAD_PERF  (1u << 12)
#define EXIT_ACK_INT    (1u << 15)
#define EXIT_SAVE_PAT   (1u << 18)
#define EXIT_LOAD_PAT   (1u << 19)
#define EXIT_SAVE_EFER  (1u << 20)
#define EXIT_LOAD_EFER  (1u << 21)
#define EXIT_SAVE_PREEMPT (1u << 22)
/* VM-entry controls (SDM 25.8.1, table 25-15) */
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_IA32E     (1u << 9)
#define ENTRY_SMM       (1u << 10)
#define ENTRY_DUAL_MON  (1u << 11)
#define ENTRY_LOAD_PERF (1u << 13)
#define ENTRY_LOAD_PAT  (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* Interruptibility state (SDM 25.4.2, table 25-3) */
#define INTR_STI        (1u << 0)
#define INTR_MOV_SS     (1u << 1)
#define INTR_SMI        (1u << 2)
#define INTR_NMI        (1u << 3)
/* Activity states (SDM 25.4.2) */
enum { ACT_ACTIVE = 0, ACT_HLT = 1, ACT_SHUTDOWN = 2, ACT_WAIT_SIPI = 3 };
/* Interruption-information fields (SDM 25.8.3, 25.9.2) */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERR   (1u << 11)
#define INTR_INFO_NMI_UNBLOCK (1u << 12)
/* Pending debug exceptions (SDM 25.4.2, table 25-4) */
#define PDBG_B0_3       0xfu
#define PDBG_ENABLED_BP (1u << 12)
#define PDBG_BS         (1u << 14)

/* Basic exit reasons (SDM appendix C) not named in translate/opcodes.h */
enum {
	EXIT_REASON_EXCEPTION = 0, EXIT_REASON_EXTINT = 1, EXIT_REASON_TRIPLE_FAULT = 2,
	EXIT_REASON_INIT = 3, EXIT_REASON_SIPI = 4, EXIT_REASON_INTR_WINDOW = 7,
	EXIT_REASON_NMI_WINDOW = 8, EXIT_REASON_TASK_SWITCH = 9, EXIT_REASON_CPUID = 10,
	EXIT_REASON_HLT = 12, EXIT_REASON_INVD = 13, EXIT_REASON_INVLPG = 14,
	EXIT_REASON_RDPMC = 15, EXIT_REASON_RDTSC = 16, EXIT_REASON_VMCALL = 18,
	EXIT_REASON_CR = 28, EXIT_REASON_DR = 29, EXIT_REASON_IO = 30,
	EXIT_REASON_RDMSR = 31, EXIT_REASON_WRMSR = 32, EXIT_REASON_BAD_GUEST = 33,
	EXIT_REASON_MSR_LOAD = 34, EXIT_REASON_MWAIT = 36, EXIT_REASON_MTF = 37,
	EXIT_REASON_MONITOR = 39, EXIT_REASON_PAUSE = 40, EXIT_REASON_TPR_BELOW = 43,
	EXIT_REASON_APIC_ACCESS = 44, EXIT_REASON_EOI = 45, EXIT_REASON_GDTR_IDTR = 46,
	EXIT_REASON_LDTR_TR = 47, EXIT_REASON_EPT_VIOLATION = 48,
	EXIT_REASON_EPT_MISCONFIG = 49, EXIT_REASON_RDTSCP = 51, EXIT_REASON_PREEMPT = 52, EXIT_REASON_WBINVD = 54,
	EXIT_REASON_XSETBV = 55, EXIT_REASON_APIC_WRITE = 56, EXIT_REASON_RDRAND = 57,
	EXIT_REASON_INVPCID = 58, EXIT_REASON_RDSEED = 61, EXIT_REASON_XSAVES = 63,
	EXIT_REASON_XRSTORS = 64,
};
#define EXIT_REASON_ENTRY_FAIL (1u << 31)

/* A VMCS as the emulator caches it: every field of the table, plus launch state. */
struct vmcs {
	uint64_t f[VMCS_NFIELDS];
	bool launched;
};

/* Per-vCPU VMX state (v->nested points at struct nested_state, which holds this). */
struct vmx {
	bool on;                        /* in VMX operation (root or non-root) */
	uint64_t vmxon_ptr;
	uint64_t current;               /* current-VMCS pointer, VMX_NO_VMCS if none */
	struct vmcs vmcs;               /* the current VMCS (valid when current != NO) */
	/* while in VMX non-root operation */
	bool mtf_pending;               /* an injected pending MTF VM exit (27.6.2) */
	uint64_t mtf_icount;            /* icount at the first boundary in the guest */
	bool mtf_fresh;                 /* mtf_icount (and preempt_deadline) not based yet */
	bool preempt_on;                /* the VMX-preemption timer runs (26.5.1) */
	uint64_t preempt_deadline;      /* cpu_tsc() at which it reaches 0 */
	bool vnmi_blocked;              /* virtual-NMI blocking (SDM 26.3.1.5) */
	bool injecting;                 /* delivering the VM-entry injected event */
	/* An IRET is executing that found NMIs (virtual NMIs with that control) blocked
	 * and unblocked them: a fault on it records "NMI unblocking due to IRET" (28.2). */
	bool iret_unblocked;
	/* Pending debug exceptions (guest field format, 25.4.2 table 25-4) that VM entry
	 * left to deliver at the first boundary in the guest (27.7.3). */
	uint32_t pending_dbg;
	unsigned activity;              /* guest activity state beyond HLT (27.7.2) */
	bool ept_exit;                  /* vmx_exit_ept recorded an exit to take */
	unsigned ept_reason;
	uint64_t ept_qual, ept_gla, ept_gpa;
	uint64_t tsc_offset;            /* added to v->s.tsc_offset at entry */
	/* PAUSE-loop exiting (26.1.3): TSC of the last PAUSE at CPL 0 and of the first
	 * one of the current loop; ple_fresh until the first PAUSE after entry. */
	bool ple_fresh;
	uint64_t ple_last, ple_first;
	/* APIC virtualization (nested/vmx_apic.c, SDM 30) while in non-root operation */
	bool apic_write;                /* APIC-write emulation due after the instruction */
	unsigned apic_write_off;        /* page offset of the virtualized write */
	bool vint;                      /* a virtual interrupt is recognized (30.2.1) */
	uint64_t apic_tag_last;         /* APIC-access page | 1 of the last VM entry, or 0 */
	uint64_t entry_count, exit_count;
};

struct nested_state {
	struct vmx vmx;
};

static inline struct vmx *vmx_of(const struct vcpu *v)
{
	return &((struct nested_state *)v->nested)->vmx;
}

/* 16/32/64-bit sizes as the instruction-information fields encode them (28.2.5). */
static inline unsigned size_code(unsigned bytes) { return bytes == 8 ? 2 : bytes == 4 ? 1 : 0; }

/* nested/vmcs.c */
int vmcs_lookup(uint64_t encoding, bool *high);   /* field index or -1 */
bool vmcs_field_supported(const struct vcpu *v, unsigned idx);
uint64_t vmcs_width_mask(unsigned idx);
extern const uint64_t g_vmcs_width_mask[VMCS_NFIELDS];  /* vmcs_width_mask of each field */
void vmcs_load(struct vcpu *v, uint64_t paddr, struct vmcs *vmcs);
void vmcs_flush(struct vcpu *v, uint64_t paddr, const struct vmcs *vmcs);
static inline uint64_t vmcs_get(const struct vmx *x, enum vmcs_field f) { return x->vmcs.f[f]; }
static inline void vmcs_set(struct vmx *x, enum vmcs_field f, uint64_t val)
{
	x->vmcs.f[f] = val & g_vmcs_width_mask[f];      /* VM exits set ~60 fields */
}

/* nested/vmx_caps.c: the controls the model allows (SDM appendix A.3-A.5) */
struct vmx_ctl_caps { uint32_t must1, may1; };
enum vmx_ctl { CTL_PIN, CTL_PROC, CTL_PROC2, CTL_EXIT, CTL_ENTRY };
struct vmx_ctl_caps vmx_ctl_caps(const struct vcpu *v, enum vmx_ctl which, bool true_ctls);
uint64_t vmx_cr0_fixed0(void), vmx_cr0_fixed1(void);
uint64_t vmx_cr4_fixed0(void), vmx_cr4_fixed1(const struct vcpu *v);
uint64_t vmx_misc(void);
int vmx_msr_hook(struct vcpu *v, void *opaque, uint32_t index, uint64_t *val, bool write);

/* VM entry: what the checks see, loaded before any check runs (27.3.1.5 link
 * pointer, 27.3.1.6 PDPTEs); checks never read guest memory themselves. */
struct entry_ctx {
	struct vcpu *v;
	const uint64_t *f;              /* the current VMCS's fields */
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t link_rev;              /* first word of the VMCS-link region */
	uint64_t pdpte[4];              /* PAE PDPTEs (from guest CR3, or the VMCS with EPT) */
	uint32_t vtpr;                  /* VTPR (virtual-APIC page + 80H) with TPR shadow */
};
typedef bool (*entry_check_fn)(const struct entry_ctx *e);
struct entry_check {
	entry_check_fn fn;
	const char *name, *sdm;
	uint32_t qual;                  /* guest checks: the exit qualification */
};
#define F(name) (e->f[VMCS_##name])
#define CHECK(n) static bool chk_##n(const struct entry_ctx *e)
#define ROW(n, sdm) { chk_##n, #n, sdm, 0 }
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

static inline bool addr_ok(const struct vcpu *v, uint64_t pa, uint64_t align)
{
	return !(pa & (align - 1)) && !(pa >> v->phys_bits);
}
static inline bool canon(const struct entry_ctx *e, uint64_t a) { return cpu_canonical_addr(e->v, a); }

/* nested/vmx_guest.c: 27.3 guest-state checks, loading, 27.6-27.7 */
extern const struct entry_check g_vmx_guest_checks[];
extern const size_t g_vmx_guest_nchecks;
void vmx_load_guest(struct vcpu *v, const struct entry_ctx *e);
void vmx_start_guest(struct vcpu *v, const struct entry_ctx *e);

/* nested/vmx_entry.c */
bool vmx_pat_ok(uint64_t pat);
void vmx_entry(struct vcpu *v, const struct x86_insn *i, bool launch);
/* Load an MSR list (VM-entry or VM-exit MSR-load area, SDM 27.4, 28.6): 0, or the
 * 1-based number of the entry that failed. */
uint32_t vmx_load_msrs(struct vcpu *v, uint64_t addr, uint32_t count);

/* nested/vmx_exit.c */
/* Recompute v->nested_events / v->nested_step from the controls (window exits,
 * MTF, external-interrupt exiting need the run loop's attention). */
void vmx_update_events(struct vcpu *v);
void vmx_intercept(struct vcpu *v, enum intercept_kind kind, uint64_t info, const void *insn);
/* Perform a VM exit with reason (| EXIT_REASON_ENTRY_FAIL) and qualification; the
 * other information fields must be set already. Does not unwind. */
void vmx_vmexit(struct vcpu *v, uint32_t reason, uint64_t qual);
/* Instruction-information field for VMX instructions and descriptor-table exits
 * (SDM 28.2.5, tables 28-9..28-14), from the decoded memory/register operand. */
uint32_t vmx_insn_info(const struct x86_insn *i, unsigned reg2);
/* Clear the exit information fields that an exit without them leaves 0. */
void vmx_clear_exit_info(struct vmx *x);
_Noreturn void vmx_take_ept_exit(struct vcpu *v);
/* The exit is due to a fault on an IRET that unblocked (virtual) NMIs, outside event
 * delivery: bit 12 of the interruption information / EPT-violation qualification. */
bool vmx_iret_unblocked(const struct vcpu *v);
uint64_t vmx_insn_ea(const struct vcpu *v, const struct x86_insn *i);

/* nested/vmx_apic.c: APIC virtualization (SDM 30) */
void vmx_apic_enter(struct vcpu *v);            /* VM entry, guest state loaded */
void vmx_apic_leave(struct vcpu *v);            /* VM exit */
/* MOV to CR8 / WRMSR 808H / a write to offset 80H: TPR virtualization (30.1.2),
 * after the new VTPR is stored. May perform a trap-like VM exit (RIP must be next). */
void vmx_apic_tpr_virt(struct vcpu *v);
/* RDMSR/WRMSR that did not exit, with "virtualize x2APIC mode" (30.5): true when
 * virtualized (EDX:EAX read, or the write done; the caller completes the insn). */
bool vmx_apic_msr(struct vcpu *v, const struct x86_insn *i, uint32_t index, bool write);
/* At an instruction boundary: APIC-write emulation (30.4.3.2); unwinds on an exit. */
void vmx_apic_write_emulation(struct vcpu *v);
/* At an instruction boundary where an interrupt could be taken: virtual-interrupt
 * delivery (30.2.2); unwinds when it delivers. */
void vmx_apic_deliver(struct vcpu *v, bool shadow);
/* An acknowledged external interrupt: true when it was the posted-interrupt
 * notification vector and was processed (30.6), false to exit as usual. */
bool vmx_apic_posted(struct vcpu *v, uint8_t vector);
/* A guest-physical access (EPT walk of guest paging structures) to hpa (30.4.6.1). */
void vmx_apic_gpa_check(struct vcpu *v, uint64_t hpa, uint64_t gpa);

/* nested/vmx_insn.c */
void vmx_succeed(struct vcpu *v);
void vmx_fail(struct vcpu *v, unsigned err);
void vmx_fail_invalid(struct vcpu *v);

#endif
