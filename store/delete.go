package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// deleteBatch is the most keys one DeleteObjects request may name.
const deleteBatch = 1000

// ObjectID names one version of a file. VersionID "" means the current
// version: deleting it adds a delete marker (B2's hide marker) and frees
// nothing; deleting a named version removes it for good.
type ObjectID struct {
	Key, VersionID string
}

// DeleteFailure is one object a batch delete could not delete, with the
// code and message the server gave for it (e.g. "AccessDenied").
type DeleteFailure struct {
	Key, VersionID, Code, Message string
}

// DeleteObjects deletes ids in batches of 1,000, one DeleteObjects request
// (quiet mode, with Content-MD5 instead of the CRC32 header B2 refuses) per
// batch, and calls progress (when not nil) after each batch with the number
// of ids handled so far, deleted or failed. It returns how many were
// deleted and the objects the server refused one by one. err is set when a
// whole request failed or ctx ended; the counts then tell what was done
// before. A version that was already deleted counts as deleted, as in S3;
// a version ID the server never issued is a failure (versitygw:
// InvalidArgument, "Invalid version id specified").
func (c *Client) DeleteObjects(ctx context.Context, bucket string, ids []ObjectID, progress func(done int)) (deleted int, failures []DeleteFailure, err error) {
	d := deletion{c: c, bucket: bucket, progress: progress}
	for start := 0; start < len(ids); start += deleteBatch {
		if err := d.batch(ctx, ids[start:min(start+deleteBatch, len(ids))]); err != nil {
			return d.deleted, d.failures, err
		}
	}
	return d.deleted, d.failures, nil
}

// deletion adds up the batches of one bulk delete and reports progress
// after each.
type deletion struct {
	c        *Client
	bucket   string
	progress func(done int)
	deleted  int
	done     int
	failures []DeleteFailure
}

// batch deletes one batch of at most 1,000 ids and counts it.
func (d *deletion) batch(ctx context.Context, ids []ObjectID) error {
	n, failed, err := d.c.deleteBatch(ctx, d.bucket, ids)
	d.deleted += n
	d.failures = append(d.failures, failed...)
	if err != nil {
		return err
	}
	d.done += len(ids)
	if d.progress != nil {
		d.progress(d.done)
	}
	return nil
}

// deleteBatch sends one DeleteObjects request for at most 1,000 ids.
func (c *Client) deleteBatch(ctx context.Context, bucket string, ids []ObjectID) (int, []DeleteFailure, error) {
	const op = "delete files"
	if err := ctx.Err(); err != nil {
		return 0, nil, wrapErr(op, bucket, "", err)
	}
	objects := make([]types.ObjectIdentifier, len(ids))
	for i, id := range ids {
		objects[i] = types.ObjectIdentifier{Key: aws.String(id.Key)}
		if id.VersionID != "" {
			objects[i].VersionId = aws.String(id.VersionID)
		}
	}
	out, err := c.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(bucket),
		Delete: &types.Delete{Objects: objects, Quiet: aws.Bool(true)},
	}, withContentMD5)
	if err != nil {
		return 0, nil, wrapErr(op, bucket, "", err)
	}
	failures := make([]DeleteFailure, 0, len(out.Errors))
	for _, e := range out.Errors {
		failures = append(failures, DeleteFailure{
			Key:       aws.ToString(e.Key),
			VersionID: aws.ToString(e.VersionId),
			Code:      aws.ToString(e.Code),
			Message:   aws.ToString(e.Message),
		})
	}
	return len(ids) - len(failures), failures, nil
}

// Delete hides the current version of key behind a delete marker (B2's
// hide marker). Nothing is freed: every version stays and can be restored,
// or removed with DeleteAll.
func (c *Client) Delete(ctx context.Context, bucket, key string) error {
	if key == "" {
		return &Error{Op: "delete", Bucket: bucket, Kind: ErrInvalidName, Message: "no file named"}
	}
	_, err := c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return wrapErr("delete", bucket, key, err)
}

// DeleteAll removes for good every version and delete marker of key (when
// prefix is false) or of every key under the folder keyOrPrefix (when
// prefix is true; a missing trailing "/" is added, so "a" does not reach
// "ab/"). It lists versions a page (1,000 entries, one billable call) at a
// time and deletes each page with one DeleteObjects request; progress and
// the results are as for DeleteObjects. An empty folder name would mean
// the whole bucket and is refused: EmptyBucket says so explicitly.
func (c *Client) DeleteAll(ctx context.Context, bucket, keyOrPrefix string, prefix bool, progress func(done int)) (deleted int, failures []DeleteFailure, err error) {
	if keyOrPrefix == "" || keyOrPrefix == "/" {
		return 0, nil, &Error{Op: "delete for good", Bucket: bucket, Kind: ErrInvalidName,
			Message: "no file or folder named (use EmptyBucket to empty the bucket)"}
	}
	if prefix && !strings.HasSuffix(keyOrPrefix, "/") {
		keyOrPrefix += "/"
	}
	return c.purge(ctx, bucket, keyOrPrefix, !prefix, progress)
}

// purge deletes every version and marker under prefix, or of exactly the
// key prefix when exact is set, page by page. Each page is listed before
// the previous one is deleted: versitygw answers a listing that continues
// from a deleted version with an empty last page, and S3 promises nothing
// either.
func (c *Client) purge(ctx context.Context, bucket, prefix string, exact bool, progress func(done int)) (deleted int, failures []DeleteFailure, err error) {
	d := deletion{c: c, bucket: bucket, progress: progress}
	l := c.versionLister(bucket, prefix)
	refs, err := l.next(ctx)
	for err == nil {
		ids := make([]ObjectID, 0, len(refs))
		last := !l.more()
		for _, r := range refs {
			if exact && r.Key != prefix {
				// Versions come sorted by key, and prefix itself sorts
				// before every longer key it starts: the rest is others'.
				last = true
				continue
			}
			ids = append(ids, r.ObjectID)
		}
		var next []versionRef
		if !last {
			if next, err = l.next(ctx); err != nil {
				break
			}
		}
		if len(ids) > 0 {
			if err := d.batch(ctx, ids); err != nil {
				return d.deleted, d.failures, err
			}
		}
		if last {
			return d.deleted, d.failures, nil
		}
		refs = next
	}
	return d.deleted, d.failures, err
}

// DeleteFolder hides every current file under the folder prefix (a
// trailing "/" is added when missing), the empty-folder placeholder
// included, with delete markers sent in batches of 1,000: what deleting a
// folder means in a bucket that keeps versions. Nothing is freed; the old
// versions stay until DeleteAll removes them. It lists the folder a page
// at a time; progress and the results are as for DeleteObjects.
func (c *Client) DeleteFolder(ctx context.Context, bucket, prefix string, progress func(done int)) (deleted int, failures []DeleteFailure, err error) {
	const op = "delete folder"
	if prefix == "" || prefix == "/" {
		return 0, nil, &Error{Op: op, Bucket: bucket, Kind: ErrInvalidName, Message: "no folder named"}
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	d := deletion{c: c, bucket: bucket, progress: progress}
	keys, next, err := c.keysPage(ctx, bucket, prefix, "")
	for err == nil {
		// The next page is listed before this one is hidden, for the
		// reason purge gives.
		var nextKeys []Object
		nextToken := ""
		if next != "" {
			if nextKeys, nextToken, err = c.keysPage(ctx, bucket, prefix, next); err != nil {
				break
			}
		}
		if len(keys) > 0 {
			ids := make([]ObjectID, len(keys))
			for i, k := range keys {
				ids[i] = ObjectID{Key: k.Key}
			}
			if err := d.batch(ctx, ids); err != nil {
				return d.deleted, d.failures, err
			}
		}
		if next == "" {
			return d.deleted, d.failures, nil
		}
		keys, next = nextKeys, nextToken
	}
	return d.deleted, d.failures, err
}

// keysPage lists one page (at most 1,000) of every key under prefix,
// recursively, placeholders included, which List leaves out. Only Key and
// Size are set.
func (c *Client) keysPage(ctx context.Context, bucket, prefix, token string) (keys []Object, next string, err error) {
	req := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(maxPage), EncodingType: listEncoding}
	if prefix != "" {
		req.Prefix = aws.String(prefix)
	}
	if token != "" {
		req.ContinuationToken = aws.String(token)
	}
	out, err := c.s3.ListObjectsV2(ctx, req)
	if err != nil {
		return nil, "", wrapErr("list", bucket, prefix, err)
	}
	if err := decodeObjectsList(out, "list", bucket, prefix); err != nil {
		return nil, "", err
	}
	keys = make([]Object, len(out.Contents))
	for i, o := range out.Contents {
		keys[i] = Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)}
	}
	if aws.ToBool(out.IsTruncated) {
		next = aws.ToString(out.NextContinuationToken)
		if next == "" {
			return nil, "", &Error{Op: "list", Bucket: bucket, Key: prefix, Kind: ErrServer,
				Message: "the server said there are more files but gave no token to list them"}
		}
	}
	return keys, next, nil
}

// versionRef is one entry of a version listing: a version or a delete
// marker.
type versionRef struct {
	ObjectID
	DeleteMarker bool
}

// versionPages pages through a version listing of a prefix with
// ListObjectVersions, 1,000 entries per billable call. It drops entries
// that a page repeats from the page before: versitygw lists a delete
// marker that ends a page again in the next one.
type versionPages struct {
	c                   *Client
	bucket, prefix      string
	keyMarker, idMarker string
	prev                map[ObjectID]struct{}
	started, last       bool
}

// versionLister starts a version listing of everything under prefix.
func (c *Client) versionLister(bucket, prefix string) *versionPages {
	return &versionPages{c: c, bucket: bucket, prefix: prefix}
}

// more reports whether there is a page left to read.
func (l *versionPages) more() bool { return !l.last }

// next reads the next page.
func (l *versionPages) next(ctx context.Context) ([]versionRef, error) {
	const op = "list versions"
	if l.last {
		return nil, nil
	}
	req := &s3.ListObjectVersionsInput{Bucket: aws.String(l.bucket), MaxKeys: aws.Int32(maxPage), EncodingType: listEncoding}
	if l.prefix != "" {
		req.Prefix = aws.String(l.prefix)
	}
	if l.started {
		req.KeyMarker = aws.String(l.keyMarker)
		if l.idMarker != "" {
			req.VersionIdMarker = aws.String(l.idMarker)
		}
	}
	out, err := l.c.s3.ListObjectVersions(ctx, req)
	if err != nil {
		return nil, wrapErr(op, l.bucket, l.prefix, err)
	}
	if err := decodeVersionsList(out, op, l.bucket, l.prefix); err != nil {
		return nil, err
	}
	refs := make([]versionRef, 0, len(out.Versions)+len(out.DeleteMarkers))
	seen := make(map[ObjectID]struct{}, cap(refs))
	add := func(r versionRef) {
		if _, dup := l.prev[r.ObjectID]; !dup {
			refs = append(refs, r)
		}
		seen[r.ObjectID] = struct{}{}
	}
	for _, v := range out.Versions {
		add(versionRef{ObjectID: ObjectID{Key: aws.ToString(v.Key), VersionID: aws.ToString(v.VersionId)}})
	}
	for _, m := range out.DeleteMarkers {
		add(versionRef{ObjectID: ObjectID{Key: aws.ToString(m.Key), VersionID: aws.ToString(m.VersionId)}, DeleteMarker: true})
	}
	l.prev, l.started = seen, true
	if !aws.ToBool(out.IsTruncated) {
		l.last = true
		return refs, nil
	}
	nextKey, nextID := aws.ToString(out.NextKeyMarker), aws.ToString(out.NextVersionIdMarker)
	if nextKey == "" || (nextKey == l.keyMarker && nextID == l.idMarker) {
		return nil, &Error{Op: op, Bucket: l.bucket, Key: l.prefix, Kind: ErrServer,
			Message: fmt.Sprintf("the server said there are more versions but gave no new position to list from (after %q)", l.keyMarker)}
	}
	l.keyMarker, l.idMarker = nextKey, nextID
	return refs, nil
}
