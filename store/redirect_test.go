package store

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// redirectPair starts a server that answers everything with a 302 to a
// second server, and counts the requests each gets.
func redirectPair(t *testing.T) (from *httptest.Server, fromHits, toHits *atomic.Int32) {
	t.Helper()
	fromHits, toHits = new(atomic.Int32), new(atomic.Int32)
	to := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		toHits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(to.Close)
	from = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fromHits.Add(1)
		http.Redirect(w, r, to.URL+"/elsewhere"+r.URL.Path+"?token=abc", http.StatusFound)
	}))
	t.Cleanup(from.Close)
	return from, fromHits, toHits
}

// TestRedirectRefused checks that neither the S3 client nor the authorize
// call follows a redirect: the request fails with ErrRedirect, saying
// where it pointed, is not retried, and the other server hears nothing.
func TestRedirectRefused(t *testing.T) {
	clients := map[string]*http.Client{"own transport": nil, "given client": {}}
	for name, hc := range clients {
		t.Run("s3 "+name, func(t *testing.T) {
			from, fromHits, toHits := redirectPair(t)
			c, err := NewClient(Config{Endpoint: from.URL, Region: "us-west-004", KeyID: "004abc", Key: "K004secret",
				HTTPClient: hc, MaxBackoff: testBackoff})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.List(context.Background(), ListInput{Bucket: "bucket"})
			checkRedirectErr(t, err, from.URL)
			if fromHits.Load() != 1 || toHits.Load() != 0 {
				t.Errorf("servers saw %d and %d requests, want 1 and 0", fromHits.Load(), toHits.Load())
			}
		})
		t.Run("authorize "+name, func(t *testing.T) {
			from, fromHits, toHits := redirectPair(t)
			a := &Authorizer{BaseURL: from.URL, HTTPClient: hc}
			_, err := a.Authorize(context.Background(), "0041234567890ab0000000001", "K004abcdefghijklmnopqrstuvwxyz0")
			checkRedirectErr(t, err, from.URL)
			if fromHits.Load() != 1 || toHits.Load() != 0 {
				t.Errorf("servers saw %d and %d requests, want 1 and 0", fromHits.Load(), toHits.Load())
			}
		})
	}
}

func checkRedirectErr(t *testing.T, err error, from string) {
	t.Helper()
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("error %v, want ErrRedirect", err)
	}
	var re *RedirectError
	if !errors.As(err, &re) {
		t.Fatalf("error %v holds no *RedirectError", err)
	}
	d := asError(t, err).Detail()
	if !strings.Contains(d, "the server at "+from+" answered with a redirect to http://") ||
		!strings.Contains(d, "/elsewhere") || !strings.Contains(d, "B2 never redirects, so Haul does not follow it") {
		t.Errorf("detail %q does not say who redirected where", d)
	}
	if strings.Contains(d, "token=abc") {
		t.Errorf("detail %q repeats the redirect's query", d)
	}
}

// FuzzCheckEndpoint checks that CheckEndpoint never panics, never accepts
// credentials in the URL or plain http off loopback, and never repeats the
// credentials it refuses.
func FuzzCheckEndpoint(f *testing.F) {
	for _, s := range []string{
		"https://s3.us-west-004.backblazeb2.com", "http://127.0.0.1:7070", "http://[::1]:1", "http://localhost",
		"https://user:pass@s3.us-west-004.backblazeb2.com", "http://u:p@127.0.0.1:9", "https://@h", "ftp://h",
		"http://10.0.0.1", "https://h/path", " https://h/?q#f ", "://x", "https://a@b@c", "http://127.0.0.1.nip.io",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := CheckEndpoint(raw)
		if err != nil {
			if p, perr := url.Parse(strings.TrimSpace(raw)); perr == nil && p.User != nil {
				// The same URL with other credentials gives the error
				// text that owes nothing to the password.
				other := *p
				other.User = url.UserPassword("u", "p")
				_, otherErr := CheckEndpoint(other.String())
				if pw, ok := p.User.Password(); ok && pw != "" && strings.Contains(err.Error(), pw) &&
					(otherErr == nil || !strings.Contains(otherErr.Error(), pw)) {
					t.Errorf("CheckEndpoint(%q) = %v: repeats the password", raw, err)
				}
				if !strings.Contains(err.Error(), "credentials do not belong") {
					t.Errorf("CheckEndpoint(%q) = %v: does not say why", raw, err)
				}
			}
			return
		}
		if u.User != nil || strings.Contains(u.String(), "@") {
			t.Errorf("CheckEndpoint(%q) accepted credentials: %s", raw, u)
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && IsLoopback(u.Hostname()):
		default:
			t.Errorf("CheckEndpoint(%q) accepted %s", raw, u)
		}
		if u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("CheckEndpoint(%q) = %s: want only scheme and host", raw, u)
		}
	})
}
