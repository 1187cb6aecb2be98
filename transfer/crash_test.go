package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
)

// crashEnv carries a crashJob to the child process of the crash tests.
const crashEnv = "HAUL_TRANSFER_CRASH_CHILD"

// crashJob is what the child does: one upload or download through the
// proxy, journaled in Journal.
type crashJob struct {
	Endpoint, Region, KeyID, Key string
	Journal                      string
	Upload                       *UploadRequest
	Download                     *DownloadRequest
	// CheckpointEvery replaces checkpointEvery in the child when set.
	CheckpointEvery int64
	// PartsPerFile is the child queue's parts per file (0: the default).
	PartsPerFile int
	// NoSplits turns off splitting in the child (see noSplits).
	NoSplits bool
}

// TestHelperCrash is not a test: run as a child process by the crash tests
// (with crashEnv set), it starts one transfer and blocks until it is killed.
// Without crashEnv it returns at once.
func TestHelperCrash(t *testing.T) {
	raw := os.Getenv(crashEnv)
	if raw == "" {
		return
	}
	var cj crashJob
	if err := json.Unmarshal([]byte(raw), &cj); err != nil {
		t.Fatal(err)
	}
	if cj.CheckpointEvery > 0 {
		checkpointEvery = cj.CheckpointEvery
	}
	if cj.NoSplits {
		minSplit = math.MaxInt64
	}
	c, err := store.NewClient(store.Config{Endpoint: cj.Endpoint, Region: cj.Region, KeyID: cj.KeyID, Key: cj.Key})
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := NewQueue(c, Options{PartSize: testPart, Threshold: 2 * testPart, JournalDir: cj.Journal, PartsPerFile: cj.PartsPerFile})
	if err != nil {
		t.Fatal(err)
	}
	if cj.Upload != nil {
		_, err = q.AddUpload(*cj.Upload)
	} else {
		_, err = q.AddDownload(*cj.Download)
	}
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Minute) // until killed
}

// crash runs cj in a child process, waits until ready says the journal
// shows enough progress, and kills the child with SIGKILL.
func crash(t *testing.T, e *env, cj crashJob, ready func([]record) bool) {
	t.Helper()
	cj.Endpoint, cj.Region, cj.KeyID, cj.Key = e.proxy.URL, e.srv.Region, e.srv.AccessKey, e.srv.SecretKey
	raw, err := json.Marshal(cj)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrash$", "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), crashEnv+"="+string(raw))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(time.Minute)
	for {
		if ready(readJournal(t, cj.Journal)) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the child exited before it was killed (%v):\n%s", err, out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("the child made no progress in a minute:\n%s", out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
}

func crashSize() int64 {
	if testing.Short() {
		return 40 << 20
	}
	return 200 << 20
}

// stallAfter holds every request of op after the first n until release is
// called, so a child is surely in the middle of its transfer when it is
// killed; released requests are answered 500 without reaching the server.
// (The proxy's Latency fault would wait out its delay: a server does not
// notice a client gone while the request body is unread.)
func stallAfter(t *testing.T, p *b2proxy.Proxy, op string, n int) (release func()) {
	gate := make(chan struct{})
	var seen atomic.Int64
	p.Inject(b2proxy.Fault{Op: op, After: n, Kind: b2proxy.InternalError, Times: b2proxy.Forever,
		Match: func(*http.Request) bool {
			if seen.Add(1) > int64(n) {
				<-gate
			}
			return true
		}})
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(gate)
			p.ClearFaults()
		})
	}
	t.Cleanup(release)
	return release
}

// TestCrashUpload kills a process in the middle of a 200 MiB upload. A new
// queue on its journal shows the job Paused, and Resume completes it
// without sending a finished part again, even one that reached the server
// just before the crash but not the journal.
func TestCrashUpload(t *testing.T) {
	e := newEnv(t)
	size := crashSize()
	local := filepath.Join(t.TempDir(), "big.bin")
	sum := writeRandom(t, local, size, 11)
	journal := t.TempDir()
	release := stallAfter(t, e.proxy, "UploadPart", 5)
	crash(t, e, crashJob{Journal: journal, Upload: &UploadRequest{Local: local, Bucket: e.bucket, Key: "big.bin"}},
		func(recs []record) bool { return len(recs) == 1 && len(recs[0].Upload.Parts) >= 5 })
	release()

	// Forget the last part in the journal, as if the crash had come between
	// its answer and the journal write: the server has it, the journal not.
	recs := readJournal(t, journal)
	rec := recs[0].Upload
	forgotten := rec.Parts[len(rec.Parts)-1]
	rec.Parts = rec.Parts[:len(rec.Parts)-1]
	writeJournal(t, journal, recs)

	q, warning, err := NewQueue(e.c, Options{PartSize: testPart, Threshold: 2 * testPart, JournalDir: journal})
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	defer q.Close()
	s := q.Snapshot()
	if len(s.Jobs) != 1 || s.Jobs[0].State != Paused || s.Jobs[0].Key != "big.bin" || s.Jobs[0].Done != rec.doneBytes() {
		t.Fatalf("restored queue: %+v, want the upload Paused with %d bytes done", s.Jobs, rec.doneBytes())
	}
	e.proxy.Reset()
	id := s.Jobs[0].ID
	if err := q.Resume(id); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	sent := e.proxy.PartsSent(rec.UploadID)
	for _, p := range append(rec.Parts, forgotten) {
		if slices.Contains(sent, int(p.Number)) {
			t.Errorf("part %d was finished before the crash but sent again (sent: %v)", p.Number, sent)
		}
	}
	if want := partCount(size, testPart) - len(rec.Parts) - 1; len(sent) != want {
		t.Errorf("sent %d parts after the crash, want %d: %v", len(sent), want, sent)
	}
	if n := e.proxy.Count("CreateMultipartUpload"); n != 0 {
		t.Errorf("the resumed upload started %d new uploads", n)
	}
	if got := objectSHA256(t, e.c, e.bucket, "big.bin"); got != sum {
		t.Errorf("object SHA-256 %s, want %s", got, sum)
	}
	if ups, err := e.c.MultipartUploads(context.Background(), e.bucket, ""); err != nil || len(ups) != 0 {
		t.Errorf("unfinished uploads left: %v (%v)", ups, err)
	}
}

// TestCrashDownload kills a process in the middle of a 200 MiB download. The
// partial file and its finished ranges survive; Resume fetches only the
// missing ranges.
func TestCrashDownload(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	size := crashSize()
	local := filepath.Join(t.TempDir(), "big.bin")
	sum := writeRandom(t, local, size, 12)
	up := e.queue(t, Options{PartSize: testPart, Threshold: 2 * testPart})
	upload(t, up, e.bucket, local, "big.bin")

	journal, dest := t.TempDir(), filepath.Join(t.TempDir(), "down", "big.bin")
	release := stallAfter(t, e.proxy, "GetObject", 5)
	crash(t, e, crashJob{Journal: journal, NoSplits: true, Download: &DownloadRequest{Bucket: e.bucket, Key: "big.bin", Local: dest}},
		func(recs []record) bool { return len(recs) == 1 && len(recs[0].Download.Ranges) >= 5 })
	release()
	rec := readJournal(t, journal)[0].Download
	if _, err := os.Stat(rec.Temp); err != nil {
		t.Fatalf("partial file after the crash: %v", err)
	}

	q, warning, err := NewQueue(e.c, Options{PartSize: testPart, Threshold: 2 * testPart, JournalDir: journal})
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	defer q.Close()
	s := q.Snapshot()
	if len(s.Jobs) != 1 || s.Jobs[0].State != Paused || s.Jobs[0].Done != rec.doneBytes() {
		t.Fatalf("restored queue: %+v, want the download Paused with %d bytes done", s.Jobs, rec.doneBytes())
	}
	e.proxy.Reset()
	id := s.Jobs[0].ID
	if err := q.Resume(id); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	var fetched int64
	for _, r := range e.proxy.Requests() {
		if r.Op != "GetObject" {
			continue
		}
		from, to := parseRange(t, r.Header.Get("Range"))
		fetched += to - from + 1
		if i := int(from / rec.PartSize); slices.Contains(rec.Ranges, i) {
			t.Errorf("range %d was finished before the crash but fetched again (%d-%d)", i, from, to)
		}
	}
	if want := size - rec.doneBytes(); fetched != want {
		t.Errorf("fetched %d bytes after the crash, want the %d missing", fetched, want)
	}
	if got := fileSHA256(t, dest); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
	if _, err := os.Stat(rec.Temp); !os.IsNotExist(err) {
		t.Errorf("partial file left after the download: %v", err)
	}
}

// writeJournal replaces the journal in dir.
func writeJournal(t *testing.T, dir string, recs []record) {
	t.Helper()
	jr := &journal{path: filepath.Join(dir, journalName)}
	if err := jr.write(recs); err != nil {
		t.Fatal(err)
	}
}
