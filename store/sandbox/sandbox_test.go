package sandbox

import (
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

func TestSandboxSeedsAndBrowses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	sb, err := Start(ctx, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.NewClient(sb.Account().ClientConfig(sb.Secret()))
	if err != nil {
		t.Fatal(err)
	}
	buckets, err := c.Buckets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(buckets) != 2 || buckets[0].Name != PrivateBucket || buckets[1].Name != PublicBucket {
		t.Fatalf("buckets = %+v", buckets)
	}
	if buckets[0].Visibility != store.Private || buckets[1].Visibility != store.PublicRead {
		t.Errorf("visibility = %v, %v; want private, public", buckets[0].Visibility, buckets[1].Visibility)
	}

	root, err := c.List(ctx, store.ListInput{Bucket: PrivateBucket})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range root.Objects {
		names = append(names, o.Key)
	}
	want := []string{"archive/", "builds/", "docs/", "photos/", "README.txt"}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("root listing %q lacks %q", names, w)
		}
	}

	docs, err := c.List(ctx, store.ListInput{Bucket: PrivateBucket, Prefix: "docs/"})
	if err != nil {
		t.Fatal(err)
	}
	names = names[:0]
	for _, o := range docs.Objects {
		names = append(names, o.Key)
	}
	if slices.Contains(names, "docs/plan-2025.txt") {
		t.Errorf("deleted file is listed: %q", names)
	}
	if !slices.Contains(names, "docs/Café menu + prices.txt") || !slices.Contains(names, "docs/notes.txt") {
		t.Errorf("docs listing = %q", names)
	}

	archive, err := c.List(ctx, store.ListInput{Bucket: PrivateBucket, Prefix: "archive/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(archive.Objects) != 0 {
		t.Errorf("empty folder shows %+v; the .bzEmpty marker must be hidden", archive.Objects)
	}

	// The public bucket answers anonymous GETs; the private one does not.
	get := func(url string) int {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(sb.Endpoint + "/" + PublicBucket + "/index.html"); code != http.StatusOK {
		t.Errorf("anonymous GET on public bucket: HTTP %d", code)
	}
	if code := get(sb.Endpoint + "/" + PrivateBucket + "/README.txt"); code != http.StatusForbidden {
		t.Errorf("anonymous GET on private bucket: HTTP %d, want 403", code)
	}

	// Restoring an old version (a server-side copy) works, as on B2.
	pg, err := c.KeyVersions(ctx, PrivateBucket, "docs/notes.txt", "")
	if err != nil || len(pg.Versions) != 3 {
		t.Fatalf("notes.txt versions: %d, %v", len(pg.Versions), err)
	}
	if _, err := c.Restore(ctx, PrivateBucket, "docs/notes.txt", pg.Versions[2].VersionID, nil); err != nil {
		t.Fatalf("restore the first draft: %v", err)
	}
	rc, err := c.GetRange(ctx, PrivateBucket, "docs/notes.txt", "", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := io.ReadAll(rc)
	rc.Close()
	if string(first) != "Notes, first draft.\n" {
		t.Errorf("after restore notes.txt says %q", first)
	}

	c.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	// Data survives a restart, and seeding is not repeated.
	sb2, err := Start(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer sb2.Close()
	c2, err := store.NewClient(sb2.Account().ClientConfig(sb2.Secret()))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	again, err := c2.List(ctx, store.ListInput{Bucket: PrivateBucket, Prefix: "docs/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Objects) != len(docs.Objects) {
		// (same entries: the restore above added a version, not a file)
		t.Errorf("after restart docs has %d entries, before %d", len(again.Objects), len(docs.Objects))
	}
}
