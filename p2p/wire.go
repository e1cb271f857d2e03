package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/devchain/devchain/protocol"
)

// The sync protocol is request/response, one request per stream: the
// requester writes one request frame and closes its side; the responder
// writes its answer as frames and closes. A frame is a uvarint length and
// that many bytes; what goes in the frames is protocol's wire format.

// ErrBadMessage is wrapped by every decoding error of the sync protocol: the
// peer sent something no honest node sends.
var ErrBadMessage = protocol.ErrBadMessage

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
