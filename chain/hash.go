package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashSize is the size of a Hash in bytes.
const HashSize = 32

// Hash is a SHA-256 based digest (block hash, txid, Merkle root) in internal
// byte order, the order in which it is hashed and serialized.
type Hash [HashSize]byte

// ZeroHash is the all-zero hash: the previous block of the genesis block and
// the transaction id named by a coinbase input.
var ZeroHash Hash

// DoubleSHA256 returns SHA-256(SHA-256(b)), Bitcoin's hash of headers and
// transactions.
func DoubleSHA256(b []byte) Hash {
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}

// String returns the hash in Bitcoin's display order: byte-reversed hex.
func (h Hash) String() string {
	var r Hash
	for i := range h {
		r[i] = h[HashSize-1-i]
	}
	return hex.EncodeToString(r[:])
}

// ParseHash parses a hash in display order, the inverse of String.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("chain: hash %q: want %d hex digits, got %d", s, 2*HashSize, len(s))
	}
	var r Hash
	if _, err := hex.Decode(r[:], []byte(s)); err != nil {
		return h, fmt.Errorf("chain: hash %q: %w", s, err)
	}
	for i := range r {
		h[i] = r[HashSize-1-i]
	}
	return h, nil
}

// IsZero reports whether h is the all-zero hash.
func (h Hash) IsZero() bool { return h == ZeroHash }

// MarshalText encodes the hash in display order, so JSON shows what users see.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses a hash in display order.
func (h *Hash) UnmarshalText(b []byte) error {
	parsed, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}
