/*
 * tests/guest/lib/multiboot.h - the multiboot (v1) header both boot stubs carry.
 * Multiboot Specification 0.6.96, section 3.1: magic, flags, checksum in the first
 * 8 KiB of the image, 4-byte aligned. Flags: bit 0 page-align modules, bit 1 ask
 * for memory information. No bit 16: the loader takes addresses from the ELF
 * program headers.
 */
#define MULTIBOOT_HEADER_MAGIC 0x1badb002
#define MULTIBOOT_HEADER_FLAGS 0x00000003
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002

#define MULTIBOOT_HEADER                                                \
	.pushsection .multiboot, "a";                                   \
	.balign 4;                                                      \
	.long MULTIBOOT_HEADER_MAGIC;                                   \
	.long MULTIBOOT_HEADER_FLAGS;                                   \
	.long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS);       \
	.popsection

/*
 * The 32-bit entry both boot stubs share: interrupts off, DF clear, magic in ESI and
 * the info pointer in EBP, .bss zeroed (stack and page tables live there), then our
 * GDT (the loader's GDTR may be invalid: spec 3.2) and flat segments with the stack.
 */
#define BOOT_ENTRY32                                                    \
	cli;                                                            \
	cld;                                                            \
	mov	%eax, %esi;                                             \
	mov	%ebx, %ebp;                                             \
	mov	$__bss_start, %edi;                                     \
	mov	$__bss_end, %ecx;                                       \
	sub	%edi, %ecx;                                             \
	xor	%eax, %eax;                                             \
	rep stosb;                                                      \
	lgdt	guest_gdt_desc;                                         \
	ljmp	$KERNEL_CS32, $1f;                                      \
1:	mov	$KERNEL_DS, %ax;                                        \
	mov	%ax, %ds;                                               \
	mov	%ax, %es;                                               \
	mov	%ax, %ss;                                               \
	mov	%ax, %fs;                                               \
	mov	%ax, %gs;                                               \
	mov	$boot_stack_top, %esp
