package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/haul-app/haul/store/s3test"
)

// BenchmarkListFolder10k lists a folder of 10,000 objects page by page
// (ten ListObjectsV2 calls) straight from versitygw, without the proxy. The
// folder is seeded once, outside the timer; each iteration is one whole
// listing. It reports objects/s besides ns/op.
func BenchmarkListFolder10k(b *testing.B) {
	const n = 10_000
	srv := s3test.Start(b)
	c, err := NewClient(Config{Endpoint: srv.Endpoint, Region: srv.Region, KeyID: srv.AccessKey, Key: srv.SecretKey})
	if err != nil {
		b.Fatal(err)
	}
	const bucket = "haul-bench"
	mustCreate(b, c, bucket, Private)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("folder/object-%05d.dat", i)
	}
	putAll(b, c, bucket, keys)
	ctx := context.Background()

	b.ReportAllocs()
	iterations := 0
	for b.Loop() {
		listed, pages := 0, 0
		in := ListInput{Bucket: bucket, Prefix: "folder/"}
		for {
			page, err := c.List(ctx, in)
			if err != nil {
				b.Fatalf("List page %d: %v", pages+1, err)
			}
			pages++
			listed += len(page.Objects)
			if page.Next == "" {
				break
			}
			in.Token = page.Next
		}
		if listed != n || pages != n/maxPage {
			b.Fatalf("listed %d objects in %d pages, want %d in %d", listed, pages, n, n/maxPage)
		}
		iterations++
	}
	b.ReportMetric(float64(n*iterations)/b.Elapsed().Seconds(), "objects/s")
}
