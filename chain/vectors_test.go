package chain_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/devchain/devchain/chain"
)

// bitcoinVectorsPath holds real Bitcoin mainnet headers and txids (heights
// 0-255 and block 277647), copied from ../shared/testdata so that the project
// never reads outside itself at test time.
var bitcoinVectorsPath = filepath.Join("testdata", "bitcoin-mainnet-blocks.json")

// bitcoinBlock is one block of the vector file. Hashes are in display order.
type bitcoinBlock struct {
	Height     int64    `json:"height"`
	Hash       string   `json:"hash"`
	Version    int32    `json:"version"`
	PrevHash   string   `json:"prev_hash"`
	MerkleRoot string   `json:"merkle_root"`
	Time       uint32   `json:"time"`
	Bits       string   `json:"bits"` // "0x1d00ffff"
	Nonce      uint32   `json:"nonce"`
	TxIDs      []string `json:"txids"`
	HeaderHex  string   `json:"header_hex"`
}

type bitcoinVectors struct {
	Chain       []bitcoinBlock `json:"chain"`
	Block277647 bitcoinBlock   `json:"block_277647"`
}

// all returns every block of the file: the chain from genesis, then 277647.
func (v *bitcoinVectors) all() []bitcoinBlock {
	return append(append([]bitcoinBlock(nil), v.Chain...), v.Block277647)
}

func loadBitcoinVectors(tb testing.TB) *bitcoinVectors {
	tb.Helper()
	data, err := os.ReadFile(bitcoinVectorsPath)
	if err != nil {
		tb.Fatal(err)
	}
	var v bitcoinVectors
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("%s: %v", bitcoinVectorsPath, err)
	}
	if len(v.Chain) != 256 || len(v.Block277647.TxIDs) != 213 {
		tb.Fatalf("%s: got %d chain blocks and %d txids in block 277647, want 256 and 213",
			bitcoinVectorsPath, len(v.Chain), len(v.Block277647.TxIDs))
	}
	return &v
}

// TestBitcoinHeaderVectors decodes every real mainnet header and checks each
// field, the re-serialization, the block hash and the hash's text form.
func TestBitcoinHeaderVectors(t *testing.T) {
	for _, b := range loadBitcoinVectors(t).all() {
		t.Run(strconv.FormatInt(b.Height, 10), func(t *testing.T) {
			raw := mustDecodeHex(t, b.HeaderHex)
			h, err := chain.DecodeBlockHeader(raw)
			if err != nil {
				t.Fatalf("DecodeBlockHeader: %v", err)
			}
			bits, err := strconv.ParseUint(b.Bits, 0, 32)
			if err != nil {
				t.Fatalf("bits %q: %v", b.Bits, err)
			}
			if h.Version != b.Version {
				t.Errorf("Version = %d, want %d", h.Version, b.Version)
			}
			if got := h.PrevBlock.String(); got != b.PrevHash {
				t.Errorf("PrevBlock = %s, want %s", got, b.PrevHash)
			}
			if got := h.MerkleRoot.String(); got != b.MerkleRoot {
				t.Errorf("MerkleRoot = %s, want %s", got, b.MerkleRoot)
			}
			if h.Timestamp != b.Time {
				t.Errorf("Timestamp = %d, want %d", h.Timestamp, b.Time)
			}
			if h.Bits != uint32(bits) {
				t.Errorf("Bits = %#08x, want %s", h.Bits, b.Bits)
			}
			if h.Nonce != b.Nonce {
				t.Errorf("Nonce = %d, want %d", h.Nonce, b.Nonce)
			}
			if got := h.Serialize(); !bytes.Equal(got, raw) {
				t.Errorf("Serialize() = %x, want %x", got, raw)
			}
			hash := h.Hash()
			if got := hash.String(); got != b.Hash {
				t.Errorf("Hash() = %s, want %s", got, b.Hash)
			}
			if parsed := mustParseHash(t, b.Hash); parsed != hash {
				t.Errorf("ParseHash(%s) = %x, want the header hash %x", b.Hash, parsed[:], hash[:])
			}
		})
	}
}

// TestBitcoinMerkleRootVectors recomputes each block's Merkle root from its
// displayed txids. Block 277647 has 213 transactions, so several levels of
// its tree have an odd count and duplicate their last hash.
func TestBitcoinMerkleRootVectors(t *testing.T) {
	for _, b := range loadBitcoinVectors(t).all() {
		t.Run(strconv.FormatInt(b.Height, 10), func(t *testing.T) {
			txids := make([]chain.Hash, len(b.TxIDs))
			for i, s := range b.TxIDs {
				txids[i] = mustParseHash(t, s)
			}
			if got := chain.MerkleRoot(txids).String(); got != b.MerkleRoot {
				t.Errorf("MerkleRoot of %d txids = %s, want %s", len(txids), got, b.MerkleRoot)
			}
		})
	}
}

// TestBitcoinChainLinks checks that each header of heights 0-255 names the
// previous height's hash as its parent, and the genesis block the zero hash.
func TestBitcoinChainLinks(t *testing.T) {
	blocks := loadBitcoinVectors(t).Chain
	for i, b := range blocks {
		if b.Height != int64(i) {
			t.Fatalf("block %d has height %d", i, b.Height)
		}
		h, err := chain.DecodeBlockHeader(mustDecodeHex(t, b.HeaderHex))
		if err != nil {
			t.Fatalf("height %d: %v", b.Height, err)
		}
		want := chain.ZeroHash
		if i > 0 {
			want = mustParseHash(t, blocks[i-1].Hash)
		}
		if h.PrevBlock != want {
			t.Errorf("height %d: PrevBlock = %s, want %s", b.Height, h.PrevBlock, want)
		}
	}
}
