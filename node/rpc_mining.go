package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sync/atomic"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/jsonrpc"
	"github.com/devchain/devchain/miner"
)

// GenerateToAddress mines n blocks on the caller's goroutine, each on the
// tip at the time, paying addr (regtest's generatetoaddress). It stops
// early when ctx is cancelled.
func (n *Node) GenerateToAddress(ctx context.Context, count int, addr chain.Address) ([]chain.Hash, error) {
	var stop atomic.Bool
	defer context.AfterFunc(ctx, func() { stop.Store(true) })()
	hashes := make([]chain.Hash, 0, count)
	for len(hashes) < count {
		b, err := n.Template(addr)
		if err != nil {
			return hashes, err
		}
		if !miner.MineOne(b, &stop) {
			return hashes, fmt.Errorf("node: generate: stopped: %w", context.Cause(ctx))
		}
		res, err := n.processBlock(b, fromLocal)
		if err != nil {
			return hashes, fmt.Errorf("node: generated block %s rejected: %w", b.Hash(), err)
		}
		if res.Status != consensus.StatusMainChain {
			continue // the tip moved while mining (a peer's block): mine on the new tip
		}
		hashes = append(hashes, res.Hash)
	}
	return hashes, nil
}

// maxGenerate bounds one generatetoaddress call.
const maxGenerate = 1_000_000

func (s *rpcServer) generateToAddress(ctx context.Context, p *params) (any, error) {
	count, err := p.intRange(0, 0, 0, maxGenerate)
	if err != nil {
		return nil, err
	}
	addr, err := p.address(1, s.node.params.AddressPrefix)
	if err != nil {
		return nil, err
	}
	hashes, err := s.node.GenerateToAddress(ctx, int(count), addr)
	if err != nil {
		return nil, errorf(jsonrpc.CodeMisc, "%v", err)
	}
	return hashes, nil
}

func (s *rpcServer) submitBlock(_ context.Context, p *params) (any, error) {
	raw, err := p.hexBytes(0)
	if err != nil {
		return nil, err
	}
	b, err := chain.DecodeBlock(raw)
	if err != nil {
		return nil, errorf(jsonrpc.CodeDeserialization, "Block decode failed: %v", err)
	}
	if len(b.Transactions) == 0 || !b.Transactions[0].IsCoinbase() {
		return nil, errorf(jsonrpc.CodeDeserialization, "Block does not start with a coinbase")
	}
	n := s.node
	// Like Bitcoin Core, a block whose parent is unknown is refused, not
	// kept: the caller submits the parent first.
	known := false
	n.withEngine(func(e *consensus.Engine) { _, known = e.BlockInfo(b.Header.PrevBlock) })
	if !known {
		return "prev-blk-not-found", nil
	}
	res, err := n.processBlock(b, fromLocal)
	var re *consensus.RuleError
	switch {
	case errors.As(err, &re) && re.Code == consensus.ErrKnownInvalid:
		return "duplicate-invalid", nil
	case errors.As(err, &re):
		return re.Code.Reason(), nil
	case err != nil:
		return nil, err
	case res.Status == consensus.StatusDuplicate:
		return "duplicate", nil
	case res.Status == consensus.StatusOrphan:
		return "inconclusive", nil
	}
	return nil, nil
}

func (s *rpcServer) getBlockTemplate(_ context.Context, p *params) (any, error) {
	n := s.node
	b, err := n.Template(n.payTo)
	if err != nil {
		return nil, err
	}
	height := b.Transactions[0].CoinbaseHeight()
	txs := make([]map[string]any, 0, len(b.Transactions)-1)
	for _, tx := range b.Transactions[1:] {
		txid := tx.TxID()
		var fee int64
		if e, ok := n.pool.Get(txid); ok {
			fee = e.Fee
		}
		txs = append(txs, map[string]any{"data": hex.EncodeToString(tx.Serialize()), "txid": txid, "hash": txid, "fee": fee})
	}
	var value int64
	for _, out := range b.Transactions[0].Outputs {
		value += out.Amount
	}
	tip := n.Tip()
	return map[string]any{
		"version":           b.Header.Version,
		"previousblockhash": b.Header.PrevBlock,
		"height":            height,
		"bits":              fmt.Sprintf("%08x", b.Header.Bits),
		"target":            fmt.Sprintf("%064x", consensus.CompactToBig(b.Header.Bits)),
		"curtime":           b.Header.Timestamp,
		"mintime":           tip.MedianTime + 1,
		"coinbasevalue":     value,
		"sizelimit":         n.params.MaxBlockBytes,
		"transactions":      txs,
	}, nil
}

// networkHashRate estimates hashes per second from the work and time of the
// last (up to) 120 blocks of the active chain.
func (n *Node) networkHashRate() float64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	tip := n.engine.Tip()
	if tip.Height == 0 {
		return 0
	}
	back := min(tip.Height, 120)
	hash, _ := n.engine.MainChainHash(tip.Height - back)
	first, _ := n.engine.BlockInfo(hash)
	span := int64(tip.Header.Timestamp) - int64(first.Header.Timestamp)
	if span <= 0 {
		span = 1
	}
	work := new(big.Float).SetInt(new(big.Int).Sub(tip.ChainWork, first.ChainWork))
	rate, _ := work.Quo(work, big.NewFloat(float64(span))).Float64()
	return rate
}

func (s *rpcServer) getMiningInfo(_ context.Context, p *params) (any, error) {
	n := s.node
	tip := n.Tip()
	return map[string]any{
		"blocks":        tip.Height,
		"difficulty":    difficultyOf(tip.Header.Bits, n.params.PowLimitBits),
		"networkhashps": n.networkHashRate(),
		"pooledtx":      n.pool.Info().Size,
		"chain":         n.params.ChainID,
		"generate":      n.miner.Running(),
		"threads":       n.miner.Threads(),
		"hashespersec":  n.miner.HashesPerSecond(),
		"mineraddress":  minerAddress(n),
	}, nil
}

func minerAddress(n *Node) string {
	if n.payTo == (chain.Address{}) {
		return ""
	}
	return n.payTo.Encode(n.params.AddressPrefix)
}

func (s *rpcServer) setGenerate(_ context.Context, p *params) (any, error) {
	generate, err := p.boolean(0, false)
	if err != nil {
		return nil, err
	}
	threads, err := p.intRange(1, 0, -1, 1024)
	if err != nil {
		return nil, err
	}
	n := s.node
	if threads > 0 {
		n.miner.SetThreads(int(threads))
	}
	if !generate || threads == 0 {
		n.miner.Stop()
		return nil, nil
	}
	if n.payTo == (chain.Address{}) {
		return nil, errorf(jsonrpc.CodeInvalidParam, "the node has no --miner-address to pay")
	}
	n.miner.Start()
	return nil, nil
}
