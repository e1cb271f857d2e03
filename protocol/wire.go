package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/devchain/devchain/chain"
)

// The wire format of the requests and their answers, as the libp2p driver
// sends them (one request per stream; see package p2p for the framing).
// A request starts with a kind byte:
//
//	status:      kind 1
//	get-headers: kind 2, locator count (1 byte), locator hashes, max (uint16 LE)
//	get-blocks:  kind 3, count (uint16 LE), hashes
//
// A status answer is genesis, tip, height (uint32 LE), the work's byte
// length and big-endian bytes; a headers answer is 80-byte headers end to
// end; blocks are sent one per frame, an empty frame for the first block
// the peer lacks. Gossip carries a block's or a transaction's own
// serialization. Request ids are not sent: the stream pairs an answer with
// its request.
const (
	KindStatus     byte = 1
	KindGetHeaders byte = 2
	KindGetBlocks  byte = 3
)

// MaxStatusBytes and MaxRequestBytes bound the frames of a status answer
// and of any request.
const (
	MaxStatusBytes  = 2*chain.HashSize + 4 + 1 + 32
	MaxRequestBytes = 1 + 2 + MaxBlocksPerMsg*chain.HashSize
)

// ErrBadMessage is wrapped by every decoding error: the peer sent
// something no honest node sends.
var ErrBadMessage = errors.New("protocol: malformed message")

// EncodeRequest encodes a GetStatus, GetHeaders or GetBlocks.
func EncodeRequest(m Message) ([]byte, error) {
	switch m := m.(type) {
	case GetStatus:
		return []byte{KindStatus}, nil
	case GetHeaders:
		locator := m.Locator
		if len(locator) == 0 || len(locator) > MaxLocatorHashes {
			return nil, fmt.Errorf("protocol: get-headers with %d locator hashes", len(locator))
		}
		b := []byte{KindGetHeaders, byte(len(locator))}
		for _, h := range locator {
			b = append(b, h[:]...)
		}
		return binary.LittleEndian.AppendUint16(b, uint16(min(max(m.Max, 0), MaxHeadersPerMsg))), nil
	case GetBlocks:
		if len(m.Hashes) == 0 || len(m.Hashes) > MaxBlocksPerMsg {
			return nil, fmt.Errorf("protocol: get-blocks with %d hashes", len(m.Hashes))
		}
		b := binary.LittleEndian.AppendUint16([]byte{KindGetBlocks}, uint16(len(m.Hashes)))
		for _, h := range m.Hashes {
			b = append(b, h[:]...)
		}
		return b, nil
	}
	return nil, fmt.Errorf("protocol: %s is not a request", m.Kind())
}

// DecodeRequest decodes a request (its ID is zero: the caller sets it).
func DecodeRequest(b []byte) (Message, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty request", ErrBadMessage)
	}
	body := b[1:]
	switch b[0] {
	case KindStatus:
		if len(body) != 0 {
			return nil, fmt.Errorf("%w: status request of %d bytes", ErrBadMessage, len(b))
		}
		return GetStatus{}, nil
	case KindGetHeaders:
		if len(body) < 1 {
			return nil, fmt.Errorf("%w: empty getheaders", ErrBadMessage)
		}
		n := int(body[0])
		if n == 0 || n > MaxLocatorHashes || len(body) != 1+n*chain.HashSize+2 {
			return nil, fmt.Errorf("%w: getheaders with %d hashes in %d bytes", ErrBadMessage, n, len(body))
		}
		m := GetHeaders{Locator: make([]chain.Hash, n)}
		for i := range m.Locator {
			copy(m.Locator[i][:], body[1+i*chain.HashSize:])
		}
		m.Max = int(binary.LittleEndian.Uint16(body[1+n*chain.HashSize:]))
		if m.Max == 0 || m.Max > MaxHeadersPerMsg {
			m.Max = MaxHeadersPerMsg
		}
		return m, nil
	case KindGetBlocks:
		if len(body) < 2 {
			return nil, fmt.Errorf("%w: short getblocks", ErrBadMessage)
		}
		n := int(binary.LittleEndian.Uint16(body))
		if n == 0 || n > MaxBlocksPerMsg || len(body) != 2+n*chain.HashSize {
			return nil, fmt.Errorf("%w: getblocks with %d hashes in %d bytes", ErrBadMessage, n, len(body))
		}
		m := GetBlocks{Hashes: make([]chain.Hash, n)}
		for i := range m.Hashes {
			copy(m.Hashes[i][:], body[2+i*chain.HashSize:])
		}
		return m, nil
	}
	return nil, fmt.Errorf("%w: unknown request kind %d", ErrBadMessage, b[0])
}

// EncodeStatus encodes a status answer.
func EncodeStatus(s Status) []byte {
	b := make([]byte, 0, MaxStatusBytes)
	b = append(b, s.Genesis[:]...)
	b = append(b, s.Tip[:]...)
	b = binary.LittleEndian.AppendUint32(b, s.Height)
	var work []byte
	if s.Work != nil {
		work = s.Work.Bytes()
	}
	b = append(b, byte(len(work)))
	return append(b, work...)
}

// DecodeStatus decodes a status answer.
func DecodeStatus(b []byte) (Status, error) {
	var s Status
	if len(b) < 2*chain.HashSize+5 {
		return s, fmt.Errorf("%w: status of %d bytes", ErrBadMessage, len(b))
	}
	copy(s.Genesis[:], b)
	copy(s.Tip[:], b[chain.HashSize:])
	s.Height = binary.LittleEndian.Uint32(b[2*chain.HashSize:])
	n := int(b[2*chain.HashSize+4])
	rest := b[2*chain.HashSize+5:]
	if n > 32 || len(rest) != n {
		return s, fmt.Errorf("%w: status work of %d bytes, %d present", ErrBadMessage, n, len(rest))
	}
	s.Work = new(big.Int).SetBytes(rest)
	return s, nil
}

// EncodeHeaders encodes a headers answer.
func EncodeHeaders(headers []chain.BlockHeader) []byte {
	b := make([]byte, 0, len(headers)*chain.HeaderSize)
	for i := range headers {
		b = append(b, headers[i].Serialize()...)
	}
	return b
}

// DecodeHeaders decodes a headers answer.
func DecodeHeaders(b []byte) ([]chain.BlockHeader, error) {
	if len(b)%chain.HeaderSize != 0 || len(b)/chain.HeaderSize > MaxHeadersPerMsg {
		return nil, fmt.Errorf("%w: headers message of %d bytes", ErrBadMessage, len(b))
	}
	headers := make([]chain.BlockHeader, len(b)/chain.HeaderSize)
	for i := range headers {
		h, err := chain.DecodeBlockHeader(b[i*chain.HeaderSize : (i+1)*chain.HeaderSize])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadMessage, err)
		}
		headers[i] = h
	}
	return headers, nil
}
