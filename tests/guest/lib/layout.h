/*
 * tests/guest/lib/layout.h - constants shared by the library's C and assembly:
 * the GDT selectors (desc.c builds the table) and the boot stack size.
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define KERNEL_CS32 0x08
#define KERNEL_DS 0x10
#define KERNEL_CS64 0x18
#define USER_CS32 0x23
#define USER_DS 0x2b
#define USER_CS64 0x33
#define KERNEL_CS16 0x38
#define KERNEL_DS16 0x40
#define TSS_SEL 0x48            /* a 64-bit TSS descriptor takes 0x48 and 0x50 */
#define GDT_FIRST_FREE 11       /* entries 11.. are free for tests */
#define GDT_ENTRIES 16

#define BOOT_STACK_SIZE 16384

/* run_user() returns to ring 0 through INT with this vector (a DPL-3 gate). */
#define GUEST_USER_RETURN_VECTOR 0x7f

#endif
