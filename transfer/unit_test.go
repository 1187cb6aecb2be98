package transfer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

func TestOptions(t *testing.T) {
	o, err := Options{}.normalize()
	if err != nil || o != DefaultOptions() {
		t.Errorf("zero options = %+v, %v; want the defaults", o, err)
	}
	o, err = Options{PartSize: testPart}.normalize()
	if err != nil || o.Threshold != 2*testPart {
		t.Errorf("threshold with 5 MiB parts = %d, %v; want twice the part size", o.Threshold, err)
	}
	for _, bad := range []Options{
		{PartSize: 1 << 20},
		{PartSize: 6_000_000_000},
		{Threshold: 6_000_000_000},
		{CopyThreshold: 6_000_000_000},
		{CopyPartSize: 1 << 20},
		{FilesAtOnce: 1000},
		{PartsPerFile: 1000},
		{UploadLimit: -1},
	} {
		if _, err := bad.normalize(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, _, err := NewQueue(nil, Options{PartSize: 1}); err == nil {
		t.Error("NewQueue accepted a 1-byte part size")
	}
}

func TestPartSizes(t *testing.T) {
	tests := []struct {
		size, base, want int64
		count            int
	}{
		{0, testPart, testPart, 0},
		{1, testPart, testPart, 1},
		{testPart, testPart, testPart, 1},
		{testPart + 1, testPart, testPart, 2},
		{10_000 * testPart, testPart, testPart, 10_000},
		{10_000*testPart + 1, testPart, testPart + 1, 10_000},
		{10_000_000_000_000, DefaultPartSize, 1_000_000_000, 10_000}, // 10 TB, B2's largest file
	}
	for _, tt := range tests {
		ps := partSizeFor(tt.size, tt.base)
		if ps != tt.want || partCount(tt.size, ps) != tt.count {
			t.Errorf("size %d: parts of %d x %d, want %d x %d", tt.size, ps, partCount(tt.size, ps), tt.want, tt.count)
		}
		if ps > store.MaxPartSize {
			t.Errorf("size %d: part of %d bytes is over B2's limit", tt.size, ps)
		}
	}
	if off, n := pieceAt(2, 12, 5); off != 10 || n != 2 {
		t.Errorf("last piece of 12 bytes in 5s: %d+%d", off, n)
	}
}

func TestStrings(t *testing.T) {
	for s, want := range map[State]string{Queued: "queued", Running: "running", Paused: "paused", Done: "done",
		Failed: "failed", Canceled: "canceled", State(42): "State(42)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(s), s.String(), want)
		}
	}
	if Upload.String() != "upload" || Download.String() != "download" || Direction(7).String() != "Direction(7)" {
		t.Error("Direction.String")
	}
	if a, b := newJobID(), newJobID(); a == b || len(a) != 16 {
		t.Errorf("job IDs %q and %q", a, b)
	}
}

// TestPartBody checks the counting of a body read several times: a rewind
// takes back the pass's count; skipped passes count nothing.
func TestPartBody(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1000)
	var total atomic.Int64
	b := newPartBody(context.Background(), io.NewSectionReader(bytes.NewReader(data), 0, 1000), &total, nil, nil, 1)
	read := func() {
		if _, err := io.Copy(io.Discard, b); err != nil {
			t.Fatal(err)
		}
	}
	b.Seek(0, io.SeekCurrent) // as store.Put does first
	read()                    // the MD5 pass: skipped
	if total.Load() != 0 {
		t.Fatalf("skipped pass counted %d", total.Load())
	}
	b.Seek(0, io.SeekStart)
	b.Seek(0, io.SeekEnd) // the SDK measuring the length
	b.Seek(0, io.SeekStart)
	read()
	if total.Load() != 1000 {
		t.Fatalf("first counted pass: %d", total.Load())
	}
	b.Seek(0, io.SeekStart) // a retry
	if total.Load() != 0 {
		t.Fatalf("after a rewind: %d", total.Load())
	}
	io.CopyN(io.Discard, b, 300)
	b.discard()
	if total.Load() != 0 {
		t.Fatalf("after discard: %d", total.Load())
	}
	var p [10]byte
	if n, _ := b.ReadAt(p[:], 995); n != 5 {
		t.Errorf("ReadAt at the end read %d", n)
	}
}

// TestLimiter checks the burst and the shortening of reads to it.
func TestLimiter(t *testing.T) {
	l := newLimiter(1 << 20)
	if l.Burst() != 1<<20/10 {
		t.Errorf("burst %d", l.Burst())
	}
	p := make([]byte, 1<<20)
	if err := waitLimit(context.Background(), l, &p); err != nil || len(p) != l.Burst() {
		t.Errorf("waitLimit: %v, %d bytes", err, len(p))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p = p[:cap(p)]
	if err := waitLimit(ctx, l, &p); err == nil {
		t.Error("waitLimit ignored a canceled context")
	}
	setLimit(l, 0)
	p = p[:cap(p)]
	if err := waitLimit(ctx, l, &p); err != nil || len(p) != 1<<20 {
		t.Errorf("unlimited: %v, %d bytes", err, len(p))
	}
	if eta(100, 0) != 0 || eta(100, 10) != 10*time.Second {
		t.Error("eta")
	}
}

func TestDiskFullErrors(t *testing.T) {
	err := diskErr("write", "f", &os.PathError{Op: "write", Path: "f", Err: syscall.ENOSPC})
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("ENOSPC: %v", err)
	}
	if err := diskErr("write", "f", syscall.EIO); errors.Is(err, ErrDiskFull) {
		t.Errorf("EIO: %v", err)
	}
	if got := tempPath(filepath.Join("a", "b.txt")); got != filepath.Join("a", ".b.txt.haul-partial") {
		t.Errorf("tempPath = %q", got)
	}
}

// TestVerify checks the choice of checksum for a downloaded file.
func TestVerify(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(name, []byte("hello"), 0o600))
	f, err := os.Open(name)
	must(t, err)
	defer f.Close()
	md5hello := `"5d41402abc4b2a76b9719d911017c592"`
	sha1hello := "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
	ctx := context.Background()
	info := func(etag, sse string, meta map[string]string) store.ObjectInfo {
		return store.ObjectInfo{Object: store.Object{ETag: etag, Size: 5}, SSE: sse, Metadata: meta}
	}
	tests := []struct {
		name string
		info store.ObjectInfo
		ok   bool
	}{
		{"single part", info(md5hello, "", nil), true},
		{"single part, wrong", info(`"00000000000000000000000000000000"`, "", nil), false},
		{"multipart with SHA-1", info(`"abc-2"`, "", map[string]string{metaSHA1: sha1hello}), true},
		{"multipart, wrong SHA-1", info(`"abc-2"`, "", map[string]string{metaSHA1: sha1hello[:39] + "0"}), false},
		{"multipart without SHA-1", info(`"abc-2"`, "", nil), true},
		{"encrypted: ETag not trusted", info(`"00000000000000000000000000000000"`, "AES256", nil), true},
		{"wrong size", store.ObjectInfo{Object: store.Object{ETag: md5hello, Size: 6}}, false},
	}
	for _, tt := range tests {
		err := verify(ctx, f, tt.info)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrChecksum)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
