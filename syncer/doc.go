// Package syncer makes a local folder and a bucket folder match, the sync
// of issue 11, without any UI: a Pair names the two folders, a Direction
// (Upload, Download, MirrorUp, MirrorDown) and filters; Compare previews
// what a sync would do as a stream of Items; Run does it through the
// transfer queue; Pairs keeps pairs per account with their last run.
//
// # Streaming
//
// Compare merges two sorted streams: a walk of the local folder that
// visits names in the byte order of their keys (each folder's entries
// sorted with "/" after a folder's name, which filepath.WalkDir does not
// do), and the bucket's recursive listing, a page of 1,000 keys at a time.
// Each name is decided as both streams pass it and handed to the caller's
// emit function in order, so memory holds a page, the folders on the walk's
// path and a bounded window of items waiting for a worker, whatever the
// size of the folder, and Run starts transferring while the comparison
// goes on. The exception is the set of folded names kept on a
// case-insensitive disk (or with Pair.FoldCase), one entry per name.
//
// # Comparing
//
// Size first; then, for files of equal size, the modification time that
// B2's tools and Haul's uploads keep in src_last_modified_millis (one Head
// per file), or with Pair.Checksum the MD5 or SHA-1 the bucket keeps. Times
// are instants, so time zones play no part; they are equal within a
// tolerance measured on the local disk: 1 ms (the precision of
// src_last_modified_millis) on most disks, 10 ms on exFAT, 2 s on FAT and
// wherever the disk cannot be probed; 1 s against an upload time, which
// stands in when no src_last_modified_millis was kept. A run that downloads
// such a file gives it that upload time, so the next comparison agrees.
//
// # Removals
//
// Only mirrors remove, only after the comparison is complete and every
// transfer settled, and never for good: in the bucket as hide markers
// (store.Client.Delete; store.Client.Undelete brings a file back), on disk
// through a Trash (the freedesktop.org trash on Linux, ~/.Trash on macOS;
// none yet on Windows, where removals are refused with ErrNoTrash). A
// mirror that would remove more than Pair.MaxRemoveShare of the
// destination stops with a *TooManyRemovalsError and does them only with
// ConfirmRemovals, or through RemoveItems once the person agreed.
package syncer
