package ui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
)

// The ui tests browse a real S3 server: the embedded sandbox (versitygw),
// seeded as Haul seeds it, plus a bucket of pagingObjects files for paging.
var (
	testSandbox *sandbox.Sandbox
	testClient  *store.Client
)

const (
	pagingBucket  = "haul-ui-paging"
	pagingObjects = 2500
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "haul-ui-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testSandbox, err = sandbox.Start(ctx, dir, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start sandbox:", err)
		return 1
	}
	defer testSandbox.Close()
	testClient, err = store.NewClient(testSandbox.Account().ClientConfig(testSandbox.Secret()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer testClient.Close() // before the sandbox stops: it waits for open connections
	if err := seedPaging(ctx, testClient); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		return 1
	}
	return m.Run()
}

// seedPaging fills a bucket with pagingObjects files in many/ (three
// listing pages) and a few folders.
func seedPaging(ctx context.Context, c *store.Client) error {
	if err := c.CreateBucket(ctx, pagingBucket, store.Private); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range pagingObjects {
		g.Go(func() error {
			body := bytes.Repeat([]byte{'x'}, i%100)
			_, err := c.Put(gctx, store.PutInput{Bucket: pagingBucket, Key: fmt.Sprintf("many/file-%05d.txt", i), Body: bytes.NewReader(body)})
			return err
		})
	}
	for _, k := range []string{"top.txt", "alpha/a.txt", "beta/b.txt"} {
		g.Go(func() error {
			_, err := c.Put(gctx, store.PutInput{Bucket: pagingBucket, Key: k, Body: bytes.NewReader([]byte(k))})
			return err
		})
	}
	return g.Wait()
}
