package reliability

import (
	"context"
	"encoding/hex"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/internal/e2e"
	"github.com/devchain/devchain/internal/hostile"
)

// attack is one kind of hostile behaviour, run from a fresh identity
// against the target node until the target drops the peer (when ban is
// set) or the attack has been sent in full.
type attack struct {
	name string
	ban  bool
	run  func(ctx context.Context, hp *hostile.Peer, to peer.ID, i int) error
}

// peerListed reports whether the node lists id among its peers.
func peerListed(t *testing.T, n *e2e.Proc, id peer.ID) bool {
	t.Helper()
	var peers []struct {
		ID string `json:"peerid"`
	}
	n.Must(&peers, "getpeerinfo")
	for _, p := range peers {
		if p.ID == id.String() {
			return true
		}
	}
	return false
}

// TestHostilePeersAgainstProcesses runs three honest `node run` processes
// and, one identity after another, a hostile peer (internal/hostile)
// connected to the first: garbage gossip, blocks with bad proof of work or
// a bad Merkle root, transactions with bad signatures, a status claiming
// far more work with no headers, headers whose blocks never come, floods of
// sync requests, malformed and oversized requests, floods of orphan blocks
// and orphan transactions, oversized gossip. Each banned identity must be
// dropped and refused; the orphan pools stay at their bounds; the target's
// peak RSS stays bounded; the honest nodes keep converging, with the same
// UTXO set, and none panics.
func TestHostilePeersAgainstProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, params := e2e.WriteGenesis(t, testGenesis())
	root := t.TempDir()
	a := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(root, "a"), Genesis: genesis})
	b := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(root, "b"), Genesis: genesis, Peers: []string{a.Addr()}})
	c := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(root, "c"), Genesis: genesis, Peers: []string{a.Addr(), b.Addr()}})
	honest := []*e2e.Proc{a, b, c}
	defer func() {
		if t.Failed() {
			t.Logf("target log:\n%s", a.Tail(60))
		}
	}()
	b.Must(nil, "generatetoaddress", 15, addr("miner"))
	waitSameTip(t, 30*time.Second, honest...)
	rssStart, _, err := a.MemStatus()
	if err != nil {
		t.Fatal(err)
	}
	var tipHash string
	a.Must(&tipHash, "getbestblockhash")
	tip, _ := chain.ParseHash(tipHash)
	var tipHeader string
	a.Must(&tipHeader, "getblockheader", tipHash, false)

	// template returns a block on the target's tip that the test can break.
	template := func() *chain.Block {
		var tmpl struct {
			Bits string `json:"bits"`
			Time uint32 `json:"curtime"`
			Prev string `json:"previousblockhash"`
			H    uint32 `json:"height"`
		}
		a.Must(&tmpl, "getblocktemplate")
		prev, _ := chain.ParseHash(tmpl.Prev)
		cb := chain.NewCoinbase(tmpl.H, []byte("mallory"), chain.TxOut{Amount: 50 * chain.UnitsPerCoin, Address: chain.Address{7}})
		return &chain.Block{
			Header: chain.BlockHeader{Version: 1, PrevBlock: prev, MerkleRoot: chain.MerkleRoot([]chain.Hash{cb.TxID()}),
				Timestamp: tmpl.Time, Bits: params.PowLimitBits},
			Transactions: []*chain.Transaction{cb},
		}
	}
	// A transaction spending bob's genesis coin with a broken signature.
	badSig := func(i int) []byte {
		tx := pay(t, params, []coin{genesisCoin(params, "bob")}, 1000+int64(i), payee{"mallory", chain.UnitsPerCoin})
		tx.Inputs[0].Signature[5] ^= 0x40
		return tx.Serialize()
	}
	var salt atomic.Uint32
	hugeWork := new(big.Int).Lsh(big.NewInt(1), 200)
	lie := func() hostile.Status {
		return hostile.Status{Genesis: params.GenesisHash, Tip: chain.Hash{0xaa, byte(salt.Add(1))}, Height: 1 << 20, Work: hugeWork}
	}
	attacks := []attack{
		{"garbage gossip", true, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			if i%2 == 0 {
				return hp.Publish(ctx, hp.Blocks, []byte{0xde, 0xad, byte(i), byte(i >> 8)})
			}
			return hp.Publish(ctx, hp.Txs, []byte{0xbe, 0xef, byte(i), byte(i >> 8)})
		}},
		{"bad proof of work", true, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			blk := template()
			blk.Header.Nonce = uint32(i)
			hostile.BreakHeader(&blk.Header, params.PowLimit)
			return hp.Publish(ctx, hp.Blocks, blk.Serialize())
		}},
		{"bad merkle root", true, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			blk := template()
			blk.Header.MerkleRoot = chain.Hash{byte(i), 0x99}
			hostile.MineHeader(&blk.Header, params.PowLimit)
			return hp.Publish(ctx, hp.Blocks, blk.Serialize())
		}},
		{"bad signatures", true, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			return hp.Publish(ctx, hp.Txs, badSig(i))
		}},
		{"more work, no headers", true, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			if i == 0 {
				hp.SetResponder(hostile.Responder{Status: lie, Headers: func([]chain.Hash) []chain.BlockHeader { return nil }})
			}
			// An orphan block makes the target sync with the sender at once.
			return hp.Publish(ctx, hp.Blocks, hostile.OrphanBlock(params, uint64(1000+i), 0).Serialize())
		}},
		{"headers without blocks", true, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			if i == 0 {
				hdr, err := decodeHeaderHex(tipHeader)
				if err != nil {
					return err
				}
				hp.SetResponder(hostile.Responder{Status: lie,
					Headers: func([]chain.Hash) []chain.BlockHeader {
						return hostile.HeaderChain(params, tip, hdr.Timestamp, 50, salt.Add(1))
					},
					Blocks: func([]chain.Hash) [][]byte { return [][]byte{{}} },
				})
			}
			return hp.Publish(ctx, hp.Blocks, hostile.OrphanBlock(params, uint64(2000+i), 0).Serialize())
		}},
		{"sync request flood", true, func(ctx context.Context, hp *hostile.Peer, to peer.ID, i int) error {
			var wg sync.WaitGroup
			for w := 0; w < 24; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
					defer cancel()
					req := hostile.EncodeGetHeaders([]chain.Hash{params.GenesisHash}, 2000)
					if w%2 == 0 {
						req = []byte{hostile.KindStatus}
					}
					_, _ = hp.Request(rctx, to, req, 10)
				}()
			}
			wg.Wait()
			return nil
		}},
		{"malformed requests", true, func(ctx context.Context, hp *hostile.Peer, to peer.ID, i int) error {
			raws := [][]byte{
				{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
				append([]byte{0x80, 0x80, 0x40}, make([]byte, 1024)...), // announces 1 MiB
				{0x01, 0x07},
				{0x03, hostile.KindGetBlocks, 0xff, 0xff},
			}
			rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			err := hp.RawStream(rctx, to, raws[i%len(raws)])
			if errors.Is(err, hostile.ErrRefused) {
				return nil
			}
			return err
		}},
		{"orphan floods", false, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			if i >= 400 {
				return errDone
			}
			if err := hp.Publish(ctx, hp.Blocks, hostile.OrphanBlock(params, uint64(10_000+i), 50_000).Serialize()); err != nil {
				return err
			}
			return hp.Publish(ctx, hp.Txs, hostile.OrphanTx(uint64(i), 200).Serialize())
		}},
		{"oversized gossip", false, func(ctx context.Context, hp *hostile.Peer, _ peer.ID, i int) error {
			if i >= 3 {
				return errDone
			}
			return hp.Publish(ctx, hp.Blocks, make([]byte, 4<<20))
		}},
	}
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			hp, err := hostile.New(params)
			if err != nil {
				t.Fatal(err)
			}
			defer hp.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			to, err := hp.Connect(ctx, a.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if err := hp.WaitTopicPeers(ctx, to); err != nil {
				t.Fatal(err)
			}
			sent := 0
			for ; ctx.Err() == nil; sent++ {
				if err := at.run(ctx, hp, to, sent); errors.Is(err, errDone) {
					break
				} else if err != nil && !strings.Contains(err.Error(), "closed") {
					t.Fatalf("attack: %v", err)
				}
				if at.ban && !hp.Connected(to) && !peerListed(t, a, hp.ID()) {
					break
				}
				if sent%20 == 19 {
					time.Sleep(10 * time.Millisecond) // let gossip deliver
				}
			}
			if at.ban {
				e2e.WaitFor(t, 20*time.Second, "the target to drop the hostile peer", func() bool { return !peerListed(t, a, hp.ID()) })
				rctx, rcancel := context.WithTimeout(context.Background(), 3*time.Second)
				_, _ = hp.Connect(rctx, a.Addr())
				rcancel()
				e2e.WaitFor(t, 10*time.Second, "the banned peer to stay out", func() bool { return !peerListed(t, a, hp.ID()) })
			}
			// The honest nodes go on: c mines, everyone follows.
			c.Must(nil, "generatetoaddress", 2, addr("miner"))
			waitSameTip(t, 30*time.Second, honest...)
			t.Logf("%d messages sent; banned: %v", sent, !peerListed(t, a, hp.ID()))
		})
	}
	var chainInfo struct {
		OrphanBlocks int `json:"orphanblocks"`
	}
	a.Must(&chainInfo, "getblockchaininfo")
	var poolInfo struct {
		Orphans int `json:"orphans"`
		Size    int `json:"size"`
	}
	a.Must(&poolInfo, "getmempoolinfo")
	rss, peak, err := a.MemStatus()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("target: orphan blocks %d, orphan txs %d, mempool %d; RSS %d MiB at start, %d MiB now, peak %d MiB",
		chainInfo.OrphanBlocks, poolInfo.Orphans, poolInfo.Size, rssStart>>20, rss>>20, peak>>20)
	if chainInfo.OrphanBlocks > 100 || poolInfo.Orphans > 100 {
		t.Errorf("orphan pools over their bounds: %d blocks, %d transactions", chainInfo.OrphanBlocks, poolInfo.Orphans)
	}
	if peak > 512<<20 {
		t.Errorf("peak RSS %d MiB", peak>>20)
	}
	waitSameTip(t, 30*time.Second, honest...)
	d0 := txOutSet(t, a)
	for _, n := range honest[1:] {
		if d := txOutSet(t, n); d != d0 {
			t.Fatalf("UTXO sets differ: %+v vs %+v", d0, d)
		}
	}
	mustVerify(t, a)
	noPanic(t, honest...)
}

var errDone = errors.New("attack sent in full")

func decodeHeaderHex(s string) (chain.BlockHeader, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return chain.BlockHeader{}, err
	}
	return chain.DecodeBlockHeader(b)
}
