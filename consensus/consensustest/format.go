package consensustest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
)

// FormatResult describes what submitting a block did, by block names:
//
//	b3: main-chain height=3 reorg: -a2 -a1 +b1 +b2 +b3
//	x1: rejected bad-txnmrklroot (ErrBadMerkleRoot)
func (h *Harness) FormatResult(name string, res *consensus.Result, err error) string {
	var b strings.Builder
	b.WriteString(name + ": ")
	if err != nil {
		b.WriteString(describeErr(err))
	} else {
		b.WriteString(res.Status.String())
		if res.Status == consensus.StatusOrphan {
			b.WriteString(", missing " + h.BlockName(res.MissingParent))
		} else {
			fmt.Fprintf(&b, " height=%d", h.heights[res.Hash])
		}
	}
	if moves := h.formatReorg(res); moves != "" {
		b.WriteString(" reorg: " + moves)
	}
	if res != nil {
		for _, o := range res.Orphans {
			b.WriteString("\n  adopted " + h.BlockName(o.Hash) + ": ")
			if o.Err != nil {
				b.WriteString(describeErr(o.Err))
			} else {
				b.WriteString(o.Status.String())
			}
		}
	}
	return b.String()
}

// describeErr names a rule error by its reject reason and code.
func describeErr(err error) string {
	var re *consensus.RuleError
	if errors.As(err, &re) {
		return fmt.Sprintf("rejected %s (%s)", re.Code.Reason(), re.Code.String())
	}
	return "error: " + err.Error()
}

// formatReorg lists disconnected (-) and connected (+) blocks when the
// active chain moved other than by extending its tip; long runs are
// abbreviated as "-a120..a1 (120)".
func (h *Harness) formatReorg(res *consensus.Result) string {
	if res == nil || len(res.Disconnected) == 0 {
		return ""
	}
	return h.formatRun("-", res.Disconnected) + " " + h.formatRun("+", res.Connected)
}

func (h *Harness) formatRun(sign string, blocks []*chain.Block) string {
	if len(blocks) == 0 {
		return sign + "none"
	}
	if len(blocks) > 6 {
		return fmt.Sprintf("%s%s..%s (%d)", sign, h.BlockName(blocks[0].Hash()), h.BlockName(blocks[len(blocks)-1].Hash()), len(blocks))
	}
	parts := make([]string, len(blocks))
	for i, b := range blocks {
		parts[i] = sign + h.BlockName(b.Hash())
	}
	return strings.Join(parts, " ")
}

func (h *Harness) formatUTXO(o store.Output) string {
	kind := ""
	if o.UTXO.Coinbase {
		kind = " coinbase"
	}
	return fmt.Sprintf("%s %s %s%s height=%d", h.KeyName(o.UTXO.Address), h.OutPointName(o.OutPoint),
		chain.FormatAmount(o.UTXO.Amount), kind, o.UTXO.Height)
}
