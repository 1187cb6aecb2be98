// Command shotseed fills a sandbox folder with a few more buckets and files
// than Haul's own seed, so that the README's screenshots (taken by
// scripts/screenshots.sh) look like a real account:
//
//	go run ./scripts/shotseed DIR
//
// Haul then opens the same folder with HAUL_SANDBOX_DIR=DIR.
package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: shotseed DIR")
		os.Exit(2)
	}
	if err := seed(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "shotseed:", err)
		os.Exit(1)
	}
}

// file is one object to put: its bucket, key and size in bytes.
type file struct {
	bucket, key string
	size        int
}

func seed(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, dir, true)
	if err != nil {
		return err
	}
	defer sb.Close()
	c, err := store.NewClient(sb.Account().ClientConfig(sb.Secret()))
	if err != nil {
		return err
	}
	defer c.Close()
	for _, b := range []struct {
		name string
		vis  store.Visibility
	}{{"family-photos", store.Private}, {"site-assets", store.PublicRead}, {"nightly-backups", store.Private}} {
		if err := c.CreateBucket(ctx, b.name, b.vis); err != nil {
			return err
		}
	}
	files := []file{
		{sandbox.PrivateBucket, "docs/budget-2026.ods", 18_431},
		{sandbox.PrivateBucket, "docs/contract (signed).pdf", 241_877},
		{sandbox.PrivateBucket, "docs/meeting notes 2026-11.md", 3_202},
		{sandbox.PrivateBucket, "docs/logo-draft.svg", 12_094},
		{sandbox.PrivateBucket, "docs/invoice-0042.pdf", 88_310},
		{"family-photos", "2026/summer/beach.jpg", 3_412_880},
		{"nightly-backups", "db/2026-11-30.sql.gz", 4_812_031},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range files {
		body := make([]byte, f.size)
		for i := range body {
			body[i] = byte(rng.IntN(256))
		}
		if _, err := c.Put(ctx, store.PutInput{Bucket: f.bucket, Key: f.key, Body: bytes.NewReader(body)}); err != nil {
			return fmt.Errorf("put %s: %w", f.key, err)
		}
	}
	// One more version of notes.txt, a moment after the seeded ones.
	time.Sleep(1500 * time.Millisecond)
	notes := []byte("Notes, fourth draft.\nAdded a line.\nAnd another.\nAnd a last one.\n")
	_, err = c.Put(ctx, store.PutInput{Bucket: sandbox.PrivateBucket, Key: "docs/notes.txt", Body: bytes.NewReader(notes)})
	return err
}
