package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// RetentionMode is how firmly a version is retained under Object Lock.
type RetentionMode string

const (
	// NoRetention: the version may be deleted (unless under legal hold).
	NoRetention RetentionMode = ""
	// Governance retention can be shortened or removed early by a key
	// with the bypassGovernance capability.
	Governance RetentionMode = "GOVERNANCE"
	// Compliance retention can be extended but never shortened or
	// removed, by anyone, until it ends: setting it cannot be undone.
	Compliance RetentionMode = "COMPLIANCE"
)

// Retention keeps a version from being deleted or overwritten until Until.
type Retention struct {
	Mode  RetentionMode
	Until time.Time
}

// InForce reports whether the retention still holds at now.
func (r Retention) InForce(now time.Time) bool {
	return r.Mode != NoRetention && r.Until.After(now)
}

// DefaultRetention is the retention a bucket gives every new upload: a mode
// and a period of either Days or Years (the other zero). Mode NoRetention
// means no default.
type DefaultRetention struct {
	Mode        RetentionMode
	Days, Years int
}

// ObjectLock is a bucket's Object Lock configuration.
type ObjectLock struct {
	// Enabled says versions in the bucket can be locked at all.
	Enabled bool
	Default DefaultRetention
}

// Lock is the Object Lock state of one version.
type Lock struct {
	Retention
	LegalHold bool
}

// Locked reports whether the version cannot be deleted at now.
func (l Lock) Locked(now time.Time) bool { return l.LegalHold || l.InForce(now) }

// Why says in a sentence why the version cannot be deleted at now, or ""
// when it can.
func (l Lock) Why(now time.Time) string {
	var parts []string
	if l.LegalHold {
		parts = append(parts, "it is under legal hold, until the hold is removed")
	}
	if l.InForce(now) {
		until := l.Until.UTC().Format("2 January 2006 15:04 MST")
		if l.Mode == Compliance {
			parts = append(parts, "it is retained in compliance mode until "+until+", which nobody can shorten")
		} else {
			parts = append(parts, "it is retained in governance mode until "+until)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "This version cannot be deleted: " + strings.Join(parts, ", and ") + "."
}

// ObjectLock reads a bucket's Object Lock configuration. A bucket without
// Object Lock is ObjectLock{} and no error.
func (c *Client) ObjectLock(ctx context.Context, bucket string) (ObjectLock, error) {
	const op = "read object lock"
	out, err := c.s3.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		err = wrapErr(op, bucket, "", err)
		var e *Error
		if errors.As(err, &e) && (e.Code == "ObjectLockConfigurationNotFoundError" || e.Kind == ErrNotFound) {
			return ObjectLock{}, nil
		}
		return ObjectLock{}, err
	}
	var l ObjectLock
	if cfg := out.ObjectLockConfiguration; cfg != nil {
		l.Enabled = cfg.ObjectLockEnabled == types.ObjectLockEnabledEnabled
		if cfg.Rule != nil && cfg.Rule.DefaultRetention != nil {
			d := cfg.Rule.DefaultRetention
			l.Default = DefaultRetention{
				Mode:  RetentionMode(d.Mode),
				Days:  int(aws.ToInt32(d.Days)),
				Years: int(aws.ToInt32(d.Years)),
			}
		}
	}
	return l, nil
}

// SetDefaultRetention sets (or, with Mode NoRetention, removes) the
// retention a bucket with Object Lock gives new uploads; versions already
// stored keep theirs. A default in compliance mode makes every later
// upload undeletable for the period. The shape is checked before sending.
func (c *Client) SetDefaultRetention(ctx context.Context, bucket string, d DefaultRetention) error {
	const op = "set default retention"
	cfg := &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}
	switch {
	case d.Mode == NoRetention && d.Days == 0 && d.Years == 0:
	case d.Mode != Governance && d.Mode != Compliance:
		return &Error{Op: op, Bucket: bucket, Kind: ErrOther, Message: fmt.Sprintf("the mode must be governance or compliance, not %q", string(d.Mode))}
	case (d.Days > 0) == (d.Years > 0) || d.Days < 0 || d.Years < 0:
		return &Error{Op: op, Bucket: bucket, Kind: ErrOther, Message: "give the period in either days or years, a whole number above zero"}
	default:
		r := &types.DefaultRetention{Mode: types.ObjectLockRetentionMode(d.Mode)}
		if d.Days > 0 {
			r.Days = aws.Int32(int32(d.Days))
		} else {
			r.Years = aws.Int32(int32(d.Years))
		}
		cfg.Rule = &types.ObjectLockRule{DefaultRetention: r}
	}
	_, err := c.s3.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{
		Bucket: aws.String(bucket), ObjectLockConfiguration: cfg,
	}, withContentMD5)
	return wrapErr(op, bucket, "", err)
}

// VersionLock reads the retention and legal hold of one version (""
// for the current one): one GetObjectRetention and one GetObjectLegalHold,
// since versitygw's HeadObject does not report a past version's lock. A
// delete marker is never locked; a version that does not exist is
// ErrNotFound.
func (c *Client) VersionLock(ctx context.Context, bucket, key, versionID string) (Lock, error) {
	const op = "read lock"
	var l Lock
	ret, err := c.s3.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: optional(versionID),
	})
	if err != nil {
		if none, err := noLock(op, bucket, key, err); !none {
			return Lock{}, err
		}
	} else if r := ret.Retention; r != nil {
		l.Retention = Retention{Mode: RetentionMode(r.Mode), Until: aws.ToTime(r.RetainUntilDate)}
	}
	hold, err := c.s3.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: optional(versionID),
	})
	if err != nil {
		if none, err := noLock(op, bucket, key, err); !none {
			return Lock{}, err
		}
	} else if h := hold.LegalHold; h != nil {
		l.LegalHold = h.Status == types.ObjectLockLegalHoldStatusOn
	}
	return l, nil
}

// noLock sorts a failed read of a retention or legal hold: none set (the
// server answers with an error for that), a delete marker (never locked),
// or a real failure, returned wrapped.
func noLock(op, bucket, key string, err error) (bool, error) {
	if isDeleteMarkerAnswer(err) {
		return true, nil
	}
	err = wrapErr(op, bucket, key, err)
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case "NoSuchObjectLockConfiguration", "ObjectLockConfigurationNotFoundError", "MethodNotAllowed":
			return true, nil
		}
	}
	return false, err
}

// SetRetention sets the retention of one version. Extending is always
// allowed. What B2 would refuse is refused before sending, as ErrLocked
// with a sentence saying why: shortening, removing or downgrading a
// compliance retention still in force (it can never be undone), and doing
// so to a governance retention without bypassGovernance (which also needs
// the key's bypassGovernance capability). It reads the current retention
// first (one HeadObject). A retention in compliance mode cannot be undone.
func (c *Client) SetRetention(ctx context.Context, bucket, key, versionID string, r Retention, bypassGovernance bool) error {
	const op = "set retention"
	now := time.Now()
	if r.Mode != Governance && r.Mode != Compliance {
		return &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrOther, Message: "the mode must be governance or compliance"}
	}
	if !r.Until.After(now) {
		return &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrOther, Message: "the retention must end in the future"}
	}
	cur, err := c.VersionLock(ctx, bucket, key, versionID)
	if err != nil {
		return err
	}
	if msg := weakens(cur.Retention, r, now, bypassGovernance); msg != "" {
		return &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrLocked, Message: msg}
	}
	in := &s3.PutObjectRetentionInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: optional(versionID),
		Retention: &types.ObjectLockRetention{
			Mode: types.ObjectLockRetentionMode(r.Mode), RetainUntilDate: aws.Time(r.Until.UTC()),
		},
	}
	if bypassGovernance {
		in.BypassGovernanceRetention = aws.Bool(true)
	}
	_, err = c.s3.PutObjectRetention(ctx, in, withContentMD5)
	return wrapErr(op, bucket, key, err)
}

// weakens says why setting next over cur would weaken a retention in force
// that may not be weakened, or "" when it may be set.
func weakens(cur, next Retention, now time.Time, bypass bool) string {
	if !cur.InForce(now) || (next.Mode == cur.Mode && !next.Until.Before(cur.Until)) ||
		(cur.Mode == Governance && next.Mode == Compliance && !next.Until.Before(cur.Until)) {
		return ""
	}
	until := cur.Until.UTC().Format("2 January 2006 15:04 MST")
	if cur.Mode == Compliance {
		return "compliance retention can be extended but never shortened or turned into governance: this version stays locked until " + until
	}
	if !bypass {
		return "governance retention until " + until + " can only be shortened or changed with the bypass option (and a key allowed to bypass governance)"
	}
	return ""
}

// SetLegalHold puts one version under legal hold, or lifts it. A version
// under legal hold cannot be deleted, whatever its retention.
func (c *Client) SetLegalHold(ctx context.Context, bucket, key, versionID string, on bool) error {
	status := types.ObjectLockLegalHoldStatusOff
	if on {
		status = types.ObjectLockLegalHoldStatusOn
	}
	_, err := c.s3.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: optional(versionID),
		LegalHold: &types.ObjectLockLegalHold{Status: status},
	}, withContentMD5)
	return wrapErr("set legal hold", bucket, key, err)
}

// lockedVersions finds which of ids are locked at now, with VersionLock
// (two calls) each, eight versions at a time, and returns their indexes in
// ids. A version the key may not read the lock of counts as unlocked: the
// delete will tell.
func (c *Client) lockedVersions(ctx context.Context, bucket string, ids []ObjectID, now time.Time) (map[int]bool, error) {
	locked := make([]bool, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, id := range ids {
		g.Go(func() error {
			l, err := c.VersionLock(gctx, bucket, id.Key, id.VersionID)
			if errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied) {
				return nil // gone meanwhile, or not for this key to know
			}
			locked[i] = err == nil && l.Locked(now)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[int]bool)
	for i, l := range locked {
		if l {
			out[i] = true
		}
	}
	return out, nil
}

// isLockRefusal reports whether a per-object failure of a batch delete says
// the version is locked. versitygw: AccessDenied, "Access Denied because
// object protected by object lock."
func isLockRefusal(f DeleteFailure) bool {
	return lockMessage(f.Code, f.Message)
}

// lockMessage reports whether an answer's code and message say that Object
// Lock refused it: an access refusal whose message speaks of the lock.
// versitygw says "Access Denied because object protected by object lock.";
// B2's wording is not documented, so any mention of an object (or file)
// lock, of being locked, of retention or of a legal hold counts.
func lockMessage(code, message string) bool {
	switch code {
	case "AccessDenied", "ObjectLocked", "access_denied":
	default:
		return false
	}
	m := strings.ToLower(message)
	for _, s := range []string{"object lock", "file lock", "locked", "retention", "legal hold"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// optional is nil for "", so an empty version ID is not sent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
