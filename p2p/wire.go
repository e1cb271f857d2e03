package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/devchain/devchain/chain"
)

// The sync protocol is request/response, one request per stream: the
// requester writes one request frame and closes its side; the responder
// writes its answer as frames and closes. A frame is a uvarint length and
// that many bytes. Requests start with a kind byte.
const (
	kindStatus     byte = 1 // -> one status frame
	kindGetHeaders byte = 2 // locator, max -> one frame of headers (80 bytes each)
	kindGetBlocks  byte = 3 // hashes -> one frame per hash: the block, or empty when unknown
)

// Protocol limits. A request is small; a response frame holds one block or
// one batch of headers.
const (
	maxLocatorHashes = 64
	maxHeadersPerMsg = 2000
	maxBlocksPerMsg  = 128
	maxRequestBytes  = 1 + 2 + maxBlocksPerMsg*chain.HashSize
	maxStatusBytes   = 2*chain.HashSize + 4 + 1 + 32
)

// ErrBadMessage is wrapped by every decoding error of the sync protocol: the
// peer sent something no honest node sends.
var ErrBadMessage = errors.New("p2p: malformed message")

// Status is what a node tells its peers about its chain.
type Status struct {
	Genesis chain.Hash
	Tip     chain.Hash
	Height  uint32
	Work    *big.Int // cumulative work of the tip
}

func encodeStatus(s Status) []byte {
	b := make([]byte, 0, maxStatusBytes)
	b = append(b, s.Genesis[:]...)
	b = append(b, s.Tip[:]...)
	b = binary.LittleEndian.AppendUint32(b, s.Height)
	work := s.Work.Bytes()
	b = append(b, byte(len(work)))
	return append(b, work...)
}

func decodeStatus(b []byte) (Status, error) {
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

// encodeGetHeaders asks for up to max main-chain headers after the first
// locator hash the responder has on its active chain.
func encodeGetHeaders(locator []chain.Hash, max int) []byte {
	if len(locator) > maxLocatorHashes {
		locator = append(locator[:maxLocatorHashes-1:maxLocatorHashes-1], locator[len(locator)-1])
	}
	b := []byte{kindGetHeaders, byte(len(locator))}
	for _, h := range locator {
		b = append(b, h[:]...)
	}
	return binary.LittleEndian.AppendUint16(b, uint16(max))
}

func decodeGetHeaders(b []byte) (locator []chain.Hash, max int, err error) {
	if len(b) < 1 {
		return nil, 0, fmt.Errorf("%w: empty getheaders", ErrBadMessage)
	}
	n := int(b[0])
	if n == 0 || n > maxLocatorHashes || len(b) != 1+n*chain.HashSize+2 {
		return nil, 0, fmt.Errorf("%w: getheaders with %d hashes in %d bytes", ErrBadMessage, n, len(b))
	}
	locator = make([]chain.Hash, n)
	for i := range locator {
		copy(locator[i][:], b[1+i*chain.HashSize:])
	}
	max = int(binary.LittleEndian.Uint16(b[1+n*chain.HashSize:]))
	if max == 0 || max > maxHeadersPerMsg {
		max = maxHeadersPerMsg
	}
	return locator, max, nil
}

func encodeHeaders(headers []chain.BlockHeader) []byte {
	b := make([]byte, 0, len(headers)*chain.HeaderSize)
	for i := range headers {
		b = append(b, headers[i].Serialize()...)
	}
	return b
}

func decodeHeaders(b []byte) ([]chain.BlockHeader, error) {
	if len(b)%chain.HeaderSize != 0 || len(b)/chain.HeaderSize > maxHeadersPerMsg {
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

func encodeGetBlocks(hashes []chain.Hash) []byte {
	b := binary.LittleEndian.AppendUint16([]byte{kindGetBlocks}, uint16(len(hashes)))
	for _, h := range hashes {
		b = append(b, h[:]...)
	}
	return b
}

func decodeGetBlocks(b []byte) ([]chain.Hash, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("%w: short getblocks", ErrBadMessage)
	}
	n := int(binary.LittleEndian.Uint16(b))
	if n == 0 || n > maxBlocksPerMsg || len(b) != 2+n*chain.HashSize {
		return nil, fmt.Errorf("%w: getblocks with %d hashes in %d bytes", ErrBadMessage, n, len(b))
	}
	hashes := make([]chain.Hash, n)
	for i := range hashes {
		copy(hashes[i][:], b[2+i*chain.HashSize:])
	}
	return hashes, nil
}

// writeFrame writes one length-prefixed frame.
func writeFrame(w io.Writer, payload []byte) error {
	var lenBuf [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(lenBuf[:], uint64(len(payload)))
	if _, err := w.Write(lenBuf[:n]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// readFrame reads one frame of at most max bytes; io.EOF means the stream
// ended cleanly before a frame. Only what the peer sent is ErrBadMessage
// (an overlong length, a frame over max); a stream cut or reset midway
// (a peer that crashed or went away) is a plain error that counts against
// nobody.
func readFrame(r *bufio.Reader, max int) ([]byte, error) {
	var lenBuf [binary.MaxVarintLen64]byte
	i := 0
	for ; ; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if i == 0 {
					return nil, io.EOF
				}
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("p2p: frame length: %w", err)
		}
		lenBuf[i] = b
		if b < 0x80 {
			break
		}
		if i == len(lenBuf)-1 {
			return nil, fmt.Errorf("%w: frame length: varint too long", ErrBadMessage)
		}
	}
	n, k := binary.Uvarint(lenBuf[:i+1])
	if k <= 0 {
		return nil, fmt.Errorf("%w: frame length: varint overflows", ErrBadMessage)
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("%w: frame of %d bytes, limit %d", ErrBadMessage, n, max)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("p2p: frame body: %w", err)
	}
	return buf, nil
}
