package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// DefaultAuthorizeURL is where B2's native API answers b2_authorize_account.
const DefaultAuthorizeURL = "https://api.backblazeb2.com"

// AuthorizeTimeout bounds one discovery call, connection included.
const AuthorizeTimeout = 30 * time.Second

// authorizePath is the v4 call; v4 is the first version that describes
// multi-bucket application keys.
const authorizePath = "/b2api/v4/b2_authorize_account"

// maxAuthorizeBody caps what Haul reads of an answer: a real one is about
// 2 KB.
const maxAuthorizeBody = 1 << 20

const opAuthorize = "sign in to B2"

// masterKeyMessage is shown when someone pastes the master key ID.
const masterKeyMessage = "this is your account's master key ID, and B2's S3 API does not accept the master key: " +
	"create an application key under Application Keys in the B2 web console and use its key ID and key"

// Authorizer asks B2 which endpoint, region and limits belong to an
// application key, so a person only has to paste the key ID and key. The zero
// value talks to DefaultAuthorizeURL. It is safe for concurrent use.
type Authorizer struct {
	// BaseURL replaces DefaultAuthorizeURL (tests point it at a local
	// server). It must not carry credentials.
	BaseURL string
	// HTTPClient replaces a plain client with an AuthorizeTimeout timeout.
	HTTPClient *http.Client
}

// Authorize calls b2_authorize_account with HTTP Basic auth and returns the
// account it describes: KeyID, Endpoint (the S3 API URL), Region (taken from
// the endpoint's host), DownloadURL, part sizes and Restriction. ID, Name and
// Added are left for the caller (Accounts.Add fills them).
//
// Restriction is non-nil whenever B2 reports capabilities, even for a key that
// may see every bucket, so that Restriction.Can("listAllBucketNames") answers
// from what the key really has; it is nil only when B2 reports neither a
// limit nor capabilities. A key limited to several buckets (a v4
// multi-bucket key) gets no Restriction.Bucket, since that field holds one
// name.
//
// The master key ID is refused before anything is sent. Errors are *Error:
// ErrInvalidCredentials for a malformed or wrong key, ErrUnreachable when no
// answer arrived within AuthorizeTimeout, ErrServer (with B2's incident id)
// for a 5xx answer, ErrThrottled for 429 and 503. Neither the key, the
// Authorization header nor B2's authorization token ever appears in an error.
func (a *Authorizer) Authorize(ctx context.Context, keyID, key string) (Account, error) {
	if err := ValidateCredentials(keyID, key); err != nil {
		return Account{}, err
	}
	if IsMasterKeyID(keyID) {
		return Account{}, &Error{Op: opAuthorize, Kind: ErrInvalidCredentials, Message: masterKeyMessage}
	}
	base := DefaultAuthorizeURL
	if a != nil && a.BaseURL != "" {
		base = a.BaseURL
	}
	u, err := url.Parse(strings.TrimRight(base, "/") + authorizePath)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return Account{}, &Error{Op: opAuthorize, Kind: ErrOther, Message: "the authorization URL is not a plain http(s) URL"}
	}
	client := &http.Client{Timeout: AuthorizeTimeout, CheckRedirect: refuseRedirect}
	if a != nil && a.HTTPClient != nil {
		client = refusingRedirects(a.HTTPClient)
	}

	ctx, cancel := context.WithTimeout(ctx, AuthorizeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Account{}, &Error{Op: opAuthorize, Kind: ErrOther, Err: err}
	}
	req.SetBasicAuth(keyID, key)
	req.Header.Set("Accept", "application/json")

	resp, err := client.Do(req)
	if err != nil {
		return Account{}, authorizeNetError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAuthorizeBody))
	if err != nil {
		return Account{}, authorizeNetError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Account{}, authorizeStatusError(resp.StatusCode, body, key)
	}
	return parseAuthorizeAnswer(body, keyID)
}

// IsMasterKeyID reports whether keyID has the shape of an account's master
// key ID (12 hexadecimal characters, the account ID), which B2's S3 API
// refuses.
func IsMasterKeyID(keyID string) bool {
	if len(keyID) != 12 {
		return false
	}
	for _, c := range keyID {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// ValidateCredentials checks the shape of a key ID and key before they are
// used or stored: both present, no spaces, line breaks or control characters
// (usually a pasting accident). The error is an *Error of kind
// ErrInvalidCredentials and never quotes the key.
func ValidateCredentials(keyID, key string) error {
	bad := func(msg string) error {
		return &Error{Op: "check key", Kind: ErrInvalidCredentials, Message: msg}
	}
	switch {
	case keyID == "":
		return bad("the application key ID is empty")
	case key == "":
		return bad("the application key is empty")
	case hasSpaceOrControl(keyID):
		return bad("the application key ID contains a space, line break or control character; check for extra characters when pasting")
	case hasSpaceOrControl(key):
		return bad("the application key contains a space, line break or control character; check for extra characters when pasting")
	}
	return nil
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return true
		}
	}
	return false
}

var b2RegionRE = regexp.MustCompile(`^s3\.([a-z0-9]+(?:-[a-z0-9]+)*)\.backblazeb2\.com$`)

// RegionFromEndpoint returns the <region> of an endpoint whose host is
// s3.<region>.backblazeb2.com (with or without scheme), which is the SigV4
// region B2 expects; ok is false for any other host.
func RegionFromEndpoint(endpoint string) (region string, ok bool) {
	host := endpoint
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil {
			return "", false
		}
		host = u.Hostname()
	}
	m := b2RegionRE.FindStringSubmatch(strings.ToLower(host))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// authorizeAnswer is the part of b2_authorize_account's answer Haul reads.
// The authorization token is deliberately not decoded.
type authorizeAnswer struct {
	AccountID string `json:"accountId"`
	APIInfo   struct {
		StorageAPI struct {
			S3APIURL                string `json:"s3ApiUrl"`
			DownloadURL             string `json:"downloadUrl"`
			RecommendedPartSize     int64  `json:"recommendedPartSize"`
			AbsoluteMinimumPartSize int64  `json:"absoluteMinimumPartSize"`
			// v4 puts the key's limits in "allowed"; v3 put the same
			// fields directly in storageApi.
			Allowed *allowedAnswer `json:"allowed"`
			allowedAnswer
		} `json:"storageApi"`
	} `json:"apiInfo"`
	// v1 and v2 answered with a top-level "allowed".
	Allowed *allowedAnswer `json:"allowed"`
}

// allowedAnswer accepts every shape B2 has used for a key's limits: v4's
// "buckets" list of {id, name}, v3's single bucketId/bucketName, and the
// bucketIds/bucketNames lists some clients see.
type allowedAnswer struct {
	Buckets []struct {
		ID   string  `json:"id"`
		Name *string `json:"name"`
	} `json:"buckets"`
	BucketID     *string   `json:"bucketId"`
	BucketName   *string   `json:"bucketName"`
	BucketIDs    []string  `json:"bucketIds"`
	BucketNames  []*string `json:"bucketNames"`
	NamePrefix   *string   `json:"namePrefix"`
	Capabilities []string  `json:"capabilities"`
}

func (a *allowedAnswer) empty() bool {
	return a == nil || (len(a.Buckets) == 0 && a.BucketID == nil && a.BucketName == nil &&
		len(a.BucketIDs) == 0 && len(a.BucketNames) == 0 && a.NamePrefix == nil && a.Capabilities == nil)
}

// restriction turns the key's limits into a Restriction (see Authorize).
func (a *allowedAnswer) restriction() *Restriction {
	if a.empty() {
		return nil
	}
	var names []string
	var restricted bool
	switch {
	case len(a.Buckets) > 0:
		restricted = true
		for _, b := range a.Buckets {
			if b.Name != nil {
				names = append(names, *b.Name)
			}
		}
	case len(a.BucketIDs) > 0 || len(a.BucketNames) > 0:
		restricted = true
		for _, n := range a.BucketNames {
			if n != nil {
				names = append(names, *n)
			}
		}
	case a.BucketID != nil || a.BucketName != nil:
		restricted = true
		if a.BucketName != nil {
			names = append(names, *a.BucketName)
		}
	}
	r := &Restriction{Capabilities: append([]string(nil), a.Capabilities...)}
	if restricted && len(names) == 1 {
		r.Bucket = names[0]
	}
	if a.NamePrefix != nil {
		r.Prefix = *a.NamePrefix
	}
	if r.Bucket == "" && r.Prefix == "" && len(r.Capabilities) == 0 {
		return nil
	}
	return r
}

func parseAuthorizeAnswer(body []byte, keyID string) (Account, error) {
	var ans authorizeAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		return Account{}, &Error{Op: opAuthorize, Kind: ErrServer, Status: http.StatusOK,
			Message: "B2 answered with something that is not the expected JSON", Err: err}
	}
	if ans.AccountID != "" && keyID == ans.AccountID {
		// The account ID works in place of the master key ID.
		return Account{}, &Error{Op: opAuthorize, Kind: ErrInvalidCredentials, Message: masterKeyMessage}
	}
	st := ans.APIInfo.StorageAPI
	if st.S3APIURL == "" {
		return Account{}, &Error{Op: opAuthorize, Kind: ErrUnsupported, Status: http.StatusOK,
			Message: "B2 did not name an S3 endpoint for this key"}
	}
	endpoint, err := CheckEndpoint(st.S3APIURL)
	if err != nil {
		return Account{}, &Error{Op: opAuthorize, Kind: ErrServer, Status: http.StatusOK, Message: err.Error()}
	}
	region, ok := RegionFromEndpoint(endpoint.Host)
	if !ok {
		return Account{}, &Error{Op: opAuthorize, Kind: ErrServer, Status: http.StatusOK,
			Message: fmt.Sprintf("B2 named the S3 endpoint %s, whose host is not s3.<region>.backblazeb2.com", endpoint.Host)}
	}
	allowed := st.Allowed
	if allowed.empty() {
		allowed = &st.allowedAnswer
	}
	if allowed.empty() {
		allowed = ans.Allowed
	}
	return Account{
		KeyID:               keyID,
		Endpoint:            endpoint.String(),
		Region:              region,
		DownloadURL:         strings.TrimRight(st.DownloadURL, "/"),
		RecommendedPartSize: st.RecommendedPartSize,
		MinimumPartSize:     st.AbsoluteMinimumPartSize,
		Restriction:         allowed.restriction(),
	}, nil
}

// authorizeStatusError maps a non-200 answer. B2's 401 code "unauthorized"
// means a wrong key here, not a missing permission as it does elsewhere.
func authorizeStatusError(status int, body []byte, key string) error {
	e := &Error{Op: opAuthorize, Status: status}
	if je := parseJSONError(body); je != nil {
		e.Code, e.Message = je.Code, je.Message
	}
	if m := incidentRE.FindStringSubmatch(e.Message); m != nil {
		e.IncidentID = m[1]
	}
	switch {
	case status == http.StatusUnauthorized && e.Code == "unsupported":
		e.Kind = ErrUnsupported
	case status == http.StatusUnauthorized || status == http.StatusBadRequest:
		e.Kind = ErrInvalidCredentials
		if e.Message == "" {
			e.Message = "the application key ID or application key is wrong, or the key was deleted"
		}
	case status == http.StatusForbidden:
		e.Kind = ErrAccessDenied
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		e.Kind = ErrThrottled
	case status >= 500:
		e.Kind = ErrServer
	default:
		e.Kind = ErrOther
	}
	// B2 has no reason to echo the key, but the promise is absolute.
	if key != "" {
		e.Code = strings.ReplaceAll(e.Code, key, "[redacted]")
		e.Message = strings.ReplaceAll(e.Message, key, "[redacted]")
	}
	return e
}

func authorizeNetError(ctx context.Context, err error) error {
	kind := ErrUnreachable
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() == context.Canceled:
		kind = ErrCanceled
	case errors.As(err, new(*RedirectError)):
		kind = ErrRedirect
	}
	return &Error{Op: opAuthorize, Kind: kind, Err: err}
}
