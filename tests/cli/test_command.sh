#!/usr/bin/env bash
# tests/cli/test_command.sh ELZERO - the elzero command as scripts written for QEMU see it:
# help texts on stdout with status 0; every malformed command one line on stderr, status 1.
set -u
elzero=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# ok NAME PATTERN ARGS...: status 0, stdout matches the extended regex PATTERN, no stderr.
ok() {
	local name=$1 pattern=$2
	shift 2
	"$elzero" "$@" >"$tmp/out" 2>"$tmp/err"
	local status=$?
	[ "$status" -eq 0 ] || fail "$name: status $status (stderr: $(cat "$tmp/err"))"
	grep -Eq -- "$pattern" "$tmp/out" || fail "$name: stdout does not match '$pattern'"
	[ ! -s "$tmp/err" ] || fail "$name: unexpected stderr: $(cat "$tmp/err")"
}

# bad MESSAGE ARGS...: status 1, stdout empty, stderr exactly the line "elzero: MESSAGE".
bad() {
	local msg=$1
	shift
	"$elzero" "$@" >"$tmp/out" 2>"$tmp/err"
	local status=$?
	[ "$status" -eq 1 ] || fail "$*: status $status, expected 1"
	[ ! -s "$tmp/out" ] || fail "$*: unexpected stdout: $(cat "$tmp/out")"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: stderr is not one line: $(cat "$tmp/err")"
	[ "$(cat "$tmp/err")" = "elzero: $msg" ] || fail "$*: stderr '$(cat "$tmp/err")', expected 'elzero: $msg'"
}

# The first line of -help names elzero and says QEMU: kvm-unit-tests' runner greps for it.
"$elzero" --help | head -n 1 | grep -q '^elzero .*QEMU' || fail "--help: first line lacks elzero/QEMU"
ok "-help" '^  -kernel FILE' -help
ok "-h" 'QEMU-compatible' -h
ok "-version" '^elzero version [0-9]+\.[0-9]+\.[0-9]+ ' -version
ok "--version" '^elzero version' --version
ok "-device help" '^name "isa-debug-exit", bus ISA' -device help
ok "-device ?" '^name "isa-debug-exit", bus ISA' -device '?'
# Scripts pass what -device help lists (kvm-unit-tests' x86/run adds -device pci-testdev when
# `-device '?'` mentions it), so every type listed must be one -device accepts.
for dev in $("$elzero" -device help | sed -n 's/^name "\([^"]*\)".*/\1/p'); do
	"$elzero" -device "$dev,help" | head -n 1 | grep -q 'not yet supported' &&
		fail "-device help lists '$dev', which -device refuses"
done
"$elzero" -device help | grep -q 'not yet supported' || fail "-device help: no note on types to come"
ok "-device isa-debug-exit,help" '^  iobase=<int> +- ' -device isa-debug-exit,help
ok "-cpu help" '^Available CPUs:' -cpu help
ok "-d help" '^in_asm ' -d help
ok "-machine help" '^pc ' -machine help

bad "unknown option '-bogus' (see -help)" -bogus
bad "-m: requires an argument" -m
bad "-m: invalid size '12x'" -m 12x
bad "-smp: cpus: at most 32 CPUs" -smp 64
bad "-smp: cores (3) and threads (1) must be powers of two" -smp 3,cores=3 -kernel x
bad "-device: unknown device 'nosuch' (see -device help)" -device nosuch
bad "-device isa-debug-exit: unknown property 'foo' (see -device isa-debug-exit,help)" \
	-device isa-debug-exit,foo=1
bad "-cpu: unknown CPU model 'nosuch-model' (see -cpu help)" -cpu nosuch-model
bad "-d: unknown log item 'bogus' (see -d help)" -d bogus
bad "-machine: the KVM accelerator is not yet supported" -machine accel=kvm
bad "-D: cannot open '$tmp/no/such/dir': No such file or directory" -D "$tmp/no/such/dir" -kernel x
# -drive and the PCI devices: refused before the guest starts, one line each.
bad "-drive: if=ide (QEMU's default) is not supported: use if=virtio, or if=none,id=ID with -device virtio-blk-pci,drive=ID" \
	-drive file=x.img
bad "-drive file=$tmp/none.img: cannot open '$tmp/none.img' read-write: No such file or directory" \
	-drive file="$tmp/none.img",format=raw,if=virtio -kernel x
: >"$tmp/disk.img"
bad "-device virtio-blk-pci: no -drive with id=d1" \
	-drive file="$tmp/disk.img",if=none,id=d0 -device virtio-blk-pci,drive=d1 -kernel x
bad "-device pci-testdev: addr=1: no such slot, or taken" -device pci-testdev,addr=1 -kernel x

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "cli/command: all checks passed"
