#!/usr/bin/env python3
"""COM2 on a host socket: runs the serial test kernel (serial.c) under elzero with
COM2 as a unix: or tcp: server, connects as the client, answers "ready" with a line
and checks the echo; then the kernel's own verdict (exit status 1, no failures).

    serial-test.py ELZERO KERNEL unix|tcp
"""
import os
import socket
import subprocess
import sys
import tempfile
import time


def main():
    elzero, kernel, kind = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="elzero-serial-")
    if kind == "unix":
        path = os.path.join(tmp, "com2.sock")
        spec = "unix:%s,server" % path
        family, addr = socket.AF_UNIX, path
    else:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        spec = "tcp:127.0.0.1:%d,server" % port
        family, addr = socket.AF_INET, ("127.0.0.1", port)
    proc = subprocess.Popen(
        [elzero, "-kernel", kernel, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
         "-nographic", "-no-reboot", "-serial", "stdio", "-serial", spec],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sock = None
    for _ in range(200):
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.connect(addr)
            break
        except OSError:
            sock.close()
            sock = None
            time.sleep(0.05)
    ok = sock is not None
    got = b""
    if ok:
        sock.settimeout(30)
        try:
            while b"ready\n" not in got:
                chunk = sock.recv(256)
                if not chunk:
                    break
                got += chunk
            sock.sendall(b"hello from the host\n")
            got = b""
            while b"\n" not in got:
                chunk = sock.recv(256)
                if not chunk:
                    break
                got += chunk
            more = got[got.index(b"\n") + 1:]
            got = got[:got.index(b"\n") + 1]
            while b"more\n" not in more:
                chunk = sock.recv(256)
                if not chunk:
                    break
                more += chunk
            time.sleep(0.2)             # the guest is halted by now: the byte wakes it
            sock.sendall(b"!")
        except OSError as e:
            print("serial-test: socket error:", e)
        sock.close()
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    text = out.decode(errors="replace")
    print(text)
    echo_ok = got == b"echo: hello from the host\n"
    print("serial-test %s: echo %r" % (kind, got))
    passed = ok and echo_ok and proc.returncode == 1 and "SUMMARY:" in text and " 0 failures" in text
    print("serial-test %s: %s (exit status %s)" % (kind, "PASS" if passed else "FAIL", proc.returncode))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
