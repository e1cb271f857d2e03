package chain

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseGenesis: no genesis.json makes the parser panic, every refusal
// wraps ErrGenesis, and a genesis that parses encodes back to one that
// parses to the same value.
func FuzzParseGenesis(f *testing.F) {
	good := `{"chain_id":"devnet","address_prefix":"dev","timestamp":1767225600,"bits":"0x207fffff",` +
		`"pow_limit_bits":"0x207fffff","target_spacing_seconds":5,"retarget_interval_blocks":20,"max_adjust_factor":4,` +
		`"initial_subsidy":5000000000,"halving_interval_blocks":150,"coinbase_maturity":10,"max_block_bytes":1000000,` +
		`"max_future_block_seconds":7200,"alloc":[]}`
	f.Add([]byte(good))
	f.Add([]byte(strings.Replace(good, `"alloc":[]`, `"alloc":[{"address":"dev1p0h5wsdarhyjtlsp3gwhwp75hf9qh53nr7t83w5zd9z3mee3dsmyshmqsq5","amount":5}]`, 1)))
	f.Add([]byte(strings.Replace(good, `"0x207fffff"`, `545259519`, 1)))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGenesis(data)
		if err != nil {
			if !strings.Contains(err.Error(), ErrGenesis.Error()) {
				t.Fatalf("error does not wrap ErrGenesis: %v", err)
			}
			return
		}
		again, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		g2, err := ParseGenesis(again)
		if err != nil {
			t.Fatalf("re-encoded genesis refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(g, g2) {
			t.Fatalf("round trip changed the genesis: %+v vs %+v", g, g2)
		}
	})
}

// FuzzDecodeAddress: any string and prefix decode without a panic, and a
// decoded address encodes back to the same string (lower case).
func FuzzDecodeAddress(f *testing.F) {
	f.Add("dev1p0h5wsdarhyjtlsp3gwhwp75hf9qh53nr7t83w5zd9z3mee3dsmyshmqsq5", "dev")
	f.Add("DEV1P0H5WSDARHYJTLSP3GWHWP75HF9QH53NR7T83W5ZD9Z3MEE3DSMYSHMQSQ5", "dev")
	f.Add("test1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "test")
	f.Add("1", "")
	f.Fuzz(func(t *testing.T, s, prefix string) {
		a, err := DecodeAddress(s, prefix)
		if err != nil {
			return
		}
		if got := a.Encode(prefix); got != strings.ToLower(s) {
			t.Fatalf("DecodeAddress(%q) encodes back to %q", s, got)
		}
	})
}

// FuzzParseHashAndAmount: hashes and amounts typed by users parse without
// a panic and round-trip.
func FuzzParseHashAndAmount(f *testing.F) {
	f.Add("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
	f.Add("1.5")
	f.Add("-0.00000001")
	f.Add("92233720368.54775807")
	f.Add("1e8")
	f.Fuzz(func(t *testing.T, s string) {
		if h, err := ParseHash(s); err == nil && h.String() != strings.ToLower(s) {
			t.Fatalf("ParseHash(%q) prints as %s", s, h)
		}
		if units, err := ParseAmount(s); err == nil {
			back, err := ParseAmount(FormatAmount(units))
			if err != nil || back != units {
				t.Fatalf("ParseAmount(%q) = %d; FormatAmount gives %q, which parses to %d, %v", s, units, FormatAmount(units), back, err)
			}
		}
	})
}
