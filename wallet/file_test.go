package wallet_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devchain/devchain/wallet"
)

// rawFile reads the wallet file as generic JSON.
func rawFile(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEncryptionRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.json")
	pass := []byte("correct horse battery staple")
	w, first, err := wallet.Create(path, "dev", pass)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Encrypted() {
		t.Fatal("wallet with a passphrase is not encrypted")
	}
	second, err := w.NewAddress()
	if err != nil {
		t.Fatal(err)
	}

	m := rawFile(t, path)
	if m["encrypted"] != true || m["format"] != "devchain-wallet" || m["address_prefix"] != "dev" {
		t.Errorf("file header = %v %v %v", m["encrypted"], m["format"], m["address_prefix"])
	}
	seed := m["seed"].(map[string]any)
	if _, ok := seed["plain"]; ok {
		t.Error("encrypted wallet stores a plain seed")
	}
	kdf := seed["kdf"].(map[string]any)
	if kdf["name"] != "scrypt" || kdf["n"] == nil || kdf["r"] == nil || kdf["p"] == nil || len(kdf["salt"].(string)) != 32 {
		t.Errorf("kdf params not stored: %v", kdf)
	}
	if seed["cipher"] != "xchacha20poly1305" || len(seed["nonce"].(string)) != 48 {
		t.Errorf("cipher = %v, nonce %v", seed["cipher"], seed["nonce"])
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), "xprv") {
		t.Error("file holds an extended private key")
	}

	w2, err := wallet.Open(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w2.Addresses(), []string{first, second}; !slices.Equal(got, want) {
		t.Errorf("reopened addresses = %v, want %v", got, want)
	}
	if enc, err := wallet.IsEncrypted(path); err != nil || !enc {
		t.Errorf("IsEncrypted = %v, %v", enc, err)
	}
}

func TestWrongPassphrase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.json")
	if _, _, err := wallet.Create(path, "dev", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pass []byte
		want error
	}{
		{[]byte("Secret"), wallet.ErrWrongPassphrase},
		{[]byte("secret "), wallet.ErrWrongPassphrase},
		{nil, wallet.ErrPassphraseRequired},
		{[]byte{}, wallet.ErrPassphraseRequired},
	} {
		if _, err := wallet.Open(path, tc.pass); !errors.Is(err, tc.want) {
			t.Errorf("Open(%q) = %v, want %v", tc.pass, err, tc.want)
		}
	}
	if _, err := wallet.Open(path, []byte("secret")); err != nil {
		t.Errorf("right passphrase: %v", err)
	}
}

// A flipped bit anywhere in the sealed seed fails authentication.
func TestTamperedCiphertext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.json")
	if _, _, err := wallet.Create(path, "dev", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	m := rawFile(t, path)
	seed := m["seed"].(map[string]any)
	ct := []byte(seed["ciphertext"].(string))
	if ct[0] == '0' {
		ct[0] = '1'
	} else {
		ct[0] = '0'
	}
	seed["ciphertext"] = string(ct)
	data, _ := json.Marshal(m)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := wallet.Open(path, []byte("secret")); !errors.Is(err, wallet.ErrWrongPassphrase) {
		t.Errorf("Open(tampered) = %v, want ErrWrongPassphrase", err)
	}
}

func TestUnencryptedWallet(t *testing.T) {
	for _, pass := range [][]byte{nil, {}} {
		path := filepath.Join(t.TempDir(), "w.json")
		w, first, err := wallet.Create(path, "dev", pass)
		if err != nil {
			t.Fatal(err)
		}
		if w.Encrypted() {
			t.Errorf("Create(%q) is encrypted", pass)
		}
		m := rawFile(t, path)
		if m["encrypted"] != false {
			t.Errorf("file says encrypted = %v", m["encrypted"])
		}
		// Any passphrase opens it.
		w2, err := wallet.Open(path, []byte("ignored"))
		if err != nil || w2.Addresses()[0] != first {
			t.Errorf("Open = %v, %v", w2, err)
		}
	}
}

func TestFileMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "w.json") // parent made by Create
	w, _, err := wallet.Create(path, "dev", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %o, want 600", when, mode)
		}
	}
	check("after create")
	// A file made readable by others is written back as 0600.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := w.NewAddress(); err != nil {
		t.Fatal(err)
	}
	check("after save")
}

// A write interrupted before the rename leaves the old file intact and no
// temporary file behind; a completed one leaves only the wallet file.
func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.json")
	w, _, err := wallet.Create(path, "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	var sawTmp string
	crash := errors.New("simulated crash")
	restore := wallet.SetBeforeRenameHook(func(tmp string) error {
		sawTmp = tmp
		if filepath.Dir(tmp) != dir {
			t.Errorf("temporary file %s not in the wallet's directory", tmp)
		}
		if fi, err := os.Stat(tmp); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("temporary file: %v, %v", fi, err)
		}
		return crash
	})
	_, err = w.NewAddress()
	restore()
	if !errors.Is(err, crash) {
		t.Fatalf("NewAddress = %v, want the simulated crash", err)
	}
	if sawTmp == "" {
		t.Fatal("hook not called")
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("interrupted write changed the file")
	}
	if len(w.Addresses()) != 1 {
		t.Errorf("failed NewAddress kept its address in memory: %v", w.Addresses())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %v, want only w.json", entries)
	}

	if _, err := w.NewAddress(); err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "w.json" {
		t.Errorf("directory holds %v, want only w.json", entries)
	}
	w2, err := wallet.Open(path, nil)
	if err != nil || len(w2.Addresses()) != 2 {
		t.Errorf("reopened: %v, %v", w2, err)
	}
}

func TestCreateRefusesOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.json")
	if _, _, err := wallet.Create(path, "dev", nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if _, _, err := wallet.Create(path, "dev", []byte("x")); !errors.Is(err, wallet.ErrWalletExists) {
		t.Errorf("second Create = %v, want ErrWalletExists", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("second Create changed the file")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	if _, err := wallet.Open(missing, nil); !errors.Is(err, wallet.ErrNoWallet) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want ErrNoWallet and fs.ErrNotExist", err)
	}
	notJSON := filepath.Join(dir, "garbage.json")
	os.WriteFile(notJSON, []byte("hello"), 0o600)
	if _, err := wallet.Open(notJSON, nil); !errors.Is(err, wallet.ErrCorrupt) {
		t.Errorf("Open(garbage) = %v, want ErrCorrupt", err)
	}

	// An address that does not derive from the seed is refused.
	path := filepath.Join(dir, "w.json")
	if _, _, err := wallet.Create(path, "dev", nil); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.json")
	_, otherAddr, err := wallet.Create(other, "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := rawFile(t, path)
	m["addresses"].([]any)[0].(map[string]any)["address"] = otherAddr
	data, _ := json.Marshal(m)
	os.WriteFile(path, data, 0o600)
	if _, err := wallet.Open(path, nil); !errors.Is(err, wallet.ErrCorrupt) {
		t.Errorf("Open(foreign address) = %v, want ErrCorrupt", err)
	}
}

// Two handles on one file: the second save notices the first and refuses
// to overwrite it.
func TestConcurrentUpdateDetected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.json")
	if _, _, err := wallet.Create(path, "dev", nil); err != nil {
		t.Fatal(err)
	}
	a, err := wallet.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := wallet.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	addrA, err := a.NewAddress()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.NewAddress(); !errors.Is(err, wallet.ErrConcurrentUpdate) {
		t.Errorf("stale NewAddress = %v, want ErrConcurrentUpdate", err)
	}
	c, err := wallet.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Addresses(); len(got) != 2 || got[1] != addrA {
		t.Errorf("addresses on disk = %v, want the first handle's", got)
	}
}

func TestCreateBadPrefix(t *testing.T) {
	for _, prefix := range []string{"", "DEV", "has space", strings.Repeat("a", 31)} {
		path := filepath.Join(t.TempDir(), "w.json")
		if _, _, err := wallet.Create(path, prefix, nil); err == nil {
			t.Errorf("Create(prefix %q) succeeded", prefix)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("Create(prefix %q) wrote a file", prefix)
		}
	}
}
