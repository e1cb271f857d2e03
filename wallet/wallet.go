package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"

	"github.com/devchain/devchain/chain"
)

// Wallet is an open wallet file: the HD seed's keys, the derived addresses
// and the record of pending spends. Its methods and the package functions
// taking a *Wallet are safe for concurrent use; every change is saved to the
// file before the call returns.
type Wallet struct {
	mu    sync.Mutex
	path  string
	file  walletFile
	keys  *keyChain
	index map[chain.Address]int // address -> position in file.Addresses
}

// AddressInfo is one of the wallet's addresses.
type AddressInfo struct {
	Index   uint32 // i in DerivationPath
	Address string
	Change  bool // made by Send for change
}

// Create writes a new wallet at path for the chain whose addresses use
// prefix, with a fresh random HD seed encrypted under passphrase (nil or
// empty: an unencrypted wallet, which says so in the file). The chain's
// genesis hash is learned from the first node the wallet talks to (see
// CheckChain). It refuses to overwrite an existing file and returns the
// wallet with its first address.
func Create(path, prefix string, passphrase []byte) (*Wallet, string, error) {
	return create(path, prefix, "", passphrase)
}

// CreateFromSeed is Create with a given seed (16 to 64 bytes) instead of a
// random one: the same seed always derives the same addresses.
func CreateFromSeed(path, prefix string, seed, passphrase []byte) (*Wallet, string, error) {
	return createFromSeed(path, prefix, "", seed, passphrase)
}

func create(path, prefix, genesis string, passphrase []byte) (*Wallet, string, error) {
	seed, err := hdkeychain.GenerateSeed(SeedSize)
	if err != nil {
		return nil, "", fmt.Errorf("wallet: seed: %w", err)
	}
	return createFromSeed(path, prefix, genesis, seed, passphrase)
}

func createFromSeed(path, prefix, genesis string, seed, passphrase []byte) (*Wallet, string, error) {
	if !chain.ValidAddressPrefix(prefix) {
		return nil, "", fmt.Errorf("wallet: %q is not an address prefix (1-30 lowercase bech32 characters)", prefix)
	}
	if len(seed) < hdkeychain.MinSeedBytes || len(seed) > hdkeychain.MaxSeedBytes {
		return nil, "", fmt.Errorf("wallet: seed of %d bytes, want %d to %d", len(seed), hdkeychain.MinSeedBytes, hdkeychain.MaxSeedBytes)
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, "", fmt.Errorf("%w: %s (refusing to overwrite it)", ErrWalletExists, path)
	}
	keys, err := newKeyChain(seed)
	if err != nil {
		return nil, "", err
	}
	blob, err := sealSeed(seed, passphrase)
	if err != nil {
		return nil, "", err
	}
	w := &Wallet{
		path: path,
		keys: keys,
		file: walletFile{
			Format:        fileFormat,
			Version:       fileVersion,
			Encrypted:     len(passphrase) > 0,
			AddressPrefix: prefix,
			GenesisHash:   genesis,
			Seed:          blob,
			Derivation:    DerivationPath,
			Addresses:     []addrRecord{},
			Pending:       []pendingRecord{},
		},
		index: map[chain.Address]int{},
	}
	rec, addr, err := w.deriveNext(false)
	if err != nil {
		return nil, "", err
	}
	w.addRecord(rec, addr)
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", fmt.Errorf("wallet: %w", err)
		}
	}
	if err := w.write(true); err != nil {
		return nil, "", err
	}
	return w, rec.Address, nil
}

// Open reads the wallet at path. An encrypted wallet needs its passphrase
// (ErrPassphraseRequired without one, ErrWrongPassphrase when it does not
// decrypt the seed); an unencrypted one ignores it. Every stored address is
// checked against the seed.
func Open(path string, passphrase []byte) (*Wallet, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := openSeed(f, passphrase)
	if err != nil {
		return nil, err
	}
	keys, err := newKeyChain(seed)
	if err != nil {
		return nil, err
	}
	if !chain.ValidAddressPrefix(f.AddressPrefix) {
		return nil, fmt.Errorf("%w: address prefix %q", ErrCorrupt, f.AddressPrefix)
	}
	if f.Derivation != DerivationPath {
		return nil, fmt.Errorf("%w: derivation %q, this wallet derives %q", ErrCorrupt, f.Derivation, DerivationPath)
	}
	if f.GenesisHash != "" {
		if _, err := chain.ParseHash(f.GenesisHash); err != nil {
			return nil, fmt.Errorf("%w: genesis hash: %v", ErrCorrupt, err)
		}
	}
	if len(f.Addresses) == 0 {
		return nil, fmt.Errorf("%w: no addresses", ErrCorrupt)
	}
	w := &Wallet{path: path, file: *f, keys: keys, index: map[chain.Address]int{}}
	if w.file.Pending == nil {
		w.file.Pending = []pendingRecord{}
	}
	for i, rec := range f.Addresses {
		if i > 0 && rec.Index <= f.Addresses[i-1].Index {
			return nil, fmt.Errorf("%w: address indexes out of order", ErrCorrupt)
		}
		want, err := keys.address(rec.Index)
		if err != nil {
			return nil, fmt.Errorf("%w: address %d: %v", ErrCorrupt, rec.Index, err)
		}
		got, err := chain.DecodeAddress(rec.Address, f.AddressPrefix)
		if err != nil || got != want {
			return nil, fmt.Errorf("%w: address %d (%s) does not derive from the seed", ErrCorrupt, rec.Index, rec.Address)
		}
		w.index[want] = i
	}
	for _, p := range w.file.Pending {
		if _, err := chain.ParseHash(p.TxID); err != nil {
			return nil, fmt.Errorf("%w: pending transaction: %v", ErrCorrupt, err)
		}
		for _, s := range p.Spends {
			if _, err := chain.ParseHash(s.TxID); err != nil {
				return nil, fmt.Errorf("%w: pending transaction %s: %v", ErrCorrupt, p.TxID, err)
			}
		}
	}
	return w, nil
}

// Path returns the wallet file's path.
func (w *Wallet) Path() string { return w.path }

// Encrypted reports whether the seed is encrypted in the file.
func (w *Wallet) Encrypted() bool { return w.file.Encrypted }

// Prefix returns the address prefix of the wallet's chain.
func (w *Wallet) Prefix() string { return w.file.AddressPrefix }

// GenesisHash returns the genesis hash of the wallet's chain, and false
// while it is not known yet (created offline, no node reached since).
func (w *Wallet) GenesisHash() (chain.Hash, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.genesis()
}

func (w *Wallet) genesis() (chain.Hash, bool) {
	if w.file.GenesisHash == "" {
		return chain.Hash{}, false
	}
	h, err := chain.ParseHash(w.file.GenesisHash)
	return h, err == nil
}

// NewAddress derives the next receiving address, saves it and returns it.
func (w *Wallet) NewAddress() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rec, addr, err := w.deriveNext(false)
	if err != nil {
		return "", err
	}
	before := w.snapshot()
	w.addRecord(rec, addr)
	if err := w.save(); err != nil {
		w.restore(before)
		return "", err
	}
	return rec.Address, nil
}

// Addresses returns every address of the wallet, receiving and change, in
// derivation order; the first is Create's.
func (w *Wallet) Addresses() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, len(w.file.Addresses))
	for i, r := range w.file.Addresses {
		out[i] = r.Address
	}
	return out
}

// AddressInfos returns the wallet's addresses with their indexes and kinds.
func (w *Wallet) AddressInfos() []AddressInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]AddressInfo, len(w.file.Addresses))
	for i, r := range w.file.Addresses {
		out[i] = AddressInfo{Index: r.Index, Address: r.Address, Change: r.Change}
	}
	return out
}

// ParseAddress decodes s as an address of the wallet's chain. Errors wrap
// chain.ErrAddressEncoding (bad characters, checksum, bech32 instead of
// bech32m, length) or chain.ErrAddressPrefix (another chain's address).
func (w *Wallet) ParseAddress(s string) (chain.Address, error) {
	a, err := chain.DecodeAddress(s, w.file.AddressPrefix)
	if err == nil {
		return a, nil
	}
	if errors.Is(err, chain.ErrAddressPrefix) {
		return a, &addressError{fmt.Sprintf("address %s is for another chain (this wallet's chain uses prefix %q)", s, w.file.AddressPrefix), err}
	}
	// chain's message repeats the address; keep the reason only.
	why := strings.TrimPrefix(err.Error(), fmt.Sprintf("%v %q: ", chain.ErrAddressEncoding, s))
	if strings.Contains(why, "invalid checksum") {
		why = "invalid checksum (mistyped?)"
	}
	return a, &addressError{fmt.Sprintf("bad address %q: %s", s, why), err}
}

// addressError is a readable address error that still matches chain's
// errors with errors.Is.
type addressError struct {
	msg string
	err error
}

func (e *addressError) Error() string { return e.msg }
func (e *addressError) Unwrap() error { return e.err }

// deriveNext derives the address after the last one, without recording it.
func (w *Wallet) deriveNext(change bool) (addrRecord, chain.Address, error) {
	var from uint32
	if n := len(w.file.Addresses); n > 0 {
		from = w.file.Addresses[n-1].Index + 1
	}
	i, addr, err := w.keys.nextAddress(from)
	if err != nil {
		return addrRecord{}, addr, err
	}
	return addrRecord{Index: i, Address: addr.Encode(w.file.AddressPrefix), Change: change}, addr, nil
}

func (w *Wallet) addRecord(rec addrRecord, addr chain.Address) {
	w.file.Addresses = append(w.file.Addresses, rec)
	w.index[addr] = len(w.file.Addresses) - 1
}

// keyFor returns the private key of one of the wallet's addresses.
func (w *Wallet) keyFor(a chain.Address) (*btcec.PrivateKey, error) {
	pos, ok := w.index[a]
	if !ok {
		return nil, fmt.Errorf("wallet: address %s is not the wallet's", a.Encode(w.file.AddressPrefix))
	}
	return w.keys.privKey(w.file.Addresses[pos].Index)
}

// owns reports whether a is one of the wallet's addresses.
func (w *Wallet) owns(a chain.Address) bool {
	_, ok := w.index[a]
	return ok
}

// state is what a failed operation rolls back to.
type state struct {
	addresses []addrRecord
	pending   []pendingRecord
	genesis   string
}

func (w *Wallet) snapshot() state {
	return state{slices.Clone(w.file.Addresses), slices.Clone(w.file.Pending), w.file.GenesisHash}
}

func (w *Wallet) restore(s state) {
	w.file.Addresses, w.file.Pending, w.file.GenesisHash = s.addresses, s.pending, s.genesis
	w.index = make(map[chain.Address]int, len(s.addresses))
	for i, r := range s.addresses {
		if a, err := chain.DecodeAddress(r.Address, w.file.AddressPrefix); err == nil {
			w.index[a] = i
		}
	}
}

// save writes the wallet back to its file, unless another process saved
// the file since this one read it (ErrConcurrentUpdate).
func (w *Wallet) save() error {
	onDisk, err := readFile(w.path)
	if err != nil {
		return err
	}
	if onDisk.Generation != w.file.Generation {
		return fmt.Errorf("%w (%s)", ErrConcurrentUpdate, w.path)
	}
	w.file.Generation++
	if err := w.write(false); err != nil {
		w.file.Generation--
		return err
	}
	return nil
}

func (w *Wallet) write(noClobber bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&w.file); err != nil {
		return fmt.Errorf("wallet: encode: %w", err)
	}
	return writeFileAtomic(w.path, buf.Bytes(), noClobber)
}

// PendingTx is a transaction the wallet sent that it has not seen
// confirmed yet; the outputs it spends are not offered to coin selection.
type PendingTx struct {
	TxID   chain.Hash
	To     string
	Amount int64
	Fee    int64
	Change int64 // 0: no change output
	Spends []chain.OutPoint
}

// Pending returns the wallet's record of pending spends, oldest first, as of
// the last sync.
func (w *Wallet) Pending() []PendingTx {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]PendingTx, 0, len(w.file.Pending))
	for _, p := range w.file.Pending {
		txid, _ := chain.ParseHash(p.TxID)
		pt := PendingTx{TxID: txid, To: p.To, Amount: p.Amount, Fee: p.Fee}
		if p.Change != nil {
			pt.Change = p.Change.Amount
		}
		for _, s := range p.Spends {
			h, _ := chain.ParseHash(s.TxID)
			pt.Spends = append(pt.Spends, chain.OutPoint{TxID: h, Index: s.Vout})
		}
		out = append(out, pt)
	}
	return out
}
