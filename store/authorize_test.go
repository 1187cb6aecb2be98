package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testKeyID = "0041a2b3c4d5e6f0000000007"
	testKey   = "K004secretSECRETsecretSECRET123"
	testToken = "4_0041a2b3c4d5e6f0000000007_01a2b3c4_acct_TOKENSECRET="
)

// v4Full is b2_authorize_account's v4 answer for a key that may see every
// bucket, shaped like Backblaze's documentation.
var v4Full = `{
  "accountId": "a1b2c3d4e5f6",
  "authorizationToken": "` + testToken + `",
  "apiInfo": {
    "groupsApi": {"capabilities": ["all"], "groupsApiUrl": "https://api004.backblazeb2.com", "infoType": "groupsApi"},
    "storageApi": {
      "absoluteMinimumPartSize": 5000000,
      "apiUrl": "https://api004.backblazeb2.com",
      "downloadUrl": "https://f004.backblazeb2.com",
      "infoType": "storageApi",
      "recommendedPartSize": 100000000,
      "s3ApiUrl": "https://s3.us-west-004.backblazeb2.com",
      "allowed": {
        "buckets": null,
        "capabilities": ["listKeys", "writeKeys", "deleteKeys", "listBuckets", "listAllBucketNames",
          "readBuckets", "writeBuckets", "deleteBuckets", "listFiles", "readFiles", "shareFiles",
          "writeFiles", "deleteFiles"],
        "namePrefix": null
      }
    }
  },
  "applicationKeyExpirationTimestamp": null
}`

// v4Restricted is the answer for a key limited to one bucket and a prefix,
// without listAllBucketNames.
var v4Restricted = `{
  "accountId": "a1b2c3d4e5f6",
  "authorizationToken": "` + testToken + `",
  "apiInfo": {"storageApi": {
    "absoluteMinimumPartSize": 5000000, "recommendedPartSize": 100000000,
    "apiUrl": "https://api002.backblazeb2.com", "downloadUrl": "https://f002.backblazeb2.com/",
    "s3ApiUrl": "https://s3.eu-central-003.backblazeb2.com",
    "allowed": {"buckets": [{"id": "4a5b6c7d8e9f", "name": "photos"}], "namePrefix": "2024/",
      "capabilities": ["listBuckets", "listFiles", "readFiles"]}
  }}
}`

// v3Restricted is the older shape: the limits sit directly in storageApi.
var v3Restricted = `{
  "accountId": "a1b2c3d4e5f6", "authorizationToken": "` + testToken + `",
  "apiInfo": {"storageApi": {
    "absoluteMinimumPartSize": 5000000, "recommendedPartSize": 100000000,
    "downloadUrl": "https://f001.backblazeb2.com", "s3ApiUrl": "https://s3.us-west-001.backblazeb2.com",
    "bucketId": "4a5b6c7d8e9f", "bucketName": "backups", "namePrefix": null,
    "capabilities": ["listBuckets", "readFiles"], "infoType": "storageApi"
  }}
}`

var v4MultiBucket = `{
  "accountId": "a1b2c3d4e5f6", "authorizationToken": "` + testToken + `",
  "apiInfo": {"storageApi": {
    "s3ApiUrl": "https://s3.us-east-005.backblazeb2.com", "downloadUrl": "https://f005.backblazeb2.com",
    "allowed": {"buckets": [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}], "namePrefix": null,
      "capabilities": ["listBuckets", "readFiles"]}
  }}
}`

// fakeB2 serves b2_authorize_account with a fixed answer and counts requests.
type fakeB2 struct {
	*httptest.Server
	requests atomic.Int32
	gotUser  atomic.Value
	gotKey   atomic.Value
	gotPath  atomic.Value
}

func newFakeB2(t *testing.T, status int, body string) *fakeB2 {
	t.Helper()
	f := &fakeB2{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		user, pass, _ := r.BasicAuth()
		f.gotUser.Store(user)
		f.gotKey.Store(pass)
		f.gotPath.Store(r.Method + " " + r.URL.Path)
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(f.Close)
	return f
}

// assertNoSecret fails if the key, the token or the Authorization header
// value shows in any rendering of err.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	renderings := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	var e *Error
	if errors.As(err, &e) {
		renderings = append(renderings, e.Detail(), e.Message, e.Code)
		if e.Err != nil {
			renderings = append(renderings, e.Err.Error())
		}
	}
	for _, s := range renderings {
		for _, secret := range []string{testKey, testToken, "Basic ", "TOKENSECRET", "secretSECRET"} {
			if strings.Contains(s, secret) {
				t.Fatalf("error shows a secret (%q): %s", secret, s)
			}
		}
	}
}

func TestAuthorizeFullV4(t *testing.T) {
	srv := newFakeB2(t, 200, v4Full)
	acct, err := (&Authorizer{BaseURL: srv.URL}).Authorize(context.Background(), testKeyID, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.gotPath.Load(); got != "GET /b2api/v4/b2_authorize_account" {
		t.Errorf("request = %v", got)
	}
	if srv.gotUser.Load() != testKeyID || srv.gotKey.Load() != testKey {
		t.Errorf("basic auth = %v:%v", srv.gotUser.Load(), srv.gotKey.Load())
	}
	want := Account{
		KeyID:               testKeyID,
		Endpoint:            "https://s3.us-west-004.backblazeb2.com",
		Region:              "us-west-004",
		DownloadURL:         "https://f004.backblazeb2.com",
		RecommendedPartSize: 100_000_000,
		MinimumPartSize:     5_000_000,
	}
	r := acct.Restriction
	acct.Restriction = nil
	if fmt.Sprint(acct) != fmt.Sprint(want) {
		t.Errorf("account =\n %+v\nwant\n %+v", acct, want)
	}
	if r == nil || r.Bucket != "" || r.Prefix != "" {
		t.Fatalf("restriction = %+v, want capabilities only", r)
	}
	if !r.Can("listAllBucketNames") || !r.Can("writeFiles") || r.Can("bypassGovernance") {
		t.Errorf("capabilities = %v", r.Capabilities)
	}
}

func TestAuthorizeRestrictions(t *testing.T) {
	tests := []struct {
		name, body           string
		bucket, prefix, s3   string
		region               string
		canListAllBucketName bool
	}{
		{"v4 one bucket and prefix", v4Restricted, "photos", "2024/", "https://s3.eu-central-003.backblazeb2.com", "eu-central-003", false},
		{"v3 bucketName", v3Restricted, "backups", "", "https://s3.us-west-001.backblazeb2.com", "us-west-001", false},
		{"v4 several buckets", v4MultiBucket, "", "", "https://s3.us-east-005.backblazeb2.com", "us-east-005", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeB2(t, 200, tt.body)
			acct, err := (&Authorizer{BaseURL: srv.URL}).Authorize(context.Background(), testKeyID, testKey)
			if err != nil {
				t.Fatal(err)
			}
			if acct.Endpoint != tt.s3 || acct.Region != tt.region {
				t.Errorf("endpoint %s region %s", acct.Endpoint, acct.Region)
			}
			r := acct.Restriction
			if r == nil {
				t.Fatal("no restriction")
			}
			if r.Bucket != tt.bucket || r.Prefix != tt.prefix {
				t.Errorf("restriction = %+v", r)
			}
			if r.Can("listAllBucketNames") != tt.canListAllBucketName || !r.Can("listBuckets") {
				t.Errorf("capabilities = %v", r.Capabilities)
			}
		})
	}
}

func TestAuthorizeDownloadURLTrailingSlash(t *testing.T) {
	srv := newFakeB2(t, 200, v4Restricted)
	acct, err := (&Authorizer{BaseURL: srv.URL + "/"}).Authorize(context.Background(), testKeyID, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if acct.DownloadURL != "https://f002.backblazeb2.com" {
		t.Errorf("download URL %q", acct.DownloadURL)
	}
}

func TestAuthorizeErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		kind     error
		code     string
		incident string
	}{
		{"wrong key", 401, `{"code":"unauthorized","message":"","status":401}`, ErrInvalidCredentials, "unauthorized", ""},
		{"bad token code", 401, `{"code":"bad_auth_token","message":"Invalid authorization token","status":401}`, ErrInvalidCredentials, "bad_auth_token", ""},
		{"key echoed", 401, `{"code":"unauthorized","message":"bad key ` + testKey + `","status":401}`, ErrInvalidCredentials, "unauthorized", ""},
		{"older version key", 401, `{"code":"unsupported","message":"key only valid in a later version","status":401}`, ErrUnsupported, "unsupported", ""},
		{"bad request", 400, `{"code":"bad_request","message":"applicationKeyId is invalid","status":400}`, ErrInvalidCredentials, "bad_request", ""},
		{"cap exceeded", 403, `{"code":"transaction_cap_exceeded","message":"Transaction cap exceeded","status":403}`, ErrAccessDenied, "transaction_cap_exceeded", ""},
		{"json 500", 500, `{"code":"internal_error","message":"incident id 7a9f0e1c-52b1-4b0b-9c2d-1f4f1c2e3d4f","status":500}`, ErrServer, "internal_error", "7a9f0e1c-52b1-4b0b-9c2d-1f4f1c2e3d4f"},
		{"503", 503, `{"code":"service_unavailable","message":"c001_v0001234_t0042 is too busy","status":503}`, ErrThrottled, "service_unavailable", ""},
		{"html 502", 502, `<html>bad gateway</html>`, ErrServer, "", ""},
		{"not json 200", 200, `<html>captive portal</html>`, ErrServer, "", ""},
		{"no s3 endpoint", 200, `{"accountId":"x","apiInfo":{"storageApi":{"downloadUrl":"https://f1.backblazeb2.com"}}}`, ErrUnsupported, "", ""},
		{"s3 endpoint not B2", 200, `{"accountId":"x","apiInfo":{"storageApi":{"s3ApiUrl":"https://example.com"}}}`, ErrServer, "", ""},
		{"s3 endpoint plain http", 200, `{"accountId":"x","apiInfo":{"storageApi":{"s3ApiUrl":"http://s3.us-west-004.backblazeb2.com"}}}`, ErrServer, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeB2(t, tt.status, tt.body)
			_, err := (&Authorizer{BaseURL: srv.URL}).Authorize(context.Background(), testKeyID, testKey)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("kind = %v, want %v (%v)", e.Kind, tt.kind, err)
			}
			if e.Code != tt.code || e.IncidentID != tt.incident {
				t.Errorf("code %q incident %q (%v)", e.Code, e.IncidentID, err)
			}
			if tt.status != 200 && e.Status != tt.status {
				t.Errorf("status = %d", e.Status)
			}
			if tt.incident != "" && !strings.Contains(err.Error(), tt.incident) {
				t.Errorf("incident id missing from %q", err)
			}
			assertNoSecret(t, err)
		})
	}
}

func TestAuthorizeUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := (&Authorizer{BaseURL: url}).Authorize(context.Background(), testKeyID, testKey)
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	assertNoSecret(t, err)
}

func TestAuthorizeTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := (&Authorizer{BaseURL: srv.URL}).Authorize(ctx, testKeyID, testKey)
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("deadline: err = %v, want ErrUnreachable", err)
	}
	assertNoSecret(t, err)

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = (&Authorizer{BaseURL: srv.URL}).Authorize(ctx, testKeyID, testKey)
	if !errors.Is(err, ErrCanceled) {
		t.Errorf("cancel: err = %v, want ErrCanceled", err)
	}
}

func TestAuthorizeRefusesMasterKeyWithoutRequest(t *testing.T) {
	srv := newFakeB2(t, 200, v4Full)
	for _, keyID := range []string{"a1b2c3d4e5f6", "A1B2C3D4E5F6", "000000000000"} {
		_, err := (&Authorizer{BaseURL: srv.URL}).Authorize(context.Background(), keyID, testKey)
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("%s: err = %v", keyID, err)
		}
		if !strings.Contains(err.Error(), "master key") || !strings.Contains(err.Error(), "Application Keys") {
			t.Errorf("message does not explain: %v", err)
		}
		assertNoSecret(t, err)
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("%d requests made for a master key", n)
	}
}

func TestAuthorizeRefusesAccountIDAsKeyID(t *testing.T) {
	// B2 accepts the account ID in place of the master key ID; it is not 12
	// hex characters only in tests, but the answer gives it away.
	body := strings.Replace(v4Full, `"accountId": "a1b2c3d4e5f6"`, `"accountId": "`+testKeyID+`"`, 1)
	srv := newFakeB2(t, 200, body)
	_, err := (&Authorizer{BaseURL: srv.URL}).Authorize(context.Background(), testKeyID, testKey)
	if !errors.Is(err, ErrInvalidCredentials) || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("err = %v", err)
	}
}

func TestAuthorizeValidatesBeforeRequest(t *testing.T) {
	srv := newFakeB2(t, 200, v4Full)
	tests := []struct{ name, keyID, key, want string }{
		{"empty key ID", "", testKey, "key ID is empty"},
		{"empty key", testKeyID, "", "key is empty"},
		{"space in key ID", testKeyID + " ", testKey, "key ID contains a space"},
		{"newline in key", testKeyID, testKey + "\n", "key contains a space"},
		{"tab in key", testKeyID, "K004\tabc", "key contains a space"},
		{"control in key ID", "004\x00abc", testKey, "key ID contains"},
		{"nbsp in key", testKeyID, "K004\u00a0abc", "key contains"},
		{"bad utf-8", testKeyID, "K004\xffabc", "key contains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&Authorizer{BaseURL: srv.URL}).Authorize(context.Background(), tt.keyID, tt.key)
			if !errors.Is(err, ErrInvalidCredentials) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.key != "" && strings.Contains(err.Error(), tt.key) {
				t.Errorf("error quotes the key: %v", err)
			}
		})
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("%d requests made for malformed keys", n)
	}
}

func TestAuthorizeRejectsCredentialsInBaseURL(t *testing.T) {
	srv := newFakeB2(t, 200, v4Full)
	u := strings.Replace(srv.URL, "http://", "http://user:pw@", 1)
	_, err := (&Authorizer{BaseURL: u}).Authorize(context.Background(), testKeyID, testKey)
	if err == nil || srv.requests.Load() != 0 {
		t.Fatalf("err = %v, requests %d", err, srv.requests.Load())
	}
}

func TestIsMasterKeyID(t *testing.T) {
	tests := map[string]bool{
		"a1b2c3d4e5f6":              true,
		"ABCDEF012345":              true,
		"a1b2c3d4e5f":               false,
		"a1b2c3d4e5f67":             false,
		"g1b2c3d4e5f6":              false,
		"0041a2b3c4d5e6f0000000007": false,
		"":                          false,
	}
	for in, want := range tests {
		if got := IsMasterKeyID(in); got != want {
			t.Errorf("IsMasterKeyID(%q) = %v", in, got)
		}
	}
}

func TestRegionFromEndpoint(t *testing.T) {
	tests := []struct {
		in, region string
		ok         bool
	}{
		{"https://s3.us-west-004.backblazeb2.com", "us-west-004", true},
		{"https://S3.EU-Central-003.backblazeb2.com:443", "eu-central-003", true},
		{"s3.us-east-005.backblazeb2.com", "us-east-005", true},
		{"https://s3.backblazeb2.com", "", false},
		{"https://s3.us-west-004.backblazeb2.com.evil.example", "", false},
		{"https://bucket.s3.us-west-004.backblazeb2.com", "", false},
		{"http://127.0.0.1:7070", "", false},
		{"https://s3.a..b.backblazeb2.com", "", false},
	}
	for _, tt := range tests {
		region, ok := RegionFromEndpoint(tt.in)
		if region != tt.region || ok != tt.ok {
			t.Errorf("RegionFromEndpoint(%q) = %q, %v", tt.in, region, ok)
		}
	}
}
