/*
 * translate/decode_internal.h - shared between translate/decode*.c only.
 */
#ifndef ELZERO_TRANSLATE_DECODE_INTERNAL_H
#define ELZERO_TRANSLATE_DECODE_INTERNAL_H

#include "translate/opcodes.h"

enum { ENC_LEGACY, ENC_VEX, ENC_EVEX, ENC_COUNT };
enum { MODREQ_ANY, MODREQ_MEM, MODREQ_REG };
#define DECODE_MAX_ROWS 2048

/* Facts derived once from a row's operand forms. */
struct decode_row {
	uint8_t has_modrm;
	uint8_t modreq;         /* MODREQ_*: what mod the operand forms need */
	uint8_t nopnd;
	uint8_t byte_form;      /* a byte GPR/memory operand and no v/z/y one: opsize 1 */
	uint8_t uses_vvvv;      /* a B or H operand */
};

struct decode_index {
	uint16_t start[ENC_COUNT][4][256];
	uint8_t count[ENC_COUNT][4][256];
	uint8_t has_modrm[ENC_COUNT][4][256];
	const uint16_t *rows;
	struct decode_row row[DECODE_MAX_ROWS];
};

extern struct decode_index g_decode_index;

void decode_index_init(void);
int decode_find_row(const struct x86_insn *i, unsigned enc, unsigned mp);

#endif
