package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

// TestJournalBroken moves an unreadable journal aside and starts empty,
// with a warning; it never fails or crashes.
func TestJournalBroken(t *testing.T) {
	broken := map[string]string{
		"not JSON":             "{not json",
		"truncated":            `{"version":1,"jobs":[{"id":"a","upload":{"bucket":"b","key":"k"`,
		"other version":        `{"version":9,"jobs":[]}`,
		"unknown field":        `{"version":1,"jobs":[],"secret":"x"}`,
		"both directions":      `{"version":1,"jobs":[{"id":"a","upload":{"bucket":"b","key":"k"},"download":{"bucket":"b","key":"k","local":"/x"}}]}`,
		"impossible part":      `{"version":1,"jobs":[{"id":"a","upload":{"bucket":"b","key":"k","size":10,"uploadId":"u","partSize":5000000,"parts":[{"Number":3,"ETag":"e","Size":1}]}}]}`,
		"duplicate id":         `{"version":1,"jobs":[{"id":"a","upload":{"bucket":"b","key":"k"}},{"id":"a","upload":{"bucket":"b","key":"k"}}]}`,
		"bad key":              `{"version":1,"jobs":[{"id":"a","upload":{"bucket":"b","key":"/k"}}]}`,
		"impossible range":     `{"version":1,"jobs":[{"id":"a","download":{"bucket":"b","key":"k","local":"/x","size":1,"partSize":1,"ranges":[5]}}]}`,
		"copy and upload":      `{"version":1,"jobs":[{"id":"a","upload":{"bucket":"b","key":"k"},"copy":{"bucket":"b","srcKey":"s","dstKey":"k"}}]}`,
		"copy without source":  `{"version":1,"jobs":[{"id":"a","copy":{"bucket":"b","dstKey":"k"}}]}`,
		"impossible copy part": `{"version":1,"jobs":[{"id":"a","copy":{"bucket":"b","srcKey":"s","dstKey":"k","size":10,"uploadId":"u","partSize":5000000,"parts":[{"Number":2,"ETag":"e","Size":1}]}}]}`,
	}
	for name, content := range broken {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, journalName)
			must(t, os.WriteFile(path, []byte(content), 0o600))
			q, warning, err := NewQueue(nil, Options{JournalDir: dir})
			if err != nil {
				t.Fatalf("NewQueue: %v", err)
			}
			defer q.Close()
			if !errors.Is(warning, ErrJournalBroken) {
				t.Errorf("warning %v, want ErrJournalBroken", warning)
			}
			if n := len(q.Snapshot().Jobs); n != 0 {
				t.Errorf("%d jobs from a broken journal", n)
			}
			aside, _ := filepath.Glob(path + ".broken-*")
			if len(aside) != 1 {
				t.Fatalf("set aside as %v, want one file", aside)
			}
			if data, _ := os.ReadFile(aside[0]); string(data) != content {
				t.Errorf("the broken journal was changed when set aside")
			}
			if !strings.Contains(warning.Error(), aside[0]) {
				t.Errorf("warning %q does not say where the journal went", warning)
			}
		})
	}
}

// TestJournalFile checks the journal's folder and file modes, that no
// temporary file is left, and that jobs come back Paused, in order, across
// a restart.
func TestJournalFile(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "config", "haul")
	o := testOptions(t)
	o.JournalDir = dir
	q := e.queue(t, o)
	local := filepath.Join(t.TempDir(), "f")
	writeRandom(t, local, 100, 1)
	// Jobs that fail stay in the journal: a missing object, a missing bucket.
	a, err := q.AddDownload(DownloadRequest{Bucket: e.bucket, Key: "missing", Local: filepath.Join(t.TempDir(), "m")})
	must(t, err)
	b, err := q.AddUpload(UploadRequest{Local: local, Bucket: "no-such-bucket", Key: "k", SSE: true})
	must(t, err)
	for _, id := range []JobID{a, b} {
		if st := wait(t, q, id); st.State != Failed || !errors.Is(st.Err, store.ErrNotFound) && !errors.Is(st.Err, store.ErrBucketNotFound) {
			t.Errorf("job %s: %v %v, want Failed with a not-found error", id, st.State, st.Err)
		}
	}
	must(t, q.Close())
	if err := q.Resume(a); !errors.Is(err, ErrClosed) {
		t.Errorf("Resume after Close = %v, want ErrClosed", err)
	}
	fi, err := os.Stat(dir)
	must(t, err)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("journal folder mode %v, want 0700", fi.Mode().Perm())
	}
	fi, err = os.Stat(filepath.Join(dir, journalName))
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("journal folder holds %d entries, want only %s", len(entries), journalName)
	}
	// A temporary file left by a crash in the middle of a write goes away.
	must(t, os.WriteFile(filepath.Join(dir, journalName+".tmp-123"), []byte("{"), 0o600))

	q2, warning, err := NewQueue(e.c, o)
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	defer q2.Close()
	s := q2.Snapshot()
	if len(s.Jobs) != 2 || s.Jobs[0].ID != a || s.Jobs[1].ID != b {
		t.Fatalf("restored %+v, want jobs %s and %s in order", s.Jobs, a, b)
	}
	for _, st := range s.Jobs {
		if st.State != Paused || st.Added.IsZero() || time.Since(st.Added) > time.Minute {
			t.Errorf("restored job %s: %v, added %v", st.ID, st.State, st.Added)
		}
	}
	if s.Jobs[1].Dir != Upload || s.Jobs[1].Local != local || s.Jobs[1].Size != 100 {
		t.Errorf("restored upload: %+v", s.Jobs[1])
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the stale temporary file is still there")
	}
}
