package chain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/devchain/devchain/chain"
)

// bech32Address encodes version and program with the given checksum
// variant, to build addresses DecodeAddress must refuse.
func bech32Address(tb testing.TB, prefix string, version byte, program []byte, bech32m bool) string {
	tb.Helper()
	data, err := bech32.ConvertBits(program, 8, 5, true)
	if err != nil {
		tb.Fatal(err)
	}
	encode := bech32.Encode
	if bech32m {
		encode = bech32.EncodeM
	}
	s, err := encode(prefix, append([]byte{version}, data...))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestAddressRoundTrip checks that Encode and DecodeAddress invert each other
// for several keys and prefixes, up to the longest prefix allowed.
func TestAddressRoundTrip(t *testing.T) {
	addrs := []chain.Address{
		chain.AddressFromPubKey(testKey("alice").PubKey()),
		chain.AddressFromPubKey(testKey("bob").PubKey()),
		{},
	}
	for i := range addrs[2] {
		addrs[2][i] = 0xff
	}
	prefixes := []string{"dev", "bc", "a", "tb", "x-1.y", strings.Repeat("z", 30)}
	for _, prefix := range prefixes {
		for _, a := range addrs {
			t.Run(prefix+"/"+a.Encode(prefix), func(t *testing.T) {
				s := a.Encode(prefix)
				if !strings.HasPrefix(s, prefix+"1p") {
					t.Errorf("Encode = %s, want prefix %q then \"1p\" (witness version 1)", s, prefix)
				}
				if want := bech32Address(t, prefix, 1, a[:], true); s != want {
					t.Errorf("Encode = %s, want bech32m %s", s, want)
				}
				got, err := chain.DecodeAddress(s, prefix)
				if err != nil {
					t.Fatalf("DecodeAddress(%s): %v", s, err)
				}
				if got != a {
					t.Errorf("DecodeAddress(Encode(a)) = %x, want %x", got[:], a[:])
				}
				// BIP 173: an all-upper-case string is the same address.
				if got, err := chain.DecodeAddress(strings.ToUpper(s), prefix); err != nil || got != a {
					t.Errorf("DecodeAddress(upper case) = %x, %v; want %x", got[:], err, a[:])
				}
			})
		}
	}
}

// TestDecodeAddressErrors checks that addresses for another chain, with a
// broken or bech32 (not bech32m) checksum, a wrong witness version or a
// wrong payload length are refused, each with its error.
func TestDecodeAddressErrors(t *testing.T) {
	key := chain.AddressFromPubKey(testKey("alice").PubKey())
	valid := key.Encode("dev")
	// changeChar replaces character i with another one of the charset.
	changeChar := func(s string, i int) string {
		c := "q"
		if s[i] == 'q' {
			c = "p"
		}
		return s[:i] + c + s[i+1:]
	}
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"other chain's prefix", key.Encode("bc"), chain.ErrAddressPrefix},
		{"prefix that extends ours", key.Encode("devx"), chain.ErrAddressPrefix},
		{"checksum character changed", changeChar(valid, len(valid)-1), chain.ErrAddressEncoding},
		{"data character changed", changeChar(valid, 10), chain.ErrAddressEncoding},
		{"bech32 checksum", bech32Address(t, "dev", 1, key[:], false), chain.ErrAddressEncoding},
		{"witness version 0", bech32Address(t, "dev", 0, key[:], true), chain.ErrAddressEncoding},
		{"witness version 2", bech32Address(t, "dev", 2, key[:], true), chain.ErrAddressEncoding},
		{"20-byte payload", bech32Address(t, "dev", 1, key[:20], true), chain.ErrAddressEncoding},
		{"31-byte payload", bech32Address(t, "dev", 1, key[:31], true), chain.ErrAddressEncoding},
		{"33-byte payload", bech32Address(t, "dev", 1, append(key[:], 0), true), chain.ErrAddressEncoding},
		{"no data at all", mustEncodeM(t, "dev", nil), chain.ErrAddressEncoding},
		{"empty string", "", chain.ErrAddressEncoding},
		{"no separator", "devqqqqqqqqqqqqqq", chain.ErrAddressEncoding},
		{"mixed case", strings.ToUpper(valid[:5]) + valid[5:], chain.ErrAddressEncoding},
		{"character outside the charset", valid[:8] + "b" + valid[9:], chain.ErrAddressEncoding},
		{"longer than 90 characters", key.Encode(strings.Repeat("d", 31)), chain.ErrAddressEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := chain.DecodeAddress(tt.in, "dev")
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeAddress(%q) = %x, %v; want %v", tt.in, a[:], err, tt.want)
			}
			if a != (chain.Address{}) {
				t.Errorf("DecodeAddress returned %x with its error", a[:])
			}
		})
	}
}

func mustEncodeM(tb testing.TB, prefix string, data []byte) string {
	tb.Helper()
	s, err := bech32.EncodeM(prefix, data)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestValidAddressPrefix checks which human-readable parts a chain may use:
// lowercase printable ASCII, short enough that its addresses stay within
// bech32's 90 characters.
func TestValidAddressPrefix(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		want   bool
	}{
		{"dev", "dev", true},
		{"one character", "a", true},
		{"digits and punctuation", "x-1.y!~", true},
		{"30 characters", strings.Repeat("z", 30), true},
		{"empty", "", false},
		{"upper case", "Dev", false},
		{"space", "d v", false},
		{"non-ASCII", "dév", false},
		{"DEL", "dev\x7f", false},
		{"31 characters", strings.Repeat("z", 31), false},
		{"83 characters", strings.Repeat("z", 83), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chain.ValidAddressPrefix(tt.prefix); got != tt.want {
				t.Errorf("ValidAddressPrefix(%q) = %v, want %v", tt.prefix, got, tt.want)
			}
		})
	}
	// Every prefix the check accepts must give decodable addresses.
	a := chain.AddressFromPubKey(testKey("alice").PubKey())
	for n := 1; n <= 83; n++ {
		prefix := strings.Repeat("p", n)
		if !chain.ValidAddressPrefix(prefix) {
			continue
		}
		if _, err := chain.DecodeAddress(a.Encode(prefix), prefix); err != nil {
			t.Errorf("prefix of %d characters is accepted, but its addresses do not decode: %v", n, err)
		}
	}
}
