//go:build !unix

package syncer

// SystemTrash is the trash of the desktop. On Windows the Recycle Bin is
// not supported yet, so every removal is refused with ErrNoTrash and the
// file is left in place; on Linux and the BSDs it is the freedesktop.org
// trash, on macOS ~/.Trash.
func SystemTrash() Trash {
	return noTrash{reason: "moving files to the Recycle Bin is not supported yet"}
}
