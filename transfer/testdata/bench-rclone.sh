#!/bin/sh
# bench-rclone.sh: time rclone against versitygw on loopback with the same
# workloads and parallelism as transfer's benchmarks (bench_test.go), to put
# Haul's figures beside a well-known tool's. Run it by hand:
#
#   GOBIN=$PWD/.tools/bin go install github.com/rclone/rclone@v1.75.1
#   transfer/testdata/bench-rclone.sh [part size, default 64M]
#
# It starts its own versitygw (the one `make test` installs, or
# $HAUL_VERSITYGW) on a free loopback port with temporary folders, and
# prints MiB/s for a 1 GiB file up and down (4 parts at a time, parts of
# the given size) and files/s for a folder of 1,000 files of 64 KiB
# (4 files at a time). Everything it creates is removed on exit.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
rclone=${RCLONE:-$root/.tools/bin/rclone}
vgw=${HAUL_VERSITYGW:-$root/.tools/bin/versitygw}
part=${1:-64M}
for bin in "$rclone" "$vgw"; do
	[ -x "$bin" ] || { echo "bench-rclone: $bin not found" >&2; exit 1; }
done

work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
mkdir -p "$work/data" "$work/versions" "$work/up/folder" "$work/down"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
key=rclonebench$(date +%s)
secret=$(head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
ROOT_ACCESS_KEY=$key ROOT_SECRET_KEY=$secret "$vgw" --port "127.0.0.1:$port" --region us-west-004 \
	--quiet posix --versioning-dir "$work/versions" "$work/data" >"$work/vgw.log" 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "bench-rclone: versitygw did not start" >&2; cat "$work/vgw.log" >&2; exit 1; }
	sleep 0.1
done

export RCLONE_CONFIG_VGW_TYPE=s3 RCLONE_CONFIG_VGW_PROVIDER=Other \
	RCLONE_CONFIG_VGW_ENDPOINT="http://127.0.0.1:$port" RCLONE_CONFIG_VGW_REGION=us-west-004 \
	RCLONE_CONFIG_VGW_ACCESS_KEY_ID=$key RCLONE_CONFIG_VGW_SECRET_ACCESS_KEY=$secret \
	RCLONE_CONFIG_VGW_FORCE_PATH_STYLE=true RCLONE_CONFIG=/dev/null
flags="--s3-upload-concurrency 4 --s3-chunk-size $part --transfers 4 --multi-thread-streams 4 --multi-thread-chunk-size $part"
"$rclone" mkdir vgw:bench

head -c 1073741824 /dev/urandom >"$work/up/big.bin"
n=0
while [ $n -lt 1000 ]; do
	head -c 65536 /dev/urandom >"$work/up/folder/f$(printf %04d $n).bin"
	n=$((n + 1))
done
sync

# seconds CMD...: runs CMD and prints how long it took, in seconds.
seconds() {
	start=$(date +%s.%N)
	"$@"
	end=$(date +%s.%N)
	echo "$start $end" | awk '{ printf "%.3f", $2 - $1 }'
}

"$rclone" version | head -1
echo "part size $part, 4 parts per file, 4 files at a time"
# shellcheck disable=SC2086
s=$(seconds "$rclone" copyto $flags "$work/up/big.bin" vgw:bench/big.bin)
echo "upload 1 GiB: ${s}s, $(echo "$s" | awk '{ printf "%.1f", 1024 / $1 }') MiB/s"
# shellcheck disable=SC2086
s=$(seconds sh -c "'$rclone' copyto $flags vgw:bench/big.bin '$work/down/big.bin' && sync '$work/down/big.bin'")
echo "download 1 GiB: ${s}s, $(echo "$s" | awk '{ printf "%.1f", 1024 / $1 }') MiB/s"
cmp "$work/up/big.bin" "$work/down/big.bin"
# shellcheck disable=SC2086
s=$(seconds "$rclone" copy $flags "$work/up/folder" vgw:bench/folder)
echo "upload 1,000 x 64 KiB: ${s}s, $(echo "$s" | awk '{ printf "%.0f", 1000 / $1 }') files/s"
