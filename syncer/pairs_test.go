package syncer

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPairs: pairs are kept per account, replaced by ID, given their last
// run, forgotten; the file is private and a broken one is moved aside.
func TestPairs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "haul")
	s := OpenPairs(dir)
	if l, err := s.List("me"); err != nil || len(l) != 0 {
		t.Fatalf("List of nothing: %v, %v", l, err)
	}
	p := Pair{Local: "/home/me/Photos", Bucket: "photos", Prefix: "2024/", Direction: MirrorUp, Exclude: []string{"*.tmp"}, MaxRemoveShare: 0.1}
	sp, err := s.Save("me", SavedPair{Name: "Photos", Pair: p})
	if err != nil || sp.ID == "" || sp.Created.IsZero() {
		t.Fatalf("Save: %+v, %v", sp, err)
	}
	if _, err := s.Save("other", SavedPair{Pair: Pair{Local: "/x", Bucket: "b", Direction: Download}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save("me", SavedPair{Pair: Pair{Local: "relative", Bucket: "b", Direction: Upload}}); err == nil {
		t.Error("a relative local folder was saved")
	}
	sp.Name = "My photos"
	if _, err := s.Save("me", sp); err != nil {
		t.Fatal(err)
	}
	rec := RecordOf(Result{Started: time.Unix(100, 0).UTC(), Finished: time.Unix(160, 0).UTC(), Copied: Tally{3, 300}, Summary: Summary{Same: Tally{Files: 7}}}, nil)
	if err := s.RecordRun("me", sp.ID, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordRun("me", "nope", rec); !errors.Is(err, ErrNoPair) {
		t.Errorf("RecordRun of an unknown pair: %v", err)
	}
	l, err := s.List("me")
	if err != nil || len(l) != 1 {
		t.Fatalf("List: %+v, %v", l, err)
	}
	got := l[0]
	if got.Name != "My photos" || got.Pair.Direction != MirrorUp || got.Pair.Exclude[0] != "*.tmp" || got.LastRun == nil || got.LastRun.Copied.Files != 3 || got.LastRun.Same != 7 {
		t.Errorf("saved pair came back as %+v (last run %+v)", got, got.LastRun)
	}
	fi, err := os.Stat(filepath.Join(dir, PairsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode: %v, %v", fi.Mode(), err)
	}
	if err := s.Delete("me", sp.ID); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.List("me"); len(l) != 0 {
		t.Errorf("after Delete: %+v", l)
	}
	if l, _ := s.List("other"); len(l) != 1 {
		t.Errorf("other account: %+v", l)
	}
	// A broken file is moved aside on the next save, not lost.
	if err := os.WriteFile(filepath.Join(dir, PairsFile), []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List("me"); err == nil {
		t.Error("a broken file read without error")
	}
	if _, err := s.Save("me", SavedPair{Pair: p}); err != nil {
		t.Fatalf("Save over a broken file: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, PairsFile+".broken-*")); len(m) != 1 {
		t.Errorf("broken copies: %v", m)
	}
}

// TestPairHeadCache: each saved pair has its own head cache beside the
// pairs' file, and forgetting the pair removes it.
func TestPairHeadCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "haul")
	s := OpenPairs(dir)
	sp, err := s.Save("me", SavedPair{Name: "Photos", Pair: Pair{Local: t.TempDir(), Bucket: "photos", Direction: Upload}})
	if err != nil {
		t.Fatal(err)
	}
	path := s.HeadCache("me", sp.ID)
	if filepath.Dir(filepath.Dir(path)) != dir || path == s.HeadCache("you", sp.ID) || path == s.HeadCache("me", sp.ID+"x") {
		t.Errorf("HeadCache = %s: want a file per account and pair under %s", path, dir)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("me", sp.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the head cache of a forgotten pair is still there (%v)", err)
	}
}
