package store

import (
	"slices"
	"strings"
	"time"
)

// StateEntry is one file of a folder's state: the version that decides it,
// and whether that is a delete marker (only when the state is the present
// one; a past state leaves deleted files out). Version.IsLatest still says
// whether the version is current today.
type StateEntry struct {
	Version
	Deleted bool
}

// FolderState builds the files of a folder from pages of Versions, as the
// folder is now (deleted files included and flagged) or as it stood at a
// past moment. Pages are added as they arrive, so a view can show the
// state while the listing goes on. It keeps one StateEntry per file and is
// not safe for concurrent use.
//
// It relies on the listing's order: all entries of a key together, newest
// first, across page boundaries as Versions returns them. Subfolders are
// not part of the state: with a delimiter listing they are the pages'
// Folders.
type FolderState struct {
	prefix  string
	at      time.Time
	entries []StateEntry
	decided string // the last key whose state is settled
}

// NewFolderState starts the state of the folder prefix ("" for the bucket
// root). With at zero it is the present state: each key's newest entry,
// Deleted when that is a delete marker. With at set it is the state at
// that moment: each key's newest entry stored at or before at, and keys
// whose entry is a delete marker, or that had no entry yet, left out.
// B2 lists times to the second, so the state at a moment is exact to the
// second.
func NewFolderState(prefix string, at time.Time) *FolderState {
	return &FolderState{prefix: prefix, at: at}
}

// Add takes the next page of the listing into the state. Entries outside
// the folder's prefix are ignored.
func (s *FolderState) Add(p VersionPage) {
	past := !s.at.IsZero()
	for _, v := range p.Versions {
		if v.Key == s.decided || !strings.HasPrefix(v.Key, s.prefix) {
			continue
		}
		if past && v.Modified.After(s.at) {
			continue // stored after the moment: an older entry decides
		}
		s.decided = v.Key
		if past && v.DeleteMarker {
			continue // deleted at that moment
		}
		s.entries = append(s.entries, StateEntry{Version: v, Deleted: v.DeleteMarker})
	}
}

// Entries returns the files settled so far, in the listing's key order.
// The slice stays valid after later calls to Add; callers must not modify
// its elements.
func (s *FolderState) Entries() []StateEntry {
	return slices.Clip(s.entries)
}
