package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/haul-app/haul/store/b2proxy"
)

// smallCheckpoints lowers checkpointEvery to 1 MiB for one test.
func smallCheckpoints(t *testing.T) {
	old := checkpointEvery
	checkpointEvery = 1 << 20
	t.Cleanup(func() { checkpointEvery = old })
}

// TestDiskFullInsideRange fills the disk 2.5 MiB into the third range of a
// download. The failure keeps what was synced of that range (checkpoints
// every MiB), says which file could not be written and why, and counts only
// synced bytes as done; Retry asks for the third range from where its last
// checkpoint was, not from its start, and the file arrives byte for byte.
func TestDiskFullInsideRange(t *testing.T) {
	noSplits(t)
	smallCheckpoints(t)
	e := newEnv(t)
	o := testOptions(t)
	o.PartsPerFile = 1
	q := e.queue(t, o)
	local := filepath.Join(t.TempDir(), "f")
	size := int64(30 << 20)
	sum := writeRandom(t, local, size, 80)
	upload(t, q, e.bucket, local, "f")

	room := new(atomic.Int64)
	room.Store(2*testPart + 5<<19) // two ranges and 2.5 MiB
	q.mu.Lock()
	q.openFile = func(name string) (partialFile, error) {
		f, err := openPartial(name)
		if err != nil {
			return nil, err
		}
		return fullDisk{f, room}, nil
	}
	q.mu.Unlock()
	target := filepath.Join(t.TempDir(), "f")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
	must(t, err)
	st := wait(t, q, id)
	if st.State != Failed || !errors.Is(st.Err, ErrDiskFull) || !errors.Is(st.Err, syscall.ENOSPC) {
		t.Fatalf("on a full disk the job is %v: %v; want Failed with ErrDiskFull", st.State, st.Err)
	}
	if msg := st.Err.Error(); !strings.Contains(msg, tempPath(target)) || !strings.Contains(msg, "the disk is full") {
		t.Errorf("the error %q does not name the file and say the disk is full", msg)
	}
	recs := readJournal(t, o.JournalDir)
	if len(recs) != 1 {
		t.Fatalf("journal after the failure: %+v", recs)
	}
	rec := recs[0].Download
	saved, ok := rec.Partial[2]
	if len(rec.Ranges) != 2 || len(rec.Partial) != 1 || !ok || saved < 1<<20 || saved > 5<<19 {
		t.Fatalf("journal after the failure: ranges %v, partial %v; want [0 1] and 1 to 2.5 MiB of range 2",
			rec.Ranges, rec.Partial)
	}
	if st.Done != 2*testPart+saved {
		t.Errorf("the failed job shows %d bytes done, want the %d synced", st.Done, 2*testPart+saved)
	}

	q.mu.Lock()
	q.openFile = openPartial // space freed
	q.mu.Unlock()
	e.proxy.Reset()
	must(t, q.Retry(id))
	waitDone(t, q, id)
	var fetched int64
	first := true
	for _, r := range e.proxy.Requests() {
		if r.Op != "GetObject" {
			continue
		}
		from, to := parseRange(t, r.Header.Get("Range"))
		fetched += to - from + 1
		if first && from != 2*testPart+saved {
			t.Errorf("the retry first asked for bytes from %d, want %d (where range 2's checkpoint was)", from, 2*testPart+saved)
		}
		if from < 2*testPart+saved {
			t.Errorf("after the retry fetched from %d, before the checkpoint at %d", from, 2*testPart+saved)
		}
		first = false
	}
	if want := size - 2*testPart - saved; fetched != want {
		t.Errorf("the retry fetched %d bytes, want the %d missing", fetched, want)
	}
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
}

// TestCrashInsideRange breaks the first ranged GET of a download after 3.5
// MiB, holds every other GET, and kills the process once the journal says
// at least 3 MiB of that range are synced. A new queue on the journal
// resumes the range from its checkpoint: the resumed GET starts there, the
// whole download fetched at most one checkpoint interval more than the
// file's size, and the file arrives byte for byte.
func TestCrashInsideRange(t *testing.T) {
	noSplits(t)
	smallCheckpoints(t)
	e := newEnv(t)
	size := int64(4*testPart + 100)
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, size, 81)
	up := e.queue(t, Options{PartSize: testPart, Threshold: 2 * testPart})
	upload(t, up, e.bucket, local, "f")

	const dropAfter = 7 << 19 // 3.5 MiB
	e.proxy.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.DropMidResponse, DropAfter: dropAfter})
	release := stallAfter(t, e.proxy, "GetObject", 1)
	journal, dest := t.TempDir(), filepath.Join(t.TempDir(), "f")
	// One range at a time, so that the first GET is range 0's, the one
	// that breaks after 3.5 MiB (with several at once the 100-byte last
	// range could come first and take the fault without breaking).
	crash(t, e, crashJob{Journal: journal, CheckpointEvery: checkpointEvery, PartsPerFile: 1, NoSplits: true,
		Download: &DownloadRequest{Bucket: e.bucket, Key: "f", Local: dest}},
		func(recs []record) bool {
			if len(recs) != 1 {
				return false
			}
			for _, got := range recs[0].Download.Partial {
				return got >= 3<<20
			}
			return false
		})
	release()
	rec := readJournal(t, journal)[0].Download
	if len(rec.Partial) != 1 || len(rec.Ranges) != 0 {
		t.Fatalf("journal after the crash: ranges %v, partial %v; want one unfinished range", rec.Ranges, rec.Partial)
	}
	var broken int
	var saved int64
	for i, got := range rec.Partial {
		broken, saved = i, got
	}
	brokenAt := int64(broken)*testPart + saved

	q, warning, err := NewQueue(e.c, Options{PartSize: testPart, Threshold: 2 * testPart, JournalDir: journal})
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	defer q.Close()
	s := q.Snapshot()
	if len(s.Jobs) != 1 || s.Jobs[0].State != Paused || s.Jobs[0].Done != saved {
		t.Fatalf("restored queue: %+v, want the download Paused with %d bytes done", s.Jobs, saved)
	}
	e.proxy.Reset()
	must(t, q.Resume(s.Jobs[0].ID))
	waitDone(t, q, s.Jobs[0].ID)
	var fetched int64
	for _, r := range e.proxy.Requests() {
		if r.Op != "GetObject" {
			continue
		}
		from, to := parseRange(t, r.Header.Get("Range"))
		fetched += to - from + 1
		if int(from/testPart) == broken && from != brokenAt {
			t.Errorf("the broken range %d was asked for from %d, want its checkpoint at %d", broken, from, brokenAt)
		}
	}
	if want := size - saved; fetched != want {
		t.Errorf("fetched %d bytes after the crash, want the %d missing", fetched, want)
	}
	if total := dropAfter + fetched; total > size+checkpointEvery {
		t.Errorf("fetched %d bytes in all for a file of %d, more than one checkpoint interval (%d) again",
			total, size, checkpointEvery)
	}
	if got := fileSHA256(t, dest); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
	if _, err := os.Stat(rec.Temp); !os.IsNotExist(err) {
		t.Errorf("partial file left after the download: %v", err)
	}
}
