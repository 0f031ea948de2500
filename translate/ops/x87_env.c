/*
 * translate/ops/x87_env.c - the x87 environment image of FLDENV/FNSTENV and
 * FRSTOR/FNSAVE, in its four layouts (SDM vol. 1, 8.1.10, figures 8-9 to 8-12:
 * 16/32-bit operand size x real-address/protected mode). Edition: docs/spec-versions.md.
 */
#include "translate/ops/x87.h"


static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static uint32_t get16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

unsigned x87_env_size(const struct x86_insn *i)
{
	return i->opsize == 2 ? 14 : 28;
}

static bool env_real_format(const struct vcpu *v)
{
	return cpu_real_mode(&v->s) || cpu_v86_mode(&v->s);
}

/*
 * In the real-address formats the instruction and operand pointers are linear (20 or
 * 32 bits). elzero keeps FIP/FCS as offset and selector, so the linear form is
 * (FCS << 4) + FIP; after a real-format FLDENV, FCS is 0 and FIP already linear.
 */
void x87_env_store(struct vcpu *v, const struct x86_insn *i, uint8_t *env)
{
	const struct cpu_state *s = &v->s;
	bool real = env_real_format(v);
	uint32_t ip = real ? (uint32_t)((s->fcs << 4) + s->fip) : (uint32_t)s->fip;
	uint32_t dp = real ? (uint32_t)((s->fds << 4) + s->fdp) : (uint32_t)s->fdp;
	uint16_t tw = fpu_tag_word(s);

	if (i->opsize == 2) {
		put16(env + 0, s->fcw);
		put16(env + 2, s->fsw);
		put16(env + 4, tw);
		put16(env + 6, ip);
		put16(env + 8, real ? ((ip >> 16) & 0xf) << 12 | (s->fop & 0x7ff) : s->fcs);
		put16(env + 10, dp);
		put16(env + 12, real ? ((dp >> 16) & 0xf) << 12 : s->fds);
		return;
	}
	/* The unused upper halves read as ones, as the hardware writes them. */
	put32(env + 0, 0xffff0000u | s->fcw);
	put32(env + 4, 0xffff0000u | s->fsw);
	put32(env + 8, 0xffff0000u | tw);
	if (real) {
		put32(env + 12, 0xffff0000u | (ip & 0xffff));
		put32(env + 16, ((ip >> 16) & 0xffff) << 12 | (s->fop & 0x7ff));
		put32(env + 20, 0xffff0000u | (dp & 0xffff));
		put32(env + 24, ((dp >> 16) & 0xffff) << 12);
	} else {
		put32(env + 12, ip);
		put32(env + 16, s->fcs | (uint32_t)(s->fop & 0x7ff) << 16);
		put32(env + 20, dp);
		put32(env + 24, 0xffff0000u | s->fds);
	}
}

/* SDM vol. 2, FLDENV: only empty versus not empty is taken from the tag word. */
static void env_load_tags(struct cpu_state *s, uint16_t tw)
{
	uint8_t ab = 0;

	for (unsigned r = 0; r < 8; r++)
		if (((tw >> (2 * r)) & 3) != FPU_TAG_EMPTY)
			ab |= 1u << r;
	fpu_set_tags_from_abridged(s, ab);
}

void x87_env_load(struct vcpu *v, const struct x86_insn *i, const uint8_t *env)
{
	struct cpu_state *s = &v->s;
	bool real = env_real_format(v);
	uint16_t tw;

	if (i->opsize == 2) {
		s->fcw = x87_fcw_value((uint16_t)get16(env + 0));
		s->fsw = (uint16_t)get16(env + 2);
		tw = (uint16_t)get16(env + 4);
		if (real) {
			s->fip = get16(env + 6) | (get16(env + 8) >> 12) << 16;
			s->fop = get16(env + 8) & 0x7ff;
			s->fdp = get16(env + 10) | (get16(env + 12) >> 12) << 16;
			s->fcs = s->fds = 0;
		} else {
			s->fip = get16(env + 6);
			s->fcs = (uint16_t)get16(env + 8);
			s->fdp = get16(env + 10);
			s->fds = (uint16_t)get16(env + 12);
		}
	} else {
		s->fcw = x87_fcw_value((uint16_t)get32(env + 0));
		s->fsw = (uint16_t)get32(env + 4);
		tw = (uint16_t)get32(env + 8);
		if (real) {
			s->fip = (get32(env + 12) & 0xffff) | ((get32(env + 16) >> 12) & 0xffff) << 16;
			s->fop = get32(env + 16) & 0x7ff;
			s->fdp = (get32(env + 20) & 0xffff) | ((get32(env + 24) >> 12) & 0xffff) << 16;
			s->fcs = s->fds = 0;
		} else {
			s->fip = get32(env + 12);
			s->fcs = (uint16_t)get32(env + 16);
			s->fop = (get32(env + 16) >> 16) & 0x7ff;
			s->fdp = get32(env + 20);
			s->fds = (uint16_t)get32(env + 24);
		}
	}
	env_load_tags(s, tw);
	fpu_update_es(s);
}
