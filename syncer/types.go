package syncer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/haul-app/haul/store"
)

// Direction says which side is the source of a sync and whether what the
// source lacks is removed from the destination.
type Direction int

const (
	// Upload copies new and changed local files to the bucket; files only
	// in the bucket stay.
	Upload Direction = iota + 1
	// Download copies new and changed files from the bucket to the local
	// folder; files only on disk stay.
	Download
	// MirrorUp is Upload that also hides, behind B2 hide markers, the
	// files in the bucket that the local folder lacks.
	MirrorUp
	// MirrorDown is Download that also moves to the OS trash the local
	// files that the bucket lacks.
	MirrorDown
)

var directionNames = map[Direction]string{
	Upload: "upload", Download: "download", MirrorUp: "mirror-up", MirrorDown: "mirror-down",
}

// String returns "upload", "download", "mirror-up" or "mirror-down".
func (d Direction) String() string {
	if s, ok := directionNames[d]; ok {
		return s
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// MarshalText writes the direction's name, so saved pairs read well.
func (d Direction) MarshalText() ([]byte, error) {
	if _, ok := directionNames[d]; !ok {
		return nil, fmt.Errorf("unknown sync direction %d", int(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads a name written by MarshalText.
func (d *Direction) UnmarshalText(b []byte) error {
	for k, v := range directionNames {
		if v == string(b) {
			*d = k
			return nil
		}
	}
	return fmt.Errorf("unknown sync direction %q", b)
}

// ToRemote reports whether the bucket is the destination.
func (d Direction) ToRemote() bool { return d == Upload || d == MirrorUp }

// Mirrors reports whether the direction removes what the source lacks.
func (d Direction) Mirrors() bool { return d == MirrorUp || d == MirrorDown }

// DefaultMaxRemoveShare is the share of the destination's files a mirror
// may remove without asking, when Pair.MaxRemoveShare is 0.
const DefaultMaxRemoveShare = 0.5

// Pair is a local folder and a bucket folder to be made to match. It is
// plain data, saved as JSON with the pair (see Pairs).
type Pair struct {
	// Local is the local folder, an absolute path.
	Local string `json:"local"`
	// Bucket and Prefix name the bucket folder; Prefix "" is the whole
	// bucket, any other prefix is a folder ("/" is added if missing).
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix,omitempty"`
	// Direction is the source and whether removals happen.
	Direction Direction `json:"direction"`
	// Include and Exclude are globs on the relative name ("photos/a.jpg")
	// as described in Match. With Include set, only matching files take
	// part; files matching Exclude never do. Both sides are filtered
	// alike, so an excluded file is neither sent nor removed.
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
	// Checksum compares files of equal size by content (MD5 or SHA-1, as
	// the bucket stored it) rather than by modification time. Each such
	// local file is read whole.
	Checksum bool `json:"checksum,omitempty"`
	// MaxRemoveShare is the largest share (0..1) of the destination's
	// files a mirror removes without ConfirmRemovals; 0 means
	// DefaultMaxRemoveShare, 1 allows any.
	MaxRemoveShare float64 `json:"maxRemoveShare,omitempty"`
	// Tolerance is how far apart two modification times may be and still
	// be equal. 0 means measured: the local file system's time resolution
	// (2 s on FAT, see probeDisk), at least 1 ms, the precision B2's
	// src_last_modified_millis keeps.
	Tolerance time.Duration `json:"tolerance,omitempty"`
	// FoldCase treats names that differ only by letter case as one name,
	// as a case-insensitive disk does (a folder bound for macOS or
	// Windows). It is on by itself when the local disk ignores case.
	FoldCase bool `json:"foldCase,omitempty"`
}

// folder is Prefix with the trailing "/" of a folder ("" stays "").
func (p Pair) folder() string {
	if p.Prefix != "" && !strings.HasSuffix(p.Prefix, "/") {
		return p.Prefix + "/"
	}
	return p.Prefix
}

// Key is the object key of a relative name.
func (p Pair) Key(rel string) string { return p.folder() + rel }

// LocalPath is the local path of a relative name.
func (p Pair) LocalPath(rel string) string {
	return filepath.Join(p.Local, filepath.FromSlash(rel))
}

// Validate says what is wrong with a pair before anything is listed.
func (p Pair) Validate() error {
	switch {
	case p.Local == "":
		return errors.New("no local folder chosen")
	case !filepath.IsAbs(p.Local):
		return fmt.Errorf("the local folder %q is not an absolute path", p.Local)
	case p.Bucket == "":
		return errors.New("no bucket chosen")
	case directionNames[p.Direction] == "":
		return fmt.Errorf("unknown sync direction %d", int(p.Direction))
	case p.MaxRemoveShare < 0:
		return errors.New("the share of files a mirror may remove cannot be negative")
	case p.Tolerance < 0:
		return errors.New("the time tolerance cannot be negative")
	}
	if p.Prefix != "" {
		if err := store.ValidateKey(p.folder() + "x"); err != nil {
			return fmt.Errorf("bucket folder %q: %w", p.Prefix, err)
		}
	}
	for _, g := range append(append([]string(nil), p.Include...), p.Exclude...) {
		if err := checkGlob(g); err != nil {
			return err
		}
	}
	return nil
}

func (p Pair) maxRemoveShare() float64 {
	if p.MaxRemoveShare == 0 {
		return DefaultMaxRemoveShare
	}
	return p.MaxRemoveShare
}

// Action is what a sync does with one name.
type Action int

const (
	// New: only the source has the file; it is copied.
	New Action = iota + 1
	// Changed: both sides have it and they differ; the source's copy
	// replaces the destination's (a new version in the bucket; the local
	// file is overwritten).
	Changed
	// Same: both sides have it and it is equal; nothing happens.
	Same
	// Remove: only the destination of a mirror has it; it is hidden in
	// the bucket or moved to the trash on disk.
	Remove
	// Refused: the name cannot be synced (see Item.Reason); nothing
	// happens on either side.
	Refused
)

// String returns "new", "changed", "same", "remove" or "refused".
func (a Action) String() string {
	switch a {
	case New:
		return "new"
	case Changed:
		return "changed"
	case Same:
		return "same"
	case Remove:
		return "remove"
	case Refused:
		return "refused"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Item is the comparison of one name: what each side has and what the
// sync does. A side's fields are zero when it lacks the file.
type Item struct {
	// Rel is the name relative to both folders, "/" between names, as in
	// the key after the prefix.
	Rel    string
	Action Action
	// Reason says why, in words a person can read: "not in the bucket",
	// "sizes differ", "the local file is newer by 3s", or why a name is
	// refused.
	Reason string

	HasLocal      bool
	LocalSize     int64 // bytes
	LocalModified time.Time

	HasRemote  bool
	RemoteSize int64 // bytes
	// RemoteModified is the file's own modification time as the bucket
	// keeps it (src_last_modified_millis), else when it was uploaded; see
	// RemoteUploadTime.
	RemoteModified time.Time
	// RemoteUploadTime is true when RemoteModified is the upload time
	// because the uploader kept no src_last_modified_millis.
	RemoteUploadTime bool
	// RemoteVersion is the version compared (and downloaded), when the
	// comparison asked for it; "" otherwise.
	RemoteVersion string

	// Bytes is what the action moves: the source's size for New and
	// Changed, the file's size for Same, the destination's for Remove, 0
	// for Refused.
	Bytes int64
}

// Tally is a number of files and their bytes.
type Tally struct {
	Files int
	Bytes int64
}

func (t *Tally) add(bytes int64) {
	t.Files++
	t.Bytes += bytes
}

// Summary counts a comparison: files and bytes per action, and what each
// side holds (after the filters). Kept counts destination files that a
// one-way sync leaves alone because the source lacks them; Filtered counts
// names left out by Include and Exclude.
type Summary struct {
	New, Changed, Same, Remove, Refused Tally
	Source, Dest, Kept                  Tally
	Filtered                            int
}

// Transfer is what will be copied: New plus Changed.
func (s Summary) Transfer() Tally {
	return Tally{Files: s.New.Files + s.Changed.Files, Bytes: s.New.Bytes + s.Changed.Bytes}
}

// Nothing reports whether there is nothing to copy or remove.
func (s Summary) Nothing() bool { return s.Transfer().Files == 0 && s.Remove.Files == 0 }

func (s *Summary) count(it Item, d Direction) {
	switch it.Action {
	case New:
		s.New.add(it.Bytes)
	case Changed:
		s.Changed.add(it.Bytes)
	case Same:
		s.Same.add(it.Bytes)
	case Remove:
		s.Remove.add(it.Bytes)
	case Refused:
		s.Refused.add(0)
	}
	if it.HasLocal {
		if d.ToRemote() {
			s.Source.add(it.LocalSize)
		} else {
			s.Dest.add(it.LocalSize)
		}
	}
	if it.HasRemote {
		if d.ToRemote() {
			s.Dest.add(it.RemoteSize)
		} else {
			s.Source.add(it.RemoteSize)
		}
	}
}

// CheckRemovals returns a *TooManyRemovalsError when a mirror would remove
// more than p's MaxRemoveShare of the destination's files, else nil.
func (s Summary) CheckRemovals(p Pair) error {
	if s.Remove.Files == 0 {
		return nil
	}
	share := float64(s.Remove.Files) / float64(max(s.Dest.Files, 1))
	if share <= p.maxRemoveShare() {
		return nil
	}
	return &TooManyRemovalsError{Remove: s.Remove, Dest: s.Dest, Max: p.maxRemoveShare(), ToRemote: p.Direction.ToRemote()}
}

// TooManyRemovalsError stops a mirror that would remove more than its
// share of the destination. The UI asks the person, then runs again with
// ConfirmRemovals. Read it with errors.As.
type TooManyRemovalsError struct {
	Remove, Dest Tally
	Max          float64 // the allowed share, 0..1
	ToRemote     bool    // removals would be hide markers in the bucket
}

func (e *TooManyRemovalsError) Error() string {
	where := "the local folder (to the trash)"
	if e.ToRemote {
		where = "the bucket (as hide markers)"
	}
	return fmt.Sprintf("the mirror would remove %d of %d files from %s, more than the %.0f%% allowed without asking",
		e.Remove.Files, e.Dest.Files, where, e.Max*100)
}
