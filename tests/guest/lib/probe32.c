/* Configure-time probe: can the host gcc build 32-bit freestanding objects? */
#include <stdint.h>
uint32_t guest_probe32(uint32_t x);
uint32_t guest_probe32(uint32_t x) { return x + 1; }
