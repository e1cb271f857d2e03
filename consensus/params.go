package consensus

import (
	"fmt"
	"math"
	"math/big"

	"github.com/devchain/devchain/chain"
)

// Params are a chain's consensus parameters, built from its genesis.json.
// They are passed to whatever needs them, never kept in globals, so one
// process can run chains with different rules side by side.
type Params struct {
	// Genesis is the parsed genesis.json the parameters came from.
	Genesis *chain.Genesis
	// GenesisBlock is the chain's first block, derived from Genesis.
	GenesisBlock *chain.Block
	// GenesisHash is GenesisBlock's hash: the chain's identity.
	GenesisHash chain.Hash

	ChainID       string
	AddressPrefix string

	PowLimit              *big.Int
	PowLimitBits          uint32
	TargetSpacingSeconds  int64
	RetargetInterval      int64 // blocks per retarget window; 0 disables retargeting
	MaxAdjustFactor       int64
	InitialSubsidy        int64 // units
	HalvingInterval       int64 // blocks; 0 never halves
	CoinbaseMaturity      int64 // blocks before a coinbase output may be spent
	MaxBlockBytes         int64
	MaxFutureBlockSeconds int64

	// MaxMoney bounds every amount and every sum of amounts: the allocations
	// plus all subsidies the chain can ever pay (capped so that adding two
	// in-range amounts never overflows).
	MaxMoney int64
}

// maxMoneyCap keeps MaxMoney far enough below MaxInt64 that a + b of two
// in-range amounts cannot overflow.
const maxMoneyCap = math.MaxInt64 / 4

// maxBlockBytesLimit bounds max_block_bytes so that one block fits a gossip
// message budget and one atomic store write.
const maxBlockBytesLimit = 32_000_000

// LoadParams reads a genesis.json file and builds the chain's parameters.
func LoadParams(path string) (*Params, error) {
	g, err := chain.LoadGenesis(path)
	if err != nil {
		return nil, err
	}
	p, err := NewParams(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// NewParams checks the consensus side of a genesis (compact bits and
// limits) and derives the genesis block.
func NewParams(g *chain.Genesis) (*Params, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: field %q: %s", chain.ErrGenesis, field, fmt.Sprintf(format, args...))
	}
	powLimit := CompactToBig(uint32(g.PowLimitBits))
	if powLimit.Sign() <= 0 || powLimit.Cmp(new(big.Int).Lsh(big.NewInt(1), 256)) >= 0 {
		return nil, bad("pow_limit_bits", "0x%08x is not a positive 256-bit target", uint32(g.PowLimitBits))
	}
	target := CompactToBig(uint32(g.Bits))
	if target.Sign() <= 0 {
		return nil, bad("bits", "0x%08x is not a positive target", uint32(g.Bits))
	}
	if target.Cmp(powLimit) > 0 {
		return nil, bad("bits", "target 0x%08x is easier than pow_limit_bits 0x%08x", uint32(g.Bits), uint32(g.PowLimitBits))
	}
	if g.MaxBlockBytes > maxBlockBytesLimit {
		return nil, bad("max_block_bytes", "at most %d, got %d", maxBlockBytesLimit, g.MaxBlockBytes)
	}
	p := &Params{
		Genesis:               g,
		ChainID:               g.ChainID,
		AddressPrefix:         g.AddressPrefix,
		PowLimit:              powLimit,
		PowLimitBits:          uint32(g.PowLimitBits),
		TargetSpacingSeconds:  g.TargetSpacingSeconds,
		RetargetInterval:      g.RetargetIntervalBlocks,
		MaxAdjustFactor:       g.MaxAdjustFactor,
		InitialSubsidy:        g.InitialSubsidy,
		HalvingInterval:       g.HalvingIntervalBlocks,
		CoinbaseMaturity:      g.CoinbaseMaturity,
		MaxBlockBytes:         g.MaxBlockBytes,
		MaxFutureBlockSeconds: g.MaxFutureBlockSeconds,
	}
	supply, err := p.totalSupply()
	if err != nil {
		return nil, err
	}
	p.MaxMoney = supply
	if p.GenesisBlock, err = mineGenesis(g); err != nil {
		return nil, err
	}
	p.GenesisHash = p.GenesisBlock.Hash()
	return p, nil
}

// totalSupply returns allocations plus every subsidy ever paid, capped at
// maxMoneyCap; a chain that never halves gets the cap.
func (p *Params) totalSupply() (int64, error) {
	var total int64
	for i, a := range p.Genesis.Alloc {
		if a.Amount > maxMoneyCap-total { // checked before adding: the sum must not overflow
			total = maxMoneyCap + 1
		} else {
			total += a.Amount
		}
		if total > maxMoneyCap {
			return 0, fmt.Errorf("%w: field \"alloc[%d].amount\": allocations exceed %d units", chain.ErrGenesis, i, int64(maxMoneyCap))
		}
	}
	if p.InitialSubsidy > 0 && p.HalvingInterval == 0 {
		return maxMoneyCap, nil
	}
	for subsidy := p.InitialSubsidy; subsidy > 0; subsidy >>= 1 {
		if subsidy > (maxMoneyCap-total)/p.HalvingInterval {
			return maxMoneyCap, nil
		}
		total += subsidy * p.HalvingInterval
	}
	return total, nil
}

// mineGenesis derives the genesis block: the first nonce from the genesis
// file's nonce (0 when absent) whose hash meets the genesis bits. At devnet
// difficulty that takes a few tries; a chain with a hard genesis target can
// record the nonce in genesis.json to skip the search.
func mineGenesis(g *chain.Genesis) (*chain.Block, error) {
	block, err := g.Block(g.Nonce)
	if err != nil {
		return nil, err
	}
	target := CompactToBig(uint32(g.Bits))
	for {
		hash := block.Header.Hash()
		if HashToBig(hash).Cmp(target) <= 0 {
			return block, nil
		}
		if block.Header.Nonce == math.MaxUint32 {
			return nil, fmt.Errorf("%w: field \"bits\": no nonce from %d meets 0x%08x; change the timestamp", chain.ErrGenesis, g.Nonce, uint32(g.Bits))
		}
		block.Header.Nonce++
	}
}

// Subsidy returns the coinbase subsidy at height: the initial subsidy halved
// every HalvingInterval blocks.
func (p *Params) Subsidy(height uint32) int64 {
	if p.HalvingInterval == 0 {
		return p.InitialSubsidy
	}
	halvings := int64(height) / p.HalvingInterval
	if halvings >= 63 {
		return 0
	}
	return p.InitialSubsidy >> halvings
}
