package transfer

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store/b2proxy"
)

// faultKinds are the failures B2 produces mid-transfer.
var faultKinds = []struct {
	name string
	f    b2proxy.Fault
}{
	{"dropped connection", b2proxy.Fault{Kind: b2proxy.DropMidBody}},
	{"503 with Retry-After", b2proxy.Fault{Kind: b2proxy.ServiceUnavailable, RetryAfter: 1}},
	{"JSON 500", b2proxy.Fault{Kind: b2proxy.InternalError}},
	{"429", b2proxy.Fault{Kind: b2proxy.TooManyRequests, RetryAfter: 1}},
}

func faultSize() int64 {
	if testing.Short() {
		return 30 << 20
	}
	return 100 << 20
}

// TestUploadFaults injects each fault into the third part of a multipart
// upload: the upload completes byte for byte, and only the failed part is
// sent again.
func TestUploadFaults(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	size := faultSize()
	local := filepath.Join(t.TempDir(), "src")
	sum := writeRandom(t, local, size, 7)
	parts := partCount(size, testPart)
	for i, fk := range faultKinds {
		t.Run(fk.name, func(t *testing.T) {
			e.proxy.Reset()
			f := fk.f
			f.Op, f.After = "UploadPart", 2
			in := e.proxy.Inject(f)
			defer e.proxy.ClearFaults()
			key := fmt.Sprintf("fault-%d", i)
			upload(t, q, e.bucket, local, key)
			if in.Fired() != 1 {
				t.Fatalf("the fault hit %d requests, want 1", in.Fired())
			}
			ids := uploadIDs(e.proxy)
			if len(ids) != 1 {
				t.Fatalf("parts went to %d uploads, want 1", len(ids))
			}
			sent := e.proxy.PartsSent(ids[0])
			counts := map[int]int{}
			for _, n := range sent {
				counts[n]++
			}
			again := 0
			for n := 1; n <= parts; n++ {
				switch counts[n] {
				case 1:
				case 2:
					again++
				default:
					t.Errorf("part %d sent %d times", n, counts[n])
				}
			}
			if again != 1 || len(sent) != parts+1 {
				t.Errorf("parts sent %v: want each of %d parts once and the failed one twice", sent, parts)
			}
			if got := objectSHA256(t, e.c, e.bucket, key); got != sum {
				t.Errorf("object SHA-256 %s, want %s", got, sum)
			}
		})
	}
}

// TestDownloadFaults injects each fault into the third ranged GET of a
// download: it completes byte for byte, and only the failed range (or, for
// a dropped connection, the rest of it) is asked for again.
func TestDownloadFaults(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	size := faultSize()
	local := filepath.Join(t.TempDir(), "src")
	sum := writeRandom(t, local, size, 8)
	upload(t, q, e.bucket, local, "big")
	ranges := partCount(size, testPart)
	for i, fk := range faultKinds {
		t.Run(fk.name, func(t *testing.T) {
			e.proxy.Reset()
			f := fk.f
			f.Op, f.After = "GetObject", 2
			in := e.proxy.Inject(f)
			defer e.proxy.ClearFaults()
			target := filepath.Join(t.TempDir(), strconv.Itoa(i))
			id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "big", Local: target})
			if err != nil {
				t.Fatal(err)
			}
			waitDone(t, q, id)
			if in.Fired() != 1 {
				t.Fatalf("the fault hit %d requests, want 1", in.Fired())
			}
			if got := fileSHA256(t, target); got != sum {
				t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
			}
			var asked [][2]int64
			var faulted [2]int64
			for _, r := range e.proxy.Requests() {
				if r.Op != "GetObject" {
					continue
				}
				from, to := parseRange(t, r.Header.Get("Range"))
				if r.Fault != 0 {
					faulted = [2]int64{from, to}
				}
				asked = append(asked, [2]int64{from, to})
			}
			if len(asked) != ranges+1 {
				t.Fatalf("%d GETs, want %d ranges and one more for the fault: %v", len(asked), ranges, asked)
			}
			var total int64
			for _, a := range asked {
				total += a[1] - a[0] + 1
			}
			again := total - size
			switch f.Kind {
			case b2proxy.DropMidBody:
				// The rest of the broken range: it starts inside it and
				// ends where it ends.
				rest := slices.IndexFunc(asked, func(a [2]int64) bool { return a[0]%testPart != 0 })
				if rest < 0 || asked[rest][1] != faulted[1] || again >= testPart || again <= 0 {
					t.Errorf("after the drop in %v, asked for %v (%d bytes again)", faulted, asked, again)
				}
			default:
				if again != faulted[1]-faulted[0]+1 {
					t.Errorf("asked for %d bytes again, want the faulted range %v: %v", again, faulted, asked)
				}
			}
		})
	}
}

// parseRange reads "bytes=A-B".
func parseRange(t *testing.T, h string) (from, to int64) {
	t.Helper()
	a, b, ok := strings.Cut(strings.TrimPrefix(h, "bytes="), "-")
	from, err1 := strconv.ParseInt(a, 10, 64)
	to, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("Range header %q is not bytes=A-B", h)
	}
	return from, to
}

// TestStalledDownload holds one ranged GET without an answer: the watchdog
// gives up on it after stallTimeout and asks again, and the download
// completes.
func TestStalledDownload(t *testing.T) {
	noSplits(t)
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "src")
	sum := writeRandom(t, local, 3*testPart, 9)
	upload(t, q, e.bucket, local, "f")
	defer func(d time.Duration) { stallTimeout = d }(stallTimeout)
	stallTimeout = 500 * time.Millisecond
	in := e.proxy.Inject(b2proxy.Fault{Op: "GetObject", After: 1, Kind: b2proxy.Latency, Delay: 5 * time.Second})
	e.proxy.Reset()
	target := filepath.Join(t.TempDir(), "f")
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "f", Local: target})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, q, id)
	// On a loaded machine a slow answer may pass for a stall too: at
	// least the held range is asked for again.
	if in.Fired() != 1 || e.proxy.Count("GetObject") < 4 {
		t.Errorf("fault fired %d times, %d GETs; want 1 stall and 3 ranges plus 1 again", in.Fired(), e.proxy.Count("GetObject"))
	}
	if got := fileSHA256(t, target); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
}
