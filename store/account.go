package store

import "time"

// Source says where an account comes from and whether it is saved.
type Source int

const (
	// Saved accounts live in the settings file, their key in the keychain.
	Saved Source = iota
	// Session accounts come from B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY
	// in the environment; they are never saved.
	Session
	// SandboxSource is the built-in local S3 server, used when no account
	// exists.
	SandboxSource
)

// Account is everything Haul knows about one B2 account except its secret,
// which only the OS keychain holds. It is safe to write to the settings file
// and to logs.
type Account struct {
	ID     string `json:"id"`   // stable, unique among accounts
	Name   string `json:"name"` // shown in the account switcher
	Source Source `json:"-"`
	KeyID  string `json:"keyId"`

	Endpoint    string `json:"endpoint"`              // S3 endpoint, https://s3.<region>.backblazeb2.com
	Region      string `json:"region"`                // SigV4 region, e.g. us-west-004
	DownloadURL string `json:"downloadUrl,omitempty"` // https://f00N.backblazeb2.com, for friendly links
	// Custom is true when the endpoint was typed in ("advanced"), not
	// discovered through b2_authorize_account.
	Custom bool `json:"custom,omitempty"`

	RecommendedPartSize int64 `json:"recommendedPartSize,omitempty"` // bytes
	MinimumPartSize     int64 `json:"minimumPartSize,omitempty"`     // bytes

	// Restriction is what the key is allowed to see; nil means the whole
	// account.
	Restriction *Restriction `json:"restriction,omitempty"`

	Added time.Time `json:"added"`
}

// Restriction is the part of an account an application key is limited to.
type Restriction struct {
	Bucket       string   `json:"bucket,omitempty"` // bucket name the key is limited to
	Prefix       string   `json:"prefix,omitempty"` // name prefix the key is limited to
	Capabilities []string `json:"capabilities,omitempty"`
}

// Can reports whether the key has a capability such as "listBuckets" or
// "listAllBucketNames". A nil restriction can do everything.
func (r *Restriction) Can(capability string) bool {
	if r == nil || len(r.Capabilities) == 0 {
		return true
	}
	for _, c := range r.Capabilities {
		if c == capability {
			return true
		}
	}
	return false
}

// ClientConfig joins the account with its secret into a client config.
func (a Account) ClientConfig(key string) Config {
	return Config{Endpoint: a.Endpoint, Region: a.Region, KeyID: a.KeyID, Key: key}
}
