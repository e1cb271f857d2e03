package chain

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Genesis is the content of genesis.json: the chain's parameters and the
// allocations spendable from height 1. Amounts are integers in units
// (1 coin = 100,000,000 units); times are in seconds.
type Genesis struct {
	ChainID                string    `json:"chain_id"`
	AddressPrefix          string    `json:"address_prefix"`
	Timestamp              uint32    `json:"timestamp"`
	Bits                   HexUint32 `json:"bits"`
	PowLimitBits           HexUint32 `json:"pow_limit_bits"`
	TargetSpacingSeconds   int64     `json:"target_spacing_seconds"`
	RetargetIntervalBlocks int64     `json:"retarget_interval_blocks"`
	MaxAdjustFactor        int64     `json:"max_adjust_factor"`
	InitialSubsidy         int64     `json:"initial_subsidy"`
	HalvingIntervalBlocks  int64     `json:"halving_interval_blocks"`
	CoinbaseMaturity       int64     `json:"coinbase_maturity"`
	MaxBlockBytes          int64     `json:"max_block_bytes"`
	MaxFutureBlockSeconds  int64     `json:"max_future_block_seconds"`
	Alloc                  []Alloc   `json:"alloc"`
	// Nonce is where the search for the genesis proof of work starts
	// (optional; 0 when absent).
	Nonce uint32 `json:"nonce,omitempty"`
}

// Alloc is a genesis allocation: Amount units paid to Address.
type Alloc struct {
	Address string `json:"address"`
	Amount  int64  `json:"amount"`
}

// HexUint32 is a uint32 written in JSON as a "0x..." hex string, the way
// compact bits are read by people. Plain JSON numbers are accepted too.
type HexUint32 uint32

// MarshalJSON writes the value as "0x%08x".
func (v HexUint32) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`"0x%08x"`, uint32(v))), nil
}

// UnmarshalJSON reads "0x..." hex strings and plain numbers.
func (v *HexUint32) UnmarshalJSON(b []byte) error {
	s := string(b)
	base := 10
	if unq, err := strconv.Unquote(s); err == nil {
		s, base = strings.TrimPrefix(strings.TrimPrefix(unq, "0x"), "0X"), 16
	}
	n, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return fmt.Errorf("want a 32-bit value like \"0x207fffff\", got %s", b)
	}
	*v = HexUint32(n)
	return nil
}

// ErrGenesis is wrapped by every genesis.json error, which also names the
// field at fault.
var ErrGenesis = errors.New("chain: bad genesis")

// genesisRequired lists the fields every genesis.json must set.
var genesisRequired = []string{
	"chain_id", "address_prefix", "timestamp", "bits", "pow_limit_bits",
	"target_spacing_seconds", "retarget_interval_blocks", "max_adjust_factor",
	"initial_subsidy", "halving_interval_blocks", "coinbase_maturity",
	"max_block_bytes", "max_future_block_seconds", "alloc",
}

// LoadGenesis reads and parses a genesis.json file.
func LoadGenesis(path string) (*Genesis, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("chain: read genesis: %w", err)
	}
	g, err := ParseGenesis(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// ParseGenesis parses genesis.json: every field required, unknown fields
// refused (a typo must not silently fall back to a default), each value
// checked, and the error naming the field at fault.
func ParseGenesis(data []byte) (*Genesis, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrGenesis, err)
	}
	for _, name := range genesisRequired {
		if _, ok := fields[name]; !ok {
			return nil, fmt.Errorf("%w: field %q is missing", ErrGenesis, name)
		}
	}
	// Errors from HexUint32's own UnmarshalJSON do not name their field, so
	// the compact-bits fields are checked one by one first.
	for _, name := range []string{"bits", "pow_limit_bits"} {
		var v HexUint32
		if err := json.Unmarshal(fields[name], &v); err != nil {
			return nil, fmt.Errorf("%w: field %q: %v", ErrGenesis, name, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var g Genesis
	if err := dec.Decode(&g); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fmt.Errorf("%w: field %q: want %s, got %s", ErrGenesis, typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return nil, fmt.Errorf("%w: %v", ErrGenesis, err)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &g, nil
}

// Validate checks the fields that need no consensus arithmetic; package
// consensus checks the compact bits when it builds its parameters.
func (g *Genesis) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: field %q: %s", ErrGenesis, field, fmt.Sprintf(format, args...))
	}
	switch {
	case g.ChainID == "":
		return bad("chain_id", "must not be empty")
	case !ValidAddressPrefix(g.AddressPrefix):
		return bad("address_prefix", "%q is not a bech32 prefix (1-%d lowercase printable characters)", g.AddressPrefix, maxAddressPrefixLen)
	case g.TargetSpacingSeconds <= 0:
		return bad("target_spacing_seconds", "must be positive, got %d", g.TargetSpacingSeconds)
	case g.RetargetIntervalBlocks < 0:
		return bad("retarget_interval_blocks", "must not be negative, got %d", g.RetargetIntervalBlocks)
	case g.RetargetIntervalBlocks > 0 && g.MaxAdjustFactor < 1:
		return bad("max_adjust_factor", "must be at least 1 when retargeting, got %d", g.MaxAdjustFactor)
	case g.InitialSubsidy < 0:
		return bad("initial_subsidy", "must not be negative, got %d", g.InitialSubsidy)
	case g.HalvingIntervalBlocks < 0:
		return bad("halving_interval_blocks", "must not be negative, got %d", g.HalvingIntervalBlocks)
	case g.CoinbaseMaturity < 0:
		return bad("coinbase_maturity", "must not be negative, got %d", g.CoinbaseMaturity)
	case g.MaxBlockBytes < HeaderSize+1+minTxSize:
		return bad("max_block_bytes", "must hold at least a header and a coinbase, got %d", g.MaxBlockBytes)
	case g.MaxFutureBlockSeconds < 0:
		return bad("max_future_block_seconds", "must not be negative, got %d", g.MaxFutureBlockSeconds)
	}
	for i, a := range g.Alloc {
		field := fmt.Sprintf("alloc[%d]", i)
		if _, err := DecodeAddress(a.Address, g.AddressPrefix); err != nil {
			return bad(field+".address", "%v", err)
		}
		if a.Amount <= 0 {
			return bad(field+".amount", "must be positive, got %d", a.Amount)
		}
	}
	return nil
}

// Block returns the genesis block with the given nonce. Its one transaction
// is a coinbase at height 0 paying the allocations; its free data holds the
// SHA-256 of the canonical genesis.json, so chains that differ in any
// parameter have different genesis hashes and their datadirs cannot be mixed
// up. g must be valid.
func (g *Genesis) Block(nonce uint32) (*Block, error) {
	outputs := make([]TxOut, len(g.Alloc))
	for i, a := range g.Alloc {
		addr, err := DecodeAddress(a.Address, g.AddressPrefix)
		if err != nil {
			return nil, fmt.Errorf("%w: alloc[%d]: %v", ErrGenesis, i, err)
		}
		outputs[i] = TxOut{Amount: a.Amount, Address: addr}
	}
	canonical := *g
	canonical.Nonce = 0
	encoded, err := json.Marshal(&canonical)
	if err != nil {
		return nil, fmt.Errorf("chain: encode genesis: %w", err)
	}
	commitment := sha256.Sum256(encoded)
	coinbase := NewCoinbase(0, commitment[:], outputs...)
	return &Block{
		Header: BlockHeader{
			Version:    1,
			MerkleRoot: MerkleRoot([]Hash{coinbase.TxID()}),
			Timestamp:  g.Timestamp,
			Bits:       uint32(g.Bits),
			Nonce:      nonce,
		},
		Transactions: []*Transaction{coinbase},
	}, nil
}
