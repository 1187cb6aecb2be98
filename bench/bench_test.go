// Package bench measures Haul's transfers side by side with rclone, through
// a shaping proxy that behaves like a line to B2 and on loopback (issue 9).
//
// Run it with `make bench`, which installs rclone v1.75.1 and versitygw into
// .tools/bin first, or by hand:
//
//	go test -run '^$' -bench . -benchtime=1x ./bench/
//
// Each benchmark starts a fresh versitygw and, per tool, a fresh
// lineproxy.Proxy in front of it, so that each tool's connections are
// counted apart. Haul runs first, then rclone, on the same workload; Haul
// through transfer.NewQueue with transfer.DefaultOptions() (and a journal,
// as the app keeps one), rclone v1.75.1 at its defaults unless a benchmark
// says otherwise. A download's time includes an fsync of the file for
// rclone, as Haul syncs what it downloads.
//
// Each benchmark reports haul-s and rclone-s (seconds per run), ratio (Haul
// / rclone, lower is better), MiB/s or files/s for each, line-s (the least
// time the line's shared cap allows, where it applies), peak-heap-MiB
// (Haul's Go heap in use, sampled every 10 ms; it includes the proxy's
// bytes in flight, proxy-MiB) and conns and rclone-conns (connections
// opened). ns/op is Haul's time. A table of all of them is printed at the
// end.
package bench

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	printTable()
	os.Exit(code)
}

// result is one benchmark's figures for the table.
type result struct {
	name               string
	haul, rclone, line time.Duration
	rcloneSync         time.Duration // of rclone's time, the fsync of a download
	units              float64       // MiB or files
	unit               string        // "MiB/s" or "files/s"
	heap, proxy        float64       // MiB
	conns, rcloneConns int64
	rcloneRSS          float64 // MiB
	rcloneFlags        string
}

var (
	resultsMu sync.Mutex
	results   = map[string]result{}
)

// record reports r's figures on b and keeps them for the table. The times
// are totals over b.N runs.
func record(b *testing.B, r result) {
	n := float64(b.N)
	haul, rclone := r.haul.Seconds()/n, r.rclone.Seconds()/n
	b.ReportMetric(haul*1e9, "ns/op")
	b.ReportMetric(haul, "haul-s")
	b.ReportMetric(rclone, "rclone-s")
	b.ReportMetric(haul/rclone, "ratio")
	b.ReportMetric(r.units/haul, r.unit)
	b.ReportMetric(r.units/rclone, "rclone-"+r.unit)
	if r.line > 0 {
		b.ReportMetric(r.line.Seconds(), "line-s")
	}
	b.ReportMetric(r.heap, "peak-heap-MiB")
	b.ReportMetric(r.proxy, "proxy-MiB")
	b.ReportMetric(float64(r.conns)/n, "conns")
	b.ReportMetric(float64(r.rcloneConns)/n, "rclone-conns")
	b.ReportMetric(r.rcloneRSS, "rclone-rss-MiB")
	r.name = strings.TrimPrefix(b.Name(), "Benchmark")
	r.haul = time.Duration(float64(r.haul) / n)
	r.rclone = time.Duration(float64(r.rclone) / n)
	r.rcloneSync = time.Duration(float64(r.rcloneSync) / n)
	r.conns /= int64(b.N)
	r.rcloneConns /= int64(b.N)
	b.Logf("Haul %.2fs, rclone %.2fs (%s; fsync %.2fs), ratio %.2f; %.1f / %.1f %s; line %s; Haul heap %.0f MiB (proxy %.1f); connections %d / %d",
		r.haul.Seconds(), r.rclone.Seconds(), r.rcloneFlags, r.rcloneSync.Seconds(), haul/rclone, r.units/haul, r.units/rclone, r.unit,
		lineText(r.line), r.heap, r.proxy, r.conns, r.rcloneConns)
	resultsMu.Lock()
	results[r.name] = r
	resultsMu.Unlock()
}

func lineText(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// printTable prints every benchmark's figures, in name order.
func printTable() {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return
	}
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "workload\tHaul s\trclone s\tHaul/rclone\tHaul rate\trclone rate\tline limit\tHaul heap MiB\tconns Haul/rclone\trclone flags\t")
	for _, n := range names {
		r := results[n]
		h, c := r.haul.Seconds(), r.rclone.Seconds()
		fmt.Fprintf(w, "%s\t%.2f\t%.2f\t%.2f\t%.1f %s\t%.1f %s\t%s\t%.0f\t%d/%d\t%s\t\n",
			n, h, c, h/c, r.units/h, r.unit, r.units/c, r.unit, lineText(r.line), r.heap, r.conns, r.rcloneConns, r.rcloneFlags)
	}
	fmt.Println()
	w.Flush()
	fmt.Println("Haul heap includes the proxy's bytes in flight; a download's time includes an fsync of the file for both.")
}
