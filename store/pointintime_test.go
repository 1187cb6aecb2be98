package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFolderStateSynthetic feeds FolderState pages cut at every possible
// place, page boundaries inside one key's versions included.
func TestFolderStateSynthetic(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	v := func(key, id string, s int) Version {
		return Version{Key: key, VersionID: id, ETag: `"` + id + `"`, Size: int64(len(id)), Modified: at(s)}
	}
	m := func(key, id string, s int) Version {
		return Version{Key: key, VersionID: id, Modified: at(s), DeleteMarker: true}
	}
	// Newest first per key, as Versions returns them; IsLatest set below.
	entries := []Version{
		v("f/a.txt", "a3", 30), v("f/a.txt", "a2", 20), v("f/a.txt", "a1", 10),
		m("f/b.txt", "bm2", 40), v("f/b.txt", "b2", 35), m("f/b.txt", "bm1", 15), v("f/b.txt", "b1", 5),
		v("f/c.txt", "c1", 25),
		m("f/d.txt", "dm", 12), v("f/d.txt", "d1", 11),
		v("f/e.txt", "e1", 10),
		m("f/g.txt", "gm", 50),
		v("f/h.txt", "h2", 20), v("f/h.txt", "h1", 20),
	}
	for i := range entries {
		entries[i].IsLatest = i == 0 || entries[i-1].Key != entries[i].Key
	}
	tests := []struct {
		name string
		at   time.Time
		want []string // id, with "!" for Deleted
	}{
		{"now", time.Time{}, []string{"a3", "!bm2", "c1", "!dm", "e1", "!gm", "h2"}},
		{"before everything", at(4), nil},
		{"first second", at(5), []string{"b1"}},
		{"between", at(10), []string{"a1", "b1", "e1"}},
		{"d created", at(11), []string{"a1", "b1", "d1", "e1"}},
		{"d deleted", at(12), []string{"a1", "b1", "e1"}},
		{"b deleted", at(15), []string{"a1", "e1"}},
		{"equal times", at(20), []string{"a2", "e1", "h2"}},
		{"c created", at(25), []string{"a2", "c1", "e1", "h2"}},
		{"b back", at(35), []string{"a3", "b2", "c1", "e1", "h2"}},
		{"b deleted again", at(40), []string{"a3", "c1", "e1", "h2"}},
		{"later", at(100), []string{"a3", "c1", "e1", "h2"}},
		{"between seconds", at(25).Add(-time.Millisecond), []string{"a2", "e1", "h2"}},
	}
	for _, tt := range tests {
		// Every split into two pages, then every page of one entry, then
		// pages of three.
		var splits [][]VersionPage
		for cut := 0; cut <= len(entries); cut++ {
			splits = append(splits, []VersionPage{{Versions: entries[:cut]}, {}, {Versions: entries[cut:]}})
		}
		for _, size := range []int{1, 3} {
			var pages []VersionPage
			for chunk := range slices.Chunk(entries, size) {
				pages = append(pages, VersionPage{Versions: chunk})
			}
			splits = append(splits, pages)
		}
		for i, pages := range splits {
			s := NewFolderState("f/", tt.at)
			for _, p := range pages {
				s.Add(p)
			}
			var got []string
			for _, e := range s.Entries() {
				id := e.VersionID
				if e.Deleted {
					id = "!" + id
				}
				if e.Deleted != e.DeleteMarker {
					t.Errorf("%s: entry %+v: Deleted must say whether it is a delete marker", tt.name, e)
				}
				got = append(got, id)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s (split %d): state %q, want %q", tt.name, i, got, tt.want)
				break
			}
		}
	}

	// Entries outside the prefix are ignored; Entries keeps its contents
	// while more pages arrive.
	s := NewFolderState("f/", time.Time{})
	s.Add(VersionPage{Versions: []Version{v("e.txt", "x", 1), v("f/a", "a", 1)}})
	first := s.Entries()
	s.Add(VersionPage{Versions: []Version{v("f/b", "b", 1), v("g/c", "c", 1)}})
	if len(first) != 1 || first[0].Key != "f/a" || len(s.Entries()) != 2 || s.Entries()[1].Key != "f/b" {
		t.Errorf("entries %+v then %+v, want f/a then f/a, f/b", first, s.Entries())
	}
}

// TestFolderStateServer builds a folder's history on versitygw with a
// second between changes and reads its state now and at each moment, with
// pages of two entries so that keys straddle pages.
func TestFolderStateServer(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-point-in-time"
	mustCreate(t, e.c, bucket, Private)
	// Version times come in whole seconds: wait past the next second
	// between changes, so each moment lies between two of them.
	step := func() time.Time {
		now := time.Now()
		time.Sleep(1100 * time.Millisecond)
		return now
	}
	t0 := step()
	vPut(t, e.c, bucket, "f/a.txt", "a1")
	vPut(t, e.c, bucket, "f/b.txt", "b1")
	vPut(t, e.c, bucket, "f/sub/x.txt", "x1")
	t1 := step()
	vPut(t, e.c, bucket, "f/a.txt", "a2")
	vHide(t, e.c, bucket, "f/b.txt")
	t2 := step()
	vPut(t, e.c, bucket, "f/c.txt", "c1")
	vPut(t, e.c, bucket, "f/a.txt", "a3")
	t3 := time.Now()

	all, _, _ := vListAll(t, e.c, VersionsInput{Bucket: bucket, Prefix: "f/", Delimiter: true})
	t.Logf("t0 %s t1 %s t2 %s t3 %s; versions:%s", t0.Format("15:04:05.000"), t1.Format("15:04:05.000"),
		t2.Format("15:04:05.000"), t3.Format("15:04:05.000"), vDescribe(all))

	state := func(at time.Time) []string {
		s := NewFolderState("f/", at)
		in := VersionsInput{Bucket: bucket, Prefix: "f/", Delimiter: true, MaxKeys: 2}
		for {
			p, err := e.c.Versions(t.Context(), in)
			if err != nil {
				t.Fatalf("Versions: %v", err)
			}
			s.Add(p)
			if p.Next == "" {
				break
			}
			in.Token = p.Next
		}
		// Each entry as key=content, read through its version ID, with
		// "(deleted)" for delete markers.
		var got []string
		for _, st := range s.Entries() {
			if st.Deleted {
				got = append(got, strings.TrimPrefix(st.Key, "f/")+"(deleted)")
				continue
			}
			got = append(got, strings.TrimPrefix(st.Key, "f/")+"="+vRead(t, e.c, bucket, st.Key, st.VersionID))
		}
		return got
	}
	tests := []struct {
		name string
		at   time.Time
		want []string
	}{
		{"now", time.Time{}, []string{"a.txt=a3", "b.txt(deleted)", "c.txt=c1"}},
		{"t0", t0, nil},
		{"t1", t1, []string{"a.txt=a1", "b.txt=b1"}},
		{"t2", t2, []string{"a.txt=a2"}},
		{"t3", t3, []string{"a.txt=a3", "c.txt=c1"}},
	}
	for _, tt := range tests {
		if got := state(tt.at); !slices.Equal(got, tt.want) {
			t.Errorf("state %s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// ExampleFolderState shows the state of a folder streamed page by page.
func ExampleFolderState() {
	s := NewFolderState("docs/", time.Time{})
	s.Add(VersionPage{Versions: []Version{
		{Key: "docs/a.txt", VersionID: "2", IsLatest: true},
		{Key: "docs/a.txt", VersionID: "1"},
	}})
	s.Add(VersionPage{Versions: []Version{
		{Key: "docs/b.txt", VersionID: "4", IsLatest: true, DeleteMarker: true},
		{Key: "docs/b.txt", VersionID: "3"},
	}})
	for _, e := range s.Entries() {
		fmt.Println(e.Key, e.VersionID, e.Deleted)
	}
	// Output:
	// docs/a.txt 2 false
	// docs/b.txt 4 true
}
