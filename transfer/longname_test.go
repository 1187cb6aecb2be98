package transfer

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPartialName checks that a partial file's name always fits in 255
// bytes, stays valid UTF-8, keeps the start of the name, and differs for
// long names that share their first 224 bytes.
func TestPartialName(t *testing.T) {
	if got := partialName("a.txt"); got != ".a.txt.haul-partial" {
		t.Errorf("partialName(a.txt) = %q", got)
	}
	fits := strings.Repeat("n", maxNameBytes-len("."+partialSuffix))
	if got := partialName(fits); got != "."+fits+partialSuffix {
		t.Errorf("a name that fits was shortened to %q", got)
	}
	runes := []string{"n", "é", "日", "😀"} // 1 to 4 bytes in UTF-8
	for _, r := range runes {
		for size := 230; size <= maxNameBytes; size++ {
			// size bytes: as many runes as fit, topped up with "x".
			name := strings.Repeat(r, size/len(r))
			name += strings.Repeat("x", size-len(name))
			got := partialName(name)
			switch {
			case len(got) > maxNameBytes:
				t.Fatalf("partialName of %d bytes of %q is %d bytes long", size, r, len(got))
			case !utf8.ValidString(got):
				t.Fatalf("partialName of %d bytes of %q is not valid UTF-8: %q", size, r, got)
			case !strings.HasPrefix(got, ".") || !strings.HasSuffix(got, partialSuffix):
				t.Fatalf("partialName of %d bytes of %q = %q: not hidden or not recognisable", size, r, got)
			case got != partialName(name):
				t.Fatalf("partialName of %d bytes of %q is not deterministic", size, r)
			}
			if len("."+name+partialSuffix) <= maxNameBytes {
				continue
			}
			stem := strings.TrimSuffix(strings.TrimPrefix(got, "."), partialSuffix)
			prefix, _, ok := strings.Cut(stem, "~")
			if !ok || !strings.HasPrefix(name, prefix) || len(prefix) < maxNameBytes-len(".~0123456789abcdef"+partialSuffix)-3 {
				t.Fatalf("partialName of %d bytes of %q = %q: want a long prefix of the name, ~ and a hash", size, r, got)
			}
		}
	}
	// Two names that differ only after the kept prefix.
	a, b := strings.Repeat("日", 83)+"a", strings.Repeat("日", 83)+"b"
	if partialName(a) == partialName(b) {
		t.Errorf("two long names share the partial file %q", partialName(a))
	}
}

// longName is a file name of exactly n bytes with multi-byte characters in
// it, ending in ".bin".
func longName(n int) string {
	s := "ünïcödé-日本語-"
	s += strings.Repeat("n", n-len(s)-len(".bin"))
	return s + ".bin"
}

// TestLongNameDownload downloads an object whose name is 250 bytes long (the
// partial file's plain name would be 264), stops it after two of its five
// ranges by closing the queue, and resumes it in a new queue on the same
// journal: the second run finds the shortened partial file, fetches only
// the three missing ranges, and the file arrives byte for byte. The bucket
// is in memory: a test server on a disk may refuse names that long.
func TestLongNameDownload(t *testing.T) {
	name := longName(250)
	if len(name) != 250 {
		t.Fatalf("test name is %d bytes", len(name))
	}
	m := newMemRemote()
	data := make([]byte, 4*testPart+123)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	key := "dir/" + name
	m.put(key, data)
	gate := make(chan struct{})
	m.get = func(ctx context.Context, _ string, off, _ int64) error {
		if off >= 2*testPart {
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}

	o := testOptions(t)
	o.PartsPerFile = 1
	q, warning, err := NewQueue(m, o)
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	dest := t.TempDir()
	reqs, rejected, err := PlanDownload(context.Background(), m, "b", "dir/", dest)
	if err != nil || len(rejected) != 0 || len(reqs) != 1 {
		t.Fatalf("PlanDownload: %+v, rejected %+v, %v", reqs, rejected, err)
	}
	id, err := q.AddDownload(reqs[0])
	must(t, err)
	poll(t, "two ranges", func() bool {
		_, _, r := progressOf(q, id)
		return len(r) >= 2 || q.Snapshot().Failed > 0
	})
	if s := q.Snapshot(); s.Failed > 0 {
		t.Fatalf("the download failed: %v", s.Jobs[0].Err)
	}
	must(t, q.Close())
	target := filepath.Join(dest, "dir", name)
	partial := filepath.Join(dest, "dir", partialName(name))
	if fi, err := os.Stat(partial); err != nil || fi.Size() != int64(len(data)) {
		t.Fatalf("shortened partial file after the stop: %v", err)
	}
	if recs := readJournal(t, o.JournalDir); len(recs) != 1 || recs[0].Download.Temp != partial {
		t.Fatalf("journal after the stop: %+v, want the download with partial file %s", recs, partial)
	}

	close(gate)
	before := len(m.requests())
	q2, warning, err := NewQueue(m, o)
	if err != nil || warning != nil {
		t.Fatalf("NewQueue after the stop: %v (warning %v)", err, warning)
	}
	defer q2.Close()
	must(t, q2.Resume(id))
	waitDone(t, q2, id)
	for _, r := range m.requests()[before:] {
		if r[0] < 2*testPart {
			t.Errorf("range at %d was finished before the stop but fetched again", r[0])
		}
	}
	got, err := os.ReadFile(target)
	must(t, err)
	if !bytes.Equal(got, data) {
		t.Errorf("the downloaded file differs from the object")
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("partial file left after the download: %v", err)
	}
}

// TestLongNameDownloadServer downloads, through versitygw and the proxy,
// an object whose name is the longest the server stores of those tried
// (250 bytes down to 242, all too long for the plain partial name).
func TestLongNameDownloadServer(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	local := filepath.Join(t.TempDir(), "src")
	sum := writeRandom(t, local, 3*testPart, 70)
	var name string
	for n := 250; n > maxNameBytes-len("."+partialSuffix); n-- {
		id, err := q.AddUpload(UploadRequest{Local: local, Bucket: e.bucket, Key: longName(n)})
		must(t, err)
		if st := wait(t, q, id); st.State == Done {
			name = longName(n)
			break
		}
	}
	if name == "" {
		t.Fatal("the server stored none of the names of 242 to 250 bytes")
	}
	t.Logf("the server stores names of %d bytes", len(name))
	dest := t.TempDir()
	id, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: name, Local: filepath.Join(dest, name)})
	must(t, err)
	waitDone(t, q, id)
	if got := fileSHA256(t, filepath.Join(dest, name)); got != sum {
		t.Errorf("downloaded SHA-256 %s, want %s", got, sum)
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 1 {
		t.Errorf("the download folder holds %d entries, want the file alone", len(entries))
	}
}
