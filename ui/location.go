package ui

import (
	"fmt"
	"strings"
)

// Location is a place in an account: a bucket, a folder in it (Prefix ends
// in "/" or is empty), and optionally a file selected in that folder.
type Location struct {
	Bucket string
	Prefix string
	Key    string // a file to select; empty for a folder
}

// ParseLocation reads "b2://bucket/folder/" or "b2://bucket/key" (and the
// same without the scheme). A path ending in "/" is a folder; otherwise the
// last segment names a file whose folder is opened with it selected.
func ParseLocation(s string) (Location, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "b2://")
	if !ok {
		if strings.Contains(s, "://") {
			return Location{}, fmt.Errorf("%q is not a b2:// location", s)
		}
		rest = strings.TrimPrefix(s, "/")
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		if key != "" {
			return Location{}, fmt.Errorf("%q names no bucket", s)
		}
		return Location{}, nil
	}
	if strings.ContainsAny(bucket, " \t\\") {
		return Location{}, fmt.Errorf("%q is not a bucket name", bucket)
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return Location{Bucket: bucket, Prefix: key}, nil
	}
	i := strings.LastIndex(key, "/")
	return Location{Bucket: bucket, Prefix: key[:i+1], Key: key}, nil
}

// String is the location as b2://bucket/prefix, or "" for no bucket.
func (l Location) String() string {
	if l.Bucket == "" {
		return ""
	}
	if l.Key != "" {
		return "b2://" + l.Bucket + "/" + l.Key
	}
	return "b2://" + l.Bucket + "/" + l.Prefix
}

// Folder is the location without its selected file.
func (l Location) Folder() Location { return Location{Bucket: l.Bucket, Prefix: l.Prefix} }

// Parent is the folder above, or the bucket root; ok is false at the root.
func (l Location) Parent() (Location, bool) {
	if l.Prefix == "" {
		return l.Folder(), false
	}
	p := strings.TrimSuffix(l.Prefix, "/")
	i := strings.LastIndex(p, "/")
	return Location{Bucket: l.Bucket, Prefix: p[:i+1]}, true
}

// Crumb is one step of a breadcrumb trail.
type Crumb struct {
	Label string
	Loc   Location
}

// Crumbs is the trail from the bucket down to the folder.
func (l Location) Crumbs() []Crumb {
	if l.Bucket == "" {
		return nil
	}
	crumbs := []Crumb{{Label: l.Bucket, Loc: Location{Bucket: l.Bucket}}}
	prefix := ""
	for _, seg := range strings.Split(strings.TrimSuffix(l.Prefix, "/"), "/") {
		if seg == "" {
			continue
		}
		prefix += seg + "/"
		crumbs = append(crumbs, Crumb{Label: seg, Loc: Location{Bucket: l.Bucket, Prefix: prefix}})
	}
	return crumbs
}
