package rpcserver

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/jsonrpc"
)

// maxGenerate bounds one generatetoaddress call.
const maxGenerate = 1_000_000

func (s *Server) generateToAddress(ctx context.Context, p *params) (any, error) {
	count, err := p.intRange(0, 0, 0, maxGenerate)
	if err != nil {
		return nil, err
	}
	addr, err := p.address(1, s.params.AddressPrefix)
	if err != nil {
		return nil, err
	}
	hashes, err := s.node.GenerateToAddress(ctx, int(count), addr)
	if err != nil {
		return nil, errorf(jsonrpc.CodeMisc, "%v", err)
	}
	return hashes, nil
}

func (s *Server) submitBlock(_ context.Context, p *params) (any, error) {
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
	// Like Bitcoin Core, a block whose parent is unknown is refused, not
	// kept: the caller submits the parent first.
	known := false
	s.node.View(func(e ChainView, _ Mempool) { _, known = e.BlockInfo(b.Header.PrevBlock) })
	if !known {
		return "prev-blk-not-found", nil
	}
	res, err := s.node.SubmitBlock(b)
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

func (s *Server) getBlockTemplate(_ context.Context, p *params) (any, error) {
	payTo, _ := s.node.MinerAddress()
	b, err := s.node.Template(payTo)
	if err != nil {
		return nil, err
	}
	height := b.Transactions[0].CoinbaseHeight()
	txs := make([]map[string]any, 0, len(b.Transactions)-1)
	for _, tx := range b.Transactions[1:] {
		txid := tx.TxID()
		var fee int64
		if e, ok := s.node.Mempool().Get(txid); ok {
			fee = e.Fee
		}
		txs = append(txs, map[string]any{"data": hex.EncodeToString(tx.Serialize()), "txid": txid, "hash": txid, "fee": fee})
	}
	var value int64
	for _, out := range b.Transactions[0].Outputs {
		value += out.Amount
	}
	tip := s.node.Tip()
	return map[string]any{
		"version":           b.Header.Version,
		"previousblockhash": b.Header.PrevBlock,
		"height":            height,
		"bits":              fmt.Sprintf("%08x", b.Header.Bits),
		"target":            fmt.Sprintf("%064x", consensus.CompactToBig(b.Header.Bits)),
		"curtime":           b.Header.Timestamp,
		"mintime":           tip.MedianTime + 1,
		"coinbasevalue":     value,
		"sizelimit":         s.params.MaxBlockBytes,
		"transactions":      txs,
	}, nil
}

// networkHashRate estimates hashes per second from the work and time of the
// last (up to) 120 blocks of the active chain.
func (s *Server) networkHashRate() float64 {
	var rate float64
	s.node.View(func(e ChainView, _ Mempool) {
		tip := e.Tip()
		if tip.Height == 0 {
			return
		}
		back := min(tip.Height, 120)
		hash, _ := e.MainChainHash(tip.Height - back)
		first, _ := e.BlockInfo(hash)
		span := int64(tip.Header.Timestamp) - int64(first.Header.Timestamp)
		if span <= 0 {
			span = 1
		}
		work := new(big.Float).SetInt(new(big.Int).Sub(tip.ChainWork, first.ChainWork))
		rate, _ = work.Quo(work, big.NewFloat(float64(span))).Float64()
	})
	return rate
}

func (s *Server) getMiningInfo(_ context.Context, p *params) (any, error) {
	tip := s.node.Tip()
	return map[string]any{
		"blocks":        tip.Height,
		"difficulty":    difficultyOf(tip.Header.Bits, s.params.PowLimitBits),
		"networkhashps": s.networkHashRate(),
		"pooledtx":      s.node.Mempool().Info().Size,
		"chain":         s.params.ChainID,
		"generate":      s.node.Miner().Running(),
		"threads":       s.node.Miner().Threads(),
		"hashespersec":  s.node.Miner().HashesPerSecond(),
		"mineraddress":  s.minerAddress(),
		"warnings":      "",
	}, nil
}

func (s *Server) minerAddress() string {
	payTo, ok := s.node.MinerAddress()
	if !ok {
		return ""
	}
	return payTo.Encode(s.params.AddressPrefix)
}

func (s *Server) setGenerate(_ context.Context, p *params) (any, error) {
	generate, err := p.boolean(0, false)
	if err != nil {
		return nil, err
	}
	threads, err := p.intRange(1, 0, -1, 1024)
	if err != nil {
		return nil, err
	}
	if threads > 0 {
		s.node.Miner().SetThreads(int(threads))
	}
	if !generate || threads == 0 {
		s.node.Miner().Stop()
		return nil, nil
	}
	if _, ok := s.node.MinerAddress(); !ok {
		return nil, errorf(jsonrpc.CodeInvalidParam, "the node has no --miner-address to pay")
	}
	s.node.Miner().Start()
	return nil, nil
}
