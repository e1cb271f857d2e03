package rpcserver

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/jsonrpc"
	"github.com/devchain/devchain/mempool"
)

// decodeTxParam decodes the hex transaction in parameter i.
func decodeTxParam(p *params, i int) (*chain.Transaction, error) {
	raw, err := p.hexBytes(i)
	if err != nil {
		return nil, err
	}
	tx, err := chain.DecodeTransaction(raw)
	if err != nil {
		return nil, errorf(jsonrpc.CodeDeserialization, "TX decode failed: %v", err)
	}
	return tx, nil
}

// scriptPubKeyJSON is Core's scriptPubKey object of an output paying addr.
// An address is a BIP340 x-only key, the shape of a taproot output, so the
// object is the one Core shows for a taproot output (OP_1 <key>).
func scriptPubKeyJSON(addr chain.Address, prefix string) map[string]any {
	key := hex.EncodeToString(addr[:])
	return map[string]any{
		"asm":     "1 " + key,
		"desc":    "rawtr(" + key + ")",
		"hex":     "5120" + key,
		"address": addr.Encode(prefix),
		"type":    "witness_v1_taproot",
	}
}

// txJSON is the decoded form of a transaction, with Core's fields
// (scriptSig, scriptPubKey) and the node's own (address, coinbase).
func (s *Server) txJSON(tx *chain.Transaction, extra map[string]any) map[string]any {
	prefix := s.params.AddressPrefix
	vin := make([]map[string]any, len(tx.Inputs))
	for i, in := range tx.Inputs {
		if tx.IsCoinbase() {
			free := append(append([]byte{}, in.PubKey[:]...), in.Signature[:]...)
			vin[i] = map[string]any{"coinbase": hex.EncodeToString(free), "height": in.PrevOut.Index, "sequence": uint32(0xffffffff)}
			continue
		}
		sig := hex.EncodeToString(in.Signature[:])
		vin[i] = map[string]any{
			"txid":        in.PrevOut.TxID,
			"vout":        in.PrevOut.Index,
			"scriptSig":   map[string]any{"asm": "", "hex": ""},
			"txinwitness": []string{sig},
			"sequence":    uint32(0xffffffff),
			"address":     chain.Address(in.PubKey).Encode(prefix),
			"signature":   sig,
		}
	}
	vout := make([]map[string]any, len(tx.Outputs))
	for i, out := range tx.Outputs {
		vout[i] = map[string]any{"value": coins(out.Amount), "n": i, "scriptPubKey": scriptPubKeyJSON(out.Address, prefix),
			"address": out.Address.Encode(prefix)}
	}
	txid := tx.TxID()
	size := tx.SerializeSize()
	m := map[string]any{
		"txid":     txid,
		"hash":     txid,
		"version":  tx.Version,
		"size":     size,
		"vsize":    size,
		"weight":   4 * size,
		"locktime": 0,
		"coinbase": tx.IsCoinbase(),
		"vin":      vin,
		"vout":     vout,
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// rejectToRPC maps a mempool or consensus rejection to Bitcoin Core's
// codes: -25 for missing inputs, -27 for a confirmed transaction, -26 for
// every other rule with the reject reason as the message.
func rejectToRPC(err error) error {
	var re *mempool.RejectError
	if errors.As(err, &re) {
		switch {
		case re.Code == mempool.RejectOrphan || re.Code == mempool.RejectMissingInputs:
			return errorf(jsonrpc.CodeVerify, "%s", re.Reason)
		case re.Reason == mempool.ReasonAlreadyKnown:
			return errorf(jsonrpc.CodeVerifyInChain, "Transaction already in block chain")
		}
		return errorf(jsonrpc.CodeVerifyRejected, "%s", re.Reason)
	}
	var rule *consensus.RuleError
	if errors.As(err, &rule) {
		return errorf(jsonrpc.CodeVerifyRejected, "%s", rule.Code.Reason())
	}
	return err
}

func (s *Server) sendRawTransaction(_ context.Context, p *params) (any, error) {
	tx, err := decodeTxParam(p, 0)
	if err != nil {
		return nil, err
	}
	txid := tx.TxID()
	if err := s.node.SubmitTx(tx); err != nil {
		var re *mempool.RejectError
		if errors.As(err, &re) && re.Reason == mempool.ReasonAlreadyInPool {
			return txid, nil // as Core: already in the mempool is success
		}
		return nil, rejectToRPC(err)
	}
	return txid, nil
}

func (s *Server) testMempoolAccept(_ context.Context, p *params) (any, error) {
	raws, err := p.strings(0)
	if err != nil {
		return nil, err
	}
	if len(raws) == 0 || len(raws) > 25 {
		return nil, errorf(jsonrpc.CodeInvalidParam, "Array must contain between 1 and 25 transactions.")
	}
	out := make([]map[string]any, 0, len(raws))
	for _, raw := range raws {
		data, err := hex.DecodeString(raw)
		if err != nil {
			return nil, errorf(jsonrpc.CodeDeserialization, "TX decode failed: %v", err)
		}
		tx, err := chain.DecodeTransaction(data)
		if err != nil {
			return nil, errorf(jsonrpc.CodeDeserialization, "TX decode failed: %v", err)
		}
		fee, cerr := s.node.TestTx(tx)
		r := map[string]any{"txid": tx.TxID(), "wtxid": tx.TxID(), "allowed": cerr == nil}
		if cerr == nil {
			r["vsize"] = tx.SerializeSize()
			r["fees"] = map[string]any{"base": coins(fee)}
		} else {
			r["reject-reason"] = rejectReason(cerr)
		}
		out = append(out, r)
	}
	return out, nil
}

// rejectReason is the Core reject string of a refusal.
func rejectReason(err error) string {
	var re *mempool.RejectError
	if errors.As(err, &re) {
		return re.Reason
	}
	var rule *consensus.RuleError
	if errors.As(err, &rule) {
		return rule.Code.Reason()
	}
	return err.Error()
}

func (s *Server) decodeRawTransaction(_ context.Context, p *params) (any, error) {
	tx, err := decodeTxParam(p, 0)
	if err != nil {
		return nil, err
	}
	return s.txJSON(tx, nil), nil
}

func (s *Server) getRawTransaction(_ context.Context, p *params) (any, error) {
	txid, err := p.hash(0)
	if err != nil {
		return nil, err
	}
	verbose, err := p.verbosity(1, 0)
	if err != nil {
		return nil, err
	}
	var blockHash *chain.Hash
	if p.has(2) {
		h, err := p.hash(2)
		if err != nil {
			return nil, err
		}
		blockHash = &h
	}
	found, err := s.findTx(txid, blockHash)
	if err != nil {
		return nil, err
	}
	if verbose == 0 {
		return hex.EncodeToString(found.tx.Serialize()), nil
	}
	extra := map[string]any{"hex": hex.EncodeToString(found.tx.Serialize())}
	if found.inBlock {
		extra["blockhash"] = found.block.Hash
		extra["height"] = found.block.Height
		extra["time"] = found.block.Header.Timestamp
		extra["blocktime"] = found.block.Header.Timestamp
		extra["in_active_chain"] = found.block.MainChain
		extra["confirmations"] = found.confirmations
	} else {
		extra["confirmations"] = 0
	}
	return s.txJSON(found.tx, extra), nil
}

func (s *Server) getRawMempool(_ context.Context, p *params) (any, error) {
	verbose, err := p.boolean(0, false)
	if err != nil {
		return nil, err
	}
	entries := s.node.Mempool().Entries()
	if !verbose {
		ids := make([]chain.Hash, len(entries))
		for i, e := range entries {
			ids[i] = e.TxID
		}
		return ids, nil
	}
	out := make(map[string]any, len(entries))
	for _, e := range entries {
		out[e.TxID.String()] = mempoolEntryJSON(e)
	}
	return out, nil
}

// mempoolEntryJSON is Core's getmempoolentry object (also the values of
// getrawmempool true), with the older fee fields btcd still reads.
func mempoolEntryJSON(e *mempool.Entry) map[string]any {
	depends := e.Depends
	if depends == nil {
		depends = []chain.Hash{}
	}
	spentBy := e.SpentBy
	if spentBy == nil {
		spentBy = []chain.Hash{}
	}
	return map[string]any{
		"vsize":           e.Size,
		"size":            e.Size,
		"weight":          4 * e.Size,
		"time":            e.Time.Unix(),
		"height":          e.Height,
		"descendantcount": e.DescendantCount,
		"descendantsize":  e.DescendantSize,
		"ancestorcount":   e.AncestorCount,
		"ancestorsize":    e.AncestorSize,
		"wtxid":           e.TxID,
		"fee":             coins(e.Fee),
		"modifiedfee":     coins(e.Fee),
		"ancestorfees":    e.AncestorFees,
		"descendantfees":  e.DescendantFees,
		"fees": map[string]any{"base": coins(e.Fee), "modified": coins(e.Fee),
			"ancestor": coins(e.AncestorFees), "descendant": coins(e.DescendantFees)},
		"depends":            depends,
		"spentby":            spentBy,
		"bip125-replaceable": false,
		"unbroadcast":        false,
	}
}

func (s *Server) getMempoolEntry(_ context.Context, p *params) (any, error) {
	txid, err := p.hash(0)
	if err != nil {
		return nil, err
	}
	e, ok := s.node.Mempool().Get(txid)
	if !ok {
		return nil, errorf(jsonrpc.CodeInvalidAddress, "Transaction not in mempool")
	}
	return mempoolEntryJSON(e), nil
}

// estimateSmartFee answers as Bitcoin Core does when it has no fee
// statistics: this node keeps none (blocks are rarely full on a devnet).
func (s *Server) estimateSmartFee(_ context.Context, p *params) (any, error) {
	target, err := p.integer(0, 0)
	if err != nil {
		return nil, err
	}
	if target < 1 || target > 1008 {
		return nil, errorf(jsonrpc.CodeInvalidParam, "Invalid conf_target, must be between 1 and 1008")
	}
	if p.has(1) {
		mode, err := p.str(1)
		if err != nil {
			return nil, err
		}
		if !slices.Contains([]string{"unset", "economical", "conservative"}, strings.ToLower(mode)) {
			return nil, errorf(jsonrpc.CodeInvalidParam, `Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"`)
		}
	}
	return map[string]any{"errors": []string{"Insufficient data or no feerate found"}, "blocks": 0}, nil
}

func (s *Server) getMempoolInfo(_ context.Context, p *params) (any, error) {
	info := s.node.Mempool().Info()
	return map[string]any{
		"loaded":           true,
		"size":             info.Size,
		"bytes":            info.Bytes,
		"usage":            info.Bytes,
		"total_fee":        coins(info.TotalFee),
		"maxmempool":       info.MaxBytes,
		"mempoolminfee":    info.MinFeeRate,
		"minrelaytxfee":    info.MinRelayFeeRate,
		"orphans":          info.Orphans,
		"unbroadcastcount": 0,
	}, nil
}

func (s *Server) getTxOut(_ context.Context, p *params) (any, error) {
	txid, err := p.hash(0)
	if err != nil {
		return nil, err
	}
	index, err := p.intRange(1, 0, 0, 1<<32-1)
	if err != nil {
		return nil, err
	}
	includeMempool, err := p.boolean(2, true)
	if err != nil {
		return nil, err
	}
	op := chain.OutPoint{TxID: txid, Index: uint32(index)}
	var result any
	s.node.View(func(c ChainView, pool Mempool) { result, err = s.txOut(c, pool, op, includeMempool) })
	return result, err
}

// txOut is gettxout's answer for op, read in one view of chain and mempool.
func (s *Server) txOut(c ChainView, pool Mempool, op chain.OutPoint, includeMempool bool) (any, error) {
	tip := c.Tip()
	result := func(amount int64, addr chain.Address, confirmations int64, coinbase bool) map[string]any {
		return map[string]any{
			"bestblock":     tip.Hash,
			"confirmations": confirmations,
			"value":         coins(amount),
			"scriptPubKey":  scriptPubKeyJSON(addr, s.params.AddressPrefix),
			"address":       addr.Encode(s.params.AddressPrefix),
			"coinbase":      coinbase,
		}
	}
	if includeMempool {
		if _, spent := pool.SpentBy(op); spent {
			return nil, nil
		}
		if e, ok := pool.Get(op.TxID); ok {
			if int(op.Index) >= len(e.Tx.Outputs) {
				return nil, nil
			}
			out := e.Tx.Outputs[op.Index]
			return result(out.Amount, out.Address, 0, false), nil
		}
	}
	u, ok, err := c.UTXO(op)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	return result(u.Amount, u.Address, int64(tip.Height)-int64(u.Height)+1, u.Coinbase), nil
}

// unspent is one listunspent entry.
type unspent struct {
	TxID          chain.Hash `json:"txid"`
	Vout          uint32     `json:"vout"`
	Address       string     `json:"address"`
	Amount        jsonAmount `json:"amount"`
	Confirmations int64      `json:"confirmations"`
	Coinbase      bool       `json:"coinbase"`
	Spendable     bool       `json:"spendable"`
}

func (s *Server) listUnspent(_ context.Context, p *params) (any, error) {
	minConf, err := p.intRange(0, 1, 0, 1<<31)
	if err != nil {
		return nil, err
	}
	maxConf, err := p.intRange(1, 9999999, 0, 1<<31)
	if err != nil {
		return nil, err
	}
	addrStrings, err := p.strings(2)
	if err != nil {
		return nil, err
	}
	if len(addrStrings) == 0 {
		return nil, errorf(jsonrpc.CodeInvalidParam, "listunspent needs addresses (this node keeps no wallet): listunspent minconf maxconf [\"address\", ...]")
	}
	addrs := map[chain.Address]bool{}
	for _, a := range addrStrings {
		addr, err := decodeAddress(a, s.params.AddressPrefix)
		if err != nil {
			return nil, err
		}
		if addrs[addr] {
			return nil, errorf(jsonrpc.CodeInvalidParam, "Invalid parameter, duplicated address: %s", a)
		}
		addrs[addr] = true
	}
	var out []unspent
	s.node.View(func(c ChainView, pool Mempool) { out, err = s.unspent(c, pool, addrs, minConf, maxConf) })
	return out, err
}

// unspent lists the unspent outputs of addrs, read in one view of chain
// and mempool, in Core's order.
func (s *Server) unspent(c ChainView, pool Mempool, addrs map[chain.Address]bool, minConf, maxConf int64) ([]unspent, error) {
	out := []unspent{}
	tipHeight := int64(c.Height())
	for addr := range addrs {
		outs, err := c.AddressUTXOs(addr)
		if err != nil {
			return nil, err
		}
		for _, o := range outs {
			if _, spent := pool.SpentBy(o.OutPoint); spent {
				continue
			}
			conf := tipHeight - int64(o.UTXO.Height) + 1
			if conf < minConf || conf > maxConf {
				continue
			}
			mature := s.params.Spendable(o.UTXO, tipHeight+1)
			out = append(out, unspent{TxID: o.OutPoint.TxID, Vout: o.OutPoint.Index, Address: addr.Encode(s.params.AddressPrefix),
				Amount: jsonAmount(o.UTXO.Amount), Confirmations: conf, Coinbase: o.UTXO.Coinbase, Spendable: mature})
		}
	}
	if minConf == 0 {
		for _, e := range pool.Entries() {
			for i, o := range e.Tx.Outputs {
				op := chain.OutPoint{TxID: e.TxID, Index: uint32(i)}
				if _, spent := pool.SpentBy(op); spent || !addrs[o.Address] {
					continue
				}
				out = append(out, unspent{TxID: e.TxID, Vout: uint32(i), Address: o.Address.Encode(s.params.AddressPrefix),
					Amount: jsonAmount(o.Amount), Spendable: true})
			}
		}
	}
	slices.SortFunc(out, func(a, b unspent) int {
		if a.Confirmations != b.Confirmations {
			return int(a.Confirmations - b.Confirmations)
		}
		if c := slices.Compare(a.TxID[:], b.TxID[:]); c != 0 {
			return c
		}
		return int(a.Vout) - int(b.Vout)
	})
	return out, nil
}

// jsonAmount marshals units as a JSON number of coins.
type jsonAmount int64

// MarshalJSON writes the amount in coins with up to 8 decimals.
func (a jsonAmount) MarshalJSON() ([]byte, error) { return []byte(chain.FormatAmount(int64(a))), nil }
