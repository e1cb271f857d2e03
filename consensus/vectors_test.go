package consensus_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// bitcoinVectorsPath is the chain package's copy of real Bitcoin mainnet
// headers (heights 0-255 and block 277647).
var bitcoinVectorsPath = filepath.Join("..", "chain", "testdata", "bitcoin-mainnet-blocks.json")

// bitcoinMainPowLimit is Bitcoin mainnet's pow limit, bits 0x1d00ffff.
var bitcoinMainPowLimit = consensus.CompactToBig(0x1d00ffff)

// bitcoinBlockWork is the work of one block at bits 0x1d00ffff: Bitcoin's
// chainwork of block 1 minus that of genesis, 4295032833.
const bitcoinBlockWork = 0x100010001

type bitcoinVector struct {
	Height    int64  `json:"height"`
	Hash      string `json:"hash"`
	Bits      string `json:"bits"`
	HeaderHex string `json:"header_hex"`
}

// loadBitcoinHeaders returns the vector file's chain (heights 0-255) and
// block 277647, each decoded, with its vector.
func loadBitcoinHeaders(tb testing.TB) (chainHeaders []chain.BlockHeader, all []bitcoinVector) {
	tb.Helper()
	data, err := os.ReadFile(bitcoinVectorsPath)
	if err != nil {
		tb.Fatal(err)
	}
	var file struct {
		Chain       []bitcoinVector `json:"chain"`
		Block277647 bitcoinVector   `json:"block_277647"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		tb.Fatalf("%s: %v", bitcoinVectorsPath, err)
	}
	if len(file.Chain) != 256 {
		tb.Fatalf("%s: %d chain blocks, want 256", bitcoinVectorsPath, len(file.Chain))
	}
	for _, v := range file.Chain {
		chainHeaders = append(chainHeaders, decodeVectorHeader(tb, v))
	}
	return chainHeaders, append(file.Chain, file.Block277647)
}

func decodeVectorHeader(tb testing.TB, v bitcoinVector) chain.BlockHeader {
	tb.Helper()
	raw, err := hex.DecodeString(v.HeaderHex)
	if err != nil {
		tb.Fatalf("height %d: header hex: %v", v.Height, err)
	}
	h, err := chain.DecodeBlockHeader(raw)
	if err != nil {
		tb.Fatalf("height %d: %v", v.Height, err)
	}
	if got := h.Hash().String(); got != v.Hash {
		tb.Fatalf("height %d: hash %s, want %s", v.Height, got, v.Hash)
	}
	return h
}

// TestBitcoinProofOfWork checks every real mainnet header against
// mainnet's pow limit, and that the same header with the next nonce fails
// for its hash (a nonce+1 hash meeting the target is a 2^-32 event at these
// difficulties, and the vectors are fixed).
func TestBitcoinProofOfWork(t *testing.T) {
	_, vectors := loadBitcoinHeaders(t)
	for _, v := range vectors {
		t.Run(strconv.FormatInt(v.Height, 10), func(t *testing.T) {
			h := decodeVectorHeader(t, v)
			if want, _ := strconv.ParseUint(v.Bits, 0, 32); h.Bits != uint32(want) {
				t.Fatalf("bits %08x, vector says %s", h.Bits, v.Bits)
			}
			if err := consensus.CheckProofOfWork(&h, bitcoinMainPowLimit); err != nil {
				t.Fatalf("CheckProofOfWork: %v", err)
			}
			h.Nonce++
			if err := consensus.CheckProofOfWork(&h, bitcoinMainPowLimit); !errors.Is(err, consensus.ErrHighHash) {
				t.Fatalf("CheckProofOfWork with nonce+1 = %v, want ErrHighHash", err)
			}
		})
	}
}

// TestBitcoinPowLimitRefusesEasierBits checks that a real header is refused
// as ErrBadTarget when the pow limit is harder than its bits, before its
// hash is looked at.
func TestBitcoinPowLimitRefusesEasierBits(t *testing.T) {
	headers, _ := loadBitcoinHeaders(t)
	harder := consensus.CompactToBig(0x1c00ffff)
	if err := consensus.CheckProofOfWork(&headers[0], harder); !errors.Is(err, consensus.ErrBadTarget) {
		t.Fatalf("CheckProofOfWork(genesis, limit 0x1c00ffff) = %v, want ErrBadTarget", err)
	}
}

func TestCalcWorkBitcoin(t *testing.T) {
	tests := []struct {
		bits uint32
		want *big.Int
	}{
		{0x1d00ffff, big.NewInt(bitcoinBlockWork)}, // 4295032833, Bitcoin's chainwork step at genesis difficulty
		{0x207fffff, big.NewInt(2)},                // regtest: 2^256 / (0x7fffff·2^232 + 1)
		{0, new(big.Int)},                          // no target: no work
		{0x01fedcba, new(big.Int)},                 // negative target: no work
	}
	for _, tt := range tests {
		if got := consensus.CalcWork(tt.bits); got.Cmp(tt.want) != 0 {
			t.Errorf("CalcWork(%#08x) = %#x, want %#x", tt.bits, got, tt.want)
		}
	}
}

// TestBitcoinCumulativeWork sums the work of heights 0-255, all at bits
// 0x1d00ffff: Bitcoin reports chainwork 256 × 0x100010001 at height 255.
func TestBitcoinCumulativeWork(t *testing.T) {
	headers, _ := loadBitcoinHeaders(t)
	total := new(big.Int)
	for _, h := range headers {
		total.Add(total, consensus.CalcWork(h.Bits))
	}
	want := new(big.Int).Mul(big.NewInt(256), big.NewInt(bitcoinBlockWork))
	if total.Cmp(want) != 0 {
		t.Fatalf("cumulative work of heights 0-255 = %#x, want %#x", total, want)
	}
}
