package chain

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/bech32"
)

// AddressSize is the size of an address payload: a BIP340 x-only public key.
const AddressSize = 32

// addressWitnessVersion is the first data symbol of every address. Version 1
// with a 32-byte key is the shape of a Bitcoin taproot address, so addresses
// read like `prefix1p...` and bech32m tooling recognises them.
const addressWitnessVersion = 1

// Address is who may spend an output: the x-only public key whose BIP340
// signature unlocks it. It prints as bech32m with the chain's prefix.
type Address [AddressSize]byte

// Address errors, wrapped with the offending text.
var (
	ErrAddressEncoding = errors.New("chain: invalid address encoding")
	ErrAddressPrefix   = errors.New("chain: address is for another chain")
)

// AddressFromPubKey returns the address paying to pub.
func AddressFromPubKey(pub *btcec.PublicKey) Address {
	var a Address
	copy(a[:], schnorr.SerializePubKey(pub))
	return a
}

// Encode returns the bech32m form of a with the chain's human-readable prefix.
func (a Address) Encode(prefix string) string {
	data, err := bech32.ConvertBits(a[:], 8, 5, true)
	if err != nil {
		panic("chain: converting 32 bytes to 5-bit groups cannot fail: " + err.Error())
	}
	s, err := bech32.EncodeM(prefix, append([]byte{addressWitnessVersion}, data...))
	if err != nil {
		// Only an invalid prefix fails; genesis validation refuses those.
		return "invalid-prefix:" + prefix
	}
	return s
}

// DecodeAddress parses a bech32m address and checks it belongs to the chain
// with the given prefix.
func DecodeAddress(s, prefix string) (Address, error) {
	var a Address
	hrp, data, version, err := bech32.DecodeGeneric(s)
	if err != nil {
		return a, fmt.Errorf("%w %q: %v", ErrAddressEncoding, s, err)
	}
	if hrp != prefix {
		return a, fmt.Errorf("%w: %q has prefix %q, want %q", ErrAddressPrefix, s, hrp, prefix)
	}
	if version != bech32.VersionM {
		return a, fmt.Errorf("%w %q: bech32 checksum, want bech32m", ErrAddressEncoding, s)
	}
	if len(data) == 0 || data[0] != addressWitnessVersion {
		return a, fmt.Errorf("%w %q: want witness version %d", ErrAddressEncoding, s, addressWitnessVersion)
	}
	program, err := bech32.ConvertBits(data[1:], 5, 8, false)
	if err != nil {
		return a, fmt.Errorf("%w %q: %v", ErrAddressEncoding, s, err)
	}
	if len(program) != AddressSize {
		return a, fmt.Errorf("%w %q: payload is %d bytes, want %d", ErrAddressEncoding, s, len(program), AddressSize)
	}
	copy(a[:], program)
	return a, nil
}

// maxAddressPrefixLen is the longest prefix whose addresses still fit
// bech32's 90-character limit, which DecodeAddress enforces: 90 less the
// separator, 53 data characters (witness version and 32 bytes) and the
// 6-character checksum.
const maxAddressPrefixLen = 90 - 1 - (1 + (AddressSize*8+4)/5) - 6

// ValidAddressPrefix reports whether prefix can be a bech32 human-readable
// part of this chain's addresses: 1 to 30 lowercase printable ASCII
// characters (a longer prefix would make every address too long to decode).
func ValidAddressPrefix(prefix string) bool {
	if len(prefix) == 0 || len(prefix) > maxAddressPrefixLen {
		return false
	}
	for _, c := range prefix {
		if c < 33 || c > 126 || (c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
