/*
 * tests/guest/lib/start.c - from the boot stub to the test's main() and out.
 */
#include "multiboot.h"
#include "guest.h"

static const struct multiboot_info *g_mbi;

void guest_start(uint32_t magic, uint32_t mbi);

const struct multiboot_info *guest_multiboot(void)
{
	return g_mbi;
}

const char *guest_cmdline(void)
{
	if (!g_mbi || !(g_mbi->flags & (1u << 2)) || !g_mbi->cmdline)
		return "";
	return (const char *)(unsigned long)g_mbi->cmdline;
}

void guest_start(uint32_t magic, uint32_t mbi)
{
	serial_init();
	gdt_init();
	idt_init();
#ifdef __x86_64__
	{
		extern uint64_t boot_pml4[];

		pt_select(PT_FMT_64, (unsigned long)boot_pml4);
	}
#endif
	if (magic == MULTIBOOT_BOOTLOADER_MAGIC)
		g_mbi = (const struct multiboot_info *)(unsigned long)mbi;
	else
		printf("warning: multiboot magic %#x, expected %#x; no boot information\n", magic,
		       MULTIBOOT_BOOTLOADER_MAGIC);
	main();
	guest_finish();
}
