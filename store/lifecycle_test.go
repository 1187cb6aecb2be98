package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestLifecycleRules sets, reads and removes lifecycle rules through the B2
// behaviour proxy, which keeps them as B2 does.
func TestLifecycleRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bucket = "haul-lifecycle"
	mustCreate(t, e.c, bucket, Private)
	if rules, err := e.c.LifecycleRules(ctx, bucket); err != nil || rules != nil {
		t.Errorf("LifecycleRules of a new bucket = %+v, %v; want none", rules, err)
	}
	want := []LifecycleRule{
		KeepOnlyLastVersion("logs/"),
		{Prefix: "tmp/", DaysFromUploadingToHiding: 7, DaysFromHidingToDeleting: 30, DaysFromStartingToCancelingUnfinishedLargeFiles: 2},
		KeepOldVersions("photos/", 30),
	}
	if err := e.c.SetLifecycleRules(ctx, bucket, want); err != nil {
		t.Fatalf("SetLifecycleRules: %v", err)
	}
	got, err := e.c.LifecycleRules(ctx, bucket)
	slices.SortFunc(want, func(a, b LifecycleRule) int { return strings.Compare(a.Prefix, b.Prefix) })
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("LifecycleRules = %+v, %v\nwant %+v", got, err, want)
	}
	if n := e.proxy.Count("PutBucketLifecycleConfiguration"); n != 1 {
		t.Errorf("%d PutBucketLifecycleConfiguration requests, want 1", n)
	}
	for _, r := range e.proxy.Requests() {
		if r.Op == "PutBucketLifecycleConfiguration" && r.Header.Get("Content-Md5") == "" {
			t.Error("PutBucketLifecycleConfiguration sent no Content-MD5")
		}
	}

	e.proxy.Reset()
	if err := e.c.SetLifecycleRules(ctx, bucket, []LifecycleRule{KeepOnlyLastVersion(""), KeepOnlyLastVersion("a/")}); err == nil ||
		!strings.Contains(err.Error(), "whole bucket overlaps") {
		t.Errorf("overlapping rules: %v, want a refusal naming the overlap", err)
	}
	if n := e.proxy.Count("PutBucketLifecycleConfiguration"); n != 0 {
		t.Errorf("refused rules were sent (%d requests)", n)
	}
	if got, err := e.c.LifecycleRules(ctx, bucket); err != nil || len(got) != 3 {
		t.Errorf("after a refusal: %+v, %v; want the three rules kept", got, err)
	}

	if err := e.c.SetLifecycleRules(ctx, bucket, nil); err != nil {
		t.Fatalf("SetLifecycleRules(nil): %v", err)
	}
	if got, err := e.c.LifecycleRules(ctx, bucket); err != nil || got != nil {
		t.Errorf("after removing them: %+v, %v; want none", got, err)
	}
}

func TestValidateLifecycleRules(t *testing.T) {
	many := make([]LifecycleRule, MaxLifecycleRules+1)
	for i := range many {
		many[i] = KeepOnlyLastVersion(fmt.Sprintf("f%03d/", i))
	}
	for _, c := range []struct {
		name  string
		rules []LifecycleRule
		want  string // in the error; "" for valid rules
	}{
		{"none", nil, ""},
		{"apart", []LifecycleRule{KeepOnlyLastVersion("a/"), KeepOldVersions("ab/", 3), KeepOldVersions("b/", 3)}, ""},
		{"one for all", []LifecycleRule{{DaysFromStartingToCancelingUnfinishedLargeFiles: 7}}, ""},
		{"nested", []LifecycleRule{KeepOnlyLastVersion("a/b/"), KeepOnlyLastVersion("a/")}, `"a/" and "a/b/" overlap`},
		{"name prefix", []LifecycleRule{KeepOnlyLastVersion("logs"), KeepOnlyLastVersion("logs/2024/")}, "overlap"},
		{"same", []LifecycleRule{KeepOnlyLastVersion("x/"), KeepOldVersions("x/", 9)}, `two rules have the prefix "x/"`},
		{"whole bucket and more", []LifecycleRule{KeepOnlyLastVersion("x/"), KeepOnlyLastVersion("")}, "whole bucket overlaps"},
		{"idle", []LifecycleRule{{Prefix: "x/"}}, "does nothing"},
		{"negative", []LifecycleRule{{Prefix: "x/", DaysFromHidingToDeleting: -1}}, "negative"},
		{"control character", []LifecycleRule{KeepOnlyLastVersion("x\x01/")}, "control characters"},
		{"too many", many, "at most 100"},
	} {
		err := ValidateLifecycleRules(c.rules)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want valid", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

func TestLifecycleDescribe(t *testing.T) {
	for _, c := range []struct {
		rule LifecycleRule
		want string
	}{
		{KeepOnlyLastVersion(""), "For every file in the bucket, B2 keeps only the current version, deleting older versions and hidden files for good a day after they stop being current."},
		{KeepOldVersions("photos/", 30), `For files whose names start with "photos/", B2 deletes older versions and hidden files for good 30 days after they stop being current.`},
		{LifecycleRule{Prefix: "tmp/", DaysFromUploadingToHiding: 7, DaysFromStartingToCancelingUnfinishedLargeFiles: 1},
			`For files whose names start with "tmp/", B2 hides each one 7 days after it is uploaded, keeps hidden files (still billed) until someone deletes them and cancels unfinished uploads 1 day after they started.`},
		{LifecycleRule{Prefix: "x/"}, `For files whose names start with "x/", B2 does nothing.`},
	} {
		if got := c.rule.Describe(); got != c.want {
			t.Errorf("%+v.Describe() =\n%s\nwant\n%s", c.rule, got, c.want)
		}
	}
}

// TestLifecycleFromS3 reads S3 rules the way B2 returns them, and refuses
// what B2 rules cannot say rather than dropping it.
func TestLifecycleFromS3(t *testing.T) {
	yes := true
	//lint:ignore SA1019 the form from before Filter is what this reads
	r, ok, why := fromS3Rule(types.LifecycleRule{Status: types.ExpirationStatusEnabled, Prefix: aws.String("old/"),
		Expiration: &types.LifecycleExpiration{Days: aws.Int32(3)}})
	if !ok || why != "" || r != (LifecycleRule{Prefix: "old/", DaysFromUploadingToHiding: 3}) {
		t.Errorf("a rule with the old Prefix field = %+v, %v, %q", r, ok, why)
	}
	if _, ok, why := fromS3Rule(types.LifecycleRule{Status: types.ExpirationStatusEnabled,
		Expiration: &types.LifecycleExpiration{ExpiredObjectDeleteMarker: &yes}}); ok || why != "" {
		t.Errorf("an orphan-marker rule: kept %v, %q; want it left out", ok, why)
	}
	if _, _, why := fromS3Rule(types.LifecycleRule{Status: types.ExpirationStatusEnabled,
		Transitions: []types.Transition{{Days: aws.Int32(1)}}}); !strings.Contains(why, "storage class") {
		t.Errorf("a transition: %q, want it refused", why)
	}
}
