#!/usr/bin/env python3
"""The plain ELF and raw loaders end to end: tiny images made here run under elzero
and report through isa-debug-exit which mode they run in. The code
    xor eax, eax ; 48 ff c0 ; out 0xf4, al ; hlt
is "inc rax" in 64-bit mode (exit status (1 << 1) | 1 = 3) but "dec eax; inc eax"
in 32-bit mode (status 1). Bad images must be refused before the guest starts.

    loader-test.py ELZERO
"""
import os
import struct
import subprocess
import sys
import tempfile

CODE = bytes([0x31, 0xC0, 0x48, 0xFF, 0xC0, 0xE6, 0xF4, 0xF4, 0xEB, 0xFD])


def elf32(entry=0x200000, paddr=0x200000):
    hdr = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    hdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, 52, 0, 0, 52, 32, 1, 0, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, 0x100, paddr, paddr, len(CODE), 0x1000, 5, 0x1000)
    return (hdr + ph).ljust(0x100, b"\0") + CODE


def elf64(entry=0x200000, paddr=0x200000):
    hdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0x100, paddr, paddr, len(CODE), 0x1000, 0x1000)
    return (hdr + ph).ljust(0x100, b"\0") + CODE


def run(elzero, args):
    p = subprocess.run([elzero, "-nographic", "-no-reboot", "-device",
                        "isa-debug-exit,iobase=0xf4,iosize=0x4"] + args,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    return p.returncode, p.stdout.decode(errors="replace")


def main():
    elzero = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="elzero-loader-")
    files = {"e32": elf32(), "e64": elf64(), "raw": CODE,
             "trunc": elf32()[:40], "hole": elf32(0xb8000, 0xb8000),
             "entry": elf32(entry=0x300000)}
    for name, data in files.items():
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)
    path = lambda n: os.path.join(tmp, n)
    cases = [
        ("ELF32 -kernel: 32-bit entry", ["-kernel", path("e32")], 1, None),
        ("ELF64 -kernel: 64-bit entry", ["-kernel", path("e64")], 3, None),
        ("raw image by -device loader, cpu-num=0",
         ["-device", "loader,file=%s,addr=0x100000,cpu-num=0" % path("raw")], 1, None),
        ("ELF by -device loader", ["-device", "loader,file=%s,cpu-num=0" % path("e64")], 3, None),
        ("truncated ELF refused", ["-kernel", path("trunc")], 1, "truncated ELF header"),
        ("segment in the hole refused", ["-kernel", path("hole")], 1, "hole"),
        ("entry outside the image refused", ["-kernel", path("entry")], 1, "no loadable segment"),
        ("raw image outside RAM refused",
         ["-m", "16", "-device", "loader,file=%s,addr=0x2000000,cpu-num=0" % path("raw")], 1,
         "outside RAM"),
    ]
    failed = 0
    for name, args, want, msg in cases:
        status, out = run(elzero, args)
        ok = status == want and (msg is None or msg in out)
        failed += not ok
        print("%s %s (status %d, wanted %d)%s" % ("PASS" if ok else "FAIL", name, status, want,
                                                 "" if ok or msg is None else ": " + out.strip()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
