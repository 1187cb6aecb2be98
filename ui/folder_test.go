package ui

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

func samplePage() store.Page {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return store.Page{Objects: []store.Object{
		{Key: "d/Zeta/", IsFolder: true},
		{Key: "d/alpha/", IsFolder: true},
		{Key: "d/B.txt", Size: 30, Modified: t0.Add(3 * time.Hour)},
		{Key: "d/a.txt", Size: 10, Modified: t0.Add(1 * time.Hour)},
		{Key: "d/c.txt", Size: 20, Modified: t0.Add(2 * time.Hour)},
	}}
}

func TestFolderModelViews(t *testing.T) {
	m := newFolderModel("d/")
	m.add(samplePage(), true)
	names := func(v *folderView) string {
		var out []string
		for i := range v.Len() {
			out = append(out, v.name(v.At(i)))
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		spec   sortSpec
		filter string
		want   string
	}{
		{sortSpec{}, "", "Zeta,alpha,B.txt,a.txt,c.txt"},
		{sortSpec{desc: true}, "", "alpha,Zeta,c.txt,a.txt,B.txt"},
		{sortSpec{col: sortSize}, "", "Zeta,alpha,a.txt,c.txt,B.txt"},
		{sortSpec{col: sortSize, desc: true}, "", "alpha,Zeta,B.txt,c.txt,a.txt"},
		{sortSpec{col: sortModified}, "", "Zeta,alpha,a.txt,c.txt,B.txt"},
		{sortSpec{}, "A", "Zeta,alpha,a.txt"},
		{sortSpec{}, " .TXT ", "B.txt,a.txt,c.txt"},
		{sortSpec{}, "nothing", ""},
	}
	for _, tt := range tests {
		v := m.view(tt.spec, tt.filter)
		if got := names(v); got != tt.want {
			t.Errorf("view(%+v, %q) = %s, want %s", tt.spec, tt.filter, got, tt.want)
		}
	}
	v := m.view(sortSpec{}, "")
	if v.nFolders != 2 || v.nFiles != 3 || v.size != 60 || !v.done {
		t.Errorf("totals = %d folders, %d files, %d bytes, done %v", v.nFolders, v.nFiles, v.size, v.done)
	}
	if got := v.subfolders(); strings.Join(got, ",") != "d/Zeta/,d/alpha/" {
		t.Errorf("subfolders = %v", got)
	}
}

// A snapshot taken while pages arrive stays as it was.
func TestFolderViewIsASnapshot(t *testing.T) {
	m := newFolderModel("d/")
	m.add(samplePage(), false)
	v := m.view(sortSpec{}, "")
	m.add(store.Page{Objects: []store.Object{{Key: "d/z.txt"}}}, true)
	if v.Len() != 5 || v.done {
		t.Errorf("snapshot changed: %d rows, done %v", v.Len(), v.done)
	}
	if m.view(sortSpec{}, "").Len() != 6 {
		t.Error("new snapshot misses the new page")
	}
}

func TestSizeAndTimeText(t *testing.T) {
	o := store.Object{Key: "x", Size: 1_234_567, Modified: time.Now().Add(-3 * time.Hour)}
	if got := sizeText(o, false); got != "1.2 MB" {
		t.Errorf("sizeText = %q", got)
	}
	if got := sizeText(o, true); got != "1,234,567 B" {
		t.Errorf("exact sizeText = %q", got)
	}
	if got := timeText(o, false); got != "3 hours ago" {
		t.Errorf("timeText = %q", got)
	}
	if got := sizeText(store.Object{IsFolder: true}, false); got != "" {
		t.Errorf("folder size = %q", got)
	}
}

// BenchmarkFolderModelBytesPerObject measures the heap the folder model
// keeps per listed object, on a real listing (keys and ETags as the SDK
// decodes them) of the 2,500-object folder. Target: at most 400 bytes.
func BenchmarkFolderModelBytesPerObject(b *testing.B) {
	ctx := context.Background()
	var pages []store.Page
	token := ""
	for {
		p, err := testClient.List(ctx, store.ListInput{Bucket: pagingBucket, Prefix: "many/", Token: token})
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
		if token = p.Next; token == "" {
			break
		}
	}
	n := 0
	for _, p := range pages {
		n += len(p.Objects)
	}
	var perObject float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		// Fresh pages each round, as a new listing would bring; what the
		// model keeps of them (keys, ETags) counts against it.
		fresh := clonePages(pages)
		m := newFolderModel("many/")
		for i, p := range fresh {
			m.add(p, i == len(fresh)-1)
		}
		v := m.view(sortSpec{col: sortSize}, "") // a sorted view holds an index too
		fresh = nil
		runtime.GC()
		runtime.ReadMemStats(&after)
		perObject = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
		runtime.KeepAlive(m)
		runtime.KeepAlive(v)
	}
	b.ReportMetric(perObject, "B/object")
	if perObject > 400 {
		b.Errorf("folder model holds %.0f bytes per object, over the 400-byte target", perObject)
	}
}

// clonePages copies keys and ETags into new strings, as a decoder would.
func clonePages(pages []store.Page) []store.Page {
	out := make([]store.Page, len(pages))
	for i, p := range pages {
		objs := make([]store.Object, len(p.Objects))
		for j, o := range p.Objects {
			o.Key = strings.Clone(o.Key)
			o.ETag = strings.Clone(o.ETag)
			objs[j] = o
		}
		out[i] = store.Page{Objects: objs, Next: p.Next}
	}
	return out
}
