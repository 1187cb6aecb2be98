package transfer

import (
	"errors"
	"runtime"
	"syscall"
)

// Errors of the transfer queue. A failed job's error wraps one of these or a
// *store.Error; callers pick their sentence with errors.Is.
var (
	// ErrExists: a download's target exists and the request did not allow
	// replacing it.
	ErrExists = errors.New("a file with that name already exists")
	// ErrDiskFull: the local disk (or quota) ran out while a download was
	// written. The partial file and its finished ranges are kept, so
	// Resume continues once space is freed.
	ErrDiskFull = errors.New("the disk is full")
	// ErrChecksum: a downloaded file does not match the checksum or size the
	// server gave. The partial file is discarded; Retry downloads it again.
	ErrChecksum = errors.New("the downloaded data does not match its checksum")
	// ErrChanged: the local file changed while it was being uploaded. Retry
	// starts its upload over.
	ErrChanged = errors.New("the file changed while it was being uploaded")
	// ErrDuplicate: another unfinished download already writes that target.
	ErrDuplicate = errors.New("that file is already being downloaded")
	// ErrUnknownJob: no job has that ID (it may have been cleared).
	ErrUnknownJob = errors.New("no such transfer")
	// ErrFinished: the job is done or canceled and cannot be changed.
	ErrFinished = errors.New("the transfer has already finished")
	// ErrClosed: the queue was closed.
	ErrClosed = errors.New("the transfer queue is closed")
	// ErrJournalBroken matches the warning of NewQueue when the journal, or
	// some of its records, could not be read: it was moved aside and the
	// queue started empty, or (a *JournalDamageError) with the records that
	// could be read.
	ErrJournalBroken = errors.New("the list of unfinished transfers could not be read")
)

// isDiskFull reports whether err says the disk or the user's quota is full.
func isDiskFull(err error) bool {
	if runtime.GOOS == "windows" {
		// ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL.
		return errors.Is(err, syscall.Errno(39)) || errors.Is(err, syscall.Errno(112))
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
