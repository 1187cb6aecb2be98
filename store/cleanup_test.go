package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// entrySet lists every version and delete marker under prefix.
func entrySet(t *testing.T, c *Client, bucket, prefix string) map[ObjectID]bool {
	t.Helper()
	versions, markers := allVersions(t, c, bucket, prefix)
	set := make(map[ObjectID]bool, len(versions)+len(markers))
	for _, id := range append(versions, markers...) {
		set[id] = true
	}
	return set
}

// gone returns the entries of before that are not in after, sorted, and
// fails the test if after holds anything new.
func gone(t *testing.T, before, after map[ObjectID]bool) []string {
	t.Helper()
	var out []string
	for id := range before {
		if !after[id] {
			out = append(out, id.Key)
		}
	}
	for id := range after {
		if !before[id] {
			t.Errorf("%v appeared during the cleanup", id)
		}
	}
	slices.Sort(out)
	return out
}

// boundary waits long enough for the server's millisecond clock to move on
// and returns a moment between what was stored before and after.
func boundary() time.Time {
	time.Sleep(20 * time.Millisecond)
	t := time.Now()
	time.Sleep(20 * time.Millisecond)
	return t
}

// TestCleanup builds a bucket whose entries straddle a moment T, then runs
// each cleanup with Days 2 and Now two days after T: the preview counts
// exactly what the cleanup removes, and nothing else changes.
func TestCleanup(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-cleanup"
	c := e.c
	mustCreate(t, c, bucket, Private)

	// Before T.
	vPut(t, c, bucket, "d/a.txt", strings.Repeat("a", 10)) // older since a2: goes
	vPut(t, c, bucket, "d/a.txt", strings.Repeat("a", 20)) // older since a3 (after T): stays
	vPut(t, c, bucket, "d/b.txt", "b")                     // older since b2 (after T): stays
	vPut(t, c, bucket, "d/c.txt", "1")                     // older since c2: goes
	vPut(t, c, bucket, "d/c.txt", "22")                    // older since c3: goes
	vPut(t, c, bucket, "d/c.txt", "333")                   // current: stays
	vPut(t, c, bucket, "h/1.txt", "hidden one")            // hidden before T: goes with its marker
	vHide(t, c, bucket, "h/1.txt")
	vPut(t, c, bucket, "h/2.txt", "hidden later") // hidden after T: stays
	vPut(t, c, bucket, "h/4.txt", "four")         // hidden twice before T: goes
	vHide(t, c, bucket, "h/4.txt")
	vHide(t, c, bucket, "h/4.txt")
	vPut(t, c, bucket, "other/x.txt", "x") // outside the prefix
	vPut(t, c, bucket, "other/x.txt", "xx")
	startUpload(t, c, bucket, "d/old-upload.bin", 300)
	T := boundary()
	// After T.
	vPut(t, c, bucket, "d/a.txt", strings.Repeat("a", 30))
	vPut(t, c, bucket, "d/b.txt", "bb")
	vHide(t, c, bucket, "h/2.txt")
	// versitygw gives an upload's start to the second.
	time.Sleep(time.Until(T.Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	startUpload(t, c, bucket, "d/new-upload.bin", 400)

	now := T.Add(48 * time.Hour)
	for _, tc := range []struct {
		kind         CleanupKind
		prefix       string
		count, files int
		bytes        int64
		gone         []string
	}{
		{OlderVersions, "d", 3, 0, 10 + 1 + 2, []string{"d/a.txt", "d/c.txt", "d/c.txt"}},
		{HiddenFiles, "", 5, 2, 10 + 4, []string{"h/1.txt", "h/1.txt", "h/4.txt", "h/4.txt", "h/4.txt"}},
		{UnfinishedUploads, "d/", 1, 0, 300, nil},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			in := Cleanup{Kind: tc.kind, Bucket: bucket, Prefix: tc.prefix, Days: 2, Now: now}
			before := entrySet(t, c, bucket, "")
			var seen []CleanupProgress
			plan, err := c.PreviewCleanup(ctx, in, func(p CleanupProgress) { seen = append(seen, p) })
			if err != nil {
				t.Fatalf("PreviewCleanup: %v", err)
			}
			if plan.Count != tc.count || plan.Bytes != tc.bytes || plan.Files != tc.files || plan.Locked != 0 {
				t.Errorf("plan = %d entries, %d bytes, %d files, %d locked; want %d, %d, %d, 0",
					plan.Count, plan.Bytes, plan.Files, plan.Locked, tc.count, tc.bytes, tc.files)
			}
			if plan.Oldest.IsZero() || plan.Newest.Before(plan.Oldest) || !plan.Newest.Before(T) {
				t.Errorf("plan spans %v to %v, want a span before %v", plan.Oldest, plan.Newest, T)
			}
			if len(seen) == 0 || seen[len(seen)-1].Seen == 0 || seen[len(seen)-1].Done != 0 {
				t.Errorf("preview progress = %+v", seen)
			}
			if !plan.Cleanup.Now.Equal(now) || plan.Cleanup.Prefix == "d" {
				t.Errorf("plan's cleanup = %+v, want Now kept and the prefix ending in /", plan.Cleanup)
			}
			if got := entrySet(t, c, bucket, ""); !maps.Equal(got, before) {
				t.Fatal("the preview changed the bucket")
			}

			e.proxy.Reset()
			res, err := c.RunCleanup(ctx, plan.Cleanup, nil)
			if err != nil {
				t.Fatalf("RunCleanup: %v", err)
			}
			if res.Deleted != plan.Count || res.Bytes != plan.Bytes || res.Locked != 0 || len(res.Failures) != 0 {
				t.Errorf("result = %+v, want what the plan said: %d entries, %d bytes", res, plan.Count, plan.Bytes)
			}
			if tc.kind == UnfinishedUploads {
				ups, err := c.MultipartUploads(ctx, bucket, "")
				if err != nil || len(ups) != 1 || ups[0].Key != "d/new-upload.bin" {
					t.Errorf("uploads left = %+v, %v; want only the new one", ups, err)
				}
				return
			}
			if got := gone(t, before, entrySet(t, c, bucket, "")); !slices.Equal(got, tc.gone) {
				t.Errorf("removed %v, want %v", got, tc.gone)
			}
			if n := e.proxy.Count("DeleteObjects"); n != 1 {
				t.Errorf("%d DeleteObjects requests, want 1", n)
			}
			checkDeleteWire(t, e)
		})
	}

	// Nothing is left to clean up; bad input is refused.
	for _, k := range []CleanupKind{OlderVersions, HiddenFiles, UnfinishedUploads} {
		if plan, err := c.PreviewCleanup(ctx, Cleanup{Kind: k, Bucket: bucket, Prefix: "d/", Days: 2, Now: now}, nil); err != nil || plan.Count != 0 {
			t.Errorf("second preview of %v = %+v, %v; want nothing", k, plan, err)
		}
	}
	if _, err := c.PreviewCleanup(ctx, Cleanup{Kind: OlderVersions, Bucket: bucket, Days: -1}, nil); err == nil {
		t.Error("negative days were accepted")
	}
	if _, err := c.RunCleanup(ctx, Cleanup{Bucket: bucket}, nil); err == nil {
		t.Error("a cleanup of no kind was accepted")
	}
}

// TestCleanupBatches removes 10 older versions in batches of at most 4
// (RunCleanup sends 1,000), reporting progress after each, and stops at a
// canceled context.
func TestCleanupBatches(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket, n = "haul-cleanbatch", 10
	mustCreate(t, e.c, bucket, Private)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("k/%04d", i)
	}
	putAll(t, e.c, bucket, keys)
	putAll(t, e.c, bucket, keys)
	in := Cleanup{Kind: OlderVersions, Bucket: bucket, Now: time.Now().Add(time.Minute)}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.c.RunCleanup(cctx, in, nil); !errors.Is(err, ErrCanceled) {
		t.Errorf("RunCleanup with a canceled context: %v, want ErrCanceled", err)
	}

	plan, err := e.c.PreviewCleanup(ctx, in, nil)
	if err != nil || plan.Count != n {
		t.Fatalf("PreviewCleanup = %d, %v; want %d", plan.Count, err, n)
	}
	e.proxy.Reset()
	var done []int
	res, err := e.c.runCleanup(ctx, plan.Cleanup, func(p CleanupProgress) {
		if len(done) == 0 || done[len(done)-1] != p.Done {
			done = append(done, p.Done)
		}
	}, 4)
	if err != nil || res.Deleted != n || res.Bytes != plan.Bytes {
		t.Fatalf("runCleanup = %+v, %v; want %d deleted, %d bytes", res, err, n, plan.Bytes)
	}
	if got := e.proxy.Count("DeleteObjects"); got != 3 {
		t.Errorf("%d DeleteObjects requests, want 3", got)
	}
	if want := []int{4, 8, 10}; !slices.Equal(done, want) {
		t.Errorf("progress of removals = %v, want %v", done, want)
	}
	checkDeleteWire(t, e)
	versions, markers := allVersions(t, e.c, bucket, "")
	if len(versions) != n || len(markers) != 0 {
		t.Errorf("after the cleanup: %d versions, %d markers; want the %d current ones", len(versions), len(markers), n)
	}
}

// TestCleanupLocked skips versions under Object Lock and counts them: an
// older version under legal hold stays, and a hidden file with a retained
// version keeps that version and its marker, so it stays hidden.
func TestCleanupLocked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-cleanlock"
	c := e.c
	createLockBucket(t, c, bucket)
	held := putVersion(t, c, bucket, "a.txt", []byte("held"))
	putVersion(t, c, bucket, "a.txt", []byte("free"))
	putVersion(t, c, bucket, "a.txt", []byte("current"))
	kept := putVersion(t, c, bucket, "h.txt", []byte("retained"))
	putVersion(t, c, bucket, "h.txt", []byte("not retained"))
	vHide(t, c, bucket, "h.txt")
	putVersion(t, c, bucket, "g.txt", []byte("gone"))
	vHide(t, c, bucket, "g.txt")
	if err := c.SetLegalHold(ctx, bucket, "a.txt", held, true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRetention(ctx, bucket, "h.txt", kept, Retention{Mode: Governance, Until: time.Now().Add(time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Minute)

	for _, tc := range []struct {
		kind          CleanupKind
		count, files  int
		bytes, locked int64
		gone          []string
	}{
		{OlderVersions, 1, 0, 4, 4, []string{"a.txt"}},
		{HiddenFiles, 3, 1, 12 + 4, 8, []string{"g.txt", "g.txt", "h.txt"}},
	} {
		in := Cleanup{Kind: tc.kind, Bucket: bucket, Now: now}
		before := entrySet(t, c, bucket, "")
		plan, err := c.PreviewCleanup(ctx, in, nil)
		if err != nil || plan.Count != tc.count || plan.Files != tc.files || plan.Bytes != tc.bytes || plan.Locked != 1 || plan.LockedBytes != tc.locked {
			t.Errorf("%v: plan = %+v, %v; want %d entries of %d bytes in %d files, 1 locked", tc.kind, plan, err, tc.count, tc.bytes, tc.files)
		}
		res, err := c.RunCleanup(ctx, plan.Cleanup, nil)
		if err != nil || res.Deleted != plan.Count || res.Bytes != plan.Bytes || res.Locked != 1 || len(res.Failures) != 0 {
			t.Errorf("%v: result = %+v, %v; want the plan's %d entries, 1 locked, no failure", tc.kind, res, err, plan.Count)
		}
		if got := gone(t, before, entrySet(t, c, bucket, "")); !slices.Equal(got, tc.gone) {
			t.Errorf("%v: removed %v, want %v", tc.kind, got, tc.gone)
		}
	}
	if _, err := c.Head(ctx, bucket, "h.txt", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("h.txt after the cleanup: %v, want it still hidden", err)
	}
}
