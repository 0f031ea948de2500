#!/usr/bin/env bash
# One power/reset path of the power test kernel (power.c), both ways:
#   power-test.sh ELZERO KERNEL PATH
# - with -no-reboot: elzero stops at the reset (or power-off) and exits 0, and the
#   kernel never prints "still running";
# - without it: a reset path boots again and the kernel passes on the second boot
#   (exit status 1, isa-debug-exit 0); s5 powers off (exit status 0) either way;
#   hang (CLI; HLT) is no power-off: exit status 2.
set -uo pipefail
elzero=$1 kernel=$2 path=$3
run() {
	timeout -k 5 60 "$elzero" -kernel "$kernel" -device isa-debug-exit,iobase=0xf4,iosize=0x4 \
		-nographic -append "$path" "$@" </dev/null 2>&1
}
fail() { echo "power-test $path: FAIL: $*"; exit 1; }

if [ "$path" = hang ]; then
	out=$(run -no-reboot); status=$?
	echo "$out"
	[ "$status" -eq 2 ] || fail "a dead guest: exit status $status, expected 2"
	grep -q "no interrupt source" <<<"$out" || fail "no message about the dead guest"
	echo "power-test $path: PASS"
	exit 0
fi

out=$(run -no-reboot); status=$?
echo "$out"
[ "$status" -eq 0 ] || fail "-no-reboot: exit status $status, expected 0"
grep -q "power: trying $path" <<<"$out" || fail "-no-reboot: the kernel did not start"
! grep -q "still running\|FAIL" <<<"$out" || fail "-no-reboot: the machine did not stop"

out=$(run); status=$?
echo "$out"
if [ "$path" = s5 ]; then
	[ "$status" -eq 0 ] || fail "power-off: exit status $status, expected 0"
	! grep -q "still running\|FAIL" <<<"$out" || fail "power-off did not stop the machine"
else
	[ "$status" -eq 1 ] || fail "reset: exit status $status, expected 1 (passed after the reboot)"
	grep -q "PASS rebooted after $path" <<<"$out" || fail "reset: no second boot"
fi
echo "power-test $path: PASS"
