package rpcserver

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/jsonrpc"
)

func workHex(work *big.Int) string { return fmt.Sprintf("%064x", work) }

func (s *Server) getBlockchainInfo(_ context.Context, p *params) (any, error) {
	var tip consensus.BlockInfo
	var headers uint32
	var orphans int
	s.node.View(func(e ChainView, _ Mempool) {
		tip = e.Tip()
		headers = e.BestHeaderHeight()
		orphans = e.Orphans()
	})
	return map[string]any{
		"chain":                s.params.ChainID,
		"blocks":               tip.Height,
		"headers":              headers,
		"bestblockhash":        tip.Hash,
		"chainwork":            workHex(tip.ChainWork),
		"difficulty":           difficultyOf(tip.Header.Bits, s.params.PowLimitBits),
		"mediantime":           tip.MedianTime,
		"time":                 tip.Header.Timestamp,
		"genesishash":          s.params.GenesisHash,
		"addressprefix":        s.params.AddressPrefix,
		"coinbasematurity":     s.params.CoinbaseMaturity,
		"verificationprogress": 1,
		"initialblockdownload": false,
		"size_on_disk":         s.sizeOnDisk(),
		"pruned":               false,
		"warnings":             "",
		"orphanblocks":         orphans,
	}, nil
}

func (s *Server) getBlockCount(_ context.Context, p *params) (any, error) {
	return s.node.Tip().Height, nil
}

func (s *Server) getBestBlockHash(_ context.Context, p *params) (any, error) {
	return s.node.Tip().Hash, nil
}

func (s *Server) getBlockHash(_ context.Context, p *params) (any, error) {
	height, err := p.integer(0, 0)
	if err != nil {
		return nil, err
	}
	var hash chain.Hash
	ok := false
	if height >= 0 && height <= 1<<32-1 {
		s.node.View(func(e ChainView, _ Mempool) { hash, ok = e.MainChainHash(uint32(height)) })
	}
	if !ok {
		return nil, errorf(jsonrpc.CodeInvalidParam, "Block height out of range")
	}
	return hash, nil
}

// blockInfo looks up a block by the hash in parameter i.
func (s *Server) blockInfo(p *params, i int) (consensus.BlockInfo, consensus.BlockInfo, error) {
	hash, err := p.hash(i)
	if err != nil {
		return consensus.BlockInfo{}, consensus.BlockInfo{}, err
	}
	var info, tip consensus.BlockInfo
	ok := false
	s.node.View(func(e ChainView, _ Mempool) {
		info, ok = e.BlockInfo(hash)
		tip = e.Tip()
	})
	if !ok {
		return info, tip, errorf(jsonrpc.CodeInvalidAddress, "Block not found")
	}
	return info, tip, nil
}

// headerJSON is getblockheader's verbose form, the common part of getblock's.
func (s *Server) headerJSON(info, tip consensus.BlockInfo) map[string]any {
	confirmations := int64(-1)
	if info.MainChain {
		confirmations = int64(tip.Height) - int64(info.Height) + 1
	}
	m := map[string]any{
		"hash":          info.Hash,
		"confirmations": confirmations,
		"height":        info.Height,
		"version":       info.Header.Version,
		"versionHex":    fmt.Sprintf("%08x", uint32(info.Header.Version)),
		"merkleroot":    info.Header.MerkleRoot,
		"time":          info.Header.Timestamp,
		"mediantime":    info.MedianTime,
		"nonce":         info.Header.Nonce,
		"bits":          fmt.Sprintf("%08x", info.Header.Bits),
		"difficulty":    difficultyOf(info.Header.Bits, s.params.PowLimitBits),
		"chainwork":     workHex(info.ChainWork),
	}
	if info.Height > 0 {
		m["previousblockhash"] = info.Header.PrevBlock
	}
	if info.MainChain {
		var next chain.Hash
		ok := false
		s.node.View(func(e ChainView, _ Mempool) { next, ok = e.MainChainHash(info.Height + 1) })
		if ok {
			m["nextblockhash"] = next
		}
	}
	return m
}

func (s *Server) getBlockHeader(_ context.Context, p *params) (any, error) {
	verbose, err := p.boolean(1, true)
	if err != nil {
		return nil, err
	}
	info, tip, err := s.blockInfo(p, 0)
	if err != nil {
		return nil, err
	}
	if !verbose {
		return hex.EncodeToString(info.Header.Serialize()), nil
	}
	m := s.headerJSON(info, tip)
	// Core's nTx: the block's transaction count, 0 while only the header
	// is known.
	nTx := 0
	s.node.View(func(e ChainView, _ Mempool) {
		if data, err := e.BlockBytes(info.Hash); err == nil {
			nTx, _ = chain.BlockTxCount(data)
		}
	})
	m["nTx"] = nTx
	return m, nil
}

func (s *Server) getBlock(_ context.Context, p *params) (any, error) {
	verbosity, err := p.verbosity(1, 1)
	if err != nil {
		return nil, err
	}
	info, tip, err := s.blockInfo(p, 0)
	if err != nil {
		return nil, err
	}
	var data []byte
	s.node.View(func(e ChainView, _ Mempool) { data, err = e.BlockBytes(info.Hash) })
	if err != nil {
		if errors.Is(err, consensus.ErrUnknownBlock) {
			return nil, errorf(jsonrpc.CodeMisc, "Block not available (only its header is known)")
		}
		return nil, err
	}
	if verbosity == 0 {
		return hex.EncodeToString(data), nil
	}
	b, err := chain.DecodeBlock(data)
	if err != nil {
		return nil, fmt.Errorf("stored block %s does not decode: %w", info.Hash, err)
	}
	m := s.headerJSON(info, tip)
	m["size"] = len(data)
	m["strippedsize"] = len(data) // no witness data: stripped and full sizes agree
	m["weight"] = 4 * len(data)
	m["nTx"] = len(b.Transactions)
	if verbosity == 1 {
		m["tx"] = b.TxIDs()
	} else {
		txs := make([]map[string]any, len(b.Transactions))
		for i, tx := range b.Transactions {
			txs[i] = s.txJSON(tx, map[string]any{"hex": hex.EncodeToString(tx.Serialize())})
		}
		m["tx"] = txs
	}
	return m, nil
}

func (s *Server) getChainTips(_ context.Context, p *params) (any, error) {
	var tips []consensus.ChainTip
	s.node.View(func(e ChainView, _ Mempool) { tips = e.ChainTips() })
	out := make([]map[string]any, len(tips))
	for i, t := range tips {
		out[i] = map[string]any{"height": t.Height, "hash": t.Hash, "branchlen": t.BranchLen, "status": string(t.Status)}
	}
	return out, nil
}

func (s *Server) invalidateBlock(_ context.Context, p *params) (any, error) {
	return s.markBlock(p, s.node.InvalidateBlock)
}

func (s *Server) reconsiderBlock(_ context.Context, p *params) (any, error) {
	return s.markBlock(p, s.node.ReconsiderBlock)
}

// markBlock runs invalidateblock or reconsiderblock and lets the mempool
// and the miner follow the move of the tip.
func (s *Server) markBlock(p *params, mark func(chain.Hash) error) (any, error) {
	hash, err := p.hash(0)
	if err != nil {
		return nil, err
	}
	err = mark(hash)
	var re *consensus.RuleError
	switch {
	case errors.Is(err, consensus.ErrUnknownBlock):
		return nil, errorf(jsonrpc.CodeInvalidAddress, "Block not found")
	case errors.As(err, &re):
		return nil, nil // a branch found invalid on the way: the engine is on the best valid chain
	case err != nil:
		return nil, err
	}
	return nil, nil
}

func (s *Server) verifyChain(_ context.Context, p *params) (any, error) {
	err := s.node.VerifyChain()
	if errors.Is(err, consensus.ErrVerifyFailed) {
		s.log.Error("verifychain_failed", "err", err)
		return false, nil
	}
	if err != nil {
		return nil, err
	}
	return true, nil
}

// getTxOutSetInfo is Bitcoin Core's gettxoutsetinfo: a summary of the UTXO
// set with a digest (hash_serialized) that two nodes with the same UTXO set
// share, whatever order they learnt it in. The digest is SHA-256 over every
// output in outpoint order: txid, index, amount, address, height, coinbase.
func (s *Server) getTxOutSetInfo(_ context.Context, p *params) (any, error) {
	var (
		tip      consensus.BlockInfo
		count    int
		total    int64
		bogoSize int64
		txids    = map[chain.Hash]struct{}{}
		err      error
	)
	h := sha256.New()
	var buf []byte
	s.node.View(func(e ChainView, _ Mempool) {
		tip = e.Tip()
		err = e.ForEachUTXO(func(o store.Output) error {
			count++
			total += o.UTXO.Amount
			txids[o.OutPoint.TxID] = struct{}{}
			buf = append(buf[:0], o.OutPoint.TxID[:]...)
			buf = binary.LittleEndian.AppendUint32(buf, o.OutPoint.Index)
			buf = binary.LittleEndian.AppendUint64(buf, uint64(o.UTXO.Amount))
			buf = append(buf, o.UTXO.Address[:]...)
			buf = binary.LittleEndian.AppendUint32(buf, o.UTXO.Height)
			if o.UTXO.Coinbase {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
			h.Write(buf)
			bogoSize += 50 + int64(len(o.UTXO.Address)) // Core's per-output estimate: 50 bytes plus the script
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	digest := hex.EncodeToString(h.Sum(nil))
	return map[string]any{
		"height":       tip.Height,
		"bestblock":    tip.Hash,
		"txouts":       count,
		"transactions": len(txids),
		"total_amount": coins(total),
		"bogosize":     bogoSize,
		"disk_size":    s.sizeOnDisk(),
		// Core's name (btcd reads it) and the name this node used first.
		"hash_serialized_2": digest,
		"hash_serialized":   digest,
	}, nil
}

func (s *Server) getDifficulty(_ context.Context, p *params) (any, error) {
	return difficultyOf(s.node.Tip().Header.Bits, s.params.PowLimitBits), nil
}

// sizeOnDisk is the size of the chain database's files (Core's
// size_on_disk), 0 when it cannot be read.
func (s *Server) sizeOnDisk() int64 {
	var total int64
	filepath.WalkDir(filepath.Join(s.dataDir, "chain"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}
