/*
 * nested/nested.c - attaching nested-virtualization state to a vCPU.
 * The vCPU is never in guest mode yet (no VMX/SVM is advertised), so the hook
 * below is never reached; it is here so every intercept point has its target.
 */
#include "nested/nested.h"

#include <stdlib.h>

struct nested_state {
	uint64_t exits;
};

static void nested_intercept(struct vcpu *v, enum intercept_kind kind, uint64_t info,
			     const void *insn)
{
	struct nested_state *ns = v->nested;

	/* Guest mode cannot be entered before VMX/SVM exist; reaching here is a bug. */
	if (!ns)
		abort();
	ns->exits++;
}

int nested_attach(struct vcpu *v)
{
	struct nested_state *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return -12; /* -ENOMEM */
	v->nested = ns;
	v->intercept = nested_intercept;
	return 0;
}

void nested_detach(struct vcpu *v)
{
	free(v->nested);
	v->nested = NULL;
	v->intercept = NULL;
}
