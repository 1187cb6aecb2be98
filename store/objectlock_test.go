package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// createLockBucket creates a versioned bucket with Object Lock enabled,
// which only CreateBucket can do.
func createLockBucket(t *testing.T, c *Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(true),
	}); err != nil {
		t.Fatalf("create bucket %s with object lock: %v", name, err)
	}
	if _, err := c.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	}, withContentMD5); err != nil {
		t.Fatalf("enable versions of %s: %v", name, err)
	}
}

// TestObjectLockConfiguration reads and sets a bucket's default retention,
// and refuses shapes B2 refuses before sending them.
func TestObjectLockConfiguration(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mustCreate(t, e.c, "haul-nolock", Private)
	if l, err := e.c.ObjectLock(ctx, "haul-nolock"); err != nil || l.Enabled {
		t.Errorf("ObjectLock of a bucket without it = %+v, %v; want disabled, no error", l, err)
	}
	if _, err := e.c.ObjectLock(ctx, "haul-nosuchbucket"); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("ObjectLock of a missing bucket: %v, want ErrBucketNotFound", err)
	}

	const bucket = "haul-lockcfg"
	createLockBucket(t, e.c, bucket)
	if l, err := e.c.ObjectLock(ctx, bucket); err != nil || !l.Enabled || l.Default != (DefaultRetention{}) {
		t.Errorf("ObjectLock of a new lock bucket = %+v, %v; want enabled without a default", l, err)
	}
	for _, d := range []DefaultRetention{
		{Mode: Governance, Days: 30},
		{Mode: Compliance, Years: 1},
		{},
	} {
		if err := e.c.SetDefaultRetention(ctx, bucket, d); err != nil {
			t.Fatalf("SetDefaultRetention %+v: %v", d, err)
		}
		if l, err := e.c.ObjectLock(ctx, bucket); err != nil || !l.Enabled || l.Default != d {
			t.Errorf("after SetDefaultRetention %+v: %+v, %v", d, l, err)
		}
	}

	e.proxy.Reset()
	for _, bad := range []DefaultRetention{
		{Mode: "FOREVER", Days: 1},
		{Mode: Governance},
		{Mode: Governance, Days: 1, Years: 1},
		{Mode: Compliance, Days: -3},
		{Days: 5},
	} {
		if err := e.c.SetDefaultRetention(ctx, bucket, bad); err == nil {
			t.Errorf("SetDefaultRetention %+v was accepted", bad)
		}
	}
	if n := e.proxy.Count("PutObjectLockConfiguration"); n != 0 {
		t.Errorf("%d refused defaults were sent", n)
	}
}

// TestVersionLock sets retention and legal hold on versions, refuses to
// shorten a compliance retention before sending, and checks that deleting
// a locked version is ErrLocked with a sentence saying so.
func TestVersionLock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-lock"
	createLockBucket(t, e.c, bucket)
	held := putVersion(t, e.c, bucket, "held.txt", []byte("on hold"))
	kept := putVersion(t, e.c, bucket, "kept.txt", []byte("retained"))
	free := putVersion(t, e.c, bucket, "free.txt", []byte("free"))

	if l, err := e.c.VersionLock(ctx, bucket, "free.txt", free); err != nil || l.Locked(time.Now()) || l.Why(time.Now()) != "" {
		t.Errorf("VersionLock of an unlocked version = %+v, %v", l, err)
	}
	if err := e.c.SetLegalHold(ctx, bucket, "held.txt", held, true); err != nil {
		t.Fatalf("SetLegalHold: %v", err)
	}
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := e.c.SetRetention(ctx, bucket, "kept.txt", kept, Retention{Mode: Compliance, Until: until}, false); err != nil {
		t.Fatalf("SetRetention compliance: %v", err)
	}
	now := time.Now()
	l, err := e.c.VersionLock(ctx, bucket, "held.txt", held)
	if err != nil || !l.LegalHold || !l.Locked(now) || !strings.Contains(l.Why(now), "legal hold") {
		t.Errorf("held version: %+v, %v, %q", l, err, l.Why(now))
	}
	l, err = e.c.VersionLock(ctx, bucket, "kept.txt", kept)
	if err != nil || l.Mode != Compliance || !l.Until.Equal(until) || !strings.Contains(l.Why(now), "compliance mode until") {
		t.Errorf("retained version: %+v, %v, %q; want compliance until %v", l, err, l.Why(now), until)
	}

	// Extending is fine; shortening or downgrading is refused here.
	if err := e.c.SetRetention(ctx, bucket, "kept.txt", kept, Retention{Mode: Compliance, Until: until.Add(time.Hour)}, false); err != nil {
		t.Errorf("extending compliance retention: %v", err)
	}
	e.proxy.Reset()
	for _, r := range []Retention{
		{Mode: Compliance, Until: until},
		{Mode: Governance, Until: until.Add(2 * time.Hour)},
	} {
		err := e.c.SetRetention(ctx, bucket, "kept.txt", kept, r, true)
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "never shortened") {
			t.Errorf("SetRetention %+v over compliance: %v, want ErrLocked saying it is never shortened", r, err)
		}
	}
	if err := e.c.SetRetention(ctx, bucket, "free.txt", free, Retention{Mode: Governance, Until: time.Now().Add(-time.Minute)}, false); err == nil {
		t.Error("a retention ending in the past was accepted")
	}
	if n := e.proxy.Count("PutObjectRetention"); n != 0 {
		t.Errorf("%d refused retentions were sent", n)
	}

	// Governance: shortening needs the bypass.
	if err := e.c.SetRetention(ctx, bucket, "free.txt", free, Retention{Mode: Governance, Until: until}, false); err != nil {
		t.Fatalf("SetRetention governance: %v", err)
	}
	err = e.c.SetRetention(ctx, bucket, "free.txt", free, Retention{Mode: Governance, Until: until.Add(-time.Minute)}, false)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "bypass") {
		t.Errorf("shortening governance without bypass: %v, want ErrLocked naming the bypass", err)
	}

	// Deleting a locked version: the server refuses, and says why.
	for key, id := range map[string]string{"held.txt": held, "kept.txt": kept} {
		err := e.c.DeleteVersion(ctx, bucket, key, id)
		if !errors.Is(err, ErrLocked) {
			t.Errorf("DeleteVersion of locked %s: %v, want ErrLocked", key, err)
			continue
		}
		if se := asError(t, err); se.Status != 403 || !strings.Contains(se.Error(), "locked by object lock") {
			t.Errorf("DeleteVersion of locked %s: %q (status %d)", key, se.Error(), se.Status)
		}
	}
	if err := e.c.SetLegalHold(ctx, bucket, "held.txt", held, false); err != nil {
		t.Fatalf("lift legal hold: %v", err)
	}
	if err := e.c.DeleteVersion(ctx, bucket, "held.txt", held); err != nil {
		t.Errorf("DeleteVersion after the hold was lifted: %v", err)
	}
}

func TestLockMessage(t *testing.T) {
	for _, c := range []struct {
		code, msg string
		want      bool
	}{
		{"AccessDenied", "Access Denied because object protected by object lock.", true},
		{"AccessDenied", "File is under legal hold", true},
		{"AccessDenied", "not entitled", false},
		{"AccessDenied", "Access denied by Block Public Access", false},
		{"AccessDenied", "file is locked until 2030", true},
		{"InvalidArgument", "object lock", false},
	} {
		if got := lockMessage(c.code, c.msg); got != c.want {
			t.Errorf("lockMessage(%q, %q) = %v", c.code, c.msg, got)
		}
	}
}

// TestCreateLockedBucket creates a bucket with Object Lock through the
// store's own call: the lock is on, and so are versions.
func TestCreateLockedBucket(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.c.CreateLockedBucket(ctx, "haul-made-locked", Private); err != nil {
		t.Fatal(err)
	}
	l, err := e.c.ObjectLock(ctx, "haul-made-locked")
	if err != nil || !l.Enabled {
		t.Fatalf("ObjectLock = %+v, %v; want enabled", l, err)
	}
	for _, body := range []string{"one", "two"} {
		if _, err := e.c.Put(ctx, PutInput{Bucket: "haul-made-locked", Key: "f.txt", Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := e.c.KeyVersions(ctx, "haul-made-locked", "f.txt", "")
	if err != nil || len(page.Versions) != 2 {
		t.Errorf("versions of f.txt = %d, %v; want 2", len(page.Versions), err)
	}
}
