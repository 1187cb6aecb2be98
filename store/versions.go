package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Version is one version of a key: a file version, or a delete marker (B2
// calls it a hide marker), which has no ETag and no size. Its size is 88
// bytes plus the key, version ID and ETag strings.
type Version struct {
	Key       string
	VersionID string    // B2's file ID
	ETag      string    // quoted as the server sent it; "" for delete markers
	Size      int64     // bytes; 0 for delete markers
	Modified  time.Time // when the version or marker was stored
	// IsLatest marks the key's current version, which a delete marker can
	// be: the file then looks deleted.
	IsLatest     bool
	DeleteMarker bool
}

// VersionPage is one page of a version listing: at most 1,000 entries, keys
// in the server's (UTF-8 byte) order and, within a key, newest first, so a
// key's versions may continue on the next page. Folders are the subfolders
// (each ending in "/") when the listing was asked with a delimiter. Next is
// an opaque token for the following page, "" on the last one. A page may be
// empty while Next is not.
type VersionPage struct {
	Versions []Version
	Folders  []string
	Next     string
}

// VersionsInput selects one page of a version listing.
type VersionsInput struct {
	Bucket string
	Prefix string // folder to list, ending in "/" (or "" for the bucket root)
	Token  string // VersionPage.Next of the previous page, "" for the first
	// Delimiter groups keys below the folder into Folders ("/").
	Delimiter bool
	// MaxKeys caps the page size; 0 means B2's maximum of 1,000.
	MaxKeys int
}

// Versions returns one page of the versions and delete markers under a
// prefix. The empty-folder placeholder .bzEmpty is left out. Each call is
// one billable class C transaction.
func (c *Client) Versions(ctx context.Context, in VersionsInput) (VersionPage, error) {
	const op = "list versions"
	from, err := parseVersionToken(in.Token)
	if err != nil {
		return VersionPage{}, &Error{Op: op, Bucket: in.Bucket, Key: in.Prefix, Kind: ErrOther, Message: err.Error(), Err: err}
	}
	raw, err := c.listVersions(ctx, op, in.Bucket, in.Prefix, in.Delimiter, in.MaxKeys, from)
	if err != nil {
		return VersionPage{}, err
	}
	page := VersionPage{Versions: raw.versions[:0], Folders: raw.folders}
	for _, v := range raw.versions {
		if !isEmptyMarker(v.Key) {
			page.Versions = append(page.Versions, v)
		}
	}
	if raw.more {
		page.Next = raw.next.token()
	}
	return page, nil
}

// KeyVersions returns one page of the versions and delete markers of
// exactly one key, newest first; token is the Next of the previous page,
// "" for the first. Keys that merely start with key (a.txt.bak for a.txt)
// are left out, and Next is "" as soon as the listing is past the key, so
// a file with thousands of versions opens page by page.
func (c *Client) KeyVersions(ctx context.Context, bucket, key, token string) (VersionPage, error) {
	return c.keyVersions(ctx, bucket, key, token, maxPage)
}

// keyVersions is KeyVersions with a page size, which tests make small.
func (c *Client) keyVersions(ctx context.Context, bucket, key, token string, maxKeys int) (VersionPage, error) {
	const op = "list versions"
	if key == "" {
		return VersionPage{}, &Error{Op: op, Bucket: bucket, Kind: ErrInvalidName, Message: "no file name given"}
	}
	from, err := parseVersionToken(token)
	if err == nil && from.Key != "" && from.Key != key {
		err = fmt.Errorf("the page token belongs to another file")
	}
	if err != nil {
		return VersionPage{}, &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrOther, Message: err.Error(), Err: err}
	}
	raw, err := c.listVersions(ctx, op, bucket, key, false, maxKeys, from)
	if err != nil {
		return VersionPage{}, err
	}
	page := VersionPage{Versions: raw.versions[:0]}
	past := false
	for _, v := range raw.versions {
		if v.Key != key {
			past = true // every later key sorts after key: no more of it
			continue
		}
		page.Versions = append(page.Versions, v)
	}
	if raw.more && !past && raw.next.Key == key {
		page.Next = raw.next.token()
	}
	return page, nil
}

// DeleteVersion removes one version of a file for good; for a delete marker
// that brings the file back (undelete). An S3 server answers success for a
// version that does not exist, so the version is looked up first (one
// HeadObject): a version or key that is gone is ErrNotFound. versionID ""
// is refused: without it, S3 would add a delete marker instead.
func (c *Client) DeleteVersion(ctx context.Context, bucket, key, versionID string) error {
	const op = "delete version"
	if versionID == "" {
		return &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrOther, Message: "no version given"}
	}
	_, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(versionID),
	})
	if err != nil && !isDeleteMarkerAnswer(err) {
		// A delete marker answers 405, an SSE-C file 400 and a key without
		// read rights 403: only "not there" and a cancel end it here; for
		// the rest, the delete itself decides.
		if err = wrapErr(op, bucket, key, err); errors.Is(err, ErrNotFound) || errors.Is(err, ErrCanceled) {
			return err
		}
	}
	return c.removeVersion(ctx, op, bucket, key, versionID)
}

// isDeleteMarkerAnswer reports whether a failed HEAD said that the version
// asked for is a delete marker, which exists and can be deleted.
func isDeleteMarkerAnswer(err error) bool {
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.Response != nil &&
		strings.EqualFold(re.Response.Header.Get("X-Amz-Delete-Marker"), "true")
}

// Undelete brings a deleted file back: it removes for good the delete
// markers that are newer than the file's newest version, found with one
// KeyVersions walk that stops at that version. It returns how many markers
// it removed: 0 and nil when the file was not deleted. A key with no
// version at all, or with delete markers only, is ErrNotFound. If a
// removal fails, the count says how many went before.
func (c *Client) Undelete(ctx context.Context, bucket, key string) (removed int, err error) {
	const op = "undelete"
	var markers []string
	found := false
	for token := ""; ; {
		page, err := c.KeyVersions(ctx, bucket, key, token)
		if err != nil {
			return 0, err
		}
		for _, v := range page.Versions {
			if !v.DeleteMarker {
				found = true
				break
			}
			markers = append(markers, v.VersionID)
		}
		if found || page.Next == "" {
			break
		}
		token = page.Next
	}
	if !found {
		msg := "no such file"
		if len(markers) > 0 {
			msg = "the file has delete markers but no version to bring back"
		}
		return 0, &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrNotFound, Message: msg}
	}
	for i, id := range markers {
		if err := c.removeVersion(ctx, op, bucket, key, id); err != nil {
			return i, err
		}
	}
	return len(markers), nil
}

// removeVersion deletes one version ID without looking it up first.
func (c *Client) removeVersion(ctx context.Context, op, bucket, key, versionID string) error {
	_, err := c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(versionID),
	})
	return wrapErr(op, bucket, key, err)
}

// versionMark is where a version listing goes on: S3's KeyMarker and
// VersionIdMarker, carried in VersionPage.Next.
type versionMark struct {
	Key string `json:"k"`
	ID  string `json:"v,omitempty"`
}

func (m versionMark) token() string {
	b, err := json.Marshal(m)
	if err != nil {
		// Two strings always marshal.
		panic(fmt.Sprintf("store: marshal page token: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseVersionToken(tok string) (versionMark, error) {
	var m versionMark
	if tok == "" {
		return m, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || m.Key == "" {
		return versionMark{}, fmt.Errorf("invalid page token %q", tok)
	}
	return m, nil
}

// versionList is one ListObjectVersions answer in Haul's terms.
type versionList struct {
	versions []Version
	folders  []string
	next     versionMark
	more     bool
}

// listVersions runs one ListObjectVersions from a mark and merges its
// versions and delete markers into one list, newest first per key.
func (c *Client) listVersions(ctx context.Context, op, bucket, prefix string, delim bool, maxKeys int, from versionMark) (versionList, error) {
	if maxKeys <= 0 || maxKeys > maxPage {
		maxKeys = maxPage
	}
	req := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(int32(maxKeys)), EncodingType: listEncoding}
	if prefix != "" {
		req.Prefix = aws.String(prefix)
	}
	if delim {
		req.Delimiter = aws.String("/")
	}
	if from.Key != "" {
		req.KeyMarker = aws.String(from.Key)
		if from.ID != "" {
			req.VersionIdMarker = aws.String(from.ID)
		}
	}
	out, err := c.s3.ListObjectVersions(ctx, req)
	if err == nil {
		err = decodeVersionsList(out, op, bucket, prefix)
	}
	if err == nil && aws.ToBool(out.IsTruncated) && from.ID != "" && maxKeys < maxPage &&
		aws.ToString(out.NextKeyMarker) == from.Key && aws.ToString(out.NextVersionIdMarker) == from.ID {
		// versitygw lists the entry it was asked to start after again when
		// that is a key's current version; with pages of one it never gets
		// past it. One more entry per page does.
		req.MaxKeys = aws.Int32(int32(maxKeys + 1))
		out, err = c.s3.ListObjectVersions(ctx, req)
		if err == nil {
			err = decodeVersionsList(out, op, bucket, prefix)
		}
	}
	if err != nil {
		return versionList{}, wrapErr(op, bucket, prefix, err)
	}
	l := versionList{versions: mergeVersions(out, from, !c.isB2())}
	for _, p := range out.CommonPrefixes {
		f := aws.ToString(p.Prefix)
		// A folder the previous page ended inside was listed there
		// already: S3 goes on after it, a server that starts inside it
		// again would list it twice.
		if from.Key == "" || !strings.HasPrefix(from.Key, f) {
			l.folders = append(l.folders, f)
		}
	}
	if aws.ToBool(out.IsTruncated) {
		l.next = versionMark{Key: aws.ToString(out.NextKeyMarker), ID: aws.ToString(out.NextVersionIdMarker)}
		switch {
		case l.next.Key == "":
			return versionList{}, &Error{Op: op, Bucket: bucket, Key: prefix, Kind: ErrServer,
				Message: "the server cut the listing short without saying where it goes on"}
		case l.next == from:
			return versionList{}, &Error{Op: op, Bucket: bucket, Key: prefix, Kind: ErrServer,
				Message: "the listing does not move on past " + from.Key}
		}
		l.more = true
	}
	return l, nil
}

// mergeVersions interleaves the two lists an answer holds (the SDK decodes
// versions and delete markers apart, and servers send them apart too):
// keys in byte order, and within a key the current entry first, then newest
// first. B2 gives times to the second, so a version and a marker stored in
// the same second cannot be told apart by time; the marker goes first, so
// that Undelete removes it. The entry the listing started from is dropped:
// versitygw repeats a key's current version after a page that ended on it.
//
// With ulidTimes (servers other than B2), a version ID that is a ULID, as
// versitygw's are, gives the time: versitygw reports an old version's time
// as when it was superseded, and a delete marker's as that of the file it
// hid, which would make every past state of a folder wrong in the sandbox.
func mergeVersions(out *s3.ListObjectVersionsOutput, from versionMark, ulidTimes bool) []Version {
	vs := make([]Version, 0, len(out.Versions)+len(out.DeleteMarkers))
	for _, v := range out.Versions {
		vs = append(vs, Version{
			Key:       aws.ToString(v.Key),
			VersionID: aws.ToString(v.VersionId),
			ETag:      aws.ToString(v.ETag),
			Size:      aws.ToInt64(v.Size),
			Modified:  aws.ToTime(v.LastModified),
			IsLatest:  aws.ToBool(v.IsLatest),
		})
	}
	for _, m := range out.DeleteMarkers {
		vs = append(vs, Version{
			Key:          aws.ToString(m.Key),
			VersionID:    aws.ToString(m.VersionId),
			Modified:     aws.ToTime(m.LastModified),
			IsLatest:     aws.ToBool(m.IsLatest),
			DeleteMarker: true,
		})
	}
	if ulidTimes {
		for i := range vs {
			if t, ok := ulidTime(vs[i].VersionID); ok {
				vs[i].Modified = t
			}
		}
	}
	if from.ID != "" {
		vs = slices.DeleteFunc(vs, func(v Version) bool { return v.Key == from.Key && v.VersionID == from.ID })
	}
	slices.SortStableFunc(vs, compareVersions)
	return vs
}

// compareVersions orders by key, then the current entry first, then newest
// first, then delete markers before versions of the same time.
func compareVersions(a, b Version) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if a.IsLatest != b.IsLatest {
		if a.IsLatest {
			return -1
		}
		return 1
	}
	if c := b.Modified.Compare(a.Modified); c != 0 {
		return c
	}
	if a.DeleteMarker != b.DeleteMarker {
		if a.DeleteMarker {
			return -1
		}
		return 1
	}
	return 0
}

// ulidTime reads the creation time, to the millisecond, from a ULID: 26
// characters of Crockford's base32, the first ten of which count
// milliseconds since 1970. Times before 2000 or after 2200 are taken for
// an ID that only looks like one.
func ulidTime(id string) (time.Time, bool) {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	if len(id) != 26 {
		return time.Time{}, false
	}
	var ms int64
	for i := range len(id) {
		d := strings.IndexByte(alphabet, id[i])
		if d < 0 {
			return time.Time{}, false
		}
		if i < 10 {
			ms = ms<<5 | int64(d)
		}
	}
	t := time.UnixMilli(ms).UTC()
	if t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t, true
}

// UndeleteFolder brings back every deleted file under prefix, in every
// subfolder (prefix "" is the whole bucket): for each key whose newest
// entries are delete markers above a version, it removes those markers,
// as Undelete does for one file. Empty-folder placeholders come back too.
// It lists everything first, then calls progress (when not nil) with (0,
// total files), removes the markers in DeleteObjects batches of 1,000, and
// calls progress after each batch with the files handled so far. Keys with
// delete markers only are left alone. It returns how many files came back
// and the markers the server refused; err is set when a request failed
// whole or ctx ended, the counts then telling what was done before.
func (c *Client) UndeleteFolder(ctx context.Context, bucket, prefix string, progress func(done, total int)) (undeleted int, failures []DeleteFailure, err error) {
	const op = "undelete folder"
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	// Listed whole before anything is removed: a listing that goes on from
	// a removed entry is not something servers agree on (see purge).
	var (
		ids   []ObjectID // markers to remove, grouped by key
		files []int      // files[i]: index in ids of file i's first marker
		key   string     // the key being read
		above []ObjectID // its markers above any version so far
		found bool       // a version of key was seen
	)
	for from := (versionMark{}); ; {
		l, err := c.listVersions(ctx, op, bucket, prefix, false, maxPage, from)
		if err != nil {
			return 0, nil, err
		}
		for _, v := range l.versions {
			if v.Key != key {
				key, above, found = v.Key, above[:0], false
			}
			switch {
			case found:
			case v.DeleteMarker:
				above = append(above, ObjectID{Key: v.Key, VersionID: v.VersionID})
			default:
				found = true
				if len(above) > 0 {
					files = append(files, len(ids))
					ids = append(ids, above...)
				}
			}
		}
		if !l.more {
			break
		}
		from = l.next
	}
	if progress != nil {
		progress(0, len(files))
	}
	// filesBefore is how many files have all their markers in ids[:end].
	filesBefore := func(end int) int {
		if end >= len(ids) {
			return len(files)
		}
		return max(sort.SearchInts(files, end+1)-1, 0)
	}
	d := deletion{c: c, bucket: bucket}
	for start := 0; start < len(ids); start += deleteBatch {
		end := min(start+deleteBatch, len(ids))
		if err := d.batch(ctx, ids[start:end]); err != nil {
			return undeletedOf(ids, files[:filesBefore(start)], d.failures), d.failures, err
		}
		if progress != nil {
			progress(filesBefore(end), len(files))
		}
	}
	return undeletedOf(ids, files, d.failures), d.failures, nil
}

// undeletedOf counts the files (their first markers at files in ids) none
// of whose markers failed.
func undeletedOf(ids []ObjectID, files []int, failures []DeleteFailure) int {
	failed := make(map[string]bool, len(failures))
	for _, f := range failures {
		failed[f.Key] = true
	}
	n := 0
	for _, i := range files {
		if !failed[ids[i].Key] {
			n++
		}
	}
	return n
}
