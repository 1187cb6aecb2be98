//go:build unix

package bench

import "syscall"

// settle writes every file system's dirty pages to the disk before a tool's
// timed run, outside its time, so that no tool pays for the writeback of
// what came before it: the seeded object, or the other tool's upload that
// the server has just stored. Without it, whichever tool ran first after a
// large write waited behind that write in its own syncs.
func settle() { syscall.Sync() }
