package chain_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/devchain/devchain/chain"
)

// projectGenesisPath is the devnet genesis.json at the root of the project.
var projectGenesisPath = filepath.Join("..", "genesis.json")

// genesisFields returns the project's genesis.json as a map to break.
func genesisFields(tb testing.TB) map[string]any {
	tb.Helper()
	data, err := os.ReadFile(projectGenesisPath)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestParseProjectGenesis checks that the project's genesis.json parses to
// the values written in it.
func TestParseProjectGenesis(t *testing.T) {
	data, err := os.ReadFile(projectGenesisPath)
	if err != nil {
		t.Fatal(err)
	}
	g, err := chain.ParseGenesis(data)
	if err != nil {
		t.Fatalf("ParseGenesis(%s): %v", projectGenesisPath, err)
	}
	want := chain.Genesis{
		ChainID:                "devnet",
		AddressPrefix:          "dev",
		Timestamp:              1767225600,
		Bits:                   0x207fffff,
		PowLimitBits:           0x207fffff,
		TargetSpacingSeconds:   5,
		RetargetIntervalBlocks: 20,
		MaxAdjustFactor:        4,
		InitialSubsidy:         50 * chain.UnitsPerCoin,
		HalvingIntervalBlocks:  150,
		CoinbaseMaturity:       10,
		MaxBlockBytes:          1_000_000,
		MaxFutureBlockSeconds:  7200,
		Alloc:                  []chain.Alloc{},
	}
	if g.Alloc == nil {
		t.Errorf("Alloc is nil, want the empty list")
	}
	if !reflect.DeepEqual(*g, want) {
		t.Errorf("ParseGenesis = %+v, want %+v", *g, want)
	}

	loaded, err := chain.LoadGenesis(projectGenesisPath)
	if err != nil || !reflect.DeepEqual(loaded, g) {
		t.Errorf("LoadGenesis = %+v, %v; want %+v", loaded, err, *g)
	}
}

// TestParseGenesisWithAllocAndNonce checks a genesis with allocations and
// the optional nonce, and that its block pays the allocations.
func TestParseGenesisWithAllocAndNonce(t *testing.T) {
	alice := chain.AddressFromPubKey(testKey("alice").PubKey())
	bob := chain.AddressFromPubKey(testKey("bob").PubKey())
	m := genesisFields(t)
	m["alloc"] = []map[string]any{
		{"address": alice.Encode("dev"), "amount": 1000 * chain.UnitsPerCoin},
		{"address": bob.Encode("dev"), "amount": 1},
	}
	m["nonce"] = 7
	g, err := chain.ParseGenesis(mustMarshal(t, m))
	if err != nil {
		t.Fatalf("ParseGenesis: %v", err)
	}
	if g.Nonce != 7 || len(g.Alloc) != 2 || g.Alloc[1].Amount != 1 {
		t.Fatalf("ParseGenesis = %+v", *g)
	}

	b, err := g.Block(g.Nonce)
	if err != nil {
		t.Fatalf("Block: %v", err)
	}
	if len(b.Transactions) != 1 || !b.Transactions[0].IsCoinbase() || b.Transactions[0].CoinbaseHeight() != 0 {
		t.Fatalf("genesis block transactions = %+v, want one coinbase at height 0", b.Transactions)
	}
	wantOuts := []chain.TxOut{{Amount: 1000 * chain.UnitsPerCoin, Address: alice}, {Amount: 1, Address: bob}}
	if outs := b.Transactions[0].Outputs; len(outs) != 2 || outs[0] != wantOuts[0] || outs[1] != wantOuts[1] {
		t.Errorf("coinbase outputs = %+v, want %+v", outs, wantOuts)
	}
	h := b.Header
	if h.PrevBlock != chain.ZeroHash || h.Timestamp != g.Timestamp || h.Bits != uint32(g.Bits) || h.Nonce != 7 {
		t.Errorf("genesis header = %+v", h)
	}
	if h.MerkleRoot != chain.MerkleRoot(b.TxIDs()) {
		t.Errorf("genesis Merkle root does not match its coinbase")
	}
}

// TestGenesisBlockCommitsToParameters checks that the genesis block is a
// pure function of genesis.json, and that any parameter change (but not the
// nonce, where the proof-of-work search starts) changes its coinbase.
func TestGenesisBlockCommitsToParameters(t *testing.T) {
	parse := func(m map[string]any) *chain.Genesis {
		t.Helper()
		g, err := chain.ParseGenesis(mustMarshal(t, m))
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	coinbaseID := func(g *chain.Genesis) chain.Hash {
		t.Helper()
		b, err := g.Block(0)
		if err != nil {
			t.Fatal(err)
		}
		return b.Transactions[0].TxID()
	}
	base := coinbaseID(parse(genesisFields(t)))
	if again := coinbaseID(parse(genesisFields(t))); again != base {
		t.Fatalf("same genesis.json gave two genesis coinbases")
	}
	tests := []struct {
		field string
		value any
		same  bool
	}{
		{"chain_id", "othernet", false},
		{"coinbase_maturity", 11, false},
		{"max_future_block_seconds", 7201, false},
		{"nonce", 99, true},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			m := genesisFields(t)
			m[tt.field] = tt.value
			if got := coinbaseID(parse(m)) == base; got != tt.same {
				t.Errorf("changing %s: coinbase unchanged = %v, want %v", tt.field, got, tt.same)
			}
		})
	}
}

// TestParseGenesisErrors breaks genesis.json one field at a time and checks
// that each error wraps ErrGenesis and names the field at fault.
func TestParseGenesisErrors(t *testing.T) {
	validAddr := chain.AddressFromPubKey(testKey("alice").PubKey()).Encode("dev")
	set := func(field string, value any) func(map[string]any) {
		return func(m map[string]any) { m[field] = value }
	}
	tests := []struct {
		name   string
		mutate func(map[string]any)
		field  string // quoted in the error message
	}{
		{"unknown field", set("target_spacing", 5), "target_spacing"},
		{"timestamp is a string", set("timestamp", "abc"), "timestamp"},
		{"timestamp is negative", set("timestamp", -1), "timestamp"},
		{"timestamp is fractional", set("timestamp", 1.5), "timestamp"},
		{"timestamp above 32 bits", set("timestamp", 1<<32), "timestamp"},
		{"bits not hex", set("bits", "0xzz"), "bits"},
		{"bits is a boolean", set("bits", true), "bits"},
		{"pow_limit_bits above 32 bits", set("pow_limit_bits", "0x1ffffffff"), "pow_limit_bits"},
		{"max_block_bytes is a string", set("max_block_bytes", "1000000"), "max_block_bytes"},
		{"chain_id empty", set("chain_id", ""), "chain_id"},
		{"chain_id is a number", set("chain_id", 1), "chain_id"},
		{"address_prefix upper case", set("address_prefix", "DEV"), "address_prefix"},
		{"address_prefix empty", set("address_prefix", ""), "address_prefix"},
		{"address_prefix with a space", set("address_prefix", "d v"), "address_prefix"},
		{"address_prefix too long for addresses", set("address_prefix", strings.Repeat("d", 31)), "address_prefix"},
		{"target_spacing_seconds negative", set("target_spacing_seconds", -5), "target_spacing_seconds"},
		{"target_spacing_seconds zero", set("target_spacing_seconds", 0), "target_spacing_seconds"},
		{"retarget_interval_blocks negative", set("retarget_interval_blocks", -1), "retarget_interval_blocks"},
		{"max_adjust_factor zero while retargeting", set("max_adjust_factor", 0), "max_adjust_factor"},
		{"initial_subsidy negative", set("initial_subsidy", -1), "initial_subsidy"},
		{"halving_interval_blocks negative", set("halving_interval_blocks", -1), "halving_interval_blocks"},
		{"coinbase_maturity negative", set("coinbase_maturity", -1), "coinbase_maturity"},
		{"max_block_bytes below a header and coinbase", set("max_block_bytes", 80), "max_block_bytes"},
		{"max_future_block_seconds negative", set("max_future_block_seconds", -1), "max_future_block_seconds"},
		{"alloc is an object", set("alloc", map[string]any{}), "alloc"},
		{"alloc with a bad address", set("alloc", []map[string]any{
			{"address": "dev1notanaddress", "amount": 1},
		}), "alloc[0].address"},
		{"alloc with another chain's address", set("alloc", []map[string]any{
			{"address": chain.AddressFromPubKey(testKey("alice").PubKey()).Encode("bc"), "amount": 1},
		}), "alloc[0].address"},
		{"alloc with a zero amount", set("alloc", []map[string]any{
			{"address": validAddr, "amount": 5},
			{"address": validAddr, "amount": 0},
		}), "alloc[1].amount"},
		{"alloc with a negative amount", set("alloc", []map[string]any{
			{"address": validAddr, "amount": -1},
		}), "alloc[0].amount"},
		{"alloc amount is a string", set("alloc", []map[string]any{
			{"address": validAddr, "amount": "1"},
		}), "alloc.amount"},
		{"alloc with an unknown field", set("alloc", []map[string]any{
			{"address": validAddr, "amount": 1, "amt": 1},
		}), "amt"},
	}
	// Every required field, missing.
	for _, field := range []string{
		"chain_id", "address_prefix", "timestamp", "bits", "pow_limit_bits",
		"target_spacing_seconds", "retarget_interval_blocks", "max_adjust_factor",
		"initial_subsidy", "halving_interval_blocks", "coinbase_maturity",
		"max_block_bytes", "max_future_block_seconds", "alloc",
	} {
		tests = append(tests, struct {
			name   string
			mutate func(map[string]any)
			field  string
		}{"missing " + field, func(m map[string]any) { delete(m, field) }, field})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := genesisFields(t)
			tt.mutate(m)
			g, err := chain.ParseGenesis(mustMarshal(t, m))
			if !errors.Is(err, chain.ErrGenesis) {
				t.Fatalf("ParseGenesis = %+v, %v; want an error wrapping ErrGenesis", g, err)
			}
			if quoted := `"` + tt.field + `"`; !strings.Contains(err.Error(), quoted) {
				t.Errorf("error %q does not name the field %s", err, quoted)
			}
		})
	}
}

// TestParseGenesisNotAnObject checks that input that is not a JSON object
// is refused with ErrGenesis.
func TestParseGenesisNotAnObject(t *testing.T) {
	for _, in := range []string{"", "{", "[]", "null", `"genesis"`, "{} {}"} {
		if g, err := chain.ParseGenesis([]byte(in)); !errors.Is(err, chain.ErrGenesis) {
			t.Errorf("ParseGenesis(%q) = %+v, %v; want an error wrapping ErrGenesis", in, g, err)
		}
	}
}

// TestLoadGenesisMissingFile checks that a missing file is an error naming
// the path.
func TestLoadGenesisMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.json")
	if _, err := chain.LoadGenesis(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadGenesis(%s) error = %v, want one naming the path", path, err)
	}
}

// TestHexUint32 checks the compact-bits JSON form: "0x..." hex strings and
// plain numbers are read, "0x%08x" is written.
func TestHexUint32(t *testing.T) {
	good := []struct {
		in   string
		want uint32
	}{
		{`"0x207fffff"`, 0x207fffff},
		{`"0X207FFFFF"`, 0x207fffff},
		{`545259519`, 0x207fffff},
		{`"0x1d00ffff"`, 0x1d00ffff},
		{`"0x0"`, 0},
		{`0`, 0},
		{`"0xffffffff"`, 0xffffffff},
		{`4294967295`, 0xffffffff},
	}
	for _, tt := range good {
		t.Run(tt.in, func(t *testing.T) {
			var v chain.HexUint32
			if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
				t.Fatalf("Unmarshal(%s): %v", tt.in, err)
			}
			if uint32(v) != tt.want {
				t.Errorf("Unmarshal(%s) = %#x, want %#x", tt.in, uint32(v), tt.want)
			}
		})
	}
	for _, in := range []string{`"0x100000000"`, `4294967296`, `-1`, `"-0x1"`, `1.5`, `"0xzz"`, `""`, `true`, `null`, `"0x"`} {
		t.Run("bad "+in, func(t *testing.T) {
			var v chain.HexUint32
			if err := json.Unmarshal([]byte(in), &v); err == nil {
				t.Errorf("Unmarshal(%s) = %#x, want an error", in, uint32(v))
			}
		})
	}
	out, err := json.Marshal(chain.HexUint32(0x1d00ffff))
	if err != nil || string(out) != `"0x1d00ffff"` {
		t.Errorf("Marshal(0x1d00ffff) = %s, %v; want \"0x1d00ffff\"", out, err)
	}
}
