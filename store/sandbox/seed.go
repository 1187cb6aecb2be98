package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The seeded buckets.
const (
	PrivateBucket = "haul-sandbox"
	PublicBucket  = "haul-sandbox-public"
)

// seed fills a new sandbox with a private bucket (folders, a file with three
// versions, a deleted file, an empty folder, names with spaces, unicode and
// "+") and a public-read bucket. A sandbox seeded before is left alone.
func seed(ctx context.Context, s *Sandbox) error {
	// Its own transport, so its idle connections can be closed at once:
	// the server's shutdown waits for open connections.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	c := s3.New(s3.Options{
		HTTPClient:                 &http.Client{Transport: tr},
		BaseEndpoint:               aws.String(s.Endpoint),
		Region:                     Region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.keyID, s.key, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(PrivateBucket)}); err == nil {
		return nil
	}
	if err := makeBucket(ctx, c, PrivateBucket, false); err != nil {
		return err
	}
	if err := makeBucket(ctx, c, PublicBucket, true); err != nil {
		return err
	}
	put := func(bucket, key string, body []byte) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
			ContentType: aws.String(contentType(key)),
		})
		if err != nil {
			return fmt.Errorf("put %s/%s: %w", bucket, key, err)
		}
		return nil
	}
	files := []struct {
		bucket, key string
		body        []byte
	}{
		{PrivateBucket, "README.txt", []byte("Welcome to Haul's sandbox.\n\nThis bucket lives on your computer. Try browsing, uploading and restoring versions.\n")},
		{PrivateBucket, "docs/notes.txt", []byte("Notes, first draft.\n")},
		{PrivateBucket, "docs/notes.txt", []byte("Notes, second draft.\nAdded a line.\n")},
		{PrivateBucket, "docs/notes.txt", []byte("Notes, third draft.\nAdded a line.\nAnd another.\n")},
		{PrivateBucket, "docs/plan-2025.txt", []byte("An old plan, deleted since. Show deleted files to bring it back.\n")},
		{PrivateBucket, "docs/Café menu + prices.txt", []byte("Espresso 2.50\nCroissant 1.80\n")},
		{PrivateBucket, "docs/report.md", []byte("# Quarterly report\n\nAll good.\n")},
		{PrivateBucket, "photos/2026/sunrise.png", picture(320, 200, 1)},
		{PrivateBucket, "photos/2026/harbour.png", picture(320, 200, 2)},
		{PrivateBucket, "photos/2025/mountain.png", picture(320, 200, 3)},
		{PrivateBucket, "builds/haul-0.1.0-linux-amd64.bin", noise(3 << 20)},
		{PrivateBucket, "archive/.bzEmpty", nil},
		{PublicBucket, "index.html", []byte("<!doctype html><title>Haul</title><h1>Hello from a public bucket</h1>\n")},
		{PublicBucket, "images/logo.png", picture(128, 128, 4)},
	}
	for _, f := range files {
		if err := put(f.bucket, f.key, f.body); err != nil {
			return err
		}
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(PrivateBucket), Key: aws.String("docs/plan-2025.txt")}); err != nil {
		return fmt.Errorf("hide docs/plan-2025.txt: %w", err)
	}
	return nil
}

// makeBucket creates a versioned bucket, as every B2 bucket is. A public
// bucket needs ObjectWriter ownership on versitygw for its ACL to apply.
func makeBucket(ctx context.Context, c *s3.Client, name string, public bool) error {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if public {
		in.ObjectOwnership = types.ObjectOwnershipObjectWriter
		in.ACL = types.BucketCannedACLPublicRead
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		return fmt.Errorf("enable versions on %s: %w", name, err)
	}
	return nil
}

func contentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".png"):
		return "image/png"
	case strings.HasSuffix(key, ".html"):
		return "text/html; charset=utf-8"
	case strings.HasSuffix(key, ".md"):
		return "text/markdown; charset=utf-8"
	case strings.HasSuffix(key, ".txt"):
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// picture draws a small gradient so image previews have something to show.
func picture(w, h int, seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{
				R: uint8((x*255/w + seed*60) % 256),
				G: uint8((y*255/h + seed*30) % 256),
				B: uint8((x + y + seed*90) % 256),
				A: 255,
			})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func noise(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
