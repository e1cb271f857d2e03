package chain_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/devchain/devchain/chain"
)

// TestHashDisplayOrder checks that String prints the bytes reversed, as
// Bitcoin displays hashes, and that ParseHash and the text marshalling
// invert it.
func TestHashDisplayOrder(t *testing.T) {
	var h chain.Hash
	for i := range h {
		h[i] = byte(i)
	}
	const want = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"
	if got := h.String(); got != want {
		t.Fatalf("String() = %s, want %s", got, want)
	}
	if got := mustParseHash(t, want); got != h {
		t.Errorf("ParseHash(String()) = %x, want %x", got[:], h[:])
	}
	if got := mustParseHash(t, strings.ToUpper(want)); got != h {
		t.Errorf("ParseHash of upper-case hex = %x, want %x", got[:], h[:])
	}

	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if string(js) != `"`+want+`"` {
		t.Errorf("json.Marshal = %s, want the display form", js)
	}
	var back chain.Hash
	if err := json.Unmarshal(js, &back); err != nil || back != h {
		t.Errorf("json.Unmarshal(%s) = %x, %v; want %x", js, back[:], err, h[:])
	}
}

// TestParseHashErrors checks that malformed hash strings are refused.
func TestParseHashErrors(t *testing.T) {
	valid := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"one digit short", valid[1:]},
		{"one byte short", valid[2:]},
		{"one byte long", valid + "ab"},
		{"non-hex digit", "zz" + valid[2:]},
		{"0x prefix", "0x" + valid[2:]},
		{"space", " " + valid[1:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := chain.ParseHash(tt.in); err == nil {
				t.Errorf("ParseHash(%q) = %s, want an error", tt.in, h)
			}
			var h chain.Hash
			if err := h.UnmarshalText([]byte(tt.in)); err == nil {
				t.Errorf("UnmarshalText(%q) succeeded, want an error", tt.in)
			}
		})
	}
}

// TestMerkleRootSmall checks the edge cases of the tree: no txids, one txid
// (the root is the txid), two, and three (the odd last hash is paired with
// itself, so [a b c] and [a b c c] share a root: the CVE-2012-2459 mutation
// that consensus must refuse through its duplicate-txid rule).
func TestMerkleRootSmall(t *testing.T) {
	a := chain.DoubleSHA256([]byte("a"))
	b := chain.DoubleSHA256([]byte("b"))
	c := chain.DoubleSHA256([]byte("c"))
	pair := func(x, y chain.Hash) chain.Hash {
		return chain.DoubleSHA256(append(x[:], y[:]...))
	}

	tests := []struct {
		name  string
		txids []chain.Hash
		want  chain.Hash
	}{
		{"none", nil, chain.ZeroHash},
		{"one", []chain.Hash{a}, a},
		{"two", []chain.Hash{a, b}, pair(a, b)},
		{"three", []chain.Hash{a, b, c}, pair(pair(a, b), pair(c, c))},
		{"three with last repeated", []chain.Hash{a, b, c, c}, pair(pair(a, b), pair(c, c))},
		{"five", []chain.Hash{a, b, c, a, b}, pair(pair(pair(a, b), pair(c, a)), pair(pair(b, b), pair(b, b)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]chain.Hash(nil), tt.txids...)
			if got := chain.MerkleRoot(tt.txids); got != tt.want {
				t.Errorf("MerkleRoot = %s, want %s", got, tt.want)
			}
			for i := range in {
				if in[i] != tt.txids[i] {
					t.Fatalf("MerkleRoot modified its input at %d", i)
				}
			}
		})
	}
}
