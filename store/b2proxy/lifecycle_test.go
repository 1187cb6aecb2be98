package b2proxy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func prefixRule(prefix string) types.LifecycleRule {
	return types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String(prefix)}}
}

// describeRules prints rules as prefix:hide/delete/cancel, with "m" for a
// rule that only removes orphan delete markers.
func describeRules(rules []types.LifecycleRule) string {
	var out []string
	for _, r := range rules {
		s := aws.ToString(r.Filter.Prefix) + ":"
		switch {
		case r.Expiration != nil && aws.ToBool(r.Expiration.ExpiredObjectDeleteMarker):
			s += "m"
		default:
			var hide, del, cancel int32
			if r.Expiration != nil {
				hide = aws.ToInt32(r.Expiration.Days)
			}
			if r.NoncurrentVersionExpiration != nil {
				del = aws.ToInt32(r.NoncurrentVersionExpiration.NoncurrentDays)
			}
			if r.AbortIncompleteMultipartUpload != nil {
				cancel = aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation)
			}
			s += fmt.Sprintf("%d/%d/%d", hide, del, cancel)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// TestLifecycle checks the proxy's emulation of B2's lifecycle rules: kept
// per bucket, rules of one prefix merged, a hiding rule returned as two,
// and what B2 cannot map refused.
func TestLifecycle(t *testing.T) {
	_, p, c := setup(t)
	ctx := context.Background()
	createBucket(t, c, "lifecycle")
	get := func() (string, error) {
		out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lifecycle")})
		if err != nil {
			return "", err
		}
		return describeRules(out.Rules), nil
	}
	put := func(rules ...types.LifecycleRule) error {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
			Bucket:                 aws.String("lifecycle"),
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules},
		}, withContentMD5)
		return err
	}
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return fmt.Sprint(err)
	}

	if _, err := get(); code(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("GET before any PUT: %v, want NoSuchLifecycleConfiguration", err)
	}
	logs := prefixRule("logs/")
	logs.Expiration = &types.LifecycleExpiration{Days: aws.Int32(30)}
	logs.NoncurrentVersionExpiration = &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(7)}
	logsCancel := prefixRule("logs/")
	logsCancel.AbortIncompleteMultipartUpload = &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}
	tmp := prefixRule("tmp/")
	tmp.AbortIncompleteMultipartUpload = &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)}
	markers := prefixRule("tmp/")
	markers.Expiration = &types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}
	if err := put(logs, tmp, logsCancel, markers); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if got, err := get(); err != nil || got != "logs/:30/7/1 logs/:m tmp/:0/0/2" {
		t.Errorf("GET = %q, %v; want logs/:30/7/1 logs/:m tmp/:0/0/2", got, err)
	}

	transition := prefixRule("a/")
	transition.Transitions = []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassGlacier}}
	dated := prefixRule("a/")
	dated.Expiration = &types.LifecycleExpiration{Date: aws.Time(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}
	tagged := types.LifecycleRule{Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
		Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}
	inner := prefixRule("a/b/")
	inner.Expiration = &types.LifecycleExpiration{Days: aws.Int32(1)}
	outer := prefixRule("a/")
	outer.Expiration = &types.LifecycleExpiration{Days: aws.Int32(2)}
	idle := prefixRule("a/")
	twice := prefixRule("logs/")
	twice.Expiration = &types.LifecycleExpiration{Days: aws.Int32(5)}
	many := make([]types.LifecycleRule, 101)
	for i := range many {
		many[i] = prefixRule(fmt.Sprintf("f%03d/", i))
		many[i].Expiration = &types.LifecycleExpiration{Days: aws.Int32(1)}
	}
	for name, rules := range map[string][]types.LifecycleRule{
		"transition": {transition}, "date": {dated}, "tag": {tagged}, "overlap": {inner, outer},
		"no action": {idle}, "same action twice": {logs, twice}, "101 rules": many,
	} {
		if err := put(rules...); code(err) != "InvalidArgument" {
			t.Errorf("PUT %s: %v, want InvalidArgument", name, err)
		}
	}
	if got, err := get(); err != nil || got != "logs/:30/7/1 logs/:m tmp/:0/0/2" {
		t.Errorf("GET after refusals = %q, %v; want the rules as they were", got, err)
	}

	if _, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lifecycle")}); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	if _, err := get(); code(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("GET after DELETE: %v, want NoSuchLifecycleConfiguration", err)
	}
	if n := p.Count("PutBucketLifecycleConfiguration"); n != 8 {
		t.Errorf("proxy counted %d PUTs, want 8", n)
	}
}
