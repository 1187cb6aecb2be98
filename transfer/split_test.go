package transfer

import (
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/haul-app/haul/store/b2proxy"
)

// splitGETs returns the ranged GETs the proxy saw that start strictly
// inside [from, to): the requests of pieces split off a range.
func splitGETs(t *testing.T, p *b2proxy.Proxy, from, to int64) (starts []int64) {
	t.Helper()
	for _, r := range p.Requests() {
		if r.Op != "GetObject" || r.Header.Get("Range") == "" {
			continue
		}
		if a, _ := parseRange(t, r.Header.Get("Range")); a > from && a < to {
			starts = append(starts, a)
		}
	}
	return starts
}

// TestSplitStraggler serves the last range of a download over a connection
// that straggles at 256 KiB/s (the other ranges come at loopback speed).
// The goroutines whose ranges are done split what the straggler has left and
// fetch it over their own connections: the proxy sees GETs that start
// inside the last range, and the file arrives byte for byte.
//
// A second download of the same file is paused once a split is under way:
// the journal keeps only the gapless prefix of each range (what split-off
// pieces wrote after a gap is not counted as done), the job's bytes done
// are what the journal keeps, and the resumed download asks only for what
// comes after each range's prefix.
func TestSplitStraggler(t *testing.T) {
	smallCheckpoints(t)
	e := newEnv(t)
	o := testOptions(t)
	o.PartsPerFile = 4
	q := e.queue(t, o)
	local := filepath.Join(t.TempDir(), "f")
	size := int64(4 * testPart)
	sum := writeRandom(t, local, size, 83)
	upload(t, q, e.bucket, local, "f")
	last := int64(3 * testPart)
	slow := e.proxy.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.SlowResponse, Rate: 256 << 10, Times: b2proxy.Forever,
		Match: func(r *http.Request) bool {
			return r.Header.Get("Range") == "bytes="+strconv.FormatInt(last, 10)+"-"+strconv.FormatInt(size-1, 10)
		}})

	target := filepath.Join(t.TempDir(), "whole")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target, Size: size})
	must(t, err)
	waitDone(t, q, id)
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
	if slow.Fired() == 0 {
		t.Fatal("the last range's GET never straggled")
	}
	if starts := splitGETs(t, e.proxy, last, size); len(starts) == 0 {
		t.Errorf("no GET started inside the straggling range [%d, %d): it was not split", last, size)
	}

	e.proxy.Reset()
	target = filepath.Join(t.TempDir(), "paused")
	id, err = q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target, Size: size})
	must(t, err)
	poll(t, "a split of the straggling range", func() bool { return len(splitGETs(t, e.proxy, last, size)) > 0 })
	must(t, q.Pause(id))
	if st := wait(t, q, id); st.State != Paused {
		t.Fatalf("the paused download is %v: %v", st.State, st.Err)
	}
	var rec *downState
	poll(t, "the journal to record the paused download", func() bool {
		for _, r := range readJournal(t, o.JournalDir) {
			if r.Download != nil && r.Download.Local == target {
				rec = r.Download
			}
		}
		return rec != nil
	})
	if slices.Contains(rec.Ranges, 3) {
		t.Fatalf("journal of the paused download: ranges %v, partial %v; range 3 is whole while its straggler still ran", rec.Ranges, rec.Partial)
	}
	if st := statusOf(q, id); st.Done != rec.doneBytes() {
		t.Errorf("the paused download shows %d bytes done, want the %d its journal keeps (ranges %v, partial %v)", st.Done, rec.doneBytes(), rec.Ranges, rec.Partial)
	}
	// Where the resumed download may start asking, range by range: nothing
	// of a whole range, only after the saved prefix of the others.
	resumeAt := func(from int64) int64 {
		k := int(from / testPart)
		if slices.Contains(rec.Ranges, k) {
			return size
		}
		return int64(k)*testPart + rec.Partial[k]
	}

	e.proxy.Reset()
	must(t, q.Resume(id))
	waitDone(t, q, id)
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("resumed download's SHA-256 %s, want %s", got, sum)
	}
	for _, r := range e.proxy.Requests() {
		if r.Op != "GetObject" {
			continue
		}
		if from, _ := parseRange(t, r.Header.Get("Range")); from < resumeAt(from) {
			t.Errorf("the resumed download asked for bytes from %d, before what the journal kept ends at %d", from, resumeAt(from))
		}
	}
}

// TestEarlyRangesCheckTheVersion: the ranges a fresh download asks for
// alongside its first one are used only when their answers are of the
// version the first answer pinned. Here the file is replaced (same size,
// new content) after the first range's answer and before the other three
// requests reach the server: their answers, of the new version, are
// dropped and those ranges asked for again with the pinned version ID, and
// the download is the version it pinned, byte for byte.
func TestEarlyRangesCheckTheVersion(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	o := testOptions(t)
	o.PartsPerFile = 4
	q := e.queue(t, o)
	size := int64(4 * testPart)
	src := t.TempDir()
	oldSum := writeRandom(t, filepath.Join(src, "old"), size, 84)
	newSum := writeRandom(t, filepath.Join(src, "new"), size, 85)
	upload(t, q, e.bucket, filepath.Join(src, "old"), "f")

	gate := make(chan struct{})
	var held atomic.Int32
	e.proxy.Inject(b2proxy.Fault{Op: "GetObject", Kind: b2proxy.InternalError, Times: b2proxy.Forever,
		Match: func(r *http.Request) bool {
			if r.URL.Query().Get("versionId") == "" && !strings.HasPrefix(r.Header.Get("Range"), "bytes=0-") {
				held.Add(1)
				<-gate
			}
			return false // it only holds
		}})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	e.proxy.Reset()

	target := filepath.Join(t.TempDir(), "f")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target, Size: size})
	must(t, err)
	var pinned string
	poll(t, "the first answer's pin, and the other three ranges held", func() bool {
		q.mu.Lock()
		pinned = q.byID[id].down.Pinned
		q.mu.Unlock()
		return pinned != "" && held.Load() == 3
	})
	upload(t, e.queue(t, testOptions(t)), e.bucket, filepath.Join(src, "new"), "f")
	release()
	waitDone(t, q, id)
	if got := fileSHA256(t, target); got != oldSum {
		t.Errorf("downloaded SHA-256 %s, want the pinned version's %s (the new one is %s)", got, oldSum, newSum)
	}
	unpinned, again := map[int64]int{}, map[int64]int{}
	for _, r := range e.proxy.Requests() {
		if r.Op != "GetObject" {
			continue
		}
		from, _ := parseRange(t, r.Header.Get("Range"))
		q, err := url.ParseQuery(r.Query)
		must(t, err)
		switch v := q.Get("versionId"); {
		case from == 0:
		case v == "":
			unpinned[from]++
		case v == pinned:
			again[from]++
		default:
			t.Errorf("a GET from %d asked for version %s, not the pinned %s", from, v, pinned)
		}
	}
	for k := int64(1); k < 4; k++ {
		if unpinned[k*testPart] != 1 || again[k*testPart] != 1 {
			t.Errorf("range %d: %d early GETs and %d pinned ones, want one of each (early %v, pinned %v)", k, unpinned[k*testPart], again[k*testPart], unpinned, again)
		}
	}
}
