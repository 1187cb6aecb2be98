// Package s3test starts the real S3 server that Haul's integration tests run
// against: versitygw v1.8.0 with its posix backend, on a free loopback port,
// with random root credentials and temporary folders that vanish with the test.
//
// The server is started with the SigV4 region set to [Region] ("us-west-004"),
// so a client that signs for us-east-1, as many S3 tools do by default, is
// refused (AuthorizationHeaderMalformed) as Backblaze B2 would refuse it.
// Like AWS, versitygw still accepts ListBuckets signed for us-east-1.
//
// # Differences from B2 that tests must allow for
//
//   - Versioning is available (--versioning-dir) but a new bucket starts
//     unversioned: call PutBucketVersioning(Enabled) after CreateBucket to get
//     B2's always-versioned behaviour.
//   - Multipart parts other than the last must be at least 5 MiB (5,242,880
//     bytes), slightly more than B2's 5,000,000.
//
// # Public-read buckets
//
// versitygw creates buckets with ObjectOwnership=BucketOwnerEnforced unless
// told otherwise, and in that mode it refuses every ACL
// (InvalidBucketAclWithObjectOwnership on CreateBucket,
// AccessControlListNotSupported on PutBucketAcl). A bucket that must be
// public-read is therefore created with ObjectOwnership=ObjectWriter together
// with the public-read ACL; PutBucketAcl then toggles it between private and
// public-read, and anonymous GETs of its objects succeed while it is public.
// An existing bucket can be switched with PutBucketOwnershipControls.
// GetBucketAcl reports the public grant as a Group grantee with ID
// "all-users" and no URI, where AWS would give the AllUsers group URI.
// Real B2 has none of these requirements; they only matter here.
//
// # Finding the binary
//
// [Binary] looks, in order, at the HAUL_VERSITYGW environment variable, at
// .tools/bin/versitygw beside the module's go.mod (where `make test` installs
// it), and at versitygw on PATH. When none exists, [Start] fails the test: the
// integration tests never skip.
//
// The package imports no Fyne and no AWS SDK; tests build their own clients
// from [Server.Endpoint], [Server.Region] and the root keys.
package s3test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Version is the versitygw release the tests are written against.
const Version = "v1.8.0"

// EnvBinary names the environment variable that, when set, gives the path of
// the versitygw executable and overrides every other lookup.
const EnvBinary = "HAUL_VERSITYGW"

// InstallHint is the sentence printed when versitygw cannot be found.
const InstallHint = "install it with `make test` (which puts it in .tools/bin), or run " +
	"`GOBIN=$PWD/.tools/bin go install github.com/versity/versitygw/cmd/versitygw@" + Version +
	"` in the module root, or set " + EnvBinary + " to its path"

// ErrNotFound is returned by [Binary] when no versitygw executable exists.
var ErrNotFound = errors.New("versitygw executable not found")

// Binary returns the absolute path of the versitygw executable: the file named
// by HAUL_VERSITYGW when that is set, else .tools/bin/versitygw in the folder
// holding go.mod (searched upwards from the working directory), else
// versitygw on PATH. The error wraps [ErrNotFound] when nothing is there.
func Binary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%q: %w", EnvBinary, p, err)
		}
		return filepath.Abs(p)
	}
	name := "versitygw"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if root, err := moduleRoot(); err == nil {
		p := filepath.Join(root, ".tools", "bin", name)
		if checkExecutable(p) == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("versitygw")
	if err != nil {
		return "", fmt.Errorf("find versitygw in .tools/bin or on PATH: %w", ErrNotFound)
	}
	return filepath.Abs(p)
}

// moduleRoot walks up from the working directory to the folder holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// checkExecutable reports whether p is a regular file that can be run.
func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("stat versitygw: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("versitygw at %s is not a regular file", p)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("versitygw at %s is not executable", p)
	}
	return nil
}
