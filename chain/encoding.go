package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Decoding errors. Every decoder returns one of these (wrapped with context)
// instead of panicking on hostile input.
var (
	ErrShortInput         = errors.New("chain: input too short")
	ErrTrailingBytes      = errors.New("chain: trailing bytes after value")
	ErrNonCanonicalVarInt = errors.New("chain: non-canonical variable-length integer")
	ErrCountExceedsInput  = errors.New("chain: count larger than the remaining input can hold")
)

// appendVarInt appends n as a Bitcoin CompactSize integer.
func appendVarInt(b []byte, n uint64) []byte {
	switch {
	case n < 0xfd:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(n))
	case n <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 0xfe), uint32(n))
	default:
		return binary.LittleEndian.AppendUint64(append(b, 0xff), n)
	}
}

// varIntSize returns the encoded size of n as a CompactSize integer.
func varIntSize(n uint64) int {
	switch {
	case n < 0xfd:
		return 1
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	default:
		return 9
	}
}

// reader consumes a byte slice front to back. The first error sticks: later
// reads return zero values, so decoders check err once at the end of a step.
type reader struct {
	buf []byte
	off int
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

// next returns the next n bytes, or nil after recording ErrShortInput.
func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.remaining() < n {
		r.fail(fmt.Errorf("%w: need %d bytes at offset %d, have %d", ErrShortInput, n, r.off, r.remaining()))
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) uint32() uint32 {
	b := r.next(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) uint64() uint64 {
	b := r.next(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *reader) hash() Hash {
	var h Hash
	copy(h[:], r.next(HashSize))
	return h
}

// varInt reads a CompactSize integer and refuses non-minimal encodings, which
// would give one value two serializations (and one transaction two txids).
func (r *reader) varInt() uint64 {
	b := r.next(1)
	if b == nil {
		return 0
	}
	var n, min uint64
	switch b[0] {
	case 0xfd:
		if v := r.next(2); v != nil {
			n, min = uint64(binary.LittleEndian.Uint16(v)), 0xfd
		}
	case 0xfe:
		if v := r.next(4); v != nil {
			n, min = uint64(binary.LittleEndian.Uint32(v)), 0x10000
		}
	case 0xff:
		if v := r.next(8); v != nil {
			n, min = binary.LittleEndian.Uint64(v), 0x100000000
		}
	default:
		return uint64(b[0])
	}
	if r.err == nil && n < min {
		r.fail(fmt.Errorf("%w: %d at offset %d", ErrNonCanonicalVarInt, n, r.off))
		return 0
	}
	return n
}

// count reads a CompactSize element count and checks that the remaining input
// could hold that many elements of at least minSize bytes each, so a forged
// count can never make a decoder allocate more than the input justifies.
func (r *reader) count(minSize int) int {
	n := r.varInt()
	if r.err != nil {
		return 0
	}
	if n > uint64(r.remaining()/minSize) {
		r.fail(fmt.Errorf("%w: %d elements of at least %d bytes, %d bytes left", ErrCountExceedsInput, n, minSize, r.remaining()))
		return 0
	}
	return int(n)
}

// finish returns the sticky error, or ErrTrailingBytes if input is left over.
func (r *reader) finish() error {
	if r.err != nil {
		return r.err
	}
	if r.remaining() != 0 {
		return fmt.Errorf("%w: %d bytes", ErrTrailingBytes, r.remaining())
	}
	return nil
}
