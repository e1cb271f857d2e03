package miner

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
	"math"
	"sync/atomic"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// checkInterval is how many nonces the search tries between looks at its
// stop condition: ~0.7 ms at 6 MH/s, so a stop or Notify is honoured
// promptly while the check costs nothing measurable.
const checkInterval = 4096

// target is a 256-bit proof-of-work target as four 64-bit words, least
// significant first: word i holds bytes 8i..8i+7 of the little-endian number
// a block hash is read as.
type target [4]uint64

// targetFromBits expands compact bits. ok is false for a target that is not
// positive (no hash can meet it); a target wider than 256 bits is clamped to
// 2^256-1 (every hash meets it; consensus refuses it as above the pow limit).
func targetFromBits(bits uint32) (t target, ok bool) {
	n := consensus.CompactToBig(bits)
	if n.Sign() <= 0 {
		return t, false
	}
	if n.BitLen() > 256 {
		return target{math.MaxUint64, math.MaxUint64, math.MaxUint64, math.MaxUint64}, true
	}
	var be [32]byte
	n.FillBytes(be[:])
	for i := range t {
		t[i] = binary.BigEndian.Uint64(be[32-8*(i+1):])
	}
	return t, true
}

// meets reports whether h, read as a little-endian 256-bit number, is at or
// below t: compared from the most significant word (the last 8 bytes) down.
func (t *target) meets(h *[32]byte) bool {
	for i := 3; i >= 0; i-- {
		w := binary.LittleEndian.Uint64(h[8*i:])
		if w != t[i] {
			return w < t[i]
		}
	}
	return true
}

// searcher hashes one header template for many nonces with the SHA-256
// midstate of its first 64 bytes. Its buffers are allocated once, so trying
// a nonce allocates nothing. Not safe for concurrent use.
type searcher struct {
	d      hash.Hash
	um     encoding.BinaryUnmarshaler
	hdr    [chain.HeaderSize]byte
	mid    []byte // marshaled SHA-256 state after the first 64 header bytes
	tail   []byte // header bytes 64..79: end of the Merkle root, time, bits, nonce
	sum    []byte // first SHA-256, reused (capacity 32)
	target target
	ok     bool // target is positive
}

func newSearcher() *searcher {
	d := sha256.New()
	um, ok := d.(encoding.BinaryUnmarshaler)
	if !ok {
		panic("miner: crypto/sha256 digest does not implement encoding.BinaryUnmarshaler")
	}
	return &searcher{d: d, um: um, tail: make([]byte, chain.HeaderSize-64), sum: make([]byte, 0, sha256.Size)}
}

// reset prepares the search of header h: the midstate of its first 64 bytes
// and its target.
func (s *searcher) reset(h *chain.BlockHeader) {
	copy(s.hdr[:], h.Serialize())
	s.d.Reset()
	s.d.Write(s.hdr[:64])
	mid, err := s.d.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("miner: marshaling the SHA-256 state: " + err.Error())
	}
	s.mid = mid
	if err := s.um.UnmarshalBinary(s.mid); err != nil {
		panic("miner: restoring the SHA-256 state: " + err.Error())
	}
	copy(s.tail, s.hdr[64:])
	s.target, s.ok = targetFromBits(h.Bits)
}

// hash returns the block hash of the header with nonce: the midstate
// restored, the last 16 bytes written, and the 32-byte digest hashed again.
func (s *searcher) hash(nonce uint32) [32]byte {
	binary.LittleEndian.PutUint32(s.tail[12:], nonce)
	_ = s.um.UnmarshalBinary(s.mid) // validated once in reset
	s.d.Write(s.tail)
	s.sum = s.d.Sum(s.sum[:0])
	return sha256.Sum256(s.sum)
}

// search tries nonces start, start+step, ... up to 2^32-1 (step 0 counts as
// 1). Every checkInterval nonces it calls check with the number of hashes
// done so far and gives up when check returns true. It returns the first
// nonce whose hash meets the target.
func (s *searcher) search(start, step uint32, check func(done uint64) bool) (found bool, nonce uint32, hashes uint64) {
	if !s.ok {
		return false, 0, 0
	}
	if step == 0 {
		step = 1
	}
	next := uint64(checkInterval)
	for n := uint64(start); n <= math.MaxUint32; n += uint64(step) {
		h := s.hash(uint32(n))
		hashes++
		if s.target.meets(&h) {
			return true, uint32(n), hashes
		}
		if hashes == next {
			if check != nil && check(hashes) {
				return false, 0, hashes
			}
			next += checkInterval
		}
	}
	return false, 0, hashes
}

// Solve searches nonces start, start+step, ... for a header hash at or below
// the target of h.Bits, checking stop (which may be nil) before it begins and
// every few thousand nonces after. It returns true with h.Nonce set, or false
// with h unchanged when the nonce space is exhausted, stop became true or the
// bits encode no positive target. hashes is the number of nonces tried. A
// step of 0 counts as 1.
//
// Solve does not check the target against a chain's pow limit; consensus
// does (CheckProofOfWork).
func Solve(h *chain.BlockHeader, start, step uint32, stop *atomic.Bool) (found bool, hashes uint64) {
	if stop != nil && stop.Load() {
		return false, 0
	}
	s := newSearcher()
	s.reset(h)
	var check func(uint64) bool
	if stop != nil {
		check = func(uint64) bool { return stop.Load() }
	}
	found, nonce, hashes := s.search(start, step, check)
	if found {
		h.Nonce = nonce
	}
	return found, hashes
}

// MineOne solves b in the calling goroutine, for RPCs such as
// generatetoaddress: it searches from b.Header.Nonce to the end of the nonce
// space, then bumps the coinbase's extra nonce (SetExtraNonce, which also
// updates the Merkle root) and searches again from 0, until a nonce meets
// the target. It returns true with b solved, or false when stop (which may be
// nil) became true, the bits encode no positive target, or the nonce space
// ran out on a block without a coinbase.
func MineOne(b *chain.Block, stop *atomic.Bool) bool {
	if _, ok := targetFromBits(b.Header.Bits); !ok {
		return false
	}
	start := b.Header.Nonce
	for {
		if found, _ := Solve(&b.Header, start, 1, stop); found {
			return true
		}
		if (stop != nil && stop.Load()) || !hasCoinbase(b) {
			return false
		}
		SetExtraNonce(b, ExtraNonce(b)+1)
		start = 0
	}
}
