package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name             string
		env              map[string]string
		ok               bool
		errHas           string
		endpoint, region string
		custom           bool
	}{
		{name: "nothing set", env: nil},
		{name: "only key ID", env: map[string]string{EnvKeyID: testKeyID}, errHas: "B2_APPLICATION_KEY is not"},
		{name: "only key", env: map[string]string{EnvKey: testKey}, errHas: "B2_APPLICATION_KEY_ID is not"},
		{name: "key with newline", env: map[string]string{EnvKeyID: testKeyID, EnvKey: testKey + "\n"}, errHas: "line break"},
		{name: "needs discovery", env: map[string]string{EnvKeyID: testKeyID, EnvKey: testKey}, ok: true},
		{
			name:     "B2 endpoint names its region",
			env:      map[string]string{EnvKeyID: testKeyID, EnvKey: testKey, EnvEndpoint: "https://s3.eu-central-003.backblazeb2.com", EnvRegion: "ignored"},
			ok:       true,
			endpoint: "https://s3.eu-central-003.backblazeb2.com", region: "eu-central-003", custom: true,
		},
		{
			name:     "loopback http with region",
			env:      map[string]string{EnvKeyID: "root", EnvKey: "rootsecret", EnvEndpoint: "http://127.0.0.1:7070/", EnvRegion: "local-1"},
			ok:       true,
			endpoint: "http://127.0.0.1:7070", region: "local-1", custom: true,
		},
		{
			name:     "localhost default region",
			env:      map[string]string{EnvKeyID: "root", EnvKey: "rootsecret", EnvEndpoint: "http://localhost:9000"},
			ok:       true,
			endpoint: "http://localhost:9000", region: DefaultCustomRegion, custom: true,
		},
		{
			name:     "ipv6 loopback",
			env:      map[string]string{EnvKeyID: "root", EnvKey: "rootsecret", EnvEndpoint: "http://[::1]:9000"},
			ok:       true,
			endpoint: "http://[::1]:9000", region: DefaultCustomRegion, custom: true,
		},
		{name: "http on the internet", env: map[string]string{EnvKeyID: "root", EnvKey: "rootsecret", EnvEndpoint: "http://s3.example.com"}, errHas: "plain http"},
		{name: "http on a LAN address", env: map[string]string{EnvKeyID: "root", EnvKey: "rootsecret", EnvEndpoint: "http://192.168.1.10:9000"}, errHas: "plain http"},
		{name: "not a URL", env: map[string]string{EnvKeyID: "root", EnvKey: "rootsecret", EnvEndpoint: "s3.example.com"}, errHas: "HAUL_S3_ENDPOINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct, secret, ok, err := FromEnv(envFrom(tt.env))
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) || ok {
					t.Fatalf("ok %v err %v, want error with %q", ok, err, tt.errHas)
				}
				if key := tt.env[EnvKey]; key != "" && strings.Contains(err.Error(), strings.TrimSpace(key)) {
					t.Errorf("error shows the key: %v", err)
				}
				return
			}
			if err != nil || ok != tt.ok {
				t.Fatalf("ok %v err %v", ok, err)
			}
			if !ok {
				return
			}
			if acct.ID != SessionAccountID || acct.Source != Session || secret != tt.env[EnvKey] || acct.KeyID != tt.env[EnvKeyID] {
				t.Errorf("account %+v", acct)
			}
			if !strings.HasPrefix(acct.Name, "Environment (") {
				t.Errorf("name %q", acct.Name)
			}
			if acct.Endpoint != tt.endpoint || acct.Region != tt.region || acct.Custom != tt.custom {
				t.Errorf("endpoint %q region %q custom %v", acct.Endpoint, acct.Region, acct.Custom)
			}
		})
	}
}

func TestResolveEnvDiscovers(t *testing.T) {
	srv := newFakeB2(t, 200, v4Restricted)
	env := envFrom(map[string]string{EnvKeyID: testKeyID, EnvKey: testKey})
	acct, secret, ok, err := ResolveEnv(context.Background(), env, &Authorizer{BaseURL: srv.URL})
	if err != nil || !ok || secret != testKey {
		t.Fatal(ok, err)
	}
	if acct.ID != SessionAccountID || acct.Source != Session || acct.Region != "eu-central-003" ||
		acct.Endpoint != "https://s3.eu-central-003.backblazeb2.com" || acct.Restriction.Bucket != "photos" {
		t.Errorf("account %+v", acct)
	}
	if srv.requests.Load() != 1 {
		t.Errorf("%d requests", srv.requests.Load())
	}
}

func TestResolveEnvCustomEndpointSkipsDiscovery(t *testing.T) {
	srv := newFakeB2(t, 500, `{}`)
	env := envFrom(map[string]string{EnvKeyID: "root", EnvKey: "rootsecret", EnvEndpoint: "http://127.0.0.1:7070"})
	acct, _, ok, err := ResolveEnv(context.Background(), env, &Authorizer{BaseURL: srv.URL})
	if err != nil || !ok || acct.Endpoint != "http://127.0.0.1:7070" {
		t.Fatal(acct, ok, err)
	}
	if srv.requests.Load() != 0 {
		t.Error("discovery ran despite HAUL_S3_ENDPOINT")
	}
}

func TestResolveEnvMasterKeyRefused(t *testing.T) {
	srv := newFakeB2(t, 200, v4Full)
	env := envFrom(map[string]string{EnvKeyID: "a1b2c3d4e5f6", EnvKey: testKey})
	_, _, ok, err := ResolveEnv(context.Background(), env, &Authorizer{BaseURL: srv.URL})
	if ok || !errors.Is(err, ErrInvalidCredentials) || srv.requests.Load() != 0 {
		t.Fatalf("ok %v err %v requests %d", ok, err, srv.requests.Load())
	}
}

func TestResolveEnvIntoAccounts(t *testing.T) {
	srv := newFakeB2(t, 200, v4Full)
	env := envFrom(map[string]string{EnvKeyID: testKeyID, EnvKey: testKey})
	acct, secret, _, err := ResolveEnv(context.Background(), env, &Authorizer{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	if err := a.SetSession(acct, secret); err != nil {
		t.Fatal(err)
	}
	if l := a.List(); len(l) != 1 || l[0].ID != SessionAccountID {
		t.Errorf("list %+v", l)
	}
	assertSecretNotInFiles(t, dir, testKey)
}
