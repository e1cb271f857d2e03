package p2p

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/big"
	"testing"
	"testing/iotest"

	"github.com/devchain/devchain/chain"
)

func TestStatusRoundTrip(t *testing.T) {
	s := Status{Genesis: chain.Hash{1}, Tip: chain.Hash{2}, Height: 7, Work: big.NewInt(123456789)}
	got, err := decodeStatus(encodeStatus(s))
	if err != nil || got.Genesis != s.Genesis || got.Tip != s.Tip || got.Height != 7 || got.Work.Cmp(s.Work) != 0 {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := map[string]func() error{
		"short status":        func() error { _, err := decodeStatus(make([]byte, 10)); return err },
		"status work too big": func() error { _, err := decodeStatus(append(make([]byte, 68), 33)); return err },
		"empty getheaders":    func() error { _, _, err := decodeGetHeaders(nil); return err },
		"getheaders no hash":  func() error { _, _, err := decodeGetHeaders([]byte{0, 0, 0}); return err },
		"getheaders length":   func() error { _, _, err := decodeGetHeaders([]byte{1, 1, 2}); return err },
		"headers length":      func() error { _, err := decodeHeaders(make([]byte, 81)); return err },
		"getblocks zero":      func() error { _, err := decodeGetBlocks([]byte{0, 0}); return err },
		"getblocks too many":  func() error { _, err := decodeGetBlocks([]byte{0xff, 0xff}); return err },
	}
	for name, fn := range cases {
		if err := fn(); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s: %v, want ErrBadMessage", name, err)
		}
	}
}

func TestFrameLimit(t *testing.T) {
	var buf bytes.Buffer
	if err := writeFrame(&buf, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := readFrame(bufio.NewReader(&buf), 99); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("oversized frame: %v", err)
	}
}

// FuzzDecodeRequest: no request bytes make the decoders panic, and what
// decodes encodes back to the same bytes.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(encodeGetHeaders([]chain.Hash{{1}, {2}}, 10))
	f.Add(encodeGetBlocks([]chain.Hash{{3}}))
	f.Add([]byte{kindStatus})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		switch b[0] {
		case kindGetHeaders:
			loc, max, err := decodeGetHeaders(b[1:])
			if err == nil && max == int(uint16(max)) && !bytes.Equal(encodeGetHeaders(loc, max), b) && max != maxHeadersPerMsg {
				t.Fatalf("getheaders does not round trip")
			}
		case kindGetBlocks:
			hashes, err := decodeGetBlocks(b[1:])
			if err == nil && !bytes.Equal(encodeGetBlocks(hashes), b) {
				t.Fatalf("getblocks does not round trip")
			}
		}
	})
}

// FuzzDecodeResponse: status and header answers never panic the decoder.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(encodeStatus(Status{Work: big.NewInt(5)}))
	f.Add(make([]byte, 160))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := decodeStatus(b); err == nil && !bytes.Equal(encodeStatus(s), b) && s.Work.Sign() != 0 {
			if len(s.Work.Bytes()) == int(b[2*chain.HashSize+4]) {
				t.Fatalf("status does not round trip")
			}
		}
		if hs, err := decodeHeaders(b); err == nil && !bytes.Equal(encodeHeaders(hs), b) {
			t.Fatalf("headers do not round trip")
		}
		_, _ = readFrame(bufio.NewReader(bytes.NewReader(b)), 1<<20)
	})
}

// TestFrameCutIsNotMalformed: a stream that ends or breaks in the middle
// of a frame's length (a peer killed mid-write) is an I/O error, not a
// malformed message that would get an honest peer banned; an overlong
// length is malformed.
func TestFrameCutIsNotMalformed(t *testing.T) {
	for _, in := range [][]byte{{0x80}, {0xff, 0xff}} {
		_, err := readFrame(bufio.NewReader(bytes.NewReader(in)), 1<<20)
		if err == nil || errors.Is(err, ErrBadMessage) || errors.Is(err, io.EOF) {
			t.Errorf("%x: %v, want an I/O error", in, err)
		}
	}
	broken := io.MultiReader(bytes.NewReader([]byte{0x81}), iotest.ErrReader(errors.New("stream reset")))
	if _, err := readFrame(bufio.NewReader(broken), 1<<20); err == nil || errors.Is(err, ErrBadMessage) {
		t.Errorf("reset mid-length: %v, want an I/O error", err)
	}
	if _, err := readFrame(bufio.NewReader(bytes.NewReader(nil)), 1<<20); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
	overlong := bytes.Repeat([]byte{0xff}, 10)
	if _, err := readFrame(bufio.NewReader(bytes.NewReader(append(overlong, 1))), 1<<20); !errors.Is(err, ErrBadMessage) {
		t.Errorf("overlong length: %v, want ErrBadMessage", err)
	}
}
