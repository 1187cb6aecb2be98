package transfer

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haul-app/haul/internal/heappeak"
)

// TestMemory uploads and downloads 200 MiB with the default part size
// (64 MiB parts, four in flight): the Go heap stays under 64 MiB, so no part
// is held in memory. It also checks that progress adds up while it runs.
func TestMemory(t *testing.T) {
	e := newEnv(t)
	o := DefaultOptions()
	o.JournalDir = t.TempDir()
	q := e.queue(t, o)
	size := int64(200 << 20)
	if testing.Short() {
		size = 140 << 20
	}
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, size, 50)

	var sawSpeed atomic.Bool
	watch := func(id JobID) (stop func()) {
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				s := q.Snapshot()
				for _, j := range s.Jobs {
					if j.ID == id && (j.Done > j.Size || j.Done < 0) {
						t.Errorf("progress %d of %d bytes", j.Done, j.Size)
					}
					if j.ID == id && j.State == Running && j.Speed > 0 {
						sawSpeed.Store(true)
					}
				}
				select {
				case <-done:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
		return func() { close(done); wg.Wait() }
	}

	stop := heappeak.Start()
	id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "f"})
	if err != nil {
		t.Fatal(err)
	}
	unwatch := watch(id)
	st := waitDone(t, q, id)
	unwatch()
	if peak := stop(); peak > 64<<20 {
		t.Errorf("peak heap in use %d MiB during a %d MiB upload, want under 64 MiB", peak>>20, size>>20)
	} else {
		t.Logf("peak heap in use during the upload: %d MiB", peak>>20)
	}
	if st.Done != size || st.Size != size {
		t.Errorf("finished upload reports %d of %d bytes, want %d", st.Done, st.Size, size)
	}

	stop = heappeak.Start()
	target := filepath.Join(t.TempDir(), "f")
	id, err = q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
	if err != nil {
		t.Fatal(err)
	}
	unwatch = watch(id)
	waitDone(t, q, id)
	unwatch()
	if peak := stop(); peak > 64<<20 {
		t.Errorf("peak heap in use %d MiB during a %d MiB download, want under 64 MiB", peak>>20, size>>20)
	} else {
		t.Logf("peak heap in use during the download: %d MiB", peak>>20)
	}
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
	if !sawSpeed.Load() {
		t.Log("no speed sampled (the transfers were faster than the sampler)")
	}
}

// fullBudget opens the queue's whole connection ceiling at once, as if the
// budget had grown to it.
func fullBudget(q *Queue) {
	q.conns.mu.Lock()
	q.conns.limit = q.conns.ceiling
	q.conns.mu.Unlock()
}

// TestMemoryHighBudget: with the budget at its largest ceiling and 32 parts
// of one file in flight, the heap stays under 64 MiB both ways: parts
// stream from and to the file, and the hash pass holds a few chunks.
func TestMemoryHighBudget(t *testing.T) {
	e := newEnv(t)
	o := testOptions(t)
	o.MaxConnections, o.PartsPerFile = maxConnections, maxPartsPerFile
	q := e.queue(t, o)
	fullBudget(q)
	size := int64(256 << 20)
	if testing.Short() {
		size = 128 << 20
	}
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, size, 51)
	var peakInFlight atomic.Int32
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			if n := int32(q.Snapshot().InFlight); n > peakInFlight.Load() {
				peakInFlight.Store(n)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	stop := heappeak.Start()
	upload(t, q, e.bucket, local, "f")
	if peak := stop(); peak > 64<<20 {
		t.Errorf("peak heap in use %d MiB during a %d MiB upload with %d parts in flight, want under 64 MiB", peak>>20, size>>20, peakInFlight.Load())
	} else {
		t.Logf("peak heap in use during the upload: %d MiB, up to %d requests in flight", peak>>20, peakInFlight.Load())
	}
	stop = heappeak.Start()
	target := filepath.Join(t.TempDir(), "f")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	close(done)
	wg.Wait()
	if peak := stop(); peak > 64<<20 {
		t.Errorf("peak heap in use %d MiB during a %d MiB download, want under 64 MiB", peak>>20, size>>20)
	} else {
		t.Logf("peak heap in use during the download: %d MiB, up to %d requests in flight", peak>>20, peakInFlight.Load())
	}
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
}
