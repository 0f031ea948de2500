/*
 * translate/opcodes.h - everything generated from the one opcode table
 * (translate/opcodes.def): the operation enum, handler prototypes, the per-row
 * facts (struct x86_op_info) and their accessors.
 *
 * Instruction group files include this header and define the strong exec_X they
 * implement; EXEC_PROTOS declares every exec_X so that a name that is not in the
 * table fails to compile. See docs/decoder.md for the table layout.
 */
#ifndef ELZERO_TRANSLATE_OPCODES_H
#define ELZERO_TRANSLATE_OPCODES_H

#include "translate/insn.h"

/* ------------------------------------------------------------ table vocabulary */

/* Opcode maps (SDM vol. 2, appendix A.3) */
enum x86_map { X86_MAP_1B = 0, X86_MAP_0F = 1, X86_MAP_38 = 2, X86_MAP_3A = 3 };

/* Mandatory prefix of a row (SDM vol. 2, A.1). ANY: the prefixes do not select the
 * form (66 is then an operand-size prefix). NP: no 66/F2/F3 may be present. */
enum x86_pfx { X86_PFX_ANY, X86_PFX_NP, X86_PFX_66, X86_PFX_F3, X86_PFX_F2 };

/* ModRM-based form selection of a row: kind in bits 15:8, value in 7:0. */
enum x86_ext_kind {
	X86_EXT_NONE = 0,   /* the opcode alone selects the row */
	X86_EXT_DIGIT,      /* /digit: ModRM.reg == value, any mod */
	X86_EXT_DIGIT_MEM,  /* /digit with mod != 3 */
	X86_EXT_DIGIT_REG,  /* /digit with mod == 3 */
	X86_EXT_MODRM,      /* the whole ModRM byte == value (mod == 3 forms like 0F 01 C1) */
	X86_EXT_MEM,        /* any reg, mod != 3 */
	X86_EXT_REG,        /* any reg, mod == 3 */
};
#define X86_EXT(kind, val) ((uint16_t)(((kind) << 8) | (val)))

/* Operand addressing methods (SDM vol. 2, A.2.1), plus fixed registers. */
enum x86_opa {
	X86_OPA__ = 0,
	X86_OPA_A, X86_OPA_B, X86_OPA_C, X86_OPA_D, X86_OPA_E, X86_OPA_G, X86_OPA_H,
	X86_OPA_I, X86_OPA_J, X86_OPA_L, X86_OPA_M, X86_OPA_N, X86_OPA_O, X86_OPA_P,
	X86_OPA_Q, X86_OPA_R, X86_OPA_S, X86_OPA_U, X86_OPA_V, X86_OPA_W, X86_OPA_X,
	X86_OPA_Y,
	X86_OPA_Z,          /* register in the opcode's low 3 bits (+ REX.B) */
	X86_OPA_AX, X86_OPA_CX, X86_OPA_DX, X86_OPA_BX,  /* fixed GPRs, sized */
	X86_OPA_SP, X86_OPA_BP, X86_OPA_SI, X86_OPA_DI,
	X86_OPA_ES, X86_OPA_CS, X86_OPA_SS, X86_OPA_DS, X86_OPA_FS, X86_OPA_GS,
	X86_OPA_ST0,        /* ST(0) */
	X86_OPA_STi,        /* ST(i), i = ModRM.rm */
	X86_OPA_ONE,        /* the constant 1 (shift by one) */
	X86_OPA_XMM0,       /* implicit XMM0 (BLENDV, PBLENDVB) */
	X86_OPA_COUNT
};

/* Operand size codes (SDM vol. 2, A.2.2) and a few for x87/system memory. */
enum x86_ops {
	X86_OPS__ = 0,
	X86_OPS_0,      /* no meaningful size (LEA's M, prefetch, FXSAVE area) */
	X86_OPS_b, X86_OPS_w, X86_OPS_d, X86_OPS_q, X86_OPS_dq, X86_OPS_qq,
	X86_OPS_t,      /* 10 bytes: m80fp, m80bcd */
	X86_OPS_v,      /* operand size: 2, 4, 8 */
	X86_OPS_z,      /* 2 or 4: operand size, 4 when it is 8 */
	X86_OPS_bs,     /* byte immediate sign-extended to the operand size */
	X86_OPS_y,      /* 4, or 8 with REX.W/VEX.W in 64-bit mode */
	X86_OPS_ym,     /* 4, or 8 in 64-bit mode (MOV CR/DR, VMREAD...) */
	X86_OPS_x,      /* 16, or 32 with VEX.L */
	X86_OPS_p,      /* far pointer: 2 + operand size */
	X86_OPS_s,      /* pseudo-descriptor: 6, or 10 in 64-bit mode */
	X86_OPS_a,      /* BOUND: two operand-size words */
	X86_OPS_e,      /* x87 environment: 14 or 28 bytes */
	X86_OPS_fs,     /* x87 state (FSAVE): 94 or 108 bytes */
	X86_OPS_o,      /* 8, or 16 with REX.W (CMPXCHG8B/16B) */
	X86_OPS_COUNT
};

/* Row flags */
#define X86F_LOCK    (1u << 0)   /* LOCK allowed (with a memory destination) */
#define X86F_REP     (1u << 1)   /* F3 means REP */
#define X86F_REPZ    (1u << 2)   /* F3/F2 mean REPE/REPNE */
#define X86F_I64     (1u << 3)   /* invalid in 64-bit mode */
#define X86F_O64     (1u << 4)   /* valid only in 64-bit mode */
#define X86F_D64     (1u << 5)   /* 64-bit default operand size in 64-bit mode */
#define X86F_F64     (1u << 6)   /* operand size forced to 64 in 64-bit mode */
#define X86F_BRANCH  (1u << 7)   /* block class BRANCH: changes RIP */
#define X86F_END     (1u << 8)   /* block class END: may change mode/CPL/paging/IF */
#define X86F_VEX     (1u << 9)   /* VEX-encoded row */
#define X86F_MODREG  (1u << 10)  /* ModRM.mod is ignored: always a register (MOV CR/DR) */
#define X86F_REXB    (1u << 11)  /* row applies only with REX.B (90: XCHG r8, rAX) */
#define X86F_EVEX    (1u << 12)  /* EVEX-encoded row */
#define X86F_L0      (1u << 13)  /* VEX.L must be 0 */
#define X86F_FALLBACK (1u << 14) /* without the feature, the prefix-less row (TZCNT -> BSF) */

enum x86_block_class { X86_BLOCK_NONE = 0, X86_BLOCK_BRANCH = 1, X86_BLOCK_END = 2 };

/*
 * CPUID features a row needs: name, QEMU's spelling, and where CPUID reports it
 * (leaf, subleaf, register 0-3 = EAX..EDX, bit; SDM vol. 2, CPUID, tables 3-8..3-11,
 * and APM vol. 3, appendix E). The engine raises #UD when the model lacks it
 * (x86_insn_check_cpu). Keep it at most 64 entries: the engine caches a 64-bit mask.
 */
#define X86_FEATURES(F) \
	F(BASE, "", 0xffffffff, 0, 0, 0) \
	F(X87, "fpu", 1, 0, 3, 0) F(CX8, "cx8", 1, 0, 3, 8) F(SEP, "sep", 1, 0, 3, 11) \
	F(CMOV, "cmov", 1, 0, 3, 15) F(CLFLUSH, "clflush", 1, 0, 3, 19) \
	F(MMX, "mmx", 1, 0, 3, 23) F(FXSR, "fxsr", 1, 0, 3, 24) F(SSE, "sse", 1, 0, 3, 25) \
	F(SSE_PREF, "sse", 1, 0, 3, 25) F(SSE2, "sse2", 1, 0, 3, 26) \
	F(SSE3, "pni", 1, 0, 2, 0) F(PCLMUL, "pclmulqdq", 1, 0, 2, 1) \
	F(MONITOR, "monitor", 1, 0, 2, 3) F(VMX, "vmx", 1, 0, 2, 5) F(SMX, "smx", 1, 0, 2, 6) \
	F(SSSE3, "ssse3", 1, 0, 2, 9) F(CX16, "cx16", 1, 0, 2, 13) \
	F(SSE41, "sse4.1", 1, 0, 2, 19) F(SSE42, "sse4.2", 1, 0, 2, 20) \
	F(MOVBE, "movbe", 1, 0, 2, 22) F(POPCNT, "popcnt", 1, 0, 2, 23) \
	F(AES, "aes", 1, 0, 2, 25) F(XSAVE, "xsave", 1, 0, 2, 26) F(AVX, "avx", 1, 0, 2, 28) \
	F(RDRAND, "rdrand", 1, 0, 2, 30) \
	F(FSGSBASE, "fsgsbase", 7, 0, 1, 0) F(SGX, "sgx", 7, 0, 1, 2) \
	F(BMI1, "bmi1", 7, 0, 1, 3) F(AVX2, "avx2", 7, 0, 1, 5) F(BMI2, "bmi2", 7, 0, 1, 8) \
	F(INVPCID, "invpcid", 7, 0, 1, 10) F(RTM, "rtm", 7, 0, 1, 11) \
	F(AVX512, "avx512f", 7, 0, 1, 16) F(RDSEED, "rdseed", 7, 0, 1, 18) \
	F(ADX, "adx", 7, 0, 1, 19) F(SMAP, "smap", 7, 0, 1, 20) \
	F(CLFLUSHOPT, "clflushopt", 7, 0, 1, 23) F(CLWB, "clwb", 7, 0, 1, 24) \
	F(SHA, "sha-ni", 7, 0, 1, 29) F(PKU, "pku", 7, 0, 2, 3) F(RDPID, "rdpid", 7, 0, 2, 22) \
	F(XSAVEOPT, "xsaveopt", 0xd, 1, 0, 0) F(XSAVEC, "xsavec", 0xd, 1, 0, 1) \
	F(XSAVES, "xsaves", 0xd, 1, 0, 3) \
	F(SVM, "svm", 0x80000001, 0, 2, 2) F(LZCNT, "abm", 0x80000001, 0, 2, 5) \
	F(SSE4A, "sse4a", 0x80000001, 0, 2, 6) F(PREFETCHW, "3dnowprefetch", 0x80000001, 0, 2, 8) \
	F(MWAITX, "mwaitx", 0x80000001, 0, 2, 29) F(SYSCALL, "syscall", 0x80000001, 0, 3, 11) \
	F(RDTSCP, "rdtscp", 0x80000001, 0, 3, 27) F(LM, "lm", 0x80000001, 0, 3, 29) \
	F(CLZERO, "clzero", 0x80000008, 0, 1, 0)

enum x86_feature {
#define X86_FEAT_ENUM(n, s, leaf, sub, reg, bit) X86_FEAT_##n,
	X86_FEATURES(X86_FEAT_ENUM)
#undef X86_FEAT_ENUM
	X86_FEAT_COUNT
};
_Static_assert(X86_FEAT_COUNT <= 64, "the engine keeps the model's features in a uint64_t");

/* QEMU's spelling of a feature ("sse4.1"), "" for BASE. */
const char *x86_feature_name(enum x86_feature f);

/* VMX basic exit reasons (SDM vol. 3, appendix C). */
#define X86_VMX_NONE      0xffff
#define X86_VMX_CPUID     10
#define X86_VMX_GETSEC    11
#define X86_VMX_HLT       12
#define X86_VMX_INVD      13
#define X86_VMX_INVLPG    14
#define X86_VMX_RDPMC     15
#define X86_VMX_RDTSC     16
#define X86_VMX_RSM       17
#define X86_VMX_VMCALL    18
#define X86_VMX_VMCLEAR   19
#define X86_VMX_VMLAUNCH  20
#define X86_VMX_VMPTRLD   21
#define X86_VMX_VMPTRST   22
#define X86_VMX_VMREAD    23
#define X86_VMX_VMRESUME  24
#define X86_VMX_VMWRITE   25
#define X86_VMX_VMXOFF    26
#define X86_VMX_VMXON     27
#define X86_VMX_CR        28      /* control-register accesses (MOV CR, CLTS, LMSW) */
#define X86_VMX_DR        29
#define X86_VMX_IO        30
#define X86_VMX_RDMSR     31
#define X86_VMX_WRMSR     32
#define X86_VMX_MWAIT     36
#define X86_VMX_MONITOR   39
#define X86_VMX_PAUSE     40
#define X86_VMX_GDTR_IDTR 46
#define X86_VMX_LDTR_TR   47
#define X86_VMX_INVEPT    50
#define X86_VMX_RDTSCP    51
#define X86_VMX_INVVPID   53
#define X86_VMX_WBINVD    54
#define X86_VMX_XSETBV    55
#define X86_VMX_RDRAND    57
#define X86_VMX_INVPCID   58
#define X86_VMX_VMFUNC    59
#define X86_VMX_RDSEED    61
#define X86_VMX_XSAVES    63
#define X86_VMX_XRSTORS   64

/* SVM intercept exit codes (APM vol. 2, appendix C). CR/DR codes are bases: add the
 * register number. */
#define X86_SVM_NONE       0xffff
#define X86_SVM_CR_READ    0x00
#define X86_SVM_CR_WRITE   0x10
#define X86_SVM_DR_READ    0x20
#define X86_SVM_DR_WRITE   0x30
#define X86_SVM_IDTR_READ  0x66
#define X86_SVM_GDTR_READ  0x67
#define X86_SVM_LDTR_READ  0x68
#define X86_SVM_TR_READ    0x69
#define X86_SVM_IDTR_WRITE 0x6a
#define X86_SVM_GDTR_WRITE 0x6b
#define X86_SVM_LDTR_WRITE 0x6c
#define X86_SVM_TR_WRITE   0x6d
#define X86_SVM_RDTSC      0x6e
#define X86_SVM_RDPMC      0x6f
#define X86_SVM_PUSHF      0x70
#define X86_SVM_POPF       0x71
#define X86_SVM_CPUID      0x72
#define X86_SVM_RSM        0x73
#define X86_SVM_IRET       0x74
#define X86_SVM_SWINT      0x75
#define X86_SVM_INVD       0x76
#define X86_SVM_PAUSE      0x77
#define X86_SVM_HLT        0x78
#define X86_SVM_INVLPG     0x79
#define X86_SVM_INVLPGA    0x7a
#define X86_SVM_IOIO       0x7b
#define X86_SVM_MSR        0x7c
#define X86_SVM_VMRUN      0x80
#define X86_SVM_VMMCALL    0x81
#define X86_SVM_VMLOAD     0x82
#define X86_SVM_VMSAVE     0x83
#define X86_SVM_STGI       0x84
#define X86_SVM_CLGI       0x85
#define X86_SVM_SKINIT     0x86
#define X86_SVM_RDTSCP     0x87
#define X86_SVM_ICEBP      0x88
#define X86_SVM_WBINVD     0x89
#define X86_SVM_MONITOR    0x8a
#define X86_SVM_MWAIT      0x8b
#define X86_SVM_XSETBV     0x8d
#define X86_SVM_INVPCID    0xa2

/* Flag sets of opcodes_flags.def (RFLAGS bit positions). */
#define X86_FL_0     0u
#define X86_FL_C     RFLAGS_CF
#define X86_FL_P     RFLAGS_PF
#define X86_FL_A     RFLAGS_AF
#define X86_FL_Z     RFLAGS_ZF
#define X86_FL_O     RFLAGS_OF
#define X86_FL_AC    (RFLAGS_AF | RFLAGS_CF)
#define X86_FL_CZ    (RFLAGS_CF | RFLAGS_ZF)
#define X86_FL_SZP   (RFLAGS_SF | RFLAGS_ZF | RFLAGS_PF)
#define X86_FL_ZPC   (RFLAGS_ZF | RFLAGS_PF | RFLAGS_CF)
#define X86_FL_OZC   (RFLAGS_OF | RFLAGS_ZF | RFLAGS_CF)
#define X86_FL_OSZC  (RFLAGS_OF | RFLAGS_SF | RFLAGS_ZF | RFLAGS_CF)
#define X86_FL_OSZAP (RFLAGS_OF | RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF)
#define X86_FL_SZAPC (RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF)
#define X86_FL_ALL   RFLAGS_ARITH
#define X86_FL_CC    (1u << 31)  /* the condition in the opcode's low nibble */

/* ------------------------------------------------------------ generated */

/* The operations: one per distinct handler name (X86_NAME rows of the table). */
enum x86_op {
#define X86_NAME(n) X86_OP_##n,
#define X86_OP(map, lo, hi, pfx, ext, n, a, as, b, bs, c, cs, d, ds, feat, fl, vmx, svm)
#include "translate/opcodes.def"
#undef X86_NAME
#undef X86_OP
	X86_OP_COUNT
};

/* Prototypes of every handler. */
#define X86_NAME(n) void exec_##n(struct vcpu *v, const struct x86_insn *i);
#define X86_OP(map, lo, hi, pfx, ext, n, a, as, b, bs, c, cs, d, ds, feat, fl, vmx, svm)
#include "translate/opcodes.def"
#undef X86_NAME
#undef X86_OP
void exec_unimpl(struct vcpu *v, const struct x86_insn *i);
/* For group files: EXEC_PROTOS is a no-op kept for readability; the prototypes above
 * are always declared once this header is included. */
#define EXEC_PROTOS

/* Per-row facts. */
struct x86_op_info {
	const char *name;       /* the operation name, e.g. "ADD" */
	uint16_t op;            /* enum x86_op */
	uint8_t map;            /* enum x86_map */
	uint8_t lo, hi;         /* opcode range of the row */
	uint8_t pfx;            /* enum x86_pfx */
	uint16_t ext;           /* X86_EXT(kind, value) */
	uint8_t opa[X86_MAX_OPERANDS];  /* enum x86_opa */
	uint8_t ops[X86_MAX_OPERANDS];  /* enum x86_ops */
	uint8_t feature;        /* enum x86_feature */
	uint32_t flags;         /* X86F_* */
	uint16_t vmx_exit;      /* X86_VMX_* basic exit reason, X86_VMX_NONE if none */
	uint16_t svm_exit;      /* X86_SVM_* exit code, X86_SVM_NONE if none */
};

extern const struct x86_op_info x86_rows[];
extern const unsigned x86_row_count;
extern const exec_fn x86_handlers[X86_OP_COUNT];
extern const char *const x86_op_names[X86_OP_COUNT];

/* Whether v's CPU model reports feature f in CPUID (cpu_cpuid; not cheap: call it
 * at translation time). */
bool x86_cpu_has(const struct vcpu *v, enum x86_feature f);

/* Apply the CPU model to a decoded instruction: 0, or -EXC_UD when the row's feature
 * is missing. X86F_FALLBACK rows (F3 0F BC/BD) turn into their prefix-less row
 * (BSF/BSR) instead, as on CPUs without BMI1/LZCNT (SDM vol. 2, TZCNT, LZCNT). */
int x86_insn_check_cpu(const struct vcpu *v, struct x86_insn *i);
/* The same with the model's features already in a mask (bit f = X86_FEAT_f present). */
int x86_insn_check_features(uint64_t have, struct x86_insn *i);

/* Arithmetic flags (RFLAGS_CF..RFLAGS_OF) instruction i may read and always writes,
 * from translate/opcodes_flags.def; operations not listed there read all, kill none. */
void x86_insn_flags(const struct x86_insn *i, uint32_t *read, uint32_t *kill);

static inline const struct x86_op_info *x86_insn_info(const struct x86_insn *i)
{
	return &x86_rows[i->row];
}

static inline exec_fn x86_insn_handler(const struct x86_insn *i)
{
	return x86_handlers[i->op];
}

static inline const char *x86_op_name(unsigned op)
{
	return op < X86_OP_COUNT ? x86_op_names[op] : "?";
}

static inline enum x86_block_class x86_info_block(const struct x86_op_info *r)
{
	return (r->flags & X86F_END) ? X86_BLOCK_END :
	       (r->flags & X86F_BRANCH) ? X86_BLOCK_BRANCH : X86_BLOCK_NONE;
}

static inline bool x86_info_lock_ok(const struct x86_op_info *r)
{
	return r->flags & X86F_LOCK;
}

#endif /* ELZERO_TRANSLATE_OPCODES_H */
