package syncer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/haul-app/haul/internal/heappeak"
	"github.com/haul-app/haul/store"
)

// genBucket is a Lister whose objects are made up from their index, so
// that it holds nothing on the heap: object i is "d<i/1000>/f<i%1000>.txt"
// of the size of its base name, modified at base + i seconds and uploaded
// an hour later.
type genBucket struct {
	n    int
	base time.Time
}

const perFolder = 1000

func genName(i int) (dir, name string) {
	return fmt.Sprintf("d%03d", i/perFolder), fmt.Sprintf("f%04d.txt", i%perFolder)
}

func (g genBucket) object(i int) store.Object {
	dir, name := genName(i)
	mod := g.base.Add(time.Duration(i) * time.Second)
	return store.Object{Key: dir + "/" + name, Size: int64(len(name)), ETag: `"x"`, Modified: mod.Add(time.Hour)}
}

func (g genBucket) List(ctx context.Context, in store.ListInput) (store.Page, error) {
	start, _ := strconv.Atoi(in.Token)
	end := min(start+perFolder, g.n)
	page := store.Page{Objects: make([]store.Object, 0, end-start)}
	for i := start; i < end; i++ {
		page.Objects = append(page.Objects, g.object(i))
	}
	if end < g.n {
		page.Next = strconv.Itoa(end)
	}
	return page, ctx.Err()
}

func (g genBucket) Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error) {
	var d, f int
	if _, err := fmt.Sscanf(key, "d%03d/f%04d.txt", &d, &f); err != nil {
		return store.ObjectInfo{}, &store.Error{Op: "stat", Key: key, Kind: store.ErrNotFound}
	}
	i := d*perFolder + f
	o := g.object(i)
	mod := g.base.Add(time.Duration(i) * time.Second)
	return store.ObjectInfo{Object: o, VersionID: "v", Metadata: map[string]string{
		store.MetaModified: strconv.FormatInt(mod.UnixMilli(), 10),
	}}, ctx.Err()
}

// BenchmarkCompare100k compares 100,000 local files (100 folders of 1,000
// small temporary files) with 100,000 objects of a made-up bucket (pages
// of 1,000, heads answered at once), every one identical, so each costs a
// walk entry, a listing entry, a head and a time comparison. It reports
// files/s and the peak Go heap, which must not grow with the folder: items
// stream out and are dropped.
func BenchmarkCompare100k(b *testing.B) {
	const n = 100 * perFolder
	dir := b.TempDir()
	g := genBucket{n: n, base: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := range n {
		d, name := genName(i)
		if i%perFolder == 0 {
			if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
				b.Fatal(err)
			}
		}
		file := filepath.Join(dir, d, name)
		if err := os.WriteFile(file, []byte(name), 0o644); err != nil {
			b.Fatal(err)
		}
		mod := g.base.Add(time.Duration(i) * time.Second)
		if err := os.Chtimes(file, mod, mod); err != nil {
			b.Fatal(err)
		}
	}
	p := Pair{Local: dir, Bucket: "b", Direction: MirrorUp}
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		stop := heappeak.Start()
		sum, err := Compare(context.Background(), p, g, func(Item) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		if sum.Same.Files != n {
			b.Fatalf("same = %d, want %d (%+v)", sum.Same.Files, n, sum)
		}
		peak = max(peak, stop())
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "files/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
