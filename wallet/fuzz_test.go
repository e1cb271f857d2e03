package wallet

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzOpenWallet: no wallet file content makes Open panic; every refusal
// is one of the wallet's errors. (With no passphrase the KDF never runs, so
// the fuzzer explores the file format, not scrypt.)
func FuzzOpenWallet(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.json")
	if _, _, err := Create(path, "dev", nil); err != nil {
		f.Fatal(err)
	}
	plain, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(plain)
	f.Add([]byte(`{"format":"devchain-wallet","version":1,"encrypted":true,"address_prefix":"dev","seed":{"kdf":{"name":"scrypt","salt":"00","n":2,"r":1,"p":1}},"derivation":"m/86'/1'/0'","addresses":[]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "w.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		w, err := Open(p, nil)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrPassphraseRequired) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(w.Addresses()) == 0 {
			t.Fatal("opened a wallet without addresses")
		}
		_, _ = IsEncrypted(p)
	})
}

// TestTamperedKDFBounded: a wallet file whose scrypt parameters would need
// gigabytes (or hours) is refused as corrupt before scrypt runs.
func TestTamperedKDFBounded(t *testing.T) {
	for _, p := range []kdfParams{
		{Name: kdfScrypt, Salt: "0011223344556677", N: 1 << 22, R: 8, P: 1},    // 4 GiB
		{Name: kdfScrypt, Salt: "0011223344556677", N: 1 << 20, R: 1024, P: 1}, // 128 GiB
		{Name: kdfScrypt, Salt: "0011223344556677", N: 1 << 23, R: 1, P: 1},
		{Name: kdfScrypt, Salt: "0011223344556677", N: 1 << 15, R: 8, P: 1 << 20},
	} {
		start := time.Now()
		if _, err := deriveKey([]byte("pw"), &p); !errors.Is(err, ErrCorrupt) {
			t.Errorf("n=%d r=%d p=%d: %v, want ErrCorrupt", p.N, p.R, p.P, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("n=%d r=%d p=%d: refused after %v", p.N, p.R, p.P, d)
		}
	}
}
