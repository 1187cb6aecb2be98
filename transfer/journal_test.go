package transfer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

// TestJournalBroken moves a journal that cannot be read as a whole aside
// and starts empty, with a warning; it never fails or crashes.
func TestJournalBroken(t *testing.T) {
	broken := map[string]string{
		"not JSON":      "{not json",
		"truncated":     `{"version":1,"jobs":[{"id":"a","upload":{"bucket":"b","key":"k"`,
		"other version": `{"version":9,"jobs":[]}`,
		"unknown field": `{"version":1,"jobs":[],"secret":"x"}`,
		"jobs not list": `{"version":1,"jobs":{"id":"a"}}`,
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
			var dmg *JournalDamageError
			if errors.As(warning, &dmg) {
				t.Errorf("a journal broken as a whole reported as damaged records: %v", warning)
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

// Records of a journal, for TestJournalDamagedRecords: three good ones and
// damaged ones of every kind.
const (
	goodUpload   = `{"id":"a","upload":{"local":"/tmp/f","bucket":"b","key":"k","size":10}}`
	goodDownload = `{"id":"b","download":{"bucket":"b","key":"k","local":"/tmp/g","size":10}}`
	goodCopy     = `{"id":"c","copy":{"bucket":"b","srcKey":"s","dstKey":"k","size":10}}`
)

// TestJournalDamagedRecords reads journals in which some records are
// damaged: the good ones come back, in order; the file as it was is set
// aside; the warning says how many records were left out and where; the
// journal now holds the good ones, so the next start has no warning.
func TestJournalDamagedRecords(t *testing.T) {
	damaged := map[string]string{
		"wrong type":           `{"id":"d","download":{"bucket":"b","key":"k","local":"/x","size":"ten"}}`,
		"not an object":        `"garbage"`,
		"null":                 `null`,
		"unknown field":        `{"id":"d","upload":{"bucket":"b","key":"k"},"secret":"x"}`,
		"no kind":              `{"id":"d"}`,
		"no id":                `{"upload":{"bucket":"b","key":"k"}}`,
		"negative size":        `{"id":"d","download":{"bucket":"b","key":"k","local":"/x","size":-1}}`,
		"both directions":      `{"id":"d","upload":{"bucket":"b","key":"k"},"download":{"bucket":"b","key":"k","local":"/x"}}`,
		"impossible part":      `{"id":"d","upload":{"bucket":"b","key":"k","size":10,"uploadId":"u","partSize":5000000,"parts":[{"Number":3,"ETag":"e","Size":1}]}}`,
		"duplicate id":         `{"id":"a","upload":{"bucket":"b","key":"k"}}`,
		"bad key":              `{"id":"d","upload":{"bucket":"b","key":"/k"}}`,
		"impossible range":     `{"id":"d","download":{"bucket":"b","key":"k","local":"/x","size":1,"partSize":1,"ranges":[5]}}`,
		"copy and upload":      `{"id":"d","upload":{"bucket":"b","key":"k"},"copy":{"bucket":"b","srcKey":"s","dstKey":"k"}}`,
		"copy without source":  `{"id":"d","copy":{"bucket":"b","dstKey":"k"}}`,
		"impossible copy part": `{"id":"d","copy":{"bucket":"b","srcKey":"s","dstKey":"k","size":10,"uploadId":"u","partSize":5000000,"parts":[{"Number":2,"ETag":"e","Size":1}]}}`,
		"impossible partial":   `{"id":"d","download":{"bucket":"b","key":"k","local":"/x","size":10,"partSize":10,"partial":{"0":11}}}`,
	}
	for name, bad := range damaged {
		t.Run(name, func(t *testing.T) {
			checkDamaged(t, []string{goodUpload, bad, goodDownload, goodCopy}, 1)
		})
	}
	t.Run("two damaged", func(t *testing.T) {
		checkDamaged(t, []string{goodUpload, damaged["wrong type"], goodDownload, damaged["no kind"], goodCopy}, 2)
	})
}

// checkDamaged writes a journal of recs, of which want are damaged and the
// rest are goodUpload, goodDownload and goodCopy in that order, and checks
// what NewQueue makes of it.
func checkDamaged(t *testing.T, recs []string, want int) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, journalName)
	content := `{"version":1,"jobs":[` + strings.Join(recs, ",") + `]}`
	must(t, os.WriteFile(path, []byte(content), 0o600))
	q, warning, err := NewQueue(nil, Options{JournalDir: dir})
	if err != nil {
		t.Fatalf("NewQueue: %v", err)
	}
	var dmg *JournalDamageError
	if !errors.As(warning, &dmg) || !errors.Is(warning, ErrJournalBroken) {
		t.Fatalf("warning %v, want a *JournalDamageError matching ErrJournalBroken", warning)
	}
	if dmg.SetAside != want || dmg.Kept != 3 || len(dmg.Reasons) != want {
		t.Errorf("warning says %d set aside, %d kept (%q); want %d and 3", dmg.SetAside, dmg.Kept, dmg.Reasons, want)
	}
	sentence := "1 transfer could not be read and was set aside (file " + dmg.File + ")"
	if want > 1 {
		sentence = fmt.Sprintf("%d transfers could not be read and were set aside (file %s)", want, dmg.File)
	}
	if !strings.HasPrefix(warning.Error(), sentence) {
		t.Errorf("warning %q, want it to start %q", warning, sentence)
	}
	if data, err := os.ReadFile(dmg.File); err != nil || string(data) != content {
		t.Errorf("the journal set aside at %s is not the original (%v)", dmg.File, err)
	}
	s := q.Snapshot()
	var got []string
	for _, st := range s.Jobs {
		got = append(got, fmt.Sprintf("%s %v %v", st.ID, st.Dir, st.State))
	}
	wantJobs := []string{"a upload paused", "b download paused", "c copy paused"}
	if !slices.Equal(got, wantJobs) {
		t.Errorf("jobs %q, want %q", got, wantJobs)
	}
	must(t, q.Close())
	if recs := readJournal(t, dir); len(recs) != 3 {
		t.Errorf("the journal holds %d records after the start, want the 3 good ones", len(recs))
	}
	q2, warning, err := NewQueue(nil, Options{JournalDir: dir})
	if err != nil || warning != nil {
		t.Fatalf("second NewQueue: %v (warning %v)", err, warning)
	}
	defer q2.Close()
	if n := len(q2.Snapshot().Jobs); n != 3 {
		t.Errorf("second start: %d jobs, want 3", n)
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
