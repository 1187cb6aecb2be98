package transfer

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/s3test"

	"github.com/haul-app/haul/internal/heappeak"
)

// Benchmarks run against versitygw on loopback directly, without the proxy,
// with the default options (a journal included) unless they say otherwise.
// Each reports MiB/s (or files/s) and the peak Go heap in use, sampled every
// 10 ms, as peak-heap-MiB. Large ones run once per -benchtime=1s; files go
// to the system's temporary folder and are removed afterwards.
// transfer/testdata/bench-rclone.sh measures rclone on the same workloads.

// benchEnv is a fresh server, a client talking to it directly and a bucket.
func benchEnv(b *testing.B) (*store.Client, string) {
	b.Helper()
	srv := s3test.Start(b)
	c := newClient(b, srv, srv.Endpoint)
	const bucket = "haul-bench"
	if err := c.CreateBucket(context.Background(), bucket, store.Private); err != nil {
		b.Fatal(err)
	}
	return c, bucket
}

func benchQueue(b *testing.B, c *store.Client, o Options) *Queue {
	b.Helper()
	o.JournalDir = b.TempDir()
	q, _, err := NewQueue(c, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { q.Close() })
	return q
}

// report adds MiB/s and the heap peak to a benchmark's results.
func report(b *testing.B, bytes int64, peak uint64) {
	b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/(1<<20), "MiB/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

func benchUpload(b *testing.B, size int64, o Options) {
	c, bucket := benchEnv(b)
	q := benchQueue(b, c, o)
	local := filepath.Join(b.TempDir(), "big.bin")
	writeRandom(b, local, size, 1)
	b.SetBytes(size)
	stop := heappeak.Start()
	i := 0
	for b.Loop() {
		upload(b, q, bucket, local, fmt.Sprintf("big-%d.bin", i))
		i++
	}
	report(b, size, stop())
}

func benchDownload(b *testing.B, size int64, o Options) {
	c, bucket := benchEnv(b)
	q := benchQueue(b, c, o)
	dir := b.TempDir()
	local := filepath.Join(dir, "big.bin")
	writeRandom(b, local, size, 2)
	upload(b, q, bucket, local, "big.bin")
	os.Remove(local)
	b.SetBytes(size)
	stop := heappeak.Start()
	for b.Loop() {
		target := filepath.Join(dir, "down.bin")
		id, err := q.AddDownload(DownloadRequest{Bucket: bucket, Key: "big.bin", Local: target})
		if err != nil {
			b.Fatal(err)
		}
		waitDone(b, q, id)
		b.StopTimer()
		os.Remove(target)
		b.StartTimer()
	}
	report(b, size, stop())
}

// BenchmarkUpload1GiB uploads a 1 GiB file with the default options: 16
// parts of 64 MiB, up to 8 at a time within the budget, after the hash
// pass (SHA-1 for large_file_sha1 and each part's MD5).
func BenchmarkUpload1GiB(b *testing.B) { benchUpload(b, 1<<30, DefaultOptions()) }

// BenchmarkUpload4GiB shows that the heap does not grow with the file.
func BenchmarkUpload4GiB(b *testing.B) { benchUpload(b, 4<<30, DefaultOptions()) }

// BenchmarkUploadHighBudget uploads 1 GiB and 10 GiB with the budget at
// its largest ceiling (128) and 32 parts of 64 MiB in flight, and reports
// the peak heap: it must stay under 64 MiB whatever the budget. The 10 GiB
// file takes 10 GiB of temporary disk.
func BenchmarkUploadHighBudget(b *testing.B) {
	for _, size := range []int64{1 << 30, 10 << 30} {
		b.Run(fmt.Sprintf("%dGiB", size>>30), func(b *testing.B) {
			o := DefaultOptions()
			o.MaxConnections, o.PartsPerFile = maxConnections, maxPartsPerFile
			c, bucket := benchEnv(b)
			q := benchQueue(b, c, o)
			fullBudget(q)
			local := filepath.Join(b.TempDir(), "big.bin")
			writeRandom(b, local, size, 5)
			b.SetBytes(size)
			stop := heappeak.Start()
			i := 0
			for b.Loop() {
				upload(b, q, bucket, local, fmt.Sprintf("big-%d.bin", i))
				i++
			}
			report(b, size, stop())
		})
	}
}

// BenchmarkDownload1GiB downloads a 1 GiB object with the default options:
// 16 ranges of 64 MiB, up to 8 at a time, each synced, then the SHA-1 check.
func BenchmarkDownload1GiB(b *testing.B) { benchDownload(b, 1<<30, DefaultOptions()) }

// BenchmarkPartSize compares part sizes for 1 GiB each way, the data behind
// DefaultPartSize.
func BenchmarkPartSize(b *testing.B) {
	for _, ps := range []int64{16 << 20, 64 << 20, 100_000_000} {
		o := DefaultOptions()
		o.PartSize, o.Threshold = ps, 2*ps
		b.Run(fmt.Sprintf("upload-%dMiB", ps>>20), func(b *testing.B) { benchUpload(b, 1<<30, o) })
		b.Run(fmt.Sprintf("download-%dMiB", ps>>20), func(b *testing.B) { benchDownload(b, 1<<30, o) })
	}
}

// BenchmarkSinglePut1GiB is the baseline: one PutObject of the same file
// through the store client (its MD5 pass included), no queue.
func BenchmarkSinglePut1GiB(b *testing.B) {
	c, bucket := benchEnv(b)
	const size = 1 << 30
	local := filepath.Join(b.TempDir(), "big.bin")
	writeRandom(b, local, size, 3)
	f, err := os.Open(local)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(size)
	stop := heappeak.Start()
	for b.Loop() {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Put(context.Background(), store.PutInput{Bucket: bucket, Key: "big.bin", Body: f}); err != nil {
			b.Fatal(err)
		}
	}
	report(b, size, stop())
}

// BenchmarkSingleGet1GiB is the baseline: one GetObject stream of the same
// object into a file, synced at the end, no queue.
func BenchmarkSingleGet1GiB(b *testing.B) {
	c, bucket := benchEnv(b)
	const size = 1 << 30
	dir := b.TempDir()
	local := filepath.Join(dir, "big.bin")
	writeRandom(b, local, size, 4)
	f, err := os.Open(local)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Put(context.Background(), store.PutInput{Bucket: bucket, Key: "big.bin", Body: f}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	os.Remove(local)
	b.SetBytes(size)
	stop := heappeak.Start()
	for b.Loop() {
		body, err := c.GetRange(context.Background(), bucket, "big.bin", "", 0, -1)
		if err != nil {
			b.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dir, "down.bin"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(out, body); err != nil {
			b.Fatal(err)
		}
		body.Close()
		if err := out.Sync(); err != nil {
			b.Fatal(err)
		}
		out.Close()
		b.StopTimer()
		os.Remove(out.Name())
		b.StartTimer()
	}
	report(b, size, stop())
}

// BenchmarkUploadFolder1000x64KiB uploads a folder of 1,000 files of 64 KiB
// (PlanUpload, then one job per file, as many at once as the connection
// budget allows) and reports files/s.
func BenchmarkUploadFolder1000x64KiB(b *testing.B) { benchFolder(b, 1000) }

// BenchmarkUploadFolder300x64KiB is issue 9's folder workload on loopback.
func BenchmarkUploadFolder300x64KiB(b *testing.B) { benchFolder(b, 300) }

func benchFolder(b *testing.B, n int) {
	c, bucket := benchEnv(b)
	q := benchQueue(b, c, DefaultOptions())
	dir := filepath.Join(b.TempDir(), "folder")
	for i := range n {
		writeRandom(b, filepath.Join(dir, fmt.Sprintf("f%04d.bin", i)), 64<<10, uint64(i))
	}
	b.SetBytes(int64(n) * 64 << 10)
	stop := heappeak.Start()
	i := 0
	for b.Loop() {
		reqs, rejected, err := PlanUpload([]string{dir}, bucket, fmt.Sprintf("run%d", i))
		if err != nil || len(rejected) != 0 || len(reqs) != n {
			b.Fatalf("PlanUpload: %d, %v, %v", len(reqs), rejected, err)
		}
		ids := make([]JobID, len(reqs))
		for k, r := range reqs {
			if ids[k], err = q.AddUpload(r); err != nil {
				b.Fatal(err)
			}
		}
		for _, id := range ids {
			waitDone(b, q, id)
		}
		q.ClearFinished()
		i++
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
}
