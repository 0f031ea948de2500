/*
 * tests/guest/sys/triple.c - triple fault: with an empty IDT, #UD cannot be
 * delivered (#GP), nor can the #GP (#DF, table 6-5), nor the #DF: the processor
 * shuts down (SDM vol. 3, 6.15, interrupt 8: "if another exception occurs while
 * delivering the double fault, the processor enters shutdown mode"). With
 * -no-reboot the emulator then exits with status 0 (as QEMU does); run-shutdown
 * checks that, that the kernel got there, and that nothing ran after.
 */
#include "guest.h"

int main(void)
{
	struct desc_ptr empty = { 0, 0 };

	report_pass("about to triple fault");
	asm volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
	report_fail("triple fault", "execution went on after ud2");
	return 0;
}
