/*
 * tests/unit/translate/test_sse_faults.h - part of test_sse.c: the fault and state
 * rules that cannot be compared with a native run (the host would kill the test).
 */

/* Put a state (the same as the differential test uses), then run insn + HLT. */
static struct cpu_state *fault_setup(void)
{
	struct sse_state st;

	rnd_state(&st, false);
	st.mxcsr = 0x1f80;
	emu_put_state(&st);
	return &g_fix->v.s;
}

static int fault_run(const char *hex)
{
	uint8_t code[16];
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2)
		code[n++] = (uint8_t)strtoul((char[3]){ hex[0], hex[1], 0 }, NULL, 16);
	return emu_step(code, n);
}

START_TEST(test_gates)
{
	struct cpu_state *s = fault_setup();

	s->cr0 |= CR0_TS;
	ck_assert_int_eq(fault_run("0f58ca"), EXC_NM);          /* addps */
	ck_assert_int_eq(fault_run("0ffcca"), EXC_NM);          /* paddb mm */
	s = fault_setup();
	s->cr0 |= CR0_EM;
	ck_assert_int_eq(fault_run("0f58ca"), EXC_UD);
	ck_assert_int_eq(fault_run("0ffcca"), EXC_UD);
	s = fault_setup();
	s->cr4 &= ~CR4_OSFXSR;
	ck_assert_int_eq(fault_run("0f58ca"), EXC_UD);
	ck_assert_int_eq(fault_run("0ffcca"), -1);              /* MMX does not need OSFXSR */
	s = fault_setup();
	s->cr0 |= CR0_NE;
	s->fsw = FSW_ES | FSW_ZE;                               /* a pending x87 exception */
	ck_assert_int_eq(fault_run("0ffcca"), EXC_MF);
	ck_assert_int_eq(fault_run("0f58ca"), -1);              /* SSE ignores it */
}
END_TEST

START_TEST(test_alignment)
{
	struct cpu_state *s = fault_setup();

	s->gpr[6] = SSE_DATA + 4;
	ck_assert_int_eq(fault_run("0f280e"), EXC_GP);          /* movaps xmm1, [rsi] */
	ck_assert_uint_eq(g_fix->v.pending_error, 0);
	ck_assert_int_eq(fault_run("0f290e"), EXC_GP);          /* movaps [rsi], xmm1 */
	ck_assert_int_eq(fault_run("0f580e"), EXC_GP);          /* addps */
	ck_assert_int_eq(fault_run("660ffc0e"), EXC_GP);        /* paddb xmm */
	ck_assert_int_eq(fault_run("0f100e"), -1);              /* movups */
	ck_assert_int_eq(fault_run("f30f580e"), -1);            /* addss: 4 bytes */
	ck_assert_int_eq(fault_run("0ffc0e"), -1);              /* paddb mm: 8 bytes */
	ck_assert_int_eq(fault_run("660f3a610e00"), -1);        /* pcmpestri: unaligned ok */
	ck_assert_int_eq(fault_run("f20ff00e"), -1);            /* lddqu */
}
END_TEST

START_TEST(test_mxcsr_load_store)
{
	struct cpu_state *s = fault_setup();
	uint64_t val = 0x0000ffc0;                              /* every writable bit but flags */

	cpufix_put64(SSE_DATA, val);
	ck_assert_int_eq(fault_run("0fae16"), -1);              /* ldmxcsr [rsi] */
	ck_assert_uint_eq(s->mxcsr, 0xffc0);
	val = 0x00011f80;                                       /* bit 16: reserved */
	cpufix_put64(SSE_DATA, val);
	ck_assert_int_eq(fault_run("0fae16"), EXC_GP);
	ck_assert_uint_eq(s->mxcsr, 0xffc0);
	s->mxcsr = 0x1f85;
	ck_assert_int_eq(fault_run("0fae1e"), -1);              /* stmxcsr [rsi] */
	ck_assert_uint_eq(cpufix_get64(SSE_DATA) & 0xffffffff, 0x1f85);
}
END_TEST

START_TEST(test_unmasked_without_osxmmexcpt)
{
	struct cpu_state *s = fault_setup();
	uint8_t before[16];

	s->cr4 &= ~CR4_OSXMMEXCPT;
	s->mxcsr = 0x1f80 & ~(MXCSR_ZE << MXCSR_MASK_SHIFT);
	s->vr[1].f[0] = 1.0f;
	s->vr[2].f[0] = 0.0f;
	memcpy(before, s->vr[1].b, 16);
	ck_assert_int_eq(fault_run("f30f5eca"), EXC_UD);        /* divss: #UD, not #XM */
	ck_assert_uint_eq(s->mxcsr & MXCSR_FLAGS, MXCSR_ZE);
	ck_assert(!memcmp(before, s->vr[1].b, 16));
	s->cr4 |= CR4_OSXMMEXCPT;
	ck_assert_int_eq(fault_run("f30f5eca"), EXC_XM);
	/* masked: the default result, no fault */
	s->mxcsr = 0x1f80;
	ck_assert_int_eq(fault_run("f30f5eca"), -1);
	ck_assert_uint_eq(s->vr[1].d[0], 0x7f800000);
}
END_TEST

START_TEST(test_mmx_aliasing)
{
	struct cpu_state *s = fault_setup();

	s->fsw = 5u << FSW_TOP_SHIFT;
	s->ftw = 0xffff;
	s->st[2].mant = 0x1122334455667788ull;
	ck_assert_int_eq(fault_run("0f6fca"), -1);              /* movq mm1, mm2 */
	ck_assert_uint_eq(fpu_top(s), 0);
	ck_assert_uint_eq(s->ftw, 0);
	ck_assert_uint_eq(s->st[1].mant, 0x1122334455667788ull);
	ck_assert_uint_eq(s->st[1].sexp, 0xffff);
	ck_assert_int_eq(fault_run("0f77"), -1);                /* emms */
	ck_assert_uint_eq(s->ftw, 0xffff);
}
END_TEST

START_TEST(test_upper_ymm_kept)
{
	struct cpu_state *s = fault_setup();

	s->vr[1].q[2] = 0xdeadbeefcafef00dull;
	s->vr[1].q[3] = 0x0123456789abcdefull;
	ck_assert_int_eq(fault_run("0f58ca"), -1);              /* addps xmm1, xmm2 */
	ck_assert_int_eq(fault_run("f30f100e"), -1);            /* movss xmm1, [rsi] */
	ck_assert_uint_eq(s->vr[1].q[2], 0xdeadbeefcafef00dull);
	ck_assert_uint_eq(s->vr[1].q[3], 0x0123456789abcdefull);
}
END_TEST

/* AMD SSE4A (APM vol. 4): not on an Intel host, so known answers. */
START_TEST(test_sse4a)
{
	struct cpu_state *s = fault_setup();

	s->vr[1].q[0] = 0x0123456789abcdefull;
	s->vr[1].q[1] = 0x5555555555555555ull;
	ck_assert_int_eq(fault_run("660f78c10804"), -1);        /* extrq xmm1, 8, 4 */
	ck_assert_uint_eq(s->vr[1].q[0], 0xde);
	s->vr[1].q[0] = 0x0123456789abcdefull;
	s->vr[2].q[0] = 0x0810;                                 /* index 8, length 16 */
	ck_assert_int_eq(fault_run("660f79ca"), -1);            /* extrq xmm1, xmm2 */
	ck_assert_uint_eq(s->vr[1].q[0], 0xabcd);
	s->vr[1].q[0] = 0x0123456789abcdefull;
	ck_assert_int_eq(fault_run("660f78c10000"), -1);        /* length 0 means 64 */
	ck_assert_uint_eq(s->vr[1].q[0], 0x0123456789abcdefull);
	s->vr[2].q[0] = 0xffffffffffff1234ull;
	ck_assert_int_eq(fault_run("f20f78ca1008"), -1);        /* insertq xmm1, xmm2, 16, 8 */
	ck_assert_uint_eq(s->vr[1].q[0], 0x01234567891234efull);
	s->vr[2].q[1] = 0x3804;                                 /* index 56, length 4 */
	ck_assert_int_eq(fault_run("f20f79ca"), -1);            /* insertq xmm1, xmm2 */
	ck_assert_uint_eq(s->vr[1].q[0], 0x04234567891234efull);
	ck_assert_uint_eq(s->vr[1].q[1], 0x5555555555555555ull);
	ck_assert_int_eq(fault_run("f20f2b0e"), -1);            /* movntsd [rsi], xmm1 */
	ck_assert_uint_eq(cpufix_get64(SSE_DATA), 0x04234567891234efull);
	ck_assert_int_eq(fault_run("f30f2b4e08"), -1);          /* movntss [rsi+8], xmm1 */
	ck_assert_uint_eq(cpufix_get64(SSE_DATA + 8) & 0xffffffff, 0x891234ef);
}
END_TEST

/* Regression: MASKMOVDQU checks its high 8 bytes first, whatever the mask, and
 * writes nothing when it faults; MASKMOVQ has made the MMX transition (as the host). */
START_TEST(test_maskmov_fault_order)
{
	struct cpu_state *s = fault_setup();
	uint64_t ro = 6ull << 20;                               /* the 2 MiB page at 6 MiB */

	cpufix_put64(SSE_PML4 + 0x2000 + 8 * 3, ro | 0x81);    /* P PS, read-only */
	cpu_tlb_flush(&g_fix->v);
	s->cr0 |= CR0_WP;
	memset(s->vr[2].b, 0x80, 16);                           /* every byte selected */
	memset(g_fix->ram + ro - 8, 0, 8);
	s->gpr[7] = ro - 3;                                     /* low half straddles */
	ck_assert_int_eq(fault_run("660ff7ca"), EXC_PF);        /* maskmovdqu xmm1, xmm2 */
	ck_assert_uint_eq(s->cr2, ro + 5);                      /* the high half's start */
	ck_assert_uint_eq(cpufix_get64(ro - 8), 0);             /* nothing written */
	memset(s->vr[2].b, 0, 16);                              /* no byte selected: still */
	ck_assert_int_eq(fault_run("660ff7ca"), EXC_PF);
	s->ftw = 0xffff;
	s->gpr[7] = ro - 6;
	ck_assert_int_eq(fault_run("0ff7ca"), EXC_PF);          /* maskmovq mm1, mm2 */
	ck_assert_uint_eq(s->cr2, ro);
	ck_assert_uint_eq(s->ftw, 0);
}
END_TEST

static void sse_add_fault_tests(TCase *tc)
{
	tcase_add_test(tc, test_maskmov_fault_order);
	tcase_add_test(tc, test_sse4a);
	tcase_add_test(tc, test_gates);
	tcase_add_test(tc, test_alignment);
	tcase_add_test(tc, test_mxcsr_load_store);
	tcase_add_test(tc, test_unmasked_without_osxmmexcpt);
	tcase_add_test(tc, test_mmx_aliasing);
	tcase_add_test(tc, test_upper_ymm_kept);
}
