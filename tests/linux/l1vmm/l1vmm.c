/*
 * l1vmm: a tiny VMM on the Linux KVM API, run inside an L1 Linux guest of
 * elzero (CTest linux/l1vmm) to drive L2 guests through elzero's software VMX.
 * One L2 guest per mode (real, 32-bit protected, 64-bit long), each doing an
 * OUT (KVM_EXIT_IO), a write to an unbacked address (KVM_EXIT_MMIO) and HLT
 * (KVM_EXIT_HLT). Prints one PASS/FAIL line per check, exits 0 only if all pass.
 *
 *   l1vmm [real] [prot] [long]     (no argument: all three modes)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE 0x10000u  /* guest RAM: 0..64 KiB */
#define CODE_ADDR 0x1000u
#define GDT_ADDR 0x500u
#define PML4_ADDR 0x2000u
#define MMIO_ADDR 0x20000u /* unbacked: every access exits to the VMM */

struct l1vmm_mode {
	const char *name;
	const uint8_t *code;
	size_t code_len;
	void (*setup)(int vcpu, uint8_t *mem);
	uint16_t port;
	uint8_t out_value;
	uint32_t mmio_len;
	uint64_t mmio_value;
};

static int l1vmm_failures;

static void l1vmm_report(const char *mode, const char *what, int ok, const char *detail)
{
	printf("%s l1vmm-%s-%s%s%s\n", ok ? "PASS" : "FAIL", mode, what,
	       detail[0] ? ": " : "", detail);
	fflush(stdout);
	if (!ok)
		l1vmm_failures++;
}

static void l1vmm_die(const char *what)
{
	printf("FAIL l1vmm: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* mov al,0x42; out 0x10,al; mov ax,0x2000; mov es,ax; mov byte es:[0],0x5a; hlt */
static const uint8_t l1vmm_code_real[] = {
	0xb0, 0x42, 0xe6, 0x10, 0xb8, 0x00, 0x20, 0x8e, 0xc0,
	0x26, 0xc6, 0x06, 0x00, 0x00, 0x5a, 0xf4,
};
/* mov al,0x43; out 0x11,al; mov dword [0x20000],0x12345678; hlt */
static const uint8_t l1vmm_code_prot[] = {
	0xb0, 0x43, 0xe6, 0x11, 0xc7, 0x05, 0x00, 0x00, 0x02, 0x00,
	0x78, 0x56, 0x34, 0x12, 0xf4,
};
/* mov al,0x44; out 0x12,al; mov rax,0x1122334455667788; mov ebx,0x20000;
 * mov [rbx],rax; hlt */
static const uint8_t l1vmm_code_long[] = {
	0xb0, 0x44, 0xe6, 0x12, 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55,
	0x44, 0x33, 0x22, 0x11, 0xbb, 0x00, 0x00, 0x02, 0x00, 0x48,
	0x89, 0x03, 0xf4,
};

static void l1vmm_get_sregs(int vcpu, struct kvm_sregs *s)
{
	if (ioctl(vcpu, KVM_GET_SREGS, s) < 0)
		l1vmm_die("KVM_GET_SREGS");
}

static void l1vmm_set_sregs(int vcpu, struct kvm_sregs *s)
{
	if (ioctl(vcpu, KVM_SET_SREGS, s) < 0)
		l1vmm_die("KVM_SET_SREGS");
}

static void l1vmm_setup_real(int vcpu, uint8_t *mem)
{
	struct kvm_sregs s;

	(void)mem;
	l1vmm_get_sregs(vcpu, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	s.ds.base = s.es.base = s.ss.base = 0;
	s.ds.selector = s.es.selector = s.ss.selector = 0;
	l1vmm_set_sregs(vcpu, &s);
}

/* A flat segment with the given type; l selects a 64-bit code segment. */
static void l1vmm_flat(struct kvm_segment *seg, uint16_t sel, uint8_t type, int l)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->selector = sel;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->db = l ? 0 : 1;
	seg->l = l;
	seg->g = 1;
}

/* GDT in guest memory matching the descriptors given through sregs. */
static void l1vmm_setup_flat(int vcpu, uint8_t *mem, int long_mode)
{
	uint64_t gdt[3] = {
		0,
		long_mode ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull,
		0x00cf93000000ffffull,
	};
	struct kvm_sregs s;

	memcpy(mem + GDT_ADDR, gdt, sizeof(gdt));
	l1vmm_get_sregs(vcpu, &s);
	s.gdt.base = GDT_ADDR;
	s.gdt.limit = sizeof(gdt) - 1;
	l1vmm_flat(&s.cs, 0x08, 0xb, long_mode);
	l1vmm_flat(&s.ds, 0x10, 0x3, 0);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.cr0 |= 1; /* PE */
	if (long_mode) {
		uint64_t *pml4 = (uint64_t *)(mem + PML4_ADDR);
		uint64_t *pdpt = (uint64_t *)(mem + PML4_ADDR + 0x1000);
		uint64_t *pd = (uint64_t *)(mem + PML4_ADDR + 0x2000);

		pml4[0] = (PML4_ADDR + 0x1000) | 3;
		pdpt[0] = (PML4_ADDR + 0x2000) | 3;
		pd[0] = 0x83; /* 2 MiB page at 0, present, writable */
		s.cr3 = PML4_ADDR;
		s.cr4 |= 1u << 5;                 /* PAE */
		s.efer |= (1u << 8) | (1u << 10); /* LME, LMA */
		s.cr0 |= 1u << 31;                /* PG */
	}
	l1vmm_set_sregs(vcpu, &s);
}

static void l1vmm_setup_prot(int vcpu, uint8_t *mem)
{
	l1vmm_setup_flat(vcpu, mem, 0);
}

static void l1vmm_setup_long(int vcpu, uint8_t *mem)
{
	l1vmm_setup_flat(vcpu, mem, 1);
}

static const char *l1vmm_exit_name(uint32_t r)
{
	static char buf[32];

	switch (r) {
	case KVM_EXIT_IO: return "io";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_SHUTDOWN: return "shutdown";
	case KVM_EXIT_FAIL_ENTRY: return "fail-entry";
	case KVM_EXIT_INTERNAL_ERROR: return "internal-error";
	default:
		snprintf(buf, sizeof(buf), "exit-%u", r);
		return buf;
	}
}

/* KVM_RUN once; returns the exit reason or -1 (reported) on error. */
static int l1vmm_step(int vcpu, struct kvm_run *run, const char *mode, const char *what)
{
	char detail[128];

	if (ioctl(vcpu, KVM_RUN, 0) < 0) {
		snprintf(detail, sizeof(detail), "KVM_RUN: %s", strerror(errno));
		l1vmm_report(mode, what, 0, detail);
		return -1;
	}
	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		snprintf(detail, sizeof(detail), "fail-entry reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(detail, sizeof(detail), "internal error suberror %u",
			 run->internal.suberror);
	else
		return (int)run->exit_reason;
	l1vmm_report(mode, what, 0, detail);
	return -1;
}

static void l1vmm_run_mode(int kvm, const struct l1vmm_mode *m)
{
	char detail[160];
	struct kvm_regs regs;
	int vm, vcpu, r, ok;
	long run_size;
	struct kvm_run *run;
	uint8_t *mem;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		l1vmm_die("KVM_CREATE_VM");
	/* Needed when the VMX has no unrestricted guest (real mode via vm86). */
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		l1vmm_die("KVM_SET_TSS_ADDR");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		l1vmm_die("mmap guest memory");
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		l1vmm_die("KVM_SET_USER_MEMORY_REGION");
	memcpy(mem + CODE_ADDR, m->code, m->code_len);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		l1vmm_die("KVM_CREATE_VCPU");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (long)sizeof(*run))
		l1vmm_die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		l1vmm_die("mmap kvm_run");
	m->setup(vcpu, mem);
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_ADDR;
	regs.rflags = 2;
	regs.rsp = 0xf000;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		l1vmm_die("KVM_SET_REGS");

	r = l1vmm_step(vcpu, run, m->name, "io");
	if (r >= 0) {
		const uint8_t *data = (const uint8_t *)run + run->io.data_offset;

		ok = r == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
		     run->io.port == m->port && run->io.size == 1 && run->io.count == 1 &&
		     data[0] == m->out_value;
		snprintf(detail, sizeof(detail), "exit %s port 0x%x size %u dir %u value 0x%x",
			 l1vmm_exit_name(run->exit_reason), run->io.port, run->io.size,
			 run->io.direction, data[0]);
		l1vmm_report(m->name, "io", ok, ok ? "" : detail);
	}
	r = l1vmm_step(vcpu, run, m->name, "mmio");
	if (r >= 0) {
		uint64_t v = 0;

		memcpy(&v, run->mmio.data, sizeof(v));
		if (run->mmio.len < 8)
			v &= (1ull << (8 * run->mmio.len)) - 1;
		ok = r == KVM_EXIT_MMIO && run->mmio.is_write && run->mmio.phys_addr == MMIO_ADDR &&
		     run->mmio.len == m->mmio_len && v == m->mmio_value;
		snprintf(detail, sizeof(detail), "exit %s addr 0x%llx len %u write %u data 0x%llx",
			 l1vmm_exit_name(run->exit_reason), (unsigned long long)run->mmio.phys_addr,
			 run->mmio.len, run->mmio.is_write, (unsigned long long)v);
		l1vmm_report(m->name, "mmio", ok, ok ? "" : detail);
	}
	r = l1vmm_step(vcpu, run, m->name, "hlt");
	if (r >= 0) {
		snprintf(detail, sizeof(detail), "exit %s", l1vmm_exit_name(run->exit_reason));
		l1vmm_report(m->name, "hlt", r == KVM_EXIT_HLT, r == KVM_EXIT_HLT ? "" : detail);
	}
	munmap(run, (size_t)run_size);
	close(vcpu);
	close(vm);
	munmap(mem, MEM_SIZE);
}

static const struct l1vmm_mode l1vmm_modes[] = {
	{ "real", l1vmm_code_real, sizeof(l1vmm_code_real), l1vmm_setup_real, 0x10, 0x42, 1, 0x5a },
	{ "prot", l1vmm_code_prot, sizeof(l1vmm_code_prot), l1vmm_setup_prot, 0x11, 0x43, 4,
	  0x12345678 },
	{ "long", l1vmm_code_long, sizeof(l1vmm_code_long), l1vmm_setup_long, 0x12, 0x44, 8,
	  0x1122334455667788ull },
};

int main(int argc, char **argv)
{
	size_t i;
	int kvm, a, ran = 0;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		l1vmm_die("open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		printf("FAIL l1vmm: KVM API version mismatch\n");
		return 1;
	}
	for (i = 0; i < sizeof(l1vmm_modes) / sizeof(l1vmm_modes[0]); i++) {
		int want = argc == 1;

		for (a = 1; a < argc; a++)
			want |= strcmp(argv[a], l1vmm_modes[i].name) == 0;
		if (want) {
			l1vmm_run_mode(kvm, &l1vmm_modes[i]);
			ran++;
		}
	}
	if (ran == 0) {
		printf("FAIL l1vmm: no mode selected (real, prot, long)\n");
		return 2;
	}
	printf("l1vmm: %d failure(s)\n", l1vmm_failures);
	return l1vmm_failures ? 1 : 0;
}
