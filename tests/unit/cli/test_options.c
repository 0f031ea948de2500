/*
 * tests/unit/cli/test_options.c - the elzero command line: QEMU spellings parse into
 * the expected struct machine_config, and every malformed form gives its one message.
 */
#include "tests/unit/common/check_run.h"
#include "cli/cli.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 16

/* Parse a NULL-terminated argument list (without argv[0]). */
static int parse(struct cli *c, const char *const *args)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	argv[argc++] = (char *)"elzero";
	for (; *args; args++) {
		ck_assert_int_lt(argc, MAX_ARGS);
		argv[argc++] = (char *)*args;
	}
	argv[argc] = NULL;
	cli_init(c);
	return cli_parse(c, argc, argv);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---------------------------------------------------------------- malformed forms */

static const struct {
	const char *args[12];
	const char *msg;
} bad[] = {
	{ { "-foo" }, "unknown option '-foo' (see -help)" },
	{ { "--foo" }, "unknown option '--foo' (see -help)" },
	{ { "disk.img" }, "unexpected argument 'disk.img' (disk images are not yet supported; see -help)" },
	{ { "-" }, "unexpected argument '-' (disk images are not yet supported; see -help)" },
	{ { "-m" }, "-m: requires an argument" },
	{ { "-m", "1G", "-smp" }, "-smp: requires an argument" },
	{ { "-m", "12x" }, "-m: invalid size '12x'" },
	{ { "-m", "0" }, "-m: invalid size '0'" },
	{ { "-m", "-5" }, "-m: invalid size '-5'" },
	{ { "-m", "1.G" }, "-m: invalid size '1.G'" },
	{ { "-m", "1GG" }, "-m: invalid size '1GG'" },
	{ { "-m", "" }, "-m: missing size" },
	{ { "-m", "1G,," }, "-m: invalid size '1G,'" },
	{ { "-m", "512K" }, "-m: size '512K' is too small (at least 1M)" },
	{ { "-m", "2T" }, "-m: size '2T' is too large (at most 1T)" },
	{ { "-m", "99999999999999999999" }, "-m: size '99999999999999999999' is too large (at most 1T)" },
	{ { "-m", "1G,foo=1" }, "-m: unknown property 'foo'" },
	{ { "-m", "1G,size=2G" }, "-m: duplicate property 'size'" },
	{ { "-m", "1G," }, "-m: trailing ','" },
	{ { "-m", "size=1G,maxmem=4G" }, "-m: memory hotplug (slots=, maxmem=) is not yet supported" },
	{ { "-m", "size=1G,slots=x" }, "-m: slots: invalid number 'x'" },
	{ { "-m", "size=1G,maxmem=x" }, "-m: invalid maxmem 'x'" },
	{ { "-smp", "0" }, "-smp: cpus: invalid number '0'" },
	{ { "-smp", "x" }, "-smp: cpus: invalid number 'x'" },
	{ { "-smp", "1000" }, "-smp: cpus: at most 32 CPUs" },
	{ { "-smp", "33" }, "-smp: cpus: at most 32 CPUs" },
	{ { "-smp", "1,maxcpus=40" }, "-smp: maxcpus: at most 32 CPUs" },
	{ { "-smp", "2,maxcpus=1" }, "-smp: maxcpus (1) must be at least cpus (2)" },
	{ { "-smp", "4,sockets=3" }, "-smp: invalid CPU topology: sockets (3) * dies (1) * clusters (1) "
				     "* cores (1) * threads (1) != maxcpus (4)" },
	{ { "-smp", "1,foo=2" }, "-smp: unknown property 'foo'" },
	{ { "-machine", "q35" }, "-machine: the q35 machine (only pc for now) is not yet supported" },
	{ { "-M", "pc-q35-8.2" }, "-M: the q35 machine (only pc for now) is not yet supported" },
	{ { "-machine", "microvm" }, "-machine: this machine type (only pc for now) is not yet supported" },
	{ { "-machine", "foo" }, "-machine: unknown machine type 'foo' (see -machine help)" },
	{ { "-machine", "pc-i440fx-" }, "-machine: unknown machine type 'pc-i440fx-' (see -machine help)" },
	{ { "-machine", "accel=kvm" }, "-machine: the KVM accelerator is not yet supported" },
	{ { "-machine", "accel=xen" }, "-machine: unknown accelerator 'xen' (tcg or kvm)" },
	{ { "-machine", "accel=kvm:" }, "-machine: invalid accelerator list 'kvm:'" },
	{ { "-machine", "pc,bogus=1" }, "-machine: unknown property 'bogus'" },
	{ { "-machine", "pc,smm=on" }, "-machine smm=on: this machine option is not yet supported" },
	{ { "-machine", "pc,usb=maybe" }, "-machine: usb: invalid value 'maybe' (on or off)" },
	{ { "-machine", "kernel_irqchip=x" }, "-machine: kernel_irqchip: invalid value 'x' (on, off or split)" },
	{ { "-enable-kvm" }, "-enable-kvm: the KVM accelerator is not yet supported" },
	{ { "-accel", "kvm" }, "-accel: the KVM accelerator is not yet supported" },
	{ { "-accel", "tcg,thread=multi" },
	  "-accel: thread=multi: only thread=single (elzero runs vCPUs on one thread)" },
	{ { "-serial", "foo" }, "-serial: unknown backend 'foo' (stdio, null, none, file:PATH, "
				"unix:PATH,server, tcp:HOST:PORT,server, mon:stdio, pty)" },
	{ { "-serial", "file:" }, "-serial: empty file name in 'file:'" },
	{ { "-serial", "tcp:localhost:99999,server" },
	  "-serial: invalid TCP address 'localhost:99999' (expected HOST:PORT)" },
	{ { "-serial", "tcp:4444" }, "-serial: invalid TCP address '4444' (expected HOST:PORT)" },
	{ { "-serial", "unix:/tmp/s,server,bogus" }, "-serial: unknown property 'bogus'" },
	{ { "-serial", "unix:/tmp/s,wait=maybe" }, "-serial: wait: invalid value 'maybe' (on or off)" },
	{ { "-serial", "mon:stdio" }, "-serial: the monitor multiplexed on serial (mon:) is not yet supported" },
	{ { "-serial", "mon:mon:stdio" }, "-serial: invalid backend 'mon:mon:stdio'" },
	{ { "-serial", "pty" }, "-serial: a pty serial backend is not yet supported" },
	{ { "-serial", "chardev:c0" }, "-serial: a -chardev serial backend is not yet supported" },
	{ { "-serial", "stdio", "-serial", "null", "-serial", "stdio" },
	  "-serial: stdio can be used by only one serial port" },
	{ { "-serial", "stdio", "-serial", "null", "-serial", "null", "-serial", "null", "-serial", "null" },
	  "-serial: too many serial ports (at most 4)" },
	{ { "-display", "gtk" }, "-display: type: invalid value 'gtk' (none|sdl)" },
	{ { "-display", "sdl" }, "-display: the SDL display is not yet supported" },
	{ { "-display", "none,gl=on" }, "-display: display 'none' takes no options" },
	{ { "-vnc", ":1" }, "-vnc: VNC (only -vnc none) is not yet supported" },
	{ { "-vga", "std" }, "-vga: a VGA card (only -vga none) is not yet supported" },
	{ { "-vga", "foo" }, "-vga: unknown VGA card 'foo' (none, std, cirrus, vmware, qxl, virtio)" },
	{ { "-device", "foo" }, "-device: unknown device 'foo' (see -device help)" },
	{ { "-device", "" }, "-device: missing driver" },
	{ { "-device", "iobase=1" }, "-device: the first item must be the driver name" },
	{ { "-device", "isa-debug-exit,iobase=zz" },
	  "-device isa-debug-exit: property 'iobase': invalid number 'zz'" },
	{ { "-device", "isa-debug-exit,iobase=0x10000" },
	  "-device isa-debug-exit: property 'iobase': value '0x10000' out of range [0, 0xffff]" },
	{ { "-device", "isa-debug-exit,iosize=0" },
	  "-device isa-debug-exit: property 'iosize': value '0' out of range [0x1, 0x4]" },
	{ { "-device", "isa-debug-exit,foo=1" },
	  "-device isa-debug-exit: unknown property 'foo' (see -device isa-debug-exit,help)" },
	{ { "-device", "isa-debug-exit,iobase=1,iobase=2" }, "-device: duplicate property 'iobase'" },
	{ { "-device", "isa-debug-exit,id=" }, "-device isa-debug-exit: empty id" },
	{ { "-device", "isa-debug-exit,id=a", "-device", "isa-debug-exit,id=a" },
	  "-device isa-debug-exit: duplicate id 'a'" },
	{ { "-device", "virtio-net-pci" }, "-device virtio-net-pci: this device is not yet supported" },
	{ { "-device", "hyperv-testdev" }, "-device hyperv-testdev: this device is not yet supported" },
	{ { "-device", "intel-iommu,intremap=on,eim=off" },
	  "-device intel-iommu: this device is not yet supported" },
	{ { "-M", "q35,kernel-irqchip=split" }, "-M: the q35 machine (only pc for now) is not yet supported" },
	{ { "-device", "pci-testdev,membar=1x" }, "-device pci-testdev: property 'membar': invalid size '1x'" },
	{ { "-device", "virtio-blk-pci,disable-modern=2" },
	  "-device virtio-blk-pci: property 'disable-modern': invalid value '2' (expected on or off)" },
	{ { "-global", "foo.bar=1" }, "-global: unknown device 'foo' (see -device help)" },
	{ { "-global", "isa-debug-exit.bar=1" }, "-global: device 'isa-debug-exit' has no property 'bar'" },
	{ { "-global", "isa-debug-exit.iobase=x" },
	  "-global: isa-debug-exit: property 'iobase': invalid number 'x'" },
	{ { "-global", "nodot" },
	  "-global: invalid 'nodot' (expected DRIVER.PROP=VALUE or driver=,property=,value=)" },
	{ { "-global", ".x=1" }, "-global: invalid '.x=1' (expected DRIVER.PROP=VALUE)" },
	{ { "-global", "driver=isa-debug-exit,property=iobase" },
	  "-global: invalid 'driver=isa-debug-exit,property=iobase' (expected DRIVER.PROP=VALUE or "
	  "driver=,property=,value=)" },
	{ { "-d", "bogus" }, "-d: unknown log item 'bogus' (see -d help)" },
	{ { "-d", "" }, "-d: empty log item list (see -d help)" },
	{ { "-D", "" }, "-D: empty file name" },
	{ { "-drive", "file=x.img,format=qcow2" }, "-drive: format: invalid value 'qcow2' (raw)" },
	{ { "-drive", "file=x.img,if=scsi" }, "-drive: if: invalid value 'scsi' (virtio|none|ide)" },
	{ { "-drive", "file=x.img,readonly=maybe" }, "-drive: readonly: invalid value 'maybe' (on or off)" },
	{ { "-drive", "format=raw" }, "-drive: missing file=" },
	{ { "-drive", "file=x.img,bogus=1" }, "-drive: unknown property 'bogus'" },
	{ { "-drive", "file=x.img,format=raw" },
	  "-drive: if=ide (QEMU's default) is not supported: use if=virtio, or if=none,id=ID with "
	  "-device virtio-blk-pci,drive=ID" },
	{ { "-drive", "file=x.img,if=none" }, "-drive: if=none needs an id= for -device virtio-blk-pci,drive=" },
	{ { "-drive", "file=x.img,if=virtio,snapshot=on" }, "-drive: snapshot=on is not supported" },
	{ { "-chardev", "socket,path=/x" }, "-chardev: missing id" },
	{ { "-chardev", "spice,id=c" }, "-chardev: backend: invalid value 'spice' "
					 "(null|stdio|file|socket|pty|pipe|ringbuf)" },
	{ { "-chardev", "stdio,id=c0" }, "-chardev: a character device is not yet supported" },
	{ { "-net", "user" }, "-net: networking (only none) is not yet supported" },
	{ { "-netdev", "user,id=n0" }, "-netdev: networking (only none) is not yet supported" },
	{ { "-no-shutdown" }, "-no-shutdown: staying stopped after the guest shuts down is not yet supported" },
	{ { "-rtc", "base=utc,clock=bogus" }, "-rtc: clock: invalid value 'bogus' (host|rt|vm)" },
	{ { "-rtc", "base=utc" }, "-rtc: setting the RTC is not yet supported" },
	{ { "-gdb", "bogus" }, "-gdb: unknown backend 'bogus' (stdio, null, none, file:PATH, "
			       "unix:PATH,server, tcp:HOST:PORT,server, mon:stdio, pty)" },
	{ { "-monitor", "unix:/tmp/m" }, "-monitor: 'unix:/tmp/m': only server sockets are supported (add ,server)" },
	{ { "-monitor", "file:x" }, "-monitor: 'file:x' is not supported here (stdio, unix:PATH,server[,nowait], "
				    "tcp:HOST:PORT,server[,nowait])" },
	{ { "-gdb", "stdio" }, "-gdb: 'stdio' is not supported here (tcp::PORT, tcp:HOST:PORT, unix:PATH)" },
	{ { "-monitor", "telnet::4444,server" }, "-monitor: telnet is not supported (use tcp:HOST:PORT)" },
	{ { "-serial", "stdio", "-monitor", "stdio" }, "-monitor: stdio is already used by -serial stdio" },
	{ { "-dfilter", "0x2000..0x1000" }, "-dfilter: invalid range '0x2000..0x1000' (START..END, START+LEN, "
					      "START-LEN or ADDR)" },
	{ { "-initrd", "x" }, "-initrd is only allowed with -kernel" },
	{ { "-append", "x" }, "-append is only allowed with -kernel" },
	{ { "-kernel", "" }, "-kernel: empty file name" },
	{ { "-cpu", "" }, "-cpu: missing CPU model" },
	{ { "-cpu", "nosuch-model" }, "-cpu: unknown CPU model 'nosuch-model' (see -cpu help)" },
	{ { "-cpu", "max,+nosuchfeat" }, "-cpu: unknown CPU feature 'nosuchfeat' (see -cpu help)" },
	{ { "-cpu", "max,-nosuchfeat" }, "-cpu: unknown CPU feature 'nosuchfeat' (see -cpu help)" },
	{ { "-cpu", "max,+" }, "-cpu: empty feature name" },
	{ { "-cpu", "max," }, "-cpu: trailing ','" },
};

START_TEST(test_malformed)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, bad[_i].args), -1);
	ck_assert_str_eq(c.err, bad[_i].msg);
	ck_assert_ptr_null(strchr(c.err, '\n'));
	cli_free(&c);
}
END_TEST

/* ---------------------------------------------------------------- accepted forms */

START_TEST(test_defaults)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-kernel", "k.elf")), 0);
	ck_assert_int_eq(c.action, CLI_RUN);
	ck_assert_uint_eq(c.cfg.ram_size, 128ull << 20);
	ck_assert_uint_eq(c.cfg.smp, 1);
	ck_assert_str_eq(c.cfg.accel, "tcg");
	ck_assert_str_eq(c.cfg.kernel, "k.elf");
	ck_assert_ptr_null(c.cfg.cpu);
	ck_assert_ptr_null(c.cfg.display);
	ck_assert_uint_eq(c.cfg.nserial, 1);        /* COM1 on stdio by default */
	ck_assert_str_eq(c.cfg.serial[0], "stdio");
	ck_assert_uint_eq(c.cfg.ndevices, 0);
	cli_free(&c);
}
END_TEST

START_TEST(test_kernel_append_long_forms)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("--kernel", "a.elf", "--append", "console=ttyS0 x", "--initrd",
					"mod", "-kernel", "b.elf", "--no-reboot", "--nodefaults")), 0);
	ck_assert_str_eq(c.cfg.kernel, "b.elf");     /* the last one wins, as in QEMU */
	ck_assert_str_eq(c.cfg.append, "console=ttyS0 x");
	ck_assert_str_eq(c.cfg.initrd, "mod");
	ck_assert(c.cfg.no_reboot);
	ck_assert(c.cfg.nodefaults);
	ck_assert_uint_eq(c.cfg.nserial, 0);        /* -nodefaults: no default COM1 */
	cli_free(&c);
}
END_TEST

START_TEST(test_serial_sockets)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-kernel", "k", "-serial", "tcp::4444,server,nowait", "-serial",
					"unix:/tmp/s,server,wait=off")), 0);
	ck_assert_uint_eq(c.cfg.nserial, 2);
	ck_assert_str_eq(c.cfg.serial[1], "unix:/tmp/s,server,wait=off");
	cli_free(&c);
}
END_TEST

static const struct {
	const char *arg;
	uint64_t bytes;
} mem_forms[] = {
	{ "128", 128ull << 20 }, { "128M", 128ull << 20 }, { "128m", 128ull << 20 },
	{ "1G", 1ull << 30 }, { "1g", 1ull << 30 }, { "size=1G", 1ull << 30 },
	{ "1.5G", 3ull << 29 }, { "2048K", 2ull << 20 }, { "1.5", 3ull << 19 },
	{ "1025K", 1032ull << 10 },               /* rounded up to 8 KiB as QEMU does */
	{ "4194304B", 4ull << 20 }, { "4g", 4ull << 30 }, { "2560", 2560ull << 20 }, { "1T", 1ull << 40 }, { "0x100", 256ull << 20 },
};

START_TEST(test_mem_forms)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-m", mem_forms[_i].arg)), 0);
	ck_assert_uint_eq(c.cfg.ram_size, mem_forms[_i].bytes);
	cli_free(&c);
}
END_TEST

START_TEST(test_smp_forms)
{
	static const char *const forms[] = {
		"1", "cpus=1", "1,sockets=1,cores=1,threads=1", "sockets=1", "1,maxcpus=1",
		"cores=1,threads=1", "1,dies=1,clusters=1",
	};
	struct cli c;

	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_msg(parse(&c, ARGS("-smp", forms[i])) == 0, "-smp %s: %s", forms[i], c.err);
		ck_assert_uint_eq(c.cfg.smp, 1);
		cli_free(&c);
	}
}
END_TEST

/* -smp with several CPUs: the count, maxcpus and the topology reach the machine. */
START_TEST(test_smp_topology)
{
	static const struct {
		const char *arg;
		unsigned cpus, max, cores, threads;
	} t[] = {
		{ "4", 4, 4, 1, 1 },
		{ "cpus=2,maxcpus=8", 2, 8, 1, 1 },
		{ "sockets=2,cores=2", 4, 4, 2, 1 },
		{ "8,sockets=1,cores=4,threads=2", 8, 8, 4, 2 },
		{ "32", 32, 32, 1, 1 },
	};
	struct cli c;

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_msg(parse(&c, ARGS("-smp", t[i].arg)) == 0, "-smp %s: %s", t[i].arg, c.err);
		ck_assert_uint_eq(c.cfg.smp, t[i].cpus);
		ck_assert_uint_eq(c.cfg.smp_max, t[i].max);
		ck_assert_uint_eq(c.cfg.smp_cores, t[i].cores);
		ck_assert_uint_eq(c.cfg.smp_threads, t[i].threads);
		cli_free(&c);
	}
}
END_TEST

START_TEST(test_machine_forms)
{
	static const char *const forms[] = {
		"pc", "type=pc", "pc,accel=tcg", "accel=tcg", "pc-i440fx-8.2", "accel=kvm:tcg",
		"pc,kernel_irqchip=split", "pc,smm=off,usb=off,vmport=off,hpet=off", "pc,usb=auto",
	};
	struct cli c;

	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_msg(parse(&c, ARGS("-machine", forms[i])) == 0, "-machine %s: %s", forms[i], c.err);
		ck_assert_str_eq(c.cfg.accel, "tcg");
		cli_free(&c);
	}
	ck_assert_int_eq(parse(&c, ARGS("-M", "pc", "-accel", "tcg", "--accel", "tcg,thread=single")), 0);
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-machine", "help")), 0);
	ck_assert_int_eq(c.action, CLI_MACHINE_HELP);
	cli_free(&c);
}
END_TEST

START_TEST(test_serial)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-serial", "null", "-serial", "file:/tmp/com2.log", "-serial",
					"stdio")), 0);
	ck_assert_uint_eq(c.cfg.nserial, 3);
	ck_assert_str_eq(c.cfg.serial[0], "null");
	ck_assert_str_eq(c.cfg.serial[1], "file:/tmp/com2.log");
	ck_assert_str_eq(c.cfg.serial[2], "stdio");
	cli_free(&c);

	/* -serial none: that port is absent, and there is no default COM1 either */
	ck_assert_int_eq(parse(&c, ARGS("-serial", "none")), 0);
	ck_assert_uint_eq(c.cfg.nserial, 1);
	ck_assert_str_eq(c.cfg.serial[0], "none");
	cli_free(&c);

	/* -nodefaults with an explicit -serial keeps it */
	ck_assert_int_eq(parse(&c, ARGS("-nodefaults", "-serial", "stdio")), 0);
	ck_assert_uint_eq(c.cfg.nserial, 1);
	cli_free(&c);
}
END_TEST

START_TEST(test_display_flags)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-nographic")), 0);
	ck_assert_str_eq(c.cfg.display, "none");
	ck_assert_uint_eq(c.cfg.nserial, 1);
	ck_assert_str_eq(c.cfg.serial[0], "stdio");
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-display", "none", "-vnc", "none", "-vga", "none", "-monitor",
					"none", "-gdb", "none")), 0);
	ck_assert_str_eq(c.cfg.display, "none");
	ck_assert_ptr_null(c.cfg.monitor);
	ck_assert_ptr_null(c.cfg.gdb);
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-net", "none", "-nic", "none", "-no-hpet")), 0);
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-display", "type=none")), 0);
	cli_free(&c);
}
END_TEST

/* The debugger options land in the machine config as the session opens them. */
START_TEST(test_debug_options)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-s", "-S")), 0);
	ck_assert_str_eq(c.cfg.gdb, "tcp::1234");
	ck_assert(c.cfg.start_stopped);
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-gdb", "tcp::4321", "-monitor", "unix:/tmp/m,server,nowait")), 0);
	ck_assert_str_eq(c.cfg.gdb, "tcp::4321");
	ck_assert_str_eq(c.cfg.monitor, "unix:/tmp/m,server,nowait");
	ck_assert_uint_eq(c.cfg.nserial, 1);            /* the default COM1 on stdio */
	cli_free(&c);
	/* a monitor on stdio takes the terminal: no default COM1 there */
	ck_assert_int_eq(parse(&c, ARGS("-monitor", "stdio")), 0);
	ck_assert_str_eq(c.cfg.monitor, "stdio");
	ck_assert_uint_eq(c.cfg.nserial, 0);
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-d", "in_asm,exec", "-dfilter", "0x100000+0x1000", "-D", "x.log")), 0);
	ck_assert_str_eq(c.dfilter, "0x100000+0x1000");
	cli_free(&c);
}
END_TEST

/* What kvm-unit-tests' x86/run passes (with the accelerator it picks for tcg). */
START_TEST(test_kvm_unit_tests_line)
{
	struct cli c;
	uint64_t v;

	ck_assert_int_eq(parse(&c, ARGS("--no-reboot", "-nodefaults", "-device",
					"isa-debug-exit,iobase=0xf4,iosize=0x4", "-vnc", "none", "-serial",
					"stdio", "-machine", "accel=tcg", "-kernel", "x86/msr.flat", "-smp",
					"1")), 0);
	ck_assert_uint_eq(c.cfg.ndevices, 1);
	ck_assert_str_eq(c.cfg.devices[0].driver, "isa-debug-exit");
	ck_assert_uint_eq(c.cfg.devices[0].nprops, 2);
	ck_assert_str_eq(c.cfg.devices[0].props[0].key, "iobase");
	ck_assert_str_eq(c.cfg.devices[0].props[0].value, "0xf4");
	ck_assert_int_eq(device_prop_uint(&c.cfg, &c.cfg.devices[0], "iobase", &v), 0);
	ck_assert_uint_eq(v, 0xf4);
	ck_assert_int_eq(device_prop_uint(&c.cfg, &c.cfg.devices[0], "iosize", &v), 0);
	ck_assert_uint_eq(v, 4);
	cli_free(&c);
}
END_TEST

START_TEST(test_device_help)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-device", "help", "-bogus")), 0);
	ck_assert_int_eq(c.action, CLI_DEVICE_LIST);
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-device", "?")), 0);
	ck_assert_int_eq(c.action, CLI_DEVICE_LIST);
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-device", "isa-debug-exit,help")), 0);
	ck_assert_int_eq(c.action, CLI_DEVICE_PROPS);
	ck_assert_str_eq(c.help_driver, "isa-debug-exit");
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-device", "virtio-net-pci,?")), 0);
	ck_assert_int_eq(c.action, CLI_DEVICE_PROPS);
	ck_assert_str_eq(c.help_driver, "virtio-net-pci");
	cli_free(&c);
}
END_TEST

START_TEST(test_global)
{
	struct cli c;
	uint64_t v;

	ck_assert_int_eq(parse(&c, ARGS("-global", "isa-debug-exit.iobase=0xf4", "-global",
					"driver=isa-debug-exit,property=iosize,value=1", "-global",
					"isa-debug-exit.iobase=0x80", "-global", "virtio-blk-pci.serial=abc",
					"-device", "isa-debug-exit")), 0);
	ck_assert_uint_eq(c.cfg.nglobals, 3);       /* iobase set twice: the last wins */
	ck_assert_str_eq(c.cfg.globals[0].key, "isa-debug-exit.iobase");
	ck_assert_str_eq(c.cfg.globals[0].value, "0x80");
	ck_assert_str_eq(c.cfg.globals[1].key, "isa-debug-exit.iosize");
	ck_assert_str_eq(c.cfg.globals[2].key, "virtio-blk-pci.serial");
	ck_assert_int_eq(device_prop_uint(&c.cfg, &c.cfg.devices[0], "iobase", &v), 0);
	ck_assert_uint_eq(v, 0x80);
	ck_assert_int_eq(device_prop_uint(&c.cfg, &c.cfg.devices[0], "iosize", &v), 0);
	ck_assert_uint_eq(v, 1);
	cli_free(&c);

	/* without -global, the type's default */
	ck_assert_int_eq(parse(&c, ARGS("-device", "isa-debug-exit,id=dbg")), 0);
	ck_assert_int_eq(device_prop_uint(&c.cfg, &c.cfg.devices[0], "iobase", &v), 0);
	ck_assert_uint_eq(v, 0x501);
	ck_assert_str_eq(device_prop_value(&c.cfg, &c.cfg.devices[0], "iosize"), "0x2");
	ck_assert_ptr_null(device_prop_value(&c.cfg, &c.cfg.devices[0], "nosuch"));
	cli_free(&c);
}
END_TEST

START_TEST(test_actions)
{
	static const struct {
		const char *arg, *arg2;
		enum cli_action action;
	} forms[] = {
		{ "-help", "-bogus", CLI_HELP }, { "-h", NULL, CLI_HELP }, { "--help", NULL, CLI_HELP },
		{ "-version", NULL, CLI_VERSION }, { "--version", NULL, CLI_VERSION },
		{ "-d", "help", CLI_LOG_HELP }, { "-cpu", "help", CLI_CPU_HELP }, { "-cpu", "?", CLI_CPU_HELP },
	};
	struct cli c;

	for (unsigned i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_int_eq(parse(&c, ARGS(forms[i].arg, forms[i].arg2)), 0);
		ck_assert_int_eq(c.action, forms[i].action);
		cli_free(&c);
	}
}
END_TEST

START_TEST(test_log)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-d", "in_asm,int", "-D", "/tmp/elzero.log")), 0);
	ck_assert_uint_eq(c.log_mask, (1u << LOG_IN_ASM) | (1u << LOG_INT));
	ck_assert_str_eq(c.log_file, "/tmp/elzero.log");
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-D", "/nonexistent-dir/x.log")), 0);
	ck_assert_int_eq(cli_setup_log(&c), -1);
	ck_assert_str_eq(c.err, "-D: cannot open '/nonexistent-dir/x.log': No such file or directory");
	cli_free(&c);
}
END_TEST

START_TEST(test_cpu)
{
	struct cli c;

	ck_assert_int_eq(parse(&c, ARGS("-cpu", "max")), 0);
	ck_assert_str_eq(c.cfg.cpu, "max");
	cli_free(&c);
	ck_assert_int_eq(parse(&c, ARGS("-cpu", "max,+vmx,-svm")), 0);
	ck_assert_str_eq(c.cfg.cpu, "max,+vmx,-svm");
	cli_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli_options");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_malformed, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_kernel_append_long_forms);
	tcase_add_test(tc, test_serial_sockets);
	tcase_add_loop_test(tc, test_mem_forms, 0, sizeof(mem_forms) / sizeof(mem_forms[0]));
	tcase_add_test(tc, test_smp_forms);
	tcase_add_test(tc, test_smp_topology);
	tcase_add_test(tc, test_machine_forms);
	tcase_add_test(tc, test_serial);
	tcase_add_test(tc, test_display_flags);
	tcase_add_test(tc, test_debug_options);
	tcase_add_test(tc, test_kvm_unit_tests_line);
	tcase_add_test(tc, test_device_help);
	tcase_add_test(tc, test_global);
	tcase_add_test(tc, test_actions);
	tcase_add_test(tc, test_log);
	tcase_add_test(tc, test_cpu);
	suite_add_tcase(s, tc);
	return check_run(s);
}
