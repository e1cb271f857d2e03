package wallet_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/wallet"
)

// encode builds an address-shaped string with the given prefix, witness
// version, payload and checksum variant.
func encode(t *testing.T, prefix string, version byte, payload []byte, bech32m bool) string {
	t.Helper()
	data, err := bech32.ConvertBits(payload, 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	enc := bech32.Encode
	if bech32m {
		enc = bech32.EncodeM
	}
	s, err := enc(prefix, append([]byte{version}, data...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseAddress(t *testing.T) {
	w, first, err := wallet.Create(filepath.Join(t.TempDir(), "w.json"), "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := chain.DecodeAddress(first, "dev")
	if err != nil {
		t.Fatal(err)
	}
	flip := []byte(first)
	last := len(flip) - 1
	if flip[last] == 'q' {
		flip[last] = 'p'
	} else {
		flip[last] = 'q'
	}
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"valid", first, nil},
		{"valid upper case", encodeUpper(first), nil},
		{"bad checksum", string(flip), chain.ErrAddressEncoding},
		{"wrong prefix", a.Encode("tdev"), chain.ErrAddressPrefix},
		{"bech32 instead of bech32m", encode(t, "dev", 1, a[:], false), chain.ErrAddressEncoding},
		{"witness version 0", encode(t, "dev", 0, a[:], true), chain.ErrAddressEncoding},
		{"short payload", encode(t, "dev", 1, a[:20], true), chain.ErrAddressEncoding},
		{"not bech32", "hello", chain.ErrAddressEncoding},
		{"empty", "", chain.ErrAddressEncoding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.ParseAddress(tc.in)
			if tc.want == nil {
				if err != nil || got != a {
					t.Errorf("ParseAddress(%s) = %x, %v", tc.in, got, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("ParseAddress(%s) = %v, want %v", tc.in, err, tc.want)
			}
		})
	}
}

func encodeUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
