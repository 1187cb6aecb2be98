package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store/lineproxy"

	"github.com/haul-app/haul/internal/heappeak"
)

// The workloads of issue 9. Run them with -benchtime=1x: each iteration
// moves the whole workload once with Haul and once with rclone.

// BenchmarkLineFolder300x64KiB drops a folder of 300 files of 64 KiB on
// Haul (PlanUpload, then one AddUpload per file) and copies the same folder
// with rclone at its defaults, through the line. The line's caps do not
// bind here: round trips do.
func BenchmarkLineFolder300x64KiB(b *testing.B) {
	const n, size = 300, 64 << 10
	e := newEnv(b, line)
	dir := folder(b, n, size)
	hb, rb := e.bucket(b, "haul-bench"), e.bucket(b, "rclone-bench")
	h, r := e.haul(b), e.rclone(b)
	res := result{units: n, unit: "files/s", rcloneFlags: "defaults"}
	for i := range b.N {
		res.haul += measure(&res, func() { h.uploadPaths(b, []string{dir}, hb, fmt.Sprintf("run%d", i)) })
		res.rclone += r.copy(b, dir, fmt.Sprintf("line:%s/run%d/folder", rb, i))
	}
	finish(b, &res, h, r)
}

// BenchmarkLineUpload512MiB uploads one file of 512 MiB through the line.
func BenchmarkLineUpload512MiB(b *testing.B) {
	benchUpload(b, line, 512<<20, "defaults")
}

// BenchmarkLineDownload100MiB downloads one object of 100 MiB through the
// line: a file rclone fetches over one connection at its defaults (below
// its multi-thread cutoff), and Haul in ranges.
func BenchmarkLineDownload100MiB(b *testing.B) {
	benchDownload(b, line, 100<<20)
}

// BenchmarkLineDownload512MiB downloads one object of 512 MiB, uploaded as
// Haul uploads it, through the line.
func BenchmarkLineDownload512MiB(b *testing.B) {
	benchDownload(b, line, 512<<20)
}

// BenchmarkLoopbackUpload1GiB uploads 1 GiB on loopback with matched
// settings: Haul's defaults (64 MiB parts, 4 at a time) and rclone with
// --s3-chunk-size 64M --s3-upload-concurrency 4.
func BenchmarkLoopbackUpload1GiB(b *testing.B) {
	benchUpload(b, loopback, 1<<30, "--s3-chunk-size", "64M", "--s3-upload-concurrency", "4")
}

// BenchmarkLoopbackDownload1GiB downloads 1 GiB on loopback, both tools at
// their defaults.
func BenchmarkLoopbackDownload1GiB(b *testing.B) {
	benchDownload(b, loopback, 1<<30)
}

// benchUpload uploads a file of size bytes with each tool; flags are
// rclone's, or "defaults".
func benchUpload(b *testing.B, l lineproxy.Line, size int64, flags ...string) {
	e := newEnv(b, l)
	local := filepath.Join(b.TempDir(), "big.bin")
	writeRandom(b, local, size, 1)
	hb, rb := e.bucket(b, "haul-bench"), e.bucket(b, "rclone-bench")
	h, r := e.haul(b), e.rclone(b)
	res := result{units: float64(size) / (1 << 20), unit: "MiB/s", line: lineTime(l, size), rcloneFlags: strings.Join(flags, " ")}
	if flags[0] == "defaults" {
		flags = nil
	}
	for i := range b.N {
		res.haul += measure(&res, func() { h.uploadPaths(b, []string{local}, hb, fmt.Sprintf("run%d", i)) })
		res.rclone += r.copy(b, local, fmt.Sprintf("line:%s/run%d", rb, i), flags...)
	}
	finish(b, &res, h, r)
}

// benchDownload downloads an object of size bytes with each tool, both at
// their defaults. rclone's time includes an fsync of the file.
func benchDownload(b *testing.B, l lineproxy.Line, size int64) {
	e := newEnv(b, l)
	src := e.bucket(b, "bench-source")
	local := filepath.Join(b.TempDir(), "big.bin")
	writeRandom(b, local, size, 2)
	e.seed(b, src, local, "big.bin")
	os.Remove(local)
	h, r := e.haul(b), e.rclone(b)
	res := result{units: float64(size) / (1 << 20), unit: "MiB/s", line: lineTime(l, size), rcloneFlags: "defaults"}
	hd, rd := b.TempDir(), b.TempDir()
	for range b.N {
		req := h.listed(b, src, "big.bin", hd) // the folder the person has open
		res.haul += measure(&res, func() { h.download(b, req) })
		sizeIs(b, filepath.Join(hd, "big.bin"), size)
		os.Remove(filepath.Join(hd, "big.bin"))
		d := r.copy(b, "line:"+src+"/big.bin", rd)
		sync := syncFile(b, filepath.Join(rd, "big.bin"))
		res.rclone += d + sync
		res.rcloneSync += sync
		sizeIs(b, filepath.Join(rd, "big.bin"), size)
		os.Remove(filepath.Join(rd, "big.bin"))
	}
	finish(b, &res, h, r)
}

// measure runs Haul's part of an iteration, keeps the heap's peak in res
// and returns how long it took. It settles the disk first.
func measure(res *result, run func()) time.Duration {
	settle()
	stop := heappeak.Start()
	start := time.Now()
	run()
	d := time.Since(start)
	res.heap = max(res.heap, float64(stop())/(1<<20))
	return d
}

// finish adds the proxies' counters to res and records it.
func finish(b *testing.B, res *result, h *haul, r *rclone) {
	hs, rs := h.p.Stats(), r.p.Stats()
	res.conns, res.rcloneConns = hs.Conns, rs.Conns
	res.proxy = float64(hs.PeakInFlight) / (1 << 20)
	res.rcloneRSS = r.rss
	record(b, *res)
}
