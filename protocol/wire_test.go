package protocol

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"github.com/devchain/devchain/chain"
)

func TestStatusRoundTrip(t *testing.T) {
	s := Status{Genesis: chain.Hash{1}, Tip: chain.Hash{2}, Height: 7, Work: big.NewInt(123456789)}
	got, err := DecodeStatus(EncodeStatus(s))
	if err != nil || got.Genesis != s.Genesis || got.Tip != s.Tip || got.Height != 7 || got.Work.Cmp(s.Work) != 0 {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	req := func(b ...byte) func() error { return func() error { _, err := DecodeRequest(b); return err } }
	cases := map[string]func() error{
		"short status":        func() error { _, err := DecodeStatus(make([]byte, 10)); return err },
		"status work too big": func() error { _, err := DecodeStatus(append(make([]byte, 68), 33)); return err },
		"empty request":       req(),
		"status with body":    req(KindStatus, 0),
		"empty getheaders":    req(KindGetHeaders),
		"getheaders no hash":  req(KindGetHeaders, 0, 0, 0),
		"getheaders length":   req(KindGetHeaders, 1, 1, 2),
		"headers length":      func() error { _, err := DecodeHeaders(make([]byte, 81)); return err },
		"short getblocks":     req(KindGetBlocks, 0),
		"getblocks zero":      req(KindGetBlocks, 0, 0),
		"getblocks too many":  req(KindGetBlocks, 0xff, 0xff),
		"unknown kind":        req(9),
	}
	for name, fn := range cases {
		if err := fn(); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s: %v, want ErrBadMessage", name, err)
		}
	}
}

func TestEncodeRequestRefuses(t *testing.T) {
	for _, m := range []Message{GetHeaders{}, GetBlocks{}, Status{}} {
		if _, err := EncodeRequest(m); err == nil {
			t.Errorf("%s encoded", m.Kind())
		}
	}
}

// FuzzDecodeRequest: no request bytes make the decoder panic, and what
// decodes encodes back to the same bytes (a max of 0 reads as the limit).
func FuzzDecodeRequest(f *testing.F) {
	for _, m := range []Message{GetStatus{}, GetHeaders{Locator: []chain.Hash{{1}, {2}}, Max: 10}, GetBlocks{Hashes: []chain.Hash{{3}}}} {
		b, _ := EncodeRequest(m)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeRequest(b)
		if err != nil {
			return
		}
		again, err := EncodeRequest(m)
		if err != nil {
			t.Fatalf("decoded %s does not encode: %v", m.Kind(), err)
		}
		if gh, ok := m.(GetHeaders); ok && gh.Max == MaxHeadersPerMsg {
			return // 0 and anything above the limit read as the limit
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x, want %x", again, b)
		}
	})
}

// FuzzDecodeAnswer: no answer bytes make the decoders panic.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(EncodeStatus(Status{Work: big.NewInt(5)}))
	f.Add(make([]byte, chain.HeaderSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := DecodeStatus(b); err == nil && !bytes.Equal(EncodeStatus(s), b) && s.Work.Sign() != 0 && b[68] == byte(len(s.Work.Bytes())) {
			t.Fatalf("status does not round trip")
		}
		if hs, err := DecodeHeaders(b); err == nil && len(hs)*chain.HeaderSize != len(b) {
			t.Fatalf("%d headers from %d bytes", len(hs), len(b))
		}
	})
}
