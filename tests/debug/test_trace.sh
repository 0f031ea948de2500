#!/usr/bin/env bash
# tests/debug/test_trace.sh ELZERO KERNEL KERNEL64 [EXCEPTION-KERNEL] - each -d item
# checked in the -D log of a real run, and -dfilter keeping only the blocks asked for.
# EXCEPTION-KERNEL raises and handles exceptions (tests/guest's selftest64), for -d int.
set -u
elzero=$1 kernel=$2 kernel64=$3 excp_kernel=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

run() {         # run KERNEL ARGS...: the guest must pass (status 1; 3 also with ANY_RESULT=1)
	local k=$1
	shift
	"$elzero" -kernel "$k" -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -nodefaults \
		"$@" >/dev/null 2>"$tmp/stderr"
	local status=$?
	[ "$status" -eq 1 ] || { [ "${ANY_RESULT:-0}" = 1 ] && [ "$status" -eq 3 ]; } ||
		fail "$*: status $status: $(head -3 "$tmp/stderr")"
}

has() {         # has FILE PATTERN WHAT
	grep -Eq -- "$2" "$1" || fail "$3: no line matching '$2' in $(basename "$1")"
}

run "$kernel" -d in_asm,exec,cpu,mmu,unimp -D "$tmp/all.log"
has "$tmp/all.log" '^IN: [0-9]+ insns, [0-9]+ bytes$' "in_asm"
has "$tmp/all.log" '^0x0000000000100010:  fa +cli$' "in_asm disassembles the entry"
has "$tmp/all.log" '^Trace 0: 0010:0000000000100010 \[[0-9]+ insns\] CPL=0 mode=prot32' "exec (32-bit entry)"
has "$tmp/all.log" '^Trace 0: 0018:[0-9a-f]{16} \[[0-9]+ insns\] CPL=0 mode=64-bit' "exec (64-bit code)"
has "$tmp/all.log" '^RAX=000000002badb002 ' "cpu (the multiboot magic at entry)"
has "$tmp/all.log" '^CR0=800[01]0011 ' "cpu (paging on later)"
has "$tmp/all.log" '^mmu: (read|write|fetch) 0x[0-9a-f]+ -> 0x[0-9a-f]+$' "mmu"
[ -s "$tmp/stderr" ] && fail "with -D nothing goes to stderr: $(head -3 "$tmp/stderr")"

# -dfilter: only the blocks of dbg_marker
marker=$(nm "$kernel64" | awk '$3 == "dbg_marker" { print $1 }')
if [ -z "$marker" ]; then
	fail "no dbg_marker symbol in $kernel64"
else
	run "$kernel" -d in_asm,exec -dfilter "0x$marker+0x10" -D "$tmp/filter.log"
	has "$tmp/filter.log" "^Trace 0: 0018:0*$marker " "-dfilter keeps dbg_marker"
	[ "$(grep -c '^Trace' "$tmp/filter.log")" -eq 3 ] ||
		fail "-dfilter: expected the 3 runs of dbg_marker, got $(grep -c '^Trace' "$tmp/filter.log")"
	grep '^Trace' "$tmp/filter.log" | grep -v "0018:0*$marker " && fail "-dfilter let other blocks through"
	grep -Eq '^0x0*100010:' "$tmp/filter.log" && fail "-dfilter let the entry's in_asm through"
fi

if [ -n "$excp_kernel" ]; then
	# what its own checks say is the business of guest/selftest64; here only the log counts
	ANY_RESULT=1 run "$excp_kernel" -d int -D "$tmp/int.log"
	has "$tmp/int.log" '^int: vector 0x6 type 3 err 0xffffffff at [0-9a-f]{4}:0x[0-9a-f]+ cpl 0$' "int (#UD)"
	has "$tmp/int.log" '^int: vector 0xe type 3 err 0x[0-9a-f]+ at .* cr2 0x[0-9a-f]+$' "int (#PF with CR2)"
fi

"$elzero" -d help | grep -q '^in_asm' || fail "-d help lists in_asm"
"$elzero" -dfilter 0x10..0x1 -kernel "$kernel" 2>"$tmp/err" && fail "-dfilter accepted a bad range"
grep -q "^elzero: -dfilter: invalid range '0x10..0x1'" "$tmp/err" || fail "-dfilter error: $(cat "$tmp/err")"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo PASS
