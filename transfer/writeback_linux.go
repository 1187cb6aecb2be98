//go:build linux && (amd64 || arm64)

package transfer

import "syscall"

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE: start writing the range's
// dirty pages back, without waiting for them.
const syncFileRangeWrite = 2

// startWriteback asks the kernel to start writing n bytes of f at off to
// the disk and returns without waiting for them. It is advice: a file
// that is not an *os.File, or a kernel that refuses, changes nothing.
//
// A download writes far less than the kernel lets pile up before it
// writes back on its own (a tenth of the memory), so without it the disk
// would idle while the bytes arrive and the last sync would write them
// all. Started as the bytes land, the writing overlaps the transfer and the
// checkpoints' syncs find little left to do.
func startWriteback(f partialFile, off, n int64) {
	sc, ok := f.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok || n <= 0 {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, fd, uintptr(off), uintptr(n), syncFileRangeWrite, 0, 0)
	})
}
