// Package sandbox runs Haul's built-in local S3 server: versitygw's gateway
// embedded in-process on a loopback port, storing files and versions in a
// folder, seeded on first start with buckets to try Haul on. It exists so a
// fresh install shows the real browser doing real work with no account.
//
// versitygw serves versions, delete markers, copies of old versions,
// multipart uploads, ACLs and SigV4 presigned links, which is why it was
// chosen over lighter in-memory fakes that ignore signatures or versions.
// Only one sandbox may run per process (a limit of the embedded gateway).
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"
)

// Region is the SigV4 region the sandbox signs with; it looks like B2's so
// the sandbox exercises the same client settings.
const Region = "us-west-004"

// Sandbox is a running local S3 server.
type Sandbox struct {
	Endpoint string // http://127.0.0.1:PORT
	Dir      string // where buckets and versions are stored
	// Persistent is true when Dir survives a restart of Haul.
	Persistent bool

	keyID, key string
	cancel     context.CancelFunc
	done       chan error
}

// DefaultDir is where the sandbox keeps its data between runs:
// <user cache dir>/haul/sandbox.
func DefaultDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("sandbox folder: %w", err)
	}
	return filepath.Join(base, "haul", "sandbox"), nil
}

// Start runs the sandbox with its data in dir (created if missing) and
// seeds it with example buckets the first time. persistent only labels the
// data for the UI. Close stops it.
func Start(ctx context.Context, dir string, persistent bool) (*Sandbox, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sandbox folder: %w", err)
	}
	dataDir := filepath.Join(dir, "data")
	verDir := filepath.Join(dir, "versions")
	metaDir := filepath.Join(dir, "meta")
	for _, d := range []string{dataDir, verDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox folder: %w", err)
		}
	}
	var ms meta.MetadataStorer = meta.XattrMeta{}
	if (meta.XattrMeta{}).Test(dataDir) != nil {
		// File systems without extended attributes keep metadata beside.
		if err := os.MkdirAll(metaDir, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox folder: %w", err)
		}
		sc, err := meta.NewSideCar(metaDir)
		if err != nil {
			return nil, fmt.Errorf("sandbox metadata: %w", err)
		}
		ms = sc
	}
	be, err := posix.New(dataDir, ms, posix.PosixOpts{
		VersioningDir:       verDir,
		ValidateBucketNames: true,
		// B2's limit for one CopyObject; the embedded backend's default of
		// zero would refuse every copy (restores, renames).
		CopyObjectThreshold: store.MaxCopy,
	})
	if err != nil {
		return nil, fmt.Errorf("sandbox storage: %w", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, fmt.Errorf("sandbox port: %w", err)
	}
	s := &Sandbox{
		Endpoint:   "http://" + addr,
		Dir:        dir,
		Persistent: persistent,
		keyID:      "sandbox" + randomHex(6),
		key:        randomHex(20),
		done:       make(chan error, 1),
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	cfg := &embedgw.Config{
		RootUserAccess:    s.keyID,
		RootUserSecret:    s.key,
		Region:            Region,
		Ports:             []string{addr},
		MaxConnections:    512,
		MaxRequests:       256,
		MultipartMaxParts: 10000,
		Quiet:             true,
		KeepAlive:         true,
	}
	go func() { s.done <- embedgw.RunVersityGW(runCtx, be, cfg) }()
	if err := s.waitReady(ctx, addr); err != nil {
		cancel()
		return nil, err
	}
	if err := seed(ctx, s); err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox seed: %w", err)
	}
	return s, nil
}

// Account is the sandbox as an account for the account switcher.
func (s *Sandbox) Account() store.Account {
	return store.Account{
		ID:       "sandbox",
		Name:     "Sandbox",
		Source:   store.SandboxSource,
		KeyID:    s.keyID,
		Endpoint: s.Endpoint,
		Region:   Region,
	}
}

// Secret is the sandbox's key; it changes on every start and is never saved.
func (s *Sandbox) Secret() string { return s.key }

// Close stops the server and waits for it; data in Dir stays.
func (s *Sandbox) Close() error {
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("sandbox stop: %w", err)
		}
	case <-time.After(10 * time.Second):
		return errors.New("sandbox stop: timed out")
	}
	return nil
}

func (s *Sandbox) waitReady(ctx context.Context, addr string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-s.done:
			return fmt.Errorf("sandbox server stopped at start: %w", err)
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sandbox server did not answer on %s within 15s", addr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
