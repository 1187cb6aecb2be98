package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/syncer"
)

// BenchmarkSync1000Changed syncs a folder of 1,000 small files (4 KiB)
// that all changed since the last sync: same sizes, new contents, a newer
// modification time. Each tool's bucket was filled beforehand by that tool
// itself (straight to the server, not through the line), so each finds the
// modification times it keeps: Haul's src_last_modified_millis, rclone's
// mtime. Then, through the 60 ms line, Haul runs syncer.Run in the Upload
// direction through its transfer queue (what the sync dialog does), and
// rclone runs `rclone sync` at its defaults. Both must compare every file
// by time, which on S3 costs a Head each, and upload all of them.
// Afterwards each bucket is compared by checksum with the folder, straight
// to the server: every file must be the same.
func BenchmarkSync1000Changed(b *testing.B) {
	const n, size = 1000, 4 << 10
	e := newEnv(b, line)
	dir := folder(b, n, size)
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	touch(b, dir, n, base)
	hb, rb := e.bucket(b, "haul-sync"), e.bucket(b, "rclone-sync")
	h, r := e.haul(b), e.rclone(b)

	// The first syncs, straight to the server.
	if res, err := syncer.Run(context.Background(), syncer.Pair{Local: dir, Bucket: hb, Direction: syncer.Upload}, e.direct, newQueue(b, e.direct)); err != nil || res.Copied.Files != n {
		b.Fatalf("seed Haul's bucket: copied %d of %d, %v (%v)", res.Copied.Files, n, err, res.Failed)
	}
	direct := *r
	direct.env = append(append([]string(nil), r.env...),
		"RCLONE_CONFIG_DIRECT_TYPE=s3",
		"RCLONE_CONFIG_DIRECT_PROVIDER=Other",
		"RCLONE_CONFIG_DIRECT_ENDPOINT="+e.srv.Endpoint,
		"RCLONE_CONFIG_DIRECT_REGION="+e.srv.Region,
		"RCLONE_CONFIG_DIRECT_ACCESS_KEY_ID="+e.srv.AccessKey,
		"RCLONE_CONFIG_DIRECT_SECRET_ACCESS_KEY="+e.srv.SecretKey,
		"RCLONE_CONFIG_DIRECT_FORCE_PATH_STYLE=true",
	)
	direct.run(b, "sync", dir, "direct:"+rb)

	res := result{units: n, unit: "files/s", rcloneFlags: "defaults"}
	for i := range b.N {
		for j := range n {
			writeRandom(b, filepath.Join(dir, fmt.Sprintf("f%04d.bin", j)), size, uint64(1_000_000*(i+1)+j))
		}
		touch(b, dir, n, base.Add(time.Duration(i+1)*time.Hour))
		var run syncer.Result
		res.haul += measure(&res, func() {
			var err error
			run, err = syncer.Run(context.Background(), syncer.Pair{Local: dir, Bucket: hb, Direction: syncer.Upload}, h.c, h.q)
			if err != nil {
				b.Fatalf("Haul's sync: %v", err)
			}
		})
		if run.Copied.Files != n || len(run.Failed) != 0 {
			b.Fatalf("Haul's sync copied %d of %d files; failed: %v", run.Copied.Files, n, run.Failed)
		}
		res.rclone += r.run(b, "sync", dir, "line:"+rb)
		sameEverywhere(b, e.direct, dir, hb, n)
		sameEverywhere(b, e.direct, dir, rb, n)
	}
	finish(b, &res, h, r)
}

// touch sets the modification time of the folder's n files to at.
func touch(b *testing.B, dir string, n int, at time.Time) {
	b.Helper()
	for j := range n {
		if err := os.Chtimes(filepath.Join(dir, fmt.Sprintf("f%04d.bin", j)), at, at); err != nil {
			b.Fatal(err)
		}
	}
}

// sameEverywhere fails unless a checksum comparison of the folder with the
// bucket finds all n files the same.
func sameEverywhere(b *testing.B, c *store.Client, dir, bucket string, n int) {
	b.Helper()
	p := syncer.Pair{Local: dir, Bucket: bucket, Direction: syncer.MirrorUp, Checksum: true}
	sum, err := syncer.Compare(context.Background(), p, c, func(syncer.Item) error { return nil })
	if err != nil || sum.Same.Files != n || !sum.Nothing() {
		b.Fatalf("%s after the sync: %+v, %v", bucket, sum, err)
	}
}
