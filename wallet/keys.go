package wallet

import (
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/devchain/devchain/chain"
)

// DerivationPath is where the wallet's keys live under the HD seed: the
// shape of BIP86's first account, m/86'/0'/0'/0/i. Receiving and change
// addresses share the one chain of indexes; the file says which is which.
// The address is the untweaked x-only key (chain.AddressFromPubKey), so it
// equals BIP86's "internal_key" for the same seed and index.
const DerivationPath = "m/86'/0'/0'/0/i"

// accountPath is DerivationPath without its last, per-address, step.
var accountPath = []uint32{
	hdkeychain.HardenedKeyStart + 86,
	hdkeychain.HardenedKeyStart + 0,
	hdkeychain.HardenedKeyStart + 0,
	0,
}

// SeedSize is the length of a new wallet's HD seed (256 bits).
const SeedSize = hdkeychain.RecommendedSeedLen

// keyChain derives the wallet's keys from its seed.
type keyChain struct {
	branch *hdkeychain.ExtendedKey // m/86'/0'/0'/0, private
}

// newKeyChain derives the branch key of seed. The extended key's version
// bytes are mainnet's: they are never serialized, so they do not matter.
func newKeyChain(seed []byte) (*keyChain, error) {
	k, err := hdkeychain.NewMaster(seed, &chaincfg.MainNetParams)
	if err != nil {
		return nil, fmt.Errorf("wallet: master key: %w", err)
	}
	for _, i := range accountPath {
		if k, err = k.Derive(i); err != nil {
			return nil, fmt.Errorf("wallet: derive %s: %w", DerivationPath, err)
		}
	}
	return &keyChain{branch: k}, nil
}

// privKey returns the private key at index i. hdkeychain.ErrInvalidChild
// (probability below 2^-127) is returned as is; callers skip that index.
func (kc *keyChain) privKey(i uint32) (*btcec.PrivateKey, error) {
	if i >= hdkeychain.HardenedKeyStart {
		return nil, fmt.Errorf("wallet: address index %d out of range", i)
	}
	child, err := kc.branch.Derive(i)
	if err != nil {
		return nil, err
	}
	return child.ECPrivKey()
}

// address returns the address at index i.
func (kc *keyChain) address(i uint32) (chain.Address, error) {
	priv, err := kc.privKey(i)
	if err != nil {
		return chain.Address{}, err
	}
	return chain.AddressFromPubKey(priv.PubKey()), nil
}

// nextAddress returns the first usable index at or after from and its
// address, skipping the (astronomically rare) indexes BIP32 declares
// invalid.
func (kc *keyChain) nextAddress(from uint32) (uint32, chain.Address, error) {
	for i := from; i < hdkeychain.HardenedKeyStart; i++ {
		a, err := kc.address(i)
		if err == hdkeychain.ErrInvalidChild {
			continue
		}
		return i, a, err
	}
	return 0, chain.Address{}, fmt.Errorf("wallet: no address index left")
}
