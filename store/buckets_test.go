package store

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/haul-app/haul/store/b2proxy"
)

func TestBuckets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mustCreate(t, e.c, "haul-public", PublicRead)
	mustCreate(t, e.c, "haul-private", Private)

	buckets, err := e.c.Buckets(ctx)
	if err != nil {
		t.Fatalf("Buckets: %v", err)
	}
	want := []Bucket{{Name: "haul-private", Visibility: Private}, {Name: "haul-public", Visibility: PublicRead}}
	if len(buckets) != len(want) {
		t.Fatalf("Buckets = %+v, want %+v", buckets, want)
	}
	for i, b := range buckets {
		if b.Name != want[i].Name || b.Visibility != want[i].Visibility {
			t.Errorf("Buckets[%d] = %s %s, want %s %s", i, b.Name, b.Visibility, want[i].Name, want[i].Visibility)
		}
		if b.Created.IsZero() {
			t.Errorf("Buckets[%d] %s has no creation time", i, b.Name)
		}
	}

	for _, w := range want {
		b, err := e.c.Bucket(ctx, w.Name)
		if err != nil {
			t.Fatalf("Bucket(%s): %v", w.Name, err)
		}
		if b.Name != w.Name || b.Visibility != w.Visibility {
			t.Errorf("Bucket(%s) = %s %s, want %s", w.Name, b.Name, b.Visibility, w.Visibility)
		}
	}

	// Versioning is on for buckets made outside B2, which proves the
	// PutBucketVersioning call (sent with Content-MD5 instead of the CRC32
	// the SDK insists on) got through the proxy.
	for _, w := range want {
		out, err := e.c.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(w.Name)})
		if err != nil {
			t.Fatalf("GetBucketVersioning %s: %v", w.Name, err)
		}
		if out.Status != types.BucketVersioningStatusEnabled {
			t.Errorf("bucket %s versioning = %q, want Enabled", w.Name, out.Status)
		}
	}
	if n := e.proxy.Count("PutBucketVersioning"); n != 2 {
		t.Errorf("proxy saw %d PutBucketVersioning requests, want 2", n)
	}
	for _, r := range e.proxy.Requests() {
		if r.Op == "PutBucketVersioning" && (r.Header.Get("Content-Md5") == "" || r.Status != http.StatusOK) {
			t.Errorf("PutBucketVersioning %s: status %d, Content-MD5 %q", r.Bucket, r.Status, r.Header.Get("Content-Md5"))
		}
	}
}

func TestBucketMissing(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.Bucket(context.Background(), "haul-missing")
	if !errors.Is(err, ErrBucketNotFound) {
		t.Fatalf("Bucket(missing) = %v, want ErrBucketNotFound", err)
	}
	if got := asError(t, err); got.Status != http.StatusNotFound || got.Bucket != "haul-missing" {
		t.Errorf("Bucket(missing): status %d bucket %q, want 404 haul-missing", got.Status, got.Bucket)
	}
}

func TestCreateBucketTwice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mustCreate(t, e.c, "haul-twice", Private)
	for _, v := range []Visibility{Private, PublicRead} {
		err := e.c.CreateBucket(ctx, "haul-twice", v)
		if !errors.Is(err, ErrBucketExists) {
			t.Fatalf("CreateBucket(existing, %s) = %v, want ErrBucketExists", v, err)
		}
		got := asError(t, err)
		if got.Code != "BucketAlreadyOwnedByYou" && got.Code != "BucketAlreadyExists" {
			t.Errorf("CreateBucket(existing): code %q, want BucketAlreadyOwnedByYou or BucketAlreadyExists", got.Code)
		}
		if got.Status != http.StatusConflict {
			t.Errorf("CreateBucket(existing): status %d, want 409", got.Status)
		}
	}
}

func TestCreateBucketInvalidNameSendsNothing(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"b2-reserved", "short", "under_score"} {
		err := e.c.CreateBucket(context.Background(), name, Private)
		if !errors.Is(err, ErrInvalidName) {
			t.Errorf("CreateBucket(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	if n := len(e.proxy.Requests()); n != 0 {
		t.Errorf("invalid names sent %d requests, want none", n)
	}
}

func TestValidateBucketName(t *testing.T) {
	tests := []struct {
		name string
		want string // part of the error, "" for a valid name
	}{
		{"", "at least 6"},
		{"abcde", "at least 6"},
		{"abcdef", ""},
		{strings.Repeat("a", 63), ""},
		{strings.Repeat("a", 64), "at most 63"},
		{"b2-bucket", "reserved"},
		{"B2-bucket", "reserved"},
		{"b2bucket", ""},
		{"my-b2-bucket", ""},
		{"under_score", "'_'"},
		{"dotted.name", "'.'"},
		{"with space", "' '"},
		{"ünicode-name", "'ü'"},
		{"Mixed-Case-123", ""},
		{"123456", ""},
	}
	for _, tt := range tests {
		err := ValidateBucketName(tt.name)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidateBucketName(%q) = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ValidateBucketName(%q) = %v, want an error mentioning %s", tt.name, err, tt.want)
		}
	}
}

func TestVisibilityOf(t *testing.T) {
	group := func(uri, id string) types.Grant {
		g := &types.Grantee{Type: types.TypeGroup}
		if uri != "" {
			g.URI = aws.String(uri)
		}
		if id != "" {
			g.ID = aws.String(id)
		}
		return types.Grant{Grantee: g, Permission: types.PermissionRead}
	}
	owner := types.Grant{
		Grantee:    &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String("owner")},
		Permission: types.PermissionFullControl,
	}
	tests := []struct {
		name   string
		grants []types.Grant
		want   Visibility
	}{
		{"owner only", []types.Grant{owner}, Private},
		{"none", nil, Private},
		{"AllUsers URI", []types.Grant{owner, group(allUsersURI, "")}, PublicRead},
		{"versitygw all-users", []types.Grant{owner, group("", "all-users")}, PublicRead},
		{"authenticated users", []types.Grant{group("http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "")}, Private},
		{"nil grantee", []types.Grant{{Permission: types.PermissionRead}}, Private},
		{"everyone may write only", []types.Grant{{Grantee: group(allUsersURI, "").Grantee, Permission: types.PermissionWrite}}, Private},
	}
	for _, tt := range tests {
		if got := visibilityOf(tt.grants); got != tt.want {
			t.Errorf("%s: visibilityOf = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestWireHasNoChecksums runs every store operation through the proxy and
// checks that none sent what B2 refuses (checksum headers, aws-chunked
// bodies) and that every upload carried Content-MD5. A raw SDK call without
// withContentMD5 is refused, which shows the check can fail.
func TestWireHasNoChecksums(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mustCreate(t, e.c, "haul-wire-a", Private)
	mustCreate(t, e.c, "haul-wire-b", PublicRead)
	putAll(t, e.c, "haul-wire-a", []string{"x.txt", "dir/y.bin", "dir/.bzEmpty"})
	if _, err := e.c.Buckets(ctx); err != nil {
		t.Fatalf("Buckets: %v", err)
	}
	if _, err := e.c.Bucket(ctx, "haul-wire-b"); err != nil {
		t.Fatalf("Bucket: %v", err)
	}
	listAll(t, e.c, ListInput{Bucket: "haul-wire-a"})
	listAll(t, e.c, ListInput{Bucket: "haul-wire-a", Recursive: true})

	checkWire(t, e.proxy)
	ops := map[string]bool{}
	for _, r := range e.proxy.Requests() {
		ops[r.Op] = true
		if r.Status >= 400 {
			t.Errorf("%s %s answered %d", r.Op, r.Path, r.Status)
		}
	}
	for _, op := range []string{"CreateBucket", "PutBucketVersioning", "PutObject", "ListBuckets", "GetBucketAcl", "HeadBucket", "ListObjectsV2"} {
		if !ops[op] {
			t.Errorf("no %s request went through the proxy", op)
		}
	}

	// The control: the same PutBucketVersioning without withContentMD5 goes
	// out with a CRC32 header, and B2 (the proxy) refuses it.
	control := b2proxy.New(t, e.srv.Endpoint)
	raw := (&env{srv: e.srv, proxy: control}).client(t, Config{MaxAttempts: 1})
	_, err := raw.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String("haul-wire-a"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err == nil || len(control.Refusals()) != 1 {
		t.Errorf("PutBucketVersioning without Content-MD5: %v, refusals %q; want one refusal", err, control.Refusals())
	}
}
