package store

import (
	"path"
	"strings"
	"time"
)

// Visibility says who may read a bucket's files without credentials.
type Visibility int

const (
	// VisibilityUnknown means the key may not read the bucket's ACL.
	VisibilityUnknown Visibility = iota
	// Private buckets need a key or a signed link.
	Private
	// PublicRead buckets serve every file to anyone with its URL.
	PublicRead
)

// String returns "private", "public" or "unknown".
func (v Visibility) String() string {
	switch v {
	case Private:
		return "private"
	case PublicRead:
		return "public"
	}
	return "unknown"
}

// Bucket is one bucket of an account.
type Bucket struct {
	Name       string
	Visibility Visibility
	Created    time.Time
}

// Object is one entry of a folder listing: a file, or a folder (a common
// prefix, IsFolder true, Key ending in "/"). Its size is 88 bytes plus the
// key, ETag and version strings.
type Object struct {
	Key      string
	ETag     string // quoted as the server sent it; empty for folders
	Size     int64  // bytes; 0 for folders
	Modified time.Time
	IsFolder bool
	// Deleted marks a file whose newest version is a delete marker, in
	// listings that show deleted files.
	Deleted bool
	// VersionID pins the version shown, in listings of a past moment; ""
	// means the current version.
	VersionID string
}

// Name is the last segment of the key, without a folder's trailing slash.
func (o Object) Name() string {
	return path.Base(strings.TrimSuffix(o.Key, "/"))
}

// Page is one page of a listing: at most 1,000 entries, folders and files
// in the server's (UTF-8 byte) order. Next is the token for the following
// page, empty on the last page.
type Page struct {
	Objects []Object
	Next    string
}

// ListInput selects one page of a folder listing.
type ListInput struct {
	Bucket string
	Prefix string // folder to list, ending in "/" (or "" for the bucket root)
	Token  string // Page.Next of the previous page, "" for the first
	// Recursive lists every key under Prefix, without folder entries.
	Recursive bool
	// MaxKeys caps the page size; 0 means B2's maximum of 1,000.
	MaxKeys int
}

// EmptyFolderMarker is the placeholder file B2's web console writes to keep
// an empty folder; listings hide it.
const EmptyFolderMarker = ".bzEmpty"
