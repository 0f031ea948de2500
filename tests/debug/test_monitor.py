#!/usr/bin/env python3
"""tests/debug/test_monitor.py ELZERO KERNEL - a client on elzero's monitor socket
(-monitor unix:PATH,server -S) running every command against a real guest kernel:
stopped at start, info registers/cpus/tlb/mem/tb, x and xp in each format, x /i,
bad commands and addresses, cont, stop, system_reset, quit."""
import os
import re
import socket
import subprocess
import sys
import tempfile

PROMPT = b"(elzero) "
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


class Monitor:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(60)
        self.s.connect(path)
        self.banner = self.read_prompt()

    def read_prompt(self):
        buf = b""
        while not buf.endswith(PROMPT):
            chunk = self.s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return buf[: -len(PROMPT)].decode() if buf.endswith(PROMPT) else buf.decode()

    def cmd(self, line, quiet=False):
        self.s.sendall(line.encode() + b"\n")
        out = self.read_prompt()
        if not quiet:
            print("(elzero) " + line + "\n" + out, end="")
        return out


def main():
    elzero, kernel = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp()
    sock = os.path.join(tmp, "mon")
    serial = os.path.join(tmp, "serial")
    # without nowait elzero waits for us before it starts the machine
    proc = subprocess.Popen([elzero, "-kernel", kernel, "-append", "hold", "-device",
                             "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot", "-nodefaults",
                             "-serial", "file:" + serial, "-monitor", "unix:%s,server" % sock, "-S"],
                            stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if os.path.exists(sock):
                break
            proc.stderr.readline()  # "waiting for a connection" comes once the socket exists
        m = Monitor(sock)
        check("elzero monitor" in m.banner, "banner")

        # stopped at the multiboot entry (-S): 32-bit protected mode, EAX = multiboot magic
        out = m.cmd("info registers")
        check("RAX=000000002badb002" in out, "info registers: EAX holds the multiboot magic")
        check("mode=prot32" in out, "info registers: protected mode")
        check(re.search(r"RIP=0000000000([0-9a-f]{6})", out), "info registers: RIP")
        rip = int(re.search(r"RIP=([0-9a-f]{16})", out).group(1), 16)
        out = m.cmd("info cpus")
        check("* CPU #0: pc=0x%016x (stopped)" % rip in out, "info cpus")
        check("PG disabled" in m.cmd("info tlb"), "info tlb without paging")
        out = m.cmd("x /3i $pc")
        check(out.count("\n") == 3 and "cli" in out, "x /3i $pc disassembles the entry (cli)")
        out = m.cmd("xp /4xb 0x%x" % rip)
        check(out.startswith("%016x: 0xfa" % rip), "xp /4xb: the first byte is CLI (0xfa)")
        out = m.cmd("x /1xw 0x100000")
        check(": 0x1badb002" in out, "x /1xw: the multiboot header magic at 1 MiB")
        check(": 464367618" in m.cmd("x /1dw 0x100000"), "x /1dw")
        check(": 464367618" in m.cmd("x /1uw 0x100000"), "x /1uw")
        check(": 0xb002" in m.cmd("x /1xh 0x100000"), "x /1xh")
        check(": 0x" in m.cmd("x /2xg 0x100000"), "x /2xg")
        check(": '" in m.cmd("x /4c 0x100000"), "x /4c")

        # errors never hurt the machine
        check("unknown command: 'bogus'" in m.cmd("bogus"), "unknown command")
        check("Cannot access memory" in m.cmd("xp /1xg 0xffffffffff000"), "xp outside RAM")
        check("invalid address" in m.cmd("x /1x nowhere"), "bad address")
        check("invalid format letter" in m.cmd("x /1z 0"), "bad format")
        check("not in VMX operation" in m.cmd("info vmcs"), "info vmcs")
        check("not available" in m.cmd("info vmcb"), "info vmcb")
        check("usage: info ept [EPTP] GPA" in m.cmd("info ept"), "info ept")
        check("give the EPTP" in m.cmd("info ept 0x1000"), "info ept GPA outside a guest")
        check("info registers" in m.cmd("help"), "help")

        # let it run (with "hold" the guest spins at the end, in 64-bit mode) and stop it
        m.cmd("cont")
        # commands are served between slices of guest execution: ask until it got there
        for _ in range(100000):
            if "mode=64-bit" in m.cmd("info registers", quiet=True):
                break
        m.cmd("stop")
        out = m.cmd("info cpus")
        check("(stopped)" in out, "stop")
        out = m.cmd("info tb")
        check(re.search(r"CPU#0: blocks translated [1-9]", out), "info tb counts blocks")
        out = m.cmd("info registers")
        check("mode=64-bit" in out, "cont: the guest reached 64-bit mode")
        if "mode=64-bit" in out:
            out = m.cmd("info mem")
            check(re.search(r"^0000000000000000-[0-9a-f]{16} [0-9a-f]{16} -rw$", out, re.M),
                  "info mem: the identity map, supervisor read/write")
            out = m.cmd("info tlb")
            check("0000000000000000: 0000000000000000 2M -WX" in out, "info tlb: 2 MiB pages")
        m.cmd("system_reset")
        out = m.cmd("info registers")
        check("RAX=000000002badb002" in out and "mode=prot32" in out, "system_reset: back at the entry")
        m.s.sendall(b"quit\n")
        proc.wait(timeout=60)
        check(proc.returncode == 0, "quit: exit status 0 (got %s)" % proc.returncode)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
