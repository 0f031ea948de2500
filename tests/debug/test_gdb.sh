#!/usr/bin/env bash
# tests/debug/test_gdb.sh ELZERO GDB KERNEL KERNEL64 - a gdb session in batch mode against
# elzero's stub (-gdb, -S): break at a symbol, step, read and write registers and memory,
# a watchpoint hit, continue to the guest's exit. KERNEL64 is the same kernel as ELF64,
# for gdb's symbols.
set -u
elzero=$1 gdb=$2 kernel=$3 kernel64=$4
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

cat >"$tmp/cmds" <<'GDB'
set pagination off
set confirm off
set tcp connect-timeout 30
echo @@connected\n
p ($cr0 & 1)
break dbg_marker
continue
echo @@hit\n
p $rdi
p $pc == dbg_marker
set var dbg_counter = 100
p dbg_counter
stepi
p $pc == dbg_marker
x/2i $pc
set $rbx = 0x55aa
p/x $rbx
p ($cr0 >> 31) & 1
p/x $efer & 0x500
delete
watch dbg_watched
continue
echo @@watch\n
p dbg_counter
p/x dbg_watched
delete
continue
GDB

# A free port: elzero refuses one in use, then try another.
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 30000))
	"$elzero" -kernel "$kernel" -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot \
		-nodefaults -serial "file:$tmp/serial" -gdb "tcp:127.0.0.1:$port" -S \
		2>"$tmp/elzero.err" &
	pid=$!
	timeout 60 "$gdb" -nx -batch -ex "file $kernel64" -ex "target remote 127.0.0.1:$port" \
		-x "$tmp/cmds" >"$tmp/out" 2>&1
	gdb_status=$?
	wait "$pid"
	status=$?
	pid=
	grep -q "cannot listen" "$tmp/elzero.err" || break
done

cat "$tmp/out"
echo "--- elzero exit status $status, gdb $gdb_status; serial:"
cat "$tmp/serial" 2>/dev/null
expect() {
	grep -Eq -- "$1" "$tmp/out" || fail "gdb output lacks '$1'"
}
expect '^@@connected'
expect '^\$1 = 1$'                              # CR0.PE as gdb reads it (target.xml)
expect '^Breakpoint 1, .*dbg_marker'
expect '^\$2 = 1$'                              # first call: x = 1 in RDI
expect '^\$3 = 1$'                              # PC is at the breakpoint
expect '^\$4 = 100$'                            # memory written and read back
expect '^\$5 = 0$'                              # one instruction later PC has moved on
expect '^\$6 = 0x55aa$'                         # register written and read back
expect '^\$7 = 1$'                              # CR0.PG
expect '^\$8 = 0x500$'                          # EFER.LME|LMA
expect '^Hardware watchpoint 2: dbg_watched'
expect '^New value = 4660'
expect '^\$9 = 106$'                            # 100 + 1 + 2 + 3: the guest kept running
expect '^\$10 = 0x1234$'
expect 'exited with code 01'
[ "$status" -eq 1 ] || fail "elzero exit status $status, expected 1 (guest passed)"
grep -q '^dbg_counter=106$' "$tmp/serial" || fail "the guest did not print dbg_counter=106"
if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s); elzero stderr:"
	cat "$tmp/elzero.err"
	exit 1
fi
echo "PASS"
