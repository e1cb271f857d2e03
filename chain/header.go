package chain

import (
	"encoding/binary"
	"fmt"
)

// HeaderSize is the size of a serialized block header: Bitcoin's 80 bytes.
const HeaderSize = 80

// BlockHeader is Bitcoin's block header. Its double SHA-256 is the block hash
// and the proof of work.
type BlockHeader struct {
	Version    int32
	PrevBlock  Hash // hash of the parent block
	MerkleRoot Hash // Merkle root of the block's txids
	Timestamp  uint32
	Bits       uint32 // compact encoding of the target
	Nonce      uint32
}

// Serialize returns the 80-byte little-endian encoding of the header.
func (h *BlockHeader) Serialize() []byte {
	return h.appendTo(make([]byte, 0, HeaderSize))
}

func (h *BlockHeader) appendTo(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Version))
	b = append(b, h.PrevBlock[:]...)
	b = append(b, h.MerkleRoot[:]...)
	b = binary.LittleEndian.AppendUint32(b, h.Timestamp)
	b = binary.LittleEndian.AppendUint32(b, h.Bits)
	return binary.LittleEndian.AppendUint32(b, h.Nonce)
}

// Hash returns the block hash: SHA-256(SHA-256(header)).
func (h *BlockHeader) Hash() Hash {
	var buf [HeaderSize]byte
	return DoubleSHA256(h.appendTo(buf[:0]))
}

// DecodeBlockHeader decodes exactly 80 bytes into a header. Shorter input
// fails with ErrShortInput, longer with ErrTrailingBytes.
func DecodeBlockHeader(b []byte) (BlockHeader, error) {
	r := reader{buf: b}
	h := r.header()
	if err := r.finish(); err != nil {
		return BlockHeader{}, fmt.Errorf("chain: block header of %d bytes: %w", len(b), err)
	}
	return h, nil
}

func (r *reader) header() BlockHeader {
	return BlockHeader{
		Version:    int32(r.uint32()),
		PrevBlock:  r.hash(),
		MerkleRoot: r.hash(),
		Timestamp:  r.uint32(),
		Bits:       r.uint32(),
		Nonce:      r.uint32(),
	}
}
