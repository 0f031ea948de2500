/*
 * cpu/raise.c - leaving an instruction: raising an exception or unwinding to the
 * run loop. Delivery of the recorded event is cpu_deliver_pending (cpu/excp.c).
 */
#include "cpu/cpu.h"

#include <stdlib.h>

/* longjmp values: 1 = loop exit, 2 = exception (cpu/excp.c tells them apart). */
void cpu_loop_exit(struct vcpu *v)
{
	if (!v->exit_jmp)
		abort();        /* a helper ran outside the run loop: a broken invariant */
	v->pending_vector = -1;
	longjmp(*v->exit_jmp, 1);
}

void cpu_raise(struct vcpu *v, int vector, uint32_t err)
{
	if (!v->exit_jmp)
		abort();
	v->pending_vector = vector;
	v->pending_error = err;
	v->pending_is_sw = false;
	v->pending_type = EVT_HWEXC;
	longjmp(*v->exit_jmp, 2);
}

/* SDM vol. 3, 4.7: CR2 receives the linear address; the error code describes the access. */
void cpu_raise_pf(struct vcpu *v, uint64_t lin, uint32_t pfec)
{
	v->pf_old_cr2 = v->s.cr2;
	v->s.cr2 = lin;
	cpu_raise(v, EXC_PF, pfec);
}
