package store

import (
	"context"
	"fmt"
	"strings"
)

// Environment variables Haul reads. The first two are the names B2's own
// command-line tool reads.
const (
	EnvKeyID    = "B2_APPLICATION_KEY_ID"
	EnvKey      = "B2_APPLICATION_KEY"
	EnvEndpoint = "HAUL_S3_ENDPOINT" // an S3-compatible endpoint; skips discovery
	EnvRegion   = "HAUL_S3_REGION"   // its SigV4 region when the host does not say
)

// DefaultCustomRegion is the region used for a custom endpoint whose host does
// not name one, as S3-compatible servers expect.
const DefaultCustomRegion = "us-east-1"

// FromEnv reads a session account from the environment through getenv
// (os.Getenv in the app). ok is false when neither B2_APPLICATION_KEY_ID nor
// B2_APPLICATION_KEY is set; setting only one of them, a malformed key or a
// bad HAUL_S3_ENDPOINT is an error.
//
// With HAUL_S3_ENDPOINT the account is complete: plain http is accepted only
// on loopback, and the region is the <region> of an s3.<region>.backblazeb2.com
// host, else HAUL_S3_REGION, else DefaultCustomRegion. Without it, Endpoint is
// empty: the account still needs discovery through Authorizer.Authorize, which
// ResolveEnv does.
func FromEnv(getenv func(string) string) (acct Account, secret string, ok bool, err error) {
	keyID, key := getenv(EnvKeyID), getenv(EnvKey)
	switch {
	case keyID == "" && key == "":
		return Account{}, "", false, nil
	case keyID == "":
		return Account{}, "", false, fmt.Errorf("%s is set but %s is not", EnvKey, EnvKeyID)
	case key == "":
		return Account{}, "", false, fmt.Errorf("%s is set but %s is not", EnvKeyID, EnvKey)
	}
	if err := ValidateCredentials(keyID, key); err != nil {
		return Account{}, "", false, fmt.Errorf("%s/%s: %w", EnvKeyID, EnvKey, err)
	}
	acct = Account{
		ID:     SessionAccountID,
		Name:   "Environment (" + shortKeyID(keyID) + ")",
		Source: Session,
		KeyID:  keyID,
	}
	raw := strings.TrimSpace(getenv(EnvEndpoint))
	if raw == "" {
		return acct, key, true, nil
	}
	u, err := CheckEndpoint(raw)
	if err != nil {
		return Account{}, "", false, fmt.Errorf("%s: %w", EnvEndpoint, err)
	}
	acct.Endpoint, acct.Custom = u.String(), true
	if region, isB2 := RegionFromEndpoint(u.Host); isB2 {
		acct.Region = region
	} else if r := strings.TrimSpace(getenv(EnvRegion)); r != "" {
		acct.Region = r
	} else {
		acct.Region = DefaultCustomRegion
	}
	return acct, key, true, nil
}

// ResolveEnv is FromEnv followed, when no HAUL_S3_ENDPOINT is given, by
// discovery through auth (nil means the zero Authorizer). The result is
// ready for Accounts.SetSession. It makes a network call and may take up to
// AuthorizeTimeout.
func ResolveEnv(ctx context.Context, getenv func(string) string, auth *Authorizer) (acct Account, secret string, ok bool, err error) {
	acct, secret, ok, err = FromEnv(getenv)
	if !ok || err != nil || acct.Endpoint != "" {
		return acct, secret, ok, err
	}
	found, err := auth.Authorize(ctx, acct.KeyID, secret)
	if err != nil {
		return Account{}, "", false, err
	}
	found.ID, found.Name, found.Source = acct.ID, acct.Name, Session
	return found, secret, true, nil
}
