package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/haul-app/haul/internal/heappeak"
)

// generatedVersions serves a listing of folders × files × versions entries
// (every tenth file hidden by a delete marker) in pages of 1,000, made up
// page by page into one reused buffer, as a listing would arrive: nothing
// holds the whole listing.
func generatedVersions(folders, files, versions int) versionSource {
	total := folders * files * versions
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	buf := make([]Version, 0, maxPage)
	entry := func(i int) Version {
		f, rest := i/(files*versions), i%(files*versions)
		file, n := rest/versions, rest%versions
		v := Version{
			Key:       fmt.Sprintf("folder-%03d/file-%05d.dat", f, file),
			VersionID: fmt.Sprintf("v%07d", i),
			Size:      int64(1000 + i%4096),
			Modified:  at.Add(-time.Duration(n) * time.Hour),
			IsLatest:  n == 0,
		}
		if n == 0 && file%10 == 0 {
			v.DeleteMarker, v.Size = true, 0
		}
		return v
	}
	return func(ctx context.Context, from versionMark) (versionList, error) {
		start := 0
		if from.ID != "" {
			fmt.Sscanf(from.ID, "v%d", &start)
			start++
		}
		buf = buf[:0]
		for i := start; i < min(start+maxPage, total); i++ {
			buf = append(buf, entry(i))
		}
		l := versionList{versions: buf}
		if end := start + len(buf); end < total {
			last := buf[len(buf)-1]
			l.more, l.next = true, versionMark{Key: last.Key, ID: last.VersionID}
		}
		return l, nil
	}
}

// BenchmarkStorageReport100k adds up a listing of 100,000 versions (100
// folders of 250 files of 4 versions) and reports versions/s and the peak
// heap. The listing is generated in memory, not read from versitygw:
// making 100,000 versions there takes minutes of PUTs before the first
// iteration, and what this measures is the aggregation, whose memory must
// not grow with the versions; BenchmarkListFolder10k measures listing
// against the real server. The page source allocates the keys of each page
// as a decoded answer would.
func BenchmarkStorageReport100k(b *testing.B) {
	const folders, files, versions = 100, 250, 4
	const n = folders * files * versions
	b.ReportAllocs()
	var peak uint64
	iterations := 0
	for b.Loop() {
		stop := heappeak.Start()
		r := &Report{Folders: make(map[string]*Usage)}
		if err := r.addVersions(context.Background(), generatedVersions(folders, files, versions), nil); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, stop())
		if r.Seen != n || len(r.Folders) != folders || r.Total.Hidden.Count != folders*files/10 {
			b.Fatalf("seen %d in %d folders, %d hidden; want %d in %d, %d", r.Seen, len(r.Folders), r.Total.Hidden.Count, n, folders, folders*files/10)
		}
		iterations++
	}
	b.ReportMetric(float64(n*iterations)/b.Elapsed().Seconds(), "versions/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
