/*
 * translate/ops/misc.c - NOP (all forms), PAUSE, UD0/UD1/UD2, CRC32, RDRAND, RDSEED,
 * SALC.
 *
 * Intel SDM vol. 2 (edition in docs/spec-versions.md), the instruction pages of the
 * same names.
 */
#include "translate/ops/int_ops.h"
#include "translate/translate.h"

#include <sys/random.h>

/* NOP, NOP r/m (0F 1F), the hint-NOP space 0F 18..1F where the table routes it. The
 * r/m operand is not accessed (SDM vol. 2, NOP). */
void exec_NOP(struct vcpu *v, const struct x86_insn *i)
{
}

/* PAUSE is a hint; VMX "PAUSE exiting" and SVM's PAUSE intercept see it first. With
 * several vCPUs on one thread it gives up the rest of the slice: a spinning vCPU waits
 * for another one, which can only progress when it runs. */
void exec_PAUSE(struct vcpu *v, const struct x86_insn *i)
{
	cpu_intercept(v, ICPT_PAUSE, 0, i);
	if (v->pause_yields) {
		v->exit_request = 1;
		translate_exit_after_insn(v);
	}
}

/* UD0, UD1, UD2: always #UD (SDM vol. 2, UD). */
void exec_UD0(struct vcpu *v, const struct x86_insn *i) { cpu_raise(v, EXC_UD, EXC_NO_ERROR); }
void exec_UD1(struct vcpu *v, const struct x86_insn *i) { cpu_raise(v, EXC_UD, EXC_NO_ERROR); }
void exec_UD2(struct vcpu *v, const struct x86_insn *i) { cpu_raise(v, EXC_UD, EXC_NO_ERROR); }

/* CRC32: CRC-32C (polynomial 11EDC6F41H, bit-reflected) of the source's bytes, least
 * significant first, accumulated into the 32-bit destination; a 64-bit destination is
 * zero-extended (SDM vol. 2, CRC32). */
void exec_CRC32(struct vcpu *v, const struct x86_insn *i)
{
	uint32_t crc = (uint32_t)int_read(v, i, 0);
	uint64_t src = int_read(v, i, 1);

	for (unsigned n = 0; n < i->opnd[1].size; n++) {
		crc ^= (uint8_t)(src >> (8 * n));
		for (unsigned b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	opnd_write(v, i, 0, crc);
}

/*
 * The one source of RDRAND/RDSEED values. Randomness is an input from outside the
 * machine (../shared/DESIGN.md, "Time and determinism"): replay/ will record and
 * replay it here. Returns false if the host had no entropy to give (the guest then
 * sees CF = 0 and must retry, as on hardware).
 */
static bool misc_entropy(struct vcpu *v, bool seed, uint64_t *out)
{
	(void)v;
	(void)seed;
	return getrandom(out, sizeof(*out), GRND_NONBLOCK) == (ssize_t)sizeof(*out);
}

/* RDRAND/RDSEED r: CF = 1 with a value, or CF = 0 and 0; OF, SF, ZF, AF, PF = 0
 * (SDM vol. 2, RDRAND). VMX "RDRAND/RDSEED exiting" and SVM intercepts come first. */
static void misc_rand(struct vcpu *v, const struct x86_insn *i, bool seed)
{
	uint64_t val = 0;
	bool ok;

	cpu_intercept(v, seed ? ICPT_RDSEED : ICPT_RDRAND, 0, i);
	ok = misc_entropy(v, seed, &val);
	opnd_write(v, i, 0, ok ? val & size_mask(i->opnd[0].size) : 0);
	cc_set_arith(&v->s, ok ? RFLAGS_CF : 0);
}

void exec_RDRAND(struct vcpu *v, const struct x86_insn *i) { misc_rand(v, i, false); }
void exec_RDSEED(struct vcpu *v, const struct x86_insn *i) { misc_rand(v, i, true); }

/* SALC (D6, undocumented by Intel, documented by AMD): AL = CF ? FFH : 0; no flags. */
void exec_SALC(struct vcpu *v, const struct x86_insn *i)
{
	int_set_reg(v, R_AX, 1, int_cf(v) ? 0xff : 0);
}
