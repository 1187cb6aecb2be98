package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// startUpload starts a multipart upload of key with one part of size bytes
// and leaves it unfinished.
func startUpload(t *testing.T, c *Client, bucket, key string, size int) string {
	t.Helper()
	ctx := context.Background()
	id, err := c.CreateMultipart(ctx, bucket, key, UploadOptions{})
	if err != nil {
		t.Fatalf("CreateMultipart %s: %v", key, err)
	}
	body := bytes.Repeat([]byte("u"), size)
	sum := md5.Sum(body)
	if _, err := c.UploadPart(ctx, bucket, key, id, 1, bytes.NewReader(body), int64(size), sum[:]); err != nil {
		t.Fatalf("UploadPart %s: %v", key, err)
	}
	return id
}

// reportBucket fills bucket with files whose report is known:
//
//	a.txt            2 versions (10, 20 bytes)
//	docs/r.txt       1 version (5 bytes), hidden
//	docs/sub/x.bin   1 version (100 bytes)
//	photos/p.jpg     3 versions (1, 2, 3 bytes)
//	photos/gone.jpg  2 versions (7, 8 bytes), hidden twice
//	photos/big.bin   an unfinished upload of one 1,000-byte part
//	empty/.bzEmpty   a placeholder, left out
func reportBucket(t *testing.T, c *Client, bucket string) {
	t.Helper()
	mustCreate(t, c, bucket, Private)
	vPut(t, c, bucket, "a.txt", strings.Repeat("a", 10))
	vPut(t, c, bucket, "a.txt", strings.Repeat("a", 20))
	vPut(t, c, bucket, "docs/r.txt", "rrrrr")
	vHide(t, c, bucket, "docs/r.txt")
	vPut(t, c, bucket, "docs/sub/x.bin", strings.Repeat("x", 100))
	for i := 1; i <= 3; i++ {
		vPut(t, c, bucket, "photos/p.jpg", strings.Repeat("p", i))
	}
	vPut(t, c, bucket, "photos/gone.jpg", strings.Repeat("g", 7))
	vPut(t, c, bucket, "photos/gone.jpg", strings.Repeat("g", 8))
	vHide(t, c, bucket, "photos/gone.jpg")
	vHide(t, c, bucket, "photos/gone.jpg")
	vPut(t, c, bucket, "empty/.bzEmpty", "")
	startUpload(t, c, bucket, "photos/big.bin", 1000)
}

// TestStorageReport checks the report's totals and folders against a
// bucket built for it, for the whole bucket and for a folder.
func TestStorageReport(t *testing.T) {
	e := newEnv(t)
	const bucket = "haul-report"
	reportBucket(t, e.c, bucket)

	calls := 0
	r, err := e.c.StorageReport(context.Background(), bucket, "", func(r *Report) { calls++ })
	if err != nil {
		t.Fatalf("StorageReport: %v", err)
	}
	want := Usage{
		Current:        Tally{3, 20 + 100 + 3},
		Older:          Tally{3, 10 + 1 + 2},
		Hidden:         Tally{2, 5 + 7 + 8},
		HiddenVersions: 3,
		Unfinished:     Tally{1, 1000},
		Markers:        3,
	}
	if r.Total != want {
		t.Errorf("Total = %+v\nwant    %+v", r.Total, want)
	}
	if !r.Complete || r.Seen != 13 || calls < 2 {
		t.Errorf("Complete %v, Seen %d, %d progress calls; want true, 13 (9 versions, 3 markers, 1 upload), at least 2", r.Complete, r.Seen, calls)
	}
	wantFolders := map[string]Usage{
		"":        {Current: Tally{1, 20}, Older: Tally{1, 10}},
		"docs/":   {Current: Tally{1, 100}, Hidden: Tally{1, 5}, HiddenVersions: 1, Markers: 1},
		"photos/": {Current: Tally{1, 3}, Older: Tally{2, 3}, Hidden: Tally{1, 15}, HiddenVersions: 2, Markers: 2, Unfinished: Tally{1, 1000}},
	}
	checkFolders(t, r, wantFolders)
	if sub := r.Subfolders(); len(sub) != 3 || sub[0].Prefix != "photos/" || sub[2].Prefix != "" {
		t.Errorf("Subfolders order = %+v, want photos/, docs/, then the files here", sub)
	}
	if got := r.Total.Bytes(); got != 123+13+20+1000 {
		t.Errorf("Total.Bytes() = %d, want 1156", got)
	}

	// A folder drills down one level; the prefix gets its "/".
	r, err = e.c.StorageReport(context.Background(), bucket, "docs", nil)
	if err != nil {
		t.Fatalf("StorageReport docs: %v", err)
	}
	checkFolders(t, r, map[string]Usage{
		"":          {Hidden: Tally{1, 5}, HiddenVersions: 1, Markers: 1},
		"docs/sub/": {Current: Tally{1, 100}},
	})
	if r.Prefix != "docs/" || r.Total.Bytes() != 105 {
		t.Errorf("report of docs: prefix %q, %d bytes; want docs/ and 105", r.Prefix, r.Total.Bytes())
	}
}

func checkFolders(t *testing.T, r *Report, want map[string]Usage) {
	t.Helper()
	if len(r.Folders) != len(want) {
		t.Errorf("%d folders %v, want %d", len(r.Folders), r.Subfolders(), len(want))
	}
	for name, w := range want {
		if got := r.Folders[name]; got == nil || *got != w {
			t.Errorf("folder %q = %+v\nwant        %+v", name, got, w)
		}
	}
}

// fakeVersions serves a version listing from memory in pages of size
// entries, like listVersions: a key's entries may go on over the next page.
func fakeVersions(all []Version, size int) versionSource {
	return func(ctx context.Context, from versionMark) (versionList, error) {
		start := 0
		if from.Key != "" {
			for start < len(all) && (all[start].Key != from.Key || all[start].VersionID != from.ID) {
				start++
			}
			start++
		}
		end := min(start+size, len(all))
		l := versionList{versions: all[start:end]}
		if end < len(all) {
			l.more, l.next = true, versionMark{Key: all[end-1].Key, ID: all[end-1].VersionID}
		}
		return l, nil
	}
}

// TestReportPages checks that a key going on over a page boundary is added
// up as in one page, and that a cancel returns what was added so far.
func TestReportPages(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC) }
	all := []Version{
		{Key: "d/a", VersionID: "1", DeleteMarker: true, Modified: at(9), IsLatest: true},
		{Key: "d/a", VersionID: "2", Size: 4, Modified: at(8)},
		{Key: "d/a", VersionID: "3", Size: 5, Modified: at(7)},
		{Key: "d/b", VersionID: "4", Size: 6, Modified: at(9), IsLatest: true},
		{Key: "d/b", VersionID: "5", Size: 7, Modified: at(8)},
		{Key: "e", VersionID: "6", Size: 1, Modified: at(1), IsLatest: true},
	}
	whole := &Report{Folders: map[string]*Usage{}}
	if err := whole.addVersions(context.Background(), fakeVersions(all, 1000), nil); err != nil {
		t.Fatal(err)
	}
	for size := 1; size < len(all); size++ {
		r := &Report{Folders: map[string]*Usage{}}
		pages := 0
		if err := r.addVersions(context.Background(), fakeVersions(all, size), func(*Report) { pages++ }); err != nil {
			t.Fatal(err)
		}
		if r.Total != whole.Total || fmt.Sprint(r.Subfolders()) != fmt.Sprint(whole.Subfolders()) {
			t.Errorf("pages of %d: %+v, want %+v", size, r.Subfolders(), whole.Subfolders())
		}
		if want := (len(all) + size - 1) / size; pages != want {
			t.Errorf("pages of %d: %d progress calls, want %d", size, pages, want)
		}
	}
	if want := (Usage{Current: Tally{2, 7}, Older: Tally{1, 7}, Hidden: Tally{1, 9}, HiddenVersions: 2, Markers: 1}); whole.Total != want {
		t.Errorf("Total = %+v, want %+v", whole.Total, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	r := &Report{Folders: map[string]*Usage{}}
	err := r.addVersions(ctx, fakeVersions(all, 2), func(*Report) { cancel() })
	if !errors.Is(err, ErrCanceled) || r.Seen != 2 {
		t.Errorf("canceled after the first page: err %v, seen %d; want ErrCanceled and 2", err, r.Seen)
	}
	c := r.Clone()
	c.Folders["d/"].Markers = 99
	if r.Folders["d/"].Markers != 1 {
		t.Error("Clone shares its folders with the original")
	}
}

func TestMonthlyCost(t *testing.T) {
	if got := MonthlyCost(2_500_000_000_000, B2StoragePricePerTB); math.Abs(got-15) > 1e-9 {
		t.Errorf("2.5 TB at $6/TB = %v, want 15", got)
	}
	if got := MonthlyCost(0, 6); got != 0 {
		t.Errorf("nothing costs %v", got)
	}
	if _, err := time.Parse(time.DateOnly, B2StoragePriceRead); err != nil {
		t.Errorf("B2StoragePriceRead %q is not a date: %v", B2StoragePriceRead, err)
	}
}
