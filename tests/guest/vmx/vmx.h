/*
 * tests/guest/vmx/vmx.h - a bare-metal L1 test hypervisor for the VMX guest tests.
 *
 * A 64-bit guest test kernel enables VMX (CPUID, IA32_FEATURE_CONTROL, the
 * CR0/CR4 fixed bits), enters VMX root operation, builds a VMCS whose host
 * state is the kernel itself and whose guest is a 64-bit L2 sharing the
 * kernel's page tables, GDT and IDT, runs L2 code (a C function on its own
 * stack) and returns at each VM exit with the exit information.
 *
 * Every constant is taken from the Intel SDM vol. 3, 325462-084US
 * (docs/spec-versions.md): appendix A (capability MSRs), appendix B (VMCS
 * field encodings), appendix C (exit reasons), 25.6-25.9 (controls and
 * exit-information fields), 31.4 (VM-instruction error numbers). The
 * expectations of the tests come from the SDM, never from what an emulator does:
 * the same kernels are meant to pass on hardware.
 */
#ifndef GUEST_VMX_H
#define GUEST_VMX_H

#include "guest.h"

/* Capability MSRs (SDM vol. 3, appendix A; vol. 4, table 2-2). */
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_VMCS_ENUM 0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_PAT 0x277
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define VMX_BASIC_TRUE_CTLS (1ull << 55)        /* SDM A.1 */
#define VMX_MISC_VMWRITE_ANY (1ull << 29)       /* SDM A.6: VMWRITE to exit-information fields */

/* VMCS field encodings (SDM vol. 3, appendix B). */
enum vmcs_field {
	/* B.1 16-bit */
	VPID = 0x0000,
	GUEST_ES_SELECTOR = 0x0800, GUEST_CS_SELECTOR = 0x0802, GUEST_SS_SELECTOR = 0x0804,
	GUEST_DS_SELECTOR = 0x0806, GUEST_FS_SELECTOR = 0x0808, GUEST_GS_SELECTOR = 0x080a,
	GUEST_LDTR_SELECTOR = 0x080c, GUEST_TR_SELECTOR = 0x080e,
	HOST_ES_SELECTOR = 0x0c00, HOST_CS_SELECTOR = 0x0c02, HOST_SS_SELECTOR = 0x0c04,
	HOST_DS_SELECTOR = 0x0c06, HOST_FS_SELECTOR = 0x0c08, HOST_GS_SELECTOR = 0x0c0a,
	HOST_TR_SELECTOR = 0x0c0c,
	/* B.2 64-bit */
	IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004,
	VM_EXIT_MSR_STORE_ADDR = 0x2006, VM_EXIT_MSR_LOAD_ADDR = 0x2008,
	VM_ENTRY_MSR_LOAD_ADDR = 0x200a, TSC_OFFSET = 0x2010, VIRTUAL_APIC_PAGE_ADDR = 0x2012,
	EPT_POINTER = 0x201a,
	GUEST_PHYSICAL_ADDRESS = 0x2400,
	VMCS_LINK_POINTER = 0x2800, GUEST_IA32_DEBUGCTL = 0x2802, GUEST_IA32_PAT = 0x2804,
	GUEST_IA32_EFER = 0x2806, GUEST_IA32_PERF_GLOBAL_CTRL = 0x2808,
	HOST_IA32_PAT = 0x2c00, HOST_IA32_EFER = 0x2c02, HOST_IA32_PERF_GLOBAL_CTRL = 0x2c04,
	/* B.3 32-bit */
	PIN_BASED_VM_EXEC_CONTROL = 0x4000, CPU_BASED_VM_EXEC_CONTROL = 0x4002,
	EXCEPTION_BITMAP = 0x4004, PAGE_FAULT_ERROR_CODE_MASK = 0x4006,
	PAGE_FAULT_ERROR_CODE_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400a,
	VM_EXIT_CONTROLS = 0x400c, VM_EXIT_MSR_STORE_COUNT = 0x400e,
	VM_EXIT_MSR_LOAD_COUNT = 0x4010, VM_ENTRY_CONTROLS = 0x4012,
	VM_ENTRY_MSR_LOAD_COUNT = 0x4014, VM_ENTRY_INTR_INFO = 0x4016,
	VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018, VM_ENTRY_INSTRUCTION_LEN = 0x401a,
	TPR_THRESHOLD = 0x401c, SECONDARY_VM_EXEC_CONTROL = 0x401e,
	VM_INSTRUCTION_ERROR = 0x4400, VM_EXIT_REASON = 0x4402, VM_EXIT_INTR_INFO = 0x4404,
	VM_EXIT_INTR_ERROR_CODE = 0x4406, IDT_VECTORING_INFO = 0x4408,
	IDT_VECTORING_ERROR_CODE = 0x440a, VM_EXIT_INSTRUCTION_LEN = 0x440c,
	VMX_INSTRUCTION_INFO = 0x440e,
	GUEST_ES_LIMIT = 0x4800, GUEST_CS_LIMIT = 0x4802, GUEST_SS_LIMIT = 0x4804,
	GUEST_DS_LIMIT = 0x4806, GUEST_FS_LIMIT = 0x4808, GUEST_GS_LIMIT = 0x480a,
	GUEST_LDTR_LIMIT = 0x480c, GUEST_TR_LIMIT = 0x480e, GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814, GUEST_CS_AR = 0x4816, GUEST_SS_AR = 0x4818, GUEST_DS_AR = 0x481a,
	GUEST_FS_AR = 0x481c, GUEST_GS_AR = 0x481e, GUEST_LDTR_AR = 0x4820, GUEST_TR_AR = 0x4822,
	GUEST_INTERRUPTIBILITY = 0x4824, GUEST_ACTIVITY_STATE = 0x4826,
	GUEST_SYSENTER_CS = 0x482a,
	HOST_IA32_SYSENTER_CS = 0x4c00,
	/* B.4 natural width */
	CR0_GUEST_HOST_MASK = 0x6000, CR4_GUEST_HOST_MASK = 0x6002,
	CR0_READ_SHADOW = 0x6004, CR4_READ_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400, GUEST_LINEAR_ADDRESS = 0x640a,
	GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806, GUEST_CS_BASE = 0x6808, GUEST_SS_BASE = 0x680a,
	GUEST_DS_BASE = 0x680c, GUEST_FS_BASE = 0x680e, GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812, GUEST_TR_BASE = 0x6814, GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681a, GUEST_RSP = 0x681c, GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820, GUEST_PENDING_DBG_EXCEPTIONS = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824, GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6c00, HOST_CR3 = 0x6c02, HOST_CR4 = 0x6c04, HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08, HOST_TR_BASE = 0x6c0a, HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e, HOST_IA32_SYSENTER_ESP = 0x6c10,
	HOST_IA32_SYSENTER_EIP = 0x6c12, HOST_RSP = 0x6c14, HOST_RIP = 0x6c16,
};

/* Pin-based VM-execution controls (SDM 25.6.1, table 25-5). */
#define PIN_EXTINT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
/* Primary processor-based VM-execution controls (SDM 25.6.2, table 25-6). */
#define CPU_INTR_WINDOW_EXITING (1u << 2)
#define CPU_USE_TSC_OFFSETTING (1u << 3)
#define CPU_HLT_EXITING (1u << 7)
#define CPU_INVLPG_EXITING (1u << 9)
#define CPU_MWAIT_EXITING (1u << 10)
#define CPU_RDPMC_EXITING (1u << 11)
#define CPU_RDTSC_EXITING (1u << 12)
#define CPU_CR3_LOAD_EXITING (1u << 15)
#define CPU_CR3_STORE_EXITING (1u << 16)
#define CPU_CR8_LOAD_EXITING (1u << 19)
#define CPU_CR8_STORE_EXITING (1u << 20)
#define CPU_TPR_SHADOW (1u << 21)
#define CPU_NMI_WINDOW_EXITING (1u << 22)
#define CPU_MOV_DR_EXITING (1u << 23)
#define CPU_UNCOND_IO_EXITING (1u << 24)
#define CPU_USE_IO_BITMAPS (1u << 25)
#define CPU_MONITOR_TRAP_FLAG (1u << 27)
#define CPU_USE_MSR_BITMAPS (1u << 28)
#define CPU_MONITOR_EXITING (1u << 29)
#define CPU_PAUSE_EXITING (1u << 30)
#define CPU_SECONDARY_CONTROLS (1u << 31)
/* Secondary processor-based VM-execution controls (SDM 25.6.2, table 25-7). */
#define CPU2_ENABLE_EPT (1u << 1)
#define CPU2_DESC_TABLE_EXITING (1u << 2)
#define CPU2_ENABLE_RDTSCP (1u << 3)
#define CPU2_ENABLE_VPID (1u << 5)
#define CPU2_WBINVD_EXITING (1u << 6)
#define CPU2_UNRESTRICTED_GUEST (1u << 7)
/* VM-exit controls (SDM 25.7.1, table 25-13). */
#define EXIT_SAVE_DEBUG_CONTROLS (1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE (1u << 9)
#define EXIT_ACK_INTR_ON_EXIT (1u << 15)
#define EXIT_SAVE_IA32_PAT (1u << 18)
#define EXIT_LOAD_IA32_PAT (1u << 19)
#define EXIT_SAVE_IA32_EFER (1u << 20)
#define EXIT_LOAD_IA32_EFER (1u << 21)
/* VM-entry controls (SDM 25.8.1, table 25-15). */
#define ENTRY_LOAD_DEBUG_CONTROLS (1u << 2)
#define ENTRY_IA32E_MODE_GUEST (1u << 9)
#define ENTRY_LOAD_IA32_PAT (1u << 14)
#define ENTRY_LOAD_IA32_EFER (1u << 15)

/* Interruption information (SDM 25.8.3 table 25-17, 25.9.2 table 25-19). */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_DELIVER_CODE (1u << 11)
#define INTR_INFO_NMI_UNBLOCK (1u << 12)
#define INTR_TYPE_EXT_INTR (0u << 8)
#define INTR_TYPE_NMI (2u << 8)
#define INTR_TYPE_HW_EXCEPTION (3u << 8)
#define INTR_TYPE_SOFT_INTR (4u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION (5u << 8)
#define INTR_TYPE_SOFT_EXCEPTION (6u << 8)

/* Guest interruptibility state (SDM 25.4.2, table 25-3). */
#define INTR_BLOCK_STI (1u << 0)
#define INTR_BLOCK_MOV_SS (1u << 1)
#define INTR_BLOCK_NMI (1u << 3)

/* Basic exit reasons (SDM appendix C). */
enum vmx_exit_reason {
	EXIT_REASON_EXCEPTION_NMI = 0, EXIT_REASON_EXTERNAL_INTERRUPT = 1,
	EXIT_REASON_TRIPLE_FAULT = 2, EXIT_REASON_INTERRUPT_WINDOW = 7,
	EXIT_REASON_NMI_WINDOW = 8, EXIT_REASON_CPUID = 10, EXIT_REASON_HLT = 12,
	EXIT_REASON_INVD = 13, EXIT_REASON_INVLPG = 14, EXIT_REASON_RDPMC = 15,
	EXIT_REASON_RDTSC = 16, EXIT_REASON_VMCALL = 18, EXIT_REASON_VMCLEAR = 19,
	EXIT_REASON_VMLAUNCH = 20, EXIT_REASON_VMPTRLD = 21, EXIT_REASON_VMPTRST = 22,
	EXIT_REASON_VMREAD = 23, EXIT_REASON_VMRESUME = 24, EXIT_REASON_VMWRITE = 25,
	EXIT_REASON_VMXOFF = 26, EXIT_REASON_VMXON = 27, EXIT_REASON_CR_ACCESS = 28,
	EXIT_REASON_DR_ACCESS = 29, EXIT_REASON_IO_INSTRUCTION = 30,
	EXIT_REASON_MSR_READ = 31, EXIT_REASON_MSR_WRITE = 32,
	EXIT_REASON_INVALID_GUEST_STATE = 33, EXIT_REASON_MSR_LOAD_FAIL = 34,
	EXIT_REASON_MWAIT = 36, EXIT_REASON_MONITOR_TRAP_FLAG = 37,
	EXIT_REASON_MONITOR = 39, EXIT_REASON_PAUSE = 40, EXIT_REASON_INVEPT = 50,
	EXIT_REASON_RDTSCP = 51, EXIT_REASON_INVVPID = 53, EXIT_REASON_WBINVD = 54,
	EXIT_REASON_XSETBV = 55,
};
#define EXIT_REASON_FAILED_VMENTRY (1u << 31)  /* SDM 25.9.1, table 25-18 */

/* VM-instruction error numbers (SDM 31.4, table 31-1). */
enum vmx_insn_error {
	VMXERR_VMCALL_IN_ROOT = 1, VMXERR_VMCLEAR_INVALID_ADDR = 2, VMXERR_VMCLEAR_VMXON_PTR = 3,
	VMXERR_VMLAUNCH_NONCLEAR = 4, VMXERR_VMRESUME_NONLAUNCHED = 5,
	VMXERR_ENTRY_INVALID_CONTROLS = 7, VMXERR_ENTRY_INVALID_HOST_STATE = 8,
	VMXERR_VMPTRLD_INVALID_ADDR = 9, VMXERR_VMPTRLD_VMXON_PTR = 10,
	VMXERR_VMPTRLD_BAD_REVISION = 11, VMXERR_UNSUPPORTED_FIELD = 12,
	VMXERR_VMWRITE_READ_ONLY = 13, VMXERR_VMXON_IN_ROOT = 15,
	VMXERR_ENTRY_MOV_SS_BLOCKING = 26, VMXERR_INVALID_INVEPT_INVVPID = 28,
};

/* The outcome of a VMX instruction (SDM 31.2): VMsucceed clears CF and ZF,
 * VMfailInvalid sets CF, VMfailValid sets ZF; VMX_FAULT when it raised an
 * exception instead (g_excp has which). */
enum vmx_result { VMX_OK, VMX_FAIL_INVALID, VMX_FAIL_VALID, VMX_FAULT };

/* What the capability MSRs say, read once by vmx_init(). */
struct vmx_caps {
	uint64_t basic, misc, pin, proc, proc2, exit, entry;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, vmcs_enum, ept_vpid;
	uint32_t revision;
};
extern struct vmx_caps g_vmx_caps;

/* L2's general registers (not RSP: that is GUEST_RSP), loaded before each VM
 * entry and saved at each VM exit. */
struct vmx_gprs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
extern struct vmx_gprs g_vmx_l2_regs;

/* One VM exit, read from the exit-information fields (SDM 25.9). */
struct vmx_exit {
	enum vmx_result entry;          /* VMX_OK, or how VMLAUNCH/VMRESUME failed */
	uint32_t insn_error;            /* VM-instruction error after VMX_FAIL_VALID */
	uint32_t reason;                /* the full exit-reason field */
	uint64_t qual, gla, gpa, guest_rip;
	uint32_t intr_info, intr_err, idt_info, idt_err, insn_len, insn_info;
};

/* ----------------------------------------------------------- instructions */

enum vmx_result vmxon(uint64_t pa);
enum vmx_result vmxoff(void);
enum vmx_result vmclear(uint64_t pa);
enum vmx_result vmptrld(uint64_t pa);
enum vmx_result vmptrst(uint64_t *pa);
enum vmx_result vmread(uint64_t field, uint64_t *val);
enum vmx_result vmwrite(uint64_t field, uint64_t val);
enum vmx_result vmcall_root(void);
/* VMLAUNCH/VMRESUME that are expected to fail (nothing is set up to come back). */
enum vmx_result vmlaunch_fail(void);
enum vmx_result vmresume_fail(void);
/* The VM-instruction error field of the current VMCS (0 if VMREAD fails). */
uint32_t vmx_insn_error(void);
const char *vmx_result_name(enum vmx_result r);

/* VMREAD/VMWRITE that report a FAIL (with the field) when the instruction fails. */
uint64_t vmcs_read(uint32_t field);
void vmcs_write(uint32_t field, uint64_t val);
void vmcs_set_bits(uint32_t field, uint64_t bits);
void vmcs_clear_bits(uint32_t field, uint64_t bits);

/* ------------------------------------------------------------ VMX set-up */

/* Check CPUID.1:ECX.VMX, read the capability MSRs, set IA32_FEATURE_CONTROL
 * (when unlocked) and the CR0/CR4 fixed bits including CR4.VMXE (SDM 24.7,
 * 24.8). Returns false, with a SKIP, when VMX cannot be used. Does not VMXON. */
bool vmx_init(void);
/* A 4 KiB page holding the VMXON region with the revision identifier (SDM 25.11.5). */
uint64_t vmx_vmxon_region(void);
/* vmx_init() + VMXON; false (with a FAIL or SKIP) when either does not work. */
bool vmx_enable(void);

/* The capability MSR for a control field (TRUE_ form when IA32_VMX_BASIC
 * bit 55 says so, SDM A.2), and adjusting wanted bits to what it allows: bits
 * that must be 1 are set, bits that must be 0 cleared (SDM 27.2.1.1, A.3). */
uint64_t vmx_ctl_cap(uint32_t field);
uint32_t vmx_ctl_adjust(uint32_t field, uint32_t want);
bool vmx_ctl_can_set(uint32_t field, uint32_t bits);
bool vmx_ctl_can_clear(uint32_t field, uint32_t bits);
/* Set control bits (and, for secondary bits, "activate secondary controls"),
 * false if the capability MSR does not allow them (the caller SKIPs). */
bool vmx_ctl_set(uint32_t field, uint32_t bits);

/* A zeroed 4 KiB page (from the guest library's pool), VA = PA. */
/* The page vmx_vmcs_setup() makes the VMCS region (default: one from the page pool);
 * set before the first vmx_vmcs_setup(). */
void vmx_vmcs_use_page(void *page);
void *vmx_alloc_page(void);

/* EPT entries (SDM 29.3.2, tables 29-1 to 29-6) and the EPTP (25.6.11). */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB (6ull << 3)           /* leaf memory type (29.3.7) */
#define EPT_LARGE (1ull << 7)
#define EPT_A (1ull << 8)
#define EPT_D (1ull << 9)
#define EPTP_WB 6ull
#define EPTP_WALK4 (3ull << 3)
#define EPTP_AD (1ull << 6)

/* An identity EPT for guest-physical 0-4 GiB, RWX and WB, in 2 MiB pages except
 * the 2 MiB region holding `split`, which is mapped by 4 KiB pages whose table is
 * returned in *pt (pt NULL: no split), so single pages can be changed. Built on
 * the first call (one `split` per kernel); each call resets the 4 KiB entries.
 * Returns the PML4's physical address, for an EPTP. */
unsigned long vmx_ept_identity(const void *split, uint64_t **pt);
/* INVEPT and INVVPID (SDM 31.3) with their descriptor; VMX_FAULT when they fault. */
enum vmx_result invept(unsigned long type, uint64_t eptp);
enum vmx_result invvpid(unsigned long type, uint16_t vpid, uint64_t la);

/* Make the library's VMCS clear and current and fill it with the default
 * set-up: host = this kernel (64-bit, current CR0/CR3/CR4, GDT, IDT, TR), guest
 * = 64-bit ring 0 L2 with the same CR0/CR3/CR4, GDT, IDT and TR, flat segments,
 * RFLAGS 0x2, controls at their minimum (SDM 27.2, 27.3 state that passes every
 * check). Returns the VMCS's physical address. */
uint64_t vmx_vmcs_setup(void);
/* Let L2 run fn(arg) on its own stack from the next entry; when fn returns,
 * L2 executes VMCALL with RAX = VMX_CALL_DONE and RDI = fn's result. */
void vmx_l2_start(unsigned long (*fn)(unsigned long), unsigned long arg);
#define VMX_CALL_DONE 0x454e4f44u       /* "DONE" */

/* Enter L2: VMLAUNCH while the VMCS is clear, VMRESUME once launched. Returns
 * at the next VM exit (or VM-entry failure exit) with e filled in, or at once
 * when the instruction fails (e->entry). */
void vmx_enter(struct vmx_exit *e);
/* Guest RIP += VM-exit instruction length (resume after the exiting instruction). */
void vmx_skip_insn(const struct vmx_exit *e);
/* Whether e is L2's final VMCALL (VMX_CALL_DONE); *ret gets fn's result. */
bool vmx_exit_is_done(const struct vmx_exit *e, unsigned long *ret);
/* Enter and expect e to be a plain exit with basic reason `reason`; reports
 * PASS/FAIL under name. */
bool vmx_expect_exit(struct vmx_exit *e, uint32_t reason, const char *name);
/* Enter until L2 finishes; every other exit is a FAIL. Returns fn's result. */
unsigned long vmx_run_to_done(const char *name);

/* L2 side: VMCALL to L1 with RAX = code and RDI = arg; returns the RAX L1 leaves. */
static inline unsigned long vmx_l2_vmcall(unsigned long code, unsigned long arg)
{
	asm volatile("vmcall" : "+a"(code) : "D"(arg) : "memory");
	return code;
}

#endif
