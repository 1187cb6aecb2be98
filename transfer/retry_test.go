package transfer

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/haul-app/haul/store/b2proxy"
)

// holdRetry injects fault f into the first request of f.Op that match
// accepts, and holds the next such request (the retry) until the returned
// release is called, so the test can look at the queue while the retry
// waits. Released, the retry goes through to the server.
func holdRetry(t *testing.T, p *b2proxy.Proxy, f b2proxy.Fault, match func(*http.Request) bool) (release func()) {
	gate := make(chan struct{})
	var seen atomic.Int64
	p.Inject(b2proxy.Fault{Op: f.Op, Kind: b2proxy.InternalError, Times: b2proxy.Forever,
		Match: func(r *http.Request) bool {
			if match(r) && seen.Add(1) == 2 {
				<-gate
			}
			return false // never hits: it only holds
		}})
	f.Match = match
	p.Inject(f)
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return release
}

// retryShown polls the job's status until its retry sentence matches want,
// and returns it.
func retryShown(t *testing.T, q *Queue, id JobID, want *regexp.Regexp) string {
	t.Helper()
	var last string
	poll(t, "the retry sentence "+want.String(), func() bool {
		for _, st := range q.Snapshot().Jobs {
			if st.ID == id {
				last = st.Retrying
				if st.State != Running {
					t.Fatalf("the job is %v (%v) before its retry was seen (last sentence %q)", st.State, st.Err, last)
				}
			}
		}
		return want.MatchString(last)
	})
	return last
}

// TestRetryShownUpload answers the first attempt at part 3 of an upload
// with 503 SlowDown and holds the client's retry: while it waits, the job's
// status says which part is retried, why and which attempt it is; once the
// upload is done, the sentence is gone.
func TestRetryShownUpload(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "f")
	sum := writeRandom(t, local, 4*testPart, 90)
	release := holdRetry(t, e.proxy, b2proxy.Fault{Op: "UploadPart", Kind: b2proxy.ServiceUnavailable},
		func(r *http.Request) bool { return r.URL.Query().Get("partNumber") == "3" })
	id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: "f"})
	must(t, err)
	got := retryShown(t, q, id, regexp.MustCompile(`^retrying part 3 after HTTP 503 SlowDown \(attempt 2 of [0-9]+\)$`))
	if st := statusOf(q, id); st.RetryAt.IsZero() {
		t.Errorf("retry %q noted without a time", got)
	}
	release()
	st := waitDone(t, q, id)
	if st.Retrying != "" || !st.RetryAt.IsZero() {
		t.Errorf("the finished upload still shows %q (at %v)", st.Retrying, st.RetryAt)
	}
	if got := objectSHA256(t, e.c, e.bucket, "f"); got != sum {
		t.Errorf("object SHA-256 %s, want %s", got, sum)
	}
}

// TestRetryShownDownload answers the first GET of the third range of a
// download with 503 SlowDown, and (another run) breaks it off midway, then
// holds the retry: the job's status names the range's bytes and the reason,
// whether the client or the queue retries, and is clear once done.
func TestRetryShownDownload(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "src")
	sum := writeRandom(t, local, 3*testPart, 91)
	upload(t, q, e.bucket, local, "f")
	third := func(r *http.Request) bool {
		from, _, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("Range"), "bytes="), "-")
		n, err := strconv.ParseInt(from, 10, 64)
		return err == nil && n >= 2*testPart
	}
	tests := []struct {
		name string
		kind b2proxy.Kind
		want string
	}{
		{"503 SlowDown", b2proxy.ServiceUnavailable, `^retrying bytes 10-15 MiB after HTTP 503 SlowDown \(attempt 2 of [0-9]+\)$`},
		{"dropped connection", b2proxy.DropMidResponse, `^retrying bytes 10-15 MiB after connection dropped \(attempt 2 of 5\)$`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer e.proxy.ClearFaults()
			release := holdRetry(t, e.proxy, b2proxy.Fault{Op: "GetObject", Kind: tt.kind}, third)
			target := filepath.Join(t.TempDir(), strconv.Itoa(i))
			id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
			must(t, err)
			retryShown(t, q, id, regexp.MustCompile(tt.want))
			release()
			if st := waitDone(t, q, id); st.Retrying != "" {
				t.Errorf("the finished download still shows %q", st.Retrying)
			}
			if got := fileSHA256(t, target); got != sum {
				t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
			}
		})
	}
}

// statusOf is the job's status in a snapshot.
func statusOf(q *Queue, id JobID) JobStatus {
	for _, st := range q.Snapshot().Jobs {
		if st.ID == id {
			return st
		}
	}
	return JobStatus{}
}

// TestRetrySentence checks the sentences' wording.
func TestRetrySentence(t *testing.T) {
	st := &downState{Size: 200 << 20, PartSize: 64 << 20}
	tests := []struct{ got, want string }{
		{retrySentence("part 3", "HTTP 503 SlowDown", 2, 8), "retrying part 3 after HTTP 503 SlowDown (attempt 2 of 8)"},
		{retrySentence("", "connection refused", 2, 3), "retrying after connection refused (attempt 2 of 3)"},
		{retrySentence(rangeWhat(st, 1), "connection dropped", 3, 5), "retrying bytes 64-128 MiB after connection dropped (attempt 3 of 5)"},
		{rangeWhat(st, 3), "bytes 192-200 MiB"},
		{rangeWhat(&downState{Size: 100<<20 + 1<<19, PartSize: 64 << 20}, 1), "bytes 64-100.5 MiB"},
		{rangeWhat(&downState{Size: 10, PartSize: 10}, 0), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
