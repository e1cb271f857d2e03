package wallet

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"
)

// File format identifiers.
const (
	fileFormat  = "devchain-wallet"
	fileVersion = 1
	kdfScrypt   = "scrypt"
	cipherName  = "xchacha20poly1305"
	saltSize    = 16
	keySize     = chacha20poly1305.KeySize
)

// seedAD is the associated data of the seed's AEAD: it binds the ciphertext
// to its purpose and format version.
var seedAD = []byte("devchain-wallet/1 seed")

// walletFile is the JSON document on disk. Everything but the seed is public
// (addresses, pending spends) and stored in clear; the seed is sealed with a
// key derived from the passphrase, unless the wallet is unencrypted.
type walletFile struct {
	Format        string `json:"format"`
	Version       int    `json:"version"`
	Encrypted     bool   `json:"encrypted"`
	AddressPrefix string `json:"address_prefix"`
	// GenesisHash is empty until learned from a node (offline create).
	GenesisHash string `json:"genesis_hash,omitempty"`
	// Generation counts saves; a save refuses to overwrite a file whose
	// generation moved on since it was read (another process saved it).
	Generation uint64       `json:"generation"`
	Seed       seedBlob     `json:"seed"`
	Derivation string       `json:"derivation"`
	Addresses  []addrRecord `json:"addresses"`
	// Pending are the wallet's own transactions not yet seen confirmed.
	Pending []pendingRecord `json:"pending"`
}

// seedBlob is the HD seed: sealed (KDF, Cipher, Nonce, Ciphertext) when the
// wallet is encrypted, in clear (Plain) when it is not.
type seedBlob struct {
	KDF        *kdfParams `json:"kdf,omitempty"`
	Cipher     string     `json:"cipher,omitempty"`
	Nonce      string     `json:"nonce,omitempty"`
	Ciphertext string     `json:"ciphertext,omitempty"`
	Plain      string     `json:"plain,omitempty"`
}

// kdfParams are scrypt's parameters and salt, stored so that they can be
// raised later without breaking old files.
type kdfParams struct {
	Name string `json:"name"`
	Salt string `json:"salt"`
	N    int    `json:"n"`
	R    int    `json:"r"`
	P    int    `json:"p"`
}

// addrRecord is one derived address: its index on the derivation path, and
// whether it was made for change.
type addrRecord struct {
	Index   uint32 `json:"index"`
	Address string `json:"address"`
	Change  bool   `json:"change,omitempty"`
}

// pendingRecord is a transaction the wallet sent that has not been seen
// confirmed yet. Amounts are integer units.
type pendingRecord struct {
	TxID   string        `json:"txid"`
	Spends []spentRecord `json:"spends"`
	To     string        `json:"to"`
	Amount int64         `json:"amount"`
	Fee    int64         `json:"fee"`
	Change *changeRecord `json:"change,omitempty"`
	Time   int64         `json:"time"`
	Hex    string        `json:"hex"`
}

type spentRecord struct {
	TxID    string `json:"txid"`
	Vout    uint32 `json:"vout"`
	Address string `json:"address"`
	Amount  int64  `json:"amount"`
}

type changeRecord struct {
	Vout    uint32 `json:"vout"`
	Address string `json:"address"`
	Amount  int64  `json:"amount"`
}

// defaultKDF is scrypt's cost for new wallets: N=2^15, r=8, p=1 (32 MiB,
// about 0.1 s), the parameters recommended for interactive logins. Tests
// lower it.
var defaultKDF = kdfParams{Name: kdfScrypt, N: 1 << 15, R: 8, P: 1}

// deriveKey runs the KDF of params over passphrase.
func deriveKey(passphrase []byte, params *kdfParams) ([]byte, error) {
	if params.Name != kdfScrypt {
		return nil, fmt.Errorf("%w: unknown key derivation %q", ErrCorrupt, params.Name)
	}
	// Bound the cost a tampered file could make us pay, and the shapes
	// scrypt would refuse anyway. scrypt allocates 128·N·r bytes: at most
	// 256 MiB (the default is 32 MiB).
	if params.N < 2 || params.N&(params.N-1) != 0 || params.N > 1<<22 ||
		params.R < 1 || params.P < 1 || params.R*params.P > 1<<10 ||
		uint64(params.N)*uint64(params.R) > 1<<21 {
		return nil, fmt.Errorf("%w: scrypt parameters n=%d r=%d p=%d out of range", ErrCorrupt, params.N, params.R, params.P)
	}
	salt, err := hex.DecodeString(params.Salt)
	if err != nil || len(salt) < 8 {
		return nil, fmt.Errorf("%w: bad scrypt salt", ErrCorrupt)
	}
	return scrypt.Key(passphrase, salt, params.N, params.R, params.P, keySize)
}

// sealSeed encrypts seed under passphrase with a fresh salt and nonce, or
// stores it in clear when passphrase is empty.
func sealSeed(seed, passphrase []byte) (seedBlob, error) {
	if len(passphrase) == 0 {
		return seedBlob{Plain: hex.EncodeToString(seed)}, nil
	}
	params := defaultKDF
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return seedBlob{}, err
	}
	params.Salt = hex.EncodeToString(salt)
	key, err := deriveKey(passphrase, &params)
	if err != nil {
		return seedBlob{}, err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return seedBlob{}, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return seedBlob{}, err
	}
	return seedBlob{
		KDF:        &params,
		Cipher:     cipherName,
		Nonce:      hex.EncodeToString(nonce),
		Ciphertext: hex.EncodeToString(aead.Seal(nil, nonce, seed, seedAD)),
	}, nil
}

// openSeed recovers the seed of f, checking the passphrase.
func openSeed(f *walletFile, passphrase []byte) ([]byte, error) {
	b := &f.Seed
	if !f.Encrypted {
		seed, err := hex.DecodeString(b.Plain)
		if err != nil || b.Plain == "" {
			return nil, fmt.Errorf("%w: unencrypted wallet without a readable seed", ErrCorrupt)
		}
		return seed, nil
	}
	if b.KDF == nil || b.Cipher != cipherName {
		return nil, fmt.Errorf("%w: encrypted seed needs kdf and cipher %q", ErrCorrupt, cipherName)
	}
	if len(passphrase) == 0 {
		return nil, ErrPassphraseRequired
	}
	nonce, err1 := hex.DecodeString(b.Nonce)
	sealed, err2 := hex.DecodeString(b.Ciphertext)
	if err1 != nil || err2 != nil || len(nonce) != chacha20poly1305.NonceSizeX {
		return nil, fmt.Errorf("%w: bad nonce or ciphertext", ErrCorrupt)
	}
	key, err := deriveKey(passphrase, b.KDF)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	seed, err := aead.Open(nil, nonce, sealed, seedAD)
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return seed, nil
}

// readFile reads and parses the wallet document at path.
func readFile(path string) (*walletFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &noWalletError{path}
	}
	if err != nil {
		return nil, fmt.Errorf("read wallet: %w", err)
	}
	var f walletFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if f.Format != fileFormat {
		return nil, fmt.Errorf("%w: %s is not a %s file", ErrCorrupt, path, fileFormat)
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("%w: %s has format version %d, this wallet reads %d", ErrCorrupt, path, f.Version, fileVersion)
	}
	return &f, nil
}

// noWalletError matches ErrNoWallet and fs.ErrNotExist.
type noWalletError struct{ path string }

func (e *noWalletError) Error() string {
	return fmt.Sprintf("%v at %s (create one with `wallet create`)", ErrNoWallet, e.path)
}

func (e *noWalletError) Is(target error) bool {
	return target == ErrNoWallet || target == fs.ErrNotExist
}

// IsEncrypted reports whether the wallet file at path is encrypted, so that
// a caller knows whether to ask for a passphrase before Open.
func IsEncrypted(path string) (bool, error) {
	f, err := readFile(path)
	if err != nil {
		return false, err
	}
	return f.Encrypted, nil
}

// testHookBeforeRename, when set, runs after the temporary file is written
// and synced and before it replaces the wallet file; an error aborts the
// write. Tests use it to simulate a crash.
var testHookBeforeRename func(tmp string) error

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new content, never a mix: a temporary file in the same
// directory (mode 0600) is written, synced, then renamed over path, and the
// directory is synced. With noClobber an existing path is never replaced
// (ErrWalletExists).
func writeFileAtomic(path string, data []byte, noClobber bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write wallet: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write wallet: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write wallet: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write wallet: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write wallet: %w", err)
	}
	if testHookBeforeRename != nil {
		if err := testHookBeforeRename(tmpName); err != nil {
			return err
		}
	}
	if noClobber {
		// A hard link fails atomically when path exists; where hard links
		// are not supported, fall back to a check and a rename.
		if err := os.Link(tmpName, path); err == nil {
			os.Remove(tmpName)
		} else if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrWalletExists, path)
		} else {
			if _, statErr := os.Lstat(path); statErr == nil {
				return fmt.Errorf("%w: %s", ErrWalletExists, path)
			}
			if err := os.Rename(tmpName, path); err != nil {
				return fmt.Errorf("write wallet: %w", err)
			}
		}
	} else if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write wallet: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable. Failure is not fatal: some
// platforms cannot sync directories, and the rename itself succeeded.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
