package wallet_test

import (
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/hex"
	"path/filepath"
	"slices"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/wallet"
)

// bip39Seed is BIP39's seed of a mnemonic with an empty passphrase.
func bip39Seed(t *testing.T, mnemonic string) []byte {
	t.Helper()
	seed, err := pbkdf2.Key(sha512.New, mnemonic, []byte("mnemonic"), 2048, 64)
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

// TestBIP86Vectors derives BIP86's test vectors: the wallet's address
// payload is the untweaked x-only key, BIP86's internal_key, at
// m/86'/0'/0'/0/i.
func TestBIP86Vectors(t *testing.T) {
	seed := bip39Seed(t, "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
	if got, want := hex.EncodeToString(seed)[:16], "5eb00bbddcf06908"; got != want {
		t.Fatalf("BIP39 seed starts %s, want %s", got, want)
	}
	path := filepath.Join(t.TempDir(), "w.json")
	w, first, err := wallet.CreateFromSeed(path, "bc", seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.NewAddress()
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ addr, internalKey string }{
		{first, "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115"},
		{second, "83dfe85a3151d2517290da461fe2815591ef69f2b18a2ce63f01697a8b313145"},
	} {
		a, err := chain.DecodeAddress(tc.addr, "bc")
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(a[:]); got != tc.internalKey {
			t.Errorf("m/86'/0'/0'/0/%d: key %s, want %s", i, got, tc.internalKey)
		}
	}
}

// The same seed derives the same addresses, whatever the passphrase; other
// seeds derive others.
func TestDerivationDeterministic(t *testing.T) {
	seed := make([]byte, wallet.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	derive := func(seed, pass []byte) []string {
		path := filepath.Join(t.TempDir(), "w.json")
		w, _, err := wallet.CreateFromSeed(path, "dev", seed, pass)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			if _, err := w.NewAddress(); err != nil {
				t.Fatal(err)
			}
		}
		w2, err := wallet.Open(path, pass)
		if err != nil {
			t.Fatal(err)
		}
		return w2.Addresses()
	}
	a := derive(seed, nil)
	b := derive(seed, []byte("pw"))
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different addresses:\n%v\n%v", a, b)
	}
	if len(a) != 5 || len(slices.Compact(slices.Sorted(slices.Values(a)))) != 5 {
		t.Errorf("want 5 distinct addresses, got %v", a)
	}
	other := slices.Clone(seed)
	other[0] ^= 1
	if c := derive(other, nil); c[0] == a[0] {
		t.Error("different seeds derive the same first address")
	}
	// Random seeds differ.
	_, r1, _ := wallet.Create(filepath.Join(t.TempDir(), "r1.json"), "dev", nil)
	_, r2, _ := wallet.Create(filepath.Join(t.TempDir(), "r2.json"), "dev", nil)
	if r1 == r2 {
		t.Error("two new wallets share their first address")
	}
}
