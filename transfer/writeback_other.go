//go:build !(linux && (amd64 || arm64))

package transfer

// startWriteback does nothing here: the syncs of the checkpoints and of
// the finished file write everything.
func startWriteback(partialFile, int64, int64) {}
